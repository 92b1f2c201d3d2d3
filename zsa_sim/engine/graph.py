"""The process model compiled into the engine's runtime graph, validated up front.

The frozen BPMN model (:mod:`zsa_sim.bpmn.model`) is convenient to read but slow to
walk: every step would look up flows by id, lanes, routing and distributions. Before a
run the engine compiles each (service, municipality) into a graph of :class:`Node`
objects that hold everything a token needs: successor flows, the staff pool, the
random-draw keys, compiled conditions, parsed timers. Compiling is also validating:
anything the engine could not execute (a task without effort or routing, a message
event without a wait rule, an exclusive split that cannot decide, a bad condition or
timer) raises :class:`~zsa_sim.errors.SimulationError` before the first event,
naming the service, the element id and its name.

Only elements reachable from the start event (and link catch events reached by their
throws) are compiled; a subprocess body, an event subprocess and a called process are
compiled as graphs of their own. A multi-instance or loop activity becomes a ``MULTI``
node around an inner node that does one instance; a black-box call activity or empty
subprocess (:meth:`~zsa_sim.bpmn.model.Definitions.black_box_reason`) becomes a task.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Mapping

import numpy as np

from zsa_sim.bpmn import model as bpmn
from zsa_sim.engine.distributions import Distribution
from zsa_sim.engine.expressions import compile_expression
from zsa_sim.engine.graph_constructs import ConstructCompiler
from zsa_sim.engine.nodes import (
    AND,
    BOUNDARY,
    CATCH,
    CONDITIONS,
    END,
    EVENT_GW,
    INF,
    MULTI,
    OR,
    PASS,
    PROBABILITIES,
    START,
    SUB,
    TASK,
    THROW,
    WAIT_KINDS,
    XOR,
    Delay,
    Draw,
    Flow,
    Graph,
    Node,
    uniform,
)
from zsa_sim.engine.setup import ServiceSetup, SimulationSetup, TaskRouting
from zsa_sim.engine.staff import StaffPool
from zsa_sim.engine.timers import TimerSyntaxError, parse_cycle, parse_date, parse_duration
from zsa_sim.errors import SimulationError

__all__ = [
    "AND",
    "BOUNDARY",
    "CATCH",
    "CONDITIONS",
    "END",
    "EVENT_GW",
    "INF",
    "MULTI",
    "OR",
    "PASS",
    "PROBABILITIES",
    "START",
    "SUB",
    "TASK",
    "THROW",
    "WAIT_KINDS",
    "XOR",
    "Compiler",
    "Delay",
    "Flow",
    "Graph",
    "Node",
    "routing_signature",
    "uniform",
]


_KINDS: dict[type, int] = {
    bpmn.StartEvent: START,
    bpmn.EndEvent: END,
    bpmn.Task: TASK,
    bpmn.SubProcess: SUB,
    bpmn.CallActivity: SUB,
    bpmn.ExclusiveGateway: XOR,
    bpmn.ParallelGateway: AND,
    bpmn.InclusiveGateway: OR,
    bpmn.EventBasedGateway: EVENT_GW,
    bpmn.IntermediateCatchEvent: CATCH,
    bpmn.IntermediateThrowEvent: THROW,
    bpmn.BoundaryEvent: BOUNDARY,
}


class Compiler(ConstructCompiler):
    """Compiles one service for one municipality; raises on anything not executable."""

    def __init__(
        self,
        setup: SimulationSetup,
        service: str,
        municipality: str,
        pools: Mapping[str, StaffPool],
        draw: Draw,
    ) -> None:
        self.setup = setup
        self.service_key = service
        self.municipality = municipality
        self.service: ServiceSetup = setup.services[service]
        self.routing = setup.routing[(service, municipality)]
        self.pools = pools
        self.draw = draw
        self.definitions = self.service.definitions
        self.source = self.definitions.source
        self.where = f"service {service!r}"
        self.where_m = f"service {service!r}, municipality {municipality!r}"
        self.lanes = _lanes(self.definitions)
        self._calls: list[str] = []

    def error(self, message: str) -> SimulationError:
        """A setup error located in this service's BPMN file."""
        return SimulationError(message, source=self.source)

    def compile(self) -> Graph:
        """The main process's graph."""
        return self.process(self.definitions.main_process, main=True)

    def process(self, process: bpmn.Process, main: bool) -> Graph:
        """Compile one process level (recursing into subprocess bodies)."""
        starts = process.start_events
        if not starts:
            raise self.error(f"{self.where}: process {process.label} has no start event")
        order = _reachable(process, starts[0].id, self)
        nodes = {nid: self._make(process.nodes[nid], main) for nid in order}
        for nid in order:
            self._link(process, process.nodes[nid], nodes)
        _add_upstream(process, nodes)
        graph = Graph(process, nodes[starts[0].id], nodes, self.source)
        graph.event_subs = tuple(
            self._event_subprocess(n, main)
            for n in process.nodes.values()
            if isinstance(n, bpmn.SubProcess) and n.triggered_by_event
        )
        return graph

    # -- nodes -------------------------------------------------------------------

    def _make(self, element: bpmn.FlowNode, main: bool, inner: bool = False) -> Node:
        kind = next((k for cls, k in _KINDS.items() if isinstance(element, cls)), None)
        if kind is None:
            raise self.error(f"{self.where}: element {element.label} cannot be simulated")
        if kind == SUB and self.definitions.black_box_reason(element) is not None:
            kind = TASK
        elif kind == CATCH and element.definition.kind == "link":  # type: ignore[attr-defined]
            kind = THROW  # reached by its link throw, passes at once
        if not inner and isinstance(element, bpmn.Activity) and element.loop is not None:
            kind = MULTI
        node = Node(element, kind)
        if kind in (START, END):
            node.log = main
        lane = self.lanes.get(element.lane) if element.lane else None
        role = element.properties.get(bpmn.ROLE_PROPERTY) or (lane.role if lane else "")
        node.static = (element.id, element.name, element.kind, lane.id if lane else "", role, "")
        return node

    def _link(self, process: bpmn.Process, element: bpmn.FlowNode, nodes: dict[str, Node]):
        node = nodes[element.id]
        flows = [self._flow(process, fid, element) for fid in element.outgoing]
        node.out = tuple(Flow(f.id, nodes[f.target]) for f in flows)
        definition = getattr(element, "definition", None)
        if isinstance(element, bpmn.IntermediateThrowEvent) and definition.kind == "link":  # type: ignore[union-attr]
            catch = _link_catch(process, element)
            node.out = (Flow(f"link:{definition.ref}", nodes[catch]),)  # type: ignore[union-attr]
        node.next = node.out[0] if len(node.out) == 1 else None
        incoming = element.incoming
        if node.kind in (AND, OR) and len(incoming) > 1:
            node.join = True
            node.n_in = len(incoming)
            node.in_index = {fid: i for i, fid in enumerate(incoming)}
        if isinstance(element, bpmn.Activity):
            if any(f.condition and f.condition.strip() for f in flows):
                raise self.error(
                    f"{self.where}: activity {element.label} has conditional outgoing flows; "
                    "use a gateway"
                )
            self._boundaries(process, element, node, nodes)
        if definition is not None and definition.kind == "escalation" and node.kind in (THROW, END):
            node.escalate = definition.ref or ""
        if node.kind == MULTI:
            self._multi(process, element, node)
        elif node.kind == TASK:
            self._task(element, node)
        elif node.kind == SUB:
            self._sub(element, node)
        elif node.kind in (XOR, OR) and len(node.out) > 1:
            self._decision(element, node, flows)
        elif node.kind == EVENT_GW:
            self._event_gateway(element, node)
        elif node.kind == CATCH:
            node.delay = self._delay(element, "catch")
        elif node.kind == END:
            definition = element.definition  # type: ignore[attr-defined]
            node.terminate = definition.kind == "terminate"
            if definition.kind == "error":
                node.error_ref = definition.ref or ""

    def _flow(self, process: bpmn.Process, flow_id: str, element: bpmn.FlowNode):
        flow = process.flows.get(flow_id)
        if flow is None or flow.target not in process.nodes:
            raise self.error(
                f"{self.where}: sequence flow {flow_id!r} from {element.label} leads nowhere"
            )
        return flow

    def _task(self, element: bpmn.FlowNode, node: Node) -> None:
        s, m = self.service_key, self.municipality
        effort = self.service.efforts.get(element.id)
        if effort is None:
            reason = self.definitions.black_box_reason(element)
            what = (
                f"{element.kind} {element.label} ({reason}, worked as a task)"
                if reason
                else (f"task {element.label}")
            )
            raise self.error(f"{self.where}: {what} has no effort distribution")
        routing = self.routing.get(element.id)
        if routing is None:
            raise self.error(f"{self.where_m}: task {element.label} is not routed to a staff pool")
        pool = self.pools.get(routing.pool)
        if pool is None:
            raise self.error(
                f"{self.where_m}: task {element.label} is routed to unknown pool {routing.pool!r}"
            )
        if not pool.members:
            raise self.error(
                f"{self.where_m}: task {element.label} is routed to pool {routing.pool!r}, "
                "which has no staff (fte 0)"
            )
        if not (math.isfinite(routing.effort_factor) and routing.effort_factor >= 0):
            raise self.error(
                f"{self.where_m}: task {element.label}: effort factor must be a finite "
                f"number >= 0, got {routing.effort_factor!r}"
            )
        node.pool = pool
        node.org_unit = pool.spec.org_unit
        # A task's role is the role of the pool that works it (which is the lane's role,
        # unless a central team with a role of its own takes the task over), so that
        # (org_unit, role) in the log always names the pool that did the work.
        node.static = (*node.static[:4], pool.spec.role, pool.spec.org_unit)
        node.effort_key = ("effort", s, m, element.id)
        node.effort_sampler = _sampler(effort)
        node.factor = float(routing.effort_factor)
        text = self.service.effort_multipliers.get(element.id)
        if text is not None:
            node.multiplier = compile_expression(
                text, f"{self.where}: effort multiplier of task {element.label}"
            )
        if routing.handover is not None:
            node.handover_key = ("handover", s, m, element.id)
            node.handover_sampler = _sampler(routing.handover)

    def _sub(self, element: bpmn.FlowNode, node: Node) -> None:
        if isinstance(element, bpmn.SubProcess):
            node.body = self.process(element.body, main=False)
            return
        called = element.called_element  # type: ignore[attr-defined]
        try:
            target = self.definitions.resolve_call(called)
        except KeyError:
            raise self.error(
                f"{self.where}: call activity {element.label} calls unknown process {called!r}"
            ) from None
        if called in self._calls:
            raise self.error(
                f"{self.where}: call activity {element.label} calls process {called!r} recursively"
            )
        self._calls.append(called)
        try:
            node.body = self.process(target, main=False)
        finally:
            self._calls.pop()

    def _boundaries(
        self,
        process: bpmn.Process,
        element: bpmn.Activity,
        node: Node,
        nodes: dict[str, Node],
    ) -> None:
        timed: list[Node] = []
        errors: list[tuple[Node, float, tuple]] = []
        escalations: list[Node] = []
        for bid in _boundary_ids(process, element):
            boundary = process.nodes[bid]
            b = nodes[bid]
            kind = boundary.definition.kind  # type: ignore[attr-defined]
            b.interrupting = boundary.cancel_activity  # type: ignore[attr-defined]
            if kind == "timer" or kind in WAIT_KINDS:
                b.delay = self._delay(boundary, "boundary")
                timed.append(b)
            elif kind == "escalation" and node.kind != TASK:
                # caught from an escalation thrown inside the subprocess's body
                b.error_ref = boundary.definition.ref or ""  # type: ignore[attr-defined]
                escalations.append(b)
                if bid in self.service.errors:
                    raise self.error(
                        f"{self.where}: probability given for escalation boundary event "
                        f"{boundary.label} on {element.label}, which is not a task (an "
                        "escalation thrown inside it triggers it)"
                    )
            elif kind in ("error", "escalation"):
                b.interrupting = kind == "error" or b.interrupting
                b.error_ref = boundary.definition.ref  # type: ignore[attr-defined]
                if kind == "escalation" and bid not in self.service.errors:
                    raise self.error(
                        f"{self.where}: escalation boundary event {boundary.label} on task "
                        f"{element.label} has no probability (set one under errors:)"
                    )
                probability = self.service.errors.get(bid, 0.0)
                if not 0.0 <= probability <= 1.0:
                    raise self.error(
                        f"{self.where}: error probability of boundary event {boundary.label} "
                        f"must be within [0, 1], got {probability!r}"
                    )
                if bid in self.service.errors and node.kind == MULTI:
                    raise self.error(
                        f"{self.where}: error probability given for boundary event "
                        f"{boundary.label} on multi-instance or loop activity {element.label}; "
                        "an error end event inside a subprocess can trigger it"
                    )
                if bid in self.service.errors and node.kind != TASK:
                    raise self.error(
                        f"{self.where}: error probability given for boundary event "
                        f"{boundary.label} on {element.label}, which is not a task (an error "
                        "end event inside the subprocess triggers it)"
                    )
                key = ("error", self.service_key, self.municipality, bid)
                errors.append((b, float(probability), key))
            else:
                raise self.error(
                    f"{self.where}: {kind} boundary event {boundary.label} cannot be simulated"
                )
        node.timed = tuple(timed)
        node.errors = tuple(errors)
        node.escalations = tuple(escalations)

    def _delay(self, element: bpmn.FlowNode, role: str) -> Delay:
        """When a timer/message catch or boundary event fires after it is armed."""
        definition: bpmn.EventDefinition = element.definition  # type: ignore[attr-defined]
        s, m = self.service_key, self.municipality
        what = f"{self.where}: {definition.kind} event {element.label}"
        if definition.kind == "timer":
            override = self.service.timers.get(element.id)
            if override is not None:
                return Delay(self.draw, key=("timer", s, m, element.id), sampler=_sampler(override))
            timer = definition.timer
            if timer is None or not timer.expression.strip():
                raise self.error(f"{what} has no timer duration (set one in the model)")
            try:
                if timer.kind == "timeDuration":
                    return Delay(self.draw, fixed=parse_duration(timer.expression))
                if timer.kind == "timeDate":
                    return Delay(self.draw, at=parse_date(timer.expression, self.setup.epoch))
                repeats, interval = parse_cycle(timer.expression)
            except TimerSyntaxError as err:
                raise self.error(f"{what}: {err}") from err
            return Delay(self.draw, fixed=interval, cycle=repeats if role == "boundary" else 1)
        if definition.kind in WAIT_KINDS:
            rule = self.service.waits.get(element.id)
            if rule is None:
                raise self.error(f"{what} has no wait rule (when does it happen?)")
            if not 0.0 <= rule.never <= 1.0:
                raise self.error(f"{what}: 'never' must be within [0, 1], got {rule.never!r}")
            return Delay(
                self.draw,
                key=("wait", s, m, element.id),
                sampler=_sampler(rule.delay),
                never=rule.never,
                never_key=("never", s, m, element.id),
            )
        raise self.error(f"{what} cannot be simulated (timer, message, signal, conditional only)")

    def _event_gateway(self, element: bpmn.FlowNode, node: Node) -> None:
        catches = []
        for flow in node.out:
            target = flow.target
            if target.kind != CATCH:
                raise self.error(
                    f"{self.where}: event-based gateway {element.label} leads to "
                    f"{target.label}, which is not an intermediate catch event"
                )
            catches.append(target)
        if not catches:
            raise self.error(f"{self.where}: event-based gateway {element.label} has no events")
        node.catches = tuple(catches)

    def _decision(self, element: bpmn.FlowNode, node: Node, flows: list) -> None:
        """Conditions, or probabilities, for an exclusive or inclusive split."""
        label = f"{self.where}: gateway {element.label}"
        out_ids = [f.id for f in flows]
        by_id = {f.id: f for f in node.out}
        rule = self.service.branches.get(element.id)
        default_id = element.default_flow  # type: ignore[attr-defined]
        if default_id is not None and default_id not in by_id:
            raise self.error(f"{label}: default flow {default_id!r} is not an outgoing flow")
        node.default = by_id.get(default_id) if default_id else None
        texts = {f.id: f.condition for f in flows if f.condition and f.condition.strip()}
        probabilities: dict[str, float] = {}
        if rule is not None:
            for fid in (*rule.conditions, *rule.probabilities):
                if fid not in by_id:
                    raise self.error(
                        f"{label}: {fid!r} is not one of its outgoing flows ({', '.join(out_ids)})"
                    )
            texts.update(rule.conditions)
            probabilities = dict(rule.probabilities)
        texts.pop(default_id, None)
        if texts and probabilities:
            raise self.error(f"{label} has conditions and branch probabilities; use one of them")
        if texts:
            missing = [fid for fid in out_ids if fid not in texts and fid != default_id]
            if missing:
                raise self.error(
                    f"{label}: flow {missing[0]!r} has no condition and is not the default flow"
                )
            node.mode = CONDITIONS
            node.conds = tuple(
                (by_id[fid], compile_expression(texts[fid], f"{label}, flow {fid!r}"))
                for fid in out_ids
                if fid in texts
            )
            return
        if not probabilities:
            raise self.error(
                f"{label} has {len(out_ids)} outgoing flows but no conditions and no branch "
                "probabilities"
            )
        for fid, p in probabilities.items():
            if not (isinstance(p, int | float) and 0.0 <= p <= 1.0):
                raise self.error(f"{label}: probability of flow {fid!r} must be in [0, 1]")
        node.mode = PROBABILITIES
        s, m = self.service_key, self.municipality
        if node.kind == OR:
            if default_id in probabilities:
                raise self.error(
                    f"{label}: the default flow {default_id!r} of an inclusive gateway is taken "
                    "only when no other flow is; give it no probability"
                )
            node.probabilities = tuple(
                (by_id[fid], float(probabilities.get(fid, 0.0)), ("branch", s, m, element.id, fid))
                for fid in out_ids
                if fid != default_id
            )
            return
        total = sum(probabilities.values())
        if total > 1.0 + 1e-9 or (
            abs(total - 1.0) > 1e-6 and (default_id is None or default_id in probabilities)
        ):
            raise self.error(f"{label}: branch probabilities sum to {total:g}, not 1")
        cumulative: list[tuple[Flow, float]] = []
        acc = 0.0
        for fid in out_ids:
            p = probabilities.get(fid, 1.0 - total if fid == default_id else 0.0)
            if p > 0:
                acc += p
                cumulative.append((by_id[fid], acc))
        node.cumulative = tuple(cumulative)
        node.branch_key = ("branch", s, m, element.id)


