import json
from pathlib import Path

import pytest

pytest.importorskip("plotly", reason="the workbench's charts need plotly (extra 'web')")

from tests.web_fixture import tiny_run
from zsa_sim.report.i18n import kpi_label
from zsa_sim.scenario import load_scenario
from zsa_sim.web.charts import compare_figure, kpi_figure, process_map_figure

MINI = Path(__file__).parent / "data" / "scenarios" / "mini.yaml"
PILOT = Path(__file__).parents[1] / "scenarios" / "pilot.yaml"


def test_process_map_marks_the_centralisable_tasks():
    pilot = load_scenario(PILOT)
    figure = process_map_figure(pilot, "hundehaltung", central=True, lang="en")
    texts = {text.split("</b>")[0].removeprefix("<b>"): text for text in figure.data[1].hovertext}
    assert len(texts) == 12  # every task of the model
    decision = texts["Hundesteuerbescheid erlassen"]
    assert decision.endswith("stays with the municipality")
    assert "Role: tax clerks" in decision
    assert "centralisable" in texts["Vorgang archivieren"]
    centralisable = [t for t in texts.values() if t.endswith("<br>centralisable")]
    assert len(centralisable) == 9  # the model's zsa:centralisable tasks
    dashed = [s for s in figure.layout.shapes if s.line.dash == "dash"]
    assert len(dashed) == 9
    assert {s.fillcolor for s in dashed} == {"#d6e6f5"}  # filled: the ZSA does them
    apart = process_map_figure(pilot, "hundehaltung", central=False)
    assert {s.fillcolor for s in apart.layout.shapes if s.line.dash == "dash"} == {"white"}


def test_a_model_without_diagram_has_no_map():
    assert process_map_figure(load_scenario(MINI), "antrag", central=True) is None


def test_kpi_figure_error_bars_are_the_intervals():
    run_dir = tiny_run()
    summary = json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))
    row = next(
        k
        for k in summary["kpis"]
        if (k["variant"], k["municipality"], k["service"], k["pool"], k["kpi"])
        == ("zentral", "Bdorf", "all", "", "lead_time_mean")
    )
    figure = kpi_figure(run_dir, "lead_time_mean", "de")
    bars = {trace.name: trace for trace in figure.data}
    assert list(bars) == ["Dezentral", "Hybrid", "Zentral (ZSA)"]
    bar = bars["Zentral (ZSA)"]
    assert list(bar.x) == ["Adorf", "Bdorf (Elbe)"]
    assert bar.y[1] == row["mean"]
    assert bar.error_y.array[1] == pytest.approx(row["ci_high"] - row["mean"])
    assert bar.error_y.arrayminus[1] == pytest.approx(row["mean"] - row["ci_low"])
    assert "95 %" in bar.hovertemplate


def test_compare_figure_has_one_bar_group_per_run():
    run_dir = tiny_run()
    figure = compare_figure([run_dir, run_dir], "waiting_time_p90", "en")
    assert len(figure.data) == 2
    assert figure.layout.title.text == kpi_label("waiting_time_p90", "en")  # the report's name


def test_utilisation_is_shown_per_staff_pool_in_percent():
    run_dir = tiny_run()
    summary = json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))
    row = next(
        k
        for k in summary["kpis"]
        if (k["variant"], k["municipality"], k["service"], k["pool"], k["kpi"])
        == ("zentral", "Adorf", "all", "clerk", "utilisation")
    )
    figure = kpi_figure(run_dir, "utilisation", "de")
    bar = {trace.name: trace for trace in figure.data}["Zentral (ZSA)"]
    assert "Adorf · Sachbearbeitung" in bar.x
    assert any(label.startswith("ZSA (zentrale Servicestelle) · ") for label in bar.x)
    at = list(bar.x).index("Adorf · Sachbearbeitung")
    assert bar.y[at] == pytest.approx(100 * row["mean"])
    assert bar.error_y.array[at] == pytest.approx(100 * (row["ci_high"] - row["mean"]))
    assert figure.layout.yaxis.title.text == "%"
    side_by_side = compare_figure([run_dir, run_dir], "utilisation", "de")
    assert all(len(trace.x) == len(bar.x) for trace in side_by_side.data)


def test_a_missing_map_is_said_in_a_title_plotly_js_3_shows():
    pytest.importorskip("dash", reason="the workbench needs Dash (pip install 'zsa-sim[web]')")
    from zsa_sim.web.wiring import no_map

    figure = no_map("Das Modell hat kein Diagramm.")
    # plotly.js 3 (Dash 4) ignores a plain string title: the page showed empty axes
    assert figure["layout"]["title"] == {"text": "Das Modell hat kein Diagramm."}
    assert figure["layout"]["xaxis"] == figure["layout"]["yaxis"] == {"visible": False}
