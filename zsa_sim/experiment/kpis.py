"""Key performance indicators of one run (one variant, one replication).

:func:`replication_kpis` turns the cases of one run
(:class:`~zsa_sim.experiment.cases.CaseColumns`, or case records) and its pool loads
into flat :class:`KpiValue` rows; statistics over replications come afterwards
(:mod:`zsa_sim.experiment.stats`, :func:`zsa_sim.experiment.comparison.aggregate`).

Decisions (see also :mod:`zsa_sim.experiment.cases` for the case times):

- **Window.** Case KPIs count the cases that *arrived* in ``[window_start, window_end)``;
  earlier arrivals are the warm-up (the system filling up from empty) and are left out.
  Cases of the initial backlog (``initial_state``) arrived before the run began
  (``arrival < 0``, which no new application can) and count as window arrivals.
  The run may go on after ``window_end`` (a cool-down), which lets late arrivals finish.
  Throughput counts decisions that fell in the window, whatever the arrival.
- **Open cases are counted, not dropped.** A window arrival still open at the end is in
  ``open_cases`` (and ``completed_cases + open_cases == arrivals``). Waiting and lead
  times are, by nature, only known for cases that reached first processing or the
  decision; cases that had not are counted in ``unstarted_cases`` and ``open_cases`` so
  a reader sees how much the time statistics are censored.
- **Stages of waiting.** ``waiting_time``: until the first step of anybody (the front
  office's scan counts); ``caseworker_wait``: until the first step of the case worker
  (the role of the decision task), what an applicant waits for; ``lead_time``: until
  the decision. Each over the window arrivals that reached that stage.
- **Units.** Times are reported in calendar days (the log's minutes / 1440); lead time
  also in working days if a ``working_days(a, b)`` counter is given
  (:func:`working_day_counter` builds one from a reference calendar), for service levels
  such as "p90 lead time <= 15 working days". Quantiles use numpy's default linear
  interpolation between order statistics (``numpy.quantile(method="linear")``).
- **Groups.** Case KPIs per (service, municipality), per service over all
  municipalities, per municipality over all services and overall; "all" marks the
  aggregate. ``pool`` is empty for case KPIs.
- **Pools.** A pool is (org_unit, role); its KPI rows have ``municipality = org_unit``
  (e.g. "ZSA" for the central unit) and ``pool = role``. Utilisation is the effort of
  work *begun* on the window's days over the pool's available working minutes on those
  days (``available_minutes``: pool -> minutes per calendar day, index 0 = the epoch's
  day, e.g. from the engine's ``PoolStats.available_minutes_by_day``, after absences;
  :func:`pool_availability` and :func:`pool_cost_rates` re-key the engine's pools).
  A day belongs to the window when its midnight lies in ``[window_start, window_end)``.
  ``staff_hours`` is that effort in hours and ``cost`` those hours times the pool's
  hourly rate (the cost of work done); ``available_hours`` and ``capacity_cost`` are
  the paid capacity, idle or not. The backlog is the effort still queued when the run
  ended, in hours, and in working days of the pool's mean daily available time on the
  window's working days ("how long without overtime to clear it"). Pool KPIs are given
  for service "all" and, where they split by service, per service (staff hours, cost,
  backlog hours).
- A KPI that does not exist in a run (a mean of no cases, a pool without availability)
  is NaN; the statistics over replications leave NaN out and report their ``n``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from typing import Literal, NamedTuple, SupportsFloat

import numpy as np
from numpy.typing import ArrayLike

from zsa_sim.engine.calendar import MINUTES_PER_DAY, WorkingCalendar
from zsa_sim.engine.setup import StaffPoolSpec
from zsa_sim.experiment.cases import CaseColumns, CaseRecord, PoolKey, PoolLoad

#: The aggregate over services or municipalities.
ALL = "all"
#: Quantile levels reported for waiting and lead times, by KPI suffix.
QUANTILES: dict[str, float] = {"median": 0.5, "p90": 0.9, "p95": 0.95}

Better = Literal["lower", "higher", "neutral"]


class KpiValue(NamedTuple):
    """One KPI of one run, for one service and municipality (or one pool)."""

    variant: str
    replication: int
    service: str
    municipality: str
    pool: str
    kpi: str
    unit: str
    value: float


class KpiInfo(NamedTuple):
    """How a KPI is named and read: short labels (for verdicts), unit, which way is good."""

    label_de: str
    label_en: str
    unit: str
    #: "lower" (is better), "higher" (is better) or "neutral" (a volume, not a goal)
    better: Better
    description: str


def _time_kpis(stem: str, de: str, en: str, unit: str, what: str) -> dict[str, KpiInfo]:
    out = {f"{stem}_mean": KpiInfo(f"{de} Mittelwert", f"{en} mean", unit, "lower", what)}
    for suffix in QUANTILES:
        label = "Median" if suffix == "median" else suffix
        out[f"{stem}_{suffix}"] = KpiInfo(
            f"{de} {label}", f"{en} {suffix}", unit, "lower", f"{what} ({suffix})"
        )
    return out


#: Every KPI id that :func:`replication_kpis` can emit, with its labels and unit.
KPI_INFO: dict[str, KpiInfo] = {
    **_time_kpis(
        "waiting_time",
        "Wartezeit",
        "waiting time",
        "days",
        "calendar days from application to the first step of any member of staff "
        "(often the front office's scan, not the case worker)",
    ),
    **_time_kpis(
        "caseworker_wait",
        "Wartezeit bis Sachbearbeitung",
        "wait until case worker",
        "days",
        "calendar days from application to the first step of the case worker (the role "
        "of the decision task's lane, in the municipality or the ZSA)",
    ),
    **_time_kpis(
        "lead_time",
        "Durchlaufzeit",
        "lead time",
        "days",
        "calendar days from application to the decision (Bescheid)",
    ),
    **_time_kpis(
        "lead_time_workdays",
        "Durchlaufzeit (Arbeitstage)",
        "lead time (working days)",
        "working_days",
        "working days from application to the decision (Bescheid)",
    ),
    "applicant_time_mean": KpiInfo(
        "Zeit beim Antragsteller Mittelwert",
        "time with applicant mean",
        "days",
        "lower",
        "calendar days a decided case spent waiting for the applicant (documents, deadlines)",
    ),
    "effort_per_case": KpiInfo(
        "Bearbeitungsaufwand je Fall",
        "effort per case",
        "hours",
        "lower",
        "working hours of staff per decided case",
    ),
    "arrivals": KpiInfo(
        "Antragseingang", "arrivals", "cases", "neutral", "cases that arrived in the window"
    ),
    "throughput": KpiInfo(
        "Durchsatz (Bescheide)",
        "throughput (decisions)",
        "cases",
        "higher",
        "decisions (Bescheide) issued in the window",
    ),
    "decided_cases": KpiInfo(
        "Zahl beschiedener Fälle",
        "decided cases",
        "cases",
        "higher",
        "window arrivals that reached the decision by the end of the run",
    ),
    "completed_cases": KpiInfo(
        "Zahl abgeschlossener Fälle",
        "completed cases",
        "cases",
        "higher",
        "window arrivals finished by the end of the run",
    ),
    "open_cases": KpiInfo(
        "Zahl offener Fälle nach dem Nachlauf",
        "open cases after the cool-down",
        "cases",
        "lower",
        "window arrivals still open when the run ended (after the cool-down, which has "
        "no new arrivals; the backlog chart counts on each day instead)",
    ),
    "unstarted_cases": KpiInfo(
        "Zahl unbearbeiteter Fälle nach dem Nachlauf",
        "unstarted cases after the cool-down",
        "cases",
        "lower",
        "window arrivals not yet touched by staff when the run ended",
    ),
    "utilisation": KpiInfo(
        "Auslastung",
        "utilisation",
        "share",
        "neutral",
        "effort of work begun in the window / available working time in the window "
        "(work begun near the window's end counts whole, so a pool busy without a pause "
        "can read slightly above 1)",
    ),
    "staff_hours": KpiInfo(
        "Arbeitszeit", "staff hours", "hours", "lower", "effort of work begun in the window"
    ),
    "available_hours": KpiInfo(
        "verfügbare Arbeitszeit",
        "available hours",
        "hours",
        "neutral",
        "working time the pool's staff were present in the window",
    ),
    "cost": KpiInfo(
        "Personalaufwand (Bearbeitung)",
        "staff cost (work done)",
        "EUR",
        "lower",
        "staff hours times the pool's hourly cost rate",
    ),
    "capacity_cost": KpiInfo(
        "Personalaufwand (Kapazität)",
        "staff cost (capacity)",
        "EUR",
        "lower",
        "available hours times the pool's hourly cost rate (paid whether busy or not)",
    ),
    "backlog_hours": KpiInfo(
        "Arbeitsrückstand am Ende",
        "backlog at end",
        "hours",
        "lower",
        "effort of work still queued when the run ended",
    ),
    "backlog_days": KpiInfo(
        "Arbeitsrückstand in Arbeitstagen",
        "backlog in working days",
        "working_days",
        "lower",
        "working days the pool needs to clear the backlog without overtime",
    ),
    "other_work_hours": KpiInfo(
        "sonstige Arbeit",
        "other work",
        "hours",
        "neutral",
        "effort of work outside the modelled process begun in the window "
        "(change notices, objections, enquiries; included in staff hours)",
    ),
    "utilisation_other_work": KpiInfo(
        "Auslastung durch sonstige Arbeit",
        "utilisation by other work",
        "share",
        "neutral",
        "other work / available working time in the window (part of the utilisation)",
    ),
}


def replication_kpis(
    cases: CaseColumns | Iterable[CaseRecord],
    pools: Iterable[PoolLoad] = (),
    *,
    variant: str,
    replication: int,
    window_start: float,
    window_end: float,
    available_minutes: Mapping[PoolKey, ArrayLike] | None = None,
    cost_per_hour: Mapping[PoolKey, float] | None = None,
    working_days: Callable[[float, float], float] | None = None,
    groups: Iterable[tuple[str, str]] = (),
    other_work_minutes: Mapping[PoolKey, ArrayLike] | None = None,
) -> list[KpiValue]:
    """All KPIs of one run (see the module docstring for the definitions).

    ``cases`` and ``pools`` must all belong to ``variant`` and ``replication``.
    ``groups`` adds (service, municipality) pairs to report even if they had no case
    in this run, so every replication yields the same rows. ``other_work_minutes``:
    pool -> effort of other work (not the modelled process) begun per calendar day; it
    counts in the pool's staff hours, cost and utilisation and is reported apart.
    """
    if not window_start < window_end:
        raise ValueError(f"window must not be empty: [{window_start}, {window_end})")
    # columns, not records: 8 bytes per case and field instead of a tuple per case
    columns = cases if isinstance(cases, CaseColumns) else CaseColumns.from_records(cases)
    loads = list(pools)
    runs = columns.runs() | {(p.variant, p.replication) for p in loads}
    for other in sorted(runs - {(variant, replication)}):
        raise ValueError(f"replication_kpis({variant!r}, {replication}) got a row of run {other!r}")
    out = _case_kpis(columns, window_start, window_end, working_days, groups)
    out += _pool_kpis(
        loads,
        window_start,
        window_end,
        available_minutes or {},
        cost_per_hour or {},
        other_work_minutes or {},
    )
    return [KpiValue(variant, replication, *row) for row in out]


_Row = tuple[str, str, str, str, str, float]


def _case_kpis(
    cases: CaseColumns,
    window_start: float,
    window_end: float,
    working_days: Callable[[float, float], float] | None,
    extra_groups: Iterable[tuple[str, str]],
) -> list[_Row]:
    c = {
        name: cases.column(name)
        for name in ("arrival", "first_start", "decision", "is_open", "applicant_time",
                     "effort_minutes", "caseworker_start")
    }  # fmt: skip
    # groups by codes, not object columns of names: 4 bytes a case and integer
    # comparisons (a state-wide run has ~1,000 groups over a million cases; issue 19)
    service_code, services = cases.codes("service")
    municipality_code, municipalities = cases.codes("municipality")
    n, width = len(cases), len(municipalities)
    pair_type = np.int32 if len(services) * width < 2**31 else np.int64
    pair_code = service_code.astype(pair_type) * width + municipality_code
    counts = [np.bincount(codes, minlength=size) for codes, size in (
        (pair_code, len(services) * width), (service_code, len(services)),
        (municipality_code, width))]  # fmt: skip
    pairs = {(services[k // width], municipalities[k % width])
             for k in np.flatnonzero(counts[0]).tolist()}  # fmt: skip
    pairs |= set(extra_groups)
    keys = set(pairs)
    for service, municipality in pairs:
        keys |= {(service, ALL), (ALL, municipality), (ALL, ALL)}
    lead_work = None
    if working_days is not None:  # one call per decided case, whatever its groups
        lead_work = np.full(n, np.nan)
        arrival, decision = c["arrival"], c["decision"]
        for i in np.flatnonzero(_arrived(arrival, window_start, window_end)
                                & ~np.isnan(decision)):  # fmt: skip
            lead_work[i] = working_days(arrival[i], decision[i])
    # Each group's cases are taken by their positions (in case order, from a stable
    # sort by the group's code), so a group costs its own size, not a pass and a few
    # temporaries over every case of the run: with ~2,000 groups over a million cases
    # that was most of the KPIs' time and memory (issue 19). The selected values, and
    # their order, are those of a mask over all cases: the KPIs are identical.
    rows: dict[tuple[str, str], list[_Row]] = {}
    service_of = {name: k for k, name in enumerate(services)}
    municipality_of = {name: k for k, name in enumerate(municipalities)}
    # per key: which code column groups it (0 pair, 1 service, 2 municipality) and its
    # code there (-1: a group without cases, e.g. of extra_groups)
    located: list[list[tuple[tuple[str, str], int]]] = [[], [], []]
    for key in keys:
        service, municipality = key
        if service != ALL and municipality != ALL:
            known = service in service_of and municipality in municipality_of
            code = service_of[service] * width + municipality_of[municipality] if known else -1
            located[0].append((key, code))
        elif service != ALL:
            located[1].append((key, service_of.get(service, -1)))
        elif municipality != ALL:
            located[2].append((key, municipality_of.get(municipality, -1)))
    window = (window_start, window_end)
    code_columns = [pair_code, service_code, municipality_code]
    del pair_code, service_code, municipality_code
    for count, wanted in zip(counts, located, strict=True):
        order = np.argsort(code_columns.pop(0), kind="stable")  # dropped when sorted
        bounds = np.concatenate([[0], np.cumsum(count)]).tolist()
        for key, code in wanted:
            lo, hi = (bounds[code], bounds[code + 1]) if code >= 0 else (0, 0)
            rows[key] = _group_kpis(key, c, order[lo:hi], lead_work, *window)
        del order
    if (ALL, ALL) in keys:  # every case: a view, no positions needed
        rows[ALL, ALL] = _group_kpis((ALL, ALL), c, slice(None), lead_work, *window)
    return [row for key in sorted(keys) for row in rows[key]]


def _arrived(arrival: np.ndarray, window_start: float, window_end: float) -> np.ndarray:
    """Which cases arrived in the window (or before the run: the initial backlog)."""
    return ((arrival >= window_start) | (arrival < 0)) & (arrival < window_end)


def _group_kpis(
    key: tuple[str, str],
    c: Mapping[str, np.ndarray],
    members: np.ndarray | slice,
    lead_work: np.ndarray | None,
    window_start: float,
    window_end: float,
) -> list[_Row]:
    """The case KPIs of one group, ``members`` its cases' positions in case order.

    A group's column is copied out when its KPIs need it and dropped after, so a large
    group (a service over all municipalities) holds two or three of its columns at a
    time, not all of them.
    """
    arrival = c["arrival"][members]
    arrived = _arrived(arrival, window_start, window_end)
    is_open = c["is_open"][members]
    counts = {
        "arrivals": np.count_nonzero(arrived),
        "completed_cases": np.count_nonzero(arrived & ~is_open),
        "open_cases": np.count_nonzero(arrived & is_open),
    }
    del is_open
    times: dict[str, dict[str, float]] = {}
    later = c["first_start"][members]
    not_started = np.isnan(later)
    counts["unstarted_cases"] = np.count_nonzero(arrived & not_started)
    times["waiting_time"] = _describe(_days(later, arrival, arrived & ~not_started))
    del not_started
    later = c["decision"][members]
    decided = arrived & ~np.isnan(later)
    counts["decided_cases"] = np.count_nonzero(decided)
    counts["throughput"] = np.count_nonzero((later >= window_start) & (later < window_end))
    times["lead_time"] = _describe(_days(later, arrival, decided))
    later = c["caseworker_start"][members]
    times["caseworker_wait"] = _describe(_days(later, arrival, arrived & ~np.isnan(later)))
    del later, arrival, arrived
    if lead_work is not None:
        times["lead_time_workdays"] = _describe(lead_work[members][decided])
    applicant = c["applicant_time"][members][decided]
    applicant /= MINUTES_PER_DAY
    effort = c["effort_minutes"][members][decided]
    effort /= 60
    service, municipality = key
    out: list[_Row] = []

    def add(kpi: str, value: SupportsFloat) -> None:
        out.append((service, municipality, "", kpi, KPI_INFO[kpi].unit, float(value)))

    for kpi, count in counts.items():
        add(kpi, count)
    for stem in ("waiting_time", "caseworker_wait", "lead_time", "lead_time_workdays"):
        for kpi, value in times.get(stem, {}).items():
            add(f"{stem}_{kpi}", value)
    add("applicant_time_mean", _mean(applicant))
    add("effort_per_case", _mean(effort))
    return out


def _days(later: np.ndarray, earlier: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """``(later - earlier) / MINUTES_PER_DAY`` where ``mask``: element by element the
    arithmetic of whole columns (so the same values), in one temporary of the result."""
    out = later[mask]
    out -= earlier[mask]
    out /= MINUTES_PER_DAY
    return out


def _describe(values: np.ndarray) -> dict[str, float]:
    out = {"mean": _mean(values)}
    for suffix, q in QUANTILES.items():
        out[suffix] = float(np.quantile(values, q)) if len(values) else math.nan
    return out


def _mean(values: np.ndarray) -> float:
    return float(values.mean()) if len(values) else math.nan


def _pool_kpis(
    loads: list[PoolLoad],
    window_start: float,
    window_end: float,
    available: Mapping[PoolKey, ArrayLike],
    cost_per_hour: Mapping[PoolKey, float],
    other_work: Mapping[PoolKey, ArrayLike],
) -> list[_Row]:
    first_day = math.ceil(window_start / MINUTES_PER_DAY)
    last_day = math.ceil(window_end / MINUTES_PER_DAY)  # exclusive

    def window_sum(by_day: np.ndarray) -> float:
        return float(np.sum(by_day[first_day:last_day]))

    busy: dict[PoolKey, dict[str, float]] = {}
    queued: dict[PoolKey, dict[str, float]] = {}
    for load in loads:
        busy.setdefault(load.pool, {})[load.service] = window_sum(load.busy_by_day)
        queued.setdefault(load.pool, {})[load.service] = load.queued_minutes
    out: list[_Row] = []
    for pool in sorted(set(busy) | set(available)):
        org_unit, role = pool
        rate = cost_per_hour.get(pool, math.nan)

        def add(kpi: str, value: float, service: str = ALL, o: str = org_unit, r: str = role):
            out.append((service, o, r, kpi, KPI_INFO[kpi].unit, float(value)))

        for service in sorted(busy.get(pool, {})):
            hours = busy[pool][service] / 60
            add("staff_hours", hours, service)
            add("cost", hours * rate, service)
            add("backlog_hours", queued[pool][service] / 60, service)
        other_hours = 0.0
        if pool in other_work:
            other_hours = window_sum(np.asarray(other_work[pool], dtype=float)) / 60
        staff_hours = sum(busy.get(pool, {}).values()) / 60 + other_hours
        backlog_hours = sum(queued.get(pool, {}).values()) / 60
        add("staff_hours", staff_hours)
        add("cost", staff_hours * rate)
        add("backlog_hours", backlog_hours)
        if pool in available:
            days = np.asarray(available[pool], dtype=float)[first_day:last_day]
            available_hours = float(days.sum()) / 60
            working = days[days > 0]
            daily_hours = float(working.mean()) / 60 if len(working) else math.nan
        else:
            available_hours = daily_hours = math.nan
        add("available_hours", available_hours)
        add("capacity_cost", available_hours * rate)
        add("utilisation", staff_hours / available_hours if available_hours > 0 else math.nan)
        add("other_work_hours", other_hours)
        add(
            "utilisation_other_work",
            other_hours / available_hours if available_hours > 0 else math.nan,
        )
        add("backlog_days", backlog_hours / daily_hours if daily_hours > 0 else math.nan)
    return out


def pool_availability(
    specs: Mapping[str, StaffPoolSpec], minutes_by_pool_id: Mapping[str, ArrayLike]
) -> dict[PoolKey, np.ndarray]:
    """Available minutes per day keyed by (org_unit, role), from the engine's pool ids.

    The log knows pools only by (org_unit, role); should two pools share that key,
    their minutes are added (arrays of unequal length are padded with zeros).
    """
    out: dict[PoolKey, np.ndarray] = {}
    for pool_id, minutes in minutes_by_pool_id.items():
        spec = specs[pool_id]
        key = (spec.org_unit, spec.role)
        days = np.asarray(minutes, dtype=float)
        if key in out:
            total = np.zeros(max(len(out[key]), len(days)))
            total[: len(out[key])] += out[key]
            total[: len(days)] += days
            days = total
        out[key] = days
    return out


def pool_cost_rates(specs: Mapping[str, StaffPoolSpec]) -> dict[PoolKey, float]:
    """Hourly cost rate per (org_unit, role); FTE-weighted if two pools share the key."""
    fte: dict[PoolKey, float] = {}
    cost: dict[PoolKey, float] = {}
    for spec in specs.values():
        key = (spec.org_unit, spec.role)
        fte[key] = fte.get(key, 0.0) + spec.fte
        cost[key] = cost.get(key, 0.0) + spec.fte * spec.cost_per_hour
    return {key: cost[key] / fte[key] if fte[key] > 0 else math.nan for key in fte}


def working_day_counter(calendar: WorkingCalendar) -> Callable[[float, float], float]:
    """Count working days between two simulation times with a reference calendar.

    ``counter(a, b)`` is the number of calendar days after the day of ``a`` up to and
    including the day of ``b`` that have office hours (weekends and public holidays do
    not count): an application on Monday decided on the next Monday took 5 working days,
    one decided the same day 0. This is how a service level such as "decision within 15
    working days" is usually counted.
    """
    working: list[int] = []  # cumulative working days, working[d] = days 0..d-1
    weekly: list[int] = []  # working weekday by day % 7 (0 = the epoch's weekday)

    def cumulative(day: int) -> int:
        if day < 0:
            # before the epoch (an initial backlog's application date) the calendar is
            # not laid out: count its weekly pattern (a weekday that works in any of the
            # first three weeks), holidays unknown; minus the working days in [day, 0)
            if not weekly:
                weekly.extend(
                    int(any(
                        calendar.work_between((d + 7 * k) * MINUTES_PER_DAY,
                                              (d + 7 * k + 1) * MINUTES_PER_DAY) > 0
                        for k in range(3)
                    ))
                    for d in range(7)
                )  # fmt: skip
            weeks, rest = divmod(-day, 7)
            return -(weeks * sum(weekly) + sum(weekly[(day + i) % 7] for i in range(rest)))
        if not working:
            working.append(0)
        while len(working) <= day:
            d = len(working) - 1
            is_working = calendar.work_between(d * MINUTES_PER_DAY, (d + 1) * MINUTES_PER_DAY) > 0
            working.append(working[-1] + int(is_working))
        return working[day]

    def counter(a: float, b: float) -> float:
        if math.isnan(a) or math.isnan(b):
            return math.nan
        if b < a:
            raise ValueError(f"working days from {a} to an earlier time {b}")
        day_a = int(a // MINUTES_PER_DAY)
        day_b = int(b // MINUTES_PER_DAY)
        return float(cumulative(day_b + 1) - cumulative(day_a + 1))

    return counter
