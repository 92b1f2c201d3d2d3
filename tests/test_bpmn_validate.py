"""Structural checks: each finding on the smallest model that shows it."""

from __future__ import annotations

from pathlib import Path

import pytest

from zsa_sim.bpmn import Definitions, Finding, read_bpmn, validate_model

DATA = Path(__file__).parent / "data" / "bpmn"

_SHORTHANDS = {
    "catch": ("intermediateCatchEvent", "<bpmn:messageEventDefinition />"),
    "timer": (
        "intermediateCatchEvent",
        "<bpmn:timerEventDefinition><bpmn:timeDuration>P1D</bpmn:timeDuration>"
        "</bpmn:timerEventDefinition>",
    ),
    "msgstart": ("startEvent", "<bpmn:messageEventDefinition />"),
}


def model(
    tmp_path: Path, nodes: str, flows: str = "", *, lanes: str | None = None, extra: str = ""
) -> Definitions:
    """A one-process model from a compact notation.

    ``nodes``: ``type:id`` or ``type:id=Name`` separated by blanks (``task:A``,
    ``exclusiveGateway:G``, ``catch:C`` for a message catch event, ``timer:T``,
    ``boundary:B@A`` for a timer boundary event on A). ``flows``: ``S>A`` makes flow
    ``F_S_A``; ``G>A?`` gives it a condition, ``G>A!`` makes it G's default flow.
    ``lanes``: ``L1:S,A L2:E``. ``extra`` is raw XML added to the process.
    """
    defaults: dict[str, str] = {}
    flow_xml = []
    for spec in flows.split():
        condition = spec.endswith("?")
        default = spec.endswith("!")
        source, target = spec.rstrip("?!").split(">")
        flow_id = f"F_{source}_{target}"
        body = (
            '<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">${x}'
            "</bpmn:conditionExpression>"
            if condition
            else ""
        )
        flow_xml.append(
            f'<bpmn:sequenceFlow id="{flow_id}" sourceRef="{source}" targetRef="{target}">'
            f"{body}</bpmn:sequenceFlow>"
        )
        if default:
            defaults[source] = flow_id
    node_xml = []
    for spec in nodes.split():
        kind, _, rest = spec.partition(":")
        node_id, _, name = rest.partition("=")
        attrs = f'id="{node_id}" name="{name}"'
        inner = ""
        if kind == "boundary":
            node_id, _, host = node_id.partition("@")
            kind, attrs = "boundaryEvent", f'id="{node_id}" attachedToRef="{host}"'
            inner = _SHORTHANDS["timer"][1]
        elif kind in _SHORTHANDS:
            kind, inner = _SHORTHANDS[kind]
        if node_id in defaults:
            attrs += f' default="{defaults[node_id]}"'
        node_xml.append(f"<bpmn:{kind} {attrs}>{inner}</bpmn:{kind}>")
    lane_xml = ""
    if lanes:
        lane_xml = '<bpmn:laneSet id="LS">'
        for spec in lanes.split():
            lane_id, _, members = spec.partition(":")
            refs = "".join(f"<bpmn:flowNodeRef>{m}</bpmn:flowNodeRef>" for m in members.split(","))
            lane_xml += f'<bpmn:lane id="{lane_id}">{refs}</bpmn:lane>'
        lane_xml += "</bpmn:laneSet>"
    path = tmp_path / "m.bpmn"
    path.write_text(
        '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="D">'
        f'<bpmn:process id="P">{lane_xml}{"".join(node_xml)}{extra}{"".join(flow_xml)}'
        "</bpmn:process></bpmn:definitions>",
        encoding="utf-8",
    )
    return read_bpmn(path)


def found(defs: Definitions, *, skip_lanes: bool = True) -> list[tuple[str, str, str]]:
    """(severity, id, message) of every finding; lane warnings left out by default."""
    return [
        (f.severity, f.element_id, f.message)
        for f in validate_model(defs)
        if not (skip_lanes and "lane" in f.message)
    ]


