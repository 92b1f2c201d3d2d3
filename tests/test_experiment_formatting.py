"""German and English number formatting."""

from __future__ import annotations

import math

import pytest

from zsa_sim.experiment.formatting import (
    format_interval,
    format_number,
    format_value,
    unit_name,
)


@pytest.mark.parametrize(
    ("x", "lang", "digits", "expected"),
    [
        (1234.5, "de", 1, "1.234,5"),
        (1234.5, "en", 1, "1,234.5"),
        (1234567.891, "de", 2, "1.234.567,89"),
        (-6.15, "de", 1, "-6,2"),
        (0.04, "en", 0, "0"),
        (-0.04, "de", 1, "0,0"),  # no "-0,0"
        (12.0, "de", 0, "12"),
        (math.nan, "de", 1, "–"),
        (math.inf, "en", 1, "∞"),
    ],
)
def test_format_number(x: float, lang: str, digits: int, expected: str) -> None:
    assert format_number(x, lang, digits) == expected


def test_values_and_intervals_with_units() -> None:
    assert format_value(6.1, "days", "de") == "6,1 Tage"
    assert format_value(0.834, "share", "de") == "83,4 %"
    assert format_value(0.2, "share", "en", difference=True) == "20.0 percentage points"
    assert format_value(12345.6, "EUR", "de") == "12.346 EUR"
    assert format_interval(4.8, 7.3, "days", "de") == "[4,8; 7,3]"
    assert format_interval(4.8, 7.3, "days", "en") == "[4.8, 7.3]"
    assert unit_name("working_days", "de") == "Arbeitstage"
    assert unit_name("furlongs", "en") == "furlongs"


def test_bad_language_and_digits_are_rejected() -> None:
    with pytest.raises(ValueError, match="language must be 'de' or 'en', got 'fr'"):
        format_number(1.0, "fr")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="digits must not be negative"):
        format_number(1.0, "de", -1)
