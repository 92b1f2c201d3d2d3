"""Conditions over yes/no attributes: what can never be true is found."""

from __future__ import annotations

import pytest

from zsa_sim.scenario.condition_types import flag_misuse, usable_with_flags

NEVER_YES = "attribute 'approved' is yes/no, so comparing it with 'Yes' is never true"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (
            "${approved == 'Yes'}",
            "attribute 'approved' is yes/no, so comparing it with 'Yes' is never true",
        ),
        ('=approved = "ja"', None),  # FEEL is translated by the reader, not here
        ("approved > 5", "attribute 'approved' is yes/no but is compared with 5 by size"),
        ("approved == 2", "attribute 'approved' is yes/no, so comparing it with 2 is never true"),
        ("${approved == true && !urgent}", None),
        ("approved == 1", None),
        (
            "'Yes' == approved",
            "attribute 'approved' is yes/no, so comparing it with 'Yes' is never true",
        ),
        ("other == 'Yes'", None),  # not a flag: the generator decides what it holds
        ("approved == (", None),  # does not parse: the checks say so elsewhere
    ],
)
def test_flag_misuse(text: str, problem: str | None) -> None:
    assert flag_misuse(text, {"approved", "urgent"}) == problem


@pytest.mark.parametrize(
    ("text", "usable"),
    [
        ("${vollstaendig}", True),
        ("vollstaendig == true && !zweithund", True),
        ("channel == 'online' and eilig", True),
        ("missing_documents >= visit", True),
        ("einkommen < 1200", False),
        ("wertvoll == 'Yes'", False),
        ("betrag * 2 > 1", False),
        ("getDataObject('x')/y = true()", False),
        ("Bestätigung liegt vor", False),
    ],
)
def test_usable_with_flags(text: str, usable: bool) -> None:
    assert usable_with_flags(text) is usable
