"""The year's applicants of one service in one municipality: when they come, who they are.

Arrivals form a non-homogeneous Poisson process per channel: a year brings
``cases_per_1000 * volume * population / 1000`` applications on average, month ``m`` a
share ``seasonality_m / 12`` of them (factors normalised to average 1), times the factor
of any ``volume_changes`` in force, spread over the month by the channel's arrival
profile (office hours for paper and counter, an evening peak online; see
:mod:`zsa_sim.synth.arrivals` and :mod:`zsa_sim.synth.profiles`). Applications arrive
from the first simulated day (warm-up included) until the end of the observed period.
The initial backlog (:mod:`zsa_sim.synth.backlog`) comes first in a case source.

Each applicant comes with its channel and gets the service's attributes from the scenario's
generator (:mod:`zsa_sim.synth.hundehaltung`, :mod:`zsa_sim.synth.wohngeld`,
:mod:`zsa_sim.synth.generic`). Arrival times and attributes come from two streams keyed
by seed, replication, service and municipality, **not** by variant: every variant sees
the same applicants (common random numbers). Names and addresses are not needed by the
engine and are only made for the CSV export (:mod:`zsa_sim.synth.export`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

import numpy as np

from zsa_sim.engine.expressions import as_priority, compile_expression
from zsa_sim.engine.setup import ArrivalBatch, CaseArrival, CaseSource
from zsa_sim.randomness import stream
from zsa_sim.synth.arrivals import draw_arrivals, month_bounds, segments
from zsa_sim.synth.backlog import FROM_BACKLOG, generate_backlog, has_backlog
from zsa_sim.synth.profiles import Density, default_profile, density

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
        """The applicants as engine arrivals, in time order (plain Python values)."""
        service, municipality = self.service, self.municipality
        for batch in self.batches():
            yield from batch.arrivals(service, municipality)

    def batches(self) -> Iterator[ArrivalBatch]:
        """The applicants as columns of plain Python values, ``ARRIVAL_CHUNK`` rows at a
        time, in time order (the engine's fast path; :class:`ArrivalBatch`).

        The columns stay numpy arrays (8 bytes per value) and are turned into Python
        values a chunk at a time as the engine consumes the arrivals: converting the
        whole year at once kept about 300 bytes of Python objects per applicant alive
        for the entire run (issue 8). ``tolist()`` of a slice gives the same values as
        the slice of ``tolist()``, so the arrivals are unchanged.
        """
        names = list(self.attributes)
        columns = [self.attributes[name] for name in names]
        n = len(self)
        for lo in range(0, n, ARRIVAL_CHUNK):
            hi = min(lo + ARRIVAL_CHUNK, n)
            yield ArrivalBatch(
                lo,
                self.times[lo:hi].tolist(),
                {name: column[lo:hi].tolist() for name, column in zip(names, columns, strict=True)},
                None if self.priorities is None else self.priorities[lo:hi].tolist(),
            )


def annual_cases(scenario: Scenario, service: str, municipality: str) -> float:
    """Expected applications per year of a service in a municipality."""
    spec = scenario.services[service]
    population = scenario.municipalities[municipality].population
    return spec.cases_per_1000 * spec.volume * population / 1000.0


def volume_steps(scenario: Scenario, service: str, municipality: str) -> list[tuple[float, float]]:
    """The service's volume factors for a municipality as ``(from_minutes, factor)``.

    On one date an entry naming the municipality wins over one for all municipalities.
    """
    epoch = scenario.period.epoch.date()
    by_date: dict[date, tuple[bool, float]] = {}
    for change in scenario.services[service].volume_changes:
        own = change.municipalities is not None
        if own and municipality not in change.municipalities:  # type: ignore[operator]
            continue
        if change.start not in by_date or own:
            by_date[change.start] = (own, change.factor)
    return [
        ((day - epoch).days * MINUTES_PER_DAY, factor)
        for day, (_own, factor) in sorted(by_date.items())
    ]


def channel_densities(scenario: Scenario, service: str, municipality: str) -> dict[str, Density]:
    """Each channel's arrival profile as a density over the months of the run."""
    spec = scenario.services[service]
    period = scenario.period
    first, days = month_bounds(period.epoch, period.arrivals_end)
    calendar = scenario.calendars[scenario.municipalities[municipality].calendar]
    weekly = calendar.weekly_minutes()
    closed = calendar.closed_days(first, first + timedelta(days=days))
    return {
        channel: density(
            spec.arrival_profiles.get(channel, default_profile(channel)),
            first,
            period.epoch,
            days,
            weekly,
            closed,
        )
        for channel in spec.channels
    }


def generate_applicants(
    scenario: Scenario, service: str, municipality: str, replication: int
) -> Applicants:
    """The applicants of one (service, municipality) in one replication (any variant)."""
    spec = scenario.services[service]
    period = scenario.period
    arrivals_rng = stream(scenario.seed, replication, "arrivals", service, municipality)
    times, channels = draw_arrivals(
        arrivals_rng,
        annual_cases(scenario, service, municipality),
        spec.normalised_seasonality,
        segments(period.epoch, period.arrivals_end, volume_steps(scenario, service, municipality)),
        spec.channels,
        channel_densities(scenario, service, municipality),
    )
    n = int(times.size)
    rng = stream(scenario.seed, replication, "attributes", service, municipality)
    attributes: dict[str, np.ndarray] = {"channel": channels}
    attributes.update(spec.applicants.draw(rng, n))
    if has_backlog(scenario):
        attributes[FROM_BACKLOG] = np.zeros(n, dtype=bool)
    priorities = priorities_of(scenario, service, attributes, times)
    return Applicants(service, municipality, times, attributes, priorities)


#: Besides the attributes, a priority expression may read the application's day: days
#: since the run's epoch, fractional, negative for the initial backlog. ``-arrival_day``
#: works applications in order of receipt: an older case's next step comes before a
#: newer case's first (the usual office practice; plain FIFO per task starts new files
#: before it finishes old ones).
ARRIVAL_DAY = "arrival_day"


def priorities_of(
    scenario: Scenario, service: str, attributes: Mapping[str, np.ndarray], times: np.ndarray
) -> np.ndarray | None:
    """Each applicant's priority by the service's expression (None: no expression)."""
    spec = scenario.services[service]
    if spec.priority is None:
        return None
    where = f"services.{service}.priority"
    if scenario.source:
        where = f"{scenario.source}: {where}"
    expression = compile_expression(spec.priority, where)
    attributes = {**attributes, ARRIVAL_DAY: np.asarray(times, dtype=float) / MINUTES_PER_DAY}
    names = list(attributes)
    n = int(times.size)
    priorities = np.empty(n, dtype=float)
    # chunk-wise, so that the year is never held as Python objects at once
    for lo in range(0, n, ARRIVAL_CHUNK):
        hi = min(lo + ARRIVAL_CHUNK, n)
        columns = [attributes[k][lo:hi].tolist() for k in names]
        priorities[lo:hi] = [
            as_priority(expression(dict(zip(names, row, strict=True))), where)
            for row in zip(*columns, strict=True)
        ]
    return priorities


def case_source(
    scenario: Scenario, service: str, municipality: str, replication: int
) -> CaseSource:
    """A lazy engine source: the initial backlog, then the new applications, generated
    when the engine asks for them."""

    def arrivals() -> Iterator[CaseArrival]:
        # the initial backlog first: it stands in the process when the run begins
        yield from generate_backlog(scenario, service, municipality, replication).arrivals()
        yield from generate_applicants(scenario, service, municipality, replication).arrivals()

    def batches() -> Iterator[CaseArrival | ArrivalBatch]:
        # the same arrivals, the new applications as columns (the engine's fast path)
        yield from generate_backlog(scenario, service, municipality, replication).arrivals()
        yield from generate_applicants(scenario, service, municipality, replication).batches()

    def fingerprint() -> object:
        # the columns the arrivals are made of (the making itself is code, which the
        # result cache keys by the package's digest)
        return (
            generate_backlog(scenario, service, municipality, replication),
            generate_applicants(scenario, service, municipality, replication),
        )

    return CaseSource(
        service=service,
        municipality=municipality,
        arrivals=arrivals,
        fingerprint=fingerprint,
        batches=batches,
    )


def arrival_datetime(epoch: datetime, minutes: float) -> datetime:
    """Simulation minutes to a calendar datetime (to the second)."""
    return epoch + timedelta(seconds=round(minutes * 60))


def reference_date(scenario: Scenario) -> date:
    """The first observed day, for ages in the synthetic identities."""
    return scenario.period.start
