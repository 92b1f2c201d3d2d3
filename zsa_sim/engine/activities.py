"""What a token does while it waits: tasks, catch events, event-based gateways, subprocesses.

Task: the effort is drawn (common random numbers: keyed by service, municipality, task,
visit and the case's index, never by the order of events), scaled by the routing's
``effort_factor`` and the task's effort multiplier. If the case's previous task was done
by another organisational unit, a hand-over delay (calendar time) passes first; the task
instance begins after it (``enabled``). Then the token asks the task's staff pool for a
member, who works ``effort / speed`` working minutes on her own calendar.

Boundary events: timer and message boundaries are armed when the activity begins; the
first to fire (if the activity is still running) either interrupts it (the staff
member is freed, a subprocess's tokens are cancelled, the token leaves on the boundary's
flow) or, non-interrupting, starts a new token on the boundary's flow while the activity
goes on (a ``timeCycle`` ``R3/P1D`` fires up to three times). An error boundary on a task
fires with its probability when the task completes; on a subprocess it catches an error
end event inside the body.

Event-based gateway: every following catch event's delay is drawn when the token
arrives; the earliest wins (ties: the first in flow order) and only it is logged.

Loop and multi-instance activities: the instance count is drawn (or evaluated) when the
token arrives; a sequential one (and a standard loop) runs the instances one after the
other, a parallel one starts them all at once and goes on when the last has finished.
Each instance is the activity itself (its own effort draw, staff request and log row).
Boundary events belong to the activity as a whole: armed once, an interrupting one
cancels every running instance. Zero instances pass at once. A completionCondition is
checked as each instance ends; once it holds, the instances still running are cancelled.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from typing import Any

import simpy

from zsa_sim.engine.case import Armed, Case, Scope, Token
from zsa_sim.engine.expressions import as_number
from zsa_sim.engine.graph import (
    AND,
    CATCH,
    END,
    EVENT_GW,
    MULTI,
    OR,
    START,
    SUB,
    TASK,
    THROW,
    XOR,
    Flow,
    Node,
    uniform,
)
from zsa_sim.engine.kernel import Grant, schedule_call
from zsa_sim.engine.tokens import CANCEL, TokenFlow
from zsa_sim.errors import SimulationError

NAN = math.nan
INF = math.inf

#: A token's wait at an element: yields SimPy events, returns the flow to leave on.
Steps = Generator[simpy.Event, Any, Flow | None]


class ActivityRunner(TokenFlow):
    """Token flow plus the behaviour of the elements a token waits at."""

    def run(self, token: Token, node: Node, via: Flow | None) -> Generator:
        """The token's process: step from node to node until it ends or parks.

        Gateways and throw events are passed at once (:mod:`zsa_sim.engine.tokens`);
        at the other elements the token waits. A task's steps are written out here
        rather than in a generator of their own: most of a run's events resume a
        token at a task, and each would pass through one more generator frame
        (``yield from``; ~2 % of a pilot replication's CPU, issue 19).

        Task: hand-over, queue for staff, work; then the flow to leave on.
        """
        if token.cancelled:
            return
        token.started = True
        env = self.env
        draw = self.draw
        scope = token.scope
        case = token.case
        visits = case.visits
        cap = self.max_visits
        while True:
            token.node = node
            if node.join and via is not None and not self._arrive(token, node, via):
                return
            if scope.or_waiting:
                self._check_inclusive_joins(scope)
            visit = visits.get(node, 0) + 1
            if visit > cap:
                raise self._loop_error(case, node, scope)
            visits[node] = visit
            kind = node.kind
            try:
                if kind == TASK:
                    iteration = visit - 1
                    effort = (
                        draw(node.effort_key, iteration, case.index, node.effort_sampler)
                        * node.factor
                    )
                    if node.multiplier is not None:
                        factor = node.multiplier(case.attributes, visit)
                        if factor.__class__ is not float or not 0.0 <= factor < INF:
                            # not a finite float >= 0 (else it is its own value): check
                            factor = as_number(
                                factor,
                                f"service {case.service!r}: effort multiplier of task "
                                f"{node.label}, case {case.id}",
                            )
                        effort *= factor
                    last_org = case.last_org
                    if (
                        node.handover_key is not None
                        and last_org is not None
                        and last_org != node.org_unit
                    ):
                        delay = draw(
                            node.handover_key, iteration, case.index, node.handover_sampler
                        )
                        if delay > 0:
                            # in transit: at the horizon the task is written open, not enabled
                            token.pending = (node, NAN, NAN, "", effort)
                            yield delay  # a timeout (TokenProcess)
                    enabled = env._now  # SimPy's now without the property
                    armed = self._arm(token, node, iteration, enabled) if node.timed else None
                    pool = node.pool
                    member = pool.acquire_for(case)
                    if member is None:
                        token.pending = (node, enabled, NAN, "", effort)
                        entry = pool.enqueue(case.priority, case)
                        try:
                            member = yield entry[2]
                        except simpy.Interrupt:
                            pool.cancel(entry)
                            if armed is not None:
                                armed.active = False
                            self.row(case, node, "", enabled, NAN, env.now, 0.0)
                            raise
                    start = env._now
                    token.pending = (node, enabled, start, member.id, effort)
                    try:
                        yield member.finish_time(start, effort) - start  # a timeout
                    except simpy.Interrupt:
                        now = env.now
                        pool.release(member)
                        if armed is not None:
                            armed.active = False
                        self.row(
                            case, node, member.id, enabled, start, now, member.work_done(start, now)
                        )
                        raise
                    token.pending = None
                    if armed is not None:
                        armed.active = False
                    complete = env._now
                    pool.release(member)
                    self.row(case, node, member.id, enabled, start, complete, effort)
                    case.last_org = node.org_unit
                    flow = None
                    if node.errors:
                        for error, probability, key in node.errors:
                            if draw(key, iteration, case.index, uniform) < probability:
                                self.row(case, error, "", complete, complete, complete, 0.0)
                                flow = self.fork(token, error.out)
                                break
                        else:
                            flow = node.next or self.fork(token, node.out)
                    else:
                        flow = node.next or self.fork(token, node.out)
                elif kind == XOR:
                    flow = self._exclusive(case, node, visit)
                elif kind == AND:
                    flow = node.next or self.fork(token, node.out)
                elif kind in (START, THROW):
                    if node.log:
                        now = env._now
                        self.row(case, node, "", now, now, now, 0.0)
                    if node.escalate is not None and self._escalate(token, node.escalate):
                        return  # caught by an interrupting catcher of the token's scope
                    flow = node.next or self.fork(token, node.out)
                elif kind == END:
                    self._end(token, node)
                    return
                elif kind == CATCH:
                    flow = yield from self.catch(token, node, visit)
                elif kind == EVENT_GW:
                    flow = yield from self.event_gateway(token, node, visit)
                elif kind == OR:
                    flow = self.fork(token, self._inclusive(case, node, visit))
                elif kind == SUB:
                    flow = yield from self.subprocess(token, node, visit)
                elif kind == MULTI:
                    flow = yield from self.multi(token, node, visit)
                else:
                    raise SimulationError(f"a token reached {node.label}, which it cannot pass")
            except simpy.Interrupt as interrupt:
                token.pending = None
                token.armed_catches = None
                cause = interrupt.cause
                if cause is CANCEL:
                    return
                # an interrupting boundary event: leave the activity on its flows
                boundary: Node = cause
                flow = self.fork(token, boundary.out)
            if flow is None:
                self._ended(token)
                return
            node = flow.target
            via = flow

    def catch(self, token: Token, node: Node, visit: int) -> Steps:
        """An intermediate timer or message catch event: wait, then go on."""
        env = self.env
        case = token.case
        reached = env.now
        delay = node.delay(reached, case.index, visit - 1)  # type: ignore[misc]
        token.pending = (node, reached, reached, "", 0.0)
        yield env.event() if delay == INF else delay
        token.pending = None
        self.row(case, node, "", reached, reached, env.now, 0.0)
        return node.next or self.fork(token, node.out)

    def event_gateway(self, token: Token, node: Node, visit: int) -> Steps:
        """The first of the following catch events wins; the others never happen."""
        env = self.env
        case = token.case
        visits = case.visits
        reached = env.now
        best = INF
        winner: Node | None = None
        for catch in node.catches:
            count = visits.get(catch, 0) + 1
            if count > self.max_visits:
                raise self._loop_error(case, catch, token.scope)
            visits[catch] = count
            delay = catch.delay(reached, case.index, count - 1)  # type: ignore[misc]
            if delay < best:
                best, winner = delay, catch
        token.armed_catches = (node.catches, reached)
        yield env.event() if winner is None else best
        token.armed_catches = None
        assert winner is not None
        self.row(case, winner, "", reached, reached, env.now, 0.0)
        return winner.next or self.fork(token, winner.out)

    def subprocess(self, token: Token, node: Node, visit: int) -> Steps:
        """Run the body (embedded subprocess or called process) as a nested scope."""
        env = self.env
        case = token.case
        began = env.now
        graph = node.body
        done = Grant(env)  # a light simpy.Event: succeeds once, when the body ends
        child = Scope(case, graph, parent=token.scope, node=node, done=done)  # type: ignore[arg-type]
        if node.timed:
            child.armed = self._arm(token, node, visit - 1, began)
        token.child = child
        token.pending = (node, began, began, "", 0.0)
        self.spawn(child, graph.start, None)  # type: ignore[union-attr]
        if graph.event_subs:  # type: ignore[union-attr]
            self.arm_event_subs(child)
        try:
            result = yield done
        except simpy.Interrupt:
            token.child = None
            if not child.finished:
                self.cancel_scope(child)
            self.row(case, node, "", began, began, env.now, 0.0)
            raise
        token.child = None
        token.pending = None
        now = env.now
        self.row(case, node, "", began, began, now, 0.0)
        if result is not None:
            # an error end event inside the body, caught by this boundary event
            self.row(case, result, "", now, now, now, 0.0)
            return self.fork(token, result.out)
        return node.next or self.fork(token, node.out)

    def multi(self, token: Token, node: Node, visit: int) -> Steps:
        """A loop or multi-instance activity: its instances in sequence or in parallel."""
        env = self.env
        case = token.case
        count = node.count(case, visit)  # type: ignore[misc]
        if count > self.max_visits:
            raise SimulationError(
                f"service {case.service!r}: case {case.id}: {count} instances of "
                f"{node.label} exceed max_visits ({self.max_visits})",
                source=token.scope.graph.source,
            )
        armed = self._arm(token, node, visit - 1, env.now) if node.timed else None
        rounds = [1] * count if node.sequential else [count] if count else []
        result = None
        completed = 0
        try:
            for size in rounds:
                done = simpy.Event(env)
                child = Scope(case, node.body, parent=token.scope, node=node, done=done)  # type: ignore[arg-type]
                token.child = child
                instances = [
                    self.spawn(child, node.inner, None).process  # type: ignore[arg-type]
                    for _ in range(size)
                ]
                if node.completion is None or size == 1:
                    result = yield done
                    completed += size
                else:  # parallel with a completionCondition: check as each one ends
                    while not done.triggered:
                        yield env.any_of([done, *(p for p in instances if p.is_alive)])  # type: ignore[union-attr]
                        finished = sum(not p.is_alive for p in instances)  # type: ignore[union-attr]
                        if done.triggered:
                            break
                        if self._complete(node, case, visit, count, completed + finished):
                            self.cancel_scope(child)
                            break
                    result = done.value if done.triggered else None
                    completed += size
                token.child = None
                if result is not None or (
                    node.completion is not None
                    and self._complete(node, case, visit, count, completed)
                ):
                    break
        except simpy.Interrupt:
            if armed is not None:
                armed.active = False
            child = token.child
            token.child = None
            if child is not None and not child.finished:
                self.cancel_scope(child)
            raise
        if armed is not None:
            armed.active = False
        if result is not None:
            # an error end event inside an instance, caught by this boundary event
            now = env.now
            self.row(case, result, "", now, now, now, 0.0)
            return self.fork(token, result.out)
        return node.next or self.fork(token, node.out)

    def _complete(self, node: Node, case: Case, visit: int, count: int, completed: int) -> bool:
        """The completionCondition after ``completed`` of ``count`` instances."""
        values = dict(case.attributes)
        values.update(
            nrOfInstances=count,
            nrOfCompletedInstances=completed,
            nrOfActiveInstances=0 if node.sequential else count - completed,
            loopCounter=completed,
        )
        return bool(node.completion(values, visit))  # type: ignore[misc]

    # -- boundary timers and messages -------------------------------------------------

    def _arm(self, token: Token, node: Node, iteration: int, since: float) -> Armed:
        armed = Armed(token, since)
        index = token.case.index
        for boundary in node.timed:
            delay = boundary.delay(since, index, iteration)  # type: ignore[misc]
            if delay != INF:
                self._schedule(armed, boundary, since, delay, boundary.delay.cycle)  # type: ignore[union-attr]
        return armed

    def _schedule(
        self, armed: Armed, boundary: Node, since: float, delay: float, remaining: int | None
    ) -> None:
        schedule_call(self.env, delay, lambda _event: self._fire(armed, boundary, since, remaining))

    def _fire(self, armed: Armed, boundary: Node, since: float, remaining: int | None) -> None:
        """A boundary timer/message is due: act if its activity is still running."""
        if not armed.active:
            return
        token = armed.token
        case = token.case
        now = self.env.now
        visit = case.visits.get(boundary, 0) + 1
        if visit > self.max_visits:
            raise self._loop_error(case, boundary, token.scope)
        case.visits[boundary] = visit
        self.row(case, boundary, "", since, since, now, 0.0)
        if boundary.interrupting:
            armed.active = False
            token.process.interrupt(boundary)  # type: ignore[union-attr]
            return
        for flow in boundary.out:
            self.spawn(token.scope, flow.target, flow)
        if remaining is None or remaining > 1:
            delay = boundary.delay(now, case.index, visit)  # type: ignore[misc]
            if delay != INF:
                self._schedule(
                    armed, boundary, now, delay, None if remaining is None else remaining - 1
                )
