"""Bring your own BPMN: models in the styles of real tools simulate without editing them.

Each file in tests/data/bpmn/tools/ was written for these tests in the style of one
modelling tool's export (see the comment at its top). The test does what a process
designer does: ``template``, fill in the figures the template asks for (and nothing
else), ``validate``, ``run``, never touching the BPMN file. It uses the library
functions the commands wrap, one replication of a short period.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.tool_scenario import TOOLS, filled_scenario
from zsa_sim.bpmn import read_bpmn, validate_model
from zsa_sim.experiment.overload import run_warnings
from zsa_sim.experiment.runner import RunOptions, run_experiment
from zsa_sim.scenario import load_scenario, validate_scenario_file

FILES = sorted(TOOLS.glob("*.bpmn"))
#: models of the newer constructs (multi-instance, event subprocesses, ...), also in
#: tool styles: the same path from template to run must work for them.
CONSTRUCTS = sorted((TOOLS.parent / "constructs").glob("*.bpmn"))


def test_there_are_files_of_every_tool_style() -> None:
    styles = {f.stem.split("_")[0] for f in FILES}
    assert {"adonis", "aris", "signavio", "camunda8", "bizagi", "bpmnio"} <= styles


@pytest.mark.parametrize("bpmn", FILES, ids=[f.stem for f in FILES])
def test_reads_without_errors(bpmn: Path) -> None:
    defs = read_bpmn(bpmn)
    assert [f for f in validate_model(defs) if f.severity == "error"] == []


@pytest.mark.parametrize("bpmn", FILES + CONSTRUCTS, ids=[f.stem for f in FILES + CONSTRUCTS])
def test_template_filled_validates_and_runs(bpmn: Path, tmp_path: Path) -> None:
    scenario_path = filled_scenario(bpmn, tmp_path)
    findings = validate_scenario_file(scenario_path)
    assert [str(f) for f in findings if f.severity == "error"] == []
    outcome = run_experiment(
        load_scenario(scenario_path),
        RunOptions(jobs=1, out_root=tmp_path / "results", eventlog=False, report=False, xes="none"),
    )
    assert (tmp_path / bpmn.name).read_bytes() == bpmn.read_bytes()  # never touched
    for output in outcome.outputs:
        assert output.cases_started > 20, output.variant
        assert output.cases_open < output.cases_started / 2, output.variant
    assert not [w for w in run_warnings(scenario_path, outcome.outputs) if "overloaded" in w]
