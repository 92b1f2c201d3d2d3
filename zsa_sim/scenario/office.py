"""Office reality on the capacity side, in the engine's terms (issue 17).

Turns the keys of :mod:`zsa_sim.scenario.office_spec` into what the engine runs:
staff ramps into FTE timelines (minutes since the epoch), closures for all work into
closed days, overtime into calendar periods with longer days, queue specs into
:class:`~zsa_sim.engine.setup.QueueDiscipline`, other work into
:class:`~zsa_sim.engine.setup.OtherWorkSpec` streams, and closures to the public into
arrivals handed in on the first day after (:func:`defer_arrivals`). It also checks
these keys against the organisation of each variant (:func:`office_findings`), so that
``validate`` refuses what ``run`` would.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterable, Iterator
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from zsa_sim.engine.calendar import MINUTES_PER_DAY, WeeklyHours, WorkingCalendar
from zsa_sim.engine.distributions import Distribution
from zsa_sim.engine.setup import CaseArrival, CaseSource, OtherWorkSpec, QueueDiscipline
from zsa_sim.scenario.office_spec import (
    Closure,
    OtherWork,
    Overtime,
    QueueSpec,
    is_ramp,
    peak_fte,
)

if TYPE_CHECKING:
    from zsa_sim.scenario.build import Organisation
    from zsa_sim.scenario.schema import CalendarSpec, Scenario

MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY
#: Effort of one item of other work given as hours per week.
HOUR_ITEM = Distribution.fixed(60.0)


def fte_timeline(value: Any, epoch: datetime) -> tuple[tuple[float, float], ...]:
    """(minute since the epoch, FTE) from a number (empty: constant) or a ramp.

    Before the first step nobody works; a step before the epoch applies from time 0.
    """
    if not is_ramp(value):
        return ()
    first = epoch.date()
    out: list[tuple[float, float]] = [(0.0, 0.0)]
    for step in value:
        minute = max((step.since - first).days, 0) * MINUTES_PER_DAY
        if out[-1][0] == minute:
            out[-1] = (minute, float(step.fte))
        else:
            out.append((minute, float(step.fte)))
    return tuple(out)


def discipline(spec: QueueSpec | None) -> QueueDiscipline:
    """The engine's queue discipline of a pool."""
    if spec is None:
        return QueueDiscipline()
    return QueueDiscipline(
        kind=spec.discipline,
        due=spec.due,
        by=spec.by,
        ranges=tuple(spec.ranges or ()),
    )


def other_work(
    items: Iterable[OtherWork], closed_to_public: Iterable[tuple[float, float, Any]] = ()
) -> tuple[OtherWorkSpec, ...]:
    """The engine's streams of other work of a pool.

    ``hours_per_week`` h: items of ``effort`` (default one hour) every
    ``week * mean effort / h`` calendar minutes; ``per_year`` n: a Poisson stream of n
    items a year. A ``public`` stream pauses during the closures to the public.
    """
    windows = tuple((begin, end) for begin, end, _ in closed_to_public)
    out: list[OtherWorkSpec] = []
    for item in items:
        effort = item.effort.minutes() if item.effort is not None else HOUR_ITEM
        paused = windows if item.public else ()
        if item.hours_per_week is not None:
            interval = MINUTES_PER_WEEK * effort.mean / (item.hours_per_week * 60.0)
            out.append(OtherWorkSpec(item.name, effort, interval=interval, paused=paused))
        else:
            assert item.per_year is not None  # checked by the schema
            rate = item.per_year / (365.0 * MINUTES_PER_DAY)
            out.append(OtherWorkSpec(item.name, effort, rate=rate, paused=paused))
    return tuple(out)


def closed_for_work(closures: Iterable[Closure], first: date, last: date) -> frozenset[date]:
    """The days from ``first`` to ``last`` on which a closure stops all work."""
    days: set[date] = set()
    for closure in closures:
        if closure.closed_to != "all":
            continue
        day = max(closure.since, first)
        while day <= min(closure.to, last):
            days.add(day)
            day += timedelta(days=1)
    return frozenset(days)


def with_overtime(weekly: WeeklyHours, hours_per_week: float) -> WeeklyHours:
    """Office hours with ``hours_per_week`` more, spread over the working days' ends."""
    working = [d for d, iv in weekly.items() if iv]
    extra = hours_per_week * 60.0 / len(working)
    out: dict[int, tuple[tuple[float, float], ...]] = {}
    for day, intervals in weekly.items():
        if not intervals:
            out[day] = intervals
            continue
        *head, (start, end) = intervals
        out[day] = (*head, (start, min(end + extra, MINUTES_PER_DAY)))
    return out


def overtime_periods(
    overtime: Iterable[Overtime], weekly: WeeklyHours, epoch: datetime
) -> list[tuple[int, WeeklyHours]]:
    """Calendar periods for overtime ranges (day numbers since the epoch)."""
    first = epoch.date()
    periods: list[tuple[int, WeeklyHours]] = []
    last_end = -1
    for item in sorted(overtime, key=lambda o: o.since):
        begin = max((item.since - first).days, 0)
        end = (item.to - first).days + 1
        if end <= 0:
            continue
        if begin < last_end:
            raise ValueError(f"overtime periods overlap on {item.since}")
        if periods and periods[-1][0] == begin:
            periods.pop()  # the previous period ends where this one begins
        periods.append((begin, with_overtime(weekly, item.hours_per_week)))
        periods.append((end, weekly))
        last_end = end
    return periods


