"""Timestamps as exports write them, turned into minutes quickly.

Accepted (the wall-clock time as written; a zone offset is ignored, because office
hours are wall-clock hours):

* ISO 8601: ``2026-01-05T07:30:00``, ``2026-01-05 07:30``, fractions of a second and an
  offset (``+01:00``, ``Z``) allowed, as in XES and most CSV exports;
* German: ``05.01.2026 07:30`` or ``5.1.2026 07:30:15`` (day first), as Fachverfahren
  and Excel write them;
* a date alone in either form (midnight).

Parsing is a regular expression and a cached day number per date: about a microsecond
a value, so a million events need no pandas.
"""

from __future__ import annotations

import re
from datetime import date

_ISO = re.compile(
    r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?"
    r"\s*(?:Z|[+-]\d{2}:?\d{2})?\s*$"
)
_GERMAN = re.compile(
    r"^\s*(\d{1,2})\.(\d{1,2})\.(\d{4})(?:[ ,]+(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?\s*$"
)


class TimeParser:
    """Parses timestamps into minutes since 0001-01-01 (``date.toordinal`` days)."""

    def __init__(self) -> None:
        self._days: dict[tuple[str, str, str], int] = {}

    def minutes(self, text: str) -> float | None:
        """Minutes of a timestamp; NaN for an empty cell; None if it cannot be read."""
        if not text or not text.strip():
            return float("nan")
        match = _ISO.match(text)
        if match is not None:
            year, month, day, hour, minute, second, fraction = match.groups()
        else:
            match = _GERMAN.match(text)
            if match is None:
                return None
            day, month, year, hour, minute, second, fraction = match.groups()
        key = (year, month, day)
        ordinal = self._days.get(key)
        if ordinal is None:
            try:
                ordinal = date(int(year), int(month), int(day)).toordinal()
            except ValueError:
                return None
            self._days[key] = ordinal
        value = ordinal * 1440.0
        if hour is not None:
            h, m = int(hour), int(minute)
            if h > 24 or m > 59:
                return None
            value += h * 60 + m
            if second is not None:
                value += int(second) / 60.0
                if fraction:
                    value += float("0." + fraction) / 60.0
        return value


def parse_number(text: str) -> float | None:
    """A number written with a decimal point or a German decimal comma (``1.234,5``)."""
    text = text.strip()
    if not text:
        return float("nan")
    if "," in text:
        text = text.replace(".", "").replace(",", ".")
    try:
        return float(text)
    except ValueError:
        return None
