"""Arrival profiles as densities: exact placement on tiny calendars, defaults per channel."""

from __future__ import annotations

from datetime import date, datetime

import numpy as np
import pytest
from pydantic import TypeAdapter, ValidationError

from zsa_sim.synth.profiles import (
    ONLINE_DEFAULT,
    ArrivalProfile,
    WeeklyProfile,
    default_profile,
    density,
)

DAY = 1440.0
EPOCH = datetime(2026, 1, 5)  # a Monday
MONDAY_8_TO_16 = {0: ((480.0, 960.0),)}


def test_office_hours_put_all_weight_into_opening_hours() -> None:
    d = density("office_hours", EPOCH.date(), EPOCH, 14, MONDAY_8_TO_16, frozenset())
    assert d.starts.tolist() == [480.0, 7 * DAY + 480.0]
    assert d.lengths.tolist() == [480.0, 480.0]
    # u = 0.25 is the middle of the first Monday's hours, u = 0.75 of the second's
    times = d.place(np.zeros(3), np.full(3, 14 * DAY), np.array([0.0, 0.25, 0.75]))
    assert times.tolist() == [480.0, 720.0, 7 * DAY + 720.0]


def test_closed_days_get_no_arrivals() -> None:
    closed = frozenset({date(2026, 1, 5)})
    d = density("office_hours", EPOCH.date(), EPOCH, 14, MONDAY_8_TO_16, closed)
    assert d.starts.tolist() == [7 * DAY + 480.0]
    assert float(d.mass(0.0, 7 * DAY)) == 0.0


def test_a_segment_without_weight_falls_back_to_uniform() -> None:
    d = density("office_hours", EPOCH.date(), EPOCH, 7, {}, frozenset())
    times = d.place(np.array([DAY]), np.array([3 * DAY]), np.array([0.5]))
    assert times.tolist() == [2 * DAY]


def test_weekly_profile_weights_hours_and_weekdays() -> None:
    hours = [0.0] * 24
    hours[19] = 1.0
    profile = WeeklyProfile(weekdays={"tue": 3.0, "sat": 0.0}, hours=hours)
    d = density(profile, EPOCH.date(), EPOCH, 7, {}, frozenset())
    # one hour a day, Saturday none: Mon 1, Tue 3, Wed..Fri 1, Sun 1 -> total 8 hours' weight
    assert d.starts.tolist() == [n * DAY + 19 * 60 for n in (0, 1, 2, 3, 4, 6)]
    assert float(d.mass(0.0, 7 * DAY)) == 8 * 60.0
    assert float(d.mass(DAY, 2 * DAY)) == 3 * 60.0


def test_uniform_profile_is_proportional_to_length() -> None:
    d = density("uniform", EPOCH.date(), EPOCH, 10, {}, frozenset())
    assert float(d.mass(2 * DAY, 5 * DAY)) == 3 * DAY
    times = d.place(np.array([0.0]), np.array([10 * DAY]), np.array([0.55]))
    assert times.tolist() == pytest.approx([5.5 * DAY])


def test_density_may_start_before_the_epoch() -> None:
    d = density("uniform", date(2026, 1, 1), EPOCH, 10, {}, frozenset())
    assert d.starts[0] == -4 * DAY


def test_defaults_online_for_online_office_hours_otherwise() -> None:
    assert default_profile("online") == "online"
    assert default_profile("paper") == "office_hours"
    assert default_profile("counter") == "office_hours"
    # the documented evening peak: 19-21 h weigh most, the night least
    assert max(ONLINE_DEFAULT.hours) == ONLINE_DEFAULT.hours[19] == ONLINE_DEFAULT.hours[20]
    assert min(ONLINE_DEFAULT.hours) == ONLINE_DEFAULT.hours[3]


def test_profile_spec_is_named_or_weekly_and_checked() -> None:
    adapter = TypeAdapter(ArrivalProfile)
    assert adapter.validate_python("uniform") == "uniform"
    assert isinstance(adapter.validate_python({"hours": [1.0] * 24}), WeeklyProfile)
    with pytest.raises(ValidationError, match="24 weights"):
        adapter.validate_python({"hours": [1.0] * 23})
    with pytest.raises(ValidationError, match="unknown weekday 'mo'"):
        adapter.validate_python({"weekdays": {"mo": 1.0}})
    with pytest.raises(ValidationError):
        adapter.validate_python("evening")
