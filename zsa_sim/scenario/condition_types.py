"""Do a model's conditions fit yes/no attributes? Catch comparisons that are never true.

A new model's applicants come from the generic generator, whose attributes (``flags``)
are yes/no. A condition written for a process engine with real data, such as
``${approved == 'Yes'}`` or ``=amount > 500``, compiles fine but compares a yes/no value
with text or a number: never (or always) true, and the simulation would be silently
wrong. :func:`flag_misuse` names such a comparison for the checks;
:func:`usable_with_flags` tells the template whether a condition can be fed by flags,
or whether the gateway should be given branch probabilities instead.
"""

from __future__ import annotations

import ast

from zsa_sim.engine.expressions import translate
from zsa_sim.errors import SimulationError

#: Attributes that are not yes/no: the engine's and every generator's own.
NOT_FLAGS = frozenset({"channel", "missing_documents", "visit"})

_ORDERING = (ast.Lt, ast.LtE, ast.Gt, ast.GtE)


def flag_misuse(text: str, flags: set[str] | frozenset[str]) -> str | None:
    """What is wrong with comparing a yes/no attribute in ``text``, or None."""
    for name, problem in _problems(text):
        if name in flags:
            return problem
    return None


def usable_with_flags(text: str) -> bool:
    """True when every attribute ``text`` reads can be a yes/no flag and it parses."""
    tree = _parse(text)
    if tree is None:
        return False
    if any(isinstance(node, ast.BinOp) for node in ast.walk(tree)):
        return False
    return not any(name not in NOT_FLAGS for name, _ in _problems(text))


def _parse(text: str) -> ast.Expression | None:
    try:
        return ast.parse(translate(text).strip(), mode="eval")
    except (SyntaxError, SimulationError, ValueError):
        return None


def _problems(text: str) -> list[tuple[str, str]]:
    tree = _parse(text)
    if tree is None:
        return []
    found: list[tuple[str, str]] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Compare):
            continue
        operands = [node.left, *node.comparators]
        for op, left, right in zip(node.ops, operands, operands[1:], strict=False):
            for name_side, other in ((left, right), (right, left)):
                if not isinstance(name_side, ast.Name):
                    continue
                problem = _compare_problem(name_side.id, op, other)
                if problem:
                    found.append((name_side.id, problem))
    return found


def _compare_problem(name: str, op: ast.cmpop, other: ast.expr) -> str | None:
    if isinstance(other, ast.Name):
        return None
    if not isinstance(other, ast.Constant):
        return f"attribute {name!r} is yes/no but is compared with an expression"
    value = other.value
    if isinstance(value, bool):
        return None
    if isinstance(op, _ORDERING):
        return f"attribute {name!r} is yes/no but is compared with {value!r} by size"
    if isinstance(value, str):
        return f"attribute {name!r} is yes/no, so comparing it with {value!r} is never true"
    if isinstance(value, int | float) and value not in (0, 1):
        return f"attribute {name!r} is yes/no, so comparing it with {value!r} is never true"
    return None
