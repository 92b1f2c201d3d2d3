"""KPIs of one run from a hand-made event log, against hand-computed values.

The log (one variant, one replication, times at noon so that differences are whole days):

==========  ========  ===========  ========  ===============================
case        arrival   first start  decision  note
==========  ========  ===========  ========  ===============================
w0          day 5     day 6        day 12    warm-up arrival, decided in window
c1          day 10    day 11       day 12    waiting 1, lead 2
c2          day 11    day 13       day 15    waiting 2, lead 4, 1 day applicant
c3          day 12    day 15       day 18    waiting 3, lead 6
c4          day 13    day 17       day 21    waiting 4, lead 8
o1          day 38    –            –         first task queued at the end
o2          day 39    –            –         first task queued at the end
late        day 41    day 41       day 42    after the window: not counted
==========  ========  ===========  ========  ===============================

Window: [day 10, day 40). Every case has a front-office task of 60 minutes (begun at
first start) and a clerk's decision task of 120 minutes (begun two hours before the
decision). Quantiles use numpy's linear interpolation: p90 of [1, 2, 3, 4] is
1 + 0.9 * 3 = 3.7 (position 2.7 between 3 and 4), p95 is 3.85.
"""

from __future__ import annotations

import math
from datetime import date, datetime

import numpy as np
import pytest

from zsa_sim.engine.calendar import WorkingCalendar
from zsa_sim.engine.setup import StaffPoolSpec
from zsa_sim.eventlog.schema import ActivityRecord
from zsa_sim.experiment.cases import CaseTable
from zsa_sim.experiment.kpis import (
    ALL,
    KPI_INFO,
    KpiValue,
    pool_availability,
    pool_cost_rates,
    replication_kpis,
    working_day_counter,
)

NAN = math.nan
DAY = 1440.0
NOON = 720.0
WINDOW = (10 * DAY, 40 * DAY)
FRONT = ("Halle", "front_office")
CLERK = ("Halle", "tax_clerk")


def row(case, activity, kind, enabled, start, complete, effort=0.0, pool=("", ""), **kw):
    fields = {
        "case_id": case,
        "service": "hund",
        "municipality": "Halle",
        "variant": "dezentral",
        "replication": 0,
        "activity_id": activity,
        "activity_name": activity,
        "activity_type": kind,
        "lane": "",
        "role": pool[1],
        "org_unit": pool[0],
        "resource": "someone" if pool[0] and start == start else "",
        "enabled": enabled,
        "start": start,
        "complete": complete,
        "effort": effort,
        "attributes": (),
    }
    fields.update(kw)
    return ActivityRecord(**fields)


def case_rows(case, arrival_day, first_day=None, decision_day=None, wait_days=0.0, **kw):
    """Rows of one case; days at noon; None = that step had not begun when the run ended."""
    t0 = arrival_day * DAY + NOON
    rows = [row(case, "Start", "startEvent", t0, t0, t0, **kw)]
    if first_day is None:
        rows.append(row(case, "T_Erfassen", "userTask", t0, NAN, NAN, 60, FRONT, **kw))
        return rows
    t1 = first_day * DAY + NOON
    rows.append(row(case, "T_Erfassen", "userTask", t0, t1, t1 + 60, 60, FRONT, **kw))
    if wait_days:
        rows.append(
            row(case, "E_Docs", "intermediateCatchEvent", t1 + 60, NAN, t1 + 60 + wait_days * DAY)
        )
    t2 = decision_day * DAY + NOON
    rows.append(row(case, "T_Bescheid", "userTask", t1 + 60, t2 - 120, t2, 120, CLERK, **kw))
    rows.append(row(case, "End", "endEvent", t2, t2, t2, **kw))
    return rows


def log() -> list[ActivityRecord]:
    rows = [
        *case_rows("w0", 5, 6, 12),
        *case_rows("c1", 10, 11, 12),
        *case_rows("c2", 11, 13, 15, wait_days=1),
        *case_rows("c3", 12, 15, 18),
        *case_rows("c4", 13, 17, 21),
        *case_rows("o1", 38),
        *case_rows("o2", 39),
        *case_rows("late", 41, 41, 42),
    ]
    rows.sort(key=lambda r: (math.isnan(r.complete), r.complete))
    return rows


def available() -> dict:
    days = np.arange(50)
    front = np.where(days % 7 < 5, 480.0, 0.0)  # 8 hours on 5 of 7 days
    clerk = np.full(50, 240.0)
    return {FRONT: front, CLERK: clerk}