LINE = "startEvent:S task:A endEvent:E"


def test_a_clean_model_has_no_findings(tmp_path: Path) -> None:
    defs = model(tmp_path, LINE, "S>A A>E", lanes="L:S,A,E")
    assert validate_model(defs) == []


@pytest.mark.parametrize(
    "name", ["camunda_antrag.bpmn", "signavio_gewerbe.bpmn", "no_diagram.bpmn", "calls/main.bpmn"]
)
def test_fixture_files_have_no_findings(name: str) -> None:
    assert validate_model(read_bpmn(DATA / name)) == []


def test_finding_text() -> None:
    assert str(Finding("warning", "Task_3", "task lies outside any lane", "Prüfen")) == (
        "warning: 'Task_3' (Prüfen): task lies outside any lane"
    )
    assert str(Finding("error", "G", "gateway has no outgoing sequence flow")) == (
        "error: 'G': gateway has no outgoing sequence flow"
    )
    assert str(Finding("error", "", "the file contains no process with flow nodes")) == (
        "error: the file contains no process with flow nodes"
    )


def test_unreachable_node(tmp_path: Path) -> None:
    defs = model(tmp_path, LINE + " task:Lost", "S>A A>E Lost>E")
    assert found(defs) == [("error", "Lost", "cannot be reached from a start event")]


def test_boundary_events_are_reachable_through_their_activity(tmp_path: Path) -> None:
    defs = model(tmp_path, LINE + " boundary:B@A endEvent:E2", "S>A A>E B>E2")
    assert found(defs) == []


def test_boundary_event_of_an_unreachable_activity_is_unreachable(tmp_path: Path) -> None:
    defs = model(tmp_path, LINE + " task:Lost boundary:B@Lost", "S>A A>E Lost>E B>E")
    assert found(defs) == [
        ("error", "Lost", "cannot be reached from a start event"),
        ("error", "B", "cannot be reached from a start event"),
    ]


def test_loop_without_exit_cannot_reach_an_end(tmp_path: Path) -> None:
    defs = model(tmp_path, LINE + " exclusiveGateway:G task:B", "S>G G>E! G>A? A>B B>A")
    assert found(defs) == [
        ("error", "A", "no path leads from here to an end event"),
        ("error", "B", "no path leads from here to an end event"),
    ]


def test_a_boundary_timer_is_a_way_out_of_a_loop(tmp_path: Path) -> None:
    defs = model(
        tmp_path,
        LINE + " task:B boundary:T@B endEvent:E2 exclusiveGateway:G",
        "S>G G>E! G>A? A>B B>A T>E2",
    )
    assert found(defs) == []


def test_dead_end_task_is_a_warning_when_the_process_has_end_events(tmp_path: Path) -> None:
    defs = model(tmp_path, LINE + " parallelGateway:G task:Stop", "S>G G>A G>Stop A>E")
    assert found(defs) == [
        (
            "warning",
            "Stop",
            "has no outgoing sequence flow: its token ends here without an end event",
        )
    ]


def test_process_without_end_event_warns_once(tmp_path: Path) -> None:
    defs = model(tmp_path, "startEvent:S task:A", "S>A")
    assert found(defs) == [
        (
            "warning",
            "P",
            "process has no end event: tokens end wherever a node has no outgoing flow",
        )
    ]


def test_gateway_without_outgoing_flows(tmp_path: Path) -> None:
    defs = model(tmp_path, LINE + " parallelGateway:G", "S>A A>E A>G")
    assert found(defs) == [("error", "G", "gateway has no outgoing sequence flow")]


