"""Distribution fitting: each family the engine supports is recognised by AIC."""

from __future__ import annotations

import numpy as np
import pytest

from zsa_sim.calibrate.fitting import fit_duration, thin
from zsa_sim.scenario.distribution_spec import DistributionSpec

N = 2000  # mean within 3 sd/sqrt(N) <= 7 % for every case below (CV <= 1); checked at 2 %


def _samples(kind: str, rng: np.random.Generator) -> np.ndarray:
    if kind == "lognormal":
        sigma = np.sqrt(np.log(1 + 0.4**2))
        return rng.lognormal(np.log(10) - sigma**2 / 2, sigma, N)
    if kind == "gamma":
        return rng.gamma(6.25, 4.8, N)
    if kind == "triangular":
        return rng.triangular(5, 10, 20, N)
    if kind == "uniform":
        return rng.uniform(2, 4, N)
    if kind == "exponential":
        return rng.exponential(3, N)
    return rng.normal(60, 5, N)


@pytest.mark.parametrize(
    "kind", ["lognormal", "gamma", "triangular", "uniform", "exponential", "normal"]
)
def test_family_recovered(kind: str) -> None:
    values = _samples(kind, np.random.default_rng(1))
    fit = fit_duration(values)
    assert fit is not None and fit.kind == kind
    spec = DistributionSpec.model_validate(fit.spec("min"))
    assert spec.mean_minutes == pytest.approx(values.mean(), rel=0.02)
    assert fit.ks < 0.05 and f"{kind} by AIC" in fit.quality()


def test_fixed_to_the_second_and_empirical_fallbacks() -> None:
    fixed = fit_duration(np.array([5.0] * 50 + [5.01, 4.99]))
    assert fixed.kind == "fixed" and fixed.spec("min") == {"fixed": 5.0, "unit": "min"}
    few = fit_duration(np.array([3.0, 5.0, 8.0]))
    assert few.kind == "empirical" and few.samples == (3.0, 5.0, 8.0)
    bimodal = fit_duration(np.r_[np.full(500, 1.0), np.full(500, 50.0)] + np.linspace(0, 0.5, 1000))
    assert bimodal.kind == "empirical" and "KS D" in bimodal.reason
    assert len(bimodal.samples) == 101
    assert fit_duration(np.array([])) is None


def test_units_and_thinning() -> None:
    fit = fit_duration(np.random.default_rng(2).gamma(4, 30, 500))
    assert fit.spec("h")["unit"] == "h"
    assert fit.spec("h")["gamma"]["mean"] == pytest.approx(fit.params["mean"] / 60, rel=1e-3)
    values = np.arange(100_000, dtype=float)
    thinned = thin(values, 1000)
    assert len(thinned) == 1000 and thinned[0] == 50 and thinned[-1] == 99_950