def kpis(**kw) -> dict[tuple[str, str, str, str], float]:
    table = CaseTable({"hund": "T_Bescheid"})
    for r in log():
        table.record(r)
    args = {
        "variant": "dezentral",
        "replication": 0,
        "window_start": WINDOW[0],
        "window_end": WINDOW[1],
        "available_minutes": available(),
        "cost_per_hour": {FRONT: 50.0, CLERK: 60.0},
    }
    args.update(kw)
    rows = replication_kpis(table.records(), table.pool_loads(), **args)
    assert all(isinstance(r, KpiValue) for r in rows)
    out = {(r.service, r.municipality, r.pool, r.kpi): r.value for r in rows}
    assert len(out) == len(rows), "a KPI row key appears twice"
    return out


def case_kpi(values, kpi, service="hund", municipality="Halle"):
    return values[(service, municipality, "", kpi)]


def test_waiting_time_statistics_in_days() -> None:
    v = kpis()
    assert case_kpi(v, "waiting_time_mean") == pytest.approx(2.5)
    assert case_kpi(v, "waiting_time_median") == pytest.approx(2.5)
    assert case_kpi(v, "waiting_time_p90") == pytest.approx(3.7)
    assert case_kpi(v, "waiting_time_p95") == pytest.approx(3.85)


def test_lead_time_statistics_exclude_warm_up_and_late_arrivals() -> None:
    v = kpis()
    # [2, 4, 6, 8]; with w0 (lead 7) the mean would be 5.4, with "late" (1) 4.2
    assert case_kpi(v, "lead_time_mean") == pytest.approx(5.0)
    assert case_kpi(v, "lead_time_median") == pytest.approx(5.0)
    assert case_kpi(v, "lead_time_p90") == pytest.approx(7.4)
    assert case_kpi(v, "lead_time_p95") == pytest.approx(7.7)
    assert ("hund", "Halle", "", "lead_time_workdays_p90") not in v


def test_lead_time_in_working_days_uses_the_given_counter() -> None:
    v = kpis(working_days=lambda a, b: (b - a) / DAY / 2)
    assert case_kpi(v, "lead_time_workdays_mean") == pytest.approx(2.5)
    assert case_kpi(v, "lead_time_workdays_p90") == pytest.approx(3.7)


def test_case_counts_keep_open_cases_visible() -> None:
    v = kpis()
    assert case_kpi(v, "arrivals") == 6
    assert case_kpi(v, "completed_cases") == 4
    assert case_kpi(v, "open_cases") == 2
    assert case_kpi(v, "unstarted_cases") == 2
    assert case_kpi(v, "decided_cases") == 4
    assert case_kpi(v, "completed_cases") + case_kpi(v, "open_cases") == case_kpi(v, "arrivals")
    # decisions on days 12 (w0 and c1), 15, 18, 21 fall in the window; day 42 does not
    assert case_kpi(v, "throughput") == 5


def test_applicant_time_and_effort_per_decided_case() -> None:
    v = kpis()
    assert case_kpi(v, "applicant_time_mean") == pytest.approx(0.25)
    assert case_kpi(v, "effort_per_case") == pytest.approx(3.0)


def test_pool_utilisation_hours_cost_and_backlog() -> None:
    v = kpis()
    # front office: c1..c4 began on days 11, 13, 15, 17 (w0 on day 6, late on 41: outside)
    assert v[(ALL, "Halle", "front_office", "staff_hours")] == pytest.approx(4.0)
    # days 10..39 with d % 7 < 5: 4 whole weeks (20) + days 38, 39 = 22 days of 8 hours
    assert v[(ALL, "Halle", "front_office", "available_hours")] == pytest.approx(176.0)
    assert v[(ALL, "Halle", "front_office", "utilisation")] == pytest.approx(4 / 176)
    assert v[(ALL, "Halle", "front_office", "cost")] == pytest.approx(200.0)
    assert v[(ALL, "Halle", "front_office", "capacity_cost")] == pytest.approx(8800.0)
    # o1 and o2 each left 60 queued minutes; 8 available hours per working day
    assert v[(ALL, "Halle", "front_office", "backlog_hours")] == pytest.approx(2.0)
    assert v[(ALL, "Halle", "front_office", "backlog_days")] == pytest.approx(0.25)
    # clerk: decision tasks of w0, c1..c4 begun in the window, 2 hours each; 4 h x 30 days
    assert v[(ALL, "Halle", "tax_clerk", "staff_hours")] == pytest.approx(10.0)
    assert v[(ALL, "Halle", "tax_clerk", "utilisation")] == pytest.approx(10 / 120)
    assert v[(ALL, "Halle", "tax_clerk", "cost")] == pytest.approx(600.0)
    assert v[(ALL, "Halle", "tax_clerk", "backlog_days")] == 0.0
    # per service, where it splits
    assert v[("hund", "Halle", "front_office", "staff_hours")] == pytest.approx(4.0)
    assert v[("hund", "Halle", "front_office", "backlog_hours")] == pytest.approx(2.0)
    assert ("hund", "Halle", "front_office", "utilisation") not in v