@pytest.mark.parametrize(
    ("kind", "flows", "expected"),
    [
        ("exclusiveGateway", "A>G G>B G>C", ["G"]),
        ("inclusiveGateway", "A>G G>B G>C", ["G"]),
        ("exclusiveGateway", "A>G G>B G>C!", []),
        ("exclusiveGateway", "A>G G>B? G>C?", []),
    ],
)
def test_split_without_conditions_or_default_is_a_warning(
    tmp_path: Path, kind: str, flows: str, expected: list[str]
) -> None:
    defs = model(
        tmp_path,
        f"startEvent:S task:A {kind}:G task:B task:C endEvent:E",
        f"S>A {flows} B>E C>E",
    )
    assert found(defs) == [
        (
            "warning",
            g,
            "gateway has neither conditions nor a default flow: the scenario must give "
            "branch probabilities",
        )
        for g in expected
    ]


def test_condition_after_a_parallel_gateway_is_ignored_with_a_warning(tmp_path: Path) -> None:
    defs = model(
        tmp_path,
        "startEvent:S parallelGateway:G task:B task:C parallelGateway:J endEvent:E",
        "S>G G>B? G>C B>J C>J J>E",
    )
    assert found(defs) == [
        ("warning", "G", "condition on sequence flow 'F_G_B' is ignored after a parallel gateway")
    ]


def test_parallel_join_after_exclusive_split_waits_forever(tmp_path: Path) -> None:
    defs = model(
        tmp_path,
        "startEvent:S exclusiveGateway:X task:B task:C parallelGateway:J endEvent:E",
        "S>X X>B? X>C! B>J C>J J>E",
    )
    assert found(defs) == [
        (
            "error",
            "J",
            "parallel join can wait forever: its incoming flows 'F_B_J' and 'F_C_J' come from "
            "alternative branches of exclusiveGateway 'X'",
        )
    ]


def test_parallel_join_after_event_based_gateway_waits_forever(tmp_path: Path) -> None:
    defs = model(
        tmp_path,
        "startEvent:S eventBasedGateway:W catch:M timer:T parallelGateway:J endEvent:E",
        "S>W W>M W>T M>J T>J J>E",
    )
    assert [f[0:2] for f in found(defs)] == [("error", "J")]
    assert "alternative branches of eventBasedGateway 'W'" in found(defs)[0][2]


def test_parallel_join_after_inclusive_split_waits_forever(tmp_path: Path) -> None:
    """An inclusive split may take one branch only; a parallel join then waits for the
    other for ever (the inclusive join, which waits for the branches taken, is fine)."""
    nodes = "startEvent:S inclusiveGateway:O task:B task:C {join}:J endEvent:E"
    flows = "S>O O>B? O>C? B>J C>J J>E"
    defs = model(tmp_path, nodes.format(join="parallelGateway"), flows)
    assert found(defs) == [
        (
            "error",
            "J",
            "parallel join can wait forever: its incoming flows 'F_B_J' and 'F_C_J' come from "
            "branches of inclusiveGateway 'O', which need not all be taken (join them with "
            "an inclusive gateway)",
        )
    ]
    assert found(model(tmp_path, nodes.format(join="inclusiveGateway"), flows)) == []


def test_parallel_join_after_parallel_split_is_fine_even_in_a_loop(tmp_path: Path) -> None:
    defs = model(
        tmp_path,
        "startEvent:S exclusiveGateway:M parallelGateway:G task:B task:C parallelGateway:J "
        "exclusiveGateway:X endEvent:E",
        "S>M M>G G>B G>C B>J C>J J>X X>M? X>E!",
    )
    assert found(defs) == []


def test_exclusive_choice_inside_a_parallel_block_is_found(tmp_path: Path) -> None:
    defs = model(
        tmp_path,
        "startEvent:S parallelGateway:G task:A exclusiveGateway:X task:X1 task:X2 "
        "parallelGateway:J endEvent:E",
        "S>G G>A G>X X>X1? X>X2! A>J X1>J X2>J J>E",
    )
    assert found(defs) == [
        (
            "error",
            "J",
            "parallel join can wait forever: its incoming flows 'F_X1_J' and 'F_X2_J' come "
            "from alternative branches of exclusiveGateway 'X'",
        )
    ]


