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

Nothing an expression builds can exhaust memory or time (issue 14: ``'x' * 3000000000``
took 11.6 GB, ``'%0999999999d' % 1`` 6.8 GB and a 1 GB "one-line" error): texts and lists
are refused before they would grow beyond :data:`MAX_VALUE_SIZE` items, whole numbers
beyond :data:`MAX_INT_BITS` bits, text formatting with ``%`` is refused outright, trees
deeper than :data:`MAX_DEPTH` are refused when compiled (they would overflow Python's
stack when built or evaluated), and every value quoted in a message is cut short.
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
#: Largest text or list an expression may build (characters or items).
MAX_VALUE_SIZE = 10_000
#: Largest whole number an expression may build (bits; 2**1024 ~ 1.8e308, beyond float).
MAX_INT_BITS = 1024
#: Deepest syntax tree (nesting of operators and parentheses) an expression may have.
MAX_DEPTH = 100
#: Characters of a value or of an expression's text quoted in an error message.
QUOTE_LIMIT = 120

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


class _TooLarge(ValueError):
    """A value an expression would build is beyond the bounds (reported as ValueError)."""


def _bounded(value: Any) -> Any:
    """``value`` if it is within the bounds of texts, lists and whole numbers."""
    if isinstance(value, str | tuple):
        if len(value) > MAX_VALUE_SIZE:
            raise _TooLarge(f"a text or list longer than {MAX_VALUE_SIZE:,} items")
    elif isinstance(value, int) and value.bit_length() > MAX_INT_BITS:
        raise _TooLarge(f"a whole number beyond 2**{MAX_INT_BITS}")
    return value


def _add(a: Any, b: Any) -> Any:
    if (
        isinstance(a, str | tuple)
        and isinstance(b, str | tuple)
        and len(a) + len(b) > MAX_VALUE_SIZE
    ):
        raise _TooLarge(f"a text or list longer than {MAX_VALUE_SIZE:,} items")
    return _bounded(a + b)


def _mul(a: Any, b: Any) -> Any:
    # repetition: check the size before Python allocates it
    for seq, times in ((a, b), (b, a)):
        if isinstance(seq, str | tuple) and isinstance(times, int):
            if len(seq) * max(times, 0) > MAX_VALUE_SIZE:
                raise _TooLarge(f"a text or list longer than {MAX_VALUE_SIZE:,} items")
            return seq * times
    if (
        isinstance(a, int)
        and isinstance(b, int)
        and a.bit_length() + b.bit_length() > MAX_INT_BITS + 1
    ):
        raise _TooLarge(f"a whole number beyond 2**{MAX_INT_BITS}")
    return _bounded(a * b)


def _mod(a: Any, b: Any) -> Any:
    if isinstance(a, str | tuple):
        # 'text' % value is printf formatting ('%0999999999d' % 1 builds a gigabyte)
        raise TypeError("% is the remainder of numbers; formatting a text with % is not allowed")
    return a % b


_BINARY = {
    ast.Add: _add,
    ast.Sub: operator.sub,
    ast.Mult: _mul,
    ast.Div: operator.truediv,
    ast.Mod: _mod,
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
        except (TypeError, ValueError, ArithmeticError, MemoryError) as err:
            raise SimulationError(
                f"{self.where}: expression {quote(self.text)} cannot be evaluated: {_cut(str(err))}"
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
        raise SimulationError(
            f"{where}: cannot parse expression {quote(text)}: {_cut(str(err.msg))}"
        ) from err
    except (RecursionError, MemoryError) as err:
        raise SimulationError(
            f"{where}: expression {quote(text)} is nested too deeply (at most {MAX_DEPTH} levels)"
        ) from err
    if _depth(tree.body) > MAX_DEPTH:
        raise SimulationError(
            f"{where}: expression {quote(text)} is nested too deeply (at most {MAX_DEPTH} levels)"
        )
    names: set[str] = set()
    fn = _Builder(text, where, names).build(tree.body)
    return Expression(text, where, fn, frozenset(names))


def _depth(root: ast.AST) -> int:
    """Depth of a syntax tree, walked without recursion (a deep tree is what is refused)."""
    deepest = 0
    stack = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        if depth <= MAX_DEPTH:
            stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return deepest


def _cut(text: str, limit: int = QUOTE_LIMIT) -> str:
    """``text`` cut to ``limit`` characters, marked where it was cut."""
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text):,} characters)"


def quote(text: str) -> str:
    """An expression's text for a message: quoted, and cut short if long."""
    return repr(text) if len(text) <= QUOTE_LIMIT else f"{text[:QUOTE_LIMIT]!r}..."


def _short(value: Any) -> str:
    """A value for a message, cut short (a value may be a 10,000-character text)."""
    if isinstance(value, str | tuple) and len(value) > QUOTE_LIMIT:
        return f"{_cut(repr(value[:QUOTE_LIMIT]))} (of {len(value):,} items)"
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 256:
        return f"a whole number of about {int(value.bit_length() * 0.30103):,} digits"
    return _cut(repr(value))


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
                raise SimulationError(f"{where}: unterminated string in expression {quote(text)}")
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
            f"{self.where}: expression {quote(self.text)} uses {what}, which is not allowed "
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
            raise self.reject(f"the constant {_short(value)}")
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
                    f"{where}: expression {quote(text)} refers to unknown attribute "
                    f"{_cut(repr(name))}"
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
        raise SimulationError(f"{where}: expected a number, got {_short(value)}")
    number = float(value) if abs(value) < 2.0**1023 else math.inf
    if not math.isfinite(number) or number < 0:
        raise SimulationError(f"{where}: expected a finite number >= 0, got {number!r}")
    return number


def as_priority(value: Any, where: str) -> float:
    """A priority expression's value as a finite float (true/false count as 1/0).

    A text or an infinite/NaN priority would make the staff queue's order undefined
    (NaN compares false with everything), so it is refused with the expression's place.
    """
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float):
        number = float(value) if abs(value) < 2.0**1023 else math.inf
        if math.isfinite(number):
            return number
    raise SimulationError(f"{where}: a priority must be a finite number, got {_short(value)}")
