"""The template: lists what a BPMN model needs, fails until filled in, validates after."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from zsa_sim.bpmn import read_bpmn
from zsa_sim.errors import ScenarioError
from zsa_sim.scenario import (
    build_setup,
    load_scenario,
    template_for,
    validate_scenario_file,
    write_template,
)
from zsa_sim.scenario.template import duration_from_label, yaml_key

DATA = Path(__file__).parent / "data" / "scenarios"

#: What a process designer would type in for each kind of placeholder, by key path.
FILL: dict[str, Any] = {
    "cases_per_1000": 12.0,
    "population": 20_000,
    "cost_per_hour": 55.0,
    "staff": 2.0,
    "postcodes": "39261",
}


def fill(node: Any, path: tuple[str, ...] = ()) -> Any:
    """Replace every null placeholder with a plausible value for its key path."""
    if isinstance(node, dict):
        if path and path[-1] == "channels":
            return {"online": 0.4, "paper": 0.6}
        if len(path) >= 2 and path[-2] == "branches":
            return {k: 1.0 / len(node) for k in node}
        return {k: fill(v, (*path, str(k))) for k, v in node.items()}
    if isinstance(node, list):
        if path[-1] == "missing_documents":
            return [0.6, 0.4]
        return [fill(v, (*path, str(i))) for i, v in enumerate(node)]
    if node is not None:
        return node
    if "efforts" in path:
        return {"lognormal": {"mean": 15, "sd": 5}, "unit": "min"}
    if "waits" in path:
        return {"delay": {"lognormal": {"mean": 7, "sd": 4}, "unit": "d"}, "never": 0.1}
    if "postcodes" in path:
        return FILL["postcodes"]
    if "staff" in path:
        return FILL["staff"]
    return FILL[path[-1]]


def test_template_lists_every_task_gateway_event_and_timer() -> None:
    text = template_for(read_bpmn(DATA / "mini.bpmn"))
    for task in ("Task_Erfassen", "Task_Pruefen", "Task_Nachfordern", "Task_Bescheid"):
        assert f"      {task}: null   # TODO" in text
    assert (
        "# 'Task_Bescheid' (Bescheid erlassen) – Lane 'Fachamt' (Rolle clerk), "
        "zentralisierbar: nein, Entscheidung" in text
    )
    assert "zentralisierbar: ja" in text
    assert "        Flow_Post: null   # TODO -> 'Task_Versenden' (Bescheid versenden)" in text
    assert (
        "#   Flow_Unvollstaendig -> 'Task_Nachfordern' (Fehlende Unterlagen nachfordern): "
        "${missing_documents >= visit}" in text
    )
    assert "      Event_Unterlagen: null   # TODO" in text
    assert "#   Event_Frist: {fixed: 14, unit: d}   # BPMN: P14D" in text
    assert "decision_task: Task_Bescheid" in text


def test_unfilled_template_fails_naming_each_gap(tmp_path: Path) -> None:
    out = write_template(DATA / "mini.bpmn", tmp_path / "new.yaml")
    with pytest.raises(
        ScenarioError,
        match=r"new\.yaml: services\.mini\.cases_per_1000: value missing \(fill in the template\)",
    ):
        load_scenario(out)
    messages = {f"{f.element_id}: {f.message}" for f in validate_scenario_file(out)}
    assert "services.mini.efforts.Task_Pruefen: effort missing (fill in the template)" in messages
    assert (
        "services.mini.branches.Gw_Versand.Flow_Post: probability missing (fill in the template)"
        in messages
    )
    assert "services.mini.waits.Event_Unterlagen: wait missing (fill in the template)" in messages
    assert "zsa.staff: value missing (fill in the template)" in messages


def test_filled_template_validates_and_builds(tmp_path: Path) -> None:
    out = write_template(DATA / "mini.bpmn", tmp_path / "sub" / "new.yaml")
    data = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert data["services"]["mini"]["bpmn"].endswith("mini.bpmn")
    out.write_text(yaml.safe_dump(fill(data), allow_unicode=True), encoding="utf-8")
    assert validate_scenario_file(out) == []
    scenario = load_scenario(out)
    for variant in scenario.variants:
        setup = build_setup(scenario, variant, 0)
        assert set(setup.routing[("mini", "Musterstadt")]) == {
            "Task_Erfassen",
            "Task_Pruefen",
            "Task_Nachfordern",
            "Task_Bescheid",
            "Task_Versenden",
            "Task_Abholung",
        }


def test_template_of_a_known_service_uses_its_generator() -> None:
    text = template_for(read_bpmn(DATA / "mini.bpmn"), service="wohngeld")
    assert "      generator: wohngeld" in text
    assert "missing_documents: [null]" not in text


@pytest.mark.parametrize(
    ("label", "spec"),
    [
        ("14 Tage", "{fixed: 14, unit: d}"),
        ("Frist 2 Wochen", "{fixed: 14, unit: d}"),
        ("7 days", "{fixed: 7, unit: d}"),
        ("48 h", "{fixed: 48, unit: h}"),
        ("1 Monat", "{fixed: 30, unit: d}"),
        ("1,5 Stunden", "{fixed: 1.5, unit: h}"),
        ("Frist abgelaufen", None),
        ("3 Kartons", None),
        ("", None),
    ],
)
def test_duration_from_a_timer_label(label: str, spec: str | None) -> None:
    assert duration_from_label(label) == spec


def test_template_never_suggests_attributes_that_would_fail(tmp_path: Path) -> None:
    path = tmp_path / "m.bpmn"
    path.write_text(
        '<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"><process id="P">'
        '<startEvent id="S"/><exclusiveGateway id="G"/><task id="A"/><task id="B"/>'
        '<exclusiveGateway id="H" default="HB"/><endEvent id="E"/>'
        '<sequenceFlow id="F0" sourceRef="S" targetRef="G"/>'
        '<sequenceFlow id="GA" sourceRef="G" targetRef="A"><conditionExpression>${service}'
        "</conditionExpression></sequenceFlow>"
        '<sequenceFlow id="GB" sourceRef="G" targetRef="B"><conditionExpression>${!service}'
        "</conditionExpression></sequenceFlow>"
        '<sequenceFlow id="F3" sourceRef="A" targetRef="H"/>'
        '<sequenceFlow id="F4" sourceRef="B" targetRef="H"/>'
        '<sequenceFlow id="HA" sourceRef="H" targetRef="A"><conditionExpression>${eilig}'
        "</conditionExpression></sequenceFlow>"
        '<sequenceFlow id="HB" sourceRef="H" targetRef="E"/></process></definitions>',
        encoding="utf-8",
    )
    text = template_for(read_bpmn(path))
    assert "        eilig: null   # TODO" in text
    assert "service: null" not in text  # an event-log column: probabilities instead
    assert "      G:\n        GA: null   # TODO -> 'A'\n        GB: null   # TODO -> 'B'" in text


@pytest.mark.parametrize("text", ["plain", "Bürgerbüro", "Team: Süd", "#1", "yes", "123", "a b"])
def test_yaml_keys_read_back_as_written(text: str) -> None:
    assert yaml.safe_load(f"{yaml_key(text)}: 1") == {text: 1}


def test_candidate_groups_of_lane_less_tasks_are_proposed_as_roles() -> None:
    tools = Path(__file__).parent / "data" / "bpmn" / "tools"
    text = template_for(read_bpmn(tools / "camunda8_hundesteuer.bpmn"))
    assert "    roles:   # aus den Kandidatengruppen (candidateGroups) im BPMN\n" in text
    assert "      Activity_0erf: steueramt\n" in text
    assert "(Rolle steueramt (roles))" in text
    assert "      sachbearbeitung: null   # TODO\n      steueramt: null   # TODO\n" in text