def test_pool_without_availability_has_nan_utilisation() -> None:
    v = kpis(available_minutes={FRONT: available()[FRONT]}, cost_per_hour={})
    assert math.isnan(v[(ALL, "Halle", "tax_clerk", "utilisation")])
    assert math.isnan(v[(ALL, "Halle", "tax_clerk", "backlog_days")])
    assert math.isnan(v[(ALL, "Halle", "front_office", "cost")])
    assert v[(ALL, "Halle", "tax_clerk", "staff_hours")] == pytest.approx(10.0)


def test_pool_with_availability_but_no_work_reports_zero() -> None:
    v = kpis(available_minutes={**available(), ("ZSA", "front_office"): np.full(50, 480.0)})
    assert v[(ALL, "ZSA", "front_office", "utilisation")] == 0.0
    assert v[(ALL, "ZSA", "front_office", "available_hours")] == pytest.approx(240.0)


def test_groups_aggregate_over_services_and_municipalities() -> None:
    table = CaseTable({"hund": "T_Bescheid", "wohngeld": "T_Bescheid"})
    rows = [
        *case_rows("a", 10, 11, 12),
        *case_rows("b", 10, 12, 14, municipality="Bitterfeld-Wolfen"),
        *case_rows("c", 10, 13, 16, service="wohngeld"),
    ]
    for r in rows:
        table.record(r)
    out = replication_kpis(
        table.records(),
        variant="dezentral",
        replication=0,
        window_start=WINDOW[0],
        window_end=WINDOW[1],
        groups=[("wohngeld", "Bitterfeld-Wolfen")],
    )
    v = {(r.service, r.municipality, r.pool, r.kpi): r.value for r in out}
    assert v[("hund", "Halle", "", "waiting_time_mean")] == 1
    assert v[("hund", ALL, "", "waiting_time_mean")] == 1.5
    assert v[(ALL, "Halle", "", "waiting_time_mean")] == 2
    assert v[(ALL, ALL, "", "waiting_time_mean")] == 2
    assert v[(ALL, ALL, "", "arrivals")] == 3
    # a requested group without cases: counts 0, times NaN
    assert v[("wohngeld", "Bitterfeld-Wolfen", "", "arrivals")] == 0
    assert math.isnan(v[("wohngeld", "Bitterfeld-Wolfen", "", "lead_time_p90")])


def test_every_emitted_kpi_is_registered_with_its_unit() -> None:
    table = CaseTable({"hund": "T_Bescheid"})
    for r in log():
        table.record(r)
    rows = replication_kpis(
        table.records(),
        table.pool_loads(),
        variant="dezentral",
        replication=0,
        window_start=WINDOW[0],
        window_end=WINDOW[1],
        available_minutes=available(),
        working_days=lambda a, b: 1.0,
    )
    assert {k.kpi for k in rows} == set(KPI_INFO)
    for k in rows:
        assert k.unit == KPI_INFO[k.kpi].unit


def test_rows_of_another_run_are_rejected() -> None:
    table = CaseTable({})
    for r in case_rows("c1", 10, 11, 12):
        table.record(r)
    with pytest.raises(ValueError, match=r"got a row of run \('dezentral', 0\)"):
        replication_kpis(
            table.records(), variant="zentral", replication=0, window_start=0, window_end=1
        )
    with pytest.raises(ValueError, match="window must not be empty"):
        replication_kpis([], variant="zentral", replication=0, window_start=5, window_end=5)


