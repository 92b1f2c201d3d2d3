"""The engine against single-station queueing theory: M/M/1, M/M/c (Erlang C), M/D/1.

One task, Poisson arrivals, c full-time staff on an always-open calendar, no absences:
an M/M/c queue with exponential efforts, an M/D/1 queue with a fixed effort. Time unit:
the mean effort (1 minute).

How each check is made (the tolerance comes from the replications, never from output):

- R = 10 independent replications (own arrival stream, own engine draws); each measures
  the mean wait (start - enabled) of the cases arriving after a warm-up of at least ten
  relaxation times ``1/(cμ(1-√ρ)²)``, so the empty start does not bias the estimate.
  Arrivals stop after the measured span and the run goes on until the queue is empty.
- The closed-form value must lie inside the replications' **99 %** Student-t interval
  (99 % rather than 95 % because the suite makes about a dozen such comparisons).
- The interval must also be narrower than a stated share of the theoretical value (the
  check's power): the run lengths are chosen so that it is about 12-18 % wide; an
  interval much wider than planned would make the check meaningless.
- Little's law against theory: the time-average number in the system over the span must
  contain λ·W of the theory within its own 99 % interval.
- Every replication also passes the exact checks of ``validation_runs``: flow
  conservation, the sample-path Little identity, and every wait equal to the
  first-come-first-served recursion on the same arrival and service times.
"""

from __future__ import annotations

import pytest
from queueing_theory import mg1_mean_wait, mmc_mean_in_system, mmc_mean_wait, t_interval
from validation_runs import QueueSample, queue_replication

from zsa_sim.engine.distributions import Distribution

SEED = 7001
REPLICATIONS = 10
CONFIDENCE = 0.99


def replicate(**kw) -> list[QueueSample]:
    return [queue_replication(seed=SEED, replication=r, **kw) for r in range(REPLICATIONS)]


def assert_matches(samples: list[QueueSample], wait: float, in_system: float, power: float):
    """Theory inside the 99 % interval of the waits and of the number in system."""
    mean, half = t_interval([s.mean_wait for s in samples], CONFIDENCE)
    assert half < power * wait, f"interval ±{half:.3f} too wide for Wq = {wait:.3f}"
    assert abs(mean - wait) <= half, f"Wq {mean:.3f} ± {half:.3f}, theory {wait:.3f}"
    mean_l, half_l = t_interval([s.in_system for s in samples], CONFIDENCE)
    assert abs(mean_l - in_system) <= half_l, f"L {mean_l:.3f} ± {half_l:.3f}, λW {in_system:.3f}"


@pytest.mark.parametrize(
    ("rho", "warmup", "span", "power"),
    [
        pytest.param(0.5, 200.0, 3_000.0, 0.20, id="rho=0.5"),
        pytest.param(0.7, 500.0, 6_000.0, 0.20, id="rho=0.7"),
        pytest.param(0.9, 3_000.0, 12_000.0, 0.25, marks=pytest.mark.slow, id="rho=0.9"),
    ],
)
def test_mm1_waiting_time_matches_theory(rho, warmup, span, power):
    """M/M/1: Wq = ρ/(μ-λ). Tolerance: the 99 % t-interval of 10 replications, planned
    about ±13 % wide at ρ ≤ 0.7 and ±18 % at ρ = 0.9 (the variance of a queue's mean wait
    grows like 1/(1-ρ)⁴); it must be narrower than 20 % (25 % at ρ = 0.9) of Wq."""
    samples = replicate(
        rate=rho, effort=Distribution.exponential(1.0), servers=1, warmup=warmup, span=span
    )
    assert_matches(samples, mmc_mean_wait(rho, 1.0, 1), mmc_mean_in_system(rho, 1.0, 1), power)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("servers", "span"),
    [pytest.param(2, 4_000.0, id="c=2"), pytest.param(3, 3_000.0, id="c=3")],
)
def test_mmc_waiting_time_matches_erlang_c(servers, span):
    """M/M/c at ρ = 0.8: Wq = C(c, a)/(cμ - λ) with Erlang C. Tolerance: the 99 %
    t-interval of 10 replications (planned about ±13 %), narrower than 20 % of Wq."""
    rate = 0.8 * servers
    samples = replicate(
        rate=rate, effort=Distribution.exponential(1.0), servers=servers, warmup=800.0, span=span
    )
    assert_matches(
        samples,
        mmc_mean_wait(rate, 1.0, servers),
        mmc_mean_in_system(rate, 1.0, servers),
        0.20,
    )


def test_md1_waiting_time_matches_pollaczek_khinchine():
    """M/D/1 at ρ = 0.8 with a fixed effort of 1: Wq = ρ/(2μ(1-ρ)) = 2 (half of M/M/1's,
    which tells a fixed effort from an exponential one). Tolerance: the 99 % t-interval
    of 10 replications (planned about ±15 %), narrower than 20 % of Wq."""
    samples = replicate(
        rate=0.8, effort=Distribution.fixed(1.0), servers=1, warmup=800.0, span=6_000.0
    )
    wait = mg1_mean_wait(0.8, 1.0, 0.0)
    assert_matches(samples, wait, 0.8 * (wait + 1.0), 0.20)
    assert wait == pytest.approx(mmc_mean_wait(0.8, 1.0, 1) / 2)


def test_measured_arrival_rate_is_the_poisson_rate():
    """The arrival rate seen in the log is λ: the span's count is Poisson(λ·span), so
    over 10 replications the 99 % t-interval of the rate must contain λ."""
    samples = replicate(
        rate=0.5, effort=Distribution.exponential(1.0), servers=1, warmup=0.0, span=2_000.0
    )
    mean, half = t_interval([s.arrival_rate for s in samples], CONFIDENCE)
    assert abs(mean - 0.5) <= half
    assert half < 0.05 * 0.5  # planned ±3.3 %: 1,000 arrivals per replication
