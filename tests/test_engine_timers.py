from datetime import datetime

import pytest

from zsa_sim.engine.timers import TimerSyntaxError, parse_cycle, parse_date, parse_duration

DAY = 1440.0


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("P14D", 14 * DAY),
        ("PT4H", 240.0),
        ("P1M", 30 * DAY),
        ("P1Y", 365 * DAY),
        ("P2W", 14 * DAY),
        ("P1DT12H", 1.5 * DAY),
        ("PT30M", 30.0),
        ("PT90S", 1.5),
        ("PT0.5H", 30.0),
        ("PT0,5H", 30.0),
        (" p3d ", 3 * DAY),
        ("P0D", 0.0),
    ],
)
def test_durations(text, minutes):
    assert parse_duration(text) == pytest.approx(minutes)


@pytest.mark.parametrize("text", ["", "P", "PT", "14D", "P1DT", "${deadline}", "P-1D", "PT1D"])
def test_bad_durations(text):
    with pytest.raises(TimerSyntaxError, match="ISO 8601"):
        parse_duration(text)


def test_cycles():
    assert parse_cycle("R3/P1D") == (3, DAY)
    assert parse_cycle("R/PT1H") == (None, 60.0)
    assert parse_cycle("P2D") == (1, 2 * DAY)
    for bad in ("R0/P1D", "R3/2026-01-01T08:00/P1D", "0 0 9 * * ?", "R3/P0D"):
        with pytest.raises(TimerSyntaxError):
            parse_cycle(bad)


def test_dates_are_minutes_since_epoch():
    epoch = datetime(2026, 1, 5)
    assert parse_date("2026-01-06T08:30:00", epoch) == DAY + 510
    assert parse_date("2026-01-04", epoch) == -DAY
    with pytest.raises(TimerSyntaxError):
        parse_date("next monday", epoch)
