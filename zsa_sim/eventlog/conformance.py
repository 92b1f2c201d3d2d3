"""Conformance: does every case of an event log follow a path its BPMN model allows?

Token replay. Each case's rows are put in order of completion (the order the engine
writes them; rows at the same time keep their log order, which is causal) and replayed
as a token game on the process model: a case fits when some execution of the model
produces its activities in that order. Parallel branches may interleave in any order;
exclusive, event-based and inclusive gateways may take any of their branches (the replay
checks what the model allows, not the scenario's probabilities or conditions).

What is visible in the log and what is not follows the engine
(:mod:`zsa_sim.engine.simulation`): tasks, catch and throw events, subprocess and call
activity rows, boundary events, and the start and end events of the main process are
rows; gateways, and start and end events inside a subprocess body, are not. Each row is
one atomic step at its completion:

- a task, catch or throw event takes a token from one of its incoming flows and puts
  one on each outgoing flow (a task with error boundaries may instead end in one of its
  errors, taken by that boundary event's row);
- entering a subprocess is silent (it marks the subprocess running and starts its body);
  the subprocess's row completes it when no token is left in its body;
- a timer or message boundary event needs its activity to be enabled or running; an
  interrupting one takes its token (and clears a subprocess body), a non-interrupting one
  leaves it; either puts tokens on the boundary's flows;
- a terminate or error end event clears its scope (an error is caught by the nearest
  enclosing subprocess with a matching error boundary).

Loops and multi-instance activities: a token reaching one starts its instances
(``("m", path, node)``); each row of the activity is one instance, and the activity may
complete after any number of them (the count is the scenario's, not the model's). A
subprocess instance runs its body as any subprocess does; at most as many run at once as
the case has rows for it. Event subprocesses: the row of the start event (written when
the trigger fires) starts one while its enclosing process or subprocess runs (an error
or escalation start only when a throw in that scope made it due); an interrupting one
first clears the scope, and if it lies in the main process its end events are rows (they
end the case). A link throw puts its token in front of the link catch of the
same name. A call activity to no process, or an empty subprocess, is a task.

Cancelled work: the engine writes a row for a task or subprocess cut short by an
interrupting boundary event, a terminate or error end event, with ``complete`` = the
moment of cancellation (and ``start`` NaN if no one had begun). Such a row is accepted as
a no-op when something that cancels it (a boundary event on it or on an enclosing
subprocess, a terminate/error end, or the enclosing subprocess's own completion) has a
row at exactly the same time.

Open cases: rows still open when the run ended (``complete`` NaN) must each be enabled
after the completed rows. A case that has nothing open and cannot reach an empty model is
accepted only as cut off by the end of the run, with every token waiting in front of a
task (the hand-over delay before a task is not a row) or at a join; it is then not
``ended``. The inclusive join is replayed permissively (it may fire on any of its
incoming tokens), which keeps the replay small at the cost of accepting a few traces the
engine's join rule would not produce.
"""

from __future__ import annotations

import math
from collections import defaultdict, deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from itertools import combinations
from typing import NamedTuple

from zsa_sim.bpmn.model import (
    BoundaryEvent,
    CallActivity,
    Definitions,
    EndEvent,
    EventBasedGateway,
    ExclusiveGateway,
    FlowNode,
    InclusiveGateway,
    IntermediateCatchEvent,
    IntermediateThrowEvent,
    ParallelGateway,
    Process,
    StartEvent,
    SubProcess,
    Task,
)
from zsa_sim.eventlog.conformance_moves import (
    ConstructMoves,
    Path,
    State,
    _clear,
    _flows,
    _incoming_tokens,
    _inside,
    _put,
    _take,
)
from zsa_sim.eventlog.schema import ActivityRecord

#: Search states explored per case before the replay gives up (and reports it).
MAX_STATES = 200_000
#: How deep call activities may nest (the engine refuses recursive calls).
MAX_DEPTH = 20

#: ("f", path, flow id) token on a flow; ("s", path, node) start event not yet fired;
#: ("r", path, node) subprocess running; ("c", path, node, boundary) subprocess ended in an
#: error caught by the boundary; ("x", path, node, boundary) that boundary's row is due;
#: ("m", path, node) loop/multi-instance activity running its instances; ("l", path, node)
#: token before a link catch; ("e", path, node) an error is due to event subprocess node.


class ReplayResult(NamedTuple):
    """Whether a case's rows fit the model; ``problem`` names the first misfit."""

    fits: bool
    problem: str = ""
    #: the case reached the end of the model (False: still open when the run ended)
    ended: bool = False