def routing_signature(routing: Mapping[str, TaskRouting], pools: Mapping[str, StaffPool]) -> tuple:
    """All that compiling a service for one municipality reads of its routing and pools.

    :meth:`Compiler._task` is the only place where the municipality's data enter the
    compiled graph: the routing of each task (its pool, effort factor and hand-over)
    and, of the pool, whether it exists and has staff; the municipality's name goes
    only into draw keys and messages. Two municipalities with equal signatures of the
    same service therefore both compile or both fail (with the same message but for the
    name), and ``validate`` compiles only the first of each signature
    (:func:`~zsa_sim.engine.simulation.check_buildable`): the state-wide scenario has
    two signatures a variant for its 137 (service, municipality) pairs (issue 19).
    ``tests/test_engine_graph.py`` holds this to the compiler. The effort factor enters
    as it is (equal factors pass or fail its check alike; a NaN equals only itself) and
    the hand-over by its type (the compiler takes its ``sample`` only).
    """
    out = []
    for task, route in routing.items():
        pool = pools.get(route.pool)
        staffed = None if pool is None else bool(pool.members)
        out.append((task, staffed, route.effort_factor, type(route.handover)))
    return tuple(sorted(out, key=lambda item: item[0]))


def _sampler(distribution: Distribution) -> Callable[[np.random.Generator, int], np.ndarray]:
    return distribution.sample