def test_parallel_join_of_two_start_events(tmp_path: Path) -> None:
    defs = model(
        tmp_path,
        "startEvent:S1 msgstart:S2 parallelGateway:J endEvent:E",
        "S1>J S2>J J>E",
    )
    assert found(defs) == [
        (
            "error",
            "J",
            "parallel join can wait forever: its incoming flows 'F_S1_J' and 'F_S2_J' start "
            "at different start events",
        )
    ]


def test_tasks_outside_lanes_warn_each(tmp_path: Path) -> None:
    defs = model(
        tmp_path, "startEvent:S task:A=Prüfen task:B endEvent:E", "S>A A>B B>E", lanes="L:S,B,E"
    )
    assert [str(f) for f in validate_model(defs)] == [
        "warning: 'A' (Prüfen): task lies outside any lane"
    ]


def test_process_without_lanes_warns_once(tmp_path: Path) -> None:
    defs = model(tmp_path, "startEvent:S task:A task:B endEvent:E", "S>A A>B B>E")
    assert found(defs, skip_lanes=False) == [
        (
            "warning",
            "P",
            "process has no lanes: its tasks are assigned to no staff role (a scenario "
            "gives them with services.<key>.default_role or roles)",
        )
    ]


def test_event_based_gateway_followed_by_a_task(tmp_path: Path) -> None:
    defs = model(
        tmp_path,
        "startEvent:S eventBasedGateway:W catch:M receiveTask:R userTask:U endEvent:E",
        "S>W W>M W>R W>U M>E R>E U>E",
    )
    assert found(defs) == [
        (
            "error",
            "W",
            "event-based gateway is followed by 'U' (userTask); only intermediate catch "
            "events and receive tasks may follow it",
        )
    ]


def test_start_with_incoming_and_end_with_outgoing(tmp_path: Path) -> None:
    defs = model(tmp_path, LINE + " endEvent:E2", "S>A A>E E>S A>E2")
    errors = [f for f in found(defs) if f[0] == "error"]
    assert errors == [
        ("error", "S", "start event has incoming sequence flows"),
        ("error", "E", "end event has outgoing sequence flows"),
    ]


def test_process_without_start_event(tmp_path: Path) -> None:
    defs = model(tmp_path, "task:A endEvent:E", "A>E")
    assert found(defs) == [("error", "P", "process has no start event")]


def test_file_without_any_process(tmp_path: Path) -> None:
    path = tmp_path / "empty.bpmn"
    path.write_text(
        '<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL">'
        '<collaboration id="C"><participant id="Pool" /></collaboration></definitions>',
        encoding="utf-8",
    )
    assert found(read_bpmn(path)) == [("error", "", "the file contains no process with flow nodes")]


SUB_OK = (
    '<bpmn:subProcess id="Sub"><bpmn:startEvent id="i_S" /><bpmn:task id="i_A" />'
    '<bpmn:endEvent id="i_E" /><bpmn:sequenceFlow id="i_1" sourceRef="i_S" targetRef="i_A" />'
    '<bpmn:sequenceFlow id="i_2" sourceRef="i_A" targetRef="i_E" /></bpmn:subProcess>'
)


def test_subprocesses_are_checked_as_scopes_of_their_own(tmp_path: Path) -> None:
    sub = SUB_OK.replace("<bpmn:endEvent", '<bpmn:task id="i_Lost" /><bpmn:endEvent')
    defs = model(tmp_path, "startEvent:S endEvent:E", "S>Sub Sub>E", extra=sub)
    assert found(defs) == [("error", "i_Lost", "cannot be reached from a start event")]


def test_clean_subprocess(tmp_path: Path) -> None:
    defs = model(tmp_path, "startEvent:S endEvent:E", "S>Sub Sub>E", extra=SUB_OK)
    assert found(defs) == []


def test_subprocess_without_start_event(tmp_path: Path) -> None:
    sub = SUB_OK.replace('<bpmn:startEvent id="i_S" />', "").replace(
        '<bpmn:sequenceFlow id="i_1" sourceRef="i_S" targetRef="i_A" />', ""
    )
    defs = model(tmp_path, "startEvent:S endEvent:E", "S>Sub Sub>E", extra=sub)
    assert found(defs) == [("error", "Sub", "subprocess has no start event")]