class Deviation(NamedTuple):
    """A case of a log that does not fit its service's model."""

    variant: str
    replication: int
    case_id: str
    service: str
    problem: str


def check_log(
    definitions_by_service: Mapping[str, Definitions], rows: Iterable[ActivityRecord]
) -> list[Deviation]:
    """Replay every case of a log on its service's model; the cases that do not fit.

    Rows may come from several variants and replications; a case is keyed by
    ``(variant, replication, case_id)`` and keeps its rows in log order.
    """
    cases: dict[tuple[str, int, str], list[ActivityRecord]] = defaultdict(list)
    for row in rows:
        cases[(row.variant, row.replication, row.case_id)].append(row)
    models: dict[str, _Model] = {}
    deviations = []
    for (variant, replication, case_id), case_rows in cases.items():
        service = case_rows[0].service
        if service not in models:
            definitions = definitions_by_service.get(service)
            if definitions is None:
                deviations.append(
                    Deviation(variant, replication, case_id, service, "no model for the service")
                )
                continue
            models[service] = _Model(definitions)
        result = models[service].replay(case_rows)
        if not result.fits:
            deviations.append(Deviation(variant, replication, case_id, service, result.problem))
    return deviations


def replay(definitions: Definitions, rows_of_one_case: Sequence[ActivityRecord]) -> ReplayResult:
    """Replay one case's rows on the model's main process (see the module docstring)."""
    return _Model(definitions).replay(rows_of_one_case)


def _label(node: FlowNode) -> str:
    return f"'{node.id}' ({node.name})" if node.name else f"'{node.id}'"


