"""Synthetic dog registrations (Hundeanmeldung inkl. Hundesteuer) for Saxony-Anhalt.

The attributes are those the BPMN model ``processes/hundehaltung.bpmn`` branches on:

- ``breed`` and ``list_dog``: Saxony-Anhalt's dog law (Gesetz zur Vorsorge gegen die von
  Hunden ausgehenden Gefahren, HundeG LSA, in force since 1 March 2009) presumes four
  breeds and their crosses to be dangerous: Pitbull-Terrier, American Staffordshire
  Terrier, Staffordshire Bullterrier and Bullterrier. Keeping one needs a permit and a
  passed temperament test (Wesenstest), which the authority checks (an extra task).
- ``chip_number_given`` and ``insurance_proof``: the same law requires every dog to be
  chipped (transponder) and insured against liability; a registration without chip
  number or insurance proof is incomplete.
- ``missing_documents``: the number of request rounds the applicant needs before the
  file is complete (0 when complete; at least 1 when chip number, insurance proof,
  another document or, for a list dog, the permit papers are missing). The BPMN loop
  ``${missing_documents >= visit}`` runs that many times.

All shares are scenario parameters (ASSUMPTIONS until a pilot municipality supplies
figures). Every attribute is drawn from its own uniform, in a fixed order, whatever the
parameter values: two scenarios that differ only in a share see the same applicants
otherwise (common random numbers across a parameter sweep).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import PositiveInt

from zsa_sim.synth.common import GeneratorModel, Probability

#: The breeds HundeG LSA presumes dangerous (§ 3 Abs. 2), with their crosses; weights
#: split the list-dog share among them (ASSUMPTION: Staffordshire types most common).
LIST_DOG_BREEDS: tuple[tuple[str, float], ...] = (
    ("American Staffordshire Terrier", 0.30),
    ("Staffordshire Bullterrier", 0.25),
    ("Pitbull-Terrier", 0.15),
    ("Bullterrier", 0.15),
    ("Mischling (Kreuzung mit gelisteter Rasse)", 0.15),
)

#: Other breeds and their weights (ASSUMPTION, shaped after the VDH puppy statistics
#: and the common picture that about a third of German dogs are mixed breeds).
OTHER_BREEDS: tuple[tuple[str, float], ...] = (
    ("Mischling", 0.34),
    ("Deutscher Schäferhund", 0.07),
    ("Labrador Retriever", 0.06),
    ("Französische Bulldogge", 0.05),
    ("Chihuahua", 0.05),
    ("Jack Russell Terrier", 0.05),
    ("Dackel", 0.04),
    ("Golden Retriever", 0.04),
    ("Yorkshire Terrier", 0.04),
    ("Australian Shepherd", 0.04),
    ("Malteser", 0.03),
    ("Border Collie", 0.03),
    ("Havaneser", 0.03),
    ("Mops", 0.02),
    ("Beagle", 0.02),
    ("Boxer", 0.02),
    ("Rottweiler", 0.02),
    ("Shih Tzu", 0.01),
)

ATTRIBUTES: tuple[str, ...] = (
    "breed",
    "list_dog",
    "chip_number_given",
    "insurance_proof",
    "missing_documents",
)


class HundehaltungApplicants(GeneratorModel):
    """Parameters of synthetic dog registrations (``generator: hundehaltung``)."""

    generator: Literal["hundehaltung"]
    #: share of registered dogs of a listed breed or cross (ASSUMPTION).
    list_dog_share: Probability = 0.02
    #: share of registrations without a chip (transponder) number.
    chip_missing_share: Probability = 0.10
    #: share of registrations without proof of liability insurance.
    insurance_missing_share: Probability = 0.15
    #: share with another gap (signature, SEPA mandate, previous registration).
    other_missing_share: Probability = 0.05
    #: share of list-dog registrations whose permit or Wesenstest papers are missing.
    list_dog_documents_missing_share: Probability = 0.40
    #: chance that a request round does not bring everything, so another is needed.
    further_round_share: Probability = 0.20
    #: at most this many request rounds.
    max_rounds: PositiveInt = 4

    def attribute_names(self) -> tuple[str, ...]:
        """The case attributes this generator produces."""
        return ATTRIBUTES

    def draw(self, rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
        """Attributes of ``n`` registrations, one array per attribute."""
        u = rng.random((7, n))  # fixed consumption: the same applicants for any parameters
        list_dog = u[0] < self.list_dog_share
        breed = np.where(
            list_dog,
            _pick(LIST_DOG_BREEDS, u[1]),
            _pick(OTHER_BREEDS, u[1]),
        )
        chip = u[2] >= self.chip_missing_share
        insurance = u[3] >= self.insurance_missing_share
        other = u[4] < self.other_missing_share
        papers_missing = list_dog & (u[5] < self.list_dog_documents_missing_share)
        incomplete = ~chip | ~insurance | other | papers_missing
        extra = _extra_rounds(u[6], self.further_round_share)
        rounds = np.where(incomplete, np.minimum(1 + extra, self.max_rounds), 0)
        return {
            "breed": breed,
            "list_dog": list_dog,
            "chip_number_given": chip,
            "insurance_proof": insurance,
            "missing_documents": rounds.astype(np.int64),
        }


def _pick(table: tuple[tuple[str, float], ...], u: np.ndarray) -> np.ndarray:
    """Names from a weighted table by inverse transform of uniforms."""
    names = np.array([name for name, _ in table], dtype=object)
    weights = np.array([w for _, w in table], dtype=float)
    cumulative = np.cumsum(weights / weights.sum())
    cumulative[-1] = 1.0
    return names[np.searchsorted(cumulative, u, side="right")]


def _extra_rounds(u: np.ndarray, q: float) -> np.ndarray:
    """Geometric number of further rounds: P(extra >= k) = q**k (inverse transform)."""
    if q <= 0.0:
        return np.zeros(u.shape, dtype=np.int64)
    if q >= 1.0:
        return np.full(u.shape, 10**6, dtype=np.int64)  # capped by max_rounds
    return np.floor(np.log1p(-u) / np.log(q)).astype(np.int64)
