"""The two service models in processes/ against their contract (/work/notes/MODELS.md).

Scenario files key staff, efforts and branch probabilities by these ids, so the ids,
lanes, roles and the centralisable/decision marks must stay as agreed.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from zsa_sim.bpmn import (
    BoundaryEvent,
    Definitions,
    EventBasedGateway,
    ExclusiveGateway,
    Process,
    SubProcess,
    Task,
    TimerDefinition,
    read_bpmn,
    validate_model,
)
from zsa_sim.cli import _register, cli

PROCESSES = Path(__file__).parent.parent / "processes"

# task id -> (role, task type or "", centralisable, decision)
HUNDEHALTUNG_TASKS = {
    "Task_Onlineantrag_uebernehmen": ("front_office", "userTask", True, False),
    "Task_Papierantrag_erfassen": ("front_office", "userTask", True, False),
    "Task_Vollstaendigkeit_pruefen": ("tax_clerk", "userTask", True, False),
    "Task_Unterlagen_nachfordern": ("tax_clerk", "sendTask", True, False),
    "Task_Erinnerung_senden": ("", "sendTask", True, False),
    "Task_Ordnungsamt_informieren": ("tax_clerk", "userTask", False, False),
    "Task_Listenhund_pruefen": ("tax_clerk", "userTask", False, False),
    "Task_Steuerverfahren_erfassen": ("tax_clerk", "userTask", True, False),
    "Task_Steuerbescheid_erlassen": ("tax_clerk", "userTask", False, True),
    "Task_Steuermarke_versenden": ("front_office", "manualTask", True, False),
    "Task_Bescheid_versenden": ("front_office", "sendTask", True, False),
    "Task_Archivieren": ("front_office", "userTask", True, False),
}

WOHNGELD_TASKS = {
    "Task_Onlineantrag_uebernehmen": ("front_office", "", True, False),
    "Task_Antrag_scannen": ("front_office", "", True, False),
    "Task_Vollstaendigkeit_pruefen": ("housing_clerk", "", True, False),
    "Task_Unterlagen_nachfordern": ("housing_clerk", "sendTask", True, False),
    "Task_Versagung_erlassen": ("housing_clerk", "", False, False),
    "Task_Daten_erfassen": ("housing_clerk", "", True, False),
    "Task_Anspruch_berechnen": ("housing_clerk", "businessRuleTask", False, False),
    "Task_Entscheidung_vorbereiten": ("housing_clerk", "", False, False),
    "Task_Vier_Augen_Pruefung": ("housing_lead", "", False, False),
    "Task_Bescheid_erlassen": ("housing_clerk", "", False, True),
    "Task_Zwischennachricht_senden": ("front_office", "sendTask", True, False),
    "Task_Zahlung_anordnen": ("housing_clerk", "", False, False),
    "Task_Archivieren": ("front_office", "", True, False),
}


@pytest.fixture(scope="module")
def hundehaltung() -> Definitions:
    return read_bpmn(PROCESSES / "hundehaltung.bpmn")


@pytest.fixture(scope="module")
def wohngeld() -> Definitions:
    return read_bpmn(PROCESSES / "wohngeld.bpmn")


def _check_tasks(process: Process, expected: dict[str, tuple[str, str, bool, bool]]) -> None:
    lanes = {lane.id: lane for lane in process.lanes}
    tasks = {task.id: task for task in process.tasks()}
    assert sorted(tasks) == sorted(expected)
    for task_id, (role, task_type, centralisable, decision) in expected.items():
        task = tasks[task_id]
        assert task.name, task_id
        assert (task.centralisable, task.is_decision) == (centralisable, decision), task_id
        if task_type:
            assert task.task_type == task_type, task_id
        if role:
            assert task.lane is not None, task_id
            assert lanes[task.lane].role == role, task_id


def _check_collaboration(defs: Definitions, process_id: str) -> None:
    applicant = [p for p in defs.participants if p.id == "Participant_Antragsteller"]
    assert applicant and applicant[0].process_ref is None
    assert applicant[0].name == "Antragsteller/in"
    assert defs.participant_of(process_id) is not None
    assert any(m.source == "Participant_Antragsteller" for m in defs.message_flows)
    assert any(m.target == "Participant_Antragsteller" for m in defs.message_flows)
    assert defs.diagram is not None


def test_hundehaltung_validates_without_errors(hundehaltung: Definitions) -> None:
    errors = [str(f) for f in validate_model(hundehaltung) if f.severity == "error"]
    assert errors == []


def test_hundehaltung_contract(hundehaltung: Definitions) -> None:
    process = hundehaltung.main_process
    assert process.id == "Process_Hundehaltung"
    _check_collaboration(hundehaltung, process.id)
    assert [(lane.id, lane.role) for lane in process.lanes] == [
        ("Lane_Buergerbuero", "front_office"),
        ("Lane_Steueramt", "tax_clerk"),
    ]
    _check_tasks(process, HUNDEHALTUNG_TASKS)
    nodes = {n.id: n for n in process.walk()}
    assert nodes["Start_Antrag"].definition.kind == "message"
    assert isinstance(nodes["Gw_Kanal"], ExclusiveGateway)
    assert nodes["Gw_Kanal"].default_flow == "Flow_Kanal_Papier"
    assert process.flows["Flow_Kanal_Online"].condition == '${channel == "online"}'
    assert process.flows["Flow_Unvollstaendig"].condition == "${missing_documents >= visit}"
    assert isinstance(nodes["Gw_Warten"], EventBasedGateway)
    assert isinstance(nodes["Gw_Warten_Erinnerung"], EventBasedGateway)
    assert nodes["Event_Frist_abgelaufen"].definition.timer == TimerDefinition(
        "timeDuration", "P14D"
    )
    assert nodes["Event_Frist_endgueltig"].definition.timer == TimerDefinition(
        "timeDuration", "P14D"
    )
    assert nodes["Gw_Versand_Split"].kind == "parallelGateway"
    assert nodes["Gw_Versand_Join"].kind == "parallelGateway"
    assert nodes["End_Angemeldet"].kind == "endEvent"


def test_wohngeld_validates_without_errors(wohngeld: Definitions) -> None:
    errors = [str(f) for f in validate_model(wohngeld) if f.severity == "error"]
    assert errors == []


def test_wohngeld_contract(wohngeld: Definitions) -> None:
    process = wohngeld.main_process
    assert process.id == "Process_Wohngeld"
    _check_collaboration(wohngeld, process.id)
    assert [(lane.id, lane.role) for lane in process.lanes] == [
        ("Lane_Posteingang", "front_office"),
        ("Lane_Wohngeldstelle", "housing_clerk"),
        ("Lane_Sachgebietsleitung", "housing_lead"),
    ]
    _check_tasks(process, WOHNGELD_TASKS)
    nodes = {n.id: n for n in process.walk()}
    sub = nodes["Sub_Entscheidung"]
    assert isinstance(sub, SubProcess)
    assert {"Task_Entscheidung_vorbereiten", "Task_Vier_Augen_Pruefung", "Gw_Freigabe"} <= set(
        sub.body.nodes
    )
    assert nodes["Gw_Freigabe"].default_flow == "Flow_Freigegeben"
    assert sub.body.flows["Flow_Nicht_freigegeben"].condition is None
    boundary = nodes["Boundary_Bearbeitungsdauer"]
    assert isinstance(boundary, BoundaryEvent)
    assert (boundary.attached_to, boundary.cancel_activity) == ("Sub_Entscheidung", False)
    assert boundary.definition.timer == TimerDefinition("timeDuration", "P30D")
    assert sub.boundary_events == ("Boundary_Bearbeitungsdauer",)
    assert nodes["Event_Mitwirkungsfrist_abgelaufen"].definition.timer == TimerDefinition(
        "timeDuration", "P21D"
    )
    assert isinstance(nodes["Gw_Warten"], EventBasedGateway)
    assert process.flows["Flow_Anspruch"].condition == "${entitled == true}"
    for end in ("End_Zurueckgenommen", "End_Versagt", "End_Beschieden", "End_Zwischennachricht"):
        assert nodes[end].kind == "endEvent"
    assert all(isinstance(nodes[t], Task) for t in WOHNGELD_TASKS)


@pytest.mark.parametrize("name", ["hundehaltung.bpmn", "wohngeld.bpmn"])
def test_inspect_and_validate_commands_work_on_the_models(name: str) -> None:
    _register()
    runner = CliRunner()
    inspected = runner.invoke(cli, ["inspect", str(PROCESSES / name)])
    assert inspected.exit_code == 0, inspected.output
    assert "decision" in inspected.output
    validated = runner.invoke(cli, ["validate", str(PROCESSES / name)])
    assert validated.exit_code in (0, 1), validated.output
    assert "error:" not in validated.output


@pytest.mark.parametrize("path", sorted(PROCESSES.glob("*.bpmn")), ids=lambda p: p.name)
def test_every_shipped_model_reads_and_has_no_errors(path: Path) -> None:
    errors = [str(f) for f in validate_model(read_bpmn(path)) if f.severity == "error"]
    assert errors == []


def test_the_two_models_ship() -> None:
    assert {p.name for p in PROCESSES.glob("*.bpmn")} >= {"hundehaltung.bpmn", "wohngeld.bpmn"}