def _lanes(definitions: bpmn.Definitions) -> dict[str, bpmn.Lane]:
    lanes: dict[str, bpmn.Lane] = {}
    processes = [*definitions.processes.values(), *definitions.called_processes.values()]
    for process in processes:
        stack = [process]
        while stack:
            p = stack.pop()
            for lane in p.lanes:
                lanes.setdefault(lane.id, lane)
            stack.extend(n.body for n in p.nodes.values() if isinstance(n, bpmn.SubProcess))
    return lanes


def _boundary_ids(process: bpmn.Process, activity: bpmn.Activity) -> list[str]:
    ids = list(activity.boundary_events)
    for node in process.nodes.values():
        if (
            isinstance(node, bpmn.BoundaryEvent)
            and node.attached_to == activity.id
            and node.id not in ids
        ):
            ids.append(node.id)
    return ids


def _successors(process: bpmn.Process, element: bpmn.FlowNode) -> list[str]:
    targets = [process.flows[f].target for f in element.outgoing if f in process.flows]
    if isinstance(element, bpmn.Activity):
        targets.extend(_boundary_ids(process, element))
    if isinstance(element, bpmn.IntermediateThrowEvent) and element.definition.kind == "link":
        targets.append(_link_catch(process, element))
    return targets


def _link_catch(process: bpmn.Process, throw: bpmn.IntermediateThrowEvent) -> str:
    """The link catch event a link throw jumps to (the reader checked there is one)."""
    name = throw.definition.ref
    return next(
        n.id
        for n in process.nodes.values()
        if isinstance(n, bpmn.IntermediateCatchEvent)
        and n.definition.kind == "link"
        and n.definition.ref == name
    )


