"""The engine against queueing-network theory: tandem stations and Poisson thinning.

- **Tandem (Jackson network)**: three tasks in series, each worked by its own staff
  member (three single-server stations) with exponential efforts, Poisson arrivals. By
  Burke's and Jackson's theorems the stations behave as independent M/M/1 queues, so
  the mean time in the system is the sum of ``1/(μ_i - λ)``.
- **Thinning**: an exclusive gateway sends each case one way with probability p. The
  cases on that branch form a Poisson stream of rate p·λ, independent of the other
  branch: counts with mean p·λ·T, exponential gaps (coefficient of variation 1), and no
  correlation between the two branches' counts.

As in ``test_queueing.py``: 10 replications, the theoretical value inside the 99 %
Student-t interval, the interval narrower than a stated share of the value, and every
run checked for conservation, Little's law and (per station) the FCFS recursion.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from engine_models import ModelBuilder, definitions, linear, pool, setup_for
from queueing_theory import mm1_mean_sojourn, t_interval, tandem_mean_sojourn
from validation_runs import assert_fcfs, poisson_times, run_checked, source_of

from zsa_sim.engine.distributions import Distribution
from zsa_sim.engine.setup import BranchRule

SEED = 7002
REPLICATIONS = 10
CONFIDENCE = 0.99


def test_tandem_sojourn_is_the_sum_of_mm1_sojourns():
    """Three stations at ρ = 0.5, 0.7, 0.6 (λ = 0.5, mean efforts 1.0, 1.4, 1.2): mean
    sojourn 2 + 4.67 + 3 = 9.67 minutes. Tolerance: the 99 % t-interval of 10
    replications (planned about ±10 %), narrower than 15 % of the theoretical value;
    each station's waits follow its own FCFS recursion exactly."""
    rate, means = 0.5, {"A": 1.0, "B": 1.4, "C": 1.2}
    warmup, span = 600.0, 6_000.0
    sojourns = []
    for r in range(REPLICATIONS):
        times = poisson_times(rate, warmup + span, np.random.default_rng([SEED, r]))
        setup = setup_for(
            linear("A", "B", "C"),
            {task: Distribution.exponential(mean) for task, mean in means.items()},
            source_of(times),
            pools=[pool(f"p{task}") for task in means],
            routing={task: f"p{task}" for task in means},
            horizon=(warmup + span) * 100,
            seed=SEED,
        )
        run = run_checked(replace(setup, replication=r), watch=means)
        assert run.result.cases_open == 0
        for task in means:
            assert_fcfs(run.ledger.watched[task], 1)
        sojourns.append(float(np.mean(run.ledger.sojourns(warmup, warmup + span))))
    theory = tandem_mean_sojourn(rate, [1 / m for m in means.values()])
    assert theory == sum(mm1_mean_sojourn(rate, 1 / m) for m in means.values())
    mean, half = t_interval(sojourns, CONFIDENCE)
    assert half < 0.15 * theory, f"interval ±{half:.3f} too wide for W = {theory:.3f}"
    assert abs(mean - theory) <= half, f"W {mean:.3f} ± {half:.3f}, theory {theory:.3f}"


def thinning_model():
    """Start -> XOR (F_A with probability p -> A -> End | F_B -> B -> End2)."""
    b = ModelBuilder().start().gateway("X").task("A").task("B").end().end("End2")
    b.flow("Start", "X").flow("X", "A", "F_A").flow("X", "B", "F_B")
    b.chain("A", "End").chain("B", "End2")
    return definitions(b.build())


def test_exclusive_split_thins_a_poisson_stream():
    """λ = 1 per minute over T = 3,000 minutes, p = 0.3. Per replication: the number of
    cases on branch A, the coefficient of variation of their gaps (1 for exponential
    gaps), and the correlation of the two branches' counts in 10-minute bins (0 for
    independent streams). Tolerances: each theoretical value (p·λ·T = 900; 1; 0)
    inside the 99 % t-interval of 10 replications; the intervals (planned about ±3.4 %
    of the count, ±0.04 and ±0.04) must be narrower than 8 % of the count, 0.1 of the
    CV and 0.1 of the correlation (a standard deviation estimated from 10 replications
    is itself uncertain by about a quarter, hence the margin)."""
    rate, p, span = 1.0, 0.3, 3_000.0
    counts, cvs, correlations = [], [], []
    for r in range(REPLICATIONS):
        times = poisson_times(rate, span, np.random.default_rng([SEED, 100 + r]))
        setup = setup_for(
            thinning_model(),
            {"A": 0.0, "B": 0.0},
            source_of(times),
            branches={"X": BranchRule(probabilities={"F_A": p, "F_B": 1 - p})},
            horizon=span + 10.0,
            seed=SEED,
        )
        run = run_checked(replace(setup, replication=r), watch=("A", "B"))
        a = np.sort([e for e, _, _ in run.ledger.watched["A"]])
        b = np.sort([e for e, _, _ in run.ledger.watched["B"]])
        assert len(a) + len(b) == len(times)
        gaps = np.diff(a)
        counts.append(len(a))
        cvs.append(float(np.std(gaps, ddof=1) / np.mean(gaps)))
        bins = np.arange(0.0, span + 10.0, 10.0)
        correlations.append(
            float(np.corrcoef(np.histogram(a, bins)[0], np.histogram(b, bins)[0])[0, 1])
        )
    for values, theory, width in [
        (counts, p * rate * span, 0.08 * p * rate * span),
        (cvs, 1.0, 0.1),
        (correlations, 0.0, 0.1),
    ]:
        mean, half = t_interval(values, CONFIDENCE)
        assert half < width, f"interval ±{half:.4f} wider than {width}"
        assert abs(mean - theory) <= half, f"{mean:.4f} ± {half:.4f}, theory {theory}"
