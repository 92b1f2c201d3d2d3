"""The process model: what a BPMN 2.0 file says, as frozen, typed data.

The reader (:mod:`zsa_sim.bpmn.reader`) builds these objects; the engine executes them
and never changes them. Class names follow the BPMN 2.0 specification (StartEvent,
Task, ExclusiveGateway, SequenceFlow, Lane), and every object keeps the id it has in the
file, so an error, a log row or a chart can always point back to the diagram.

Nothing here knows about SimPy, scenarios or time units: durations stay the ISO 8601
text found in the file and are interpreted by the engine.
"""

from __future__ import annotations

import copyreg
from collections.abc import Mapping
from dataclasses import field
from types import MappingProxyType
from typing import Literal

from zsa_sim.records import frozen_record

#: Names of the BPMN task elements; all are executed as a unit of work by one person.
TASK_KINDS: tuple[str, ...] = (
    "task",
    "userTask",
    "serviceTask",
    "manualTask",
    "sendTask",
    "receiveTask",
    "scriptTask",
    "businessRuleTask",
)

#: Extension property that marks a task (or every task in a lane) as one the central
#: service unit may do on behalf of the municipality (Verwaltungshelfer).
CENTRALISABLE_PROPERTY = "zsa:centralisable"
#: Extension property that marks the task whose completion is the decision (Bescheid).
DECISION_PROPERTY = "zsa:decision"
#: Extension property on a lane that names the staff role working in it.
ROLE_PROPERTY = "zsa:role"

EventKind = Literal[
    "none", "timer", "message", "signal", "error", "escalation", "conditional", "terminate", "link"
]
TimerKind = Literal["timeDuration", "timeCycle", "timeDate"]
#: How an activity repeats: a standard loop, or multi-instance in parallel or in sequence.
LoopKind = Literal["standard", "parallel", "sequential"]


def _mapping_proxy(items: dict) -> MappingProxyType:
    return MappingProxyType(items)


def _reduce_mapping_proxy(proxy: MappingProxyType) -> tuple:
    return _mapping_proxy, (dict(proxy),)


# Read-only mappings keep the model immutable; registering how to pickle them lets a
# scenario with its process models travel to worker processes (parallel runs, Dask).
copyreg.pickle(MappingProxyType, _reduce_mapping_proxy)


def frozen_mapping(items: Mapping[str, object] | None = None) -> Mapping:
    """Return a read-only view of a fresh dict, so frozen dataclasses stay immutable."""
    return MappingProxyType(dict(items or {}))


@frozen_record(slots=True)
class TimerDefinition:
    """A timer as written in the file: which BPMN timer element and its ISO 8601 text."""

    kind: TimerKind
    expression: str


@frozen_record(slots=True)
class LoopCharacteristics:
    """A loop or multi-instance marker, with the texts the file gives (kept verbatim).

    How many instances or iterations run is the scenario's ``instances`` figure, else the
    ``loopCardinality`` when the engine can evaluate it; ``maximum`` (``loopMaximum`` of
    a standard loop) caps the iterations.
    """

    kind: LoopKind
    #: ``loopCardinality`` of a multi-instance activity.
    cardinality: str | None = None
    #: ``loopMaximum`` of a standard loop.
    maximum: int | None = None
    #: ``loopCondition`` (not evaluated) / ``completionCondition`` (evaluated when it
    #: reads only case attributes and nrOfInstances etc.; else validate warns).
    condition: str | None = None


@frozen_record(slots=True)
class EventDefinition:
    """What an event waits for or throws; ``ref`` is the messageRef/signalRef/errorRef/
    escalationRef, or a link event's name."""

    kind: EventKind = "none"
    timer: TimerDefinition | None = None
    ref: str | None = None
    #: the condition text of a conditional event, kept verbatim.
    condition: str | None = None


@frozen_record(slots=True)
class Bounds:
    """A shape's rectangle from the diagram interchange (BPMNDI), in diagram pixels."""

    x: float
    y: float
    width: float
    height: float


