"""What the scenario says instead of the BPMN: process, roles, marks, overrides."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.tool_scenario import TOOLS, filled_scenario
from zsa_sim.bpmn import read_bpmn
from zsa_sim.errors import ScenarioError
from zsa_sim.scenario import load_scenario, validate_scenario_file
from zsa_sim.scenario.adapt import process_id_for
from zsa_sim.scenario.service_model import ServiceModel


def messages(path: Path) -> list[str]:
    return [f"{f.severity}: {f.element_id}: {f.message}" for f in validate_scenario_file(path)]


def edit(path: Path, **service: Any) -> Path:
    """Set keys of the scenario's only service."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    next(iter(data["services"].values())).update(service)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_the_pool_with_lanes_is_chosen_and_the_scenario_can_choose_another() -> None:
    defs = read_bpmn(TOOLS / "aris_bauantrag.bpmn")
    assert [p for p in defs.processes] == ["proc_antragsteller", "proc_bauamt"]
    process, why = defs.main_process_choice
    assert (process.id, why) == ("proc_bauamt", "the only one with lanes")
    for key in ("proc_antragsteller", "Antragsteller", "pool_antragsteller"):
        assert process_id_for(defs, key) == "proc_antragsteller"
    assert process_id_for(defs, "Bauaufsichtsbehörde") == "proc_bauamt"
    assert process_id_for(defs, "Nirgendwo") is None


def test_scenario_process_key(tmp_path: Path) -> None:
    path = filled_scenario(TOOLS / "aris_bauantrag.bpmn", tmp_path, process="Antragsteller")
    found = messages(path)
    assert (
        "error: services.aris_bauantrag.roles: task 't_einreichen' (Bauantrag einreichen) lies "
        "in no lane and has no role (add 'default_role: clerk' for all such tasks, or "
        "'roles: {t_einreichen: clerk}')" in found
    )
    edit(path, process="Nirgendwo")
    assert (
        "error: services.aris_bauantrag.process: names no process or pool of the file (known: "
        "proc_antragsteller, proc_bauamt, pool_antragsteller, pool_bauamt)" in messages(path)
    )


def test_branch_probabilities_replace_conditions_the_engine_cannot_read(tmp_path: Path) -> None:
    path = filled_scenario(TOOLS / "aris_bauantrag.bpmn", tmp_path)
    scenario = load_scenario(path)
    flows = ServiceModel(scenario.definitions("aris_bauantrag")).flows
    assert flows["sf_4"].condition is None and flows["sf_5"].condition is None
    edit(path, branches={})
    found = messages(path)
    assert any(
        m.startswith(
            "error: services.aris_bauantrag.bpmn: bpmn (flow 'sf_4' of 'gw_zulaessig' "
            "(Vorhaben zulässig?)): cannot parse expression"
        )
        and m.endswith(
            "or give the gateway branch probabilities instead ('branches: {gw_zulaessig: "
            "{sf_4: 0.5, ...}}')"
        )
        for m in found
    ), found


def test_roles_by_task_name_and_default_role(tmp_path: Path) -> None:
    path = filled_scenario(
        TOOLS / "bpmnio_fundsache.bpmn", tmp_path, roles={"Fundsache registrieren": "front_office"}
    )
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["municipalities"]["Musterstadt"]["staff"]["front_office"] = 0.5
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert [m for m in messages(path) if m.startswith("error")] == []
    model = ServiceModel(load_scenario(path).definitions("bpmnio_fundsache"))
    assert model.role_of("Activity_0reg") == "front_office"
    assert model.role_of("Activity_3ben") == "sachbearbeitung"
    assert model.roles == ("front_office", "sachbearbeitung")


def test_lane_names_are_roles(tmp_path: Path) -> None:
    model = ServiceModel(read_bpmn(TOOLS / "signavio_wohngeld.bpmn"))
    assert model.roles == ("Servicecenter", "Wohngeldstelle - Sachbearbeitung")


def test_centralisable_as_list_and_a_zsa_that_takes_over_nothing(tmp_path: Path) -> None:
    path = filled_scenario(TOOLS / "bpmnio_fundsache.bpmn", tmp_path, centralisable=[])
    assert (
        "warning: variants.zentral.zsa: the ZSA takes over no task: none of the tasks it would "
        "get is centralisable, so this variant equals one without ZSA (mark tasks with "
        "services.<key>.centralisable or zsa:centralisable in the BPMN)"
    ) in messages(path)
    edit(path, centralisable=["Einlagern", "Nope"])
    model = ServiceModel(load_scenario_lenient(path).definitions("bpmnio_fundsache"))
    assert [t for t in model.tasks if model.centralisable(t)] == ["Activity_2lager"]
    assert any(
        m.startswith("error: services.bpmnio_fundsache.centralisable.Nope: unknown task")
        for m in messages(path)
    )


