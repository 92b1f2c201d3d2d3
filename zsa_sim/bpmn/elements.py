"""Flow elements of one process (or embedded subprocess body) -> a frozen Process.

Reading happens in two passes because the model is frozen: the first pass turns each
element into a draft (class and keyword arguments) and collects the sequence flows;
the second checks every reference (flow ends, default flows, boundary attachments) and
fills in what depends on the whole scope (incoming/outgoing flows, the boundary events
of each activity) before the frozen nodes are built.

Elements that do not change how a case runs (data objects, text annotations,
associations, groups) are skipped; elements the engine cannot simulate are refused by
id and name, never dropped.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any
from xml.etree.ElementTree import Element

from zsa_sim.bpmn.context import (
    ReadContext,
    bpmn_children,
    clean_name,
    element_label,
    optional_ref,
    require_id,
    require_ref,
    unsupported,
)
from zsa_sim.bpmn.events import read_event_definition
from zsa_sim.bpmn.extensions import documentation_of, properties_of
from zsa_sim.bpmn.lanes import innermost_listed, lane_containing, read_lanes
from zsa_sim.bpmn.model import (
    TASK_KINDS,
    Activity,
    BoundaryEvent,
    CallActivity,
    EndEvent,
    EventBasedGateway,
    ExclusiveGateway,
    FlowNode,
    InclusiveGateway,
    IntermediateCatchEvent,
    IntermediateThrowEvent,
    Lane,
    LoopCharacteristics,
    ParallelGateway,
    Process,
    SequenceFlow,
    StartEvent,
    SubProcess,
    Task,
    frozen_mapping,
)
from zsa_sim.bpmn.namespaces import BPMN, qname
from zsa_sim.records import frozen_record

_GATEWAYS: dict[str, type[FlowNode]] = {
    "exclusiveGateway": ExclusiveGateway,
    "parallelGateway": ParallelGateway,
    "inclusiveGateway": InclusiveGateway,
    "eventBasedGateway": EventBasedGateway,
}
_EVENTS: dict[str, type[FlowNode]] = {
    "startEvent": StartEvent,
    "endEvent": EndEvent,
    "intermediateCatchEvent": IntermediateCatchEvent,
    "intermediateThrowEvent": IntermediateThrowEvent,
    "boundaryEvent": BoundaryEvent,
}
_ACTIVITIES = (*TASK_KINDS, "subProcess", "callActivity")

#: BPMN elements the engine cannot simulate, with the reason shown to the user.
_UNSUPPORTED = {
    "complexGateway": "complex gateways have no simulation semantics here; "
    "model the rule with exclusive or inclusive gateways",
    "transaction": "transactions (with cancel and compensation) are not supported",
    "adHocSubProcess": "ad-hoc subprocesses have no sequence flow to simulate",
    "implicitThrowEvent": "implicit throw events are not supported",
    "choreographyTask": "choreographies are not supported",
    "subChoreography": "choreographies are not supported",
    "callChoreography": "choreographies are not supported",
}

#: children of a process or subprocess that do not affect how a case runs.
_IGNORED = frozenset(
    {
        "documentation",
        "extensionElements",
        "laneSet",  # read by lanes.read_lanes
        "dataObject",
        "dataObjectReference",
        "dataStoreReference",
        "textAnnotation",
        "association",
        "group",
        "property",
        "ioSpecification",
        "ioBinding",
        "auditing",
        "monitoring",
        "resourceRole",
        "performer",
        "humanPerformer",
        "potentialOwner",
        "correlationSubscription",
        "supports",
        "dataInputAssociation",
        "dataOutputAssociation",
        "categoryValueRef",  # groups' categories; no effect on a case
        # a subprocess's own markers; activity checks have looked at them already
        "incoming",
        "outgoing",
        "standardLoopCharacteristics",
        "multiInstanceLoopCharacteristics",
    }
)


@frozen_record()
class Scope:
    """Where a set of flow elements lives: a process or an embedded subprocess body."""

    id: str
    own_lanes: tuple[Lane, ...]
    #: lanes of the enclosing process(es); nodes of a subprocess lie in them.
    outer_lanes: tuple[Lane, ...] = ()
    #: lane of the subprocess itself: the last resort for its nodes.
    default_lane: str | None = None
    is_subprocess: bool = False
    #: the body of an event subprocess: its start event carries the trigger.
    is_event_subprocess: bool = False

    @property
    def lanes(self) -> tuple[Lane, ...]:
        """All lanes a node of this scope may lie in."""
        return (*self.outer_lanes, *self.own_lanes)


def read_process(ctx: ReadContext, element: Element) -> Process:
    """A top-level ``process`` element as a Process."""
    process_id = require_id(ctx, element)
    scope = Scope(id=process_id, own_lanes=read_lanes(ctx, element))
    executable = (element.get("isExecutable") or "true").strip().lower() != "false"
    return _read_scope(ctx, element, scope, is_executable=executable)


def _read_scope(ctx: ReadContext, element: Element, scope: Scope, is_executable: bool) -> Process:
    drafts: list[tuple[type[FlowNode], dict[str, Any]]] = []
    flows: list[SequenceFlow] = []
    for local, child in bpmn_children(element):
        if local in _IGNORED:
            continue
        if local == "sequenceFlow":
            flows.append(_read_flow(ctx, child))
        elif local in _UNSUPPORTED:
            raise unsupported(ctx, child, _UNSUPPORTED[local])
        elif local in _GATEWAYS or local in _EVENTS or local in _ACTIVITIES:
            drafts.append(_draft(ctx, child, local, scope))
        else:
            raise unsupported(ctx, child, "unknown BPMN element")
    nodes = _build_nodes(ctx, scope, drafts, flows)
    _check_links(ctx, nodes)
    if scope.is_event_subprocess:
        _check_event_subprocess(ctx, scope, nodes)
    return Process(
        id=scope.id,
        name=clean_name(element),
        nodes=frozen_mapping(nodes),
        flows=frozen_mapping({flow.id: flow for flow in flows}),
        lanes=scope.lanes,
        is_executable=is_executable,
        documentation=documentation_of(element),
        properties=frozen_mapping(_properties(ctx, element)),
    )


def _properties(ctx: ReadContext, element: Element) -> dict[str, str]:
    found = properties_of(element)
    found.update(ctx.extras.get(element.get("id", ""), {}))
    return found


def _read_flow(ctx: ReadContext, element: Element) -> SequenceFlow:
    condition = element.find(qname(BPMN, "conditionExpression"))
    text = (condition.text or "").strip() if condition is not None else ""
    return SequenceFlow(
        id=require_id(ctx, element),
        source=require_ref(ctx, element, "sourceRef"),
        target=require_ref(ctx, element, "targetRef"),
        name=clean_name(element),
        condition=text or None,
        properties=frozen_mapping(_properties(ctx, element)),
    )


def _lane_of(ctx: ReadContext, node_id: str, scope: Scope) -> str | None:
    """Innermost lane listing the node; for subprocess nodes, else by drawing, else
    the subprocess's own lane."""
    for group in (scope.own_lanes, scope.outer_lanes):
        lane = innermost_listed(ctx, node_id, group)
        if lane is not None:
            return lane
    if not scope.is_subprocess:
        return None
    return lane_containing(node_id, scope.lanes, ctx.diagram) or scope.default_lane