def test_subprocess_start_event_must_have_no_trigger(tmp_path: Path) -> None:
    sub = SUB_OK.replace(
        '<bpmn:startEvent id="i_S" />',
        '<bpmn:startEvent id="i_S"><bpmn:messageEventDefinition /></bpmn:startEvent>',
    )
    defs = model(tmp_path, "startEvent:S endEvent:E", "S>Sub Sub>E", extra=sub)
    assert found(defs) == [
        ("error", "i_S", "the start event of an embedded subprocess must have no trigger")
    ]


def test_errors_come_before_warnings(tmp_path: Path) -> None:
    defs = model(tmp_path, LINE + " task:Lost", "S>A A>E Lost>E")  # no lanes: a warning
    assert [f.severity for f in validate_model(defs)] == ["error", "warning"]


def test_a_condition_on_one_flow_only_makes_the_other_the_default(tmp_path: Path) -> None:
    defs = model(
        tmp_path,
        "startEvent:S task:A exclusiveGateway:G task:B task:C endEvent:E",
        "S>A A>G G>B? G>C B>E C>E",
    )
    assert defs.main_process.node("G").default_flow == "F_G_C"
    assert found(defs) == [
        (
            "warning",
            "",
            "gateway 'G': flow 'F_G_C' has no condition; it is taken as the default flow "
            "(when no other condition holds)",
        )
    ]


def test_conditional_flows_out_of_a_task_are_errors(tmp_path: Path) -> None:
    defs = model(
        tmp_path,
        "startEvent:S task:A exclusiveGateway:G task:B task:C endEvent:E",
        "S>A A>G G>B? G>C? B>E C>E? C>B",
    )
    errors = [f for f in found(defs) if f[0] == "error"]
    assert [e[1] for e in errors] == ["C"]
    assert "conditional sequence flows out of an activity (F_C_E)" in errors[0][2]


RECURSIVE = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="D"
    targetNamespace="urn:test">
  <bpmn:process id="P_A" isExecutable="true">
    <bpmn:startEvent id="A_Start" />
    <bpmn:callActivity id="A_Call" name="B aufrufen" calledElement="P_B" />
    <bpmn:endEvent id="A_End" />
    <bpmn:sequenceFlow id="A_F1" sourceRef="A_Start" targetRef="A_Call" />
    <bpmn:sequenceFlow id="A_F2" sourceRef="A_Call" targetRef="A_End" />
  </bpmn:process>
  <bpmn:process id="P_B" isExecutable="false">
    <bpmn:startEvent id="B_Start" />
    <bpmn:callActivity id="B_Call" name="A aufrufen" calledElement="P_A" />
    <bpmn:endEvent id="B_End" />
    <bpmn:sequenceFlow id="B_F1" sourceRef="B_Start" targetRef="B_Call" />
    <bpmn:sequenceFlow id="B_F2" sourceRef="B_Call" targetRef="B_End" />
  </bpmn:process>
</bpmn:definitions>
"""


def test_recursive_call_activities_are_errors(tmp_path: Path) -> None:
    """Issue 14: `run` refused them, `validate` said nothing."""
    path = tmp_path / "recursive.bpmn"
    path.write_text(RECURSIVE, encoding="utf-8")
    errors = [f for f in validate_model(read_bpmn(path)) if f.severity == "error"]
    assert [(f.element_id, f.message) for f in errors] == [
        ("B_Call", "calls process 'P_A' recursively (P_A -> P_B -> P_A)")
    ]
    itself = RECURSIVE.replace('calledElement="P_B"', 'calledElement="P_A"')
    path.write_text(itself, encoding="utf-8")
    errors = [f for f in validate_model(read_bpmn(path)) if f.severity == "error"]
    assert ("A_Call", "calls process 'P_A' recursively (P_A -> P_A)") in [
        (f.element_id, f.message) for f in errors
    ]
