"""Probability distributions for task efforts, delays and reaction times.

A :class:`Distribution` is frozen data with its parameters checked when it is made, so
a bad value fails when the scenario is loaded, not in the middle of a run. Values are in
the engine's time unit, minutes; the scenario layer converts from hours or days.
Sampling is vectorised: the engine draws blocks of values (see
:class:`zsa_sim.randomness.DrawTable`), never one numpy scalar at a time.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from zsa_sim.errors import ZsaError

DistributionKind = Literal[
    "fixed", "uniform", "triangular", "normal", "lognormal", "gamma", "exponential", "empirical"
]

#: Parameters each kind needs; gamma accepts (shape, scale) or (mean, sd).
PARAMETERS: Mapping[str, tuple[tuple[str, ...], ...]] = {
    "fixed": (("value",),),
    "uniform": (("low", "high"),),
    "triangular": (("low", "mode", "high"),),
    "normal": (("mean", "sd"),),
    "lognormal": (("mean", "sd"),),
    "gamma": (("shape", "scale"), ("mean", "sd")),
    "exponential": (("mean",),),
    "empirical": ((),),
}


class DistributionError(ZsaError):
    """A distribution's kind or parameters are not valid."""


@dataclass(frozen=True)
class Distribution:
    """A non-negative random quantity; ``params`` by name, ``samples`` for empirical."""

    kind: DistributionKind
    params: Mapping[str, float] = field(default_factory=dict)
    samples: tuple[float, ...] = ()

    def __post_init__(self) -> None:
        _check(self)
        object.__setattr__(self, "params", dict(self.params))

    def __hash__(self) -> int:
        return hash((self.kind, tuple(sorted(self.params.items())), self.samples))

    @classmethod
    def fixed(cls, value: float) -> Distribution:
        """A constant, e.g. a deterministic effort in tests."""
        return cls("fixed", {"value": value})

    @classmethod
    def exponential(cls, mean: float) -> Distribution:
        """Exponential with the given mean (memoryless: Poisson arrivals, M/M/c)."""
        return cls("exponential", {"mean": mean})

    def scaled(self, factor: float) -> Distribution:
        """The same shape with every value multiplied by ``factor`` (unit change, speed-up)."""
        if factor <= 0 or not math.isfinite(factor):
            raise DistributionError(f"scale factor must be positive, got {factor}")
        if self.kind == "empirical":
            return Distribution("empirical", {}, tuple(s * factor for s in self.samples))
        scalable = {"value", "low", "mode", "high", "mean", "sd", "scale"}
        return Distribution(
            self.kind, {k: (v * factor if k in scalable else v) for k, v in self.params.items()}
        )

    @property
    def mean(self) -> float:
        """The expected value (of the truncated distribution, for ``normal``)."""
        p = self.params
        match self.kind:
            case "fixed":
                return p["value"]
            case "uniform":
                return (p["low"] + p["high"]) / 2
            case "triangular":
                return (p["low"] + p["mode"] + p["high"]) / 3
            case "normal":
                return _truncated_normal_mean(p["mean"], p["sd"])
            case "lognormal" | "exponential":
                return p["mean"]
            case "gamma":
                return p["mean"] if "mean" in p else p["shape"] * p["scale"]
            case "empirical":
                return float(np.mean(self.samples))
        raise AssertionError(self.kind)  # pragma: no cover - guarded by _check

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """``size`` independent draws as a float array (never negative)."""
        p = self.params
        match self.kind:
            case "fixed":
                return np.full(size, p["value"], dtype=float)
            case "uniform":
                return rng.uniform(p["low"], p["high"], size)
            case "triangular":
                if p["low"] == p["high"]:
                    return np.full(size, p["low"], dtype=float)
                return rng.triangular(p["low"], p["mode"], p["high"], size)
            case "normal":
                return _truncated_normal(rng, p["mean"], p["sd"], size)
            case "lognormal":
                mu, sigma = _lognormal_mu_sigma(p["mean"], p["sd"])
                return rng.lognormal(mu, sigma, size)
            case "gamma":
                shape, scale = _gamma_shape_scale(p)
                return rng.gamma(shape, scale, size)
            case "exponential":
                return rng.exponential(p["mean"], size)
            case "empirical":
                return rng.choice(np.asarray(self.samples, dtype=float), size)
        raise AssertionError(self.kind)  # pragma: no cover - guarded by _check

    def describe(self) -> str:
        """Short text for tables and reports, e.g. ``lognormal(mean=30, sd=10)``."""
        if self.kind == "empirical":
            return f"empirical(n={len(self.samples)})"
        inner = ", ".join(f"{k}={v:g}" for k, v in self.params.items())
        return f"{self.kind}({inner})"


