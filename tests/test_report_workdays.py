"""Working days from the scenario's calendar: the same count as the KPI."""

from __future__ import annotations

import math
from datetime import date, datetime

import numpy as np
import pytest

from tests.report_fixture import cached_results
from zsa_sim.engine.calendar import MINUTES_PER_DAY
from zsa_sim.report.loaders import load_results
from zsa_sim.report.workdays import (
    calendar_from_spec,
    date_range_of,
    default_calendar,
    municipality_calendar,
    working_days,
)

EPOCH = datetime(2026, 2, 2)  # a Monday, no holiday in the next weeks
JANUARY = datetime(2026, 1, 5)  # a Monday; 6 January is a holiday in Saxony-Anhalt
DAY = MINUTES_PER_DAY


def _days(start_day: float, end_day: float, calendar=None, epoch: datetime = EPOCH) -> float:
    calendar = calendar or default_calendar(date(2026, 1, 1), date(2026, 12, 31))
    start, end = np.array([start_day * DAY]), np.array([end_day * DAY])
    return float(working_days(start, end, epoch, calendar)[0])


def test_monday_to_next_monday_is_five_working_days() -> None:
    assert _days(0.3, 7.6) == 5
    assert _days(0.3, 0.9) == 0  # decided the same day
    assert _days(4.5, 7.1) == 1  # Friday to Monday


def test_public_holidays_of_saxony_anhalt_do_not_count() -> None:
    # 6 January 2026 (Tuesday, Heilige Drei Könige) is a holiday in Saxony-Anhalt
    assert _days(0.5, 2.5, epoch=JANUARY) == 1  # Monday -> Wednesday: only Wednesday counts
    assert _days(0.3, 7.6, epoch=JANUARY) == 4
    berlin = calendar_from_spec(
        {
            "holidays": "BE",
            "hours": {d: ["08:00-16:00"] for d in ("mon", "tue", "wed", "thu", "fri")},
        },
        date(2026, 1, 1),
        date(2026, 12, 31),
    )
    assert _days(0.5, 2.5, berlin, epoch=JANUARY) == 2  # not a holiday in Berlin


def test_closed_days_and_weekdays_from_the_scenario() -> None:
    spec = {
        "holidays": None,
        "hours": {"mon": ["08:00-12:00"], "wed": ["08:00-12:00"], "sat": []},
        "closed": ["2026-01-07"],
    }
    calendar = calendar_from_spec(spec, date(2026, 1, 1), date(2026, 1, 31))
    assert calendar.weekmask == (True, False, True, False, False, False, False)
    # Monday 5 January to Wednesday 14: Wed 7 closed, Mon 12 and Wed 14 count
    assert _days(0.5, 9.5, calendar, epoch=JANUARY) == 2
    with pytest.raises(ValueError, match=r"office hours on at least one weekday"):
        calendar_from_spec({"hours": {}}, date(2026, 1, 1), date(2026, 1, 31))


def test_missing_times_give_nan() -> None:
    calendar = default_calendar(date(2026, 1, 1), date(2026, 2, 1))
    out = working_days(np.array([0.0, math.nan]), np.array([math.nan, DAY]), EPOCH, calendar)
    assert np.isnan(out).all()


def test_municipality_calendar_by_key_or_display_name() -> None:
    parameters = {
        "calendars": {"kurz": {"holidays": "ST", "hours": {"mon": ["08:00-12:00"]}}},
        "municipalities": {"halle": {"name": "Halle (Saale)", "calendar": "kurz"}},
    }
    first, last = date(2026, 1, 1), date(2026, 12, 31)
    for name in ("halle", "Halle (Saale)"):
        assert municipality_calendar(parameters, name, first, last).weekmask[1:] == (False,) * 6
    assert municipality_calendar(parameters, "Elsewhere", first, last).weekmask[:5] == (True,) * 5


def test_same_count_as_the_kpi_of_the_run() -> None:
    built = cached_results()
    results = load_results(built.run_dir)
    c = results.cases
    parameters = results.summary["scenario"]["parameters"]
    kpi = {
        (v.variant, v.replication, v.municipality): v.value
        for v in built.kpi_values
        if v.kpi == "lead_time_workdays_p90" and v.service == "wohngeld"
    }
    checked = 0
    for (variant, replication, municipality), expected in kpi.items():
        if municipality == "all":
            continue
        mask = (
            (c["variant"] == variant)
            & (c["replication"] == replication)
            & (c["municipality"] == municipality)
            & (c["service"] == "wohngeld")
            & (c["arrival"] >= results.window_start)
            & (c["arrival"] < results.window_end)
            & ~np.isnan(c["decision"])
        )
        calendar = municipality_calendar(
            parameters, municipality, *date_range_of(results.epoch, c["decision"][mask])
        )
        days = working_days(c["arrival"][mask], c["decision"][mask], results.epoch, calendar)
        assert np.quantile(days, 0.9) == pytest.approx(expected, abs=1e-9)
        checked += 1
    assert checked == 2 * 3 * 3  # variants x replications x municipalities with Wohngeld
