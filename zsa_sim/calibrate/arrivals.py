"""Demand: how many applications arrive, per month, weekday and hour.

A case arrives at its first time in the log (the start event's row in zsa-sim's own
logs, otherwise the first step's start or end). Arrivals are counted per organisation
and calendar month. A month at either end of the log that is only partly covered is
scaled up by the share of its days covered (from the first to the last arrival), so
that logs starting mid-month still give a fair rate.

Seasonality is the 12 monthly counts (averaged over the years seen) divided by their
mean, as the engine reads it (month m gets factor_m / 12 of the year's volume); a month
never seen gets the mean (factor 1) and a TODO. The yearly volume is the sum of the 12.
"""

from __future__ import annotations

import calendar as pycalendar
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np

from zsa_sim.calibrate.table import LogTable
from zsa_sim.engine.calendar import WorkingCalendar


@dataclass(frozen=True)
class Demand:
    """Arrivals estimated from the log."""

    #: organisation -> estimated applications per year
    yearly: dict[str, float]
    #: organisation -> arrivals counted in the log
    counted: dict[str, int]
    #: 12 factors averaging 1 (Jan..Dec); months not observed are 1
    seasonality: list[float]
    months_seen: list[int]
    #: (year, month) -> arrivals (all organisations), as counted
    monthly: dict[tuple[int, int], int]
    #: share of arrivals per weekday (Mon..Sun) and per hour (0..23)
    weekday_share: list[float]
    hour_share: list[float]
    first: datetime
    last: datetime
    #: case code -> arrival minute
    arrival: np.ndarray = field(repr=False, default_factory=lambda: np.zeros(0))


def case_arrivals(table: LogTable) -> np.ndarray:
    """The first time of every case (minutes; NaN for a case without rows)."""
    first = np.full(table.n_cases, np.inf)
    t = np.where(np.isnan(table.start), table.end, table.start)
    t = np.where(np.isnan(t), np.inf, t)
    np.minimum.at(first, table.case, t)
    first[np.isinf(first)] = np.nan
    return first


def case_orgs(table: LogTable) -> np.ndarray:
    """The organisation of every case: the org of its first row with one."""
    org = np.zeros(table.n_cases, dtype=np.int32)
    has = table.org > 0
    # later rows first so that the first row with an org wins the assignment
    idx = np.nonzero(has)[0][::-1]
    org[table.case[idx]] = table.org[idx]
    return org


def estimate_demand(table: LogTable) -> Demand:
    """Monthly, weekday and hour profile of arrivals (see the module docstring)."""
    arrival = case_arrivals(table)
    orgs = case_orgs(table)
    ok = ~np.isnan(arrival)
    arrival_ok, orgs_ok = arrival[ok], orgs[ok]
    first_t, last_t = float(arrival_ok.min()), float(arrival_ok.max())
    first, last = table.to_datetime(first_t), table.to_datetime(last_t)
    days = np.floor(arrival_ok / 1440).astype(int)
    day0 = table.epoch.date()
    dates = [day0 + timedelta(days=int(d)) for d in range(days.min(), days.max() + 1)]
    day_index = {int(d): i for i, d in enumerate(range(days.min(), days.max() + 1))}
    per_day = np.bincount([day_index[int(d)] for d in days], minlength=len(dates))
    covered: dict[tuple[int, int], int] = {}
    counts: dict[tuple[int, int], int] = {}
    for d, n in zip(dates, per_day, strict=True):
        key = (d.year, d.month)
        covered[key] = covered.get(key, 0) + 1
        counts[key] = counts.get(key, 0) + int(n)
    rate_sum = np.zeros(12)
    rate_n = np.zeros(12)
    for (year, month), n in counts.items():
        # the month's count, scaled up when the log covers only part of it
        rate_sum[month - 1] += n * pycalendar.monthrange(year, month)[1] / covered[(year, month)]
        rate_n[month - 1] += 1
    seen = rate_n > 0
    rate = np.where(seen, rate_sum / np.maximum(rate_n, 1), np.nan)
    mean_rate = float(np.nanmean(rate))
    rate = np.where(seen, rate, mean_rate)
    yearly_total = float(np.sum(rate))
    seasonality = [float(r / rate.mean()) for r in rate]
    counted = {table.org_names[o]: int(np.sum(orgs_ok == o)) for o in np.unique(orgs_ok)}
    total = sum(counted.values())
    yearly = {org: yearly_total * n / total for org, n in counted.items()}
    minute_of_day = arrival_ok % 1440
    weekday = (table.epoch.weekday() + days) % 7
    weekday_share = np.bincount(weekday, minlength=7) / len(days)
    hour_share = np.bincount((minute_of_day // 60).astype(int), minlength=24) / len(days)
    return Demand(
        yearly=yearly,
        counted=counted,
        seasonality=seasonality,
        months_seen=[m + 1 for m in range(12) if seen[m]],
        monthly=counts,
        weekday_share=[float(x) for x in weekday_share],
        hour_share=[float(x) for x in hour_share],
        first=first,
        last=last,
        arrival=arrival,
    )


#: share of a channel's arrivals inside office hours above which it is ``office_hours``
OFFICE_SHARE = 0.98


def arrival_profiles(
    table: LogTable, arrival: np.ndarray, calendar: WorkingCalendar, cases: np.ndarray
) -> dict[str, tuple[object, int, float]]:
    """Channel -> (profile, cases, share inside office hours) as a scenario writes it.

    A channel whose arrivals (nearly) all fall into the office hours is ``office_hours``
    (paper opened, counter visits); otherwise a weekly profile: weekday weights and 24
    hour weights, each the arrivals counted there divided by their mean (hours of a day
    without any arrival get a small weight, the profile must allow every hour it saw).
    Without a channel attribute all cases form one channel, ``paper``.
    """
    channels = table.attributes.get("channel") or table.attributes.get("Kanal") or {}
    groups: dict[str, list[float]] = {}
    for code in cases:
        t = arrival[code]
        if t == t:
            groups.setdefault(channels.get(int(code), "") or "paper", []).append(float(t))
    out: dict[str, tuple[object, int, float]] = {}
    weekday0 = table.epoch.weekday()
    for channel, times in sorted(groups.items()):
        t = np.array(times)
        inside = float(np.mean([calendar.is_open(x) for x in t]))
        if inside >= OFFICE_SHARE:
            out[channel] = ("office_hours", len(t), inside)
            continue
        day = (t // 1440).astype(int)
        weekday = np.bincount((weekday0 + day) % 7, minlength=7).astype(float)
        hour = np.bincount(((t % 1440) // 60).astype(int), minlength=24).astype(float)
        weekday = weekday / weekday.mean()
        hour = np.maximum(hour / hour.mean(), 0.0)
        keys = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
        profile = {
            "weekdays": {k: round(float(w), 3) for k, w in zip(keys, weekday, strict=True)},
            "hours": [round(float(h), 3) for h in hour],
        }
        out[channel] = (profile, len(t), inside)
    return out
