"""Structural checks of a process model, before anyone simulates it.

A model can be valid XML and valid BPMN and still be unusable: a task nobody can reach,
a loop without exit, a parallel join after an exclusive split that waits forever for a
branch that was never taken. :func:`validate_model` finds such problems and returns them
as :class:`Finding` rows; it raises nothing, so ``zsa-sim validate`` can list them all.

Errors make a simulation wrong or impossible; warnings point at things the scenario
must make up for (an exclusive gateway without conditions needs branch probabilities)
or that are unusual but legal (a token that ends without an end event). Embedded
subprocesses are checked as scopes of their own.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping
from typing import Literal

from zsa_sim.bpmn.conditions import PROBABILITY_PROPERTY, number_of
from zsa_sim.bpmn.dominators import ROOT, immediate_dominators, nearest_common_dominator
from zsa_sim.bpmn.model import (
    Activity,
    CallActivity,
    Definitions,
    EndEvent,
    Event,
    EventBasedGateway,
    ExclusiveGateway,
    FlowNode,
    Gateway,
    InclusiveGateway,
    IntermediateCatchEvent,
    IntermediateThrowEvent,
    ParallelGateway,
    Process,
    SequenceFlow,
    StartEvent,
    SubProcess,
    Task,
)
from zsa_sim.errors import BpmnError
from zsa_sim.records import frozen_record

Severity = Literal["error", "warning"]


@frozen_record(slots=True)
class Finding:
    """One problem found in a model; ``element_id`` is '' for the file as a whole."""

    severity: Severity
    element_id: str
    message: str
    #: the element's name, shown next to its id.
    element_name: str = ""

    def __str__(self) -> str:
        """``warning: 'Task_3' (Prüfen): task lies outside any lane``."""
        if not self.element_id:
            return f"{self.severity}: {self.message}"
        who = f"'{self.element_id}'" + (f" ({self.element_name})" if self.element_name else "")
        return f"{self.severity}: {who}: {self.message}"


def validate_model(defs: Definitions) -> list[Finding]:
    """All findings for the file's processes: errors first, then warnings, in file order."""
    findings: list[Finding] = []
    processes = [p for p in defs.processes.values() if p.nodes]
    if not processes:
        findings.append(Finding("error", "", "the file contains no process with flow nodes"))
    try:
        main: str | None = defs.main_process.id
    except BpmnError:
        main = None
    _check_calls(defs, processes, findings)
    for process in processes:
        _check_scope(process, findings, is_subprocess=False)
        if process.id == main:  # other pools (the applicant's) need no staff
            _check_lanes(process, findings)
        for node in process.walk():
            reason = defs.black_box_reason(node)
            if reason is not None:
                _warn(
                    findings,
                    node,
                    f"{reason}: simulated as one task with an effort from the scenario",
                )
    findings.extend(Finding("warning", "", note) for note in defs.notes)
    return sorted(findings, key=lambda f: f.severity != "error")


def _check_calls(defs: Definitions, processes: list[Process], findings: list[Finding]) -> None:
    """A call activity that calls its own process, directly or through other processes:
    a case would never end (issue 14: ``run`` refused it, ``validate`` said nothing)."""
    done: set[str] = set()

    def visit(process: Process, stack: list[str]) -> None:
        for node in process.walk():
            if not isinstance(node, CallActivity) or defs.black_box_reason(node) is not None:
                continue
            called = node.called_element
            if called in stack:
                chain = " -> ".join([*stack[stack.index(called) :], called])
                _error(findings, node, f"calls process '{called}' recursively ({chain})")
            elif called not in done:
                visit(defs.resolve_call(called), [*stack, called])
        done.add(process.id)

    for process in processes:
        if process.id not in done:
            visit(process, [process.id])


def _error(findings: list[Finding], node: FlowNode | Process, message: str) -> None:
    findings.append(Finding("error", node.id, message, node.name))


def _warn(findings: list[Finding], node: FlowNode | Process, message: str) -> None:
    findings.append(Finding("warning", node.id, message, node.name))


