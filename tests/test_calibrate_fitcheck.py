"""The fit report: observed against simulated, with intervals and distances."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from zsa_sim.calibrate.fitcheck import check_fit, compare
from zsa_sim.calibrate.reader import parse_columns, read_log
from zsa_sim.calibrate.table import CalibrationError
from zsa_sim.experiment.runner import RunOptions, run_experiment

FOREIGN = Path("tests/data/calibrate/fremd_export.csv")
COLUMNS = "case=Vorgang,activity=Tätigkeit,start=Beginn,end=Ende,resource=Bearbeiter,org=Kommune"


def test_identical_logs_have_zero_distance() -> None:
    table = read_log(FOREIGN, columns=parse_columns(COLUMNS))
    rows, charts = compare(table, [table, table])
    assert rows, "no measures"
    for row in rows:
        assert row.distance == pytest.approx(0.0, abs=1e-12) or row.distance != row.distance
        assert row.mean == pytest.approx(row.observed)
        assert row.inside
    groups = {r.group for r in rows}
    assert groups == {
        "cycle time (days)",
        "waiting before first step (days)",
        "executions per case",
        "arrivals per week",
        "completions per week",
        "work in progress at week end",
    }
    # 18 cases arrive in the log, each counted in exactly one week
    arrivals = next(r for r in rows if r.group == "arrivals per week")
    weeks = charts["weekly"]["arrivals per week"][0]
    assert arrivals.observed * len(weeks) == pytest.approx(18)


def test_check_fit_writes_csv_and_html(tmp_path: Path) -> None:
    outcome = run_experiment(
        "tests/data/scenarios/mini.yaml",
        RunOptions(
            replications=2,
            jobs=1,
            out_root=tmp_path,
            report=False,
            eventlog="all",
            variants=("dezentral",),
        ),
    )
    log = outcome.run_dir / "eventlog.csv.gz"
    page = check_fit(outcome.run_dir, log, out=tmp_path / "fit")
    rows = list(csv.DictReader((tmp_path / "fit" / "fit.csv").open(encoding="utf-8")))
    assert page.read_text(encoding="utf-8").count("<img") == 5
    # the observed log is replication 0 of the run itself: its activity counts lie inside
    counts = [r for r in rows if r["group"] == "executions per case"]
    assert counts and all(r["inside"] == "true" for r in counts)


def test_one_replication_is_refused(tmp_path: Path) -> None:
    outcome = run_experiment(
        "tests/data/scenarios/mini.yaml",
        RunOptions(
            replications=2, jobs=1, out_root=tmp_path, report=False, variants=("dezentral",)
        ),
    )
    with pytest.raises(CalibrationError, match=r"holds one replication.*--eventlog all"):
        check_fit(outcome.run_dir, outcome.run_dir / "eventlog.csv.gz")


def test_run_without_event_log_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CalibrationError, match=r"no eventlog\.csv\.gz"):
        check_fit(tmp_path, FOREIGN, columns=parse_columns(COLUMNS))