def _check(dist: Distribution) -> None:
    kind, p = dist.kind, dict(dist.params)
    if kind not in PARAMETERS:
        raise DistributionError(
            f"unknown distribution {kind!r}; use one of {', '.join(PARAMETERS)}"
        )
    if kind == "empirical":
        if p:
            raise DistributionError("empirical takes 'samples' only")
        if not dist.samples:
            raise DistributionError("empirical needs at least one sample")
        for number, s in enumerate(dist.samples, start=1):
            # a quoted sample ("5") is a mistake to name, not a TypeError (issue 14)
            if isinstance(s, bool) or not isinstance(s, int | float):
                raise DistributionError(
                    f"empirical sample {number} must be a number, got {str(repr(s))[:40]}"
                )
        if any(not math.isfinite(s) or s < 0 for s in dist.samples):
            raise DistributionError("empirical samples must be finite and >= 0")
        return
    allowed = PARAMETERS[kind]
    if set(p) not in [set(names) for names in allowed]:
        wanted = " or ".join("(" + ", ".join(names) + ")" for names in allowed)
        raise DistributionError(f"{kind} needs parameters {wanted}, got ({', '.join(p)})")
    for name, value in p.items():
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            raise DistributionError(
                f"{kind}: {name} must be a finite number, got {str(repr(value))[:40]}"
            )
        if value < 0:
            raise DistributionError(f"{kind}: {name} must not be negative, got {value:g}")
    match kind:
        case "uniform":
            if p["low"] > p["high"]:
                raise DistributionError(f"uniform: low {p['low']:g} > high {p['high']:g}")
        case "triangular":
            if not p["low"] <= p["mode"] <= p["high"]:
                raise DistributionError("triangular: need low <= mode <= high")
        case "lognormal" | "exponential":
            if p["mean"] <= 0:
                raise DistributionError(f"{kind}: mean must be positive, got {p['mean']:g}")
        case "gamma":
            shape, scale = _gamma_shape_scale(p) if all(v > 0 for v in p.values()) else (0, 0)
            if shape <= 0 or scale <= 0:
                raise DistributionError("gamma: parameters must be positive")


def _lognormal_mu_sigma(mean: float, sd: float) -> tuple[float, float]:
    """Parameters of the underlying normal for a lognormal of given mean and sd."""
    sigma2 = math.log1p((sd / mean) ** 2)
    return math.log(mean) - sigma2 / 2, math.sqrt(sigma2)


def _gamma_shape_scale(p: Mapping[str, float]) -> tuple[float, float]:
    if "shape" in p:
        return p["shape"], p["scale"]
    shape = (p["mean"] / p["sd"]) ** 2
    return shape, p["mean"] / shape


def _truncated_normal(rng: np.random.Generator, mean: float, sd: float, size: int) -> np.ndarray:
    """Normal draws conditioned on being >= 0 (resampling), as efforts cannot be negative."""
    out = rng.normal(mean, sd, size)
    bad = out < 0
    for _ in range(1000):
        if not bad.any():
            return out
        out[bad] = rng.normal(mean, sd, int(bad.sum()))
        bad = out < 0
    out[bad] = 0.0  # only reached for means far below zero
    return out


def _truncated_normal_mean(mean: float, sd: float) -> float:
    if sd == 0:
        return max(mean, 0.0)
    alpha = -mean / sd
    pdf = math.exp(-alpha * alpha / 2) / math.sqrt(2 * math.pi)
    tail = 0.5 * math.erfc(alpha / math.sqrt(2))
    return mean + sd * pdf / tail if tail > 0 else 0.0
