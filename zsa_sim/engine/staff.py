"""Staff pools: who is free to do a task, and who is on duty right now.

A :class:`StaffPool` is the runtime form of a :class:`~zsa_sim.engine.setup.StaffPoolSpec`:
``ceil(fte)`` staff members, the last one working at speed ``fte - floor(fte)`` when the
FTE is fractional (half a position does half the work per working hour). Each member has
her own calendar: the pool's office hours without her absence days, drawn per member and
day from the random stream ``("absence", pool id, member number)``.

Dispatch: a request is granted to an idle member who is on duty now. When the only idle
members are off duty (evening, weekend, absent), the request waits and the pool wakes up
when the first of them comes on duty; work is never handed to an absent member while
present colleagues might become free first. Waiting requests are served by priority
(larger value first, as the scenario's ``priority:`` documents) and first come, first
served within equal priority. Work once begun
continues across closing time on the member's next working day (effort is working time).

This is a deliberately small replacement for ``simpy.Resource``: a member who is idle
and on duty is handed out without scheduling an event, and the queue is a heap.
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections import deque
from datetime import date, timedelta
from functools import lru_cache

import numpy as np
import simpy

from zsa_sim.engine.calendar import MINUTES_PER_DAY, WorkingCalendar
from zsa_sim.engine.setup import StaffPoolSpec
from zsa_sim.randomness import stream


class StaffMember:
    """One person of a pool; ``speed`` < 1 for a part-time share."""

    __slots__ = ("always", "calendar", "id", "inv_speed", "number", "speed")

    def __init__(self, pool_id: str, number: int, speed: float, calendar: WorkingCalendar):
        self.id = f"{pool_id}#{number}"
        self.number = number
        self.speed = speed
        self.inv_speed = 1.0 / speed
        self.calendar = calendar
        self.always = calendar.always

    def finish_time(self, start: float, effort: float) -> float:
        """When this member, beginning at ``start``, has done ``effort`` working minutes."""
        if self.always:
            return start + effort * self.inv_speed
        return self.calendar.add_work(start, effort * self.inv_speed)

    def work_done(self, start: float, end: float) -> float:
        """Effort (working minutes at full speed) this member does between two times."""
        return self.calendar.work_between(start, end) * self.speed


class StaffPool:
    """Staff members of one role in one unit, with a queue of waiting requests."""

    __slots__ = (
        "_always",
        "_seq",
        "_wake_at",
        "env",
        "id",
        "idle",
        "members",
        "queue",
        "spec",
        "waiting",
    )

    def __init__(self, env: simpy.Environment, spec: StaffPoolSpec, members: list[StaffMember]):
        self.env = env
        self.id = spec.id
        self.spec = spec
        self.members = members
        self.idle: deque[StaffMember] = deque(members)
        #: heap of [-priority, sequence, event] (a min-heap, so the largest priority
        #: comes first); a cancelled entry has event None
        self.queue: list[list] = []
        #: number of live (not cancelled) entries in the queue
        self.waiting = 0
        self._seq = itertools.count()
        self._wake_at: float | None = None
        self._always = all(m.always for m in members)

    def acquire(self, now: float | None = None) -> StaffMember | None:
        """An idle member on duty now, or None; only call while nobody is waiting."""
        idle = self.idle
        if not idle:
            return None
        if self._always:
            return idle.popleft()
        if now is None:
            now = self.env.now
        for i, member in enumerate(idle):
            if member.calendar.is_open(now):
                del idle[i]
                return member
        return None

    def enqueue(self, priority: float) -> list:
        """Queue a request; ``entry[2]`` is the event that yields the granted member.

        ``priority``: larger is served first (issue 14: the scenario says so; the heap
        pops its smallest key, so the key is the negated priority; ``-0.0 == 0.0``, so
        equal priorities stay first come, first served by the sequence number).
        """
        entry = [-priority, next(self._seq), simpy.Event(self.env)]
        heapq.heappush(self.queue, entry)
        self.waiting += 1
        if self.idle:
            self._dispatch(self.env.now)
        return entry

    def cancel(self, entry: list) -> None:
        """Withdraw a queued request (its task was cancelled)."""
        event = entry[2]
        if event is None:
            return
        if event.triggered:
            # granted in this very instant, before the requester saw it: give it back
            self.release(event.value)
        else:
            entry[2] = None
            self._one_less_waiting()

    def release(self, member: StaffMember) -> None:
        """A member finished (or abandoned) a task: next request, or idle."""
        now = self.env.now
        if self.waiting and (self._always or member.calendar.is_open(now)):
            self._grant(member)
            return
        self.idle.append(member)
        if self.waiting:
            # she is off duty now, as is every idle member: wake up when she comes on
            self._wake_up(member.calendar.next_open(now))

    def _grant(self, member: StaffMember) -> None:
        queue = self.queue
        while True:
            event = heapq.heappop(queue)[2]
            if event is not None:
                break
        self._one_less_waiting()
        event.succeed(member)

    def _one_less_waiting(self) -> None:
        self.waiting -= 1
        if not self.waiting:
            # a pending wake-up only matters while someone waits
            self._wake_at = None

    def _dispatch(self, now: float) -> None:
        """Hand idle on-duty members to waiting requests; else wake up when one comes on.

        While someone waits, ``_wake_at`` is no later than the time any idle member
        comes on duty (it is lowered whenever a member goes idle), so before it there is
        nothing to scan.
        """
        if self._wake_at is not None and self._wake_at > now:
            return
        idle = self.idle
        while self.waiting and idle:
            member = self.acquire(now)
            if member is None:
                break
            self._grant(member)
        if self.waiting and idle:
            self._wake_up(min(m.calendar.next_open(now) for m in idle))

    def _wake_up(self, at: float) -> None:
        """Dispatch again at ``at`` unless a wake-up is due no later."""
        if self._wake_at is not None and self._wake_at <= at:
            return
        self._wake_at = at
        timeout = self.env.timeout(max(at - self.env.now, 0.0))
        timeout.callbacks.append(lambda _event: self._wake(at))

    def _wake(self, at: float) -> None:
        if self._wake_at == at:
            self._wake_at = None
        if self.waiting and self.idle:
            # now + (at - now) may round to just below ``at``: check duty at ``at``
            self._dispatch(max(self.env.now, at))


def build_members(
    spec: StaffPoolSpec, seed: int, replication: int, horizon: float
) -> tuple[list[StaffMember], np.ndarray]:
    """The members of a pool and its FTE-weighted available minutes per calendar day.

    The run covers the calendar days from the epoch to ``horizon`` (minutes); absences
    are drawn for each of them, and the last day counts up to the horizon only.
    """
    days = days_covered(horizon)
    calendar = spec.calendar
    if not calendar.always and calendar.horizon_days < days + 1:
        calendar = WorkingCalendar(
            epoch=calendar.epoch,
            weekly=calendar.weekly,
            closed_days=calendar.closed_days,
            horizon_days=days + 8,
        )
    base_minutes = calendar.open_minutes_by_day(days)
    last_day_start = (days - 1) * MINUTES_PER_DAY
    if horizon < last_day_start + MINUTES_PER_DAY:
        base_minutes[-1] = calendar.work_between(last_day_start, horizon)
    whole = math.floor(spec.fte + 1e-9)
    speeds = [1.0] * whole
    if spec.fte - whole > 1e-9:
        speeds.append(spec.fte - whole)
    members: list[StaffMember] = []
    available = np.zeros(days)
    first = calendar.epoch.date()
    for number, speed in enumerate(speeds, start=1):
        member_calendar = calendar
        minutes = base_minutes
        if spec.absence_rate > 0 and days > 0:
            u = stream(seed, replication, "absence", spec.id, number).random(days)
            absent = np.flatnonzero((u < spec.absence_rate) & (base_minutes > 0))
            if absent.size:
                member_calendar = calendar.without_days(_dates(first, absent))
                minutes = base_minutes.copy()
                minutes[absent] = 0.0
        members.append(StaffMember(spec.id, number, speed, member_calendar))
        available += speed * minutes
    return members, available


def _dates(first: date, day_numbers: np.ndarray) -> list[date]:
    """The dates of absence days, as the date objects of one shared table: each member
    keeps her absences in her calendar's ``closed_days`` for the whole run, and a
    state-wide run has thousands of members (issue 8; saves ~32 bytes a day)."""
    if not day_numbers.size:
        return []
    # whole years of days, so that all pools of a run share one table
    table = _day_table(first, -(-(int(day_numbers.max()) + 1) // 366) * 366)
    return [table[d] for d in day_numbers.tolist()]


@lru_cache(maxsize=8)
def _day_table(first: date, days: int) -> tuple[date, ...]:
    """``first`` and the ``days - 1`` days after it."""
    return tuple(first + timedelta(days=d) for d in range(days))


def days_covered(horizon: float) -> int:
    """Calendar days from the epoch that a run of ``horizon`` minutes touches."""
    return max(1, math.ceil(horizon / MINUTES_PER_DAY - 1e-9))