def test_working_day_counter_skips_weekends_and_holidays() -> None:
    # 2026-01-05 is a Monday; 2026-01-06 (Epiphany) is a holiday in Saxony-Anhalt
    cal = WorkingCalendar(epoch=datetime(2026, 1, 5))
    count = working_day_counter(cal)
    assert count(600, 600 + 30) == 0  # same day
    assert count(600, 7 * DAY + 600) == 5  # Monday to next Monday
    assert count(4 * DAY + 600, 7 * DAY + 100) == 1  # Friday to Monday
    with_holiday = working_day_counter(cal.without_days([date(2026, 1, 6)]))
    assert with_holiday(600, 7 * DAY + 600) == 4
    assert math.isnan(count(NAN, 5.0))
    with pytest.raises(ValueError, match="earlier time"):
        count(100.0, 50.0)


def test_engine_pools_map_to_log_pool_keys() -> None:
    cal = WorkingCalendar.always_open()
    specs = {
        "halle_front": StaffPoolSpec("halle_front", "front_office", "Halle", 2.0, cal, 0.0, 50.0),
        "halle_front_b": StaffPoolSpec("halle_front_b", "front_office", "Halle", 1.0, cal, 0, 80),
        "zsa_front": StaffPoolSpec("zsa_front", "front_office", "ZSA", 3.0, cal, 0.0, 45.0),
    }
    minutes = {"halle_front": [480, 480], "halle_front_b": [240, 240, 240], "zsa_front": [60]}
    avail = pool_availability(specs, minutes)
    np.testing.assert_array_equal(avail[("Halle", "front_office")], [720, 720, 240])
    np.testing.assert_array_equal(avail[("ZSA", "front_office")], [60])
    rates = pool_cost_rates(specs)
    assert rates[("Halle", "front_office")] == pytest.approx((2 * 50 + 80) / 3)
    assert rates[("ZSA", "front_office")] == 45.0


