"""Task effort as working time, from the start and end times of the log.

Effort in a scenario is working time, so a step's effort is the working time between
its start and its end under the office calendar: closed hours (evenings, weekends,
public holidays, lunch breaks) are subtracted. This holds when a clerk works at full
speed while on duty, which is how zsa-sim models staff, part-timers included (they work
fewer hours, not slower): the working time in the log then equals the effort. Steps of a
part-timer that span her own off-duty hours inside the office hours are overestimated by
those hours; the comment beside each effort says how many steps spanned a closing time.
A step that spans open days on which its clerk did nothing else (her leave or sickness:
the engine continues the step on her next working day) has those days taken out too.

Where the log has only end times, a step's start is estimated as the later of the end of
the case's previous step and the end of the same clerk's previous step (the clerk cannot
have begun before finishing what she did before; the case not before it arrived). This
is the usual start-time estimate of process-mining tools. It is exact for a clerk who is
never idle and overestimates effort by her idle time otherwise; the comment says so.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from zsa_sim.calibrate.calendar import working_minutes
from zsa_sim.calibrate.fitting import Fit, fit_duration
from zsa_sim.calibrate.table import LogTable
from zsa_sim.calibrate.waits import previous_end
from zsa_sim.engine.calendar import WorkingCalendar


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
    start[missing] = np.fmin(guess[missing], table.end[missing])
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


def _minus_absences(
    work: np.ndarray,
    start: np.ndarray,
    end: np.ndarray,
    clerks: np.ndarray,
    active: dict[int, set[int]],
    calendar: WorkingCalendar,
) -> np.ndarray:
    """Take out the open days between start and end on which the clerk did nothing.

    A step interrupted by closing time continues on the clerk's next working day; if
    she was away in between (leave, sickness), that day's office hours were no work on
    the step. Her absence shows as an open day without any step of hers.
    """
    out = work.copy()
    first_day = (start // 1440).astype(np.int64)
    last_day = (end // 1440).astype(np.int64)
    for i in np.nonzero(last_day - first_day > 1)[0]:
        days = active.get(int(clerks[i]), set())
        for day in range(int(first_day[i]) + 1, int(last_day[i])):
            if day not in days:
                out[i] -= calendar.work_between(day * 1440.0, (day + 1) * 1440.0)
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
    for task in tasks:
        mask = rows & (node_ids == task) & ~np.isnan(start) & ~np.isnan(table.end)
        if not mask.any():
            continue
        work = working_minutes(calendar, start[mask], table.end[mask])
        work = _minus_absences(
            work, start[mask], table.end[mask], table.resource[mask], active, calendar
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
