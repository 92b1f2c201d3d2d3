"""Working days between two times, from the calendar a scenario states (for the ECDF).

Service levels are set in working days ("p90 lead time <= 15 working days"), but the case
table keeps minutes. The report counts working days the way the KPI does
(:func:`zsa_sim.experiment.kpis.working_day_counter`): the days after the day of
application up to and including the day of the decision that have office hours, so
weekends, public holidays of the state and extra closed days do not count.

The calendar is taken from the scenario parameters kept in ``summary.json`` (weekdays with
office hours, the state's public holidays (:mod:`zsa_sim.public_holidays`), extra closed
days); a municipality without a readable calendar gets Monday to Friday and the public
holidays of Saxony-Anhalt, the pilot's state.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

import numpy as np

from zsa_sim.engine.calendar import MINUTES_PER_DAY
from zsa_sim.public_holidays import public_holidays

_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
#: The pilot's state: Saxony-Anhalt (with 6 January and 31 October).
DEFAULT_STATE = "ST"


class WorkdayCalendar(NamedTuple):
    """Which weekdays are worked and which dates are closed."""

    #: seven flags, Monday first, as numpy.busday_count wants them
    weekmask: tuple[bool, ...]
    #: closed dates (public holidays, extra closed days)
    closed: tuple[date, ...]


def default_calendar(first: date, last: date) -> WorkdayCalendar:
    """Monday to Friday without the public holidays of Saxony-Anhalt."""
    return WorkdayCalendar((True,) * 5 + (False,) * 2, _public_holidays(DEFAULT_STATE, first, last))


def _public_holidays(state: str | None, first: date, last: date) -> tuple[date, ...]:
    if not state:
        return ()
    return tuple(sorted(public_holidays(state, first, last)))


def calendar_from_spec(spec: Mapping[str, Any], first: date, last: date) -> WorkdayCalendar:
    """A calendar from a scenario's calendar entry (``hours``, ``holidays``, ``closed``)."""
    hours = spec.get("hours") or {}
    weekmask = tuple(bool(hours.get(day)) for day in _WEEKDAYS)
    if not any(weekmask):
        raise ValueError("a calendar needs office hours on at least one weekday")
    state = spec.get("holidays", DEFAULT_STATE)
    closed = set(_public_holidays(state, first, last))
    for item in spec.get("closed") or []:
        day = date.fromisoformat(str(item))
        if first <= day <= last:
            closed.add(day)
    return WorkdayCalendar(weekmask, tuple(sorted(closed)))


def municipality_calendar(
    parameters: Mapping[str, Any], municipality: str, first: date, last: date
) -> WorkdayCalendar:
    """The calendar of a municipality per the scenario, or the default if not stated.

    ``municipality`` may be the key in ``parameters["municipalities"]`` or its ``name``.
    """
    calendars = parameters.get("calendars") or {}
    for key, entry in (parameters.get("municipalities") or {}).items():
        if not isinstance(entry, Mapping) or municipality not in (key, entry.get("name")):
            continue
        spec = calendars.get(entry.get("calendar"))
        if isinstance(spec, Mapping):
            try:
                return calendar_from_spec(spec, first, last)
            except (TypeError, ValueError):
                break
    return default_calendar(first, last)


def working_days(
    start_minutes: np.ndarray,
    end_minutes: np.ndarray,
    epoch: datetime,
    calendar: WorkdayCalendar,
) -> np.ndarray:
    """Working days from each start to each end (NaN where either is NaN).

    Counts the working days after the start's day up to and including the end's day: an
    application on Monday decided the next Monday took 5 working days, one decided the
    same day 0 (as :func:`zsa_sim.experiment.kpis.working_day_counter` does).
    """
    start = np.asarray(start_minutes, dtype=float)
    end = np.asarray(end_minutes, dtype=float)
    out = np.full(np.broadcast(start, end).shape, np.nan)
    valid = ~(np.isnan(start) | np.isnan(end))
    if not valid.any():
        return out
    base = np.datetime64(epoch.date(), "D")
    day_a = base + np.floor(start[valid] / MINUTES_PER_DAY).astype("timedelta64[D]")
    day_b = base + np.floor(end[valid] / MINUTES_PER_DAY).astype("timedelta64[D]")
    one = np.timedelta64(1, "D")
    holidays = np.array(calendar.closed, dtype="datetime64[D]")
    counts = np.busday_count(
        day_a + one, day_b + one, weekmask=list(calendar.weekmask), holidays=holidays
    )
    out[valid] = counts
    return out


def date_range_of(epoch: datetime, minutes: np.ndarray) -> tuple[date, date]:
    """First and last calendar date touched by finite times (for the holiday lookup)."""
    finite = minutes[np.isfinite(minutes)]
    if not len(finite):
        return epoch.date(), epoch.date()
    first = epoch.date() + timedelta(days=int(finite.min() // MINUTES_PER_DAY))
    last = epoch.date() + timedelta(days=int(finite.max() // MINUTES_PER_DAY) + 1)
    return first, last
