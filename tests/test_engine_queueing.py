"""The engine against queueing theory: M/M/c waiting times (Erlang C) and Little's law.

One task, Poisson arrivals, c staff members, exponential efforts, an always-open
calendar: an M/M/c queue. For each load, 20 independent replications (own arrival
stream, own DrawTable replication) estimate the mean waiting time of the cases that
arrive after a warm-up; the Erlang C value must lie inside the replications' 95 %
Student-t interval. The tolerance therefore comes from the replications alone.

Run lengths: the warm-up is several relaxation times 1/(cμ(1-√ρ)²) of the queue, so
the empty start does not bias the estimate; the measured span makes the interval
narrow enough to mean something (about ±5 % at ρ = 0.5 and 0.8, ±12 % at ρ = 0.95).
Arrivals stop at the end of the span and the run goes on until the queue is empty, so
every measured case is complete.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
from engine_models import (
    ModelBuilder,
    arrivals_at,
    definitions,
    linear,
    pool,
    setup_for,
)
from queueing_theory import erlang_c, mg1_mean_wait, mmc_mean_in_system, mmc_mean_wait, t_interval

from zsa_sim.engine import simulate
from zsa_sim.engine.calendar import WorkingCalendar
from zsa_sim.engine.distributions import Distribution
from zsa_sim.engine.setup import BranchRule, CaseArrival, CaseSource, WaitRule
from zsa_sim.eventlog.schema import ActivityRecord

SEED = 2026


class CaseClock:
    """Sink that keeps each case's arrival and end, and the task's waits in a window."""

    def __init__(self, lo: float = 0.0, hi: float = math.inf) -> None:
        self.lo, self.hi = lo, hi
        self.arrival: dict[str, float] = {}
        self.end: dict[str, float] = {}
        self.waits: list[float] = []

    def record(self, row: ActivityRecord) -> None:
        if row.activity_type == "startEvent":
            self.arrival[row.case_id] = row.complete
        elif row.activity_type == "endEvent":
            self.end[row.case_id] = max(row.complete, self.end.get(row.case_id, -math.inf))
        elif row.activity_id == "A" and self.lo <= row.enabled < self.hi:
            self.waits.append(row.start - row.enabled)

    def time_average_in_system(self, lo: float, hi: float) -> float:
        """∫ N(t) dt / (hi - lo) over [lo, hi], N = cases arrived and not ended."""
        area = 0.0
        for case, a in self.arrival.items():
            d = self.end.get(case, math.inf)
            area += max(0.0, min(d, hi) - max(a, lo))
        return area / (hi - lo)


def poisson_source(rate: float, end: float, rng: np.random.Generator) -> CaseSource:
    times = np.cumsum(rng.exponential(1 / rate, int(rate * end * 1.2) + 100))
    times = times[times < end].tolist()
    assert len(times) > rate * end * 0.9  # the block was long enough
    return CaseSource(
        "svc",
        "town",
        lambda: (CaseArrival("svc", "town", i, t) for i, t in enumerate(times)),
    )


def mmc_replication(rho: float, servers: int, warmup: float, span: float, replication: int):
    """One replication of M/M/c with μ = 1 per minute; returns (mean wait, L, λ)."""
    rate = rho * servers
    end = warmup + span
    source = poisson_source(rate, end, np.random.default_rng([SEED, replication]))
    setup = setup_for(
        linear("A"),
        {"A": Distribution.exponential(1.0)},
        source,
        pools=[pool(fte=servers)],
        horizon=2 * end + 10_000,
        seed=SEED,
    )
    clock = CaseClock(warmup, end)
    result = simulate(replace(setup, replication=replication), clock)
    assert result.cases_open == 0
    return float(np.mean(clock.waits)), clock.time_average_in_system(warmup, end)


def test_erlang_c_helper_against_known_values():
    assert erlang_c(1, 0.5) == pytest.approx(0.5)  # M/M/1: P(wait) = ρ
    assert mmc_mean_wait(0.5, 1.0, 1) == pytest.approx(1.0)  # ρ/(μ-λ)
    # c = 2, a = 1.9: C = (a²/2 · c/(c-a)) / (1 + a + a²/2 · c/(c-a)) = 36.1 / 39
    assert erlang_c(2, 1.9) == pytest.approx(36.1 / 39)
    assert mmc_mean_in_system(0.5, 1.0, 1) == pytest.approx(1.0)  # ρ/(1-ρ)
    assert mg1_mean_wait(0.5, 1.0, 0.0) == pytest.approx(0.5)  # M/D/1: half of M/M/1
    with pytest.raises(ValueError, match="unstable"):
        erlang_c(2, 2.0)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("rho", "servers", "warmup", "span"),
    [(0.5, 1, 200.0, 3_000.0), (0.8, 3, 500.0, 3_000.0), (0.95, 2, 4_000.0, 16_000.0)],
    ids=["rho=0.5,c=1", "rho=0.8,c=3", "rho=0.95,c=2"],
)
def test_mmc_waiting_time_and_littles_law_match_theory(rho, servers, warmup, span):
    waits, in_system = [], []
    for r in range(20):
        w, n = mmc_replication(rho, servers, warmup, span, r)
        waits.append(w)
        in_system.append(n)
    mean, half = t_interval(waits)
    theory = mmc_mean_wait(rho * servers, 1.0, servers)
    assert half < 0.15 * theory, "interval too wide to mean anything"
    assert abs(mean - theory) <= half, f"Wq {mean:.3f} ± {half:.3f}, Erlang C {theory:.3f}"
    # Little's law: the time-average number in system read off the event log against
    # λ·W of the theory (W = Wq + 1/μ)
    mean_l, half_l = t_interval(in_system)
    theory_l = mmc_mean_in_system(rho * servers, 1.0, servers)
    assert abs(mean_l - theory_l) <= half_l, f"L {mean_l:.3f} ± {half_l:.3f}, λW {theory_l:.3f}"


def test_littles_law_holds_exactly_on_a_log_that_starts_and_ends_empty():
    # a busier model: loop, office hours, applicant waits; all cases finish in the run
    b = ModelBuilder().start().gateway("Merge").task("A").gateway("Gw", default="F_Ok")
    b.task("Fix").message("Reply").task("B").end()
    b.chain("Start", "Merge", "A", "Gw").flow("Gw", "Fix", "F_Fix").chain("Fix", "Merge")
    b.flow("Gw", "Reply", "F_Ok").chain("Reply", "B", "End")
    rng = np.random.default_rng(3)
    arrivals = np.sort(rng.uniform(0, 20 * 1440, 400)).tolist()
    office = WorkingCalendar(epoch=pool().calendar.epoch)
    setup = setup_for(
        definitions(b.build()),
        {"A": Distribution.exponential(30), "Fix": Distribution.exponential(10), "B": 20},
        arrivals_at(arrivals),
        pools=[pool("p", fte=2, calendar=office)],
        branches={"Gw": BranchRule(probabilities={"F_Fix": 0.2})},
        waits={"Reply": WaitRule(Distribution.exponential(1440))},
        horizon=200 * 1440,
    )
    clock = CaseClock()
    result = simulate(setup, clock)
    assert result.cases_open == 0 and result.cases_completed == 400
    horizon = 200 * 1440
    sojourn = [clock.end[c] - a for c, a in clock.arrival.items()]
    arrival_rate = len(sojourn) / horizon
    assert clock.time_average_in_system(0, horizon) == pytest.approx(
        arrival_rate * float(np.mean(sojourn)), rel=1e-12
    )
