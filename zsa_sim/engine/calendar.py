"""Working calendars: when staff work, and how long a piece of work takes in calendar time.

Effort is working time, waiting is calendar time. A task of six working hours started on
Friday at 14:00 with office hours until 16:00 continues on the next working day, skipping
the weekend and public holidays. The calendar converts between the two clocks.

The simulation clock counts minutes since ``epoch`` (midnight of the first simulated
day). Working intervals are laid out day by day into sorted arrays with the cumulative
working time before each interval, so both directions are a binary search.

Memory: a staff member with absences has a calendar of her own, and a state-wide run has
thousands of them (issue 8). The interval starts and ends of the office hours without
any closed day are therefore laid out once per (epoch, weekly hours, horizon) and
shared; a calendar keeps only a byte per interval that marks it closed (holiday,
absence) and its cumulative working minutes as ``array('d')``: about 9 bytes per
interval instead of three lists of float objects (about 100 bytes).

Hours that change over time: ``periods`` lists (first day number, weekly hours) from
which another weekly pattern is in force: overtime weeks (longer days), a part-time
member's own hours (:mod:`zsa_sim.engine.staff`), a post filled or left (no hours before
or after). The last pattern goes on beyond the layout.
"""

from __future__ import annotations

import bisect
import math
import threading
from array import array
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from datetime import date, datetime, timedelta
from functools import cached_property, lru_cache

import numpy as np

MINUTES_PER_DAY = 1440.0
#: Weekly hours as weekday (0 = Monday) -> tuple of (start, end) minutes after midnight.
WeeklyHours = Mapping[int, tuple[tuple[float, float], ...]]

#: Weekly hours as a hashable, sorted key (the form ``periods`` holds).
WeeklyKey = tuple[tuple[int, tuple[tuple[float, float], ...]], ...]

#: A typical German town hall: Mon-Thu 7:30-16:00, Fri 7:30-12:30 (39 hours minus breaks
#: is close to this; the scenario states its own hours).
DEFAULT_WEEKLY_HOURS: WeeklyHours = {
    0: ((450.0, 960.0),),
    1: ((450.0, 960.0),),
    2: ((450.0, 960.0),),
    3: ((450.0, 960.0),),
    4: ((450.0, 750.0),),
}


