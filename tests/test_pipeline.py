"""run_and_report: a failing report never costs the finished run (issue 14, item 1)."""

from __future__ import annotations

import pytest

from tests.report_fixture import copy_results
from zsa_sim.cli import EXIT_REPORT_FAILED, _register, main
from zsa_sim.experiment.runner import RunOptions
from zsa_sim.pipeline import run_and_report
from zsa_sim.report import build, build_report

MINI = "tests/data/scenarios/mini.yaml"


def _broken_chart(results, lang):
    raise ValueError("Number of columns must be a positive integer, not 0")
    yield  # pragma: no cover


@pytest.mark.slow
def test_a_failing_report_keeps_the_results_and_the_cli_says_how_to_retry(
    tmp_path, monkeypatch, capsys
) -> None:
    monkeypatch.setattr(build, "CHART_SOURCES", (_broken_chart,))
    phases: list[str] = []
    options = RunOptions(replications=2, jobs=1, out_root=tmp_path, eventlog=False, xes="none")
    outcome = run_and_report(MINI, options, phase=phases.append)
    assert phases == ["simulating", "writing results", "drawing charts and report"]
    assert outcome.report is None
    assert outcome.report_error == (
        "ValueError: Number of columns must be a positive integer, not 0"
    )
    run_dir = outcome.run_dir
    assert (run_dir / "summary.json").is_file() and (run_dir / "kpis.csv").is_file()
    assert not (run_dir / "report.html").exists()
    assert not (run_dir / "charts").exists() and not list(run_dir.glob(".charts-*"))

    _register()
    with pytest.raises(SystemExit) as exit_info:
        main(["run", MINI, "-n", "2", "-j", "1", "--no-eventlog", "--out", str(tmp_path)])
    assert exit_info.value.code == EXIT_REPORT_FAILED == 3
    out, err = capsys.readouterr()
    kept = out.strip().splitlines()[-1]
    assert err.strip().splitlines()[-1] == (
        "report failed: ValueError: Number of columns must be a positive integer, not 0; "
        f"retry with zsa-sim report {kept}"
    )
    monkeypatch.undo()  # the retry works once the cause is gone
    files = build_report(kept)
    assert files.report.is_file()


def test_an_interrupted_report_leaves_the_earlier_one_untouched(tmp_path, monkeypatch) -> None:
    from zsa_sim.report.charts_staff import staff_charts

    run_dir = copy_results(tmp_path)
    monkeypatch.setattr(build, "CHART_SOURCES", (staff_charts,))
    first = build_report(run_dir)
    before = {p.name: p.read_bytes() for p in (run_dir / "charts").iterdir()}
    page = first.report.read_bytes()

    def interrupted(results, lang):
        yield from staff_charts(results, lang)
        raise KeyboardInterrupt

    monkeypatch.setattr(build, "CHART_SOURCES", (interrupted,))
    with pytest.raises(KeyboardInterrupt):
        build_report(run_dir)
    assert {p.name: p.read_bytes() for p in (run_dir / "charts").iterdir()} == before
    assert first.report.read_bytes() == page
    assert not [p for p in run_dir.iterdir() if "partial" in p.name or "old" in p.name]
