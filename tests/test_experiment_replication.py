"""One replication: errors found while it runs name the scenario file (issue 14)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from zsa_sim.errors import SimulationError
from zsa_sim.experiment.replication import ReplicationTask, run_replication
from zsa_sim.scenario import load_scenario

DATA = Path(__file__).parent / "data" / "scenarios"
SHORT = {"period.days": 20, "period.warmup_days": 0, "period.cooldown_days": 0}


def scenario_with(tmp_path: Path, multiplier: str):
    data = yaml.safe_load((DATA / "mini.yaml").read_text(encoding="utf-8"))
    data["services"]["antrag"]["bpmn"] = str(DATA / "mini.bpmn")
    data["services"]["antrag"]["effort_multipliers"]["Task_Bescheid"] = multiplier
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return load_scenario(path).with_changes(SHORT), path


def test_an_expression_failing_mid_run_names_the_scenario_file(tmp_path):
    # valid for validate (the attribute exists), fails for applicants with no gaps
    scenario, path = scenario_with(tmp_path, "1 / missing_documents")
    with pytest.raises(SimulationError, match="effort multiplier") as info:
        run_replication(ReplicationTask(scenario, "dezentral", 0, None))
    message = str(info.value)
    assert message.startswith(f"{path}: ")
    assert "division by zero" in message and "\n" not in message


def test_a_working_replication_is_unchanged(tmp_path):
    scenario, _ = scenario_with(tmp_path, "1 + 0.5 * missing_documents")
    output = run_replication(ReplicationTask(scenario, "dezentral", 0, None))
    assert output.cases_started > 0
