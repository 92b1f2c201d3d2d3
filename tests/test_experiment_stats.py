"""Confidence intervals over replications, against hand values and scipy."""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest
from scipy import stats

from zsa_sim.experiment.stats import (
    Estimate,
    lower_bound,
    paired_difference,
    summarise,
    t_interval,
    unpaired_difference,
    upper_bound,
)

T_975_3 = 3.182446305284263  # Student t, 97.5% quantile, 3 degrees of freedom
# with 2 degrees of freedom the t quantile has a closed form: (2p - 1) / sqrt(2p(1 - p))
T_975_2 = 0.95 / math.sqrt(2 * 0.975 * 0.025)


def test_summarise_matches_hand_computation() -> None:
    est = summarise([1, 2, 3, 4])
    sd = math.sqrt(5 / 3)  # squared deviations 2.25 + 0.25 + 0.25 + 2.25 = 5, over n - 1
    assert est.mean == 2.5
    assert est.n == 4
    assert est.sd == pytest.approx(sd, rel=1e-12)
    assert est.ci_low == pytest.approx(2.5 - T_975_3 * sd / 2, rel=1e-12)
    assert est.ci_high == pytest.approx(2.5 + T_975_3 * sd / 2, rel=1e-12)
    assert est.half_width == pytest.approx(T_975_3 * sd / 2, rel=1e-12)


def test_summarise_matches_scipy() -> None:
    x = [3.1, 4.7, 2.2, 5.9, 4.4, 3.3]
    low, high = stats.t.interval(0.9, len(x) - 1, loc=np.mean(x), scale=stats.sem(x))
    est = summarise(x, confidence=0.9)
    assert (est.ci_low, est.ci_high) == pytest.approx((low, high), rel=1e-12)


def test_one_sided_bounds_by_hand() -> None:
    t_95_3 = 2.353363434801823  # Student t, 95% quantile, 3 degrees of freedom
    sd = math.sqrt(5 / 3)
    assert upper_bound([1, 2, 3, 4]) == pytest.approx(2.5 + t_95_3 * sd / 2, rel=1e-9)
    assert lower_bound([1, 2, 3, 4]) == pytest.approx(2.5 - t_95_3 * sd / 2, rel=1e-9)
    assert math.isnan(upper_bound([3.0]))
    with pytest.raises(ValueError, match=r"one-sided confidence must lie between 0\.5 and 1"):
        upper_bound([1, 2], confidence=0.5)


def test_one_replication_has_no_interval() -> None:
    est = summarise([7.0])
    assert est.mean == 7.0
    assert est.n == 1
    assert math.isnan(est.ci_low) and math.isnan(est.ci_high) and math.isnan(est.sd)
    assert not est.excludes_zero()


def test_no_values_give_nan_and_n_zero() -> None:
    est = summarise([])
    assert est.n == 0
    assert math.isnan(est.mean)


def test_nan_values_are_left_out_and_n_says_so() -> None:
    assert summarise([1, np.nan, 2, 3, 4]) == summarise([1, 2, 3, 4])
    assert summarise([1, np.nan, 2, 3, 4]).n == 4


def test_constant_values_give_a_zero_width_interval() -> None:
    est = summarise([2.0, 2.0, 2.0])
    assert (est.ci_low, est.ci_high, est.sd) == (2.0, 2.0, 0.0)


def test_t_interval_is_vectorised_along_an_axis() -> None:
    data = np.array([[1, 2, 3, 4], [2, 4, 6, 8], [5, 5, np.nan, np.nan]], dtype=float)
    mean, low, high, n, sd = t_interval(data, axis=1)
    np.testing.assert_allclose(mean, [2.5, 5.0, 5.0])
    np.testing.assert_array_equal(n, [4, 4, 2])
    assert high[1] - low[1] == pytest.approx(2 * (high[0] - low[0]))
    assert sd[2] == 0.0


def test_bad_input_is_rejected() -> None:
    with pytest.raises(ValueError, match="one value per replication"):
        summarise([[1, 2], [3, 4]])
    with pytest.raises(ValueError, match="confidence must lie strictly between 0 and 1"):
        summarise([1, 2], confidence=95)
    with pytest.raises(ValueError, match="equal length"):
        paired_difference([1, 2, 3], [1, 2])


