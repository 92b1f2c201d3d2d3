"""Demand from a log: monthly counts, partial months, seasonality, profiles."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from zsa_sim.calibrate.arrivals import arrival_profiles, estimate_demand
from zsa_sim.calibrate.reader import read_log
from zsa_sim.engine.calendar import WorkingCalendar


def _log(tmp_path: Path, arrivals: list[tuple[datetime, str]]) -> Path:
    lines = ["case,activity,end,org,channel"]
    lines += [f"c{i},A,{t:%Y-%m-%d %H:%M},{org},paper" for i, (t, org) in enumerate(arrivals)]
    path = tmp_path / "log.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_monthly_counts_and_partial_months(tmp_path: Path) -> None:
    # 2 arrivals a day at 10:00 from 16 January to 31 March 2026, 3/4 of them in "A"
    day0 = datetime(2026, 1, 16, 10)
    arrivals = [
        (day0 + timedelta(days=d, minutes=m), "A" if (2 * d + m) % 4 else "B")
        for d in range(75)
        for m in (0, 1)
    ]
    demand = estimate_demand(read_log(_log(tmp_path, arrivals)))
    assert demand.monthly == {(2026, 1): 32, (2026, 2): 56, (2026, 3): 62}
    assert demand.months_seen == [1, 2, 3]
    # January: 32 arrivals on 16 of 31 days -> 62 for the month; February 56; March 62
    seen = np.array([62.0, 56.0, 62.0])
    yearly = seen.sum() + 9 * seen.mean()
    assert sum(demand.yearly.values()) == pytest.approx(yearly)
    assert demand.seasonality[:3] == pytest.approx(list(seen / (yearly / 12)))
    assert demand.seasonality[3:] == pytest.approx([1.0 / (yearly / 12) * seen.mean()] * 9)
    assert demand.counted == {"A": 112, "B": 38}
    assert demand.hour_share[10] == 1.0


def test_profile_office_hours_or_weekly(tmp_path: Path) -> None:
    day0 = datetime(2026, 1, 5, 9)  # a Monday
    arrivals = [(day0 + timedelta(days=d), "A") for d in range(5)]  # Mon-Fri 9:00
    table = read_log(_log(tmp_path, arrivals))
    office = WorkingCalendar(epoch=table.epoch, weekly={d: ((420.0, 960.0),) for d in range(5)})
    arrival = estimate_demand(table).arrival
    cases = np.arange(table.n_cases)
    assert arrival_profiles(table, arrival, office, cases)["paper"] == ("office_hours", 5, 1.0)
    night = WorkingCalendar(epoch=table.epoch, weekly={d: ((0.0, 60.0),) for d in range(7)})
    profile, n, inside = arrival_profiles(table, arrival, night, cases)["paper"]
    assert n == 5 and inside == 0.0
    assert profile["hours"][9] == 24.0 and sum(profile["hours"]) == 24.0
    assert profile["weekdays"]["sat"] == 0.0 and profile["weekdays"]["mon"] == pytest.approx(7 / 5)
