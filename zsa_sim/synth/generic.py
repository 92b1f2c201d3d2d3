"""A generator for any process: missing-document rounds and yes/no attributes.

For a new BPMN model (written with ``zsa-sim template``) there is no service-specific
generator yet. ``generator: generic`` draws ``missing_documents`` from a categorical
distribution over 0, 1, 2, ... rounds and one boolean per entry of ``flags`` (attribute
name -> probability of true), which covers conditions like ``${urgent == true}``.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field

from zsa_sim.synth.common import Categorical, GeneratorModel, Probability


class GenericApplicants(GeneratorModel):
    """Parameters of the generic generator (``generator: generic``)."""

    generator: Literal["generic"]
    #: probabilities of 0, 1, 2, ... request rounds.
    missing_documents: Categorical = Field(default_factory=lambda: [1.0])
    #: boolean attributes: name -> probability of being true.
    flags: dict[str, Probability] = Field(default_factory=dict)

    def attribute_names(self) -> tuple[str, ...]:
        """The case attributes this generator produces."""
        return ("missing_documents", *sorted(self.flags))

    def draw(self, rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
        """Attributes of ``n`` applicants, one array per attribute."""
        u = rng.random((1 + len(self.flags), n))
        cumulative = np.cumsum(np.asarray(self.missing_documents, dtype=float))
        cumulative[-1] = 1.0
        out: dict[str, np.ndarray] = {
            "missing_documents": np.searchsorted(cumulative, u[0], side="right").astype(np.int64)
        }
        for row, name in enumerate(sorted(self.flags), start=1):
            out[name] = u[row] < self.flags[name]
        return out