@frozen_record(kw_only=True)
class FlowNode:
    """Anything a token can sit on: an activity, an event or a gateway."""

    id: str
    name: str = ""
    incoming: tuple[str, ...] = ()
    outgoing: tuple[str, ...] = ()
    #: id of the innermost lane the node lies in, or None.
    lane: str | None = None
    documentation: str = ""
    #: extensionElements flattened to key/values (camunda:properties, zsa:*, bpsim:*).
    properties: Mapping[str, str] = field(default_factory=frozen_mapping)

    @property
    def kind(self) -> str:
        """The BPMN element name, e.g. ``userTask`` or ``exclusiveGateway``."""
        return _KIND_OF_CLASS.get(type(self).__name__, type(self).__name__)

    @property
    def label(self) -> str:
        """Name for messages: ``'Task_1' (Vollständigkeit prüfen)``."""
        return f"'{self.id}' ({self.name})" if self.name else f"'{self.id}'"


@frozen_record(kw_only=True)
class Activity(FlowNode):
    """Work done in the process: a task, an embedded subprocess or a call activity."""

    default_flow: str | None = None
    #: ids of the boundary events attached to this activity.
    boundary_events: tuple[str, ...] = ()
    #: standard loop or multi-instance marker, None for an activity that runs once.
    loop: LoopCharacteristics | None = None

    @property
    def centralisable(self) -> bool:
        """True when the BPMN marks this activity as work the central unit may do."""
        return _truthy(self.properties.get(CENTRALISABLE_PROPERTY))

    @property
    def is_decision(self) -> bool:
        """True when this activity's completion is the decision (Bescheid)."""
        return _truthy(self.properties.get(DECISION_PROPERTY))


@frozen_record(kw_only=True)
class Task(Activity):
    """One unit of work by one person; ``task_type`` keeps the BPMN element name."""

    task_type: str = "task"

    @property
    def kind(self) -> str:
        """The BPMN element name of the task, e.g. ``userTask``."""
        return self.task_type


@frozen_record(kw_only=True)
class SubProcess(Activity):
    """An embedded subprocess; its body is a process of its own.

    An event subprocess (``triggered_by_event``) has no sequence flows: its start
    event's trigger starts it while the enclosing process or subprocess runs.
    """

    body: Process
    triggered_by_event: bool = False


@frozen_record(kw_only=True)
class CallActivity(Activity):
    """Calls a process defined elsewhere; ``called_element`` is that process's id."""

    called_element: str


@frozen_record(kw_only=True)
class Event(FlowNode):
    """A BPMN event; ``definition`` says what it waits for or throws."""

    definition: EventDefinition = field(default_factory=EventDefinition)


@frozen_record(kw_only=True)
class StartEvent(Event):
    """Where a case enters the process; ``interrupting`` matters in event subprocesses."""

    interrupting: bool = True


@frozen_record(kw_only=True)
class EndEvent(Event):
    """Where a token leaves the process (``terminate`` ends the whole case)."""


@frozen_record(kw_only=True)
class IntermediateCatchEvent(Event):
    """A token waits here for a timer, a message or a signal."""


@frozen_record(kw_only=True)
class IntermediateThrowEvent(Event):
    """A token passes here and throws a message or signal (no wait)."""


@frozen_record(kw_only=True)
class BoundaryEvent(Event):
    """An event on the border of an activity; interrupting when ``cancel_activity``."""

    attached_to: str
    cancel_activity: bool = True


@frozen_record(kw_only=True)
class Gateway(FlowNode):
    """Where tokens split or join; ``default_flow`` is taken when no condition holds."""

    default_flow: str | None = None


@frozen_record(kw_only=True)
class ExclusiveGateway(Gateway):
    """XOR: exactly one outgoing flow is taken."""


@frozen_record(kw_only=True)
class ParallelGateway(Gateway):
    """AND: all outgoing flows are taken; a join waits for all incoming ones."""


@frozen_record(kw_only=True)
class InclusiveGateway(Gateway):
    """OR: one or more outgoing flows are taken; a join waits for those taken."""


@frozen_record(kw_only=True)
class EventBasedGateway(Gateway):
    """The first of the following catch events to happen decides the path."""


@frozen_record(slots=True)
class SequenceFlow:
    """A directed arc between two flow nodes of the same process."""

    id: str
    source: str
    target: str
    name: str = ""
    #: the conditionExpression's text, kept verbatim (engine or scenario interpret it).
    condition: str | None = None
    #: extensionElements flattened to key/values (e.g. ``bpsim:Probability``).
    properties: Mapping[str, str] = field(default_factory=frozen_mapping)


