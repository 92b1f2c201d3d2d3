import shutil
from dataclasses import replace

import pytest

from tests.web_fixture import tiny_run, tiny_scenario
from zsa_sim.errors import ZsaError
from zsa_sim.scenario import load_scenario
from zsa_sim.web.callbacks import (
    POLL_FAST,
    POLL_NEAR_END,
    POLL_SLOW,
    VERSIONS_DIR,
    Workbench,
    answer_rows,
    form_outputs,
    form_values,
    poll_interval,
    with_language,
)
from zsa_sim.web.form import FormValues, form_display, staff_rows
from zsa_sim.web.jobs import JobStatus
from zsa_sim.web.layout import View


@pytest.fixture
def bench(tmp_path):
    return Workbench(load_scenario(tiny_scenario(tmp_path / "scenario")), tmp_path / "results")


def form_of(whatif, **changes):
    values = FormValues(
        name=whatif.name,
        municipalities=list(whatif.municipalities),
        services=list(whatif.services),
        zsa_staff=whatif.zsa_staff,
        zsa_teams=[],
        staff=staff_rows(whatif),
        volume=dict(whatif.volume),
        handover=whatif.handover_days,
        effort=whatif.effort_factor,
        replications=whatif.replications,
    )
    return replace(values, **changes)


def test_check_message_lists_changes_or_says_what_is_wrong(bench):
    start = bench.form_start(None)
    assert bench.check_message(None, form_of(start), "en") == "✓ Valid, no changes."
    assert bench.check_message(
        None, form_of(start, zsa_staff=2.5, municipalities=["Adorf"]), "de"
    ) == (
        "✓ Gültig. Änderungen gegenüber der Szenariodatei: "
        "variants.zentral.zsa.municipalities = [Adorf]; zsa.staff = 2.5"
    )
    message = bench.check_message(None, form_of(start, effort=-1), "de")
    assert message.startswith("✗ ") and message.endswith(
        "mini.yaml: zsa.effort_factor: Input should be greater than 0, got -1.0"
    )
    assert bench.check_message("hybrid", form_of(start, replications=""), "de") == (
        "✗ replications: a number is needed"
    )


def test_start_run_writes_the_version_and_runs_exactly_that_file(bench):
    form = form_of(bench.form_start(None), name="mini-v1", zsa_staff=2.0)
    job = bench.start_run(None, form)
    status = bench.jobs.wait(job, timeout=120)
    assert status.state == "done", status.error
    version = bench.out_root / VERSIONS_DIR / "mini-v1.yaml"
    kept = bench.out_root / "mini-v1" / status.run_dir.rsplit("/", 1)[1] / "inputs"
    assert (kept / "mini-v1.yaml").read_bytes() == version.read_bytes()
    assert load_scenario(version).zsa.staff == 2.0
    assert bench.run_options()[0] == {
        "label": f"mini-v1 · {status.run_dir.rsplit('/', 1)[1]}",
        "value": status.run_dir,
    }
    assert bench.next_name("mini-v1") == "mini-v2"
    with pytest.raises(ZsaError, match=r"zsa\.staff: a number is needed"):
        bench.start_run(None, replace(form, zsa_staff=None))


def test_progress_text_per_state(bench):
    running = JobStatus(
        "j", "mini-v1", "running", "simulate", done=2, total=6, elapsed=3.4, eta=6.6
    )
    assert bench.progress_text(running, "de") == (
        "mini-v1: Simulation, 2 von 6 Läufen, 3 s vergangen, noch etwa 7 s"
    )
    preparing = replace(running, phase="prepare", done=0, total=0, eta=None)
    assert bench.progress_text(preparing, "en") == (
        "mini-v1: loading and checking the scenario, 3 s elapsed"
    )
    done = replace(running, state="done", elapsed=12.25, cpu_seconds=20.5)
    assert bench.progress_text(done, "en") == "Done: mini-v1 in 12.2 s (20.5 CPU seconds)."
    cached = replace(done, from_cache=3)
    assert bench.progress_text(cached, "de") == (
        "Fertig: mini-v1 in 12,2 s (20,5 CPU-Sekunden; 3 von 6 Läufen unverändert, "
        "aus dem Ergebnis-Zwischenspeicher)."
    )
    assert bench.progress_text(replace(running, state="cancelled"), "de") == (
        "Abgebrochen; es wurde nichts gespeichert."
    )
    assert bench.progress_text(replace(running, state="failed", error="x: y"), "en") == (
        "Error: x: y"
    )


