"""Office hours: taken from a scenario, or proposed from when work happens in the log.

Effort is working time, so the calendar decides how much of a step's start-to-end span
was work: a step begun on Friday at 11:00 and finished on Monday at 8:00 took an hour of
a Friday closing at 12:00 and an hour of a Monday opening at 7:00, not three days.

Proposed calendar: the day is cut into 15-minute slots; a slot of a weekday is open when
a step began or ended in it on at least :data:`OPEN_SHARE` of that weekday's working
dates (dates with any work). What lies between a step's start and end may span a lunch
break or a night, so it does not count. Runs of open slots become the hours of that
weekday, so a lunch break everyone takes shows as a gap. A weekday with work on fewer
than a fifth of its dates is closed. Dates of an open weekday without any work, inside the observed
range, are listed as closed days (public holidays among them); this needs enough volume
that an ordinary day never passes without work, and the comment says how many such
dates were found.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np

from zsa_sim.calibrate.table import CalibrationError, LogTable
from zsa_sim.engine.calendar import WorkingCalendar

SLOT = 15
OPEN_SHARE = 0.1
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class OfficeHours:
    """A calendar as a scenario writes it, with where it came from."""

    hours: dict[str, list[str]]
    holidays: str | None
    closed: tuple[date, ...]
    note: str
    #: the key in the source scenario, or '' for a proposed calendar
    source_key: str = ""

    def weekly_minutes(self) -> dict[int, tuple[tuple[float, float], ...]]:
        """Weekday number -> intervals in minutes after midnight."""
        out = {}
        for day, intervals in self.hours.items():
            spans = []
            for interval in intervals:
                a, b = interval.split("-")
                spans.append((_minutes(a), _minutes(b)))
            out[WEEKDAYS.index(day)] = tuple(spans)
        return out

    def working_calendar(self, table: LogTable) -> WorkingCalendar:
        """The engine's calendar over the log's days (its epoch is the log's)."""
        t = table.time()
        days = int(np.nanmax(t) // 1440) + 2 if len(t) else 2
        first = table.epoch.date()
        last = first + timedelta(days=days)
        closed = {d for d in self.closed if first <= d <= last}
        if self.holidays:
            from zsa_sim.public_holidays import public_holidays

            closed |= public_holidays(self.holidays, first, last)
        return WorkingCalendar(
            epoch=table.epoch,
            weekly=self.weekly_minutes(),
            closed_days=frozenset(closed),
            horizon_days=days + 7,
        )


def _minutes(hhmm: str) -> float:
    h, m = hhmm.strip().split(":")
    return float(int(h) * 60 + int(m))


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def from_scenario(reference: str) -> OfficeHours:
    """``scenarios/pilot.yaml#rathaus`` -> that scenario's calendar."""
    from zsa_sim.scenario import load_scenario

    path, _, key = reference.partition("#")
    scenario = load_scenario(Path(path))
    if not key:
        if len(scenario.calendars) != 1:
            raise CalibrationError(
                f"--calendar {reference}: name the calendar, e.g. {path}#"
                f"{next(iter(scenario.calendars))}"
            )
        key = next(iter(scenario.calendars))
    spec = scenario.calendars.get(key)
    if spec is None:
        raise CalibrationError(
            f"--calendar {reference}: no calendar {key!r} (known: {', '.join(scenario.calendars)})",
            source=path,
        )
    return OfficeHours(
        hours={d: list(v) for d, v in spec.hours.items()},
        holidays=spec.holidays,
        closed=tuple(spec.closed),
        note=f"from {reference}",
        source_key=key,
    )


def propose(table: LogTable, work: np.ndarray) -> OfficeHours:
    """Office hours seen in the log: ``work`` masks the rows that are staff work."""
    start, end = table.start[work], table.end[work]
    ok = ~np.isnan(start) & ~np.isnan(end)
    start, end = start[ok], end[ok]
    if not len(start):
        raise CalibrationError(
            "no step with both start and end time: cannot propose office hours; "
            "give them with --calendar SCENARIO.yaml#KEY",
            source=table.source,
        )
    slots_per_day = 1440 // SLOT
    busy: dict[int, set[int]] = {}  # day number -> busy slots
    for a, b in zip(start, end, strict=True):
        # work begins and ends only while the office is open; what lies between may
        # span a lunch break or a night, so only the two ends count
        for s in {int(a // SLOT), int(max(b - 1e-6, a) // SLOT)}:
            busy.setdefault(s // slots_per_day, set()).add(s % slots_per_day)
    epoch_weekday = table.epoch.weekday()
    by_weekday: dict[int, list[set[int]]] = {w: [] for w in range(7)}
    for day, slots in busy.items():
        by_weekday[(epoch_weekday + day) % 7].append(slots)
    n_weeks = max(1.0, (max(busy) - min(busy) + 1) / 7)
    hours: dict[str, list[str]] = {}
    for weekday, days in by_weekday.items():
        if len(days) < 0.2 * n_weeks:
            continue
        counts = np.zeros(slots_per_day)
        for slots in days:
            counts[list(slots)] += 1
        open_slots = counts >= OPEN_SHARE * len(days)
        # a single quiet slot between open ones is chance, not a break
        for s in range(1, slots_per_day - 1):
            if not open_slots[s] and open_slots[s - 1] and open_slots[s + 1]:
                open_slots[s] = True
        spans, s = [], 0
        while s < slots_per_day:
            if open_slots[s]:
                e = s
                while e < slots_per_day and open_slots[e]:
                    e += 1
                spans.append(f"{_hhmm(s * SLOT)}-{_hhmm(min(e * SLOT, 1440))}")
                s = e
            else:
                s += 1
        if spans:
            hours[WEEKDAYS[weekday]] = spans
    if not hours:
        raise CalibrationError("cannot see office hours in the log", source=table.source)
    open_days = {WEEKDAYS.index(d) for d in hours}
    first_day, last_day = min(busy), max(busy)
    closed = tuple(
        table.epoch.date() + timedelta(days=d)
        for d in range(first_day, last_day + 1)
        if d not in busy and (epoch_weekday + d) % 7 in open_days
    )
    note = (
        f"proposed from the log: {len(busy)} working dates, slots of {SLOT} min open on "
        f">= {OPEN_SHARE:.0%} of a weekday's dates; {len(closed)} open-weekday dates without "
        "any work listed as closed"
    )
    return OfficeHours(hours=hours, holidays=None, closed=closed, note=note)


def working_minutes(calendar: WorkingCalendar, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Working minutes between start and end of each row (NaN where a time is missing)."""
    out = np.full(len(start), np.nan)
    for i, (a, b) in enumerate(zip(start, end, strict=True)):
        if a == a and b == b:
            out[i] = calendar.work_between(float(a), float(b))
    return out
