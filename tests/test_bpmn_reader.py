"""The BPMN reader: files from Camunda Modeler, Signavio and bpmn.io -> the frozen model."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from zsa_sim.bpmn import (
    TASK_KINDS,
    BoundaryEvent,
    Bounds,
    CallActivity,
    Definitions,
    EndEvent,
    EventBasedGateway,
    EventDefinition,
    ExclusiveGateway,
    InclusiveGateway,
    IntermediateCatchEvent,
    IntermediateThrowEvent,
    ParallelGateway,
    Participant,
    StartEvent,
    SubProcess,
    Task,
    TimerDefinition,
    read_bpmn,
)
from zsa_sim.errors import BpmnError

DATA = Path(__file__).parent / "data" / "bpmn"

HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" '
    'xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" '
    'xmlns:bpsim="http://www.bpsim.org/schemas/1.0" id="Defs" targetNamespace="urn:test">\n'
)
#: start -> A -> end, to embed a construct under test in a valid process.
CHAIN = """
<bpmn:startEvent id="S" />
<bpmn:task id="A" name="Arbeit" />
<bpmn:endEvent id="E" />
<bpmn:sequenceFlow id="F1" sourceRef="S" targetRef="A" />
<bpmn:sequenceFlow id="F2" sourceRef="A" targetRef="E" />
"""


def write(tmp_path: Path, process_body: str, *, outside: str = "", name: str = "m.bpmn") -> Path:
    """A file with one process P holding ``process_body``; ``outside`` follows it."""
    path = tmp_path / name
    path.write_text(
        f'{HEAD}<bpmn:process id="P">{process_body}</bpmn:process>{outside}</bpmn:definitions>',
        encoding="utf-8",
    )
    return path


@pytest.fixture(scope="module")
def camunda() -> Definitions:
    return read_bpmn(DATA / "camunda_antrag.bpmn")


@pytest.fixture(scope="module")
def nodes(camunda: Definitions) -> dict:
    return {n.id: n for n in camunda.processes["Process_Antrag"].walk()}


# -- Camunda Modeler style --------------------------------------------------------------


def test_camunda_file_header_pools_and_message_flows(camunda: Definitions) -> None:
    assert camunda.source == str(DATA / "camunda_antrag.bpmn")
    assert camunda.exporter == "Camunda Modeler"
    assert list(camunda.processes) == ["Process_Antrag", "Process_Zahlung"]
    assert camunda.main_process.id == "Process_Antrag"
    assert camunda.participants == (
        Participant("Participant_Antragsteller", "Antragsteller/in", None),
        Participant("Participant_Behoerde", "Gemeinde", "Process_Antrag"),
        Participant("Participant_Kasse", "Stadtkasse", "Process_Zahlung"),
    )
    assert [(m.id, m.source, m.target, m.name) for m in camunda.message_flows] == [
        ("MessageFlow_Antrag", "Participant_Antragsteller", "Start_Antrag", "Antrag"),
        ("MessageFlow_Nachforderung", "Task_Nachfordern", "Participant_Antragsteller", ""),
        ("MessageFlow_Unterlagen", "Participant_Antragsteller", "Event_Unterlagen", ""),
    ]
    assert camunda.participant_of("Process_Zahlung").id == "Participant_Kasse"


def test_camunda_every_element_type(nodes: dict) -> None:
    expected = {
        "Start_Antrag": StartEvent,
        "End_Fertig": EndEvent,
        "Gw_Merge": ExclusiveGateway,
        "Gw_Split": ParallelGateway,
        "Gw_Inklusiv": InclusiveGateway,
        "Gw_Warten": EventBasedGateway,
        "Event_Frist": IntermediateCatchEvent,
        "Event_Info": IntermediateThrowEvent,
        "Boundary_Frist": BoundaryEvent,
        "Sub_Entscheidung": SubProcess,
        "Call_Zahlung": CallActivity,
        "Task_Erfassen": Task,
    }
    assert {i: type(nodes[i]) for i in expected} == expected
    assert sorted(n.task_type for n in nodes.values() if isinstance(n, Task)) == sorted(
        [*TASK_KINDS, "task", "userTask"]  # two plain tasks and two user tasks
    )
    assert nodes["Task_Pruefen"].kind == "manualTask"
    assert nodes["Gw_Warten"].kind == "eventBasedGateway"


def test_camunda_ignores_annotations_and_data_objects(nodes: dict) -> None:
    assert "TextAnnotation_1" not in nodes
    assert "DataObjectReference_Akte" not in nodes
    assert len(nodes) == 37


def test_camunda_incoming_and_outgoing_in_file_order(camunda: Definitions) -> None:
    process = camunda.processes["Process_Antrag"]
    merge = process.node("Gw_Merge")
    assert merge.incoming == ("Flow_2", "Flow_Zurueck")
    assert merge.outgoing == ("Flow_3",)
    assert [f.target for f in process.outgoing_flows("Gw_Vollstaendig")] == [
        "Task_Nachfordern",
        "Gw_Split",
    ]
    assert [f.source for f in process.incoming_flows("Gw_Join")] == [
        "Task_Berechnen",
        "Gw_Abfrage_Merge",
    ]
    assert process.node("Start_Antrag").incoming == ()
    assert process.node("Boundary_Frist").incoming == ()


def test_camunda_conditions_and_default_flows(camunda: Definitions, nodes: dict) -> None:
    flows = camunda.processes["Process_Antrag"].flows
    assert flows["Flow_Unvollstaendig"].condition == "${missing_documents >= visit}"
    assert flows["Flow_Unvollstaendig"].name == "nein"
    assert flows["Flow_Vollstaendig"].condition is None
    assert nodes["Gw_Vollstaendig"].default_flow == "Flow_Vollstaendig"
    assert nodes["Gw_Merge"].default_flow is None
    assert nodes["Gw_Inklusiv"].default_flow == "Flow_Inkl_Standard"
    body = nodes["Sub_Entscheidung"].body
    assert body.flows["Flow_Inkl_Info"].condition == "${fachamt_betroffen}"


def test_camunda_boundary_events(nodes: dict) -> None:
    frist = nodes["Boundary_Frist"]
    assert frist.attached_to == "Sub_Entscheidung"
    assert frist.cancel_activity is False
    assert frist.definition == EventDefinition("timer", TimerDefinition("timeCycle", "R3/P10D"))
    assert nodes["Boundary_Ruecknahme"].cancel_activity is True
    assert nodes["Boundary_Ruecknahme"].definition == EventDefinition(
        "message", ref="Message_Ruecknahme"
    )
    assert nodes["Boundary_Fehler"].definition == EventDefinition("error", ref="Error_Register")
    assert nodes["Sub_Entscheidung"].boundary_events == ("Boundary_Frist",)
    assert nodes["Task_Pruefen"].boundary_events == ("Boundary_Ruecknahme",)
    assert nodes["Task_Abfrage"].boundary_events == ("Boundary_Fehler",)
    assert nodes["Task_Erfassen"].boundary_events == ()


def test_camunda_event_definitions(nodes: dict) -> None:
    definitions = {i: nodes[i].definition for i in nodes if hasattr(nodes[i], "definition")}
    assert definitions["Start_Antrag"] == EventDefinition("message", ref="Message_Antrag")
    assert definitions["Event_Frist"].timer == TimerDefinition("timeDuration", "P14D")
    assert definitions["Event_Stichtag"].timer == TimerDefinition(
        "timeDate", "2025-01-01T08:00:00+01:00"
    )
    assert definitions["End_Abbruch"] == EventDefinition("terminate")
    assert definitions["End_Zurueckgenommen"] == EventDefinition("message", ref="Message_Info")
    assert definitions["Event_Info"] == EventDefinition("message", ref="Message_Info")
    assert definitions["Event_Bescheid_erstellt"] == EventDefinition("none")
    assert definitions["Event_Fertig_gemeldet"] == EventDefinition("signal", ref="Signal_Fertig")
    assert definitions["Event_Zahlung_bestaetigt"] == EventDefinition(
        "conditional", condition="${paid == true}"
    )
    assert definitions["Sub_Start"] == EventDefinition()


def test_camunda_lanes_nested(camunda: Definitions) -> None:
    lanes = camunda.processes["Process_Antrag"].lanes
    assert [(lane.id, lane.parent, lane.role) for lane in lanes] == [
        ("Lane_Front", None, "front_office"),
        ("Lane_Fach", None, "clerk"),
        ("Lane_Sachbearbeitung", "Lane_Fach", "case_worker"),
        ("Lane_Leitung", "Lane_Fach", "lead"),
    ]
    assert lanes[0].name == "Bürgerbüro"
    assert lanes[0].node_ids[:2] == ("Start_Antrag", "Task_Erfassen")


def test_camunda_node_lanes_innermost_and_inside_the_subprocess(nodes: dict) -> None:
    assert nodes["Task_Erfassen"].lane == "Lane_Front"
    assert nodes["Gw_Merge"].lane == "Lane_Sachbearbeitung"  # listed in parent and child
    assert nodes["Task_Quittung"].lane == "Lane_Fach"  # listed in the parent lane only
    assert nodes["Task_Vorbereiten"].lane == "Lane_Sachbearbeitung"  # flowNodeRef
    assert nodes["Task_Freigabe"].lane == "Lane_Leitung"  # not listed: by its shape
    assert nodes["Sub_Start"].lane == "Lane_Sachbearbeitung"  # no shape: subprocess's lane


def test_camunda_properties_documentation_and_names(camunda: Definitions, nodes: dict) -> None:
    erfassen = nodes["Task_Erfassen"]
    assert dict(erfassen.properties) == {"zsa:centralisable": "true", "zsa:effort": "PT10M"}
    assert erfassen.centralisable and not erfassen.is_decision
    assert erfassen.documentation == "Daten aus dem Antrag übernehmen."
    assert dict(nodes["Task_Abfrage"].properties) == {"zsa:centralisable": "true"}
    assert nodes["Task_Freigabe"].is_decision
    assert not nodes["Task_Pruefen"].centralisable
    assert nodes["Task_Pruefen"].name == "Unterlagen prüfen"  # line break folded
    assert camunda.processes["Process_Antrag"].documentation == "Test process: one of everything."
    assert camunda.processes["Process_Antrag"].name == "Antrag bearbeiten"


def test_camunda_bpsim_parameters_of_the_first_scenario(camunda: Definitions, nodes: dict) -> None:
    assert dict(nodes["Task_Berechnen"].properties) == {
        "bpsim:ProcessingTime": "TriangularDistribution(min=1,mode=2,max=3)"
    }
    flow = camunda.processes["Process_Antrag"].flows["Flow_Unvollstaendig"]
    assert dict(flow.properties) == {"bpsim:Probability": "FloatingParameter(value=0.3)"}


def test_camunda_subprocess_body_and_call_activity(camunda: Definitions, nodes: dict) -> None:
    body = nodes["Sub_Entscheidung"].body
    assert body.id == "Sub_Entscheidung"
    assert list(body.nodes) == [
        "Sub_Start",
        "Task_Vorbereiten",
        "Task_Freigabe",
        "Gw_Inklusiv",
        "Event_Info",
        "Gw_Inklusiv_Join",
        "Sub_Ende",
    ]
    assert body.lane_of("Task_Freigabe").name == "Leitung"
    assert nodes["Call_Zahlung"].called_element == "Process_Zahlung"
    assert camunda.resolve_call("Process_Zahlung").node("Task_Zahlung_anweisen").lane == (
        "Lane_Kasse"
    )
    assert dict(camunda.called_processes) == {}


def test_camunda_diagram_shapes_and_edges(camunda: Definitions) -> None:
    diagram = camunda.diagram
    assert diagram is not None
    assert diagram.shapes["Task_Erfassen"] == Bounds(300, 170, 100, 80)
    assert diagram.shapes["Gw_Vollstaendig"] == Bounds(695, 305, 50, 50)  # not its label
    assert diagram.shapes["Lane_Leitung"] == Bounds(220, 600, 2780, 160)
    assert "Sub_Start" not in diagram.shapes
    assert diagram.edges["Flow_1"] == ((240.0, 210.0), (350.0, 210.0))
    assert len(diagram.edges["Flow_Unvollstaendig"]) == 2


def test_model_is_frozen(camunda: Definitions, nodes: dict) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        nodes["Task_Erfassen"].name = "x"  # type: ignore[misc]
    with pytest.raises(TypeError):
        nodes["Task_Erfassen"].properties["zsa:centralisable"] = "false"  # type: ignore[index]
    with pytest.raises(TypeError):
        camunda.processes["X"] = None  # type: ignore[index]


# -- Signavio, bpmn.io and other layouts -------------------------------------------------


def test_signavio_default_namespace_and_meta_data() -> None:
    defs = read_bpmn(DATA / "signavio_gewerbe.bpmn")
    process = defs.main_process
    assert defs.exporter == "Signavio Process Editor, http://www.signavio.com"
    assert process.id == "sid-0B7A1C2D-1111-4E2F-8A9B-000000000003"
    assert process.is_executable is False
    assert list(process.nodes) == ["sid-S1", "sid-T1", "sid-G1", "sid-T2", "sid-G2", "sid-E1"]
    task = process.node("sid-T1")
    assert dict(task.properties) == {
        "signavio:bgcolor": "#ffffcc",
        "signavio:risikostufe": "niedrig",
    }
    assert task.documentation == "Zuständigkeit und Vollständigkeit prüfen."
    assert process.node("sid-S1").name == "Anmeldung eingegangen"
    assert process.node("sid-S1").properties["signavio:vorgangstyp"] == "Gewerbe"
    assert process.flows["sid-F3"].condition == "${zustaendig == true}"
    assert dict(process.flows["sid-F3"].properties) == {"signavio:bordercolor": "#000000"}
    assert process.node("sid-G1").default_flow == "sid-F4"
    assert {n.lane for n in process.nodes.values()} == {"sid-E1A2B3C4-0000-4000-8000-000000000011"}
    assert defs.participants[0].process_ref == process.id
    assert defs.diagram.shapes["sid-T2"] == Bounds(440.0, 130.0, 100.5, 80.0)
    assert defs.diagram.edges["sid-F4"][1] == (375.0, 250.0)


def test_bpmnio_bpmn2_prefix() -> None:
    defs = read_bpmn(DATA / "bpmnio_fundsache.bpmn")
    process = defs.main_process
    assert defs.exporter == "bpmn-js (https://demo.bpmn.io)"
    assert process.id == "Process_1"
    assert process.lanes == ()
    assert [n.kind for n in process.nodes.values()] == [
        "startEvent",
        "task",
        "exclusiveGateway",
        "task",
        "task",
        "endEvent",
    ]
    assert process.node("Event_0z1").incoming == ("Flow_0a5", "Flow_0a6")
    assert defs.participants == ()
    assert defs.diagram.shapes["StartEvent_1"] == Bounds(412, 240, 36, 36)


def test_file_without_diagram_and_zsa_namespace_under_any_prefix() -> None:
    defs = read_bpmn(DATA / "no_diagram.bpmn")
    assert defs.diagram is None
    assert defs.exporter == ""
    lane = defs.main_process.lanes[0]
    assert lane.role == "team"
    assert lane.centralisable
    task = defs.main_process.node("Task_A")
    assert dict(task.properties) == {"zsa:decision": "true", "zsa:effort": "PT5M"}
    assert task.is_decision
    assert task.lane == "Lane_Team"


def test_two_processes_in_one_file() -> None:
    defs = read_bpmn(DATA / "two_processes.bpmn")
    assert list(defs.processes) == ["Process_Entwurf", "Process_Echt"]
    assert defs.processes["Process_Entwurf"].is_executable is False
    assert defs.main_process.id == "Process_Echt"
    assert defs.main_process.start_events[0].definition.timer == TimerDefinition(
        "timeCycle", "R/P1D"
    )


def test_call_activities_resolved_in_sibling_files_transitively() -> None:
    defs = read_bpmn(DATA / "calls" / "main.bpmn")
    assert list(defs.processes) == ["Process_Haupt"]
    assert list(defs.called_processes) == ["Process_Pruefung", "Process_Register"]
    assert defs.resolve_call("Process_Register").node("Process_Register_Work").kind == (
        "serviceTask"
    )
    assert defs.main_process.id == "Process_Haupt"


CALL = """
<bpmn:startEvent id="S" />
<bpmn:callActivity id="Call_X" name="Aufruf" calledElement="Process_Fehlt" />
<bpmn:endEvent id="E" />
<bpmn:sequenceFlow id="F1" sourceRef="S" targetRef="Call_X" />
<bpmn:sequenceFlow id="F2" sourceRef="Call_X" targetRef="E" />
"""


def test_unresolvable_call_activity_is_a_black_box_noting_unreadable_siblings(
    tmp_path: Path,
) -> None:
    path = write(tmp_path, CALL)
    (tmp_path / "kaputt.bpmn").write_text("<not closed", encoding="utf-8")
    defs = read_bpmn(path)
    assert defs.black_box_reason(defs.main_process.node("Call_X")) == (
        "calls process 'Process_Fehlt', which is in no file (unreadable sibling files: kaputt.bpmn)"
    )


def test_a_broken_sibling_does_not_matter_when_the_call_resolves(tmp_path: Path) -> None:
    path = write(tmp_path, CALL)
    (tmp_path / "a_kaputt.bpmn").write_text("<not closed", encoding="utf-8")
    other = CHAIN.replace('id="S"', 'id="S2"').replace('"A"', '"A2"').replace('"E"', '"E2"')
    other = other.replace('"F1"', '"G1"').replace('"F2"', '"G2"')
    other = other.replace('sourceRef="S"', 'sourceRef="S2"').replace('Ref="A"', 'Ref="A2"')
    other = other.replace('targetRef="E"', 'targetRef="E2"')
    sibling = write(tmp_path, other, name="b_fehlt.bpmn")
    sibling.write_text(
        sibling.read_text(encoding="utf-8").replace('id="P"', 'id="Process_Fehlt"'),
        encoding="utf-8",
    )
    defs = read_bpmn(path)
    assert list(defs.called_processes) == ["Process_Fehlt"]


def test_lane_from_flow_node_ref_wins_over_the_drawing(tmp_path: Path) -> None:
    body = """
    <bpmn:laneSet id="LS">
      <bpmn:lane id="L_Oben"><bpmn:flowNodeRef>S</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>Sub</bpmn:flowNodeRef><bpmn:flowNodeRef>E</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>Listed</bpmn:flowNodeRef></bpmn:lane>
      <bpmn:lane id="L_Unten" />
    </bpmn:laneSet>
    <bpmn:startEvent id="S" />
    <bpmn:subProcess id="Sub">
      <bpmn:startEvent id="In_Start" />
      <bpmn:task id="Listed" />
      <bpmn:task id="Drawn" />
      <bpmn:endEvent id="In_End" />
      <bpmn:sequenceFlow id="I1" sourceRef="In_Start" targetRef="Listed" />
      <bpmn:sequenceFlow id="I2" sourceRef="Listed" targetRef="Drawn" />
      <bpmn:sequenceFlow id="I3" sourceRef="Drawn" targetRef="In_End" />
    </bpmn:subProcess>
    <bpmn:endEvent id="E" />
    <bpmn:sequenceFlow id="F1" sourceRef="S" targetRef="Sub" />
    <bpmn:sequenceFlow id="F2" sourceRef="Sub" targetRef="E" />
    """
    shapes = {
        "L_Oben": (0, 0, 1000, 100),
        "L_Unten": (0, 100, 1000, 100),
        "Sub": (100, 20, 600, 160),
        "Listed": (150, 120, 100, 60),  # drawn in the lower lane, listed in the upper
        "Drawn": (300, 120, 100, 60),
        "In_End": (400, 20, 36, 36),
    }
    di = "".join(
        f'<bpmndi:BPMNShape id="{k}_di" bpmnElement="{k}">'
        f'<dc:Bounds x="{x}" y="{y}" width="{w}" height="{h}" /></bpmndi:BPMNShape>'
        for k, (x, y, w, h) in shapes.items()
    )
    plane = f'<bpmndi:BPMNPlane id="Pl">{di}</bpmndi:BPMNPlane>'
    outside = f'<bpmndi:BPMNDiagram id="D">{plane}</bpmndi:BPMNDiagram>'
    body_nodes = read_bpmn(write(tmp_path, body, outside=outside)).main_process.node("Sub").body
    assert body_nodes.node("Listed").lane == "L_Oben"
    assert body_nodes.node("Drawn").lane == "L_Unten"
    assert body_nodes.node("In_End").lane == "L_Oben"
    assert body_nodes.node("In_Start").lane == "L_Oben"  # no shape: the subprocess's lane


def test_bpsim_property_parameters_and_nested_values(tmp_path: Path) -> None:
    outside = """
    <bpmn:relationship type="BPSimData"><bpmn:extensionElements><bpsim:BPSimData>
      <bpsim:Scenario id="Sc">
        <bpsim:ElementParameters elementRef="A">
          <bpsim:PropertyParameters>
            <bpsim:Property name="Aufwand"><bpsim:NumericParameter value="5" /></bpsim:Property>
          </bpsim:PropertyParameters>
          <bpsim:TimeParameters><bpsim:WaitTime>
            <bpsim:UserDistribution discrete="true">
              <bpsim:UserDistributionDataPoint probability="0.25">
                <bpsim:DurationParameter value="PT1H" />
              </bpsim:UserDistributionDataPoint>
            </bpsim:UserDistribution>
          </bpsim:WaitTime></bpsim:TimeParameters>
        </bpsim:ElementParameters>
      </bpsim:Scenario>
    </bpsim:BPSimData></bpmn:extensionElements></bpmn:relationship>
    """
    task = read_bpmn(write(tmp_path, CHAIN, outside=outside)).main_process.node("A")
    assert dict(task.properties) == {
        "bpsim:property:Aufwand": "NumericParameter(value=5)",
        "bpsim:WaitTime": "UserDistribution(discrete=true,"
        "UserDistributionDataPoint(probability=0.25,DurationParameter(value=PT1H)))",
    }


def test_nested_subprocesses(tmp_path: Path) -> None:
    inner = CHAIN.replace('id="', 'id="in_').replace('Ref="', 'Ref="in_')
    middle = f"""
    <bpmn:startEvent id="m_S" /><bpmn:subProcess id="Inner">{inner}</bpmn:subProcess>
    <bpmn:endEvent id="m_E" />
    <bpmn:sequenceFlow id="m_F1" sourceRef="m_S" targetRef="Inner" />
    <bpmn:sequenceFlow id="m_F2" sourceRef="Inner" targetRef="m_E" />
    """
    body = CHAIN.replace(
        '<bpmn:task id="A" name="Arbeit" />', f'<bpmn:subProcess id="A">{middle}</bpmn:subProcess>'
    )
    process = read_bpmn(write(tmp_path, body)).main_process
    assert [n.id for n in process.tasks()] == ["in_A"]
    assert process.node("A").body.node("Inner").body.node("in_A").incoming == ("in_F1",)


# -- errors --------------------------------------------------------------------------------


def _unsupported(element_id: str, name: str, kind: str, reason: str) -> str:
    return (
        rf"m\.bpmn: element '{element_id}' \({name}\) of type {kind} cannot be simulated: {reason}"
    )


@pytest.mark.parametrize(
    ("element", "match"),
    [
        (
            '<bpmn:complexGateway id="Gw_7" name="Prüfung" />',
            _unsupported("Gw_7", "Prüfung", "complexGateway", "complex gateways"),
        ),
        (
            '<bpmn:transaction id="T" name="Buchung" />',
            _unsupported("T", "Buchung", "transaction", "transactions"),
        ),
        (
            '<bpmn:adHocSubProcess id="H" name="Frei" />',
            _unsupported("H", "Frei", "adHocSubProcess", "ad-hoc subprocesses"),
        ),
        (
            '<bpmn:fooTask id="X" name="Foo" />',
            _unsupported("X", "Foo", "fooTask", "unknown BPMN element$"),
        ),
        (
            '<bpmn:task id="CH" name="Zurück" isForCompensation="true" />',
            _unsupported("CH", "Zurück", "task", "compensation handlers are not supported"),
        ),
        (
            '<bpmn:boundaryEvent id="CB" name="Komp" attachedToRef="A">'
            "<bpmn:compensateEventDefinition /></bpmn:boundaryEvent>",
            _unsupported("CB", "Komp", "boundaryEvent", "compensation is not supported"),
        ),
        (
            '<bpmn:intermediateThrowEvent id="CT" name="Ausgleich">'
            "<bpmn:compensateEventDefinition /></bpmn:intermediateThrowEvent>",
            _unsupported("CT", "Ausgleich", "intermediateThrowEvent", "compensation is not"),
        ),
        (
            '<bpmn:endEvent id="CE" name="Abbruch"><bpmn:cancelEventDefinition /></bpmn:endEvent>',
            _unsupported("CE", "Abbruch", "endEvent", "cancel events belong to transactions"),
        ),
        (
            '<bpmn:intermediateCatchEvent id="LK" name="Sprung">'
            "<bpmn:escalationEventDefinition /></bpmn:intermediateCatchEvent>",
            _unsupported(
                "LK", "Sprung", "intermediateCatchEvent", "escalation triggers are not supported"
            ),
        ),
        (
            '<bpmn:subProcess id="ES" triggeredByEvent="true">'
            '<bpmn:startEvent id="ESS" name="Los" /></bpmn:subProcess>',
            _unsupported(
                "ESS",
                "Los",
                "startEvent",
                "the start event of an event subprocess cannot have a none",
            ),
        ),
        (
            '<bpmn:subProcess id="ES" triggeredByEvent="true">'
            '<bpmn:startEvent id="ESE" name="Fehler" isInterrupting="false">'
            "<bpmn:errorEventDefinition /></bpmn:startEvent></bpmn:subProcess>",
            _unsupported("ESE", "Fehler", "startEvent", "an error start event always interrupts"),
        ),
        (
            '<bpmn:endEvent id="TE" name="Zeit"><bpmn:timerEventDefinition>'
            "<bpmn:timeDuration>P1D</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:endEvent>",
            _unsupported("TE", "Zeit", "endEvent", "timer triggers are not supported on endEvents"),
        ),
        (
            '<bpmn:boundaryEvent id="BN" name="Leer" attachedToRef="A" />',
            _unsupported("BN", "Leer", "boundaryEvent", "none triggers"),
        ),
        (
            '<bpmn:boundaryEvent id="BE" name="Fehler" attachedToRef="A" cancelActivity="false">'
            "<bpmn:errorEventDefinition /></bpmn:boundaryEvent>",
            _unsupported("BE", "Fehler", "boundaryEvent", "an error boundary event always"),
        ),
        (
            '<bpmn:intermediateCatchEvent id="MM" name="Zwei"><bpmn:messageEventDefinition />'
            "<bpmn:signalEventDefinition /></bpmn:intermediateCatchEvent>",
            _unsupported(
                "MM", "Zwei", "intermediateCatchEvent", "events with several event definitions"
            ),
        ),
        (
            '<bpmn:eventBasedGateway id="EG" name="Start" instantiate="true" />',
            _unsupported("EG", "Start", "eventBasedGateway", "instantiating"),
        ),
    ],
)
def test_unsupported_elements_are_named_not_dropped(
    tmp_path: Path, element: str, match: str
) -> None:
    with pytest.raises(BpmnError, match=match) as caught:
        read_bpmn(write(tmp_path, CHAIN + element))
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("extra", "match"),
    [
        (
            '<bpmn:sequenceFlow id="FX" sourceRef="Nowhere" targetRef="A" />',
            r"m\.bpmn: sequenceFlow 'FX': sourceRef 'Nowhere' refers to no element of the file$",
        ),
        (
            '<bpmn:sequenceFlow id="FX" sourceRef="A" targetRef="Nowhere" />',
            r"sequenceFlow 'FX': targetRef 'Nowhere' refers to no element",
        ),
        (
            '<bpmn:sequenceFlow id="FX" sourceRef="A" />',
            r"sequenceFlow 'FX' has no targetRef$",
        ),
        (
            '<bpmn:dataObjectReference id="DO" /><bpmn:sequenceFlow id="FX" sourceRef="A" '
            'targetRef="DO" />',
            r"sequence flow 'FX': targetRef 'DO' is a dataObjectReference, not a flow node$",
        ),
        (
            '<bpmn:task id="F1" />',
            r"m\.bpmn: duplicate id 'F1' \(on a sequenceFlow and a task\)$",
        ),
        (
            '<bpmn:boundaryEvent id="B" attachedToRef="Nope"><bpmn:timerEventDefinition>'
            "<bpmn:timeDuration>P1D</bpmn:timeDuration></bpmn:timerEventDefinition>"
            "</bpmn:boundaryEvent>",
            r"boundaryEvent 'B': attachedToRef 'Nope' refers to no element of the file$",
        ),
        (
            '<bpmn:boundaryEvent id="B" attachedToRef="S"><bpmn:timerEventDefinition>'
            "<bpmn:timeDuration>P1D</bpmn:timeDuration></bpmn:timerEventDefinition>"
            "</bpmn:boundaryEvent>",
            r"boundary event 'B': attachedToRef 'S' is not an activity$",
        ),
        (
            '<bpmn:exclusiveGateway id="G" default="F2" />',
            r"element 'G': default flow 'F2' is not one of its outgoing sequence flows$",
        ),
        (
            '<bpmn:task name="Namenlos" />',
            r"a task element named 'Namenlos' has no id$",
        ),
        (
            '<bpmn:intermediateCatchEvent id="ER" name="Ref"><bpmn:eventDefinitionRef>'
            "X</bpmn:eventDefinitionRef></bpmn:intermediateCatchEvent>",
            r"event 'ER' \(Ref\): eventDefinitionRef 'X' names no event definition of the file$",
        ),
        (
            '<bpmn:intermediateThrowEvent id="LT" name="Weiter"><bpmn:linkEventDefinition '
            'name="Weiter" /></bpmn:intermediateThrowEvent>',
            r"link event 'LT' \(Weiter\): no link catch event named 'Weiter' in the same "
            r"process$",
        ),
        (
            '<bpmn:intermediateThrowEvent id="LT"><bpmn:linkEventDefinition />'
            "</bpmn:intermediateThrowEvent>",
            r"link event 'LT' has no link name$",
        ),
        (
            '<bpmn:task id="LM" name="Wieder"><bpmn:standardLoopCharacteristics '
            'loopMaximum="viele" /></bpmn:task>',
            r"loop activity 'LM' \(Wieder\): loopMaximum must be a whole number, got 'viele'$",
        ),
        (
            '<bpmn:subProcess id="ES" triggeredByEvent="true" />',
            r"event subprocess 'ES' needs exactly one start event, has 0$",
        ),
        (
            '<bpmn:laneSet id="LS"><bpmn:lane id="L1"><bpmn:flowNodeRef>A</bpmn:flowNodeRef>'
            '</bpmn:lane><bpmn:lane id="L2"><bpmn:flowNodeRef>A</bpmn:flowNodeRef></bpmn:lane>'
            "</bpmn:laneSet>",
            r"flow node 'A' is listed in lanes 'L1' and 'L2'; it can lie in one lane only$",
        ),
    ],
)
def test_dangling_and_broken_references_name_the_id(tmp_path: Path, extra: str, match: str) -> None:
    with pytest.raises(BpmnError, match=match):
        read_bpmn(write(tmp_path, CHAIN + extra))


def test_sequence_flow_between_processes_is_refused(tmp_path: Path) -> None:
    other = '<bpmn:process id="Q"><bpmn:task id="Q_A" /></bpmn:process>'
    extra = '<bpmn:sequenceFlow id="FX" sourceRef="A" targetRef="Q_A" />'
    with pytest.raises(
        BpmnError,
        match=r"sequence flow 'FX': targetRef 'Q_A' lies in another process or subprocess "
        r"\('Q'\), not in 'P'$",
    ):
        read_bpmn(write(tmp_path, CHAIN + extra, outside=other))


def test_sequence_flow_out_of_a_subprocess_is_refused(tmp_path: Path) -> None:
    sub = (
        '<bpmn:subProcess id="Sub"><bpmn:task id="Inside" />'
        '<bpmn:sequenceFlow id="FX" sourceRef="Inside" targetRef="E" /></bpmn:subProcess>'
    )
    with pytest.raises(BpmnError, match=r"targetRef 'E' lies in another process or subprocess"):
        read_bpmn(write(tmp_path, CHAIN + sub))


def test_boundary_event_on_an_activity_of_another_process_is_refused(tmp_path: Path) -> None:
    other = '<bpmn:process id="Q"><bpmn:task id="Q_A" /></bpmn:process>'
    boundary = (
        '<bpmn:boundaryEvent id="B" attachedToRef="Q_A"><bpmn:messageEventDefinition />'
        "</bpmn:boundaryEvent>"
    )
    with pytest.raises(BpmnError, match=r"attachedToRef 'Q_A' is not in the same process$"):
        read_bpmn(write(tmp_path, CHAIN + boundary, outside=other))


@pytest.mark.parametrize(
    ("outside", "note"),
    [
        (
            '<bpmn:collaboration id="C"><bpmn:participant id="Pool" processRef="Missing" />'
            "</bpmn:collaboration>",
            "participant 'Pool': processRef 'Missing' names no process of the file (a black-box "
            "pool)",
        ),
        (
            '<bpmn:collaboration id="C"><bpmn:messageFlow id="M" sourceRef="A" targetRef="Nix" />'
            "</bpmn:collaboration>",
            "messageFlow 'M': targetRef 'Nix' refers to no element of the file (message flow "
            "ignored)",
        ),
        (
            '<bpmn:relationship type="BPSimData"><bpmn:extensionElements><bpsim:BPSimData>'
            '<bpsim:Scenario id="Sc"><bpsim:ElementParameters elementRef="Ghost" />'
            "</bpsim:Scenario></bpsim:BPSimData></bpmn:extensionElements></bpmn:relationship>",
            "BPSim ElementParameters: elementRef 'Ghost' refers to no element (ignored)",
        ),
        (
            '<bpmndi:BPMNDiagram id="D"><bpmndi:BPMNPlane id="Pl"><bpmndi:BPMNShape id="A_di" '
            'bpmnElement="A"><dc:Bounds x="abc" y="0" width="1" height="1" /></bpmndi:BPMNShape>'
            "</bpmndi:BPMNPlane></bpmndi:BPMNDiagram>",
            "diagram element 'A_di': x='abc' is not a number (left out of the drawing)",
        ),
    ],
)
def test_broken_collaboration_bpsim_and_diagram_are_noted(
    tmp_path: Path, outside: str, note: str
) -> None:
    defs = read_bpmn(write(tmp_path, CHAIN, outside=outside))
    assert defs.notes == (note,)
    assert "A" in defs.main_process.nodes


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("<html><body /></html>", r"not a BPMN 2\.0 file: the root element is 'html'"),
        (
            '<definitions xmlns="http://www.omg.org/bpmn20" />',
            r"root element is 'definitions' in namespace 'http://www\.omg\.org/bpmn20'",
        ),
    ],
)
def test_files_that_are_not_bpmn_2(tmp_path: Path, text: str, match: str) -> None:
    path = tmp_path / "m.bpmn"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(BpmnError, match=match):
        read_bpmn(path)


def test_subprocess_with_lanes_of_its_own(tmp_path: Path) -> None:
    body = """
    <bpmn:laneSet id="LS"><bpmn:lane id="Outer"><bpmn:flowNodeRef>S</bpmn:flowNodeRef>
      <bpmn:flowNodeRef>Sub</bpmn:flowNodeRef><bpmn:flowNodeRef>E</bpmn:flowNodeRef>
    </bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="S" /><bpmn:endEvent id="E" />
    <bpmn:subProcess id="Sub">
      <bpmn:laneSet id="LS2"><bpmn:lane id="Inner"><bpmn:flowNodeRef>i_A</bpmn:flowNodeRef>
      </bpmn:lane></bpmn:laneSet>
      <bpmn:startEvent id="i_S" /><bpmn:task id="i_A" /><bpmn:endEvent id="i_E" />
      <bpmn:sequenceFlow id="i1" sourceRef="i_S" targetRef="i_A" />
      <bpmn:sequenceFlow id="i2" sourceRef="i_A" targetRef="i_E" />
    </bpmn:subProcess>
    <bpmn:sequenceFlow id="F1" sourceRef="S" targetRef="Sub" />
    <bpmn:sequenceFlow id="F2" sourceRef="Sub" targetRef="E" />
    """
    sub = read_bpmn(write(tmp_path, body)).main_process.node("Sub").body
    assert [(n.id, n.lane) for n in sub.nodes.values()] == [
        ("i_S", "Outer"),
        ("i_A", "Inner"),
        ("i_E", "Outer"),
    ]
    assert [(lane.id, lane.parent) for lane in sub.lanes] == [("Outer", None), ("Inner", "Outer")]


# -- what real exports bring (issue 15) ---------------------------------------------------


def test_ids_on_vendor_extension_elements_do_not_count_as_duplicates(tmp_path: Path) -> None:
    body = CHAIN.replace(
        '<bpmn:task id="A" name="Arbeit" />',
        '<bpmn:task id="A" name="Arbeit"><bpmn:extensionElements>'
        '<adonis:attribute xmlns:adonis="urn:adonis" id="A" name="Bearbeiter"/>'
        '<adonis:attribute xmlns:adonis="urn:adonis" id="A" name="Dauer"/>'
        '<bpmn:documentation id="A">embedded by a vendor</bpmn:documentation>'
        "</bpmn:extensionElements></bpmn:task>",
    )
    assert body != CHAIN
    defs = read_bpmn(write(tmp_path, body))
    assert "A" in defs.main_process.nodes


def test_qname_references_and_a_lane_listing_a_missing_element(tmp_path: Path) -> None:
    body = CHAIN.replace('sourceRef="A"', 'sourceRef="tns:A"').replace(
        "<bpmn:startEvent",
        '<bpmn:laneSet id="LS"><bpmn:lane id="L" name="Team / Süd"><bpmn:flowNodeRef>tns:A'
        "</bpmn:flowNodeRef><bpmn:flowNodeRef>Ghost</bpmn:flowNodeRef></bpmn:lane>"
        "</bpmn:laneSet><bpmn:startEvent",
        1,
    )
    defs = read_bpmn(write(tmp_path, body))
    process = defs.main_process
    assert process.node("A").lane == "L"
    assert process.lanes[0].role == "Team - Süd"  # the name, '/' made '-'
    assert [f.source for f in process.flows.values() if f.target == "E"] == ["A"]
    assert defs.notes == ("lane 'L': flowNodeRef 'Ghost' refers to no element (ignored)",)


def test_event_definition_by_reference_and_label_only_and_quoted_timers(tmp_path: Path) -> None:
    body = (
        '<bpmn:startEvent id="S" /><bpmn:intermediateCatchEvent id="T1" name="7 Tage">'
        "<bpmn:timerEventDefinition /></bpmn:intermediateCatchEvent>"
        '<bpmn:intermediateCatchEvent id="T2"><bpmn:eventDefinitionRef>TD</bpmn:eventDefinitionRef>'
        "</bpmn:intermediateCatchEvent>"
        '<bpmn:intermediateCatchEvent id="T3"><bpmn:timerEventDefinition><bpmn:timeDuration>'
        "=duration('PT5M')</bpmn:timeDuration></bpmn:timerEventDefinition>"
        "</bpmn:intermediateCatchEvent>"
        '<bpmn:endEvent id="E" />'
        '<bpmn:sequenceFlow id="F1" sourceRef="S" targetRef="T1" />'
        '<bpmn:sequenceFlow id="F2" sourceRef="T1" targetRef="T2" />'
        '<bpmn:sequenceFlow id="F3" sourceRef="T2" targetRef="T3" />'
        '<bpmn:sequenceFlow id="F4" sourceRef="T3" targetRef="E" />'
    )
    outside = (
        '<bpmn:timerEventDefinition id="TD"><bpmn:timeDuration>"P7D"</bpmn:timeDuration>'
        "</bpmn:timerEventDefinition>"
    )
    process = read_bpmn(write(tmp_path, body, outside=outside)).main_process
    timers = {i: process.node(i).definition.timer for i in ("T1", "T2", "T3")}
    assert timers == {
        "T1": TimerDefinition("timeDuration", ""),
        "T2": TimerDefinition("timeDuration", "P7D"),
        "T3": TimerDefinition("timeDuration", "PT5M"),
    }


def test_category_value_refs_are_ignored(tmp_path: Path) -> None:
    body = CHAIN.replace(
        "<bpmn:startEvent", "<bpmn:categoryValueRef>CV_1</bpmn:categoryValueRef><bpmn:startEvent", 1
    )
    assert "A" in read_bpmn(write(tmp_path, body)).main_process.nodes


def test_a_node_listed_in_two_lanes_lies_where_it_is_drawn(tmp_path: Path) -> None:
    lanes = (
        '<bpmn:laneSet id="LS"><bpmn:lane id="L1"><bpmn:flowNodeRef>A</bpmn:flowNodeRef>'
        '</bpmn:lane><bpmn:lane id="L2"><bpmn:flowNodeRef>A</bpmn:flowNodeRef></bpmn:lane>'
        "</bpmn:laneSet>"
    )

    def shape(element: str, y: int, height: int) -> str:
        return (
            f'<bpmndi:BPMNShape id="{element}_di" bpmnElement="{element}">'
            f'<dc:Bounds x="0" y="{y}" width="500" height="{height}" /></bpmndi:BPMNShape>'
        )

    diagram = (
        '<bpmndi:BPMNDiagram id="D"><bpmndi:BPMNPlane id="DP" bpmnElement="P">'
        + shape("L1", 0, 100)
        + shape("L2", 100, 100)
        + shape("A", 130, 40)
        + "</bpmndi:BPMNPlane></bpmndi:BPMNDiagram>"
    )
    defs = read_bpmn(write(tmp_path, lanes + CHAIN, outside=diagram))
    assert defs.main_process.node("A").lane == "L2"
    assert defs.notes == (
        "flow node 'A' is listed in lanes 'L1' and 'L2'; it is drawn in 'L2', which is taken",
    )


def test_files_in_a_bpmn_draft_namespace_are_read(tmp_path: Path) -> None:
    text = write(tmp_path, CHAIN).read_text(encoding="utf-8")
    old = text.replace(
        "http://www.omg.org/spec/BPMN/20100524/MODEL", "http://www.omg.org/spec/BPMN/20100501/MODEL"
    )
    assert old != text
    (tmp_path / "old.bpmn").write_text(old, encoding="utf-8")
    assert list(read_bpmn(tmp_path / "old.bpmn").main_process.nodes) == ["S", "A", "E"]


def test_called_element_as_qname(tmp_path: Path) -> None:
    body = CHAIN.replace(
        '<bpmn:task id="A" name="Arbeit" />', '<bpmn:callActivity id="A" calledElement="tns:Q" />'
    )
    outside = (
        '<bpmn:process id="Q"><bpmn:startEvent id="QS" /><bpmn:endEvent id="QE" />'
        '<bpmn:sequenceFlow id="QF" sourceRef="QS" targetRef="QE" /></bpmn:process>'
    )
    defs = read_bpmn(write(tmp_path, body, outside=outside))
    call = defs.processes["P"].node("A")
    assert call.called_element == "Q"
    assert defs.black_box_reason(call) is None