@dataclass(frozen=True, eq=False)
class WorkingCalendar:
    """Office hours per weekday, closed days (public holidays, absences) and an epoch.

    ``horizon_days`` bounds the precomputed layout; beyond it the calendar repeats the
    weekly pattern without holidays, so a case running past the end still finishes.
    """

    epoch: datetime
    weekly: WeeklyHours = field(default_factory=lambda: dict(DEFAULT_WEEKLY_HOURS))
    closed_days: frozenset[date] = frozenset()
    always: bool = False
    horizon_days: int = 3 * 366
    #: (first day number since the epoch, weekly hours) from which other hours apply,
    #: in increasing day order; ``weekly`` applies before the first.
    periods: tuple[tuple[int, WeeklyKey], ...] = ()

    def __post_init__(self) -> None:
        patterns = [self.weekly, *(dict(w) for _, w in self.periods)]
        for weekly in patterns:
            for weekday, intervals in weekly.items():
                if weekday not in range(7):
                    raise ValueError(f"weekday must be 0..6, got {weekday}")
                last_end = 0.0
                for start, end in intervals:
                    if not 0 <= start < end <= MINUTES_PER_DAY or start < last_end:
                        raise ValueError(
                            f"office hours on weekday {weekday} must be ordered intervals "
                            f"within the day, got {intervals}"
                        )
                    last_end = end
        days = [d for d, _ in self.periods]
        if days != sorted(set(days)) or (days and days[0] < 0):
            raise ValueError(f"periods must start on increasing day numbers >= 0, got {days}")
        if self.periods and self.always:
            raise ValueError("an always-open calendar has no periods (use 24-hour weekly hours)")
        if not self.always and not any(patterns[-1].values()):
            raise ValueError("a calendar needs office hours on at least one weekday")

    @classmethod
    def always_open(cls, epoch: datetime | None = None) -> WorkingCalendar:
        """Round-the-clock working (queueing-theory tests, automated services)."""
        return cls(epoch=epoch or datetime(2026, 1, 1), weekly={}, always=True)

    def without_days(self, days: Iterable[date]) -> WorkingCalendar:
        """The same calendar with more closed days (a staff member's absences).

        An always-open calendar becomes one with 24-hour working days on all seven
        weekdays, so that the closed days take effect (``always`` ignores them).
        """
        closed = self.closed_days | frozenset(days)
        if self.always and closed:
            return WorkingCalendar(
                epoch=self.epoch,
                weekly={d: ((0.0, MINUTES_PER_DAY),) for d in range(7)},
                closed_days=closed,
                horizon_days=self.horizon_days,
            )
        # The same fields but the closed days, which __post_init__ does not look at: its
        # checks of the hours passed for this calendar, so the twin is made without
        # them (a member with absences has her own calendar; ~800 for ``validate`` of
        # the state-wide scenario, issue 19). The office layout does not depend on the
        # closed days either: it is passed on if this calendar has it.
        twin = object.__new__(WorkingCalendar)
        for name in _FIELDS:
            object.__setattr__(twin, name, getattr(self, name))
        object.__setattr__(twin, "closed_days", closed)
        for name in ("_weekly", "_office"):
            if name in self.__dict__:
                twin.__dict__[name] = self.__dict__[name]
        return twin

    def with_periods(self, periods: Iterable[tuple[int, WeeklyHours]]) -> WorkingCalendar:
        """The same calendar with other weekly hours from given day numbers on.

        An always-open calendar becomes 24-hour working days on all seven weekdays.
        """
        weekly = self.weekly
        if self.always:
            weekly = {d: ((0.0, MINUTES_PER_DAY),) for d in range(7)}
        return WorkingCalendar(
            epoch=self.epoch,
            weekly=weekly,
            closed_days=self.closed_days,
            horizon_days=self.horizon_days,
            periods=tuple((day, _weekly_key(hours)) for day, hours in periods),
        )

    def hours_on(self, day_no: int) -> WeeklyHours:
        """The weekly hours in force on day ``day_no`` (since the epoch)."""
        hours = self.weekly
        for first, pattern in self.periods:
            if first > day_no:
                break
            hours = dict(pattern)
        return hours

    @property
    def pattern_changes(self) -> tuple[int, ...]:
        """Day numbers at which the weekly hours change (period starts)."""
        return tuple(d for d, _ in self.periods)

    # -- layout -------------------------------------------------------------------

    @cached_property
    def _office(self) -> _OfficeLayout:
        """The office hours of the layout without closed days (shared)."""
        return _office_layout(self.epoch.date(), self._weekly, self.horizon_days, self.periods)

    @cached_property
    def _weekly(self) -> WeeklyKey:
        """``weekly`` as a key (sorted, hashable)."""
        return _weekly_key(self.weekly)

    @cached_property
    def _layout(self) -> tuple[tuple[float, ...], tuple[float, ...], array, bytearray]:
        """Interval starts and ends of the office hours (shared, see :func:`_office_layout`),
        the working minutes before each interval and a mask of the closed intervals.

        A closed interval adds no working time: its ``before`` is the running total at
        that point, so ``before`` is non-decreasing and equal to the running sum over the
        open intervals alone, computed in the same order as before the layout was shared
        (so every result is bit-identical). The mask has one byte more than there are
        intervals, an open sentinel: ``closed[len(starts)]`` and ``closed[-1]`` are 0.
        """
        first = self.epoch.date()
        office = self._office
        # a datetime never equalled a day of the layout, so it closes nothing
        closed_numbers = [
            number
            for day in self.closed_days
            if isinstance(day, date)
            and not isinstance(day, datetime)
            and 0 <= (number := (day - first).days) < self.horizon_days
        ]
        closed_day = np.zeros(self.horizon_days, bool)
        closed_day[closed_numbers] = True
        shut = closed_day[office.day_numbers]
        # the running total over the open intervals, in their order: a cumulative sum
        # adds one after the other as the loop ``total += length`` did (adding 0.0 for a
        # closed interval leaves a total >= 0 as it is), so the values are bit-identical
        totals = np.cumsum(np.where(shut, 0.0, office.lengths))
        # the first interval has nothing before it
        before = array("d", np.concatenate((np.zeros(1), totals))[: len(totals)].tobytes())
        # one more byte: an open sentinel, so that walks stop without a bounds test
        closed = bytearray(shut.astype(np.uint8).tobytes())
        closed.append(0)
        return office.starts, office.ends, before, closed

    @cached_property
    def _last_open(self) -> int:
        """Index of the last open interval of the layout, -1 when none is open."""
        closed = self._layout[3]
        k = len(closed) - 2  # the last byte is the sentinel
        while k >= 0 and closed[k]:
            k -= 1
        return k

    @cached_property
    def _final_weekly(self) -> WeeklyHours:
        """The weekly hours in force after the last period starts (beyond the layout)."""
        return dict(self.periods[-1][1]) if self.periods else self.weekly

    @cached_property
    def _weekly_minutes(self) -> float:
        return sum(end - start for iv in self._final_weekly.values() for start, end in iv)

    @cached_property
    def _end(self) -> float:
        """Where the precomputed layout ends (minutes)."""
        return self.horizon_days * MINUTES_PER_DAY

    def _layout_end(self) -> float:
        return self._end

    # -- queries --------------------------------------------------------------------

    def day_of(self, t: float) -> date:
        """The calendar date of simulation time ``t``."""
        return (self.epoch + timedelta(minutes=t)).date()

    def to_datetime(self, t: float) -> datetime:
        """Simulation minutes to a calendar datetime."""
        return self.epoch + timedelta(minutes=t)

    def is_open(self, t: float) -> bool:
        """True when ``t`` falls within working hours."""
        if self.always:
            return True
        # the common case, inlined from next_open (staff dispatch asks this a lot); t lies
        # in at most one interval, the first that ends after it. Past the layout (no
        # interval ends after t) next_open walks the weekly pattern.
        starts, ends, _, closed = self._layout
        i = bisect.bisect_right(ends, t)
        if i < len(starts):
            return starts[i] <= t and not closed[i]
        return self.next_open(t) == t

    def open_span(self, t: float) -> tuple[float, float, float, float] | None:
        """The open interval of the layout that ``t`` falls in, as
        ``(start, end, before, before_next)``: its bounds, the working minutes before it
        and before the next interval (``-inf`` if it is the layout's last); None when
        ``t`` is not within working hours or the calendar has no layout there (always
        open, past the layout).

        A staff member keeps the span she is working in (:mod:`zsa_sim.engine.staff`):
        while the clock stays in it, "on duty?" and "when is this work done?" need no
        search; :meth:`add_work_in` gives the second exactly as :meth:`add_work` does.
        """
        if self.always or t >= self._end:
            return None
        starts, ends, before, closed = self._layout
        i = bisect.bisect_right(ends, t)
        if i == len(starts) or closed[i] or starts[i] > t:
            return None
        following = before[i + 1] if i + 1 < len(before) else -math.inf
        return starts[i], ends[i], before[i], following

    @staticmethod
    def add_work_in(
        span: tuple[float, float, float, float], t: float, minutes: float
    ) -> float | None:
        """:meth:`add_work` for work begun at ``t`` within ``span`` (:meth:`open_span`)
        that also ends within it; None otherwise (then ask :meth:`add_work`).

        The same arithmetic, in the same order, as :meth:`add_work` when the work ends in
        the interval it begins in, so the result is bit-identical.
        """
        start, end, before, following = span
        if not minutes >= 0:
            return None
        target = before + (t - start) + minutes
        if following >= target:
            done = start + (target - before)
            if not done > end + 1e-9:
                return done
        return None

    def next_open(self, t: float) -> float:
        """``t`` if working then, else the start of the next working interval."""
        if self.always:
            return t
        # past the layout (t >= self._end) no interval ends after t: i is the sentinel
        starts, ends, _, closed = self._layout
        i = bisect.bisect_right(ends, t)
        while closed[i]:  # closed runs are short (a holiday, an absence day); sentinel 0
            i += 1
        if i == len(starts):
            return self._beyond(max(t, self._layout_end()), 0.0)
        return max(t, starts[i])

    def add_work(self, t: float, minutes: float) -> float:
        """When work of ``minutes`` working minutes, begun at ``t``, is finished."""
        if minutes < 0:
            raise ValueError(f"work must not be negative, got {minutes}")
        if self.always:
            return t + minutes
        if t >= self._end:
            return self._beyond(t, minutes)
        starts, ends, before, closed = self._layout
        i = bisect.bisect_right(ends, t)
        while closed[i]:  # the first open interval that ends after t
            i += 1
        if i == len(starts):
            return self._beyond(max(t, self._layout_end()), minutes)
        begin = max(t, starts[i])
        target = before[i] + (begin - starts[i]) + minutes
        # the open interval in which the cumulative working time reaches the target: the
        # last with ``before`` below it; that is a closed one only after the last open
        # interval, and then the walk back stops at the last open one (i at the latest).
        # Most work ends in the interval it begins in: ``before`` does not decrease, so
        # when the next interval's is not below the target, no later one is (no bisect).
        j = i + 1
        if j < len(before) and before[j] >= target:
            j = i
        else:
            j = max(bisect.bisect_left(before, target) - 1, i)
            while closed[j]:
                j -= 1
        end_j = starts[j] + (target - before[j])
        if end_j > ends[j] + 1e-9:
            # runs past the precomputed layout
            last = self._last_open
            overflow = target - (before[last] + (ends[last] - starts[last]))
            return self._beyond(self._layout_end(), overflow)
        return end_j

    def work_between(self, a: float, b: float) -> float:
        """Working minutes in the calendar interval [a, b)."""
        if b <= a:
            return 0.0
        if self.always:
            return b - a
        if b >= self._end:
            return self._cumulative(b) - self._cumulative(a)
        # _cumulative of both ends inlined: the engine asks this once per task done
        starts, ends, before, closed = self._layout
        i = bisect.bisect_right(starts, b) - 1
        while closed[i]:  # closed[-1] is the open sentinel
            i -= 1
        if i < 0:
            return 0.0  # nothing open up to b, so nothing up to a either
        work_b = before[i] + min(b, ends[i]) - starts[i]
        i = bisect.bisect_right(starts, a, 0, i + 1) - 1
        while closed[i]:
            i -= 1
        if i < 0:
            return work_b - 0.0
        return work_b - (before[i] + min(a, ends[i]) - starts[i])

    def open_minutes_by_day(self, days: int) -> np.ndarray:
        """Working minutes on each of the first ``days`` calendar days (a new array).

        The same values as ``work_between`` day by day, bit for bit (each day is the
        difference of the cumulative working minutes at its two midnights, computed with
        the same operations in the same order), but in numpy: every staff pool of every
        replication asks this for the whole run, and ``validate`` builds the engine too
        (issue 19: ~12,000 calls of ``work_between`` for the pilot).

        The values depend on the calendar's fields alone, and many calendars have equal
        ones (every full-time member of every pool; part-time members with the same
        share): they are computed once per distinct calendar and days, and each caller
        gets a copy (the state-wide scenario asks 479 times for 150 distinct calendars).
        """
        key = (self._key, days)
        minutes = _MINUTES_BY_DAY.get(key)
        if minutes is None:
            minutes = self._open_minutes(days)
            minutes.flags.writeable = False
            with _MINUTES_LOCK:  # the workbench and Dask's threads build setups at once
                while len(_MINUTES_BY_DAY) >= MINUTES_CACHE_SIZE:
                    # the oldest entry goes (dicts keep insertion order)
                    del _MINUTES_BY_DAY[next(iter(_MINUTES_BY_DAY))]
                _MINUTES_BY_DAY[key] = minutes
        return minutes.copy()

    @cached_property
    def _key(self) -> tuple:
        """Every field, hashable: calendars with equal keys have the same working time."""
        return (
            self.epoch,
            self._weekly,
            self.closed_days,
            self.always,
            self.horizon_days,
            self.periods,
        )

    def _open_minutes(self, days: int) -> np.ndarray:
        """:meth:`open_minutes_by_day`, computed."""
        if self.always:
            return np.full(days, MINUTES_PER_DAY)
        cumulative = self._cumulative_at(np.arange(max(days, 0) + 1) * MINUTES_PER_DAY)
        return cumulative[1:] - cumulative[:-1]

    def _cumulative_at(self, t: np.ndarray) -> np.ndarray:
        """:meth:`_cumulative` of each time in ``t`` (ascending), vectorised."""
        starts, _, before, closed = self._layout
        out = np.zeros(len(t))
        inside = t < self._layout_end()
        n = len(starts)
        if n:
            s = self._office.start_array
            k = np.arange(n)
            # the last open interval at or before each index (-1: none), as the walk back
            # over closed intervals in _cumulative finds it
            last_open = np.maximum.accumulate(np.where(np.frombuffer(closed, np.uint8)[:n], -1, k))
            i = np.searchsorted(s, t[inside], side="right") - 1
            j = np.where(i >= 0, last_open[np.maximum(i, 0)], -1)
            jj = np.maximum(j, 0)
            ends_j = self._office.end_array[jj]
            value = np.frombuffer(before)[jj] + np.minimum(t[inside], ends_j) - s[jj]
            out[inside] = np.where(j >= 0, value, 0.0)
        for position in np.flatnonzero(~inside):
            out[position] = self._cumulative(float(t[position]))
        return out

    def _cumulative(self, t: float) -> float:
        """Working minutes from the epoch up to ``t``."""
        starts, ends, before, closed = self._layout
        if t >= self._layout_end():
            last = self._last_open
            if last < 0:
                return 0.0
            total = before[last] + ends[last] - starts[last]
            return total + (t - self._layout_end()) / (7 * MINUTES_PER_DAY) * self._weekly_minutes
        # the last open interval that starts no later than t (closed[-1] is the sentinel)
        i = bisect.bisect_right(starts, t) - 1
        while closed[i]:
            i -= 1
        if i < 0:
            return 0.0
        return before[i] + min(t, ends[i]) - starts[i]

    def _beyond(self, t: float, minutes: float) -> float:
        """Past the layout: walk the plain weekly pattern day by day (rare, slow is fine)."""
        if self._weekly_minutes <= 0:
            raise ValueError("calendar has no working time")
        remaining = minutes
        day_no = int(t // MINUTES_PER_DAY)
        while True:
            day = self.epoch.date() + timedelta(days=day_no)
            offset = day_no * MINUTES_PER_DAY
            if day in self.closed_days:
                day_no += 1
                continue
            for start, end in self._final_weekly.get(day.weekday(), ()):
                lo, hi = max(offset + start, t), offset + end
                if hi <= lo:
                    continue
                if remaining <= hi - lo:
                    return lo + remaining
                remaining -= hi - lo
            day_no += 1


#: The fields of a WorkingCalendar (its dataclass fields, in order)
_FIELDS = tuple(f.name for f in fields(WorkingCalendar))

#: Distinct (calendar, days) whose minutes by day are kept (~6 KB each for two years).
MINUTES_CACHE_SIZE = 256
#: :meth:`WorkingCalendar.open_minutes_by_day` by (calendar key, days); read-only arrays
_MINUTES_BY_DAY: dict[tuple, np.ndarray] = {}
_MINUTES_LOCK = threading.Lock()


def _weekly_key(weekly: WeeklyHours) -> WeeklyKey:
    """Weekly hours as a hashable key (the mapping itself is a dict)."""
    return tuple(
        sorted((day, tuple((start, end) for start, end in iv)) for day, iv in weekly.items())
    )


@dataclass(frozen=True, eq=False)
class _OfficeLayout:
    """The office hours of a layout without closed days: interval starts and ends
    (minutes since the epoch) as tuples for ``bisect`` and as arrays for numpy, and each
    interval's length and day number (arrays)."""

    starts: tuple[float, ...]
    ends: tuple[float, ...]
    start_array: np.ndarray
    end_array: np.ndarray
    lengths: np.ndarray
    day_numbers: np.ndarray


@lru_cache(maxsize=256)
def _office_layout(
    first: date,
    weekly: WeeklyKey,
    horizon_days: int,
    periods: tuple[tuple[int, WeeklyKey], ...] = (),
) -> _OfficeLayout:
    """The office hours of ``horizon_days`` days from ``first`` without any closed day.

    Shared by all calendars with the same epoch, hours and horizon (every staff member
    of a pool, every pool with the same hours). Each interval is
    ``day number * 1440.0 + start`` (and ``+ end``), its length ``end - start``: the
    same operations as the day-by-day loop this replaced, in numpy a week pattern at a
    time (a state-wide scenario has ~150 part-time patterns, each laid out for ~800
    days when ``validate`` builds the engine: issue 19), so the values are bit-identical.
    """
    segments = [(0, dict(weekly))]
    for day_no, pattern in periods:
        if day_no < horizon_days:
            segments.append((day_no, dict(pattern)))
    weekday = first.weekday()
    days: list[np.ndarray] = []
    starts: list[np.ndarray] = []
    ends: list[np.ndarray] = []
    for k, (begin, hours) in enumerate(segments):
        stop = segments[k + 1][0] if k + 1 < len(segments) else horizon_days
        if stop <= begin:
            continue  # a later period starts on the same day
        # one week from ``begin``: the day offsets, starts and ends of its intervals
        offset, start, end = [], [], []
        for d in range(7):
            for a, b in hours.get((weekday + begin + d) % 7, ()):
                offset.append(d)
                start.append(a)
                end.append(b)
        weeks = -(-(stop - begin) // 7)
        shape = (weeks, len(offset))
        day = (begin + np.arange(weeks)[:, None] * 7 + np.array(offset, int)).ravel()
        keep = day < stop
        days.append(day[keep])
        starts.append(np.broadcast_to(np.array(start, float), shape).ravel()[keep])
        ends.append(np.broadcast_to(np.array(end, float), shape).ravel()[keep])
    if len(days) == 1:  # the common case: one pattern throughout
        day_numbers, start_of, end_of = days[0], starts[0], ends[0]
    else:
        day_numbers = np.concatenate(days) if days else np.zeros(0, int)
        start_of = np.concatenate(starts) if starts else np.zeros(0)
        end_of = np.concatenate(ends) if ends else np.zeros(0)
    offsets = day_numbers * MINUTES_PER_DAY
    start_array = offsets + start_of
    end_array = offsets + end_of
    for a in (start_array, end_array, day_numbers):
        a.flags.writeable = False
    lengths = end_of - start_of
    lengths.flags.writeable = False
    return _OfficeLayout(
        tuple(start_array.tolist()),
        tuple(end_array.tolist()),
        start_array,
        end_array,
        lengths,
        day_numbers,
    )