class _Model(ConstructMoves):
    """The main process and every subprocess body / called process, by scope path."""

    def __init__(self, definitions: Definitions) -> None:
        self.scopes: dict[Path, Process] = {}
        self.where: dict[str, list[Path]] = defaultdict(list)
        self._add_scope((), definitions.main_process, definitions)

    def _add_scope(self, path: Path, process: Process, definitions: Definitions) -> None:
        if len(path) > MAX_DEPTH:
            return
        self.scopes[path] = process
        for node in process.nodes.values():
            self.where[node.id].append(path)
            body: Process | None = None
            if isinstance(node, SubProcess):
                body = node.body
            elif isinstance(node, CallActivity):
                try:
                    body = definitions.resolve_call(node.called_element)
                except KeyError:
                    body = Process(id=node.called_element)
            if body is not None:
                self._add_scope((*path, node.id), body, definitions)

    def containers(self, node_id: str) -> set[str]:
        """Ids of the subprocesses / call activities enclosing any occurrence of a node."""
        return {part for path in self.where.get(node_id, ()) for part in path}

    # -- replay -------------------------------------------------------------------------

    def replay(self, rows: Sequence[ActivityRecord]) -> ReplayResult:
        ordered = sorted(rows, key=lambda r: math.inf if math.isnan(r.complete) else r.complete)
        for row in ordered:
            if row.activity_id not in self.where:
                return ReplayResult(False, f"activity '{row.activity_id}' is not in the model")
        self._rows_of: dict[str, int] = defaultdict(int)
        for row in ordered:
            self._rows_of[row.activity_id] += 1
        done = [r for r in ordered if not math.isnan(r.complete)]
        still_open = [r for r in ordered if math.isnan(r.complete)]
        cancellable = self._cancellable(done)
        start = self.scopes[()].start_events
        if not start:
            return ReplayResult(False, "the model has no start event")
        initial: State = (("s", (), start[0].id),)
        stack: list[tuple[int, State]] = [(0, initial)]
        seen: set[tuple[int, State]] = set()
        deepest, at_deepest = -1, list[State]()
        final_problem = ""
        cut_off = False
        while stack:
            i, state = stack.pop()
            if (i, state) in seen:
                continue
            seen.add((i, state))
            if len(seen) > MAX_STATES:
                return ReplayResult(False, f"replay gave up after {MAX_STATES} states")
            if i > deepest:
                deepest, at_deepest = i, []
            if i == deepest and len(at_deepest) < 50:
                at_deepest.append(state)
            if i == len(done):
                ended, problem = self._final(state, still_open)
                if ended or (still_open and not problem):
                    return ReplayResult(True, "", ended)
                if not problem:
                    cut_off = True  # fits as cut off by the end of the run; an end may follow
                final_problem = final_problem or problem
                continue
            stack.extend((i, s) for s in self._silent(state))
            row = done[i]
            cut_before, cut_after = cancellable[i]
            if cut_before or (cut_after and self._enabled(state, row.activity_id)):
                stack.append((i + 1, state))
            stack.extend((i + 1, s) for s in self._visible(state, row))
        if cut_off:
            return ReplayResult(True, "", False)
        if deepest == len(done):
            return ReplayResult(False, final_problem)
        row = done[deepest]
        expected = sorted({a for s in at_deepest for a in self._expected(s)})
        after = f" after '{done[deepest - 1].activity_id}'" if deepest > 0 else ""
        hint = f"; the model allows {', '.join(expected)}" if expected else ""
        return ReplayResult(
            False,
            f"activity '{row.activity_id}' ({row.activity_name}) at {row.complete:g} is not "
            f"enabled{after}{hint}",
        )

    def _final(self, state: State, still_open: list[ActivityRecord]) -> tuple[bool, str]:
        """(ended, problem) once the completed rows are replayed; problem '' if it fits."""
        closure = self._closure(state)
        if not still_open and () in closure:
            return True, ""
        for row in still_open:
            if not any(self._enabled(s, row.activity_id) for s in closure):
                return (
                    False,
                    f"open activity '{row.activity_id}' ({row.activity_name}) is not enabled",
                )
        if still_open or any(self._waiting(s) for s in closure):
            return False, ""
        left = sorted({a for s in closure for a in self._expected(s)})
        return False, f"the case stops with tokens left before {', '.join(left) or 'a join'}"

    def _closure(self, state: State, limit: int = 5_000) -> set[State]:
        found = {state}
        queue = deque([state])
        while queue and len(found) < limit:
            for nxt in self._silent(queue.popleft()):
                if nxt not in found:
                    found.add(nxt)
                    queue.append(nxt)
        return found

    def _cancellable(self, done: list[ActivityRecord]) -> list[tuple[bool, bool]]:
        """For each row: is there something at the same time, before / after it in the
        log, that may have cut it short?"""
        cancellers: dict[float, list[int]] = defaultdict(list)
        for index, row in enumerate(done):
            if self._cancels(row):
                cancellers[row.complete].append(index)
        out = []
        for index, row in enumerate(done):
            before = after = False
            if row.activity_type not in ("startEvent", "endEvent", "boundaryEvent"):
                containers = self.containers(row.activity_id)
                for other_index in cancellers.get(row.complete, ()):
                    other = done[other_index]
                    target = self._attached(other.activity_id)
                    if other_index == index:
                        continue
                    if target is not None:
                        hit = target == row.activity_id or target in containers
                    elif other.activity_type == "endEvent":
                        hit = True
                    elif other.activity_type == "startEvent":  # interrupting event subprocess
                        scope = self._event_scope(other.activity_id)
                        hit = not scope or scope[-1] in containers
                    else:  # the enclosing subprocess completed: its body was cut
                        hit = other.activity_id in containers
                    before = before or (hit and other_index < index)
                    after = after or (hit and other_index > index)
            out.append((before, after))
        return out

    def _cancels(self, row: ActivityRecord) -> bool:
        for path in self.where[row.activity_id]:
            node = self.node(path, row.activity_id)
            if isinstance(node, BoundaryEvent) and (
                node.cancel_activity or node.definition.kind == "error"
            ):
                return True
            if isinstance(node, EndEvent) and node.definition.kind in ("terminate", "error"):
                return True
            if isinstance(node, StartEvent) and path and node.interrupting:
                return True  # the start of an interrupting event subprocess
            if isinstance(node, SubProcess | CallActivity) and self._may_cut((*path, node.id)):
                return True
        return False

    def _may_cut(self, path: Path) -> bool:
        """True if a terminate or error end event inside this body can cut it short."""
        n = len(path)
        return any(
            isinstance(node, EndEvent) and node.definition.kind in ("terminate", "error")
            for scope_path, scope in self.scopes.items()
            if scope_path[:n] == path
            for node in scope.nodes.values()
        )

    def _attached(self, node_id: str) -> str | None:
        for path in self.where[node_id]:
            node = self.node(path, node_id)
            if isinstance(node, BoundaryEvent):
                return node.attached_to
        return None

    # -- moves --------------------------------------------------------------------------

    def _visible(self, state: State, row: ActivityRecord) -> Iterator[State]:
        """States after the row's activity completes (none if it is not enabled)."""
        for path in self.where[row.activity_id]:
            node = self.node(path, row.activity_id)
            if isinstance(node, StartEvent):
                if path == () and ("s", (), node.id) in state:
                    yield _put(_take(state, ("s", (), node.id)), _flows(path, node.outgoing))
                elif path:
                    yield from self._event_start(state, path, node)
            elif self._loop(path, node.id):
                yield from self._instance(state, path, node)
            elif isinstance(node, SubProcess | CallActivity):
                running = ("r", path, node.id)
                count = state.count(running)
                # several instances (a repeated event subprocess) share the body's places
                if count > 1 or (count == 1 and not _inside(state, (*path, node.id))):
                    yield _put(_take(state, running), _flows(path, node.outgoing))
                for place in set(state):
                    if place[0] == "c" and place[1] == path and place[2] == node.id:
                        yield _put(_take(state, place), [("x", path, node.id, place[3])])
            elif isinstance(node, BoundaryEvent):
                yield from self._boundary(state, path, node)
            elif isinstance(node, Task | IntermediateCatchEvent | IntermediateThrowEvent):
                out = _flows(path, node.outgoing)
                if isinstance(node, IntermediateThrowEvent) and node.definition.kind == "link":
                    out = [("l", path, self._link_catch(path, node))]
                elif isinstance(node, IntermediateThrowEvent) and (
                    node.definition.kind == "escalation"
                ):
                    out = [*out, *self._escalation_due(path, node.definition.ref or "")]
                for taken in _incoming_tokens(state, path, node):
                    after = _take(state, taken)
                    yield _put(after, out)
                    for error, interrupting in self._error_boundaries(path, node.id):
                        due = [("x", path, node.id, error)]
                        yield _put(after, due if interrupting else [*out, *due])
            elif isinstance(node, EndEvent) and path and self._ends_case(path):
                for taken in _incoming_tokens(state, path, node):
                    yield self._body_end(_take(state, taken), path, node)
            elif isinstance(node, EndEvent) and path == ():
                for taken in _incoming_tokens(state, path, node):
                    after = _take(state, taken)
                    if node.definition.kind in ("terminate", "error"):
                        after = ()
                    elif node.definition.kind == "escalation":
                        after = _put(after, self._escalation_due(path, node.definition.ref or ""))
                    yield after

    def _boundary(self, state: State, path: Path, node: BoundaryEvent) -> Iterator[State]:
        out = _flows(path, node.outgoing)
        activity = self.node(path, node.attached_to)
        kind = node.definition.kind
        if kind == "error" or (kind == "escalation" and isinstance(activity, Task)):
            due = ("x", path, node.attached_to, node.id)
            if due in state:
                yield _put(_take(state, due), out)
            if kind == "error" or not self._loop(path, activity.id):
                return
        if self._loop(path, activity.id):
            running = ("m", path, activity.id)
            if running in state:
                if node.cancel_activity:
                    cleared = _clear(_take(state, running), (*path, activity.id))
                    cleared = tuple(p for p in cleared if p[:3] != ("r", path, activity.id))
                    yield _put(cleared, out)
                else:
                    yield _put(state, out)
            return
        if isinstance(activity, SubProcess | CallActivity):
            running = ("r", path, activity.id)
            if running in state:
                if node.cancel_activity:
                    cleared = _clear(_take(state, running), (*path, activity.id))
                    yield _put(cleared, out)
                else:
                    yield _put(state, out)
            return
        for taken in _incoming_tokens(state, path, activity):
            yield _put(_take(state, taken) if node.cancel_activity else state, out)

    def _error_boundaries(self, path: Path, activity_id: str) -> list[tuple[str, bool]]:
        """Error and escalation boundaries a task may end with: (id, interrupting)."""
        return [
            (n.id, n.cancel_activity or n.definition.kind == "error")
            for n in self.scopes[path].nodes.values()
            if isinstance(n, BoundaryEvent)
            and n.attached_to == activity_id
            and n.definition.kind in ("error", "escalation")
        ]

    def _silent(self, state: State) -> set[State]:
        """States one gateway, subprocess entry or body end event further."""
        found: set[State] = set()
        for place in set(state):
            if place[0] == "m":
                found.update(self._loop_moves(state, place))
            if place[0] != "f":
                continue
            path = place[1]
            scope = self.scopes[path]
            flow = scope.flows.get(place[2])
            if flow is None or flow.target not in scope.nodes:
                continue
            node = scope.nodes[flow.target]
            if self._loop(path, node.id):
                found.add(_put(_take(state, place), [("m", path, node.id)]))
            elif isinstance(node, ExclusiveGateway | EventBasedGateway):
                rest = _take(state, place)
                for out in node.outgoing or ("",):
                    found.add(_put(rest, _flows(path, (out,) if out else ())))
            elif isinstance(node, ParallelGateway):
                needed = (
                    [("f", path, f) for f in node.incoming] if len(node.incoming) > 1 else [place]
                )
                if all(p in state for p in needed):
                    rest = state
                    for p in needed:
                        rest = _take(rest, p)
                    found.add(_put(rest, _flows(path, node.outgoing)))
            elif isinstance(node, InclusiveGateway):
                rest = state
                if len(node.incoming) > 1:
                    for f in node.incoming:
                        if ("f", path, f) in rest:
                            rest = _take(rest, ("f", path, f))
                else:
                    rest = _take(state, place)
                outs = node.outgoing
                for k in range(1, len(outs) + 1):
                    for chosen in combinations(outs, k):
                        found.add(_put(rest, _flows(path, chosen)))
            elif isinstance(node, SubProcess | CallActivity):
                body_path = (*path, node.id)
                starts = self.scopes[body_path].start_events
                body = _flows(body_path, starts[0].outgoing) if starts else []
                found.add(_put(_take(state, place), [("r", path, node.id), *body]))
            elif isinstance(node, EndEvent) and path != () and not self._ends_case(path):
                found.add(self._body_end(_take(state, place), path, node))
        return found

    def _body_end(self, state: State, path: Path, node: EndEvent) -> State:
        """A token reaches an end event inside a subprocess body (not a row)."""
        kind = node.definition.kind
        if kind == "terminate":
            return _clear(state, path)
        if kind == "escalation":
            return _put(state, self._escalation_due(path, node.definition.ref or ""))
        if kind != "error":
            return state
        ref = node.definition.ref or ""
        while True:
            handler = self._handler(path, "error", ref)
            if handler is not None:
                return _put(_clear(state, path), [("e", path, handler)])
            if not path:
                break
            parent, container = path[:-1], path[-1]
            for boundary in self.scopes[parent].nodes.values():
                if (
                    isinstance(boundary, BoundaryEvent)
                    and boundary.attached_to == container
                    and boundary.definition.kind == "error"
                    and (not boundary.definition.ref or not ref or boundary.definition.ref == ref)
                ):
                    running = ("r", parent, container)
                    cleared = _clear(state, path)
                    if self._loop(parent, container):  # every instance ends with it
                        cleared = tuple(
                            p for p in cleared if p[:3] not in (running, ("m", parent, container))
                        )
                    elif running in cleared:
                        cleared = _take(cleared, running)
                    return _put(cleared, [("c", parent, container, boundary.id)])
            path = parent
        return ()

    # -- what is enabled ----------------------------------------------------------------

    def _enabled(self, state: State, activity_id: str) -> bool:
        for path in self.where[activity_id]:
            node = self.node(path, activity_id)
            if self._loop(path, activity_id) and ("m", path, activity_id) in state:
                return True
            if isinstance(node, SubProcess | CallActivity):
                if ("r", path, node.id) in state:
                    return True
            elif any(True for _ in _incoming_tokens(state, path, node)):
                return True
        return False

    def _waiting(self, state: State) -> bool:
        """Every token waits before a task (hand-over) or at a join, and one before a task."""
        before_task = False
        for place in state:
            if place[0] != "f":
                return False
            scope = self.scopes[place[1]]
            target = scope.nodes.get(scope.flows[place[2]].target)
            if isinstance(target, Task):
                before_task = True
            elif not (
                isinstance(target, ParallelGateway | InclusiveGateway) and len(target.incoming) > 1
            ):
                return False
        return before_task

    def _expected(self, state: State) -> Iterator[str]:
        """Labels of the rows the model would accept next in this state."""
        for place in state:
            kind = place[0]
            if kind == "s":
                yield f"'{place[2]}'"
            elif kind == "x":
                yield f"'{place[3]}'"
            elif kind in ("c", "m", "l") or (
                kind == "r" and not _inside(state, (*place[1], place[2]))
            ):
                yield _label(self.node(place[1], place[2]))
            elif kind == "f":
                scope = self.scopes[place[1]]
                flow = scope.flows.get(place[2])
                target = scope.nodes.get(flow.target) if flow else None
                if isinstance(
                    target, Task | IntermediateCatchEvent | IntermediateThrowEvent | EndEvent
                ):
                    yield _label(target)