def _draft(
    ctx: ReadContext, element: Element, local: str, scope: Scope
) -> tuple[type[FlowNode], dict[str, Any]]:
    node_id = require_id(ctx, element)
    kwargs: dict[str, Any] = {
        "id": node_id,
        "name": clean_name(element),
        "lane": _lane_of(ctx, node_id, scope),
        "documentation": documentation_of(element),
        "properties": frozen_mapping(_properties(ctx, element)),
    }
    if local in _GATEWAYS:
        if local == "eventBasedGateway" and (
            element.get("instantiate", "false").lower() == "true"
            or element.get("eventGatewayType", "Exclusive") == "Parallel"
        ):
            raise unsupported(ctx, element, "instantiating or parallel event-based gateways")
        kwargs["default_flow"] = optional_ref(ctx, element, "default")
        return _GATEWAYS[local], kwargs
    if local in _EVENTS:
        event_type = local
        if local == "startEvent" and scope.is_event_subprocess:
            event_type = "eventSubProcessStart"
            interrupting = element.get("isInterrupting", "true").strip().lower() != "false"
            kwargs["interrupting"] = interrupting
        kwargs["definition"] = read_event_definition(ctx, element, event_type)
        if (
            event_type == "eventSubProcessStart"
            and not kwargs["interrupting"]
            and kwargs["definition"].kind == "error"
        ):
            raise unsupported(ctx, element, "an error start event always interrupts")
        if local == "boundaryEvent":
            kwargs["attached_to"] = require_ref(ctx, element, "attachedToRef")
            cancel = element.get("cancelActivity", "true").strip().lower() != "false"
            if not cancel and kwargs["definition"].kind == "error":
                raise unsupported(ctx, element, "an error boundary event always interrupts")
            kwargs["cancel_activity"] = cancel
        return _EVENTS[local], kwargs
    kwargs["loop"] = _loop_of(ctx, element)
    kwargs["default_flow"] = optional_ref(ctx, element, "default")
    if local == "subProcess":
        triggered = element.get("triggeredByEvent", "false").strip().lower() == "true"
        if triggered and (kwargs["loop"] is not None):
            raise unsupported(ctx, element, "an event subprocess cannot be a loop")
        body_scope = Scope(
            id=node_id,
            own_lanes=read_lanes(ctx, element, parent=kwargs["lane"]),
            outer_lanes=scope.lanes,
            default_lane=kwargs["lane"],
            is_subprocess=True,
            is_event_subprocess=triggered,
        )
        kwargs["body"] = _read_scope(ctx, element, body_scope, is_executable=True)
        kwargs["triggered_by_event"] = triggered
        return SubProcess, kwargs
    if local == "callActivity":
        # without calledElement the call activity is a black box the scenario gives an
        # effort, like a task (Definitions.black_box_reason)
        # a QName ("tns:Process_1"): process ids are NCNames, so the prefix can go
        kwargs["called_element"] = (element.get("calledElement") or "").strip().rpartition(":")[2]
        return CallActivity, kwargs
    kwargs["task_type"] = local
    return Task, kwargs


