"""Runs of the validation suite: every run is checked for flow conservation and Little's law.

Every simulation the suite makes goes through :func:`run_checked`, which tees the event
log into a :class:`Ledger` (per case: arrival, end, open rows) and the KPI layer's
:class:`~zsa_sim.experiment.cases.CaseTable`, and then asserts

- **flow conservation**: every started case has exactly one start-event row; the cases
  the log shows as finished (an end-event row that ends the case, nothing open) are the
  engine's ``cases_completed``, the others its ``cases_open``, and
  ``started == completed + open``; the KPI layer reports the same cases as open;
- **Little's law** on the whole run ``[0, T]`` (T = horizon) in its sample-path form
  (Little 1961; El-Taha & Stidham 1999): the time-average number of cases in the system
  ``L = (1/T)·∫N(t)dt``, swept over the arrival and departure instants, equals
  ``λ·W`` with ``λ = n/T`` and ``W`` the mean time in the system up to T, to rounding
  error (relative 1e-9). The number in the system ``N(t)`` must never be negative and
  must end at the number of open cases. This holds for every consistent log, so what it
  catches is an inconsistent one: a case lost or counted twice, an end before its
  arrival, rows of a case after it ended. The statistical form (``L`` against the
  theory's ``λ·W``) is asserted by the queueing tests.

Queueing helpers (Poisson sources, one-task M/M/c-style replications) are here too;
closed-form results are in ``tests/queueing_theory.py``.
"""

from __future__ import annotations

import functools
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
from engine_models import linear, pool, setup_for
from queueing_theory import fcfs_waits

from zsa_sim.engine import SimulationResult, simulate
from zsa_sim.engine.distributions import Distribution
from zsa_sim.engine.setup import CaseArrival, CaseSource, SimulationSetup
from zsa_sim.eventlog.schema import ActivityRecord, EventLogSink, ListSink, Tee
from zsa_sim.experiment.cases import CaseTable, side_end_events
from zsa_sim.scenario import build_setup, load_scenario

REPO = Path(__file__).resolve().parents[2]

#: Relative tolerance of the exact (sample-path) Little identity: float rounding only.
LITTLE_RTOL = 1e-9


class Ledger:
    """Event-log sink keeping what conservation and Little's law need, per case.

    ``watch`` names activity ids whose rows are kept as (enabled, start, complete)
    triples, for waiting times and inter-arrival times.
    """

    def __init__(self, side_ends: Iterable[str] = (), watch: Iterable[str] = ()) -> None:
        self.side_ends = frozenset(side_ends)
        self.starts: Counter[str] = Counter()
        self.arrival: dict[str, float] = {}
        self.has_end: set[str] = set()
        self.last_end: dict[str, float] = {}
        self.last_complete: dict[str, float] = {}
        self.open_rows: Counter[str] = Counter()
        self.cases: set[str] = set()
        self.watched: dict[str, list[tuple[float, float, float]]] = {a: [] for a in watch}
        self.disorder: list[ActivityRecord] = []

    def record(self, row: ActivityRecord) -> None:
        """Fold one row in."""
        case = row.case_id
        self.cases.add(case)
        enabled, start, complete = row.enabled, row.start, row.complete
        if not (enabled >= 0 and (math.isnan(start) or enabled <= start)):
            self.disorder.append(row)
        if not math.isnan(complete):
            if complete < (enabled if math.isnan(start) else start):
                self.disorder.append(row)
            self.last_complete[case] = max(self.last_complete.get(case, -math.inf), complete)
        else:
            self.open_rows[case] += 1
        kind = row.activity_type
        if kind == "startEvent":
            self.starts[case] += 1
            self.arrival[case] = complete
        elif kind == "endEvent":
            self.last_end[case] = max(self.last_end.get(case, -math.inf), complete)
            if row.activity_id not in self.side_ends:
                self.has_end.add(case)
        watched = self.watched.get(row.activity_id)
        if watched is not None:
            watched.append((enabled, start, complete))

    def finished(self) -> dict[str, float]:
        """Case id -> departure (its last row's completion) of every finished case."""
        return {
            c: self.last_complete[c]
            for c in self.has_end
            if not self.open_rows[c] and c in self.arrival
        }

    def waits(self, activity: str, lo: float = -math.inf, hi: float = math.inf) -> np.ndarray:
        """Waits (start - enabled) of an activity's rows enabled in [lo, hi)."""
        return np.array(
            [s - e for e, s, _ in self.watched[activity] if lo <= e < hi and not math.isnan(s)]
        )

    def sojourns(self, lo: float = -math.inf, hi: float = math.inf) -> np.ndarray:
        """Times in the system of the finished cases that arrived in [lo, hi)."""
        ends = self.finished()
        return np.array(
            [d - self.arrival[c] for c, d in ends.items() if lo <= self.arrival[c] < hi]
        )

    def time_average_in_system(self, lo: float, hi: float) -> float:
        """``(1/(hi-lo))·∫N(t)dt`` over [lo, hi]; open cases count until ``hi``."""
        ends = self.finished()
        area = 0.0
        for case, a in self.arrival.items():
            d = ends.get(case, math.inf)
            area += max(0.0, min(d, hi) - max(a, lo))
        return area / (hi - lo)


