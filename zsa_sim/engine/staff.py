"""Staff pools: who is free to do a task, and who is on duty right now.

A :class:`StaffPool` is the runtime form of a :class:`~zsa_sim.engine.setup.StaffPoolSpec`:
``ceil(fte)`` staff members. A fractional FTE is a part-time member who works at full
speed for her own, shorter hours (:func:`part_time_hours`: the first part of every
working day, or for less than a day a week a block at the start of the week), so the
working time of a task is its effort. Staff that change over time (``fte_timeline``) are
members whose hours begin when their post is filled and end when they leave: the last
members of the pool come and go first; a member who leaves finishes the task in hand
but takes no new one. Each member has her own calendar: these hours without her absence
days, drawn per member and day from the random stream ``("absence", pool id, member
number)``.

Dispatch: a request is granted to an idle member who is on duty now. When the only idle
members are off duty (evening, weekend, absent), the request waits and the pool wakes up
when the first of them comes on duty; work is never handed to an absent member while
present colleagues might become free first. Waiting requests are served by the pool's
queue discipline (:class:`~zsa_sim.engine.setup.QueueDiscipline`: by default priority,
larger value first, as the scenario's ``priority:`` documents; FIFO; earliest deadline
first; per-clerk queues are :class:`zsa_sim.engine.queues.ClerkPool`) and first come,
first served within equal keys. Work once begun continues across closing time on the
member's next working day (effort is working time).

This is a deliberately small replacement for ``simpy.Resource``: a member who is idle
and on duty is handed out without scheduling an event, and the queue is a heap (a deque
while every waiting request has the same key, which serves them in the same order).
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections import deque
from collections.abc import Callable
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

import numpy as np
import simpy

from zsa_sim.engine.calendar import MINUTES_PER_DAY, WeeklyHours, WorkingCalendar
from zsa_sim.engine.kernel import Grant, schedule_call
from zsa_sim.engine.setup import StaffPoolSpec
from zsa_sim.errors import SimulationError
from zsa_sim.randomness import stream

INF = math.inf
#: Below this share of a full-time post a part-time member works one block at the start
#: of the week instead of a little every day (0.1 FTE: about 4 hours on Monday morning).
CONCENTRATE_BELOW = 0.2


class StaffMember:
    """One person of a pool.

    ``speed`` is 1 in the hours model (a part-time member has shorter hours instead);
    only the former speed model gives a part-time member ``speed`` < 1. ``until`` is
    when she leaves: she takes no new work from then on (a task in hand is finished).

    ``span`` is the working interval of her calendar that she was last seen on duty in
    (:meth:`WorkingCalendar.open_span`), ``off_start``/``off_end`` the stretch off duty
    she was last seen in (up to her calendar's next opening). Dispatch asks "on duty
    now?" and "when is this work done?" about 300,000 times a pilot replication, nearly
    always within the stretch asked about last; these answer both without searching the
    calendar (issue 19), with the calendar's own arithmetic, so the answers are the same.
    """

    __slots__ = (
        "always",
        "calendar",
        "id",
        "inv_speed",
        "number",
        "off_end",
        "off_start",
        "span",
        "span_end",
        "span_start",
        "speed",
        "until",
    )

    def __init__(
        self,
        pool_id: str,
        number: int,
        speed: float,
        calendar: WorkingCalendar,
        until: float = INF,
    ):
        self.id = f"{pool_id}#{number}"
        self.number = number
        self.speed = speed
        self.inv_speed = 1.0 / speed
        self.calendar = calendar
        self.always = calendar.always and until == INF
        self.until = until
        self.span: tuple[float, float, float, float] | None = None
        # the span's bounds, apart: compared on every question (empty: none yet)
        self.span_start = INF
        self.span_end = -INF
        self.off_start = INF
        self.off_end = -INF

    def _seen_at(self, t: float) -> bool:
        """Whether ``t`` is within working hours of her calendar; keeps the open span or
        the stretch off duty that ``t`` falls in."""
        calendar = self.calendar
        span = calendar.open_span(t)
        if span is not None:
            self.span = span
            self.span_start, self.span_end = span[0], span[1]
            return True
        if calendar.is_open(t):  # no layout there (always open, or far out)
            return True
        # closed from t until the next opening, which is next_open(t) for every t there
        self.off_start, self.off_end = t, calendar.next_open(t)
        return False

    def on_duty(self, t: float) -> bool:
        """May she begin work at ``t``: within her hours and not yet gone."""
        if t >= self.until:
            return False
        if self.span_start <= t < self.span_end:
            return True
        if self.off_start <= t < self.off_end:
            return False
        return self._seen_at(t)

    def next_duty(self, t: float) -> float:
        """When she is next on duty from ``t`` on (``inf`` if she has left by then)."""
        if t >= self.until:
            return INF
        # within the stretch off duty she was last seen in, the next opening is its end
        at = self.off_end if self.off_start <= t < self.off_end else self.calendar.next_open(t)
        return at if at < self.until else INF

    def finish_time(self, start: float, effort: float) -> float:
        """When this member, beginning at ``start``, has done ``effort`` working minutes."""
        minutes = effort * self.inv_speed
        if self.always:
            return start + minutes
        if not self.span_start <= start < self.span_end:
            self._seen_at(start)  # keeps the span she begins in, if any
        if self.span_start <= start < self.span_end:
            done = WorkingCalendar.add_work_in(self.span, start, minutes)  # type: ignore[arg-type]
            if done is not None:
                return done
        return self.calendar.add_work(start, minutes)

    def work_done(self, start: float, end: float) -> float:
        """Effort (working minutes at full speed) this member does between two times."""
        return self.calendar.work_between(start, end) * self.speed


class StaffPool:
    """Staff members of one role in one unit, with a queue of waiting requests."""

    __slots__ = (
        "_always",
        "_key",
        "_seq",
        "_wake_at",
        "env",
        "id",
        "idle",
        "line",
        "members",
        "queue",
        "spec",
        "waiting",
    )

    def __init__(
        self,
        env: simpy.Environment,
        spec: StaffPoolSpec,
        members: list[StaffMember],
        key: Callable[[Any, float, float], float] | None = None,
    ):
        self.env = env
        self.id = spec.id
        self.spec = spec
        self.members = members
        self.idle: deque[StaffMember] = deque(members)
        #: heap of [key, sequence, event], key -priority by default (a min-heap, so the
        #: largest priority comes first); a cancelled entry has event None
        self.queue: list[list] = []
        #: the same entries while all of them have one key (nearly always: one priority
        #: for all cases), in sequence order, which is the heap's order then; a deque
        #: pops in O(1) what the heap pops in O(log n) (issue 19). At most one of
        #: ``line`` and ``queue`` holds entries.
        self.line: deque[list] = deque()
        #: number of live (not cancelled) entries in the queue
        self.waiting = 0
        self._seq = itertools.count()
        self._wake_at: float | None = None
        self._always = all(m.always for m in members)
        #: (case, priority, now) -> queue key; None: the priority as given
        self._key = key

    def acquire_for(self, case: Any) -> StaffMember | None:
        """A member for this case now, or None (then :meth:`enqueue` it)."""
        return None if self.waiting else self.acquire()

    def acquire(self, now: float | None = None) -> StaffMember | None:
        """An idle member on duty now, or None; only call while nobody is waiting."""
        idle = self.idle
        if not idle:
            return None
        if self._always:
            return idle.popleft()
        if now is None:
            now = self.env._now  # type: ignore[attr-defined]
        for i, member in enumerate(idle):
            if member.on_duty(now):
                del idle[i]
                return member
        return None

    def enqueue(self, priority: float, case: Any = None) -> list:
        """Queue a request; ``entry[2]`` is the event that yields the granted member.

        ``priority``: larger is served first (issue 14: the scenario says so; the heap
        pops its smallest key, so the key is the negated priority; ``-0.0 == 0.0``, so
        equal priorities stay first come, first served by the sequence number). A
        discipline with a key of its own (FIFO, EDF) orders by that key instead.
        """
        key = -priority if self._key is None else self._key(case, priority, self.env.now)
        entry = [key, next(self._seq), Grant(self.env)]
        line = self.line
        if not self.queue and (key == line[0][0] if line else key == key):
            line.append(entry)
        else:
            if line:  # another key: the line, in (key, sequence) order, is a valid heap
                self.queue.extend(line)
                line.clear()
            heapq.heappush(self.queue, entry)
        self.waiting += 1
        if self.idle:
            self._dispatch(self.env._now)  # type: ignore[attr-defined]
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
        now = self.env._now  # type: ignore[attr-defined]
        if self.waiting and (self._always or member.on_duty(now)):
            self._grant(member)
            return
        self.idle.append(member)
        if self.waiting:
            # she is off duty now, as is every idle member: wake up when she comes on
            self._wake_up(member.next_duty(now))

    def _grant(self, member: StaffMember) -> None:
        line = self.line
        if line:
            while True:
                event = line.popleft()[2]
                if event is not None:
                    break
        else:
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
            self._wake_up(min(m.next_duty(now) for m in idle))

    def _wake_up(self, at: float) -> None:
        """Dispatch again at ``at`` unless a wake-up is due no later (never: nothing)."""
        if at == INF or (self._wake_at is not None and self._wake_at <= at):
            return
        self._wake_at = at
        schedule_call(self.env, max(at - self.env.now, 0.0), lambda _event: self._wake(at))

    def _wake(self, at: float) -> None:
        if self._wake_at == at:
            self._wake_at = None
        if self.waiting and self.idle:
            # now + (at - now) may round to just below ``at``: check duty at ``at``
            self._dispatch(max(self.env.now, at))


def part_time_hours(weekly: WeeklyHours, share: float) -> WeeklyHours:
    """A part-time member's own weekly hours: ``share`` of the office's, at full speed.

    - ``share`` >= 1: the office hours;
    - :data:`CONCENTRATE_BELOW` <= ``share`` < 1: on every working day the first
      ``share`` of that day's hours (0.5 FTE with 7:30-16:00 works 7:30-11:45);
    - below it: ``share`` of the week's hours as one block from the start of the
      week's first working day on (0.1 FTE of a 39-hour week: 3.9 hours on Monday
      morning; 0.018 FTE: 42 minutes). A member with so small a share does these
      services now and then, not a few minutes every day.

    Her working time per week is therefore exactly ``share`` times the office's.
    """
    if share >= 1.0:
        return dict(weekly)
    if share <= 0.0:
        return {}
    out: dict[int, tuple[tuple[float, float], ...]] = {}
    if share >= CONCENTRATE_BELOW:
        for day, intervals in weekly.items():
            total = sum(end - start for start, end in intervals)
            out[day] = _first_minutes(intervals, share * total)
        return {d: iv for d, iv in out.items() if iv}
    left = share * sum(end - start for iv in weekly.values() for start, end in iv)
    for day in sorted(weekly):
        if left <= 0:
            break
        intervals = weekly[day]
        total = sum(end - start for start, end in intervals)
        take = min(left, total)
        if take > 0:
            out[day] = _first_minutes(intervals, take)
            left -= take
    return out


def _first_minutes(
    intervals: tuple[tuple[float, float], ...], minutes: float
) -> tuple[tuple[float, float], ...]:
    """The first ``minutes`` of a day's working intervals."""
    out: list[tuple[float, float]] = []
    for start, end in intervals:
        if minutes <= 1e-9:
            break
        stop = min(end, start + minutes)
        out.append((start, stop))
        minutes -= stop - start
    return tuple(out)


