"""Synthetic Wohngeld applications: household sizes, money, rounds, simplified entitlement."""

from __future__ import annotations

import math

import numpy as np
import pytest

from zsa_sim.randomness import stream
from zsa_sim.synth.wohngeld import WohngeldApplicants

Z = 3.29
N = 20_000


def draw(**params) -> dict[str, np.ndarray]:
    model = WohngeldApplicants(generator="wohngeld", **params)
    return model.draw(stream(9, 0, "attributes", "wohngeld", "X"), N)


def test_household_sizes_follow_the_given_shares() -> None:
    shares = [0.5, 0.2, 0.1, 0.1, 0.1]
    out = draw(household_size=shares)
    assert set(np.unique(out["household_size"])) == {1, 2, 3, 4, 5}
    for size, p in enumerate(shares, start=1):
        k = int((out["household_size"] == size).sum())
        assert abs(k - p * N) <= Z * math.sqrt(N * p * (1 - p))


def test_income_mean_grows_with_the_household() -> None:
    out = draw(
        household_size=[0.5, 0.5],
        monthly_income={"mean": 1000, "sd": 300, "per_person": 500},
    )
    for size, mean in ((1, 1000.0), (2, 1500.0)):
        values = out["monthly_income"][out["household_size"] == size]
        sd = 300.0 * mean / 1000.0  # same coefficient of variation
        assert abs(values.mean() - mean) <= Z * sd / math.sqrt(values.size) + 0.5  # rounding


def test_entitlement_follows_the_documented_simplified_rule() -> None:
    out = draw(entitlement={"base": 1000, "per_person": 300, "rent_share": 0.5})
    limit = 1000 + 300 * (out["household_size"] - 1) + 0.5 * out["monthly_rent"]
    assert np.array_equal(out["entitled"], out["monthly_income"] <= limit)
    assert 0.05 < out["entitled"].mean() < 0.95  # both branches occur


def test_default_parameters_give_a_plausible_approval_share() -> None:
    share = draw()["entitled"].mean()
    assert 0.7 < share < 0.95


def test_missing_document_rounds_follow_the_categorical_distribution() -> None:
    out = draw(missing_documents=[0.25, 0.5, 0.25])
    for rounds, p in enumerate([0.25, 0.5, 0.25]):
        k = int((out["missing_documents"] == rounds).sum())
        assert abs(k - p * N) <= Z * math.sqrt(N * p * (1 - p))


def test_shares_must_sum_to_one() -> None:
    with pytest.raises(ValueError, match="probabilities must sum to 1"):
        WohngeldApplicants(generator="wohngeld", household_size=[0.5, 0.4])