def test_paired_difference_by_hand() -> None:
    est = paired_difference([3, 5, 4], [1, 2, 3])  # differences 2, 3, 1
    assert est.mean == 2.0
    assert est.sd == pytest.approx(1.0)
    assert est.ci_low == pytest.approx(2 - T_975_2 / math.sqrt(3), rel=1e-12)
    assert est.ci_high == pytest.approx(2 + T_975_2 / math.sqrt(3), rel=1e-12)
    assert est.excludes_zero() is False  # 2 - 2.48 < 0


def test_paired_difference_drops_incomplete_pairs() -> None:
    est = paired_difference([3, 5, np.nan, 4], [1, 2, 9, 3])
    assert est == paired_difference([3, 5, 4], [1, 2, 3])


def test_unpaired_difference_matches_welch_in_scipy() -> None:
    a, b = [1.0, 2.0, 3.0, 4.0], [2.0, 5.0, 9.0]
    ci = stats.ttest_ind(a, b, equal_var=False).confidence_interval(0.95)
    est = unpaired_difference(a, b)
    assert est.mean == pytest.approx(2.5 - 16 / 3)
    assert (est.ci_low, est.ci_high) == pytest.approx((ci.low, ci.high), rel=1e-12)
    assert est.n == 3


def test_unpaired_difference_degenerate_cases() -> None:
    assert unpaired_difference([1.0, 1.0], [3.0, 3.0]) == Estimate(-2.0, -2.0, -2.0, 2, 0.0)
    one = unpaired_difference([1.0], [3.0, 4.0])
    assert one.mean == -2.5 and math.isnan(one.ci_low)
    assert math.isnan(unpaired_difference([], [1.0]).mean)


def test_ci_width_shrinks_with_replications() -> None:
    # Half-width = t * s / sqrt(n): from n = 10 to 40 it scales by sqrt(10/40) = 0.5 times
    # t(0.975, 39) / t(0.975, 9) = 2.023 / 2.262, about 0.45 (times E[s] ratios ~1.03).
    # Averaged over 500 independent samples of each size, the ratio stays below 0.65.
    rng = np.random.default_rng(20260105)
    _, low10, high10, _, _ = t_interval(rng.normal(10, 3, size=(500, 10)))
    _, low40, high40, _, _ = t_interval(rng.normal(10, 3, size=(500, 40)))
    ratio = np.mean(high40 - low40) / np.mean(high10 - low10)
    assert 0.35 < ratio < 0.65


def test_paired_interval_is_narrower_with_a_common_component() -> None:
    # Both variants share a large replication effect x (sd 10); their own noise is small
    # (sd 0.5). The paired differences have sd sqrt(2) * 0.5 = 0.71, the unpaired
    # standard error is sqrt(2 * (100 + 0.25) / 20) = 3.17 per sqrt(n): the paired
    # interval should be about 20 times narrower; we demand 5 times.
    rng = np.random.default_rng(7)
    n, delta = 20, -1.0
    x = rng.normal(0, 10, n)
    b = x + rng.normal(0, 0.5, n)
    a = x + delta + rng.normal(0, 0.5, n)
    paired, unpaired = paired_difference(a, b), unpaired_difference(a, b)
    assert paired.mean == pytest.approx(unpaired.mean)  # same point estimate
    assert paired.half_width < unpaired.half_width / 5
    assert paired.excludes_zero() and not unpaired.excludes_zero()


def test_one_replication_needs_no_scipy():
    # issue 19: a one-replication run has no interval; importing scipy.stats for it was
    # most of such a run's start-up. The interval is still NaN, not zero.
    code = (
        "import sys, math\n"
        "from zsa_sim.experiment.stats import summarise\n"
        "e = summarise([3.0])\n"
        "assert e.mean == 3.0 and math.isnan(e.ci_low) and math.isnan(e.ci_high), e\n"
        "assert 'scipy' not in sys.modules\n"
        "summarise([1.0, 2.0])\n"
        "assert 'scipy' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
