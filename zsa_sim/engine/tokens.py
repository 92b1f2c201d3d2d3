"""Token flow: how a token moves through gateways, joins and scopes.

Each token is a SimPy process running
:meth:`~zsa_sim.engine.activities.ActivityRunner.run`: a loop that looks at the kind of
the node the token stands on and either moves on at once (gateways, throw events, with
the methods here) or waits (tasks, timers, messages, subprocesses; see
:mod:`zsa_sim.engine.activities`). A parallel or inclusive split starts new token
processes; a join parks arriving tokens in their scope until it may fire.

Joins:

- parallel join: fires when every incoming flow holds a token;
- inclusive join (BPMN 2.0, 13.3.4): fires when at least one incoming flow holds a token
  and no other token of the scope stands on a node from which an empty incoming flow can
  still be reached (precomputed per join and flow by :mod:`zsa_sim.engine.graph`). It is
  re-checked whenever a token of the scope moves or ends.

A scope (the case, or one subprocess instance) completes when its last token ends. If
all its remaining tokens are parked at joins that cannot fire, the case can never go on:
the engine stops with a :class:`~zsa_sim.errors.SimulationError` naming the case and the
stuck join, rather than losing the case silently.

Cancellation (a terminate end event, an interrupting boundary event on a subprocess, an
error caught by a boundary) interrupts every token of the scope with :data:`CANCEL`; each
cleans up where it stands (withdraws its staff request, frees its staff member, writes a
row for the cancelled work) and ends.

Errors and escalations (BPMN 2.0, 10.5.6): a thrown error or escalation is caught by the
innermost scope that has an event subprocess with a matching start event, or whose
subprocess activity has a matching boundary event. An error always interrupts; an
escalation interrupts only when its catcher does, and one nobody catches is ignored (an
uncaught error ends the case). An interrupting event subprocess cancels the other tokens
of its scope and completes it; a non-interrupting one runs beside them. Timer, message,
signal and conditional starts of event subprocesses are armed when their scope opens.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import simpy

from zsa_sim.engine.case import Case, Scope, Token
from zsa_sim.engine.graph import (
    AND,
    CONDITIONS,
    INF,
    OR,
    PASS,
    Flow,
    Graph,
    Node,
    uniform,
)
from zsa_sim.engine.kernel import Held, TokenProcess, schedule_call
from zsa_sim.errors import SimulationError
from zsa_sim.eventlog.schema import ActivityRecord, EventLogSink

if TYPE_CHECKING:
    from collections.abc import Generator

NAN = math.nan
_new_row = tuple.__new__
#: Rows kept before they are handed together to a sink that takes batches
#: (``record_many``, see :class:`~zsa_sim.eventlog.schema.EventLogSink`): ~200 KB of
#: rows. On the pilot 512 to 8,192 rows cost about the same, 128 more (issue 19).
ROW_BATCH = 1024


class _Cancel:
    """Interrupt cause: the token's scope was cancelled; clean up and end."""

    def __repr__(self) -> str:
        return "CANCEL"


CANCEL = _Cancel()


