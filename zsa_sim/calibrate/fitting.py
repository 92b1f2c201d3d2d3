"""Fit a distribution family to durations, the way a reviewer can check.

Every family the engine supports (:data:`zsa_sim.engine.distributions.PARAMETERS`) is
fitted by maximum likelihood with ``scipy.stats`` (location fixed at 0 where the family
has one, because durations start at 0; uniform and triangular fit their bounds), and the
family with the smallest **AIC** (2k − 2 ln L) is chosen. Its Kolmogorov–Smirnov
distance D is reported as the fit quality. When at least 95 % of the values equal their
median to within the timestamps' resolution (2 s), the effort is ``fixed``. The
empirical distribution (percentiles of the sample) is the fall-back: fewer than
:data:`MIN_FIT` values, or the best family still misses the data by D > :data:`MAX_KS`.

Large samples are thinned systematically (every k-th value of the sorted sample) to
:data:`MAX_FIT` values before fitting: enough for three significant digits and it keeps
a million-event log to seconds. No random numbers are involved: same data, same fit.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np

MIN_FIT = 10
#: timestamps to the second at both ends: durations within 2 s of each other are equal
RESOLUTION = 2 / 60
#: this share of values equal to the median (within the resolution) makes it ``fixed``
FIXED_SHARE = 0.95
MAX_KS = 0.1
MAX_FIT = 20_000
#: percentiles kept for an empirical fall-back
EMPIRICAL_POINTS = 101


@dataclass(frozen=True)
class Fit:
    """A fitted distribution of minutes, with what a reviewer needs to judge it."""

    kind: str
    #: parameters in minutes, in the scenario's named form
    params: dict[str, float]
    samples: tuple[float, ...] = ()
    n: int = 0
    mean: float = 0.0
    ks: float = 0.0
    #: family -> AIC of every family that could be fitted
    aic: dict[str, float] = field(default_factory=dict)
    reason: str = ""

    def spec(self, unit: str) -> dict[str, Any]:
        """The compact scenario form in ``unit`` (min, h or d)."""
        factor = {"min": 1.0, "h": 60.0, "d": 1440.0}[unit]
        if self.kind == "empirical":
            return {"empirical": [_round(s / factor) for s in self.samples], "unit": unit}
        scaled = {k: (v if k == "shape" else _round(v / factor)) for k, v in self.params.items()}
        if self.kind == "gamma":
            scaled = {
                "mean": _round(self.params["mean"] / factor),
                "sd": _round(self.params["sd"] / factor),
            }
        positional = {"uniform": ("low", "high"), "triangular": ("low", "mode", "high")}
        if self.kind in positional:
            return {self.kind: [scaled[k] for k in positional[self.kind]], "unit": unit}
        if self.kind in ("fixed", "exponential"):
            return {self.kind: next(iter(scaled.values())), "unit": unit}
        return {self.kind: scaled, "unit": unit}

    def quality(self) -> str:
        """``n=412, AIC-best of 6, KS D=0.021`` for the comment beside the figure."""
        if self.kind == "empirical":
            return f"n={self.n}, empirical ({self.reason})"
        if self.kind == "fixed":
            return f"n={self.n}, {self.reason}"
        ranked = sorted(self.aic, key=self.aic.__getitem__)
        runner = (
            f"; next {ranked[1]} dAIC={self.aic[ranked[1]] - self.aic[ranked[0]]:.1f}"
            if len(ranked) > 1
            else ""
        )
        return (
            f"n={self.n}, {self.kind} by AIC of {len(ranked)} families{runner}, KS D={self.ks:.3f}"
        )


def _round(value: float) -> float:
    """Four significant digits: readable, and far below any sampling error."""
    if value == 0 or not math.isfinite(value):
        return 0.0
    digits = 3 - math.floor(math.log10(abs(value)))
    return float(round(value, max(digits, 0)))


def _fixed_note(values: np.ndarray, median: float) -> str:
    share = float(np.mean(np.abs(values - median) <= RESOLUTION))
    if share == 1.0:
        return "all values equal (to the second)"
    return f"{share:.1%} of the values equal (to the second), the rest taken as noise"


def thin(values: np.ndarray, limit: int = MAX_FIT) -> np.ndarray:
    """The sorted sample, every k-th value when it is longer than ``limit``."""
    ordered = np.sort(values)
    if len(ordered) <= limit:
        return ordered
    step = len(ordered) / limit
    return ordered[(np.arange(limit) * step + step / 2).astype(int)]


def empirical(values: np.ndarray, reason: str) -> Fit:
    """Percentiles of the sample (all values when there are few)."""
    ordered = np.sort(values)
    if len(ordered) > EMPIRICAL_POINTS:
        ordered = np.quantile(ordered, np.linspace(0.005, 0.995, EMPIRICAL_POINTS))
    samples = tuple(float(max(v, 0.0)) for v in ordered)
    return Fit("empirical", {}, samples, len(values), float(np.mean(values)), reason=reason)


def fit_duration(values: np.ndarray) -> Fit | None:
    """The best family for non-negative durations (minutes); None for no data."""
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    values = np.maximum(values, 0.0)
    n = len(values)
    if n == 0:
        return None
    mean = float(values.mean())
    median = float(np.median(values))
    if np.mean(np.abs(values - median) <= RESOLUTION) >= FIXED_SHARE:
        return Fit("fixed", {"value": median}, (), n, mean, reason=_fixed_note(values, median))
    if n < MIN_FIT:
        return empirical(values, f"fewer than {MIN_FIT} values")
    x = thin(values)
    candidates = _candidates(x)
    if not candidates:
        return empirical(values, "no family could be fitted")
    aic = {kind: c[1] for kind, c in candidates.items()}
    best = min(aic, key=aic.__getitem__)
    params, _, cdf = candidates[best]
    from scipy import stats

    ks = float(stats.kstest(x, cdf).statistic)
    if ks > MAX_KS:
        return empirical(values, f"best family {best} has KS D={ks:.3f} > {MAX_KS}")
    return Fit(best, params, (), n, mean, ks, aic)


def _candidates(x: np.ndarray) -> dict[str, tuple[dict[str, float], float, Any]]:
    """family -> (parameters, AIC, cdf) for every family that fits at all."""
    from scipy import stats

    out: dict[str, tuple[dict[str, float], float, Any]] = {}
    positive = x[x > 0]
    mean, sd = float(x.mean()), float(x.std(ddof=1))

    def add(kind: str, params: dict[str, float], k: int, dist: Any) -> None:
        with np.errstate(all="ignore"):
            loglik = float(np.sum(dist.logpdf(x)))
        if math.isfinite(loglik):
            out[kind] = (params, 2 * k - 2 * loglik, dist.cdf)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        add("exponential", {"mean": mean}, 1, stats.expon(scale=mean))
        add("normal", {"mean": mean, "sd": sd}, 2, stats.norm(mean, sd))
        low, high = float(x.min()), float(x.max())
        add("uniform", {"low": low, "high": high}, 2, stats.uniform(low, high - low))
        if len(positive) == len(x):
            s, _, scale = stats.lognorm.fit(x, floc=0)
            m = scale * math.exp(s * s / 2)
            add(
                "lognormal",
                {"mean": m, "sd": m * math.sqrt(math.expm1(s * s))},
                2,
                stats.lognorm(s, scale=scale),
            )
            shape, _, gscale = stats.gamma.fit(x, floc=0)
            add(
                "gamma",
                {"mean": shape * gscale, "sd": math.sqrt(shape) * gscale},
                2,
                stats.gamma(shape, scale=gscale),
            )
        c, loc, scale = stats.triang.fit(x, loc=low, scale=high - low)
        if loc >= 0 and scale > 0:
            add(
                "triangular",
                {"low": loc, "mode": loc + c * scale, "high": loc + scale},
                3,
                stats.triang(c, loc, scale),
            )
    return out
