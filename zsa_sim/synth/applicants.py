"""The year's applicants of one service in one municipality: when they come, who they are.

Arrivals form a non-homogeneous Poisson process with a rate that is constant within
each calendar month: a year brings ``cases_per_1000 * volume * population / 1000``
applications on average, month ``m`` a share ``seasonality_m / 12`` of them (factors
normalised to average 1), spread evenly over the month's days and hours. Within a month
the count is Poisson and the times are uniform, which is exactly that process; both are
drawn in one vectorised step. Applications arrive from the first simulated day (warm-up
included) until the end of the observed period.

Each applicant then gets a channel and the service's attributes from the scenario's
generator (:mod:`zsa_sim.synth.hundehaltung`, :mod:`zsa_sim.synth.wohngeld`,
:mod:`zsa_sim.synth.generic`). Arrival times and attributes come from two streams keyed
by seed, replication, service and municipality, **not** by variant: every variant sees
the same applicants (common random numbers). Names and addresses are not needed by the
engine and are only made for the CSV export (:mod:`zsa_sim.synth.export`).
"""

from __future__ import annotations

import calendar as month_calendar
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

import numpy as np

from zsa_sim.engine.expressions import as_priority, compile_expression
from zsa_sim.engine.setup import CaseArrival, CaseSource
from zsa_sim.randomness import stream

if TYPE_CHECKING:
    from zsa_sim.scenario.schema import Scenario

MINUTES_PER_DAY = 1440.0
#: Rows of numpy columns turned into Python values at a time (see ``Applicants.arrivals``).
#: Every stream holds one converted chunk while the run lasts (about 170 bytes a row), and
#: a state-wide run has hundreds of streams: 64 rows keep that below 11 KB a stream, while
#: the slicing per chunk costs ~0.1 us a row against ~0.5 ms of simulation per case.
ARRIVAL_CHUNK = 64


@dataclass(frozen=True)
class Applicants:
    """Column-wise applicants of one (service, municipality): arrival minutes, attributes."""

    service: str
    municipality: str
    #: minutes since the run's epoch, sorted.
    times: np.ndarray
    #: attribute name -> one value per applicant (``channel`` first).
    attributes: Mapping[str, np.ndarray]
    #: optional per-applicant priority (larger is served first).
    priorities: np.ndarray | None = None

    def __len__(self) -> int:
        return int(self.times.size)

    def arrivals(self) -> Iterator[CaseArrival]:
        """The applicants as engine arrivals, in time order (plain Python values).

        The columns stay numpy arrays (8 bytes per value) and are turned into Python
        values ``ARRIVAL_CHUNK`` rows at a time as the engine consumes the arrivals:
        converting the whole year at once kept about 300 bytes of Python objects per
        applicant alive for the entire run (issue 8). ``tolist()`` of a slice gives the
        same values as the slice of ``tolist()``, so the arrivals are unchanged.
        """
        names = list(self.attributes)
        columns = [self.attributes[name] for name in names]
        service, municipality = self.service, self.municipality
        n = len(self)
        for lo in range(0, n, ARRIVAL_CHUNK):
            hi = min(lo + ARRIVAL_CHUNK, n)
            times = self.times[lo:hi].tolist()
            if self.priorities is not None:
                priorities = self.priorities[lo:hi].tolist()
            else:
                priorities = [0.0] * (hi - lo)
            chunk = [column[lo:hi].tolist() for column in columns]
            for offset, (time, priority) in enumerate(zip(times, priorities, strict=True)):
                yield CaseArrival(
                    service=service,
                    municipality=municipality,
                    index=lo + offset,
                    time=time,
                    attributes={
                        name: column[offset] for name, column in zip(names, chunk, strict=True)
                    },
                    priority=priority,
                )


