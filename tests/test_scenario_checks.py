"""Cross-checks of scenario and BPMN model: one test per class of mistake."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from zsa_sim.errors import ScenarioError
from zsa_sim.scenario import load_scenario, validate_scenario_file

DATA = Path(__file__).parent / "data" / "scenarios"


def mini() -> dict[str, Any]:
    data = yaml.load((DATA / "mini.yaml").read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    data["services"]["antrag"]["bpmn"] = str(DATA / "mini.bpmn")
    return data


def write(tmp_path: Path, data: dict[str, Any]) -> Path:
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def load(tmp_path: Path, data: dict[str, Any]):
    return load_scenario(write(tmp_path, data))


def test_unknown_task_lists_the_known_ones(tmp_path: Path) -> None:
    data = mini()
    data["services"]["antrag"]["efforts"]["Task_Foo"] = {"fixed": 5, "unit": "min"}
    with pytest.raises(
        ScenarioError,
        match=r"scenario\.yaml: services\.antrag\.efforts\.Task_Foo: unknown task \(known: "
        r"Task_Erfassen, Task_Pruefen",
    ):
        load(tmp_path, data)


def test_task_without_effort(tmp_path: Path) -> None:
    data = mini()
    del data["services"]["antrag"]["efforts"]["Task_Abholung"]
    with pytest.raises(
        ScenarioError,
        match=r"services\.antrag\.efforts: no effort for task 'Task_Abholung' \(Abholung "
        r"vorbereiten\)",
    ):
        load(tmp_path, data)


def test_task_named_twice_by_id_and_name(tmp_path: Path) -> None:
    data = mini()
    data["services"]["antrag"]["efforts"]["Task_Pruefen"] = {"fixed": 5, "unit": "min"}
    with pytest.raises(
        ScenarioError,
        match=r"efforts\.(Task_Pruefen|Vollständigkeit prüfen): task 'Task_Pruefen' already has "
        r"an effort",
    ):
        load(tmp_path, data)


def test_probabilities_must_sum_to_one(tmp_path: Path) -> None:
    data = mini()
    data["services"]["antrag"]["branches"]["Gw_Versand"] = {"Flow_Post": 0.7, "Flow_Abholung": 0.2}
    with pytest.raises(
        ScenarioError,
        match=r"services\.antrag\.branches\.Gw_Versand: probabilities of gateway 'Gw_Versand' "
        r"\(Versandart\?\) sum to 0\.9, must be 1",
    ):
        load(tmp_path, data)


def test_gateway_without_conditions_needs_probabilities(tmp_path: Path) -> None:
    data = mini()
    del data["services"]["antrag"]["branches"]
    with pytest.raises(
        ScenarioError,
        match=r"services\.antrag\.branches: gateway 'Gw_Versand' \(Versandart\?\) needs branch "
        r"probabilities",
    ):
        load(tmp_path, data)


def test_unknown_flow_of_a_gateway(tmp_path: Path) -> None:
    data = mini()
    data["services"]["antrag"]["branches"]["Gw_Versand"] = {"Flow_Post": 0.8, "Flow_Fax": 0.2}
    with pytest.raises(
        ScenarioError,
        match=r"branches\.Gw_Versand\.Flow_Fax: not an outgoing flow of 'Gw_Versand' \(known: "
        r"Flow_Post, Flow_Abholung\)",
    ):
        load(tmp_path, data)


def test_probabilities_on_a_node_that_is_no_branching_gateway(tmp_path: Path) -> None:
    data = mini()
    data["services"]["antrag"]["branches"]["Gw_Merge"] = {"Flow_3": 1.0}
    with pytest.raises(
        ScenarioError, match=r"branches\.Gw_Merge: not an exclusive or inclusive gateway"
    ):
        load(tmp_path, data)


def test_condition_reading_an_attribute_the_applicants_lack(tmp_path: Path) -> None:
    data = mini()
    data["services"]["antrag"]["conditions"] = {
        "Flow_Unvollstaendig": "${unterlagen_fehlen == true}"
    }
    with pytest.raises(
        ScenarioError,
        match=r"conditions\.Flow_Unvollstaendig: expression .* reads 'unterlagen_fehlen', which "
        r"the applicants do not have",
    ):
        load(tmp_path, data)


def test_condition_on_an_unknown_flow(tmp_path: Path) -> None:
    data = mini()
    data["services"]["antrag"]["conditions"] = {"Flow_99": "${channel == 'online'}"}
    with pytest.raises(
        ScenarioError, match=r"services\.antrag\.conditions\.Flow_99: unknown sequence flow"
    ):
        load(tmp_path, data)


def test_effort_multiplier_that_does_not_parse(tmp_path: Path) -> None:
    data = mini()
    data["services"]["antrag"]["effort_multipliers"] = {"Task_Bescheid": "1 + __import__('os')"}
    with pytest.raises(
        ScenarioError, match=r"services\.antrag\.effort_multipliers\.Task_Bescheid: "
    ):
        load(tmp_path, data)


def test_message_event_without_reaction_time(tmp_path: Path) -> None:
    data = mini()
    data["services"]["antrag"]["waits"] = {}
    with pytest.raises(
        ScenarioError,
        match=r"services\.antrag\.waits: no reaction time for event 'Event_Unterlagen' "
        r"\(Unterlagen eingegangen\)",
    ):
        load(tmp_path, data)


def test_wait_on_an_event_that_is_not_a_message(tmp_path: Path) -> None:
    data = mini()
    data["services"]["antrag"]["waits"]["Event_Frist"] = {"delay": {"fixed": 1, "unit": "d"}}
    with pytest.raises(
        ScenarioError,
        match=r"waits\.Event_Frist: unknown message, signal or conditional event "
        r"\(known: Event_Unterlagen\)",
    ):
        load(tmp_path, data)


def test_timer_override_needs_a_timer_event(tmp_path: Path) -> None:
    data = mini()
    data["services"]["antrag"]["timers"] = {"Event_Unterlagen": {"fixed": 7, "unit": "d"}}
    with pytest.raises(
        ScenarioError, match=r"timers\.Event_Unterlagen: unknown timer event \(known: Event_Frist\)"
    ):
        load(tmp_path, data)


def test_unknown_decision_task(tmp_path: Path) -> None:
    data = mini()
    data["services"]["antrag"]["decision_task"] = "Bescheid"
    with pytest.raises(ScenarioError, match=r"services\.antrag\.decision_task: unknown task"):
        load(tmp_path, data)


def test_unknown_role(tmp_path: Path) -> None:
    data = mini()
    data["municipalities"]["Adorf"]["staff"]["chef"] = 1
    with pytest.raises(
        ScenarioError,
        match=r"municipalities\.Adorf\.staff\.chef: unknown role \(known: clerk, front_office\)",
    ):
        load(tmp_path, data)


def test_municipality_responsible_for_an_unknown_service(tmp_path: Path) -> None:
    data = mini()
    data["municipalities"]["Adorf"]["services"] = ["antrag", "wohngeld"]
    with pytest.raises(
        ScenarioError,
        match=r"municipalities\.Adorf\.services: unknown service 'wohngeld' \(known: antrag\)",
    ):
        load(tmp_path, data)


def test_unknown_calendar(tmp_path: Path) -> None:
    data = mini()
    data["municipalities"]["Bdorf"]["calendar"] = "amt"
    with pytest.raises(
        ScenarioError,
        match=r"municipalities\.Bdorf\.calendar: unknown calendar 'amt' \(known: rathaus\)",
    ):
        load(tmp_path, data)


def test_missing_bpmn_file(tmp_path: Path) -> None:
    data = mini()
    data["services"]["antrag"]["bpmn"] = "nowhere.bpmn"
    with pytest.raises(
        ScenarioError, match=r"services\.antrag\.bpmn: BPMN file .*nowhere\.bpmn: file not found"
    ):
        load(tmp_path, data)


def test_municipality_without_staff_for_a_task_it_keeps(tmp_path: Path) -> None:
    data = mini()
    del data["municipalities"]["Bdorf"]["staff"]["clerk"]
    with pytest.raises(
        ScenarioError,
        match=r"municipalities\.Bdorf\.staff: variant 'dezentral': no staff of role 'clerk' in "
        r"Bdorf",
    ):
        load(tmp_path, data)


def test_variant_that_leaves_no_staff_for_the_decision(tmp_path: Path) -> None:
    data = mini()
    data["variants"]["zentral"]["staff"]["Bdorf"] = {"clerk": 0}
    with pytest.raises(
        ScenarioError,
        match=r"variants\.zentral\.staff\.Bdorf\.clerk: variant 'zentral': no staff of role "
        r"'clerk' in Bdorf, "
        r"but task 'Task_Bescheid' \(Bescheid erlassen\) of antrag stays there",
    ):
        load(tmp_path, data)


def test_zsa_teams_must_cover_every_centralised_task(tmp_path: Path) -> None:
    data = mini()
    data["zsa"]["staff"] = {"front_office": 1.0}
    with pytest.raises(
        ScenarioError, match=r"zsa\.staff: variant 'zentral': no ZSA team for task 'Task_Pruefen'"
    ):
        load(tmp_path, data)


def test_zsa_team_keys_are_roles_or_services(tmp_path: Path) -> None:
    data = mini()
    data["zsa"]["staff"] = {"antrag": 1.0, "post": 0.5}
    with pytest.raises(ScenarioError, match=r"zsa\.staff\.post: not a role or service"):
        load(tmp_path, data)


def test_variant_joining_an_unknown_municipality(tmp_path: Path) -> None:
    data = mini()
    data["variants"]["hybrid"]["zsa"]["municipalities"] = ["Cdorf"]
    with pytest.raises(
        ScenarioError, match=r"variants\.hybrid\.zsa\.municipalities: unknown municipality 'Cdorf'"
    ):
        load(tmp_path, data)


def test_variant_with_zsa_needs_a_zsa_section(tmp_path: Path) -> None:
    data = mini()
    del data["zsa"]
    with pytest.raises(
        ScenarioError, match=r"variants\.zentral\.zsa: the scenario has no 'zsa' section"
    ):
        load(tmp_path, data)


def test_validate_lists_all_problems_without_raising(tmp_path: Path) -> None:
    data = mini()
    data["services"]["antrag"]["efforts"]["Task_Foo"] = {"fixed": 5, "unit": "min"}
    data["municipalities"]["Adorf"]["staff"]["chef"] = 1
    findings = validate_scenario_file(write(tmp_path, data))
    keys = [f.element_id for f in findings if f.severity == "error"]
    assert keys == ["services.antrag.efforts.Task_Foo", "municipalities.Adorf.staff.chef"]


def test_validate_reports_schema_errors_as_findings(tmp_path: Path) -> None:
    data = mini()
    data["services"]["antrag"]["cases_per_1000"] = None
    data["zsa"]["staff"] = None
    findings = validate_scenario_file(write(tmp_path, data))
    assert [(f.element_id, f.message) for f in findings] == [
        ("services.antrag.cases_per_1000", "value missing (fill in the template)"),
        ("zsa.staff", "value missing (fill in the template)"),
    ]


def test_validate_of_the_mini_scenario_finds_nothing() -> None:
    assert validate_scenario_file(DATA / "mini.yaml") == []


def test_validate_raises_for_unusable_input(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("name: x\nperiod: [\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"broken\.yaml: line 3, column 1: malformed YAML"):
        validate_scenario_file(path)


def test_unused_staff_is_a_warning(tmp_path: Path) -> None:
    data = mini()
    data["municipalities"]["Bdorf"]["services"] = []
    findings = validate_scenario_file(write(tmp_path, data))
    assert {(f.severity, f.element_id) for f in findings} == {
        ("warning", "municipalities.Bdorf.services"),
        ("warning", "municipalities.Bdorf.staff.front_office"),
        ("warning", "municipalities.Bdorf.staff.clerk"),
    }


def test_validate_reports_what_the_engine_refuses_when_it_builds_a_variant(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from zsa_sim.engine.graph import Compiler
    from zsa_sim.errors import SimulationError

    assert validate_scenario_file(DATA / "mini.yaml") == []

    def refuse(self: Compiler) -> None:
        raise SimulationError("gateway 'G': something only the engine knows")

    monkeypatch.setattr(Compiler, "compile", refuse)
    findings = validate_scenario_file(DATA / "mini.yaml")
    assert {(f.severity, f.element_id, f.message) for f in findings} == {
        ("error", f"variants.{v}", "gateway 'G': something only the engine knows")
        for v in load_scenario(DATA / "mini.yaml").variants
    }


def test_a_condition_comparing_a_yes_no_attribute_with_text_is_refused(tmp_path: Path) -> None:
    data = mini()
    service = data["services"]["antrag"]
    service["applicants"]["flags"] = {"eilig": 0.3}
    service["conditions"] = {"Flow_Unvollstaendig": "${eilig == 'Yes'}"}
    with pytest.raises(
        ScenarioError,
        match=r"services\.antrag\.conditions\.Flow_Unvollstaendig: attribute 'eilig' is yes/no, "
        r"so comparing it with 'Yes' is never true",
    ):
        load(tmp_path, data)


def test_validate_catches_a_priority_that_yields_text(tmp_path: Path) -> None:
    """Issue 14: `run` refused it only while generating applicants; validate said nothing."""
    data = mini()
    data["services"]["antrag"]["priority"] = "channel"
    findings = validate_scenario_file(write(tmp_path, data))
    errors = [f for f in findings if f.severity == "error"]
    assert len(errors) == 1, errors
    assert "priority" in errors[0].element_id and "must be a finite number, got 'online'" in str(
        errors[0].message
    )
    data["services"]["antrag"]["priority"] = "channel == 'online' && missing_documents > 0"
    findings = validate_scenario_file(write(tmp_path, data))
    assert not [f for f in findings if f.severity == "error"]


def test_two_bpmn_files_of_the_same_name_are_refused_up_front(tmp_path: Path) -> None:
    """Issue 14: refused only when the inputs were copied, after the whole run."""
    other = tmp_path / "other"
    other.mkdir()
    (other / "mini.bpmn").write_bytes((DATA / "mini.bpmn").read_bytes())
    data = mini()
    data["services"]["antrag2"] = {**data["services"]["antrag"], "bpmn": str(other / "mini.bpmn")}
    for town in data["municipalities"].values():
        town["services"] = [*town["services"], "antrag2"]
    path = write(tmp_path, data)
    errors = [f for f in validate_scenario_file(path) if f.severity == "error"]
    assert [f.element_id for f in errors] == ["services.antrag2.bpmn"]
    assert "another input file is also named 'mini.bpmn'" in errors[0].message
    with pytest.raises(ScenarioError, match=r"services\.antrag2\.bpmn: another input file"):
        load_scenario(path)


def test_a_condition_override_may_be_written_in_feel(tmp_path: Path) -> None:
    data = mini()
    service = data["services"]["antrag"]
    service["applicants"]["flags"] = {"eilig": 0.3}
    service["conditions"] = {"Flow_Unvollstaendig": "= eilig = true and missing_documents >= visit"}
    path = write(tmp_path, data)
    assert [f for f in validate_scenario_file(path) if f.severity == "error"] == []
    from zsa_sim.scenario.resolve import resolve_service

    setup, _ = resolve_service(load_scenario(path), "antrag")
    rule = next(r for r in setup.branches.values() if "Flow_Unvollstaendig" in r.conditions)
    assert rule.conditions["Flow_Unvollstaendig"] == "eilig == true and missing_documents >= visit"