def member_shares(
    timeline: tuple[tuple[float, float], ...], number: int
) -> list[tuple[int, float]]:
    """(day number, share) of member ``number`` (1-based) along a pool's FTE timeline.

    Member k works ``clamp(fte - (k - 1), 0, 1)`` of a post: with 2.5 FTE members 1 and
    2 full-time and member 3 half-time; when the pool grows to 4, member 3 becomes
    full-time and member 4 starts.
    """
    out: list[tuple[int, float]] = []
    for minute, fte in timeline:
        share = min(max(fte - (number - 1), 0.0), 1.0)
        if share < 1e-9:
            share = 0.0
        day = round(minute / MINUTES_PER_DAY)
        if out and out[-1][0] == day:
            out[-1] = (day, share)
        elif not out or out[-1][1] != share:
            out.append((day, share))
    return out


def _member_calendar(
    calendar: WorkingCalendar, shares: list[tuple[int, float]]
) -> tuple[WorkingCalendar, float]:
    """A member's own calendar and the minute she leaves (``inf``: she stays).

    Before her post is filled and between a departure and a return she has no hours;
    after she leaves for good her last hours go on, for the task in hand only.
    """
    if len(shares) == 1 and shares[0][1] >= 1.0 and not calendar.periods:
        return calendar, INF
    until = INF
    last_positive = max(i for i, (_, share) in enumerate(shares) if share > 0)
    if last_positive < len(shares) - 1:
        until = shares[last_positive + 1][0] * MINUTES_PER_DAY
        shares = shares[: last_positive + 1]
    changes = sorted({0, *calendar.pattern_changes, *(d for d, _ in shares)})
    periods: list[tuple[int, WeeklyHours]] = []
    base = calendar
    if calendar.always:
        base = calendar.with_periods([])  # 24-hour days on all weekdays
    for day in changes:
        share = 0.0
        for first, value in shares:
            if first <= day:
                share = value
        periods.append((day, part_time_hours(base.hours_on(day), share)))
    return base.with_periods(periods), until