def _successors(scope: Process) -> dict[str, list[str]]:
    """Token moves: along sequence flows, from an activity to its boundary events, and
    from a link throw to the link catch of the same name."""
    succ: dict[str, list[str]] = {}
    links = {
        n.definition.ref: n.id
        for n in scope.nodes.values()
        if isinstance(n, IntermediateCatchEvent) and n.definition.kind == "link"
    }
    for node in scope.nodes.values():
        targets = [scope.flows[f].target for f in node.outgoing]
        if isinstance(node, Activity):
            targets.extend(b for b in node.boundary_events if b in scope.nodes)
        if _is_link_throw(node) and node.definition.ref in links:  # type: ignore[attr-defined]
            targets.append(links[node.definition.ref])  # type: ignore[attr-defined]
        succ[node.id] = targets
    return succ


def _is_link_throw(node: FlowNode) -> bool:
    return isinstance(node, IntermediateThrowEvent) and node.definition.kind == "link"


def _is_event_subprocess(node: FlowNode) -> bool:
    return isinstance(node, SubProcess) and node.triggered_by_event


def _reach(starts: Iterable[str], edges: Mapping[str, list[str]]) -> set[str]:
    seen = set(starts)
    queue = deque(seen)
    while queue:
        for nxt in edges.get(queue.popleft(), ()):
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return seen


def _check_scope(
    scope: Process, findings: list[Finding], *, is_subprocess: bool, triggered: bool = False
) -> None:
    what = "subprocess" if is_subprocess else "process"
    for node in scope.nodes.values():
        _check_node(scope, node, findings, is_subprocess=is_subprocess and not triggered)
        if isinstance(node, SubProcess) and node.body.nodes:  # empty: a black box
            _check_scope(node.body, findings, is_subprocess=True, triggered=node.triggered_by_event)
    starts = [n.id for n in scope.start_events]
    if not starts:
        _error(findings, scope, f"{what} has no start event")
        return
    succ = _successors(scope)
    reachable = _reach(starts, succ)
    for node in scope.nodes.values():
        if node.id not in reachable and not _is_event_subprocess(node):
            _error(findings, node, "cannot be reached from a start event")
    _check_ends(scope, succ, reachable, findings, what)
    _check_joins(scope, succ, reachable, findings)


def _check_node(
    scope: Process, node: FlowNode, findings: list[Finding], *, is_subprocess: bool
) -> None:
    if isinstance(node, StartEvent):
        if node.incoming:
            _error(findings, node, "start event has incoming sequence flows")
        if is_subprocess and node.definition.kind != "none":
            _error(findings, node, "the start event of an embedded subprocess must have no trigger")
    elif isinstance(node, EndEvent) and node.outgoing:
        _error(findings, node, "end event has outgoing sequence flows")
    timer = node.definition.timer if isinstance(node, Event) else None
    if timer is not None and not timer.expression:
        _warn(
            findings,
            node,
            "timer has no duration in the model (only its label): the scenario must give "
            "it under timers",
        )
    if isinstance(node, Activity):
        conditional = [f.id for f in scope.outgoing_flows(node.id) if f.condition]
        if conditional:
            _error(
                findings,
                node,
                f"conditional sequence flows out of an activity ({', '.join(conditional)}) are "
                "not simulated; put an exclusive or inclusive gateway after the activity",
            )
    if not isinstance(node, Gateway):
        return
    numbers = [f.id for f in scope.outgoing_flows(node.id) if number_of(f.condition) is not None]
    if numbers:
        _error(
            findings,
            node,
            f"the conditions of flows {', '.join(numbers)} are numbers, not conditions (always "
            "true); probabilities? give all branches as probabilities in the scenario "
            "(branches)",
        )
    flows = scope.outgoing_flows(node.id)
    if not flows:
        _error(findings, node, "gateway has no outgoing sequence flow")
    elif isinstance(node, ExclusiveGateway | InclusiveGateway) and len(flows) > 1:
        if node.default_flow is None and all(
            f.condition is None and PROBABILITY_PROPERTY not in f.properties for f in flows
        ):
            _warn(
                findings,
                node,
                "gateway has neither conditions nor a default flow: the scenario must give "
                "branch probabilities",
            )
    elif isinstance(node, ParallelGateway):
        for flow in flows:
            if flow.condition is not None:
                _warn(
                    findings,
                    node,
                    f"condition on sequence flow '{flow.id}' is ignored after a parallel gateway",
                )
    elif isinstance(node, EventBasedGateway):
        for flow in flows:
            target = scope.nodes[flow.target]
            if not _waits_for_event(target):
                _error(
                    findings,
                    node,
                    f"event-based gateway is followed by {target.label} ({target.kind}); only "
                    "intermediate catch events and receive tasks may follow it",
                )


