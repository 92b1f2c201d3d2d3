"""When new applications arrive: volume, seasonality, volume changes, channel profiles.

Arrivals of a channel form a non-homogeneous Poisson process. Month ``m`` brings
``annual * share_c * s_m / 12`` applications of channel ``c`` (seasonality factors
normalised to average 1), times the volume factor in force (``volume_changes``), spread
over the month in proportion to the channel's arrival profile
(:mod:`zsa_sim.synth.profiles`). The run is cut into *segments*, pieces of time inside
one calendar month with one volume factor; a segment's count is Poisson with mean::

    annual * share_c * s_m / 12 * factor * profile mass in the segment / mass in its month

and its times are drawn from the profile restricted to the segment (inversion of the
piecewise-constant density). A month cut by the run's start or end gets its share only,
and a factor that changes mid-month applies from its day on. With the ``uniform``
profile and no volume changes this is exactly the process of zsa-sim before issue 17.
"""

from __future__ import annotations

import calendar as month_calendar
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import pairwise

import numpy as np

from zsa_sim.synth.profiles import Density

MINUTES_PER_DAY = 1440.0


@dataclass(frozen=True)
class Segment:
    """``[start, stop)`` minutes in one calendar month ``[month_start, month_stop)``."""

    start: float
    stop: float
    month: int
    month_start: float
    month_stop: float
    factor: float


def month_bounds(epoch: datetime, end_minutes: float) -> tuple[date, int]:
    """First day of the epoch's month and the number of days to the end of the month
    that holds the last arrival minute: the span an arrival profile must cover."""
    first = epoch.date().replace(day=1)
    last = (epoch + timedelta(minutes=max(end_minutes, 1.0) - 1.0)).date()
    last_day = last.replace(day=month_calendar.monthrange(last.year, last.month)[1])
    return first, (last_day - first).days + 1


def segments(
    epoch: datetime, end_minutes: float, changes: Sequence[tuple[float, float]] = ()
) -> list[Segment]:
    """Pieces of ``[0, end)`` inside one calendar month and one volume factor.

    ``changes`` are ``(from_minutes, factor)`` sorted by time: the factor in force from
    that minute on (1 before the first).
    """
    out: list[Segment] = []
    day = epoch.date()
    start = 0.0
    base = datetime.combine(day, epoch.time())
    while start < end_minutes:
        days_in_month = month_calendar.monthrange(day.year, day.month)[1]
        month_first = day.replace(day=1)
        month_start = (datetime.combine(month_first, epoch.time()) - base).days * MINUTES_PER_DAY
        month_stop = month_start + days_in_month * MINUTES_PER_DAY
        stop = min(end_minutes, month_stop)
        cuts = [start] + [t for t, _ in changes if start < t < stop] + [stop]
        for lo, hi in pairwise(cuts):
            factor = _factor(changes, lo)
            out.append(Segment(lo, hi, day.month - 1, month_start, month_stop, factor))
        day = month_first + timedelta(days=days_in_month)
        start = stop
    return out


def _factor(changes: Sequence[tuple[float, float]], at: float) -> float:
    factor = 1.0
    for since, value in changes:
        if since <= at:
            factor = value
    return factor


def expected_counts(
    annual: float,
    seasonality: Sequence[float],
    pieces: Sequence[Segment],
    share: float = 1.0,
    profile: Density | None = None,
) -> np.ndarray:
    """Expected arrivals of one channel per segment (``profile`` None: uniform)."""
    out = np.empty(len(pieces))
    for i, seg in enumerate(pieces):
        month_minutes = seg.month_stop - seg.month_start
        ratio = (seg.stop - seg.start) / month_minutes
        if profile is not None:
            month_mass = float(profile.mass(seg.month_start, seg.month_stop))
            if month_mass > 0:
                ratio = float(profile.mass(seg.start, seg.stop)) / month_mass
        out[i] = annual * share * seasonality[seg.month] / 12.0 * seg.factor * ratio
    return out


def draw_arrivals(
    rng: np.random.Generator,
    annual: float,
    seasonality: Sequence[float],
    pieces: Sequence[Segment],
    channels: Mapping[str, float],
    profiles: Mapping[str, Density],
) -> tuple[np.ndarray, np.ndarray]:
    """Sorted arrival minutes and the channel of each (an object array of names).

    One Poisson draw per (channel, segment), then one uniform per arrival for its time.
    """
    names = list(channels)
    means = np.array(
        [expected_counts(annual, seasonality, pieces, channels[c], profiles[c]) for c in names]
    ).reshape(len(names), len(pieces))
    counts = rng.poisson(means)
    u = rng.random(int(counts.sum()))
    lo = np.array([s.start for s in pieces])
    hi = np.array([s.stop for s in pieces])
    times: list[np.ndarray] = []
    labels: list[np.ndarray] = []
    used = 0
    for c, name in enumerate(names):
        k = int(counts[c].sum())
        seg_lo, seg_hi = np.repeat(lo, counts[c]), np.repeat(hi, counts[c])
        times.append(profiles[name].place(seg_lo, seg_hi, u[used : used + k]))
        labels.append(np.full(k, c, dtype=np.int64))
        used += k
    all_times = np.concatenate(times) if times else np.empty(0)
    all_labels = np.concatenate(labels) if labels else np.empty(0, dtype=np.int64)
    order = np.argsort(all_times, kind="stable")
    return all_times[order], np.array(names, dtype=object)[all_labels[order]]
