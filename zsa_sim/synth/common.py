"""Building blocks shared by the applicant generators: parameter base model and draws.

Every generator is a frozen pydantic model holding its parameters (as written in the
scenario under ``services.<key>.applicants``) with two methods: ``attribute_names()``
and ``draw(rng, n)``, which returns one numpy array per attribute for ``n`` applicants.
Draws are vectorised and come only from the generator passed in, so the same stream
gives the same applicants.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

import numpy as np
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

#: A probability in [0, 1].
Probability = Annotated[float, Field(ge=0.0, le=1.0)]


def _sums_to_one(values: list[float]) -> list[float]:
    total = float(sum(values))
    if not values:
        raise ValueError("needs at least one probability")
    if abs(total - 1.0) > 1e-6:
        raise ValueError(f"probabilities must sum to 1, they sum to {total:g}")
    return values


#: A list of probabilities (a categorical distribution over 0, 1, 2, ...) summing to 1.
Categorical = Annotated[list[Probability], AfterValidator(_sums_to_one)]


class GeneratorModel(BaseModel):
    """Base of the applicant parameter models: frozen, unknown keys rejected."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


def categorical(rng: np.random.Generator, probabilities: Sequence[float], n: int) -> np.ndarray:
    """``n`` draws of the index 0..k-1 with the given probabilities (one uniform each)."""
    cumulative = np.cumsum(np.asarray(probabilities, dtype=float))
    cumulative[-1] = 1.0  # guard against rounding: every uniform falls into a category
    return np.searchsorted(cumulative, rng.random(n), side="right").astype(np.int64)


def bernoulli(rng: np.random.Generator, p: float, n: int) -> np.ndarray:
    """``n`` booleans, each true with probability ``p`` (one uniform each)."""
    return rng.random(n) < p