@frozen_record(slots=True)
class Lane:
    """A lane; ``parent`` is the enclosing lane of a nested lane set."""

    id: str
    name: str = ""
    node_ids: tuple[str, ...] = ()
    parent: str | None = None
    properties: Mapping[str, str] = field(default_factory=frozen_mapping)

    @property
    def role(self) -> str:
        """The staff role that works in this lane: ``zsa:role``, else the lane's name.

        Most tools give lanes generated ids (``sid-5F3A...``, ``_1a2b``) and a readable
        name ("Sachbearbeitung"), so the name is the better role key for the scenario's
        staff; '.' and '/' (not allowed in scenario keys) become '-'. A lane without a
        name falls back to its id.
        """
        explicit = (self.properties.get(ROLE_PROPERTY) or "").strip()
        if explicit:
            return explicit
        return role_key(self.name) or self.id

    @property
    def centralisable(self) -> bool:
        """True when every task of this lane may be done by the central unit."""
        return _truthy(self.properties.get(CENTRALISABLE_PROPERTY))


@frozen_record(kw_only=True)
class Process:
    """A process (or a subprocess body): flow nodes, sequence flows and lanes."""

    id: str
    name: str = ""
    nodes: Mapping[str, FlowNode] = field(default_factory=frozen_mapping)
    flows: Mapping[str, SequenceFlow] = field(default_factory=frozen_mapping)
    lanes: tuple[Lane, ...] = ()
    is_executable: bool = True
    documentation: str = ""
    properties: Mapping[str, str] = field(default_factory=frozen_mapping)

    @property
    def label(self) -> str:
        """Name for messages."""
        return f"'{self.id}' ({self.name})" if self.name else f"'{self.id}'"

    @property
    def start_events(self) -> tuple[StartEvent, ...]:
        """The process's start events, in file order."""
        return tuple(n for n in self.nodes.values() if isinstance(n, StartEvent))

    def node(self, node_id: str) -> FlowNode:
        """The flow node with this id (KeyError if absent)."""
        return self.nodes[node_id]

    def lane(self, lane_id: str) -> Lane:
        """The lane with this id (KeyError if absent)."""
        for lane in self.lanes:
            if lane.id == lane_id:
                return lane
        raise KeyError(lane_id)

    def lane_of(self, node_id: str) -> Lane | None:
        """The innermost lane of a node, or None."""
        lane_id = self.nodes[node_id].lane
        return self.lane(lane_id) if lane_id else None

    def outgoing_flows(self, node_id: str) -> tuple[SequenceFlow, ...]:
        """The sequence flows leaving a node, in file order."""
        return tuple(self.flows[f] for f in self.nodes[node_id].outgoing)

    def incoming_flows(self, node_id: str) -> tuple[SequenceFlow, ...]:
        """The sequence flows entering a node, in file order."""
        return tuple(self.flows[f] for f in self.nodes[node_id].incoming)

    def walk(self) -> tuple[FlowNode, ...]:
        """All flow nodes, including those inside embedded subprocesses (depth first)."""
        found: list[FlowNode] = []
        for node in self.nodes.values():
            found.append(node)
            if isinstance(node, SubProcess):
                found.extend(node.body.walk())
        return tuple(found)

    def tasks(self) -> tuple[Task, ...]:
        """All tasks, including those inside embedded subprocesses."""
        return tuple(n for n in self.walk() if isinstance(n, Task))


@frozen_record(slots=True)
class Participant:
    """A pool; ``process_ref`` is None for a collapsed (black-box) pool."""

    id: str
    name: str = ""
    process_ref: str | None = None


@frozen_record(slots=True)
class MessageFlow:
    """A message between pools (e.g. the applicant sends missing documents)."""

    id: str
    source: str
    target: str
    name: str = ""


@frozen_record(slots=True)
class Diagram:
    """Shape bounds and edge waypoints from BPMNDI, keyed by BPMN element id."""

    shapes: Mapping[str, Bounds] = field(default_factory=frozen_mapping)
    edges: Mapping[str, tuple[tuple[float, float], ...]] = field(default_factory=frozen_mapping)


