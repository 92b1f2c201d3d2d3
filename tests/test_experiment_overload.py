"""A run says when a pool is saturated with most cases open, and which pool it ran."""

from __future__ import annotations

from pathlib import Path

import yaml

from tests.tool_scenario import TOOLS, filled_scenario
from zsa_sim.experiment.overload import run_warnings
from zsa_sim.experiment.runner import RunOptions, run_experiment
from zsa_sim.scenario import load_scenario

OPTIONS = dict(jobs=1, eventlog=False, report=False, xes="none", variants=("dezentral",))


def test_an_overloaded_pool_is_reported(tmp_path: Path) -> None:
    path = filled_scenario(TOOLS / "bpmnio_fundsache.bpmn", tmp_path)
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    # far more applications than half a clerk can handle (a 0.05 FTE clerk is, with
    # part-time as own hours, there 2 h on Monday mornings: too few hours to saturate)
    data["municipalities"]["Musterstadt"]["staff"]["sachbearbeitung"] = 0.5
    for service in data["services"].values():
        service["cases_per_1000"] = service["cases_per_1000"] * 20
    data["period"]["cooldown_days"] = 0
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    outcome = run_experiment(
        load_scenario(path),
        RunOptions(out_root=tmp_path / "r", **OPTIONS),  # type: ignore[arg-type]
    )
    (output,) = outcome.outputs
    assert output.cases_open > output.cases_started / 2  # the premise: most cases open
    (line,) = run_warnings(path, outcome.outputs)
    assert line.startswith("warning: variant 'dezentral': ")
    assert "Musterstadt/sachbearbeitung (" in line and "overloaded" in line


def test_most_cases_open_without_a_saturated_pool_is_still_said(tmp_path: Path) -> None:
    # A 0.05 FTE clerk works about two hours on Monday mornings: in 40 days she cannot
    # reach the saturation threshold, yet nearly every case is still open at the end.
    path = filled_scenario(TOOLS / "bpmnio_fundsache.bpmn", tmp_path)
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["municipalities"]["Musterstadt"]["staff"]["sachbearbeitung"] = 0.05
    data["period"]["cooldown_days"] = 0
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    outcome = run_experiment(
        load_scenario(path),
        RunOptions(out_root=tmp_path / "r", **OPTIONS),  # type: ignore[arg-type]
    )
    (output,) = outcome.outputs
    assert output.cases_open > output.cases_started / 2
    (line,) = run_warnings(path, outcome.outputs)
    assert line.startswith("warning: variant 'dezentral': ")
    assert "still open" in line and "the busiest pool is Musterstadt/sachbearbeitung (" in line
    assert "overloaded" not in line


def test_a_healthy_run_has_no_warning_and_a_multi_pool_file_names_its_process(
    tmp_path: Path,
) -> None:
    path = filled_scenario(TOOLS / "aris_bauantrag.bpmn", tmp_path)
    outcome = run_experiment(
        load_scenario(path),
        RunOptions(out_root=tmp_path / "r", **OPTIONS),  # type: ignore[arg-type]
    )
    assert run_warnings(path, outcome.outputs) == [
        "note: services.aris_bauantrag: simulating process 'proc_bauamt' (Baugenehmigung) "
        "(chosen by the scenario); services.aris_bauantrag.process chooses another"
    ]


def test_the_run_command_prints_the_warnings(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from zsa_sim.cli import _register, cli

    _register()
    path = filled_scenario(TOOLS / "aris_bauantrag.bpmn", tmp_path)
    result = CliRunner().invoke(
        cli,
        [
            "run",
            str(path),
            "-q",
            "-j",
            "1",
            "--no-report",
            "--variant",
            "dezentral",
            "--out",
            str(tmp_path / "r"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "note: services.aris_bauantrag: simulating process 'proc_bauamt'" in result.output