def build_members(
    spec: StaffPoolSpec, seed: int, replication: int, horizon: float, *, absences: bool = True
) -> tuple[list[StaffMember], np.ndarray]:
    """The members of a pool and its available working minutes per calendar day.

    The run covers the calendar days from the epoch to ``horizon`` (minutes); absences
    are drawn for each of them, and the last day counts up to the horizon only. In the
    hours model a member's available minutes are her own hours (minus absences) up to
    the day she leaves; in the speed model the office hours times her speed.

    ``absences=False`` (:func:`~zsa_sim.engine.simulation.check_buildable`, for
    ``validate``) makes the same members, with their own hours but without their
    absence days, and no available minutes (zeros): the two thirds of the work that
    cannot refuse a setup. They draw random numbers and count working minutes of
    calendars already made, and raise nothing; what they yield (closed days of the
    members' calendars, minutes by day) is read only when the run starts. The checks
    here (the speed model, the members' calendars) run either way.
    """
    days = days_covered(horizon)
    calendar = spec.calendar
    if not calendar.always and calendar.horizon_days < days + 1:
        calendar = WorkingCalendar(
            epoch=calendar.epoch,
            weekly=calendar.weekly,
            closed_days=calendar.closed_days,
            horizon_days=days + 8,
            periods=calendar.periods,
        )
    timeline = spec.timeline
    peak = max(fte for _, fte in timeline)
    count = math.ceil(peak - 1e-9)
    if spec.part_time == "speed" and len(timeline) > 1:
        raise SimulationError(
            f"staff pool {spec.id!r}: the speed model of part-time work needs constant staff"
        )
    members: list[StaffMember] = []
    available = np.zeros(days)
    first = calendar.epoch.date()
    last_day_start = (days - 1) * MINUTES_PER_DAY
    minutes_of: dict[tuple, np.ndarray] = {}
    for number in range(1, count + 1):
        shares = member_shares(timeline, number)
        if spec.part_time == "speed":
            speed, member_calendar, until = shares[0][1], calendar, INF
        else:
            speed = 1.0
            member_calendar, until = _member_calendar(calendar, shares)
        if not absences:
            members.append(StaffMember(spec.id, number, speed, member_calendar, until))
            continue
        # members with the same shares have the same hours (periods decide them)
        base_minutes = minutes_of.get(member_calendar.periods)
        if base_minutes is None:
            base_minutes = member_calendar.open_minutes_by_day(days)
            if horizon < last_day_start + MINUTES_PER_DAY:
                base_minutes[-1] = member_calendar.work_between(last_day_start, horizon)
            minutes_of[member_calendar.periods] = base_minutes
        minutes = base_minutes
        if until < INF:
            minutes = minutes.copy()
            minutes[max(int(until // MINUTES_PER_DAY), 0) :] = 0.0
        if spec.absence_rate > 0 and days > 0:
            u = stream(seed, replication, "absence", spec.id, number).random(days)
            absent = np.flatnonzero((u < spec.absence_rate) & (minutes > 0))
            if absent.size:
                member_calendar = member_calendar.without_days(_dates(first, absent))
                minutes = minutes.copy()
                minutes[absent] = 0.0
        members.append(StaffMember(spec.id, number, speed, member_calendar, until))
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
