"""Bring your own BPMN: models in the styles of real tools simulate without editing them.

Each file in tests/data/bpmn/tools/ was written for these tests in the style of one
modelling tool's export (see the comment at its top). The test does what a process
designer does: ``template``, fill in the figures the template asks for (and nothing
else), ``validate``, ``run``, never touching the BPMN file. It uses the library
functions the commands wrap, one replication of a short period.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from zsa_sim.bpmn import read_bpmn, validate_model
from zsa_sim.experiment.overload import run_warnings
from zsa_sim.experiment.runner import RunOptions, run_experiment
from zsa_sim.scenario import load_scenario, validate_scenario_file, write_template

TOOLS = Path(__file__).parent / "data" / "bpmn" / "tools"
FILES = sorted(TOOLS.glob("*.bpmn"))

#: What a designer types in for each kind of placeholder, by the last key of its path.
FIGURES: dict[str, Any] = {
    "cases_per_1000": 30.0,
    "population": 20_000,
    "cost_per_hour": 55.0,
}


def fill(node: Any, path: tuple[str, ...] = ()) -> Any:
    """Every null placeholder of the template with a figure for its key path."""
    if isinstance(node, dict):
        if path and path[-1] == "channels":
            return {"online": 0.4, "paper": 0.6}
        if len(path) >= 2 and path[-2] == "branches":
            return {
                k: round(1.0 / len(node), 6)
                if i
                else 1 - round(1.0 / len(node), 6) * (len(node) - 1)
                for i, k in enumerate(node)
            }
        if path and path[-1] == "centralisable":
            return {k: i == 0 for i, k in enumerate(node)}  # the first task: intake
        return {k: fill(v, (*path, str(k))) for k, v in node.items()}
    if isinstance(node, list):
        if path[-1] == "missing_documents":
            return [0.7, 0.3]
        return [fill(v, (*path, str(i))) for i, v in enumerate(node)]
    if node is not None:
        return node
    if "efforts" in path:
        return {"lognormal": {"mean": 20, "sd": 8}, "unit": "min"}
    if "waits" in path:
        return {"delay": {"lognormal": {"mean": 5, "sd": 2}, "unit": "d"}, "never": 0.05}
    if "timers" in path:
        return {"fixed": 10, "unit": "d"}
    if "flags" in path:
        return 0.5
    if "postcodes" in path:
        return "39261"
    if "staff" in path:
        return 1.0
    if path[-1] == "decision_task":
        return None
    return FIGURES[path[-1]]


def test_there_are_files_of_every_tool_style() -> None:
    styles = {f.stem.split("_")[0] for f in FILES}
    assert {"adonis", "aris", "signavio", "camunda8", "bizagi", "bpmnio"} <= styles


@pytest.mark.parametrize("bpmn", FILES, ids=[f.stem for f in FILES])
def test_reads_without_errors(bpmn: Path) -> None:
    defs = read_bpmn(bpmn)
    assert [f for f in validate_model(defs) if f.severity == "error"] == []


@pytest.mark.parametrize("bpmn", FILES, ids=[f.stem for f in FILES])
def test_template_filled_validates_and_runs(bpmn: Path, tmp_path: Path) -> None:
    model = tmp_path / bpmn.name
    shutil.copy(bpmn, model)
    before = model.read_bytes()
    scenario_path = write_template(model, tmp_path / "scenario.yaml")
    data = yaml.safe_load(scenario_path.read_text(encoding="utf-8"))
    data = fill(data)
    data["period"] = {"start": "2026-01-05", "days": 40, "warmup_days": 0, "cooldown_days": 60}
    data["replications"] = 1
    data["zsa"]["staff"] = 1.0
    scenario_path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")

    findings = validate_scenario_file(scenario_path)
    assert [str(f) for f in findings if f.severity == "error"] == []
    outcome = run_experiment(
        load_scenario(scenario_path),
        RunOptions(jobs=1, out_root=tmp_path / "results", eventlog=False, report=False, xes="none"),
    )
    assert model.read_bytes() == before  # the BPMN was never touched
    for output in outcome.outputs:
        assert output.cases_started > 20, output.variant
        assert output.cases_open < output.cases_started / 2, output.variant
    assert not [w for w in run_warnings(scenario_path, outcome.outputs) if "overloaded" in w]
