"""Synthetic housing-benefit applications (Wohngeld, Mietzuschuss).

The attributes are those the BPMN model ``processes/wohngeld.bpmn`` and the scenario's
effort multipliers use:

- ``household_size`` (persons), drawn from a categorical distribution over 1, 2, 3, ...
- ``monthly_income`` and ``monthly_rent`` in EUR, lognormal with a mean that grows with
  the household (``mean + per_person * (size - 1)``, same coefficient of variation);
- ``missing_documents``: request rounds until the application is complete (0, 1, 2, ...);
- ``entitled``: whether the application leads to a payment.

**The entitlement rule is a deliberate simplification, not the WoGG formula** (§ 19
WoGG with its rent ceilings per Mietstufe and its income deductions): an application is
entitled when ``monthly_income <= base + per_person * (size - 1) + rent_share *
monthly_rent``. It only has to give a plausible share of approvals that rises with
household size and rent and falls with income; the simulation needs the branch, not the
amount. All numbers are scenario parameters (ASSUMPTIONS) with defaults in the range of
the Wohngeld statistics (most recipient households are single persons, many of them
pensioners).

Draws use a fixed number of uniforms and normals per applicant, whatever the
parameters, so a parameter sweep keeps the same applicants (common random numbers).
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
from pydantic import Field, NonNegativeFloat, PositiveFloat

from zsa_sim.synth.common import Categorical, GeneratorModel

ATTRIBUTES: tuple[str, ...] = (
    "household_size",
    "monthly_income",
    "monthly_rent",
    "missing_documents",
    "entitled",
)


class MoneyDistribution(GeneratorModel):
    """A lognormal amount in EUR per month whose mean grows with the household size."""

    mean: PositiveFloat
    sd: NonNegativeFloat
    #: added to the mean for every household member beyond the first.
    per_person: NonNegativeFloat = 0.0

    def sample(self, z: np.ndarray, size: np.ndarray) -> np.ndarray:
        """Amounts for standard-normal draws ``z`` and household sizes, in whole EUR."""
        mean = self.mean + self.per_person * (size - 1)
        cv = self.sd / self.mean
        sigma = math.sqrt(math.log1p(cv * cv))
        mu = np.log(mean) - sigma * sigma / 2
        return np.round(np.exp(mu + sigma * z)).astype(np.int64)


class EntitlementRule(GeneratorModel):
    """Simplified entitlement: income limit = base + per_person * (size-1) + rent_share * rent."""

    base: NonNegativeFloat = 1250.0
    per_person: NonNegativeFloat = 450.0
    rent_share: NonNegativeFloat = 0.5


class WohngeldApplicants(GeneratorModel):
    """Parameters of synthetic Wohngeld applications (``generator: wohngeld``)."""

    generator: Literal["wohngeld"]
    #: probabilities of 1, 2, 3, ... persons (ASSUMPTION after the Wohngeld statistics).
    household_size: Categorical = Field(default_factory=lambda: [0.52, 0.18, 0.11, 0.10, 0.09])
    monthly_income: MoneyDistribution = MoneyDistribution(mean=1150, sd=350, per_person=400)
    monthly_rent: MoneyDistribution = MoneyDistribution(mean=430, sd=110, per_person=85)
    #: probabilities of 0, 1, 2, ... request rounds (ASSUMPTION: most are incomplete once).
    missing_documents: Categorical = Field(default_factory=lambda: [0.40, 0.35, 0.17, 0.08])
    entitlement: EntitlementRule = EntitlementRule()

    def attribute_names(self) -> tuple[str, ...]:
        """The case attributes this generator produces."""
        return ATTRIBUTES

    def draw(self, rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
        """Attributes of ``n`` applications, one array per attribute."""
        u = rng.random((2, n))
        z = rng.standard_normal((2, n))
        size = 1 + np.searchsorted(_cumulative(self.household_size), u[0], side="right")
        income = self.monthly_income.sample(z[0], size)
        rent = self.monthly_rent.sample(z[1], size)
        rounds = np.searchsorted(_cumulative(self.missing_documents), u[1], side="right")
        rule = self.entitlement
        limit = rule.base + rule.per_person * (size - 1) + rule.rent_share * rent
        return {
            "household_size": size.astype(np.int64),
            "monthly_income": income,
            "monthly_rent": rent,
            "missing_documents": rounds.astype(np.int64),
            "entitled": income <= limit,
        }


def _cumulative(probabilities: list[float]) -> np.ndarray:
    cumulative = np.cumsum(np.asarray(probabilities, dtype=float))
    cumulative[-1] = 1.0
    return cumulative
