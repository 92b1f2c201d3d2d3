"""Frozen records: frozen dataclasses whose ``repr``, ``==`` and ``hash`` are shared.

A ``@dataclass`` writes the source of each of its methods and compiles it when the
class is made: ``__init__``, ``__repr__``, ``__eq__``, ``__hash__`` and, frozen,
``__setattr__`` and ``__delattr__``, about 1.5 ms of CPU per class, half of it for
``__repr__``, ``__eq__`` and ``__hash__``. The process model alone has 27 such
classes, made by every command that reads a BPMN file, `zsa-sim validate` included
(issue 19: start-up under 0.5 s). :func:`frozen_record` makes the same frozen
dataclass but gives it one shared implementation of those three methods, which reads
the field names the class keeps: the results are those of the generated methods (the
same text, the same comparison of field tuples, the same hash), at no compile cost.
Where a record is compared or hashed in a hot loop, a plain ``@dataclass`` stays the
better choice (its generated methods need no loop over the field names).
"""

from __future__ import annotations

import reprlib
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any, TypeVar

T = TypeVar("T", bound=type)


def frozen_record(*, kw_only: bool = False, slots: bool = False) -> Callable[[T], T]:
    """``@dataclass(frozen=True, kw_only=..., slots=...)`` with shared repr, eq and hash."""

    def wrap(cls: T) -> T:
        made = dataclass(frozen=True, repr=False, eq=False, kw_only=kw_only, slots=slots)(cls)
        own = fields(made)
        # the generated methods' choice of fields (dataclasses._process_class)
        made.__record_repr__ = tuple(f.name for f in own if f.repr)  # type: ignore[attr-defined]
        made.__record_compare__ = tuple(f.name for f in own if f.compare)  # type: ignore[attr-defined]
        made.__record_hash__ = tuple(  # type: ignore[attr-defined]
            f.name for f in own if (f.compare if f.hash is None else f.hash)
        )
        made.__repr__ = _repr  # type: ignore[method-assign]
        made.__eq__ = _eq  # type: ignore[method-assign]
        made.__hash__ = _hash  # type: ignore[method-assign]
        return made

    return wrap


@reprlib.recursive_repr()
def _repr(self: Any) -> str:
    """``Name(field=value, ...)``, as the dataclass ``__repr__`` writes it."""
    names = type(self).__record_repr__
    inner = ", ".join(f"{name}={getattr(self, name)!r}" for name in names)
    return f"{self.__class__.__qualname__}({inner})"


def _eq(self: Any, other: object) -> bool:
    """Equal when of the same class with equal field tuples (the dataclass rule)."""
    if other.__class__ is self.__class__:
        names = type(self).__record_compare__
        return tuple(getattr(self, n) for n in names) == tuple(getattr(other, n) for n in names)
    return NotImplemented


def _hash(self: Any) -> int:
    """The hash of the field tuple, as a frozen dataclass with ``eq`` hashes."""
    return hash(tuple(getattr(self, n) for n in type(self).__record_hash__))
