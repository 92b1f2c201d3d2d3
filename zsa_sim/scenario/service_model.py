"""A scenario's view of one BPMN model: its tasks, roles, gateways and events by id.

The scenario addresses BPMN elements by id or by name, needs every task's staff role
(its lane's ``zsa:role``) and whether the central unit may do it (``zsa:centralisable``
on the task, else on its lane or an enclosing lane), and has to know which gateways need
branch probabilities and which events need applicant reaction times. This module
answers those questions for the checks, the builder and the template, including the
elements inside embedded subprocesses and in processes reached by call activities.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import cached_property

from zsa_sim.bpmn.model import (
    CENTRALISABLE_PROPERTY,
    ROLE_PROPERTY,
    Activity,
    BoundaryEvent,
    CallActivity,
    Definitions,
    Event,
    EventBasedGateway,
    ExclusiveGateway,
    FlowNode,
    Gateway,
    InclusiveGateway,
    IntermediateCatchEvent,
    Lane,
    Process,
    SequenceFlow,
    SubProcess,
    Task,
)
from zsa_sim.records import frozen_record

#: Event kinds whose timing is the outside world's (the applicant's) reaction; a
#: conditional event waits for a condition on data the simulation does not have.
WAIT_KINDS = ("message", "signal", "conditional")


def normal_name(name: str) -> str:
    """A name with line breaks and runs of spaces folded, as modellers wrap labels."""
    return " ".join(name.split())


@frozen_record()
class ServiceModel:
    """Lookup tables over one BPMN file's main process and everything it reaches."""

    definitions: Definitions

    @cached_property
    def processes(self) -> tuple[Process, ...]:
        """The main process, then the processes its call activities reach."""
        seen: dict[str, Process] = {}
        todo = [self.definitions.main_process]
        while todo:
            process = todo.pop(0)
            if process.id in seen:
                continue
            seen[process.id] = process
            for node in process.walk():
                if isinstance(node, CallActivity):
                    try:
                        todo.append(self.definitions.resolve_call(node.called_element))
                    except KeyError:
                        continue  # a black box: a task with an effort of its own
        return tuple(seen.values())

    @cached_property
    def nodes(self) -> Mapping[str, FlowNode]:
        """Every flow node by id, nested ones included."""
        return {n.id: n for p in self.processes for n in p.walk()}

    @cached_property
    def flows(self) -> Mapping[str, SequenceFlow]:
        """Every sequence flow by id, nested ones included."""
        return {f.id: f for scope in self._scopes() for f in scope.flows.values()}

    @cached_property
    def lanes(self) -> Mapping[str, Lane]:
        """Every lane by id."""
        return {lane.id: lane for p in self.processes for lane in p.lanes}

    @cached_property
    def tasks(self) -> Mapping[str, Activity]:
        """Every task by id, in file order, with the black boxes (call activities to no
        process, empty subprocesses) that are worked like tasks."""
        return {
            i: n
            for i, n in self.nodes.items()
            if isinstance(n, Task) or self.definitions.black_box_reason(n) is not None
        }

    @cached_property
    def black_boxes(self) -> Mapping[str, str]:
        """Activities worked like a task -> why (see ``Definitions.black_box_reason``)."""
        found = {i: self.definitions.black_box_reason(n) for i, n in self.nodes.items()}
        return {i: reason for i, reason in found.items() if reason is not None}

    @cached_property
    def loop_activities(self) -> Mapping[str, Activity]:
        """Loop and multi-instance activities by id: they need an instance count."""
        return {
            i: n for i, n in self.nodes.items() if isinstance(n, Activity) and n.loop is not None
        }

    def _scopes(self) -> Iterator[Process]:
        for process in self.processes:
            yield process
            for node in process.walk():
                if isinstance(node, SubProcess):
                    yield node.body

    # -- tasks ----------------------------------------------------------------------

    def lane_chain(self, node_id: str) -> list[Lane]:
        """The node's lane and the lanes around it, innermost first."""
        chain: list[Lane] = []
        lane_id = self.nodes[node_id].lane
        while lane_id and lane_id in self.lanes and len(chain) < 50:
            lane = self.lanes[lane_id]
            chain.append(lane)
            lane_id = lane.parent
        return chain

    def role_of(self, task_id: str) -> str | None:
        """The staff role doing a task, or None.

        The task's own ``zsa:role`` (from the file, or from the scenario's ``roles`` and
        ``default_role``), else the nearest lane's ``zsa:role``, else the name (or id)
        of the task's innermost lane.
        """
        own = (self.tasks[task_id].properties.get(ROLE_PROPERTY) or "").strip()
        if own:
            return own
        chain = self.lane_chain(task_id)
        for lane in chain:
            if lane.properties.get(ROLE_PROPERTY):
                return lane.role
        return chain[0].role if chain else None

    def centralisable(self, task_id: str) -> bool:
        """True when the central unit may do the task (task property, else its lanes')."""
        own = self.tasks[task_id].properties.get(CENTRALISABLE_PROPERTY)
        if own is not None:
            return self.tasks[task_id].centralisable
        return any(lane.centralisable for lane in self.lane_chain(task_id))

    @cached_property
    def roles(self) -> tuple[str, ...]:
        """The roles of all tasks, sorted (tasks without lane left out)."""
        return tuple(sorted({r for t in self.tasks if (r := self.role_of(t)) is not None}))

    def decision_tasks(self) -> list[str]:
        """Ids of the tasks marked zsa:decision=true."""
        return [t.id for t in self.tasks.values() if t.is_decision]

    # -- gateways and events --------------------------------------------------------

    def branching_gateways(self) -> dict[str, Gateway]:
        """Exclusive and inclusive gateways with more than one outgoing flow."""
        return {
            n.id: n
            for n in self.nodes.values()
            if isinstance(n, ExclusiveGateway | InclusiveGateway) and len(n.outgoing) > 1
        }

    def wait_events(self) -> dict[str, Event]:
        """Catch events (intermediate, boundary, or the start of an event subprocess)
        that wait for a message, signal or condition."""
        starts = {
            n.body.start_events[0].id
            for n in self.nodes.values()
            if isinstance(n, SubProcess) and n.triggered_by_event and n.body.start_events
        }
        return {
            n.id: n
            for n in self.nodes.values()
            if (isinstance(n, IntermediateCatchEvent | BoundaryEvent) or n.id in starts)
            and n.definition.kind in WAIT_KINDS  # type: ignore[attr-defined]
        }

    def timer_events(self) -> dict[str, Event]:
        """Events with a timer definition (start, catch or boundary)."""
        return {
            n.id: n
            for n in self.nodes.values()
            if isinstance(n, Event) and n.definition.kind == "timer"
        }

    def error_events(self) -> dict[str, BoundaryEvent]:
        """Error boundary events, and escalation boundary events on tasks (a task ends
        with them with a probability; on a subprocess a throw inside triggers them)."""
        return {
            n.id: n
            for n in self.nodes.values()
            if isinstance(n, BoundaryEvent)
            and (
                n.definition.kind == "error"
                or (
                    n.definition.kind == "escalation"
                    and n.attached_to in self.tasks
                    and n.attached_to not in self.loop_activities
                )
            )
        }

    def escalation_tasks(self) -> dict[str, BoundaryEvent]:
        """Escalation boundary events on tasks: the scenario must give a probability."""
        return {i: n for i, n in self.error_events().items() if n.definition.kind == "escalation"}

    def after_event_gateway(self, event_id: str) -> bool:
        """True when the event follows an event-based gateway (it races other events)."""
        node = self.nodes[event_id]
        return any(
            isinstance(self.nodes.get(self.flows[f].source), EventBasedGateway)
            for f in node.incoming
            if f in self.flows
        )

    # -- resolving scenario keys ------------------------------------------------------

    def resolve(self, key: str, among: Mapping[str, FlowNode], what: str) -> str:
        """The id of the element ``key`` names (id first, then name), or LookupError.

        The error text says what is known, so a typo is easy to spot.
        """
        if key in among:
            return key
        wanted = normal_name(key)
        matches = [i for i, n in among.items() if normal_name(n.name) == wanted]
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            raise LookupError(
                f"{what} name {key!r} is ambiguous ({', '.join(matches)}); use the id"
            )
        known = ", ".join(among) or "none"
        raise LookupError(f"unknown {what} (known: {known})")

    def resolve_flow(self, gateway_id: str, key: str) -> str:
        """An outgoing flow of a gateway by flow id, flow name or target node name/id."""
        outgoing = [self.flows[f] for f in self.nodes[gateway_id].outgoing if f in self.flows]
        for flow in outgoing:
            if key == flow.id:
                return flow.id
        wanted = normal_name(key)
        by_name = [f.id for f in outgoing if f.name and normal_name(f.name) == wanted]
        by_target = [
            f.id
            for f in outgoing
            if f.target == key or normal_name(self.nodes[f.target].name) == wanted
        ]
        for matches in (by_name, by_target):
            if len(matches) == 1:
                return matches[0]
            if len(matches) > 1:
                raise LookupError(f"flow {key!r} is ambiguous ({', '.join(matches)}); use the id")
        known = ", ".join(f.id for f in outgoing)
        raise LookupError(f"not an outgoing flow of '{gateway_id}' (known: {known})")

    def label(self, node_id: str) -> str:
        """``'Task_1' (Prüfen)`` for messages."""
        node = self.nodes.get(node_id)
        name = normal_name(node.name) if node else ""
        return f"'{node_id}' ({name})" if name else f"'{node_id}'"
