"""Distributions: parameters checked on creation, sample means match the theory."""

import math

import numpy as np
import pytest

from zsa_sim.engine.distributions import Distribution, DistributionError

N = 200_000


def rng(seed: int = 7) -> np.random.Generator:
    return np.random.default_rng(seed)


CASES = [
    Distribution.fixed(12.0),
    Distribution("uniform", {"low": 10, "high": 30}),
    Distribution("triangular", {"low": 5, "mode": 10, "high": 30}),
    Distribution("normal", {"mean": 30, "sd": 10}),
    Distribution("normal", {"mean": 5, "sd": 10}),  # heavily truncated at 0
    Distribution("lognormal", {"mean": 30, "sd": 15}),
    Distribution("gamma", {"shape": 2.0, "scale": 7.5}),
    Distribution("gamma", {"mean": 20, "sd": 5}),
    Distribution.exponential(25.0),
    Distribution("empirical", samples=(1.0, 2.0, 6.0)),
]


@pytest.mark.parametrize("dist", CASES, ids=lambda d: d.describe())
def test_sample_mean_matches_mean_within_five_standard_errors(dist):
    x = dist.sample(rng(), N)
    assert x.shape == (N,)
    assert (x >= 0).all()
    se = x.std() / math.sqrt(N)
    assert abs(x.mean() - dist.mean) <= 5 * se + 1e-12


def test_lognormal_has_the_requested_sd():
    x = Distribution("lognormal", {"mean": 30, "sd": 15}).sample(rng(), N)
    assert x.std() == pytest.approx(15, rel=0.03)


def test_gamma_mean_sd_form():
    x = Distribution("gamma", {"mean": 20, "sd": 5}).sample(rng(), N)
    assert x.std() == pytest.approx(5, rel=0.02)


def test_truncated_normal_mean_formula():
    # E[X | X >= 0] for N(0, 1) is sqrt(2/pi)
    assert Distribution("normal", {"mean": 0, "sd": 1}).mean == pytest.approx(
        math.sqrt(2 / math.pi)
    )
    assert Distribution("normal", {"mean": 3, "sd": 0}).mean == 3


def test_same_generator_state_same_values():
    d = Distribution("lognormal", {"mean": 30, "sd": 15})
    np.testing.assert_array_equal(d.sample(rng(1), 10), d.sample(rng(1), 10))


def test_scaled():
    assert Distribution.exponential(10).scaled(60).mean == 600
    assert Distribution("gamma", {"shape": 2, "scale": 3}).scaled(2).params == {
        "shape": 2,
        "scale": 6,
    }
    assert Distribution("empirical", samples=(1.0, 3.0)).scaled(2).samples == (2.0, 6.0)
    with pytest.raises(DistributionError, match="positive"):
        Distribution.fixed(1).scaled(0)


def test_describe():
    assert (
        Distribution("lognormal", {"mean": 30, "sd": 10}).describe() == "lognormal(mean=30, sd=10)"
    )
    assert Distribution("empirical", samples=(1.0, 2.0)).describe() == "empirical(n=2)"


@pytest.mark.parametrize(
    ("kind", "params", "samples", "message"),
    [
        ("weibull", {"a": 1}, (), "unknown distribution"),
        ("normal", {"mean": 1}, (), r"normal needs parameters \(mean, sd\)"),
        ("fixed", {"value": -1}, (), "must not be negative"),
        ("fixed", {"value": float("nan")}, (), "finite"),
        ("uniform", {"low": 5, "high": 1}, (), "low 5 > high 1"),
        ("triangular", {"low": 1, "mode": 9, "high": 5}, (), "low <= mode <= high"),
        ("exponential", {"mean": 0}, (), "mean must be positive"),
        ("lognormal", {"mean": 0, "sd": 1}, (), "mean must be positive"),
        ("gamma", {"mean": 5, "sd": 0}, (), "positive"),
        ("empirical", {}, (), "at least one sample"),
        ("empirical", {}, (1.0, -2.0), ">= 0"),
        ("empirical", {"x": 1}, (1.0,), "samples' only"),
    ],
)
def test_bad_parameters(kind, params, samples, message):
    with pytest.raises(DistributionError, match=message):
        Distribution(kind, params, samples)


def test_hashable_and_frozen():
    a = Distribution("uniform", {"low": 1, "high": 2})
    b = Distribution("uniform", {"high": 2, "low": 1})
    assert hash(a) == hash(b)
    assert a == b
