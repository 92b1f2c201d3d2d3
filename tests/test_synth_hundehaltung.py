"""Synthetic dog registrations: list dogs per HundeG LSA, completeness, request rounds."""

from __future__ import annotations

import math

import numpy as np
import pytest

from zsa_sim.randomness import stream
from zsa_sim.synth.hundehaltung import LIST_DOG_BREEDS, OTHER_BREEDS, HundehaltungApplicants

Z = 3.29
N = 20_000


def draw(**params) -> dict[str, np.ndarray]:
    model = HundehaltungApplicants(generator="hundehaltung", **params)
    return model.draw(stream(5, 0, "attributes", "hundehaltung", "X"), N)


def test_the_four_listed_breeds_of_saxony_anhalt() -> None:
    names = {name for name, _ in LIST_DOG_BREEDS}
    assert {
        "Pitbull-Terrier",
        "American Staffordshire Terrier",
        "Staffordshire Bullterrier",
        "Bullterrier",
    } < names
    assert not names & {name for name, _ in OTHER_BREEDS}


def test_list_dogs_have_listed_breeds_and_the_share_is_binomial() -> None:
    out = draw(list_dog_share=0.05)
    listed = {name for name, _ in LIST_DOG_BREEDS}
    assert all(
        (breed in listed) == bool(flag)
        for breed, flag in zip(out["breed"], out["list_dog"], strict=True)
    )
    k = int(out["list_dog"].sum())
    assert abs(k - 0.05 * N) <= Z * math.sqrt(N * 0.05 * 0.95)


def test_missing_chip_or_insurance_means_at_least_one_request_round() -> None:
    out = draw(other_missing_share=0.0, list_dog_documents_missing_share=0.0)
    complete = out["chip_number_given"] & out["insurance_proof"]
    assert np.all((out["missing_documents"] == 0) == complete)
    assert np.all(out["missing_documents"][~complete] >= 1)
    k = int((~out["insurance_proof"]).sum())
    assert abs(k - 0.15 * N) <= Z * math.sqrt(N * 0.15 * 0.85)


def test_further_rounds_are_geometric_and_capped() -> None:
    q = 0.3
    out = draw(chip_missing_share=1.0, further_round_share=q, max_rounds=100)
    extra = out["missing_documents"] - 1
    mean, var = q / (1 - q), q / (1 - q) ** 2  # geometric number of further rounds
    assert abs(extra.mean() - mean) <= Z * math.sqrt(var / N)
    capped = draw(chip_missing_share=1.0, further_round_share=0.9, max_rounds=3)
    assert capped["missing_documents"].max() == 3
    assert capped["missing_documents"].min() == 1


def test_all_shares_one_every_registration_is_incomplete() -> None:
    out = draw(insurance_missing_share=1.0)
    assert np.all(out["missing_documents"] >= 1)
    assert not out["insurance_proof"].any()


def test_a_share_change_keeps_the_other_attributes() -> None:
    a, b = draw(list_dog_share=0.02), draw(list_dog_share=0.2)
    assert np.array_equal(a["chip_number_given"], b["chip_number_given"])
    assert np.array_equal(a["insurance_proof"], b["insurance_proof"])


def test_parameters_are_validated() -> None:
    with pytest.raises(ValueError, match="list_dog_share"):
        HundehaltungApplicants(generator="hundehaltung", list_dog_share=1.5)