@dataclass
class CheckedRun:
    """A run that passed the conservation and Little checks."""

    ledger: Ledger
    result: SimulationResult
    horizon: float
    table: CaseTable
    sinks: Sequence[EventLogSink] = field(default_factory=tuple)


def assert_conservation(ledger: Ledger, result: SimulationResult, table: CaseTable) -> None:
    """Every started case ends or is reported open, in the engine, the log and the KPIs."""
    assert not ledger.disorder, f"rows with times out of order: {ledger.disorder[:3]}"
    twice = [c for c, n in ledger.starts.items() if n != 1]
    assert not twice, f"cases with more than one start-event row: {twice[:5]}"
    no_start = ledger.cases - set(ledger.arrival)
    assert not no_start, f"cases with rows but no start-event row: {sorted(no_start)[:5]}"
    ends = ledger.finished()
    late = [c for c, d in ends.items() if ledger.last_end[c] != d]
    assert not late, f"finished cases with rows after their last end event: {late[:5]}"
    started = len(ledger.arrival)
    finished = len(ends)
    open_cases = started - finished
    assert started == result.cases_started, (started, result.cases_started)
    assert finished == result.cases_completed, (finished, result.cases_completed)
    assert open_cases == result.cases_open, (open_cases, result.cases_open)
    assert result.cases_started == result.cases_completed + result.cases_open
    reported_open = sum(1 for r in table.records() if r.is_open)
    assert reported_open == result.cases_open, (
        f"the KPI layer reports {reported_open} open cases, the engine {result.cases_open}"
    )


def assert_littles_law(ledger: Ledger, horizon: float) -> None:
    """Sample-path Little's law on [0, horizon] (see the module docstring)."""
    ends = ledger.finished()
    events: list[tuple[float, int]] = []
    for case, a in ledger.arrival.items():
        events.append((a, 1))
        d = ends.get(case)
        if d is not None:
            assert a <= d <= horizon, f"case {case}: arrival {a}, departure {d}"
            events.append((d, -1))
    # arrivals before departures at equal times: a case that passes in zero time
    # arrives before it leaves (the area between equal times is zero either way)
    events.sort(key=lambda e: (e[0], -e[1]))
    area, n, last = 0.0, 0, 0.0
    for t, step in events:
        area += n * (t - last)
        n += step
        last = t
        assert n >= 0, f"more cases left than arrived by time {t}"
    area += n * (horizon - last)
    assert n == len(ledger.arrival) - len(ends)
    count = len(ledger.arrival)
    if count == 0:
        return
    sojourn = [min(ends.get(c, horizon), horizon) - a for c, a in ledger.arrival.items()]
    lam, w = count / horizon, math.fsum(sojourn) / count
    assert math.isclose(area / horizon, lam * w, rel_tol=LITTLE_RTOL, abs_tol=1e-12), (
        f"L = {area / horizon}, λW = {lam * w}"
    )


def run_checked(
    setup: SimulationSetup, *sinks: EventLogSink, watch: Iterable[str] = ()
) -> CheckedRun:
    """Simulate ``setup`` and assert conservation and Little's law on its log."""
    side: set[str] = set()
    for service in setup.services.values():
        side |= side_end_events(service.definitions.main_process)
    ledger = Ledger(side, watch)
    table = CaseTable.from_services(setup.services)
    result = simulate(setup, Tee(ledger, table, *sinks))
    assert_conservation(ledger, result, table)
    assert_littles_law(ledger, setup.horizon)
    return CheckedRun(ledger, result, setup.horizon, table, sinks)


# -- scenario runs ----------------------------------------------------------------------

#: Short runs of the shipped and test scenarios: 60 observed days after the scenario's
#: warm-up and no cool-down, so that cases are still open when the run ends.
SHORT_RUN = {"period.days": 60, "period.cooldown_days": 0}


@dataclass(frozen=True)
class ScenarioRun:
    """One checked run of a scenario variant, with its whole event log."""

    setup: SimulationSetup
    rows: list[ActivityRecord]
    run: CheckedRun


