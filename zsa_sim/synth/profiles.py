"""When in the week applications arrive: arrival profiles as piecewise-constant densities.

A channel's profile (:mod:`zsa_sim.scenario.demand_spec`) is turned into a density over
the run's days: pieces of time (an office-hours interval, an hour of a day, a whole day)
with a constant weight per minute. The monthly volume of a channel is spread over its
month in proportion to this density, so a profile moves applications *within* a month
and never changes how many arrive in it:

- ``office_hours``: evenly over the opening hours of the municipality's calendar, none
  on closed days (public holidays, extra closed days); a month without any opening hours
  falls back to ``uniform`` (the post still comes when the office is closed);
- ``uniform``: evenly over all 24 hours of every day (zsa-sim's behaviour before issue 17);
- ``online`` and explicit weekly profiles: weekday weight x hour-of-day weight.

All times are minutes since the run's epoch; the density may start before the epoch (at
the first day of the epoch's month) so that a month cut by the run's start is normalised
over the whole month.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import AfterValidator, Discriminator, Field, NonNegativeFloat, Tag

from zsa_sim.synth.common import GeneratorModel

WEEKDAY_KEYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

MINUTES_PER_DAY = 1440.0


def _twenty_four(weights: list[float]) -> list[float]:
    if len(weights) != 24:
        raise ValueError(f"hours needs 24 weights (0-1 h .. 23-24 h), got {len(weights)}")
    if not any(w > 0 for w in weights):
        raise ValueError("at least one hour needs a positive weight")
    return weights


def _weekdays(weights: dict[str, float]) -> dict[str, float]:
    unknown = sorted(set(weights) - set(WEEKDAY_KEYS))
    if unknown:
        raise ValueError(f"unknown weekday {unknown[0]!r} (known: {', '.join(WEEKDAY_KEYS)})")
    if not any(weights.get(d, 1.0) > 0 for d in WEEKDAY_KEYS):
        raise ValueError("at least one weekday needs a positive weight")
    return weights


class WeeklyProfile(GeneratorModel):
    """Relative arrival intensity by weekday and hour of day (weights, any scale).

    The intensity at a moment is ``weekdays[day] * hours[hour]``; an unlisted weekday
    has weight 1. Public holidays are ordinary days for such a profile.
    """

    weekdays: Annotated[dict[str, NonNegativeFloat], AfterValidator(_weekdays)] = Field(
        default_factory=dict
    )
    hours: Annotated[list[NonNegativeFloat], AfterValidator(_twenty_four)] = Field(
        default_factory=lambda: [1.0] * 24
    )

    def weekday_weight(self, weekday: int) -> float:
        """Weight of a weekday, 0 = Monday."""
        return float(self.weekdays.get(WEEKDAY_KEYS[weekday], 1.0))


#: Default profile of the online channel. ASSUMPTION: usage statistics of German
#: e-government portals are not public per service; what is reported in general is low
#: use at night, a working-day plateau and the highest use in the evening after work
#: (19-22 h), somewhat less at weekends. Replace with the portal's own access log.
ONLINE_DEFAULT = WeeklyProfile(
    weekdays={"mon": 1.15, "tue": 1.1, "wed": 1.05, "thu": 1.05, "fri": 0.95,
              "sat": 0.8, "sun": 0.9},
    hours=[0.3, 0.15, 0.1, 0.1, 0.1, 0.2, 0.5, 0.9, 1.2, 1.4, 1.4, 1.3,
           1.2, 1.2, 1.2, 1.2, 1.3, 1.5, 1.8, 2.0, 2.0, 1.6, 1.0, 0.6],
)  # fmt: skip


def _profile_tag(value: Any) -> str:
    return "named" if isinstance(value, str) else "weekly"


#: ``office_hours`` (only while the municipality's calendar is open, evenly), ``uniform``
#: (evenly over all 24 hours of every day), ``online`` (the documented default above), or
#: an explicit weekly profile.
ArrivalProfile = Annotated[
    Annotated[Literal["office_hours", "uniform", "online"], Tag("named")]
    | Annotated[WeeklyProfile, Tag("weekly")],
    Discriminator(_profile_tag),
]


def default_profile(channel: str) -> ArrivalProfile:
    """The profile of a channel the scenario does not set: online for ``online``,
    office hours for every other channel (paper is opened and counter applications are
    taken while the office is open)."""
    return "online" if channel == "online" else "office_hours"


@dataclass(frozen=True)
class Density:
    """Pieces ``[starts[j], starts[j] + lengths[j])`` with weight ``cumulative[j+1] -
    cumulative[j]`` each, sorted, none crossing midnight, none of weight 0."""

    starts: np.ndarray
    lengths: np.ndarray
    cumulative: np.ndarray

    def weight_before(self, at: np.ndarray | float) -> np.ndarray:
        """Total weight of the pieces that start before ``at`` (a midnight)."""
        return self.cumulative[np.searchsorted(self.starts, at, side="left")]

    def mass(self, lo: np.ndarray | float, hi: np.ndarray | float) -> np.ndarray:
        """Weight in ``[lo, hi)`` for midnights ``lo <= hi``."""
        return self.weight_before(hi) - self.weight_before(lo)

    def place(self, lo: np.ndarray, hi: np.ndarray, u: np.ndarray) -> np.ndarray:
        """Times in ``[lo, hi)`` with this density, one per uniform ``u`` (inversion).

        Where ``[lo, hi)`` has no weight the time is uniform in it instead.
        """
        w_lo = self.weight_before(lo)
        mass = self.weight_before(hi) - w_lo
        target = w_lo + u * mass
        last = len(self.starts) - 1
        piece = np.clip(np.searchsorted(self.cumulative, target, side="right") - 1, 0, last)
        if last < 0:
            return lo + u * (hi - lo)
        weight = self.cumulative[piece + 1] - self.cumulative[piece]
        inside = (target - self.cumulative[piece]) / weight
        times = self.starts[piece] + np.clip(inside, 0.0, 1.0) * self.lengths[piece]
        times = np.minimum(times, np.nextafter(hi, -np.inf))
        return np.where(mass > 0, times, lo + u * (hi - lo))


def density(
    profile: ArrivalProfile,
    first: date,
    epoch: datetime,
    days: int,
    office_hours: Mapping[int, Sequence[tuple[float, float]]],
    closed: frozenset[date],
) -> Density:
    """The density of ``profile`` over ``days`` days from ``first`` (minutes since epoch).

    ``office_hours`` (weekday -> intervals in minutes after midnight) and ``closed``
    (closed days) describe the municipality's calendar for ``office_hours``.
    """
    offset = (datetime.combine(first, epoch.time()) - epoch).days * MINUTES_PER_DAY
    midnights = offset + np.arange(days) * MINUTES_PER_DAY
    if profile == "office_hours":
        starts: list[float] = []
        lengths: list[float] = []
        for n in range(days):
            day = first + timedelta(days=n)
            if day not in closed:
                for a, b in office_hours.get(day.weekday(), ()):
                    if b > a:
                        starts.append(float(midnights[n]) + a)
                        lengths.append(b - a)
        return _pieces(np.asarray(starts, float), np.asarray(lengths, float), None)
    if profile == "uniform":
        return _pieces(midnights, np.full(days, MINUTES_PER_DAY), None)
    weekly = ONLINE_DEFAULT if profile == "online" else profile
    assert isinstance(weekly, WeeklyProfile)
    first_weekday = first.weekday()
    day_weights = np.array([weekly.weekday_weight((first_weekday + n) % 7) for n in range(7)])
    rates = np.tile(day_weights, days // 7 + 1)[:days, None] * np.asarray(weekly.hours)[None, :]
    hour_starts = midnights[:, None] + np.arange(24)[None, :] * 60.0
    return _pieces(hour_starts.ravel(), np.full(24 * days, 60.0), rates.ravel())


def _pieces(starts: np.ndarray, lengths: np.ndarray, rates: np.ndarray | None) -> Density:
    """A density from pieces with a weight per minute (None: 1), zero-weight ones dropped."""
    weights = lengths if rates is None else rates * lengths
    keep = weights > 0
    cumulative = np.concatenate(([0.0], np.cumsum(weights[keep])))
    return Density(starts[keep], lengths[keep], cumulative)