@frozen_record(kw_only=True)
class Definitions:
    """One BPMN file: its processes, pools, message flows and (optional) diagram."""

    source: str
    processes: Mapping[str, Process] = field(default_factory=frozen_mapping)
    participants: tuple[Participant, ...] = ()
    message_flows: tuple[MessageFlow, ...] = ()
    diagram: Diagram | None = None
    #: processes from sibling files that call activities of this file refer to.
    called_processes: Mapping[str, Process] = field(default_factory=frozen_mapping)
    #: the modelling tool named in the file's ``exporter`` attribute, if any.
    exporter: str = ""
    #: sibling .bpmn files that could not be read while resolving call activities.
    unreadable_siblings: tuple[str, ...] = ()
    #: id of the process a case runs through when a scenario chose it (``process:``).
    chosen_process: str | None = None
    #: what the reader tolerated but a designer should know (shown by ``validate``).
    notes: tuple[str, ...] = ()

    def resolve_call(self, called_element: str) -> Process:
        """The process a call activity runs, from this file or a sibling file."""
        if called_element in self.processes:
            return self.processes[called_element]
        return self.called_processes[called_element]

    @property
    def main_process(self) -> Process:
        """The process a case runs through (see :meth:`main_process_choice`)."""
        return self.main_process_choice[0]

    @property
    def main_process_choice(self) -> tuple[Process, str]:
        """The process a case runs through, and why that one.

        A scenario's choice (``process:``) wins. Otherwise, among the processes with a
        start event that are not only reached by a call activity: the executable ones
        if some are marked executable and others not, then the one with lanes, then the
        one with the most tasks, then the first. In a collaboration the applicant's pool
        is usually small and lane-less, the administration's pool holds the work.
        """
        from zsa_sim.errors import BpmnError

        if self.chosen_process is not None:
            return self.processes[self.chosen_process], "chosen by the scenario"
        called = {
            n.called_element
            for p in self.processes.values()
            for n in p.walk()
            if isinstance(n, CallActivity)
        }
        candidates = [p for p in self.processes.values() if p.start_events and p.id not in called]
        if not candidates:
            raise BpmnError("no process with a start event", source=self.source)
        if len(candidates) == 1:
            return candidates[0], "the only process with a start event"
        executable = [p for p in candidates if p.is_executable]
        if executable and len(executable) < len(candidates):
            candidates, why = executable, ["executable"]
        else:
            why = []
        if len(candidates) == 1:
            return candidates[0], "the only executable process"
        ranked = sorted(
            candidates, key=lambda p: (not p.lanes, -len(p.tasks()))
        )  # stable: file order breaks ties
        best = ranked[0]
        runner_up = ranked[1]
        if bool(best.lanes) != bool(runner_up.lanes):
            why.append("the only one with lanes")
        elif len(best.tasks()) != len(runner_up.tasks()):
            why.append(f"most tasks ({len(best.tasks())})")
        else:
            why.append("first in the file")
        return best, ", ".join(why)

    def black_box_reason(self, node: FlowNode) -> str | None:
        """Why an activity runs as one unit of work with an effort of its own, or None.

        A call activity without ``calledElement`` or to a process in no file, and a
        collapsed subprocess without content, say nothing about the work inside; the
        scenario gives them an effort like a task.
        """
        if isinstance(node, CallActivity):
            if not node.called_element:
                return "call activity without calledElement"
            if node.called_element not in self.processes and (
                node.called_element not in self.called_processes
            ):
                note = (
                    f" (unreadable sibling files: {', '.join(self.unreadable_siblings)})"
                    if self.unreadable_siblings
                    else ""
                )
                return f"calls process '{node.called_element}', which is in no file{note}"
        elif isinstance(node, SubProcess) and not node.triggered_by_event and not node.body.nodes:
            return "collapsed subprocess without content"
        return None

    def participant_of(self, process_id: str) -> Participant | None:
        """The pool that holds a process, if the file has a collaboration."""
        for participant in self.participants:
            if participant.process_ref == process_id:
                return participant
        return None


def role_key(name: str) -> str:
    """A name as a role key: blanks folded, '.' and '/' (key-path separators) -> '-'."""
    return " ".join(name.split()).replace("/", "-").replace(".", "-").strip("- ")


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in {"true", "yes", "ja", "1"}


_KIND_OF_CLASS = {
    "StartEvent": "startEvent",
    "EndEvent": "endEvent",
    "IntermediateCatchEvent": "intermediateCatchEvent",
    "IntermediateThrowEvent": "intermediateThrowEvent",
    "BoundaryEvent": "boundaryEvent",
    "SubProcess": "subProcess",
    "CallActivity": "callActivity",
    "ExclusiveGateway": "exclusiveGateway",
    "ParallelGateway": "parallelGateway",
    "InclusiveGateway": "inclusiveGateway",
    "EventBasedGateway": "eventBasedGateway",
}
