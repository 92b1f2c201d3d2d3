"""Queue disciplines against queueing theory (issue 17).

Two clerks, Poisson arrivals of rate λ, exponential efforts of mean 1, round-the-clock
calendar, no absences:

- **Per-clerk queues** (one queue per clerk, a case assigned by its applicant's drawn
  place in the alphabet, equal shares): the assignment is independent of everything
  else, so each clerk sees a thinned Poisson stream of λ/2 and is an M/M/1 queue at
  ρ = λ/2: Wq = ρ/(1 - ρ). On the sample path, each clerk's cases must follow the
  single-server first-come-first-served recursion exactly.
- **FIFO over the pool**: M/M/2 at the same ρ, Wq from Erlang C, much shorter.

Tolerance: the 99 % t-interval of 10 replications must hold the theoretical mean wait
and be narrower than 20 % of it (planned about ±12 %: 3,000 measured cases a replication).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from engine_models import linear, pool, setup_for
from queueing_theory import mmc_mean_wait, t_interval
from validation_runs import assert_fcfs, poisson_times, run_checked, source_of

from zsa_sim.engine.distributions import Distribution
from zsa_sim.engine.setup import QueueDiscipline
from zsa_sim.eventlog.schema import ListSink

SEED = 7017
REPLICATIONS = 10
CONFIDENCE = 0.99
RHO = 0.5
WARMUP, SPAN = 200.0, 3_000.0


def mean_wait(kind: str, replication: int) -> float:
    rate = 2 * RHO
    end = WARMUP + SPAN
    times = poisson_times(rate, end, np.random.default_rng([SEED, replication]))
    spec = replace(pool(fte=2), discipline=QueueDiscipline(kind))
    setup = setup_for(
        linear("A"),
        {"A": Distribution.exponential(1.0)},
        source_of(times),
        pools=[spec],
        horizon=end + 200 * SPAN,
        seed=SEED,
    )
    sink = ListSink()
    run = run_checked(replace(setup, replication=replication), sink, watch=("A",))
    assert run.result.cases_open == 0
    rows = [r for r in sink.rows if r.activity_id == "A"]
    if kind == "per_clerk":
        for clerk in ("pool#1", "pool#2"):
            mine = [(r.enabled, r.start, r.complete) for r in rows if r.resource == clerk]
            assert 0.4 * len(rows) < len(mine) < 0.6 * len(rows)
            assert_fcfs(mine, 1)
    else:
        assert_fcfs([(r.enabled, r.start, r.complete) for r in rows], 2)
    return float(np.mean(run.ledger.waits("A", WARMUP, end)))


@pytest.mark.slow
def test_per_clerk_queues_are_independent_mm1_queues_and_fifo_is_erlang_c():
    per_clerk = [mean_wait("per_clerk", r) for r in range(REPLICATIONS)]
    fifo = [mean_wait("fifo", r) for r in range(REPLICATIONS)]
    for samples, theory in (
        (per_clerk, mmc_mean_wait(RHO, 1.0, 1)),  # M/M/1 at λ/2 = ρ: Wq = 1
        (fifo, mmc_mean_wait(2 * RHO, 1.0, 2)),  # M/M/2 at ρ: Wq = 1/3
    ):
        mean, half = t_interval(samples, CONFIDENCE)
        assert half < 0.20 * theory, f"interval ±{half:.3f} too wide for Wq = {theory:.3f}"
        assert abs(mean - theory) <= half, f"Wq {mean:.3f} ± {half:.3f}, theory {theory:.3f}"
