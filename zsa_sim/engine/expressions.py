"""A small, safe expression language over case attributes.

Gateway conditions and effort multipliers are short formulas over an applicant's
attributes, e.g. ``${channel == "online" && list_dog}`` (JUEL, as Camunda Modeler writes
them) or ``1 + 0.15 * (household_size - 1)`` (Python-ish, as a scenario file may). Both
spellings are accepted. Besides the attributes an expression may use ``visit``: how
often the case has reached the element that evaluates it (1 on the first visit).

The text is never passed to ``eval``. It is translated (``&&`` -> ``and``, ``||`` ->
``or``, ``!`` -> ``not``, ``true``/``false``/``null``, JUEL's ``eq ne lt gt le ge div
mod``), parsed with :func:`ast.parse` and checked against a whitelist of node types:
constants, names, comparisons (including ``in`` over a literal list), arithmetic
(``+ - * / %``), ``and or not`` and unary minus. Anything else (calls, attribute access,
subscripts, lambdas, comprehensions ...) is rejected with an error naming the expression.
The checked tree is compiled once into nested Python closures, so evaluating it is a few
function calls.
"""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable, Mapping
from typing import Any

from zsa_sim.errors import SimulationError

#: The name that refers to the visit counter instead of an attribute.
VISIT = "visit"
MAX_LENGTH = 2000

Evaluator = Callable[[Mapping[str, Any], int], Any]

_JUEL_WORDS = {
    "true": "True",
    "false": "False",
    "null": "None",
    "eq": "==",
    "ne": "!=",
    "lt": "<",
    "gt": ">",
    "le": "<=",
    "ge": ">=",
    "div": "/",
    "mod": "%",
}
_BINARY = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Mod: operator.mod,
}
_COMPARE = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.In: lambda a, b: a in b,
    ast.NotIn: lambda a, b: a not in b,
}
_CONSTANT_TYPES = (bool, int, float, str, type(None))


class Expression:
    """A compiled expression; call it with the case attributes and the visit counter."""

    __slots__ = ("_fn", "names", "text", "where")

    def __init__(self, text: str, where: str, fn: Evaluator, names: frozenset[str]) -> None:
        self.text = text
        self.where = where
        self._fn = fn
        #: the attribute names the expression reads (without ``visit``)
        self.names = names

    def __call__(self, attributes: Mapping[str, Any], visit: int = 1) -> Any:
        """The expression's value for one case."""
        try:
            return self._fn(attributes, visit)
        except SimulationError:
            raise
        except (TypeError, ValueError, ArithmeticError) as err:
            raise SimulationError(
                f"{self.where}: expression {self.text!r} cannot be evaluated: {err}"
            ) from err

    def __repr__(self) -> str:
        return f"Expression({self.text!r})"


def compile_expression(text: str, where: str) -> Expression:
    """Check and compile ``text``; ``where`` names the element for error messages.

    Raises :class:`SimulationError` for text that is not a valid, allowed expression.
    """
    if not isinstance(text, str) or not text.strip():
        raise SimulationError(f"{where}: empty expression")
    if len(text) > MAX_LENGTH:
        raise SimulationError(f"{where}: expression longer than {MAX_LENGTH} characters")
    python = translate(text, where)
    try:
        tree = ast.parse(python.strip(), mode="eval")
    except SyntaxError as err:
        raise SimulationError(f"{where}: cannot parse expression {text!r}: {err.msg}") from err
    names: set[str] = set()
    fn = _Builder(text, where, names).build(tree.body)
    return Expression(text, where, fn, frozenset(names))


def translate(text: str, where: str = "expression") -> str:
    """JUEL spelling to Python spelling, leaving string literals untouched."""
    s = text.strip()
    if (s.startswith("${") or s.startswith("#{")) and s.endswith("}"):
        s = s[2:-1]
    out: list[str] = []
    i, n = 0, len(s)
    while i < n:
        c = s[i]
        if c in "'\"":
            j = i + 1
            while j < n and s[j] != c:
                j += 2 if s[j] == "\\" else 1
            if j >= n:
                raise SimulationError(f"{where}: unterminated string in expression {text!r}")
            out.append(s[i : j + 1])
            i = j + 1
        elif s.startswith("&&", i):
            out.append(" and ")
            i += 2
        elif s.startswith("||", i):
            out.append(" or ")
            i += 2
        elif c == "!" and not s.startswith("!=", i):
            out.append(" not ")
            i += 1
        elif c.isalpha() or c == "_":
            j = i
            while j < n and (s[j].isalnum() or s[j] == "_"):
                j += 1
            word = s[i:j]
            out.append(_JUEL_WORDS.get(word, word))
            i = j
        elif c.isdigit():
            j = i
            while j < n and (s[j].isalnum() or s[j] in "._"):
                j += 1
            out.append(s[i:j])
            i = j
        else:
            out.append(c)
            i += 1
    return "".join(out)