def _waits_for_event(node: FlowNode) -> bool:
    if isinstance(node, IntermediateCatchEvent):
        return node.definition.kind != "none"
    return isinstance(node, Task) and node.task_type == "receiveTask"


def _check_ends(
    scope: Process,
    succ: Mapping[str, list[str]],
    reachable: set[str],
    findings: list[Finding],
    what: str,
) -> None:
    """Every token must be able to finish: at an end event, or (warned) at a dead end."""
    has_end = any(isinstance(n, EndEvent) for n in scope.nodes.values())
    if not has_end:
        _warn(
            findings,
            scope,
            f"{what} has no end event: tokens end wherever a node has no outgoing flow",
        )
    terminals = []
    for node in scope.nodes.values():
        if isinstance(node, EndEvent):
            terminals.append(node.id)
        elif _is_event_subprocess(node):
            continue
        elif not node.outgoing and not isinstance(node, Gateway) and not _is_link_throw(node):
            terminals.append(node.id)
            if has_end and node.id in reachable:
                _warn(
                    findings,
                    node,
                    "has no outgoing sequence flow: its token ends here without an end event",
                )
    pred: dict[str, list[str]] = {}
    for source, targets in succ.items():
        for target in targets:
            pred.setdefault(target, []).append(source)
    can_end = _reach(terminals, pred)
    for node in scope.nodes.values():
        stuck = node.id in reachable and node.id not in can_end
        if stuck and not (isinstance(node, Gateway) and not node.outgoing):
            _error(findings, node, "no path leads from here to an end event")


def _check_joins(
    scope: Process, succ: Mapping[str, list[str]], reachable: set[str], findings: list[Finding]
) -> None:
    """A parallel join whose inputs come from alternative branches waits forever."""
    starts = [n.id for n in scope.start_events]
    idom = immediate_dominators(starts, succ)
    for join in scope.nodes.values():
        if not isinstance(join, ParallelGateway) or len(join.incoming) < 2:
            continue
        inputs = [scope.flows[f] for f in join.incoming]
        inputs = [f for f in inputs if f.source in reachable and f.source != join.id]
        culprit = _alternative_pair(scope, inputs, idom, len(starts))
        if culprit:
            _error(findings, join, f"parallel join can wait forever: {culprit}")


def _alternative_pair(
    scope: Process, inputs: list[SequenceFlow], idom: Mapping[str, str], start_count: int
) -> str | None:
    for i, first in enumerate(inputs):
        for second in inputs[i + 1 :]:
            split = nearest_common_dominator(first.source, second.source, idom)
            pair = f"its incoming flows '{first.id}' and '{second.id}'"
            if split == ROOT and start_count > 1:
                return f"{pair} start at different start events"
            node = scope.nodes.get(split)
            if isinstance(node, ExclusiveGateway | EventBasedGateway):
                return f"{pair} come from alternative branches of {node.kind} {node.label}"
            if isinstance(node, InclusiveGateway):
                return (
                    f"{pair} come from branches of {node.kind} {node.label}, which need "
                    "not all be taken (join them with an inclusive gateway)"
                )
    return None


def _check_lanes(process: Process, findings: list[Finding]) -> None:
    tasks = process.tasks()
    if not tasks:
        return
    if not process.lanes:
        _warn(
            findings,
            process,
            "process has no lanes: its tasks are assigned to no staff role (a scenario gives "
            "them with services.<key>.default_role or roles)",
        )
        return
    for task in tasks:
        if task.lane is None:
            _warn(findings, task, "task lies outside any lane")