def _reachable(process: bpmn.Process, start: str, compiler: Compiler) -> list[str]:
    order = [start]
    seen = {start}
    queue = deque([start])
    while queue:
        element = process.nodes[queue.popleft()]
        for target in _successors(process, element):
            if target not in process.nodes:
                raise compiler.error(
                    f"{compiler.where}: {element.label} leads to unknown element {target!r}"
                )
            if target not in seen:
                seen.add(target)
                order.append(target)
                queue.append(target)
    return order


def _add_upstream(process: bpmn.Process, nodes: dict[str, Node]) -> None:
    """For each inclusive join: per incoming flow, the nodes from which it can be reached.

    A token on such a node may still arrive on that flow, so the join must wait for it
    (BPMN 2.0, 13.3.4). Paths through the join itself do not count.
    """
    joins = [n for n in nodes.values() if n.kind == OR and n.join]
    if not joins:
        return
    predecessors: dict[str, list[str]] = {nid: [] for nid in nodes}
    for nid in nodes:
        for target in _successors(process, process.nodes[nid]):
            if target in predecessors:
                predecessors[target].append(nid)
    for join in joins:
        sets = []
        for fid in process.nodes[join.id].incoming:
            flow = process.flows.get(fid)
            found: set[Node] = set()
            if flow is not None and flow.source in nodes and flow.source != join.id:
                queue = deque([flow.source])
                seen = {flow.source}
                while queue:
                    nid = queue.popleft()
                    found.add(nodes[nid])
                    for pred in predecessors[nid]:
                        if pred not in seen and pred != join.id:
                            seen.add(pred)
                            queue.append(pred)
            sets.append(frozenset(found))
        join.upstream = tuple(sets)