def test_form_outputs_match_the_fill_callbacks_outputs(bench):
    out = form_outputs(bench.form_start(None))
    assert out[:7] == (["Adorf", "Bdorf"], ["antrag"], "1.5", [], 1.0, 0.9, 2)
    assert out[7][0] == {
        "municipality": "Adorf",
        "role": "front_office",
        "base": "1",
        "with": "0.2",
    }
    assert out[8] == [1.0]
    values = form_values(
        "n",
        ["Adorf"],
        ["antrag"],
        2,
        None,
        out[7],
        [1.2],
        [{"type": "f-volume", "service": "antrag"}],
        1.0,
        0.9,
        2,
    )
    assert values.volume == {"antrag": 1.2}
    assert values.zsa_teams == []


def test_answer_rows_name_every_municipality_and_the_zsa():
    rows = answer_rows(tiny_run(), "de")
    assert [(r["variant"], r["municipality"]) for r in rows] == [
        ("Zentral (ZSA)", "Adorf"),
        ("Zentral (ZSA)", "Bdorf (Elbe)"),
        ("Zentral (ZSA)", "ZSA (zentrale Servicestelle)"),
        ("Hybrid", "Adorf"),
        ("Hybrid", "Bdorf (Elbe)"),
        ("Hybrid", "ZSA (zentrale Servicestelle)"),
    ]
    assert rows[0]["staff"] == "3,00 → 2,20"
    assert rows[2]["conclusion"] == "–"
    assert rows[2]["lead_time_mean"] == "–"


def test_exports(bench, tmp_path):
    run_dir = tmp_path / "copy" / "mini" / tiny_run().name
    shutil.copytree(tiny_run(), run_dir)
    yaml_file = bench.export("yaml", run_dir, "de")
    assert yaml_file == run_dir / "inputs" / "mini.yaml"
    workbook = bench.export("excel", run_dir, "en")
    from openpyxl import load_workbook

    assert workbook.parent == run_dir and workbook.suffix == ".xlsx"
    assert len(load_workbook(workbook).sheetnames) == 4  # the report's workbook
    (run_dir / "inputs" / "mini.yaml").unlink()
    with pytest.raises(ZsaError, match="the run kept no scenario file in inputs/"):
        bench.export("yaml", run_dir, "de")


def test_the_event_log_is_exported_on_request_and_kept_in_the_run(bench, tmp_path):
    run_dir = tmp_path / "copy" / "mini" / tiny_run().name
    shutil.copytree(tiny_run(), run_dir)
    # as the workbench's runs are: without the event log (tiny_run() wrote the default)
    (run_dir / "eventlog.csv.gz").unlink()
    (run_dir / "eventlog.meta.json").unlink()
    path = bench.export("eventlog", run_dir, "de")  # simulated in a worker process
    assert path == run_dir / "eventlog.csv.gz"
    assert path.read_bytes() == (tiny_run() / "eventlog.csv.gz").read_bytes()
    import gzip

    with gzip.open(path, "rt", encoding="utf-8") as log:
        lines = log.read().splitlines()
    # the first replication of each of the three variants, and nothing else
    variants = {line.split(",")[3] for line in lines[1:]}
    replications = {line.split(",")[4] for line in lines[1:]}
    assert (variants, replications) == ({"dezentral", "zentral", "hybrid"}, {"0"})


def _cancel_when(bench, run_dir, what, pattern):
    """Export ``what`` in a thread, cancel it once ``pattern`` appears in the run's folder
    (the export is half-way); what the export raised."""
    import threading
    import time

    outcome: list[BaseException] = []

    def export() -> None:
        try:
            bench.export(what, run_dir, "de")
        except BaseException as err:
            outcome.append(err)

    thread = threading.Thread(target=export)
    thread.start()
    deadline = time.monotonic() + 60
    while not list(run_dir.glob(pattern)) and thread.is_alive():
        assert time.monotonic() < deadline, f"{pattern} never appeared"
        time.sleep(0.01)
    assert bench.cancel_export() == 1
    thread.join(60)
    assert not thread.is_alive()
    return outcome


@pytest.mark.parametrize(
    ("what", "pattern", "product"),
    [("html", ".charts-partial-de", "report.html"), ("eventlog", ".eventlog-*", "eventlog.csv.gz")],
)
def test_a_cancelled_export_stops_and_leaves_nothing_behind(
    bench, tmp_path, what, pattern, product
):
    """The page's "Cancel" while a report is drawn or an event log simulated: the worker
    stops, the export says so, and no half-written file or folder stays in the run."""
    from zsa_sim.web.jobs import CallCancelled

    run_dir = tmp_path / "copy" / "mini" / tiny_run().name
    shutil.copytree(tiny_run(), run_dir)
    (run_dir / "eventlog.csv.gz").unlink()
    before = sorted(p.name for p in run_dir.iterdir())
    (outcome,) = _cancel_when(bench, run_dir, what, pattern)
    assert isinstance(outcome, CallCancelled)
    assert sorted(p.name for p in run_dir.iterdir()) == before
    assert not (run_dir / product).exists()
    assert bench.cancel_export() == 0  # nothing left going


