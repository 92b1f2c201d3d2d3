"""The runner on the pilot scenario, shortened: outputs, determinism, paired comparison."""

from __future__ import annotations

import csv
import gzip
import json
from pathlib import Path

import defusedxml.ElementTree as SafeET
import numpy as np
import pytest

from zsa_sim.errors import ScenarioError
from zsa_sim.experiment.runner import RunOptions, run_experiment
from zsa_sim.experiment.stats import paired_difference, unpaired_difference
from zsa_sim.scenario import load_scenario

PILOT = Path(__file__).parents[1] / "scenarios" / "pilot.yaml"
#: The pilot with a shorter year, so that several replications run in seconds.
SHORT = {"period.days": 90, "period.warmup_days": 14, "period.cooldown_days": 30}


def short_pilot(replications: int, days: int = 90):
    return load_scenario(PILOT).with_changes(
        {**SHORT, "period.days": days, "replications": replications}
    )


@pytest.fixture(scope="module")
def pilot_run(tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("results")
    options = RunOptions(jobs=2, out_root=out, report=False, eventlog="all", xes="first")
    return run_experiment(short_pilot(5, days=40), options)


def _runs_in_csv_log(run_dir: Path) -> set[tuple[str, str]]:
    with gzip.open(run_dir / "eventlog.csv.gz", "rt", encoding="utf-8") as handle:
        return {(row["variant"], row["replication"]) for row in csv.DictReader(handle)}


def test_default_keeps_the_first_replications_log_and_no_xes(tmp_path: Path) -> None:
    # Issue 19: a default run stays small; the full log and XES are on request.
    outcome = run_experiment(short_pilot(3, days=10), RunOptions(jobs=1, out_root=tmp_path))
    names = {p.name for p in outcome.run_dir.iterdir()}
    assert "eventlog.xes.gz" not in names
    assert "parts" not in names
    assert _runs_in_csv_log(outcome.run_dir) == {("dezentral", "0"), ("zentral", "0")}
    run = json.loads((outcome.run_dir / "run.json").read_text())
    assert run["command_options"]["eventlog"] == "first"


def test_xes_of_all_runs_beside_a_first_only_csv_log(tmp_path: Path) -> None:
    options = RunOptions(jobs=1, out_root=tmp_path, report=False, xes="all", eventlog="first")
    outcome = run_experiment(short_pilot(2, days=10), options)
    assert _runs_in_csv_log(outcome.run_dir) == {("dezentral", "0"), ("zentral", "0")}
    with gzip.open(outcome.run_dir / "eventlog.xes.gz") as handle:
        traces = sum(1 for _, el in SafeET.iterparse(handle) if el.tag.endswith("trace"))
    assert traces == sum(o.cases_started for o in outcome.outputs)


def test_no_event_log_at_all(tmp_path: Path) -> None:
    options = RunOptions(jobs=1, out_root=tmp_path, report=False, eventlog=False)
    outcome = run_experiment(short_pilot(1, days=10), options)
    names = {p.name for p in outcome.run_dir.iterdir()}
    assert not names & {"eventlog.csv.gz", "eventlog.xes.gz", "eventlog.meta.json", "parts"}


def test_results_folder_holds_every_output(pilot_run) -> None:
    names = {p.name for p in pilot_run.run_dir.iterdir()}
    assert {
        "summary.json",
        "run.json",
        "kpis.csv",
        "kpis_by_replication.csv",
        "comparison.csv",
        "cases.csv.gz",
        "activities.csv",
        "eventlog.csv.gz",
        "eventlog.meta.json",
        "eventlog.xes.gz",
        "inputs",
    } <= names
    assert not any(name.startswith(".partial") for name in names)
    assert {p.name for p in (pilot_run.run_dir / "inputs").iterdir()} == {
        "pilot.yaml",
        "hundehaltung.bpmn",
        "wohngeld.bpmn",
    }


def test_event_log_holds_every_run_and_its_rows(pilot_run) -> None:
    with gzip.open(pilot_run.run_dir / "eventlog.csv.gz", "rt", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        runs: dict[tuple[str, str], int] = {}
        for row in reader:
            key = (row["variant"], row["replication"])
            runs[key] = runs.get(key, 0) + 1
    expected = {(o.variant, str(o.replication)): o.rows_written for o in pilot_run.outputs}
    assert runs == expected
    meta = json.loads((pilot_run.run_dir / "eventlog.meta.json").read_text())
    assert meta["rows"] == sum(expected.values())


def test_xes_is_valid_xml_with_the_ieee_extensions(pilot_run) -> None:
    prefixes: dict[str, str | None] = {}
    traces = 0
    root_tag = ""
    with gzip.open(pilot_run.run_dir / "eventlog.xes.gz") as handle:
        # Streamed: the parser checks the whole file is well-formed XML (DTDs refused).
        for event, element in SafeET.iterparse(handle, events=("start", "end")):
            tag = element.tag.rsplit("}", 1)[-1]
            if event == "start":
                root_tag = root_tag or tag
                continue
            if tag == "extension":
                prefixes[element.get("prefix")] = element.get("uri")
            elif tag == "trace":
                traces += 1
                element.clear()
    assert root_tag == "log"
    assert prefixes == {
        "concept": "http://www.xes-standard.org/concept.xesext",
        "lifecycle": "http://www.xes-standard.org/lifecycle.xesext",
        "time": "http://www.xes-standard.org/time.xesext",
        "org": "http://www.xes-standard.org/org.xesext",
    }
    first_replication_cases = sum(o.cases_started for o in pilot_run.outputs if o.replication == 0)
    assert traces == first_replication_cases


def test_every_started_case_is_completed_or_reported_open(pilot_run) -> None:
    for output in pilot_run.outputs:
        records = output.cases
        assert len(records) == output.cases_started
        assert sum(r.is_open for r in records) == output.cases_open


def test_same_seed_reproduces_summary_exactly(tmp_path: Path) -> None:
    # A serial and a parallel run of the same scenario and seed: identical bytes (both
    # simulated: the second must not come from the result cache)
    first = run_experiment(
        short_pilot(2, days=15), RunOptions(jobs=2, out_root=tmp_path, report=False, cache=False)
    )
    again = run_experiment(
        short_pilot(2, days=15), RunOptions(jobs=1, out_root=tmp_path, report=False, cache=False)
    )
    assert first.run_dir != again.run_dir
    for name in ("summary.json", "kpis.csv", "comparison.csv", "cases.csv.gz", "eventlog.csv.gz"):
        assert (again.run_dir / name).read_bytes() == (first.run_dir / name).read_bytes(), name


def _by_replication(run, variant: str, municipality: str, kpi: str) -> list[float]:
    rows = [
        k
        for o in run.outputs
        for k in o.kpis
        if k.variant == variant
        and k.municipality == municipality
        and k.service == "all"
        and not k.pool
        and k.kpi == kpi
    ]
    return [k.value for k in sorted(rows, key=lambda k: k.replication)]


def test_paired_interval_is_narrower_than_unpaired_on_the_pilot(pilot_run) -> None:
    # Common random numbers: both variants see the same applicants, efforts and
    # decisions, so zentral - dezentral varies less than two independent runs would.
    # Over all municipalities the paired half-width must be the smaller one.
    ratios = []
    for municipality in ("Halle", "Wittenberg", "Zerbst", "Elbe-Havel-Land"):
        a = _by_replication(pilot_run, "zentral", municipality, "lead_time_mean")
        b = _by_replication(pilot_run, "dezentral", municipality, "lead_time_mean")
        assert len(a) == len(b) == 5
        paired = paired_difference(a, b).half_width
        unpaired = unpaired_difference(a, b).half_width
        ratios.append(paired / unpaired)
    assert float(np.mean(ratios)) < 1.0
    assert max(ratios) < 1.2


def test_confidence_intervals_shrink_with_more_replications(tmp_path: Path) -> None:
    # Half-width ~ t(n-1) s / sqrt(n): from 3 to 12 replications it should fall to about
    # (2.201/4.303) * sqrt(3/12) = 0.26 of its size; demand < 0.6 to allow for the noise
    # in the estimate of s from only 3 values.
    options = RunOptions(
        jobs=2, out_root=tmp_path, report=False, eventlog=False, variants=("dezentral",)
    )
    few = run_experiment(short_pilot(3, days=30), options)
    many = run_experiment(short_pilot(12, days=30), options)

    def width(run) -> float:
        row = next(
            k
            for k in run.summary["kpis"]
            if k["variant"] == "dezentral"
            and k["service"] == "all"
            and k["municipality"] == "all"
            and k["kpi"] == "lead_time_mean"
        )
        assert row["n"] in (3, 12)
        return row["ci_high"] - row["ci_low"]

    assert width(many) < 0.6 * width(few)


def test_unknown_variant_is_refused_naming_the_key(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match=r"variants: unknown variant 'mitte'"):
        run_experiment(short_pilot(2), RunOptions(out_root=tmp_path, variants=("mitte",)))
    assert not any(tmp_path.rglob("*")) or not list((tmp_path).rglob("summary.json"))


def test_an_error_in_a_worker_leaves_no_results_folder(tmp_path: Path, monkeypatch) -> None:
    import zsa_sim.experiment.runner as runner

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(runner, "write_outputs", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        run_experiment(short_pilot(1, days=20), RunOptions(jobs=1, out_root=tmp_path, report=False))
    assert list((tmp_path / "pilot").iterdir()) == []


def _die(_task: object) -> None:
    import os

    os._exit(9)  # a worker killed by the system (e.g. out of memory)


def test_a_worker_that_dies_is_reported_in_one_line() -> None:
    from zsa_sim.errors import SimulationError
    from zsa_sim.experiment.executors import LocalExecutor

    with pytest.raises(SimulationError, match="worker process stopped unexpectedly"):
        list(LocalExecutor(2).map_unordered(_die, [1, 2]))
