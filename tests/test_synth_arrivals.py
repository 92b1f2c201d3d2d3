"""Arrivals with volume changes and channel profiles (issue 17, items 2 and 4).

Counts are Poisson: bands are 99.9% (z = 3.29) around the exact expectation; placements
on tiny calendars are exact.
"""

from __future__ import annotations

import math
from datetime import datetime

import numpy as np
import pytest

from zsa_sim.scenario import scenario_from_data
from zsa_sim.synth.applicants import generate_applicants, volume_steps
from zsa_sim.synth.arrivals import expected_counts, segments
from zsa_sim.synth.profiles import ONLINE_DEFAULT

Z = 3.29
DAY = 1440.0


def scenario(**service_changes):
    service = {
        "bpmn": "unused.bpmn",
        "cases_per_1000": 100.0,
        "channels": {"online": 0.4, "paper": 0.6},
        "efforts": {},
        "applicants": {"generator": "generic", "missing_documents": [1.0]},
        **service_changes,
    }
    municipality = {
        "population": 100_000,
        "postcodes": ["06108"],
        "services": ["s"],
        "staff": {"clerk": 1},
        "calendar": "c",
        "cost_per_hour": 50,
    }
    return scenario_from_data(
        {
            "name": "arrivals",
            "period": {"start": "2026-01-01", "days": 365},
            "seed": 3,
            "calendars": {"c": {"holidays": "ST", "hours": {"mon": ["08:00-16:00"]}}},
            "services": {"s": service},
            "municipalities": {"M": municipality, "N": municipality},
            "variants": {"dezentral": {}},
        }
    )


def test_volume_steps_own_entry_wins_on_the_same_date() -> None:
    s = scenario(
        volume_changes=[
            {"from": "2026-07-01", "factor": 4.0},
            {"from": "2026-07-01", "factor": 7.0, "municipalities": ["N"]},
            {"from": "2026-10-01", "factor": 2.0},
        ]
    )
    assert volume_steps(s, "s", "M") == [(181 * DAY, 4.0), (273 * DAY, 2.0)]
    assert volume_steps(s, "s", "N") == [(181 * DAY, 7.0), (273 * DAY, 2.0)]


def test_two_changes_of_one_scope_on_one_date_are_refused() -> None:
    with pytest.raises(Exception, match="two volume changes on 2026-07-01 for all"):
        scenario(volume_changes=[{"from": "2026-07-01", "factor": 4.0},
                                 {"from": "2026-07-01", "factor": 2.0}])  # fmt: skip


def test_expected_counts_multiply_by_the_factor_in_force() -> None:
    pieces = segments(datetime(2026, 1, 1), 365 * DAY, [(181 * DAY, 4.0)])
    counts = expected_counts(1200.0, [1.0] * 12, pieces)
    assert counts[:6].sum() == pytest.approx(600.0)
    assert counts[6:].sum() == pytest.approx(2400.0)


def test_fourfold_volume_from_july() -> None:
    s = scenario(volume_changes=[{"from": "2026-07-01", "factor": 4.0}])
    times = generate_applicants(s, "s", "M", 0).times
    first = np.count_nonzero(times < 181 * DAY)
    second = times.size - first
    # months are equal shares: Jan-Jun is 6/12 of the year, Jul-Dec 6/12 times 4
    e_first, e_second = 5_000.0, 20_000.0
    assert abs(first - e_first) <= Z * math.sqrt(e_first)
    assert abs(second - e_second) <= Z * math.sqrt(e_second)


def test_paper_arrives_only_in_office_hours_online_at_any_time() -> None:
    s = scenario()
    applicants = generate_applicants(s, "s", "M", 0)
    times, channels = applicants.times, applicants.attributes["channel"]
    epoch = s.period.epoch
    paper = times[channels == "paper"]
    online = times[channels == "online"]
    minute = paper % DAY
    weekday = [(epoch.weekday() + int(t // DAY)) % 7 for t in paper]
    assert set(weekday) == {0} and minute.min() >= 480 and minute.max() < 960
    # Easter Monday 2026 (6 April, day 95) is a holiday in Saxony-Anhalt: no paper
    assert not np.any((paper >= 95 * DAY) & (paper < 96 * DAY))
    # online: the 19-21 h share of the default profile's hour weights (sum 24.25)
    evening = np.count_nonzero((online % DAY >= 19 * 60) & (online % DAY < 21 * 60))
    assert sum(ONLINE_DEFAULT.hours) == pytest.approx(24.25)
    p = 4.0 / 24.25
    assert abs(evening - p * online.size) <= Z * math.sqrt(online.size * p * (1 - p))
    assert np.all(np.diff(times) >= 0)


def test_profiles_keep_the_monthly_volume() -> None:
    # a profile moves arrivals within a month; each month still gets its share
    s = scenario(arrival_profiles={"online": "uniform"})
    times = generate_applicants(s, "s", "M", 0).times
    jan = np.count_nonzero(times < 31 * DAY)
    e_jan = 10_000 / 12
    assert abs(jan - e_jan) <= Z * math.sqrt(e_jan)