def office_calendar(
    spec: CalendarSpec,
    epoch: datetime,
    layout_days: int,
    extra_closures: Iterable[Closure] = (),
) -> WorkingCalendar:
    """A scenario calendar with its holidays, closures for all work and overtime."""
    first = epoch.date()
    last = first + timedelta(days=layout_days)
    closures = [*spec.closures, *extra_closures]
    weekly = spec.weekly_minutes()
    calendar = WorkingCalendar(
        epoch=epoch,
        weekly=weekly,
        closed_days=spec.closed_days(first, last) | closed_for_work(closures, first, last),
        horizon_days=layout_days,
    )
    periods = overtime_periods(spec.overtime, weekly, epoch)
    return calendar.with_periods(periods) if periods else calendar


def public_windows(
    closures: Iterable[Closure], epoch: datetime
) -> list[tuple[float, float, frozenset[str]]]:
    """(begin, end, channels) in minutes of the closures to the public."""
    first = epoch.date()
    out = []
    for closure in closures:
        if closure.closed_to == "public":
            begin = (closure.since - first).days * MINUTES_PER_DAY
            end = ((closure.to - first).days + 1) * MINUTES_PER_DAY
            if end > 0:
                out.append((max(begin, 0.0), end, frozenset(closure.channels)))
    return sorted(out, key=lambda w: w[0])


def defer_arrivals(
    source: CaseSource,
    windows: list[tuple[float, float, frozenset[str]]],
    calendar: WorkingCalendar,
) -> CaseSource:
    """Arrivals of a source, those of a closed channel handed in when the office reopens.

    An application of a listed channel arriving during a closure to the public arrives
    at the first opening time after the closure instead; the order of the others is
    kept, and the stream stays sorted by time (deferred arrivals wait in a heap).
    """
    if not windows:
        return source

    def reopening(end: float) -> float:
        return calendar.next_open(end)

    def arrivals() -> Iterator[CaseArrival]:
        held: list[tuple[float, int, CaseArrival]] = []
        for arrival in source.arrivals():
            while held and held[0][0] <= arrival.time:
                yield heapq.heappop(held)[2]
            for begin, end, channels in windows:
                if begin <= arrival.time < end and arrival.attributes.get("channel") in channels:
                    at = reopening(end)
                    held_arrival = replace(arrival, time=at)
                    heapq.heappush(held, (at, arrival.index, held_arrival))
                    break
            else:
                yield arrival
        while held:
            yield heapq.heappop(held)[2]

    return CaseSource(source.service, source.municipality, arrivals)


def office_findings(scenario: Scenario, org: Organisation) -> list[tuple[str, str]]:
    """(key path, message) for queue and other-work keys that do not fit a variant."""
    out: list[tuple[str, str]] = []
    for m_key, municipality in scenario.municipalities.items():
        for which in ("queues", "other_work"):
            for role in getattr(municipality, which):
                if f"{m_key}/{role}" not in org.pools:
                    out.append(
                        (
                            f"municipalities.{m_key}.{which}.{role}",
                            f"variant '{org.variant}': no staff of role '{role}' in {m_key}",
                        )
                    )
    for m_key, roles in scenario.variants[org.variant].queues.items():
        for role in roles:
            if f"{m_key}/{role}" not in org.pools:
                out.append(
                    (
                        f"variants.{org.variant}.queues.{m_key}.{role}",
                        f"no staff of role '{role}' in {m_key} in this variant",
                    )
                )
    if scenario.zsa is not None:
        zsa = scenario.zsa
        central = any(p.org_unit == zsa.name for p in org.pools.values())
        for which in ("queues", "other_work"):
            for team in getattr(zsa, which):
                if central and f"{zsa.name}/{team}" not in org.pools:
                    teams = ", ".join(p.role for p in org.pools.values() if p.org_unit == zsa.name)
                    out.append(
                        (
                            f"zsa.{which}.{team}",
                            f"variant '{org.variant}': no ZSA team '{team}' (teams: {teams})",
                        )
                    )
    for pool in org.pools.values():
        spec = pool.queue
        if spec is None or spec.discipline != "per_clerk":
            continue
        if pool.steps:
            out.append(
                (
                    pool.key_path,
                    f"pool '{pool.id}': per-clerk queues need constant staff (one queue per "
                    "member); state the FTE as a number",
                )
            )
            continue
        clerks = math.ceil(peak_fte(pool.fte) - 1e-9)
        if spec.ranges is not None and len(spec.ranges) != clerks:
            out.append(
                (
                    pool.key_path,
                    f"pool '{pool.id}' (variant '{org.variant}'): {clerks} clerks but "
                    f"{len(spec.ranges)} letter ranges in its per-clerk queue (one per clerk)",
                )
            )
    return out