def _loop_of(ctx: ReadContext, element: Element) -> LoopCharacteristics | None:
    """The activity's loop or multi-instance marker (compensation handlers are refused)."""
    if element.get("isForCompensation", "false").strip().lower() == "true":
        raise unsupported(ctx, element, "compensation handlers are not supported")
    for local, child in bpmn_children(element):
        if local == "standardLoopCharacteristics":
            maximum = (child.get("loopMaximum") or "").strip()
            if maximum and not maximum.isdigit():
                raise ctx.error(
                    f"loop activity {element_label(element)}: loopMaximum must be a whole "
                    f"number, got {maximum!r}"
                )
            return LoopCharacteristics(
                kind="standard",
                maximum=int(maximum) if maximum else None,
                condition=_child_text(child, "loopCondition"),
            )
        if local == "multiInstanceLoopCharacteristics":
            sequential = child.get("isSequential", "false").strip().lower() == "true"
            return LoopCharacteristics(
                kind="sequential" if sequential else "parallel",
                cardinality=_child_text(child, "loopCardinality"),
                condition=_child_text(child, "completionCondition"),
            )
    return None


def _child_text(element: Element, local: str) -> str | None:
    child = element.find(qname(BPMN, local))
    text = (child.text or "").strip() if child is not None else ""
    return text or None


