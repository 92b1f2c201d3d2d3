"""Staff per organisation and role, in FTE, from the clerks the log shows.

Each clerk (pseudonymous resource id) is counted for the role of the tasks she did (the
log's role column, else the task's lane role in the BPMN). Her FTE is the share of the
office day she is seen working: on each of her working dates, the span from her first
start to her last end, against the office minutes of that weekday; the 90th percentile
over her dates, capped at 1 and rounded to a tenth (a full-timer's busy days reach
closing time; a part-timer's end earlier). Under light load a clerk's busy span is
shorter than her presence, so the figure is a lower bound there; the comment says so.
A part-timer whose own hours the log shows (:func:`zsa_sim.calibrate.effort.clerk_calendars`)
gets those hours' share of the office week, rounded to a tenth: her busy span cannot
serve, because a step she leaves at her closing time ends on a later day, which would
stretch her day to the office's end (every 0.3 FTE clerk came out as 1.0).

Absence: the share of open dates, between a clerk's first and last date, on which she
did nothing; with enough work per day that is her leave and sickness. The median over
clerks is proposed as the organisation's ``absence_rate``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from zsa_sim.calibrate.effort import clerk_calendars
from zsa_sim.engine.calendar import WorkingCalendar


@dataclass
class StaffEstimate:
    """FTE per (organisation, role) and what they were estimated from."""

    #: (org, role) -> FTE
    fte: dict[tuple[str, str], float] = field(default_factory=dict)
    #: (org, role) -> clerks seen
    clerks: dict[tuple[str, str], int] = field(default_factory=dict)
    #: org -> median absence share
    absence: dict[str, float] = field(default_factory=dict)
    #: org -> clerks over whom the absence was taken
    absence_n: dict[str, int] = field(default_factory=dict)


def estimate_staff(
    table,
    rows: np.ndarray,
    role_of_row: np.ndarray,
    org_of_row: np.ndarray,
    calendar: WorkingCalendar,
) -> StaffEstimate:
    """Clerks and FTE per organisation and role (see the module docstring)."""
    estimate = StaffEstimate()
    mask = rows & (table.resource > 0) & ~np.isnan(table.start) & ~np.isnan(table.end)
    idx = np.nonzero(mask)[0]
    if not len(idx):
        return estimate
    by_clerk: dict[int, list[int]] = defaultdict(list)
    for i in idx:
        by_clerk[int(table.resource[i])].append(int(i))
    open_by_weekday = {w: sum(b - a for a, b in calendar.weekly.get(w, ())) for w in range(7)}
    own = clerk_calendars(table, rows, calendar)
    office_week = sum(open_by_weekday.values())
    epoch_weekday = table.epoch.weekday()
    absences: dict[str, list[float]] = defaultdict(list)
    per_group: dict[tuple[str, str], list[float]] = defaultdict(list)
    for _clerk, clerk_rows in by_clerk.items():
        r = np.array(clerk_rows)
        roles = [str(x) for x in role_of_row[r] if x]
        orgs = [str(x) for x in org_of_row[r] if x]
        role = max(set(roles), key=roles.count) if roles else ""
        org = max(set(orgs), key=orgs.count) if orgs else ""
        day = (table.start[r] // 1440).astype(int)
        first: dict[int, float] = {}
        last: dict[int, float] = {}
        for d, a, b in zip(day, table.start[r], table.end[r], strict=True):
            first[d] = min(first.get(d, a), a)
            # a step running past closing time ends on a later day: cap at the day's end
            last[d] = max(last.get(d, b), min(b, (d + 1) * 1440.0))
        shares = []
        for d in first:
            open_minutes = open_by_weekday[(epoch_weekday + d) % 7]
            if open_minutes > 0:
                shares.append(min(1.0, (last[d] - first[d]) / open_minutes))
        fte = 1.0 if not shares else min(1.0, round(float(np.percentile(shares, 90)) + 0.049, 1))
        if _clerk in own and office_week > 0:
            week = sum(b - a for ivs in own[_clerk].weekly.values() for a, b in ivs)
            fte = min(1.0, round(week / office_week, 1))
        per_group[(org, role)].append(max(fte, 0.1))
        worked = set(first)
        open_dates = [
            d
            for d in range(min(worked), max(worked) + 1)
            if calendar.work_between(d * 1440.0, (d + 1) * 1440.0) > 0
        ]
        if len(open_dates) >= 20:
            absences[org].append(1.0 - len(worked & set(open_dates)) / len(open_dates))
    for key, ftes in per_group.items():
        estimate.fte[key] = round(sum(ftes), 1)
        estimate.clerks[key] = len(ftes)
    for org, shares in absences.items():
        estimate.absence[org] = float(np.median(shares))
        estimate.absence_n[org] = len(shares)
    return estimate