def test_a_run_without_its_scenario_file_has_no_event_log_to_export(bench, tmp_path):
    run_dir = tmp_path / "copy" / "mini" / tiny_run().name
    shutil.copytree(tiny_run(), run_dir)
    (run_dir / "eventlog.csv.gz").unlink()
    (run_dir / "inputs" / "mini.yaml").unlink()
    with pytest.raises(ZsaError, match="the run kept no scenario file in inputs/"):
        bench.export("eventlog", run_dir, "de")


def test_the_page_looks_once_a_second_while_simulating_and_fast_near_the_end():
    def status(phase, eta):
        return JobStatus("j", "x", "running", phase, done=3, total=20, eta=eta)

    assert POLL_SLOW >= 4 * POLL_FAST
    assert poll_interval(status("prepare", None)) == POLL_FAST
    assert poll_interval(status("simulate", None)) == POLL_SLOW  # no estimate yet
    assert poll_interval(status("simulate", POLL_NEAR_END + 0.1)) == POLL_SLOW
    assert poll_interval(status("simulate", POLL_NEAR_END - 0.1)) == POLL_FAST
    assert poll_interval(status("write", None)) == POLL_FAST


def test_the_language_switch_keeps_the_other_query_parameters():
    assert with_language(None, "en") == "?lang=en"
    assert with_language("?lang=de", "en") == "?lang=en"
    assert with_language("?token=abc&lang=en", "de") == "?token=abc&lang=de"


def test_the_page_redrawn_in_another_language_keeps_the_edits(bench):
    pytest.importorskip("dash", reason="the workbench needs Dash (pip install 'zsa-sim[web]')")
    start = bench.form_start(None)
    edited = replace(
        form_display(start, "mein-lauf"), zsa_staff="2,5", municipalities=["Adorf"], handover=3
    )
    view = View(tab="answer", form=edited, runs_kpi="utilisation")
    shown = _values(bench.page_body("en", view))
    assert shown["f-name"] == "mein-lauf"
    assert shown["f-zsa-staff"] == "2,5"  # as typed, even before it is checked
    assert shown["f-municipalities"] == ["Adorf"]
    assert shown["f-handover"] == 3
    assert shown["tabs"] == "answer"
    assert shown["runs-kpi"] == "utilisation"
    assert shown["lang-switch"] == "DE"
    # the staff table names municipalities and roles in the page's language, keys kept
    row = shown["f-staff"][2]
    assert (row["municipality"], row["role"]) == ("Bdorf", "front_office")
    assert (row["m_name"], row["r_name"]) == ("Bdorf (Elbe)", "front office (front_office)")
    # without edits the page shows the scenario's values
    fresh = _values(bench.page_body("de", View()))
    assert fresh["f-zsa-staff"] == "1.5" and fresh["f-name"] == "mini-v1"
    assert fresh["runs-compared"] is None  # no comparison drawn yet


def test_a_comparison_drawn_is_kept_for_the_redrawn_page(bench):
    pytest.importorskip("dash", reason="the workbench needs Dash (pip install 'zsa-sim[web]')")
    from zsa_sim.web.layout import comparison_view

    compared = {"runs": [str(tiny_run()), str(tiny_run())], "kpi": "utilisation"}
    shown = _values(bench.page_body("en", View(tab="runs", compared=compared)))
    assert shown["runs-compared"] == compared
    # what the page then draws from it, in the page's language
    table = _values(comparison_view(compared["runs"], "utilisation", "en"))["compare-table"]
    assert {"Variant", "Municipality"} <= set(table[0])
    german = _values(comparison_view(compared["runs"], "utilisation", "de"))["compare-table"]
    assert {"Variante", "Kommune"} <= set(german[0])
    hint = comparison_view(compared["runs"][:1], None, "en")
    assert hint[0].children == "Please pick at least two runs."


def _values(children):
    """id -> value (or a button's text) of every component in a Dash tree."""
    found = {}

    def visit(node):
        if isinstance(node, list | tuple):
            for child in node:
                visit(child)
            return
        if not hasattr(node, "to_plotly_json"):
            return
        props = node.to_plotly_json()["props"]
        key = props.get("id")
        if isinstance(key, str):
            found[key] = props.get("value", props.get("data", props.get("children")))
        visit(props.get("children"))

    visit(children)
    return found
