"""Hostile expressions cannot hurt the tool: size bombs, deep nesting, formatting.

Gateway conditions, effort multipliers and priorities are expressions from files a user
did not necessarily write. Whatever their text, compiling and evaluating one ends with a
value or the tool's one-line :class:`~zsa_sim.errors.SimulationError`, quickly, within a
few megabytes, and with a message of bounded length (issue 14: ``'x' * 3000000000`` took
11.6 GB, ``'%0999999999d' % 1`` 6.8 GB and printed a 1 GB "one-line" error).

Hypothesis builds expressions from size-bomb pieces: long texts and lists, huge whole
numbers (as literals and as products), repetition by huge counts, ``%`` formatting,
additions of repeated texts, and deep nesting of parentheses and unary operators.
"""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st
from memory_probe import peak_memory

from zsa_sim.engine.expressions import MAX_LENGTH, compile_expression
from zsa_sim.errors import SimulationError

ATTRS = {"channel": "online", "household_size": 3, "list_dog": True}
#: Every message stays far below a screen page.
MESSAGE_LIMIT = 1_000
#: The bounds let an expression build at most 10,000 items; a few MB of Python objects.
MEMORY_LIMIT = 8 * 2**20

counts = st.one_of(
    st.integers(-3, 12),
    st.sampled_from([10**4, 10**5, 3 * 10**9, 2**63, 10**30]),
    st.integers(0, 10**12).map(str).map(int),
)
atoms = st.one_of(
    counts.map(str),
    st.sampled_from(["channel", "household_size", "list_dog", "visit", "1e308", "0.5"]),
    st.text("xyz%d0123456789", max_size=12).map(lambda t: repr(t)),
    st.sampled_from(["'%0999999999d'", "'%s'", "'%.999999999f'", "[1, 2, 3]", "('a',)"]),
    st.integers(1, 600).map(lambda n: "9" * n),
)


def combine(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.tuples(children, st.sampled_from(["*", "+", "%", "-", "/"]), children).map(
            lambda t: f"({t[0]} {t[1]} {t[2]})"
        ),
        st.tuples(children, counts).map(lambda t: f"{t[0]} * {t[1]}"),
        st.tuples(st.sampled_from(["-", "not ", "!"]), children).map(lambda t: t[0] + t[1]),
    )


expressions = st.recursive(atoms, combine, max_leaves=12)
nestings = st.tuples(
    st.sampled_from(["(", "-", "!", "+", "not "]), st.integers(50, 1500), atoms
).map(lambda t: t[0] * t[1] + t[2] + (")" * t[1] if t[0] == "(" else ""))


def outcome(text: str) -> str:
    """Compile and evaluate; 'value' or 'error' (a one-line, bounded SimulationError)."""
    try:
        compile_expression(text, "task 'T': effort multiplier")(ATTRS, 1)
    except SimulationError as err:
        message = str(err)
        assert "\n" not in message and len(message) <= MESSAGE_LIMIT, message[:200]
        return "error"
    return "value"


def check(text: str) -> None:
    text = text[: MAX_LENGTH + 10]
    assert peak_memory(lambda: outcome(text)) < MEMORY_LIMIT


FUZZ = settings(max_examples=150, deadline=timedelta(seconds=2))


@FUZZ
@given(expressions)
def test_size_bombs_end_in_a_value_or_one_bounded_line(text):
    check(text)


@FUZZ
@given(nestings)
def test_deep_nesting_ends_in_a_value_or_one_bounded_line(text):
    check(text)


def test_the_issue_s_bombs_are_refused_quickly_and_small():
    for text in ("'x' * 3000000000", "'%0999999999d' % 1", "[0] * 10**9"):
        check(text)
