"""build_report / write_charts: every file written, valid, reproducible; English beside."""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib.pyplot as plt
import pytest
from defusedxml import ElementTree
from PIL import Image

from tests.report_fixture import cached_report, copy_results
from zsa_sim.report import build, build_report, charts_dir, report_path, write_charts
from zsa_sim.report.charts_staff import staff_charts
from zsa_sim.report.charts_times import time_charts
from zsa_sim.report.process_map import process_map_charts

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
EXPECTED = {
    "waiting_time_hundehaltung",
    "lead_time_hundehaltung",
    "waiting_time_wohngeld",
    "lead_time_wohngeld",
    "ecdf_hundehaltung",
    "ecdf_wohngeld",
    "backlog",
    "utilisation",
    "staff_cost",
    "hours_freed",
    "weekly_utilisation",
    "weekly_queue",
    "process_map_hundehaltung",
    "process_map_wohngeld",
}


@pytest.fixture(scope="module")
def built():
    return cached_report("de")


def test_every_chart_and_the_report_are_written(built) -> None:
    run_dir = built.report.parent
    assert built.report == run_dir / "report.html"
    assert {c.name for c in built.charts} == EXPECTED
    for chart in built.charts:
        assert chart.png.parent == run_dir / "charts"
        assert chart.png.exists() and chart.svg.exists()
        assert chart.title and chart.caption


def test_pngs_are_valid_images_of_sensible_size(built) -> None:
    for chart in built.charts:
        assert chart.png.read_bytes()[:8] == PNG_SIGNATURE
        with Image.open(chart.png) as image:
            image.verify()
        with Image.open(chart.png) as image:
            width, height = image.size
            # every chart of the report fits a 256-colour palette without visible loss:
            # a full-colour PNG takes ~3x the bytes, in charts/ and in report.html
            assert image.mode == "P", chart.name
        # readable on a page (>= 6 in at 150 dpi) and not absurdly large
        assert 900 <= width <= 4500, (chart.name, width)
        assert 450 <= height <= 4500, (chart.name, height)
        assert 5_000 < chart.png.stat().st_size < 1_000_000


def test_charts_and_report_stay_within_a_size_budget(built) -> None:
    """The results folder's budget (issue 19: the pilot's under 30 MB): the fixture's
    charts in full colour took ~2.9 MB and the report that embeds them ~4.0 MB."""
    pngs = sum(chart.png.stat().st_size for chart in built.charts)
    assert pngs < 1_300_000
    assert built.report.stat().st_size < pngs * 4 / 3 + 300_000  # base64 plus the page


def test_svgs_parse_as_xml(built) -> None:
    for chart in built.charts:
        root = ElementTree.fromstring(chart.svg.read_bytes())
        assert root.tag == "{http://www.w3.org/2000/svg}svg"
        assert float(root.get("width").removesuffix("pt")) > 300


def test_no_figure_is_left_open(built) -> None:
    assert plt.get_fignums() == []


def test_same_results_give_the_same_bytes(tmp_path, built, monkeypatch) -> None:
    monkeypatch.setattr(build, "CHART_SOURCES", (time_charts, process_map_charts))
    again = write_charts(copy_results(tmp_path), "de")
    first = {c.name: c for c in built.charts}
    assert again
    for chart in again:
        assert chart.png.read_bytes() == first[chart.name].png.read_bytes(), chart.name
        assert chart.svg.read_bytes() == first[chart.name].svg.read_bytes(), chart.name