def _check_links(ctx: ReadContext, nodes: dict[str, FlowNode]) -> None:
    """Every link throw needs exactly one link catch of the same name in its process."""
    catches: dict[str, list[str]] = defaultdict(list)
    for node in nodes.values():
        if isinstance(node, IntermediateCatchEvent) and node.definition.kind == "link":
            catches[node.definition.ref or ""].append(node.id)
    for node in nodes.values():
        if isinstance(node, IntermediateThrowEvent) and node.definition.kind == "link":
            found = catches.get(node.definition.ref or "", [])
            if len(found) != 1:
                what = "no link catch event" if not found else f"several ({', '.join(found)})"
                raise ctx.error(
                    f"link event {node.label}: {what} named '{node.definition.ref}' in the "
                    "same process"
                )
            if node.outgoing:
                raise ctx.error(f"link throw event {node.label} has outgoing sequence flows")


def _check_event_subprocess(ctx: ReadContext, scope: Scope, nodes: dict[str, FlowNode]) -> None:
    starts = [n for n in nodes.values() if isinstance(n, StartEvent)]
    if len(starts) != 1:
        raise ctx.error(
            f"event subprocess '{scope.id}' needs exactly one start event, has {len(starts)}"
        )


def _build_nodes(
    ctx: ReadContext,
    scope: Scope,
    drafts: list[tuple[type[FlowNode], dict[str, Any]]],
    flows: list[SequenceFlow],
) -> dict[str, FlowNode]:
    classes = {kwargs["id"]: cls for cls, kwargs in drafts}
    incoming: dict[str, list[str]] = defaultdict(list)
    outgoing: dict[str, list[str]] = defaultdict(list)
    for flow in flows:
        for end, ref in (("sourceRef", flow.source), ("targetRef", flow.target)):
            if ref not in classes:
                raise _bad_flow_end(ctx, scope, flow, end, ref)
        outgoing[flow.source].append(flow.id)
        incoming[flow.target].append(flow.id)
    boundaries: dict[str, list[str]] = defaultdict(list)
    for cls, kwargs in drafts:
        node_id = kwargs["id"]
        if cls is BoundaryEvent:
            host = kwargs["attached_to"]
            if not issubclass(classes.get(host, FlowNode), Activity):
                where = "is not an activity" if host in classes else "is not in the same process"
                raise ctx.error(f"boundary event '{node_id}': attachedToRef '{host}' {where}")
            boundaries[host].append(node_id)
        default = kwargs.get("default_flow")
        if default and default not in outgoing[node_id]:
            raise ctx.error(
                f"element '{node_id}': default flow '{default}' is not one of its outgoing "
                "sequence flows"
            )
    nodes: dict[str, FlowNode] = {}
    for cls, kwargs in drafts:
        node_id = kwargs["id"]
        extra: dict[str, Any] = {}
        if issubclass(cls, Activity):
            extra["boundary_events"] = tuple(boundaries[node_id])
            if kwargs.get("triggered_by_event") and (incoming[node_id] or outgoing[node_id]):
                raise ctx.error(f"event subprocess '{node_id}' has sequence flows; it needs none")
        nodes[node_id] = cls(
            **kwargs,
            **extra,
            incoming=tuple(incoming[node_id]),
            outgoing=tuple(outgoing[node_id]),
        )
    return nodes


def _bad_flow_end(
    ctx: ReadContext, scope: Scope, flow: SequenceFlow, end: str, ref: str
) -> Exception:
    other_scope = ctx.scope_of.get(ref)
    if other_scope is not None and other_scope != scope.id:
        return ctx.error(
            f"sequence flow '{flow.id}': {end} '{ref}' lies in another process or "
            f"subprocess ('{other_scope}'), not in '{scope.id}'"
        )
    return ctx.error(
        f"sequence flow '{flow.id}': {end} '{ref}' is a {ctx.ids[ref]}, not a flow node"
    )
