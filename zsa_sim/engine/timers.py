"""BPMN timer texts (ISO 8601) turned into simulation minutes.

A BPMN timer says *when* an event fires in one of three ways: ``timeDuration`` (``P14D``:
fourteen days after the token arrived), ``timeCycle`` (``R3/P1D``: every day, three
times) and ``timeDate`` (an absolute date). Timers run in calendar time: a 14-day
deadline passes over weekends and holidays, unlike working time.

ISO 8601 calendar units have no fixed length; the engine uses fixed ones, which is what
an administrative deadline in days means in practice:

====  ==========================
Y     365 days
M     30 days (``P1M``), before ``T``; after ``T`` ``M`` means minutes
W     7 days
D     1 day
H     60 minutes
S     1/60 minute
====  ==========================

Expressions (``${...}``) and cron cycles are not supported; they are rejected when the
engine compiles the model, naming the event.
"""

from __future__ import annotations

import math
import re
from datetime import datetime

MINUTES_PER_DAY = 1440.0

_NUMBER = r"(\d+(?:[.,]\d+)?)"
_DURATION = re.compile(
    rf"^P(?:{_NUMBER}Y)?(?:{_NUMBER}M)?(?:{_NUMBER}W)?(?:{_NUMBER}D)?"
    rf"(?:T(?:{_NUMBER}H)?(?:{_NUMBER}M)?(?:{_NUMBER}S)?)?$"
)
_UNIT_MINUTES = (
    365 * MINUTES_PER_DAY,
    30 * MINUTES_PER_DAY,
    7 * MINUTES_PER_DAY,
    MINUTES_PER_DAY,
    60.0,
    1.0,
    1.0 / 60.0,
)
_CYCLE = re.compile(r"^R(\d*)/(P.*)$")


class TimerSyntaxError(ValueError):
    """A timer text is not an ISO 8601 form the engine understands."""


def parse_duration(text: str) -> float:
    """Minutes of an ISO 8601 duration such as ``P14D``, ``PT4H`` or ``P1DT12H``."""
    clean = text.strip().upper()
    match = _DURATION.match(clean)
    if not match or clean in {"P", "PT"} or clean.endswith("T"):
        raise TimerSyntaxError(f"not an ISO 8601 duration: {text!r} (e.g. P14D, PT4H, P1DT12H)")
    total = 0.0
    for value, unit in zip(match.groups(), _UNIT_MINUTES, strict=True):
        if value is not None:
            total += float(value.replace(",", ".")) * unit
    return total


def parse_cycle(text: str) -> tuple[int | None, float]:
    """``R3/P1D`` -> (3, 1440.0); ``R/P1D`` repeats without end -> (None, 1440.0).

    A bare duration is accepted as one repetition. A start or end date inside the cycle
    (``R3/2026-01-01T08:00/P1D``) and cron expressions are not supported.
    """
    clean = text.strip().upper()
    if clean.startswith("P"):
        return 1, _positive(parse_duration(clean), text)
    match = _CYCLE.match(clean)
    if not match:
        raise TimerSyntaxError(
            f"not an ISO 8601 repeating interval: {text!r} (e.g. R3/P1D; cron is not supported)"
        )
    repeats = int(match.group(1)) if match.group(1) else None
    if repeats is not None and repeats < 1:
        raise TimerSyntaxError(f"a timer cycle needs at least one repetition: {text!r}")
    return repeats, _positive(parse_duration(match.group(2)), text)


def parse_date(text: str, epoch: datetime) -> float:
    """Minutes from ``epoch`` to the ISO 8601 date-time ``text`` (may be negative).

    A time zone in the text is dropped after conversion to the epoch's zone when the epoch
    has one; the engine's clock has no zones.
    """
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError as err:
        raise TimerSyntaxError(f"not an ISO 8601 date-time: {text!r}") from err
    if moment.tzinfo is not None:
        moment = moment.astimezone(epoch.tzinfo) if epoch.tzinfo else moment.replace(tzinfo=None)
    elif epoch.tzinfo is not None:
        moment = moment.replace(tzinfo=epoch.tzinfo)
    return (moment - epoch).total_seconds() / 60.0


def _positive(minutes: float, text: str) -> float:
    if not minutes > 0 or not math.isfinite(minutes):
        raise TimerSyntaxError(f"a timer cycle's interval must be positive: {text!r}")
    return minutes