class TokenFlow:
    """Runs tokens; activity behaviour is added by :class:`ActivityBehaviour`."""

    def __init__(
        self,
        env: simpy.Environment,
        draw: Callable[..., float],
        sink: EventLogSink,
        max_visits: int,
    ) -> None:
        self.env = env
        self.draw = draw
        self._record = sink.record
        self._record_many: Callable[[list[ActivityRecord]], None] | None = getattr(
            sink, "record_many", None
        )
        #: rows not yet handed to a sink that takes batches
        self._batch: list[ActivityRecord] = []
        self.max_visits = max_visits
        #: rows handed to the sink so far
        self.rows = 0
        self.cases_started = 0
        self.cases_completed = 0
        #: cases not yet completed, in order of arrival (for the final flush)
        self.open_cases: dict[Case, None] = {}
        #: called when a token of a case's top level reaches an end event (renewals)
        self.on_case_end: Callable[[Case, Node], None] | None = None

    # -- rows ---------------------------------------------------------------------

    def row(
        self,
        case: Case,
        node: Node,
        resource: str,
        enabled: float,
        start: float,
        complete: float,
        effort: float,
    ) -> None:
        """Emit one activity instance to the sink (with the next batch if it takes them)."""
        row = _new_row(
            ActivityRecord,
            case.prefix
            + node.static
            + (resource, enabled, start, complete, effort, case.row_attributes),
        )
        if self._record_many is None:
            self.rows += 1
            self._record(row)
            return
        batch = self._batch
        batch.append(row)
        if len(batch) >= ROW_BATCH:
            self.deliver()

    def deliver(self) -> None:
        """Hand the kept rows to the sink; the run calls it once more at its end."""
        batch = self._batch
        if batch:
            self._batch = []
            self.rows += len(batch)
            self._record_many(batch)  # type: ignore[misc]

    # -- cases and tokens -----------------------------------------------------------

    def start_case(self, case: Case, graph: Graph, held: Held | None = None) -> None:
        """Open the case's root scope and put a token on the start event (its process
        started by ``held`` if given, see :class:`~zsa_sim.engine.kernel.Held`)."""
        root = Scope(case, graph)
        case.root = root
        self.open_cases[case] = None
        self.cases_started += 1
        self.spawn(root, graph.start, None, held)
        if graph.event_subs:
            self.arm_event_subs(root)

    def resume_case(
        self, case: Case, graph: Graph, node: Node, arrival: float, held: Held | None = None
    ) -> None:
        """Open a case of the initial backlog: it arrived at ``arrival`` (before now) and
        stands at ``node`` now. Its start-event row is written at ``arrival``; what it
        went through before the run is not logged."""
        root = Scope(case, graph)
        case.root = root
        self.open_cases[case] = None
        self.cases_started += 1
        if graph.start.log:
            self.row(case, graph.start, "", arrival, arrival, arrival, 0.0)
        self.spawn(root, node, None, held)

    def spawn(self, scope: Scope, node: Node, via: Flow | None, held: Held | None = None) -> Token:
        """A new token on ``node`` (arrived over ``via``; None skips a join's wait)."""
        token = Token(scope.case, scope)
        token.node = node
        scope.tokens[token] = None
        scope.active += 1
        token.process = TokenProcess(self.env, self.run(token, node, via), held)
        return token

    def fork(self, token: Token, flows: Sequence[Flow]) -> Flow | None:
        """Continue on the first flow, start new tokens on the others."""
        if len(flows) == 1:
            return flows[0]
        if not flows:
            return None
        scope = token.scope
        for flow in flows[1:]:
            self.spawn(scope, flow.target, flow)
        return flows[0]

    def run(self, token: Token, node: Node, via: Flow | None) -> Generator:
        """The token's process: step from node to node until it ends or parks
        (:meth:`zsa_sim.engine.activities.ActivityRunner.run`)."""
        raise NotImplementedError

    def _end(self, token: Token, node: Node) -> None:
        if node.log:
            now = self.env._now  # type: ignore[attr-defined]
            self.row(token.case, node, "", now, now, now, 0.0)
        if self.on_case_end is not None and token.scope.parent is None:
            self.on_case_end(token.case, node)
        if node.terminate:
            scope = token.scope
            self.cancel_scope(scope, skip=token)
            self.finish_scope(scope, None)
        elif node.error_ref is not None:
            self._throw_error(token, node.error_ref)
        elif node.escalate is not None and self._escalate(token, node.escalate):
            return
        else:
            self._ended(token)

    def _ended(self, token: Token) -> None:
        """A token leaves its scope (at an end event, or parked at an inclusive join):
        the scope may now be idle, or a waiting inclusive join may fire."""
        scope = token.scope
        del scope.tokens[token]
        scope.active -= 1
        if scope.active == 0:
            self._idle(scope)
        elif scope.or_waiting:
            self._check_inclusive_joins(scope)

    # -- scopes ---------------------------------------------------------------------

    def _idle(self, scope: Scope) -> None:
        """No token of the scope is running: it completes, an OR join fires, or deadlock."""
        if scope.cancelled or scope.finished:
            return
        if scope.parked:
            if scope.or_waiting and self._check_inclusive_joins(scope):
                return
            raise self._deadlock(scope)
        self.finish_scope(scope, None)

    def finish_scope(self, scope: Scope, result: Node | None) -> None:
        """The scope is done; ``result`` is an error boundary event that caught an error."""
        scope.finished = True
        if scope.armed is not None:
            scope.armed.active = False
        if scope.parent is None:
            self.cases_completed += 1
            case = scope.case
            del self.open_cases[case]
            case.root = None  # no Case <-> Scope cycle: reference counting frees the case
        else:
            scope.done.succeed(result)  # type: ignore[union-attr]

    def cancel_scope(self, scope: Scope, skip: Token | None = None) -> None:
        """Interrupt every token of the scope (and, through them, of nested scopes)."""
        scope.cancelled = True
        if scope.armed is not None:
            scope.armed.active = False
        self._clear_scope(scope, skip)

    def _clear_scope(self, scope: Scope, skip: Token | None) -> None:
        for token in scope.tokens:
            if token is skip:
                continue
            token.cancelled = True
            if token.started and token.process.is_alive:  # type: ignore[union-attr]
                token.process.interrupt(CANCEL)  # type: ignore[union-attr]
        scope.tokens.clear()
        scope.active = scope.parked = scope.or_waiting = 0
        scope.joins.clear()

    def _throw_error(self, token: Token, ref: str) -> None:
        """An error end event: the nearest enclosing error event subprocess takes over its
        scope, or the nearest activity with a matching error boundary event is cancelled
        and left on that boundary's flow; an uncaught error ends the case."""
        scope = token.scope
        while True:
            handler = _catcher(scope, "error", ref)
            if handler is not None:
                self.start_event_sub(scope, handler, skip=token)
                return
            if scope.parent is None:
                break
            for boundary, _p, _key in scope.node.errors:  # type: ignore[union-attr]
                if _matches(boundary.error_ref, ref):
                    self.cancel_scope(scope, skip=token)
                    self.finish_scope(scope, boundary)
                    return
            scope = scope.parent
        self.cancel_scope(scope, skip=token)
        self.finish_scope(scope, None)

    def _escalate(self, token: Token, ref: str) -> bool:
        """A thrown escalation; True if the catcher interrupted the thrower's own scope
        (the token must stop). Nobody catching it is fine: the token goes on."""
        scope = token.scope
        while True:
            handler = _catcher(scope, "escalation", ref)
            if handler is not None:
                self.start_event_sub(scope, handler, skip=token)
                return handler.interrupting
            if scope.parent is None:
                return False
            for boundary in scope.node.escalations:  # type: ignore[union-attr]
                if not _matches(boundary.error_ref, ref):
                    continue
                if boundary.interrupting:
                    self.cancel_scope(scope, skip=token)
                    self.finish_scope(scope, boundary)
                    return True
                now = self.env.now
                self.row(token.case, boundary, "", now, now, now, 0.0)
                for flow in boundary.out:
                    self.spawn(scope.parent, flow.target, flow)
                return False
            scope = scope.parent

    # -- event subprocesses -----------------------------------------------------------

    def arm_event_subs(self, scope: Scope) -> None:
        """Schedule the timer/message/signal/conditional starts of a new scope's event
        subprocesses; each fires if the scope still runs then (a non-interrupting timer
        cycle ``R3/PT1H`` up to three times)."""
        case = scope.case
        now = self.env.now
        for handler in scope.graph.event_subs:
            if handler.delay is None:
                continue
            delay = handler.delay(now, case.index, case.visits.get(handler, 0))
            if delay != INF:
                self._schedule_event_sub(scope, handler, delay, handler.delay.cycle)

    def _schedule_event_sub(
        self, scope: Scope, handler: Node, delay: float, remaining: int | None
    ) -> None:
        schedule_call(self.env, delay, lambda _event: self._triggered(scope, handler, remaining))

    def _triggered(self, scope: Scope, handler: Node, remaining: int | None) -> None:
        if scope.finished or scope.cancelled or scope.interrupted:
            return
        self.start_event_sub(scope, handler)
        if handler.interrupting or (remaining is not None and remaining <= 1):
            return
        case = scope.case
        iteration = case.visits.get(handler, 0) + 1  # its token has not run yet
        delay = handler.delay(self.env.now, case.index, iteration)  # type: ignore[misc]
        if delay != INF:
            self._schedule_event_sub(
                scope, handler, delay, None if remaining is None else remaining - 1
            )

    def start_event_sub(self, scope: Scope, handler: Node, skip: Token | None = None) -> None:
        """Run an event subprocess in ``scope``; an interrupting one first cancels the
        scope's other tokens (the scope completes when the event subprocess does)."""
        if handler.interrupting:
            scope.interrupted = True
            self._clear_scope(scope, skip)
        self.spawn(scope, handler, None)

    # -- joins ------------------------------------------------------------------------

    def _arrive(self, token: Token, node: Node, via: Flow) -> bool:
        """A token reaches a join over ``via``; True if it goes on, False if it parks."""
        scope = token.scope
        counts = scope.joins.get(node)
        if counts is None:
            counts = scope.joins[node] = [0] * node.n_in
        had_parked = any(counts)
        counts[node.in_index[via.id]] += 1
        if node.kind == AND:
            if all(counts):
                for i in range(node.n_in):
                    counts[i] -= 1
                scope.parked -= node.n_in - 1
                return True
        elif self._inclusive_ready(scope, node, counts):
            consumed = 0
            for i, count in enumerate(counts):
                if count:
                    counts[i] = count - 1
                    consumed += 1
            scope.parked -= consumed - 1
            scope.or_waiting += any(counts) - had_parked
            return True
        elif not had_parked:
            scope.or_waiting += 1
        # park: the token's process ends; the join remembers it
        scope.parked += 1
        self._ended(token)
        return False

    def _inclusive_ready(self, scope: Scope, join: Node, counts: list[int]) -> bool:
        for i, count in enumerate(counts):
            if count:
                continue
            upstream = join.upstream[i]
            if not upstream:
                continue
            for token in scope.tokens:
                if token.node in upstream and token.node is not join:
                    return False
            for other, waiting in scope.joins.items():
                if other is not join and other in upstream and any(waiting):
                    return False
        return any(counts)

    def _check_inclusive_joins(self, scope: Scope) -> bool:
        """Fire every inclusive join of the scope whose rule now holds."""
        fired = False
        for join, counts in list(scope.joins.items()):
            if join.kind != OR or not any(counts):
                continue
            if self._inclusive_ready(scope, join, counts):
                consumed = 0
                for i, count in enumerate(counts):
                    if count:
                        counts[i] = count - 1
                        consumed += 1
                scope.parked -= consumed
                if not any(counts):
                    scope.or_waiting -= 1
                self.spawn(scope, join, None)
                fired = True
        return fired

    # -- decisions ----------------------------------------------------------------------

    def _exclusive(self, case: Case, node: Node, visit: int) -> Flow | None:
        mode = node.mode
        if mode == PASS:
            return node.next
        if mode == CONDITIONS:
            attributes = case.attributes
            for flow, condition in node.conds:
                if condition(attributes, visit):
                    return flow
            if node.default is not None:
                return node.default
            raise SimulationError(
                f"service {case.service!r}: exclusive gateway {node.label}: no condition holds "
                f"for case {case.id} and there is no default flow"
            )
        u = self.draw(node.branch_key, visit - 1, case.index, uniform)
        for flow, cumulative in node.cumulative:
            if u < cumulative:
                return flow
        return node.cumulative[-1][0]

    def _inclusive(self, case: Case, node: Node, visit: int) -> Sequence[Flow]:
        mode = node.mode
        if mode == PASS:
            return node.out
        if mode == CONDITIONS:
            attributes = case.attributes
            taken = [flow for flow, condition in node.conds if condition(attributes, visit)]
            if taken:
                return taken
            if node.default is not None:
                return (node.default,)
            raise SimulationError(
                f"service {case.service!r}: inclusive gateway {node.label}: no condition holds "
                f"for case {case.id} and there is no default flow"
            )
        draw, index, iteration = self.draw, case.index, visit - 1
        taken = [
            flow
            for flow, probability, key in node.probabilities
            if draw(key, iteration, index, uniform) < probability
        ]
        if taken:
            return taken
        if node.default is not None:
            return (node.default,)
        best = max(node.probabilities, key=lambda item: item[1])
        return (best[0],)

    # -- errors ---------------------------------------------------------------------------

    def _loop_error(self, case: Case, node: Node, scope: Scope) -> SimulationError:
        return SimulationError(
            f"service {case.service!r}: case {case.id} reached {node.label} more than "
            f"{self.max_visits} times (max_visits); does the model loop without end?",
            source=scope.graph.source,
        )

    def _deadlock(self, scope: Scope) -> SimulationError:
        case = scope.case
        stuck = [(join, counts) for join, counts in scope.joins.items() if any(counts)]
        stuck.sort(key=lambda item: item[0].kind != AND)
        join, counts = stuck[0]
        missing = [fid for fid, i in join.in_index.items() if counts[i] == 0]
        kind = "parallel" if join.kind == AND else "inclusive"
        return SimulationError(
            f"service {case.service!r}: case {case.id} stuck at {kind} join {join.label}: "
            f"waiting for flows {', '.join(missing)} that no token can reach",
            source=scope.graph.source,
        )

    # -- end of run -----------------------------------------------------------------------

    def flush(self) -> None:
        """Write every activity instance still waiting or in progress, with NaN times."""
        for case in self.open_cases:
            self._flush_scope(case, case.root)  # type: ignore[arg-type]

    def _flush_scope(self, case: Case, scope: Scope) -> None:
        for token in scope.tokens:
            pending = token.pending
            if pending is not None:
                node, enabled, start, resource, effort = pending
                self.row(case, node, resource, enabled, start, NAN, effort)
            if token.armed_catches is not None:
                catches, since = token.armed_catches
                for node in catches:
                    self.row(case, node, "", since, since, NAN, 0.0)
            if token.child is not None:
                self._flush_scope(case, token.child)


def _matches(catch_ref: str | None, thrown: str) -> bool:
    """A catcher without a ref catches everything; a throw without one any catcher."""
    return not catch_ref or not thrown or catch_ref == thrown


def _catcher(scope: Scope, trigger: str, ref: str) -> Node | None:
    """The scope's event subprocess started by this error or escalation, if any."""
    if scope.interrupted:
        return None
    for handler in scope.graph.event_subs:
        if handler.trigger == trigger and _matches(handler.error_ref, ref):
            return handler
    return None