def month_segments(epoch: datetime, end_minutes: float) -> list[tuple[float, float, int, int]]:
    """Pieces of [0, end) that lie in one calendar month: (start, end, month 0..11, days)."""
    segments: list[tuple[float, float, int, int]] = []
    day = epoch.date()
    start = 0.0
    while start < end_minutes:
        days_in_month = month_calendar.monthrange(day.year, day.month)[1]
        first_next = (day.replace(day=1) + timedelta(days=days_in_month)) - day
        stop = min(end_minutes, start + first_next.days * MINUTES_PER_DAY)
        segments.append((start, stop, day.month - 1, days_in_month))
        day = day + first_next
        start = stop
    return segments


def expected_counts(
    annual: float, seasonality: Sequence[float], segments: Sequence[tuple[float, float, int, int]]
) -> np.ndarray:
    """Expected arrivals per segment: ``annual * s_m / 12`` per full month, prorated."""
    return np.array(
        [
            annual * seasonality[month] / 12.0 * (stop - start) / (days * MINUTES_PER_DAY)
            for start, stop, month, days in segments
        ]
    )


def arrival_times(
    rng: np.random.Generator,
    annual: float,
    seasonality: Sequence[float],
    epoch: datetime,
    end_minutes: float,
) -> np.ndarray:
    """Sorted arrival minutes of the monthly piecewise-constant Poisson process."""
    segments = month_segments(epoch, end_minutes)
    counts = rng.poisson(expected_counts(annual, seasonality, segments))
    starts = np.repeat([s[0] for s in segments], counts)
    lengths = np.repeat([s[1] - s[0] for s in segments], counts)
    return np.sort(starts + rng.random(int(counts.sum())) * lengths)


def annual_cases(scenario: Scenario, service: str, municipality: str) -> float:
    """Expected applications per year of a service in a municipality."""
    spec = scenario.services[service]
    population = scenario.municipalities[municipality].population
    return spec.cases_per_1000 * spec.volume * population / 1000.0


def generate_applicants(
    scenario: Scenario, service: str, municipality: str, replication: int
) -> Applicants:
    """The applicants of one (service, municipality) in one replication (any variant)."""
    spec = scenario.services[service]
    period = scenario.period
    arrivals_rng = stream(scenario.seed, replication, "arrivals", service, municipality)
    times = arrival_times(
        arrivals_rng,
        annual_cases(scenario, service, municipality),
        spec.normalised_seasonality,
        period.epoch,
        period.arrivals_end,
    )
    n = int(times.size)
    rng = stream(scenario.seed, replication, "attributes", service, municipality)
    channels = np.array(list(spec.channels), dtype=object)
    cumulative = np.cumsum(list(spec.channels.values()))
    cumulative[-1] = 1.0
    attributes: dict[str, np.ndarray] = {
        "channel": channels[np.searchsorted(cumulative, rng.random(n), side="right")]
    }
    attributes.update(spec.applicants.draw(rng, n))
    priorities = None
    if spec.priority is not None:
        where = f"services.{service}.priority"
        if scenario.source:
            where = f"{scenario.source}: {where}"
        expression = compile_expression(spec.priority, where)
        names = list(attributes)
        priorities = np.empty(n, dtype=float)
        # chunk-wise, so that the year is never held as Python objects at once
        for lo in range(0, n, ARRIVAL_CHUNK):
            hi = min(lo + ARRIVAL_CHUNK, n)
            columns = [attributes[k][lo:hi].tolist() for k in names]
            priorities[lo:hi] = [
                as_priority(expression(dict(zip(names, row, strict=True))), where)
                for row in zip(*columns, strict=True)
            ]
    return Applicants(service, municipality, times, attributes, priorities)


def case_source(
    scenario: Scenario, service: str, municipality: str, replication: int
) -> CaseSource:
    """A lazy engine source: applicants are generated when the engine asks for them."""

    def arrivals() -> Iterator[CaseArrival]:
        yield from generate_applicants(scenario, service, municipality, replication).arrivals()

    return CaseSource(service=service, municipality=municipality, arrivals=arrivals)


def arrival_datetime(epoch: datetime, minutes: float) -> datetime:
    """Simulation minutes to a calendar datetime (to the second)."""
    return epoch + timedelta(seconds=round(minutes * 60))


def reference_date(scenario: Scenario) -> date:
    """The first observed day, for ages in the synthetic identities."""
    return scenario.period.start
