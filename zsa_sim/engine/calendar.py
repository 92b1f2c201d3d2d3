"""Working calendars: when staff work, and how long a piece of work takes in calendar time.

Effort is working time, waiting is calendar time. A task of six working hours started on
Friday at 14:00 with office hours until 16:00 continues on the next working day, skipping
the weekend and public holidays. The calendar converts between the two clocks.

The simulation clock counts minutes since ``epoch`` (midnight of the first simulated
day). Working intervals are laid out day by day into sorted arrays with the cumulative
working time before each interval, so both directions are a binary search.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cached_property

import numpy as np

MINUTES_PER_DAY = 1440.0
#: Weekly hours as weekday (0 = Monday) -> tuple of (start, end) minutes after midnight.
WeeklyHours = Mapping[int, tuple[tuple[float, float], ...]]

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

    def __post_init__(self) -> None:
        for weekday, intervals in self.weekly.items():
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
        if not self.always and not any(self.weekly.values()):
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
        return WorkingCalendar(
            epoch=self.epoch,
            weekly=self.weekly,
            closed_days=closed,
            always=self.always,
            horizon_days=self.horizon_days,
        )

    # -- layout -------------------------------------------------------------------

    @cached_property
    def _layout(self) -> tuple[list[float], list[float], list[float]]:
        """Sorted interval starts and ends, and the working minutes before each interval."""
        starts: list[float] = []
        ends: list[float] = []
        before: list[float] = []
        total = 0.0
        first = self.epoch.date()
        for day_no in range(self.horizon_days):
            day = first + timedelta(days=day_no)
            if day in self.closed_days:
                continue
            offset = day_no * MINUTES_PER_DAY
            for start, end in self.weekly.get(day.weekday(), ()):
                starts.append(offset + start)
                ends.append(offset + end)
                before.append(total)
                total += end - start
        return starts, ends, before

    @cached_property
    def _weekly_minutes(self) -> float:
        return sum(end - start for iv in self.weekly.values() for start, end in iv)

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
        if t < self._end:
            # the common case, inlined from next_open (staff dispatch asks this a lot)
            starts, ends, _ = self._layout
            i = bisect.bisect_right(ends, t)
            if i < len(starts):
                return starts[i] <= t
        return self.next_open(t) == t

    def next_open(self, t: float) -> float:
        """``t`` if working then, else the start of the next working interval."""
        if self.always:
            return t
        if t >= self._end:
            return self._beyond(t, 0.0)
        starts, ends, _ = self._layout
        i = bisect.bisect_right(ends, t)
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
        starts, ends, before = self._layout
        i = bisect.bisect_right(ends, t)
        if i == len(starts):
            return self._beyond(max(t, self._layout_end()), minutes)
        begin = max(t, starts[i])
        target = before[i] + (begin - starts[i]) + minutes
        # the interval in which the cumulative working time reaches the target
        j = bisect.bisect_left(before, target) - 1
        j = max(j, i)
        end_j = starts[j] + (target - before[j])
        if end_j > ends[j] + 1e-9:
            # runs past the precomputed layout
            overflow = target - (before[-1] + (ends[-1] - starts[-1]))
            return self._beyond(self._layout_end(), overflow)
        return end_j

    def work_between(self, a: float, b: float) -> float:
        """Working minutes in the calendar interval [a, b)."""
        if b <= a:
            return 0.0
        if self.always:
            return b - a
        return self._cumulative(b) - self._cumulative(a)

    def open_minutes_by_day(self, days: int) -> np.ndarray:
        """Working minutes on each of the first ``days`` calendar days."""
        if self.always:
            return np.full(days, MINUTES_PER_DAY)
        return np.array(
            [self.work_between(d * MINUTES_PER_DAY, (d + 1) * MINUTES_PER_DAY) for d in range(days)]
        )

    def _cumulative(self, t: float) -> float:
        """Working minutes from the epoch up to ``t``."""
        starts, ends, before = self._layout
        if not starts:
            return 0.0
        if t >= self._layout_end():
            total = before[-1] + ends[-1] - starts[-1]
            return total + (t - self._layout_end()) / (7 * MINUTES_PER_DAY) * self._weekly_minutes
        i = bisect.bisect_right(starts, t) - 1
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
            for start, end in self.weekly.get(day.weekday(), ()):
                lo, hi = max(offset + start, t), offset + end
                if hi <= lo:
                    continue
                if remaining <= hi - lo:
                    return lo + remaining
                remaining -= hi - lo
            day_no += 1