def test_other_work_counts_in_the_utilisation_and_is_reported_apart() -> None:
    # one pool, 480 available minutes on each window day, 120 minutes of other work a
    # day and no cases: utilisation 0.25, all of it other work
    days = int(WINDOW[1] // 1440) + 1
    pool_key = ("Adorf", "clerk")
    rows = replication_kpis(
        CaseTable({}).records(),
        variant="dezentral",
        replication=0,
        window_start=WINDOW[0],
        window_end=WINDOW[1],
        available_minutes={pool_key: np.full(days, 480.0)},
        other_work_minutes={pool_key: np.full(days, 120.0)},
    )
    values = {(k.pool, k.kpi): k.value for k in rows if k.pool}
    assert values[("clerk", "utilisation")] == pytest.approx(0.25)
    assert values[("clerk", "utilisation_other_work")] == pytest.approx(0.25)
    assert values[("clerk", "other_work_hours")] == pytest.approx(values[("clerk", "staff_hours")])


def test_wait_until_the_case_worker_is_its_own_stage() -> None:
    # issue 16: the first step (front office) comes 1-3 days after arrival; the case
    # worker (tax_clerk, the decision task's role) begins 2 h before each decision,
    # so that wait is the lead time [2, 4, 6, 8] days minus 1/12 day
    table = CaseTable({"hund": "T_Bescheid"}, caseworker_roles={"hund": "tax_clerk"})
    for r in log():
        table.record(r)
    rows = replication_kpis(
        table.records(), variant="dezentral", replication=0,
        window_start=WINDOW[0], window_end=WINDOW[1],
    )  # fmt: skip
    v = {(r.service, r.municipality, r.pool, r.kpi): r.value for r in rows}
    assert case_kpi(v, "caseworker_wait_mean") == pytest.approx(5.0 - 1 / 12)
    assert case_kpi(v, "caseworker_wait_median") == pytest.approx(5.0 - 1 / 12)
    assert case_kpi(v, "waiting_time_mean") == pytest.approx(2.5)  # to the first step
    assert KPI_INFO["caseworker_wait_mean"].unit == "days"


def _reference_case_kpis(records, window, working_days, extra_groups):
    """The case KPIs as they were computed before issue 19's third round: a boolean
    mask over every case per group (simple, but a pass over all cases per group)."""
    from zsa_sim.experiment.kpis import _describe, _mean

    c = {name: np.array([getattr(r, name) for r in records], dtype=float)
         for name in ("arrival", "first_start", "decision", "applicant_time",
                      "effort_minutes", "caseworker_start")}  # fmt: skip
    is_open = np.array([r.is_open for r in records], dtype=bool)
    service = np.array([r.service for r in records], dtype=object)
    municipality = np.array([r.municipality for r in records], dtype=object)
    lo, hi = window
    arrived = ((c["arrival"] >= lo) | (c["arrival"] < 0)) & (c["arrival"] < hi)
    decided = arrived & ~np.isnan(c["decision"])
    lead_work = np.full(len(records), NAN)
    for i in np.flatnonzero(decided):
        lead_work[i] = working_days(c["arrival"][i], c["decision"][i])
    stages = (
        ("waiting_time", (c["first_start"] - c["arrival"]) / DAY,
         arrived & ~np.isnan(c["first_start"])),
        ("caseworker_wait", (c["caseworker_start"] - c["arrival"]) / DAY,
         arrived & ~np.isnan(c["caseworker_start"])),
        ("lead_time", (c["decision"] - c["arrival"]) / DAY, decided),
        ("lead_time_workdays", lead_work, decided),
    )  # fmt: skip
    pairs = {(r.service, r.municipality) for r in records} | set(extra_groups)
    keys = set(pairs)
    for s, m in pairs:
        keys |= {(s, ALL), (ALL, m), (ALL, ALL)}
    out = {}
    for s, m in sorted(keys):
        group = np.ones(len(records), dtype=bool)
        if s != ALL:
            group &= service == s
        if m != ALL:
            group &= municipality == m
        values = {
            "arrivals": np.count_nonzero(group & arrived),
            "completed_cases": np.count_nonzero(group & arrived & ~is_open),
            "open_cases": np.count_nonzero(group & arrived & is_open),
            "unstarted_cases": np.count_nonzero(group & arrived & np.isnan(c["first_start"])),
            "decided_cases": np.count_nonzero(group & decided),
            "throughput": np.count_nonzero(group & (c["decision"] >= lo) & (c["decision"] < hi)),
        }
        for stem, times, mask in stages:
            for kpi, value in _describe(times[group & mask]).items():
                values[f"{stem}_{kpi}"] = value
        values["applicant_time_mean"] = _mean(c["applicant_time"][group & decided] / DAY)
        values["effort_per_case"] = _mean(c["effort_minutes"][group & decided] / 60)
        out.update({(s, m, kpi): float(v) for kpi, v in values.items()})
    return out


def test_case_kpis_by_group_positions_equal_a_mask_over_all_cases() -> None:
    """Each group's KPIs come from its cases' positions (issue 19: a pass over all
    cases per group cost most of a state-wide run's KPI time); the values must be
    bit for bit those of a mask over all cases, for groups that interleave in case
    order, aggregates, empty requested groups, NaN times and the window's edges."""
    from zsa_sim.experiment.cases import CaseRecord

    rng = np.random.default_rng(19)
    services, places = ["hund", "wohngeld", "zweit"], ["Halle", "Magdeburg", "Aken", "Zerbst"]
    records = []
    for i in range(3000):
        arrival = float(rng.choice([-3 * DAY, WINDOW[0], WINDOW[1], *rng.uniform(0, 45 * DAY, 5)]))
        first = arrival + rng.exponential(2 * DAY) if rng.random() < 0.9 else NAN
        decision = first + rng.exponential(5 * DAY) if rng.random() < 0.8 else NAN
        worker = (first + decision) / 2 if rng.random() < 0.9 else NAN
        records.append(CaseRecord(
            "dezentral", 0, f"c{i}", str(rng.choice(services)), str(rng.choice(places)),
            arrival, first, decision, decision, float(rng.exponential(DAY)),
            float(rng.uniform(10, 300)), "End", bool(decision != decision), worker,
        ))  # fmt: skip
    counter = working_day_counter(
        WorkingCalendar(epoch=datetime(2026, 1, 5)).without_days([date(2026, 1, 6)])
    )
    extra = [("wohngeld", "Nirgendwo"), ("neu", "Halle")]
    rows = replication_kpis(
        records, variant="dezentral", replication=0, window_start=WINDOW[0],
        window_end=WINDOW[1], working_days=counter, groups=extra,
    )  # fmt: skip
    got = {(r.service, r.municipality, r.kpi): r.value for r in rows}
    want = _reference_case_kpis(records, WINDOW, counter, extra)
    assert list(got) == list(want)  # the same rows in the same order
    for key, value in want.items():
        assert got[key] == value or (math.isnan(got[key]) and math.isnan(value)), key