class _Builder:
    """Walks a parsed tree, rejecting what is not whitelisted, and returns closures."""

    def __init__(self, text: str, where: str, names: set[str]) -> None:
        self.text = text
        self.where = where
        self.names = names

    def reject(self, what: str) -> SimulationError:
        return SimulationError(
            f"{self.where}: expression {self.text!r} uses {what}, which is not allowed "
            "(use attribute names, numbers, strings, true/false/null, comparisons, "
            "+ - * / %, and/or/not)"
        )

    def build(self, node: ast.AST) -> Evaluator:
        method = getattr(self, "_" + type(node).__name__, None)
        if method is None:
            raise self.reject(_describe(node))
        return method(node)

    def _Constant(self, node: ast.Constant) -> Evaluator:
        value = node.value
        if not isinstance(value, _CONSTANT_TYPES):
            raise self.reject(f"the constant {value!r}")
        return lambda attributes, visit: value

    def _Name(self, node: ast.Name) -> Evaluator:
        name = node.id
        if name == VISIT:
            return lambda attributes, visit: visit
        self.names.add(name)
        where, text = self.where, self.text

        def lookup(attributes: Mapping[str, Any], visit: int) -> Any:
            try:
                return attributes[name]
            except KeyError:
                raise SimulationError(
                    f"{where}: expression {text!r} refers to unknown attribute {name!r}"
                ) from None

        return lookup

    def _BoolOp(self, node: ast.BoolOp) -> Evaluator:
        parts = [self.build(v) for v in node.values]
        if isinstance(node.op, ast.And):

            def all_of(attributes: Mapping[str, Any], visit: int) -> Any:
                result: Any = True
                for part in parts:
                    result = part(attributes, visit)
                    if not result:
                        return result
                return result

            return all_of

        def any_of(attributes: Mapping[str, Any], visit: int) -> Any:
            result: Any = False
            for part in parts:
                result = part(attributes, visit)
                if result:
                    return result
            return result

        return any_of

    def _UnaryOp(self, node: ast.UnaryOp) -> Evaluator:
        inner = self.build(node.operand)
        if isinstance(node.op, ast.Not):
            return lambda attributes, visit: not inner(attributes, visit)
        if isinstance(node.op, ast.USub):
            return lambda attributes, visit: -inner(attributes, visit)
        if isinstance(node.op, ast.UAdd):
            return lambda attributes, visit: +inner(attributes, visit)
        raise self.reject(_describe(node.op))

    def _BinOp(self, node: ast.BinOp) -> Evaluator:
        op = _BINARY.get(type(node.op))
        if op is None:
            raise self.reject(_describe(node.op))
        left, right = self.build(node.left), self.build(node.right)
        return lambda attributes, visit: op(left(attributes, visit), right(attributes, visit))

    def _Compare(self, node: ast.Compare) -> Evaluator:
        ops: list[Callable[[Any, Any], Any]] = []
        for cmp in node.ops:
            fn = _COMPARE.get(type(cmp))
            if fn is None:
                raise self.reject(_describe(cmp))
            ops.append(fn)
        left = self.build(node.left)
        rights = [self.build(c) for c in node.comparators]
        if len(ops) == 1:
            compare, right = ops[0], rights[0]
            return lambda attributes, visit: compare(
                left(attributes, visit), right(attributes, visit)
            )
        pairs = list(zip(ops, rights, strict=True))

        def chain(attributes: Mapping[str, Any], visit: int) -> bool:
            a = left(attributes, visit)
            for fn, right in pairs:
                b = right(attributes, visit)
                if not fn(a, b):
                    return False
                a = b
            return True

        return chain

    def _Tuple(self, node: ast.Tuple | ast.List) -> Evaluator:
        items = [self.build(e) for e in node.elts]
        return lambda attributes, visit: tuple(item(attributes, visit) for item in items)

    _List = _Tuple


def _describe(node: ast.AST) -> str:
    names = {
        "Call": "a function call",
        "Attribute": "attribute access (a.b)",
        "Subscript": "indexing (a[b])",
        "Lambda": "a lambda",
        "ListComp": "a comprehension",
        "SetComp": "a comprehension",
        "DictComp": "a comprehension",
        "GeneratorExp": "a comprehension",
        "IfExp": "a conditional expression (a if b else c)",
        "NamedExpr": "an assignment (:=)",
        "Starred": "unpacking (*)",
        "Dict": "a dictionary",
        "Set": "a set",
        "JoinedStr": "an f-string",
        "Await": "await",
        "Yield": "yield",
        "Pow": "the operator **",
        "FloorDiv": "the operator //",
        "BitAnd": "the operator &",
        "BitOr": "the operator |",
        "BitXor": "the operator ^",
        "LShift": "the operator <<",
        "RShift": "the operator >>",
        "MatMult": "the operator @",
        "Invert": "the operator ~",
        "Is": "the operator 'is'",
        "IsNot": "the operator 'is not'",
    }
    name = type(node).__name__
    return names.get(name, f"a {name} element")


def as_number(value: Any, where: str) -> float:
    """A multiplier's value as a finite, non-negative float, or a clear error."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SimulationError(f"{where}: expected a number, got {value!r}")
    number = float(value)
    if not math.isfinite(number) or number < 0:
        raise SimulationError(f"{where}: expected a finite number >= 0, got {number!r}")
    return number
