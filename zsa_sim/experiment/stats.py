"""Statistics over replications: means with Student-t confidence intervals.

Each replication of a scenario yields one value per KPI (e.g. its p90 waiting time).
Replications are independent and, by the central limit theorem, their mean is close to
normal, so the classic interval ``mean ± t(1-α/2, n-1) · s/√n`` applies (Law, *Simulation
Modeling and Analysis*, ch. 9). It needs at least two replications: with one, the
interval is NaN (there is no spread to estimate), not zero.

Comparing two variants, :func:`paired_difference` works on the per-replication
differences. Both variants of a replication see the same applicants, efforts and
decisions (common random numbers, see :mod:`zsa_sim.randomness`), so the large
replication-to-replication variation cancels in the difference and the paired interval
is much narrower than Welch's :func:`unpaired_difference`, which is kept for reference.

NaN values (a KPI undefined in some replication, e.g. a p90 of no cases) are left out;
``n`` always says how many values the estimate rests on. For service-level targets
("with 95% confidence") :func:`upper_bound` gives the one-sided bound. All functions are pure; the
core :func:`t_interval` works along an axis of an array of any shape.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike

#: The confidence level of every interval unless a caller asks otherwise.
CONFIDENCE = 0.95


class Estimate(NamedTuple):
    """A mean with its confidence interval, the number of values and their spread."""

    mean: float
    ci_low: float
    ci_high: float
    n: int
    sd: float

    @property
    def half_width(self) -> float:
        """Half the interval's width (NaN when there is no interval)."""
        return (self.ci_high - self.ci_low) / 2

    def excludes_zero(self) -> bool:
        """True when the whole interval lies on one side of zero (significant)."""
        return bool(self.ci_low > 0 or self.ci_high < 0)


def t_interval(
    values: ArrayLike, axis: int = -1, confidence: float = CONFIDENCE
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Mean, CI low, CI high, n and sd along ``axis``, ignoring NaN; vectorised.

    With n < 2 the interval and sd are NaN; with n = 0 the mean is NaN too.
    """
    _check_confidence(confidence)
    x = np.asarray(values, dtype=float)
    finite = ~np.isnan(x)
    n = finite.sum(axis=axis)
    total = np.where(finite, x, 0.0).sum(axis=axis)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(n > 0, total / np.maximum(n, 1), np.nan)
        centred = np.where(finite, x - np.expand_dims(mean, axis), 0.0)
        var = np.where(n > 1, (centred**2).sum(axis=axis) / np.maximum(n - 1, 1), np.nan)
        sd = np.sqrt(var)
        if np.any(n > 1):
            t = _t_quantile(0.5 + confidence / 2, np.where(n > 1, n - 1, 1))
            half = np.where(n > 1, t * sd / np.sqrt(np.maximum(n, 1)), np.nan)
        else:  # no interval anywhere: spare the caller the import of scipy (issue 19)
            half = np.full(np.shape(mean), np.nan)
    return mean, mean - half, mean + half, n, sd


def summarise(values: ArrayLike, confidence: float = CONFIDENCE) -> Estimate:
    """Mean and Student-t confidence interval of one KPI over replications."""
    x = np.asarray(values, dtype=float)
    if x.ndim != 1:
        raise ValueError(f"summarise expects one value per replication, got shape {x.shape}")
    return _estimate(*t_interval(x, confidence=confidence))


def upper_bound(values: ArrayLike, confidence: float = CONFIDENCE) -> float:
    """One-sided upper confidence bound of the mean over replications.

    For a service-level target ("p90 lead time <= 15 working days with 95% confidence")
    the target is met when this bound is below the limit. It equals the upper end of
    the two-sided interval at level ``2 * confidence - 1`` (90% for 95%). NaN for n < 2.
    """
    return summarise(values, _two_sided(confidence)).ci_high


def lower_bound(values: ArrayLike, confidence: float = CONFIDENCE) -> float:
    """One-sided lower confidence bound of the mean (for "at least" targets)."""
    return summarise(values, _two_sided(confidence)).ci_low


def paired_difference(a: ArrayLike, b: ArrayLike, confidence: float = CONFIDENCE) -> Estimate:
    """Mean of ``a[i] - b[i]`` with its t interval; position i is replication i of both.

    Pairs where either value is NaN are left out.
    """
    x, y = _pair(a, b)
    return summarise(x - y, confidence)


def unpaired_difference(a: ArrayLike, b: ArrayLike, confidence: float = CONFIDENCE) -> Estimate:
    """Mean of ``a`` minus mean of ``b`` with Welch's interval (unequal variances).

    Ignores the pairing (and so the common random numbers); ``n`` is the smaller sample
    size and ``sd`` the standard error of the difference.
    """
    _check_confidence(confidence)
    x = np.asarray(a, dtype=float).ravel()
    y = np.asarray(b, dtype=float).ravel()
    x, y = x[~np.isnan(x)], y[~np.isnan(y)]
    n = min(len(x), len(y))
    if len(x) == 0 or len(y) == 0:
        return Estimate(np.nan, np.nan, np.nan, n, np.nan)
    diff = float(x.mean() - y.mean())
    if len(x) < 2 or len(y) < 2:
        return Estimate(diff, np.nan, np.nan, n, np.nan)
    vx, vy = x.var(ddof=1) / len(x), y.var(ddof=1) / len(y)
    se = float(np.sqrt(vx + vy))
    if se == 0:
        return Estimate(diff, diff, diff, n, 0.0)
    df = (vx + vy) ** 2 / (vx**2 / (len(x) - 1) + vy**2 / (len(y) - 1))
    half = float(_t_quantile(0.5 + confidence / 2, df)) * se
    return Estimate(diff, diff - half, diff + half, n, se)


def _t_quantile(p: float, df: ArrayLike) -> np.ndarray:
    """Student-t quantile: ``scipy.special.stdtrit``, the function ``scipy.stats.t.ppf``
    computes it with, so the values are the same to the bit.

    Imported here, where it is needed. Not through ``scipy.stats`` (issue 19): importing
    it costs ~0.6 s more CPU than ``scipy.special``, and its ``ppf`` checks its arguments
    for ~0.3 ms a call, 0.7 s for the ~2,000 intervals of a small what-if.
    """
    from scipy.special import stdtrit

    return stdtrit(df, p)


def _pair(a: ArrayLike, b: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    x = np.asarray(a, dtype=float)
    y = np.asarray(b, dtype=float)
    if x.shape != y.shape or x.ndim != 1:
        raise ValueError(
            f"paired values must be two sequences of equal length, got {x.shape} and {y.shape}"
        )
    keep = ~(np.isnan(x) | np.isnan(y))
    return x[keep], y[keep]


def _estimate(
    mean: np.ndarray, low: np.ndarray, high: np.ndarray, n: np.ndarray, sd: np.ndarray
) -> Estimate:
    return Estimate(float(mean), float(low), float(high), int(n), float(sd))


def _two_sided(confidence: float) -> float:
    if not 0.5 < confidence < 1:
        raise ValueError(f"a one-sided confidence must lie between 0.5 and 1, got {confidence}")
    return 2 * confidence - 1


def _check_confidence(confidence: float) -> None:
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must lie strictly between 0 and 1, got {confidence}")
