"""Task effort as working time, from the start and end times of the log.

Effort in a scenario is working time, so a step's effort is the working time between
its start and its end under the office calendar: closed hours (evenings, weekends,
public holidays, lunch breaks) are subtracted. This holds when a clerk works at full
speed while on duty; part-timers then work fewer hours, not slower. A part-timer's own
hours are read from the log (:func:`clerk_calendars`): a step of hers that runs past her
closing time counts only her own hours until it ends. The comment beside each effort
says how many steps spanned closed hours.
A step that spans open days on which its clerk did nothing else (her leave or sickness:
the engine continues the step on her next working day) has those days taken out too.

Where the log has only end times, a step's start is estimated as the later of the end of
the case's previous step and the end of the same clerk's previous step (the clerk cannot
have begun before finishing what she did before; the case not before it arrived). This
is the usual start-time estimate of process-mining tools. It is exact for a clerk who is
never idle and overestimates effort by her idle time otherwise; the comment says so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from zsa_sim.calibrate.calendar import working_minutes
from zsa_sim.calibrate.fitting import Fit, fit_duration
from zsa_sim.calibrate.table import LogTable
from zsa_sim.calibrate.waits import previous_end
from zsa_sim.engine.calendar import WorkingCalendar

#: Observations of a clerk on a weekday needed to read her hours of that weekday alone.
MIN_PER_WEEKDAY = 5


@dataclass(frozen=True)
class EffortEstimate:
    """Fitted effort of one task."""

    fit: Fit
    #: steps whose start-to-end span contained closed hours
    spanning: int
    estimated_starts: bool


def estimated_starts(table: LogTable) -> np.ndarray:
    """Start times, estimated where missing (see the module docstring)."""
    start = table.start.copy()
    missing = np.isnan(start) & ~np.isnan(table.end)
    if not missing.any():
        return start
    case_before = previous_end(table)
    clerk_before = np.full(len(table), np.nan)
    order = np.lexsort((table.end, table.resource))
    same = table.resource[order][1:] == table.resource[order][:-1]
    has_clerk = table.resource[order][1:] > 0
    idx = order[1:][same & has_clerk]
    clerk_before[idx] = table.end[order[:-1][same & has_clerk]]
    guess = np.fmax(case_before, clerk_before)
    # a first step with nothing before it (in its case or by its clerk) stays unknown
    start[missing] = np.where(
        np.isnan(guess[missing]), np.nan, np.fmin(guess[missing], table.end[missing])
    )
    return start


def active_days(table: LogTable, rows: np.ndarray) -> dict[int, set[int]]:
    """Clerk code -> the day numbers on which she began or finished a step."""
    out: dict[int, set[int]] = {}
    for t in (table.start, table.end):
        ok = rows & (table.resource > 0) & ~np.isnan(t)
        days = (t[ok] // 1440).astype(np.int64)
        for clerk, day in zip(table.resource[ok], days, strict=True):
            out.setdefault(int(clerk), set()).add(int(day))
    return out


def clerk_calendars(
    table: LogTable, rows: np.ndarray, calendar: WorkingCalendar
) -> dict[int, WorkingCalendar]:
    """Own hours of the clerks who work only part of the office day (part-timers).

    A clerk's day begins at the earliest time of day at which she is seen working (step
    starts and ends; a step that runs over days also shows she worked at its start in
    the evening and at its end in the morning), floored to a quarter hour. It ends, weekday
    by weekday, at the latest such time on that weekday plus the gap to the one before
    (the usual estimate of the upper bound of a sample: a dense end, as a busy part-timer
    leaves, gets next to nothing; a sparse one, like 10:40 and 10:50, is taken to 11:00),
    to the whole minute. Weekday by weekday, because part-time hours are a share of each
    day's hours (0.5 FTE: to 11:15 from Monday to Thursday, to 9:30 on a short Friday); a
    weekday with fewer than :data:`MIN_PER_WEEKDAY` observations takes her latest time
    over all days. (Her end as one quarter hour for all days, as before, counted a 0.3 FTE
    clerk's 9:33 as 9:45 and her Friday's 8:30 as 9:45: decisions came out 6 % too long.)
    If her day is more than half an hour shorter than the office's at either end on any
    weekday, her calendar is the office hours clipped to it: a step of hers that runs past
    her own closing time resumes in her next hours, so only those count as work.
    """
    office = [iv for ivs in calendar.weekly.values() for iv in ivs]
    if not office or calendar.always:
        return {}
    timed = rows & (table.resource > 0) & ~np.isnan(table.start) & ~np.isnan(table.end)
    epoch_weekday = table.epoch.weekday()
    out: dict[int, WorkingCalendar] = {}
    for clerk in np.unique(table.resource[timed]):
        mine = timed & (table.resource == clerk)
        if mine.sum() < 20:
            continue
        times = np.concatenate([table.start[mine], table.end[mine]])
        of_day = times % 1440
        weekday = ((times // 1440).astype(np.int64) + epoch_weekday) % 7
        lo = float(of_day.min()) // 15 * 15
        all_hi = _upper_bound(of_day)
        weekly = {}
        short = False
        for day, ivs in calendar.weekly.items():
            if not ivs:
                continue
            seen = of_day[weekday == day]
            hi = _upper_bound(seen) if len(seen) >= MIN_PER_WEEKDAY else all_hi
            if lo > ivs[0][0] + 30 or hi < ivs[-1][1] - 30:
                short = True
            clipped = tuple((max(a, lo), min(b, hi)) for a, b in ivs if min(b, hi) > max(a, lo))
            if clipped:
                weekly[day] = clipped
        if short and weekly:
            out[int(clerk)] = replace(calendar, weekly=weekly)
    return out


def _upper_bound(values: np.ndarray) -> float:
    """The latest value plus its gap to the one before, up to the whole minute."""
    top = np.sort(values)[-2:]
    gap = float(top[-1] - top[0]) if len(top) == 2 else 0.0
    return float(math.ceil(float(top[-1]) + gap - 1e-9))


def _personal(
    work: np.ndarray,
    start: np.ndarray,
    end: np.ndarray,
    clerks: np.ndarray,
    active: dict[int, set[int]],
    calendar: WorkingCalendar,
    own: dict[int, WorkingCalendar],
) -> np.ndarray:
    """Working time of steps that run over days, on the clerk's own hours and days.

    A step interrupted by closing time continues on the clerk's next working day: in a
    part-timer's own hours (``own``), and not on days she was away (leave, sickness),
    which show as open days without any step of hers.
    """
    out = work.copy()
    first_day = (start // 1440).astype(np.int64)
    last_day = (end // 1440).astype(np.int64)
    for i in np.nonzero(last_day > first_day)[0]:
        clerk = int(clerks[i])
        mine = own.get(clerk, calendar)
        if mine is not calendar:
            out[i] = mine.work_between(float(start[i]), float(end[i]))
        days = active.get(clerk, set())
        for day in range(int(first_day[i]) + 1, int(last_day[i])):
            if day not in days:
                out[i] -= mine.work_between(day * 1440.0, (day + 1) * 1440.0)
    return out


def estimate_efforts(
    table: LogTable,
    node_ids: np.ndarray,
    tasks: list[str],
    calendar: WorkingCalendar,
    rows: np.ndarray,
) -> dict[str, EffortEstimate]:
    """Fitted working time per task seen (``rows``: mask of the rows to use)."""
    guessed = np.isnan(table.start) & ~np.isnan(table.end)
    start = estimated_starts(table)
    out: dict[str, EffortEstimate] = {}
    active = active_days(table, rows)
    own = clerk_calendars(table, rows, calendar)
    for task in tasks:
        mask = rows & (node_ids == task) & ~np.isnan(start) & ~np.isnan(table.end)
        if not mask.any():
            continue
        work = working_minutes(calendar, start[mask], table.end[mask])
        work = _personal(
            work, start[mask], table.end[mask], table.resource[mask], active, calendar, own
        )
        span = table.end[mask] - start[mask]
        fit = fit_duration(work)
        if fit is None:
            continue
        out[task] = EffortEstimate(
            fit=fit,
            spanning=int(np.sum(span - work > 1e-6)),
            estimated_starts=bool(guessed[mask].any()),
        )
    return out