def load_scenario_lenient(path: Path):
    """The scenario without its cross-checks (to look at a model with errors elsewhere)."""
    from zsa_sim.scenario.loader import read_document, scenario_from_data

    data, _ = read_document(path)
    return scenario_from_data(data, source=str(path), base_dir=path.parent)


def test_yes_no_attribute_compared_with_yes_is_an_error(tmp_path: Path) -> None:
    path = filled_scenario(TOOLS / "bpmnio_fundsache.bpmn", tmp_path)
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    service = data["services"]["bpmnio_fundsache"]
    del service["branches"]["Gateway_0wert"]
    service["applicants"]["flags"]["wertvoll"] = 0.3
    service["applicants"]["flags"]["service"] = 0.3
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    found = messages(path)
    assert (
        "error: services.bpmnio_fundsache.bpmn: bpmn (flow 'Flow_3' of 'Gateway_0wert' "
        "(Wertvoll?)): attribute 'wertvoll' is yes/no, so comparing it with 'Yes' is never "
        "true; or give the gateway branch probabilities instead ('branches: {Gateway_0wert: "
        "{Flow_3: 0.5, ...}}')"
    ) in found
    assert any(
        m.startswith(
            "error: services.bpmnio_fundsache.applicants.flags.service: attribute 'service' "
            "clashes with the event log column 'service'"
        )
        for m in found
    )


def test_timer_with_its_duration_only_in_the_label_needs_one(tmp_path: Path) -> None:
    path = filled_scenario(TOOLS / "adonis_gewerbe.bpmn", tmp_path, timers={})
    assert (
        "error: services.adonis_gewerbe.timers: timer 'obj_3006' (14 Tage) has no duration in "
        "the model (its label says '14 Tage'); give it, e.g. 'timers: {obj_3006: {fixed: 7, "
        "unit: d}}'"
    ) in messages(path)


def test_timer_duration_the_engine_cannot_read_needs_one(tmp_path: Path) -> None:
    bpmn = tmp_path / "model" / "camunda8_hundesteuer.bpmn"
    bpmn.parent.mkdir()
    text = (TOOLS / bpmn.name).read_text(encoding="utf-8")
    bpmn.write_text(text.replace('="P14D"', "=frist"), encoding="utf-8")
    path = filled_scenario(bpmn, tmp_path)  # the template asks for it: no error
    assert [m for m in messages(path) if m.startswith("error")] == []
    edit(path, timers={})
    assert any(
        m.startswith("error: services.camunda8_hundesteuer.timers: timer 'Event_frist' ")
        and m.endswith(
            "give its duration instead, e.g. 'timers: {Event_frist: {fixed: 7, unit: d}}'"
        )
        for m in messages(path)
    ), messages(path)


def test_a_number_next_to_a_real_condition_stops_run_too(tmp_path: Path) -> None:
    bpmn = tmp_path / "model" / "bpmnio_fundsache.bpmn"
    bpmn.parent.mkdir()
    text = (TOOLS / bpmn.name).read_text(encoding="utf-8")
    bpmn.write_text(text.replace("${wertvoll == 'No'}", "0.3"), encoding="utf-8")
    path = filled_scenario(bpmn, tmp_path)  # the template asks for probabilities instead
    assert [m for m in messages(path) if m.startswith("error")] == []
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    del data["services"]["bpmnio_fundsache"]["branches"]["Gateway_0wert"]
    data["services"]["bpmnio_fundsache"]["applicants"]["flags"]["wertvoll"] = 0.5
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"the condition '0\.3' is a number, which would"):
        load_scenario(path)  # what run does before it simulates


def test_probabilities_written_as_conditions_must_sum_to_one(tmp_path: Path) -> None:
    bpmn = tmp_path / "model" / "signavio_wohngeld.bpmn"
    bpmn.parent.mkdir()
    text = (TOOLS / bpmn.name).read_text(encoding="utf-8")
    bpmn.write_text(text.replace(">0.25<", ">0.5<"), encoding="utf-8")
    path = filled_scenario(bpmn, tmp_path)
    assert (
        "error: services.signavio_wohngeld.branches: gateway 'sid-GW-OK' (Unterlagen "
        "vollständig?): the probabilities written as its conditions sum to 1.25, not 1; give "
        "them under branches"
    ) in messages(path)