@functools.cache
def scenario_run(path: str, variant: str, replication: int = 0) -> ScenarioRun:
    """A short checked run of a scenario file (relative to the repository), cached."""
    scenario = load_scenario(REPO / path).with_changes(SHORT_RUN)
    setup = build_setup(scenario, variant, replication)
    sink = ListSink()
    return ScenarioRun(setup, sink.rows, run_checked(setup, sink))


#: (scenario file, variant) of every run the suite makes of the scenario files: the
#: pilot's two variants, the hybrid scenario's own two, and the test scenario's three.
SCENARIO_VARIANTS = [
    ("scenarios/pilot.yaml", "dezentral"),
    ("scenarios/pilot.yaml", "zentral"),
    ("scenarios/hybrid.yaml", "ohne_halle"),
    ("scenarios/hybrid.yaml", "nur_hundehaltung"),
    ("tests/data/scenarios/mini.yaml", "dezentral"),
    ("tests/data/scenarios/mini.yaml", "zentral"),
    ("tests/data/scenarios/mini.yaml", "hybrid"),
    # staff ramp, closures, overtime, per-clerk and EDF queues, other work (issue 17)
    ("tests/data/scenarios/mini_office.yaml", "dezentral"),
    ("tests/data/scenarios/mini_office.yaml", "zentral"),
]


# -- queueing models ---------------------------------------------------------------------


def poisson_times(rate: float, end: float, rng: np.random.Generator) -> list[float]:
    """Arrival times of a Poisson process of ``rate`` on [0, end)."""
    count = rng.poisson(rate * end)
    return np.sort(rng.uniform(0.0, end, count)).tolist()


def source_of(times: Sequence[float], service: str = "svc", town: str = "town") -> CaseSource:
    """A case source with the given arrival times."""
    return CaseSource(
        service,
        town,
        lambda: (CaseArrival(service, town, i, t) for i, t in enumerate(times)),
    )


@dataclass(frozen=True)
class QueueSample:
    """What one replication of a one-task queue measured after its warm-up."""

    mean_wait: float
    mean_sojourn: float
    #: time-average number of cases in the system over the measured span
    in_system: float
    #: arrivals in the measured span per minute
    arrival_rate: float


def queue_replication(
    *,
    rate: float,
    effort: Distribution,
    servers: int,
    warmup: float,
    span: float,
    seed: int,
    replication: int,
) -> QueueSample:
    """One replication of a one-task queue with ``servers`` staff, always open.

    Poisson arrivals of ``rate`` per minute arrive in [0, warmup + span); cases that
    arrive in the measured span [warmup, warmup + span) are measured. Arrivals stop at
    the end of the span and the run goes on until every case has finished.

    Besides the run checks of :func:`run_checked`, every case's wait must equal the wait
    that the first-come-first-served recursion (:func:`queueing_theory.fcfs_waits`)
    computes from the same arrival and service times, to rounding error: the queue's
    mechanics are checked exactly on the sample path, the statistics against theory.
    """
    end = warmup + span
    times = poisson_times(rate, end, np.random.default_rng([seed, replication]))
    setup = setup_for(
        linear("A"),
        {"A": effort},
        source_of(times),
        pools=[pool(fte=servers)],
        horizon=end + 200 * span,
        seed=seed,
    )
    run = run_checked(replace(setup, replication=replication), watch=("A",))
    assert run.result.cases_open == 0, "the queue did not drain: horizon too short"
    ledger = run.ledger
    assert_fcfs(ledger.watched["A"], servers)
    sojourns = ledger.sojourns(warmup, end)
    return QueueSample(
        mean_wait=float(np.mean(ledger.waits("A", warmup, end))),
        mean_sojourn=float(np.mean(sojourns)),
        in_system=ledger.time_average_in_system(warmup, end),
        arrival_rate=len(sojourns) / span,
    )


def assert_fcfs(rows: list[tuple[float, float, float]], servers: int) -> None:
    """The logged waits of one task equal the FCFS recursion's (absolute 1e-6 minutes)."""
    ordered = sorted(rows)
    arrivals = [e for e, _, _ in ordered]
    services = [c - s for _, s, c in ordered]
    expected = np.array(fcfs_waits(arrivals, services, servers))
    logged = np.array([s - e for e, s, _ in ordered])
    worst = int(np.argmax(np.abs(logged - expected)))
    assert np.allclose(logged, expected, rtol=0, atol=1e-6), (
        f"case enabled at {arrivals[worst]}: waited {logged[worst]}, FCFS says {expected[worst]}"
    )