def test_english_goes_beside_the_german_report(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(build, "CHART_SOURCES", (staff_charts,))
    run_dir = copy_results(tmp_path)
    german = build_report(run_dir)
    english = build_report(run_dir, "en")
    assert german.report == report_path(run_dir) == run_dir / "report.html"
    assert english.report == report_path(run_dir, "en") == run_dir / "report.en.html"
    assert charts_dir(run_dir, "en") == run_dir / "charts" / "en"
    assert {c.png.parent for c in english.charts} == {run_dir / "charts" / "en"}
    assert german.report.read_text(encoding="utf-8").count('lang="de"') == 1
    assert english.charts[0].title.startswith("Above 85% utilisation")


def test_unknown_language_is_refused(tmp_path) -> None:
    with pytest.raises(ValueError, match=r"language must be one of de, en, got 'fr'"):
        build_report(tmp_path, "fr")  # type: ignore[arg-type]


@pytest.mark.slow
def test_a_real_run_of_the_pilot_writes_every_chart_and_the_report(tmp_path) -> None:
    """The runner's own output (shortened pilot scenario) through the whole report."""
    from zsa_sim.experiment.runner import RunOptions
    from zsa_sim.pipeline import run_and_report
    from zsa_sim.scenario import load_scenario

    root = Path(__file__).parents[1]
    scenario = load_scenario(root / "scenarios" / "pilot.yaml").with_changes(
        {
            "period.days": 20,
            "period.warmup_days": 5,
            "period.cooldown_days": 5,
            "replications": 2,
        }
    )
    options = RunOptions(jobs=2, out_root=tmp_path, xes="none", eventlog=False, report=True)
    outcome = run_and_report(scenario, options)
    run_dir = outcome.run_dir
    assert outcome.report == run_dir / "report.html" and outcome.report_error is None
    assert outcome.excel == run_dir / "kpis.xlsx"
    report = (run_dir / "report.html").read_text(encoding="utf-8")
    names = {p.stem for p in (run_dir / "charts").glob("*.png")}
    assert names == EXPECTED
    assert {p.stem for p in (run_dir / "charts").glob("*.svg")} == EXPECTED
    for png in (run_dir / "charts").glob("*.png"):
        with Image.open(png) as image:
            assert image.size[0] >= 900
    for municipality in scenario.municipalities.values():
        assert municipality.name in report
    assert report.count('<img src="data:image/png;base64,') == len(EXPECTED)
    assert "Lauf</dt><dd>" + run_dir.name in report  # the final name, not the partial one
    assert plt.get_fignums() == []


def test_a_staffing_plan_beside_the_run_becomes_a_report_section(tmp_path, monkeypatch) -> None:
    # issue 9: the planner's answer is part of the decision report when a plan of the
    # same scenario lies next to the run folder.
    import json
    import shutil

    from tests.planning_fixture import cheap_plan
    from zsa_sim.planning import write_plan

    monkeypatch.setattr(build, "CHART_SOURCES", (staff_charts,))
    probe = copy_results(tmp_path / "probe")
    name = json.loads((probe / "summary.json").read_text(encoding="utf-8"))["scenario"]["name"]
    run_dir = copy_results(tmp_path / "results" / name)
    without = build_report(run_dir).report.read_text(encoding="utf-8")
    assert 'id="planning"' not in without

    plan_dir = write_plan(cheap_plan(), tmp_path / "plans")
    shutil.copytree(plan_dir, tmp_path / "results" / name / plan_dir.name)
    page = build_report(run_dir).report.read_text(encoding="utf-8")
    assert page.count('id="planning"') == 1
    assert 'href="#planning"' in page
    assert "VZÄ" in page


def test_the_english_report_names_the_services_in_english() -> None:
    from tests.report_fixture import cached_report

    page = cached_report("en").report.read_text(encoding="utf-8")
    shown = re.sub(r"<details>.*?</details>", "", page, flags=re.S)  # raw parameters aside
    assert "Housing benefit" in shown and "Dog keeping" in shown
    assert "Wohngeld:" not in shown and ">Wohngeld<" not in shown


def test_an_english_report_first_makes_its_charts_folder(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(build, "CHART_SOURCES", (staff_charts,))
    run_dir = copy_results(tmp_path)
    files = build_report(run_dir, "en")
    assert files.charts and all(c.png.parent == run_dir / "charts" / "en" for c in files.charts)
    assert all(c.png.is_file() for c in files.charts)
    german = build_report(run_dir, "de")  # the German charts keep the English beside them
    assert all(c.png.is_file() for c in (*german.charts, *files.charts))
