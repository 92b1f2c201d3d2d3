"""The German public holidays written out in zsa_sim.public_holidays equal the
``holidays`` package's, state by state and year by year (the package is the reference;
it is only too slow to import at start-up, issue 19)."""

from __future__ import annotations

from datetime import date

import holidays
import pytest

from zsa_sim.public_holidays import (
    STATES,
    easter_sunday,
    holidays_of_year,
    public_holidays,
)

YEARS = range(1985, 2101)


def test_states_are_the_packages_subdivisions() -> None:
    assert tuple(holidays.Germany.subdivisions) == STATES


@pytest.mark.parametrize("state", [None, *STATES])
def test_every_year_equals_the_holidays_package(state: str | None) -> None:
    reference = holidays.Germany(subdiv=state, years=YEARS)
    for year in YEARS:
        expected = {d for d in reference if d.year == year}
        assert holidays_of_year(state, year) == expected, (state, year)


def test_easter_sundays_known_from_the_calendar() -> None:
    # dates as printed in calendars: 2024-03-31, 2025-04-20, 2038-04-25 (latest possible)
    assert easter_sunday(2024) == date(2024, 3, 31)
    assert easter_sunday(2025) == date(2025, 4, 20)
    assert easter_sunday(2038) == date(2038, 4, 25)
    assert easter_sunday(2285) == date(2285, 3, 22)  # earliest possible


def test_saxony_anhalt_2026() -> None:
    assert sorted(public_holidays("ST", date(2026, 1, 1), date(2026, 12, 31))) == [
        date(2026, 1, 1),
        date(2026, 1, 6),
        date(2026, 4, 3),
        date(2026, 4, 6),
        date(2026, 5, 1),
        date(2026, 5, 14),
        date(2026, 5, 25),
        date(2026, 10, 3),
        date(2026, 10, 31),
        date(2026, 12, 25),
        date(2026, 12, 26),
    ]


def test_range_is_inclusive_and_spans_years() -> None:
    days = public_holidays("ST", date(2025, 12, 26), date(2026, 1, 6))
    assert days == {date(2025, 12, 26), date(2026, 1, 1), date(2026, 1, 6)}
    assert public_holidays("ST", date(2026, 1, 2), date(2026, 1, 5)) == frozenset()


def test_unknown_state_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown German state 'XX'"):
        holidays_of_year("XX", 2026)
