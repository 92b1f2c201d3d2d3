"""Open applications at given moments, e.g. at month ends: the figure offices report.

Offices and the press count "unprocessed applications" (*unbearbeitete Anträge*): those
received and not yet decided. From the cases of a run (``arrival``, ``decision``,
``end``), an application is *open* at time ``t`` when it arrived before ``t`` and was
neither decided nor otherwise ended (withdrawn, refused for lack of cooperation) before
``t``. Cases of the initial backlog arrived before the run and count from its start.
This is the quantity the reference scenarios compare with observations
(``scenarios/reference/``).
"""

from __future__ import annotations

import calendar as month_calendar
from collections.abc import Mapping
from datetime import date, datetime

import numpy as np

MINUTES_PER_DAY = 1440.0


def open_at(cases: Mapping[str, np.ndarray], times: np.ndarray) -> np.ndarray:
    """Open applications at each of ``times`` (minutes since the epoch).

    An application is open at ``t`` when it arrived by ``t`` and was not closed by ``t``.
    ``cases`` maps ``arrival``, ``decision`` and ``end`` to columns of one run (NaN:
    never).
    """
    arrivals = np.sort(np.asarray(cases["arrival"], dtype=float))
    closed = np.fmin(np.asarray(cases["decision"], float), np.asarray(cases["end"], float))
    closed = np.sort(closed[~np.isnan(closed)])
    times = np.asarray(times, dtype=float)
    # the state at t after what happened at t: arrived by t, not closed by t
    return np.searchsorted(arrivals, times, side="right") - np.searchsorted(
        closed, times, side="right"
    )


def month_ends(epoch: datetime, horizon: float) -> list[tuple[date, float]]:
    """Last days of the months that end inside the run, with the minute after them
    (midnight of the next day) since the epoch."""
    out: list[tuple[date, float]] = []
    year, month = epoch.year, epoch.month
    while True:
        last = date(year, month, month_calendar.monthrange(year, month)[1])
        minutes = ((last - epoch.date()).days + 1) * MINUTES_PER_DAY
        if minutes > horizon:
            return out
        out.append((last, minutes))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
