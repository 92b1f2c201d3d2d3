"""Numbers and units as German and English readers expect them.

The pilot's readers are German municipal staff: ``1.234,5`` with a decimal comma and a
thousands dot, intervals as ``[4,8; 7,3]`` (a semicolon, because the comma is taken).
English output uses ``1,234.5`` and ``[4.8, 7.3]``. Shares (utilisation) are stored as
fractions and shown in percent; their differences in percentage points. Shared by the
comparison verdicts and the report.
"""

from __future__ import annotations

import math
from typing import Literal

Lang = Literal["de", "en"]

#: unit id -> (German, English) display name of an amount in that unit
UNIT_NAMES: dict[str, tuple[str, str]] = {
    "days": ("Tage", "days"),
    "working_days": ("Arbeitstage", "working days"),
    "hours": ("Stunden", "hours"),
    "cases": ("Fälle", "cases"),
    "share": ("%", "%"),
    "EUR": ("EUR", "EUR"),
}
#: how a difference of shares is named (percentage points, not percent)
_SHARE_DIFFERENCE = ("Prozentpunkte", "percentage points")
#: decimal places per unit in verdicts and tables
UNIT_DIGITS: dict[str, int] = {
    "days": 1,
    "working_days": 1,
    "hours": 1,
    "cases": 1,
    "share": 1,
    "EUR": 0,
}
#: shown for a value that does not exist (NaN)
MISSING = "–"


def format_number(x: float, lang: Lang = "de", digits: int = 1) -> str:
    """``1234.5`` as ``1.234,5`` (de) or ``1,234.5`` (en), rounded to ``digits`` places.

    NaN becomes ``–``; infinities ``∞``. A value that rounds to zero has no minus sign.
    """
    _check_lang(lang)
    if digits < 0:
        raise ValueError(f"digits must not be negative, got {digits}")
    if math.isnan(x):
        return MISSING
    if math.isinf(x):
        return "∞" if x > 0 else "-∞"
    text = f"{x:,.{digits}f}"
    if text.lstrip("-").strip("0.,") == "":
        text = text.lstrip("-")
    if lang == "de":
        text = text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return text


def format_value(x: float, unit: str, lang: Lang = "de", *, difference: bool = False) -> str:
    """A number with its unit, e.g. ``6,1 Tage``, ``83,4 %`` or ``2,0 Prozentpunkte``."""
    number = format_number(_scaled(x, unit), lang, UNIT_DIGITS.get(unit, 1))
    return f"{number} {unit_name(unit, lang, difference=difference)}"


def format_interval(low: float, high: float, unit: str, lang: Lang = "de") -> str:
    """A confidence interval in brackets: ``[4,8; 7,3]`` (de) or ``[4.8, 7.3]`` (en)."""
    digits = UNIT_DIGITS.get(unit, 1)
    lo = format_number(_scaled(low, unit), lang, digits)
    hi = format_number(_scaled(high, unit), lang, digits)
    return f"[{lo}; {hi}]" if lang == "de" else f"[{lo}, {hi}]"


def unit_name(unit: str, lang: Lang = "de", *, difference: bool = False) -> str:
    """The display name of a unit; for a difference of shares, percentage points."""
    _check_lang(lang)
    names = _SHARE_DIFFERENCE if difference and unit == "share" else UNIT_NAMES.get(unit)
    if names is None:
        return unit
    return names[0] if lang == "de" else names[1]


def _scaled(x: float, unit: str) -> float:
    return x * 100 if unit == "share" else x


def _check_lang(lang: str) -> None:
    if lang not in ("de", "en"):
        raise ValueError(f"language must be 'de' or 'en', got {lang!r}")
