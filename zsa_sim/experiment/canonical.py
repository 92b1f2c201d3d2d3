"""A canonical digest of a frozen object tree: the same inputs give the same sha256, always.

The replication cache (:mod:`zsa_sim.experiment.cache`) keys a replication's result on
everything it depends on, chiefly the engine's :class:`~zsa_sim.engine.setup.SimulationSetup`
of that variant and replication. Pickle bytes cannot serve as that key: the order of a
set or frozenset depends on ``PYTHONHASHSEED``, so two processes would write the same
setup differently, and pickle records object identity (shared references) rather than
values. Here every value is first turned into a tree of plain tuples, strings, numbers,
booleans and None, which ``marshal`` (format 2) writes canonically: every value with a
type code and its length, floats as their 8 bytes, no back-references (so the bytes do
not depend on which equal objects happen to be shared):

- dataclasses by their class (module and qualified name) and every field, in order;
  named tuples likewise; enums by class and value;
- dicts and other mappings in insertion order (deterministic, and it may matter to the
  engine: a different order is a different key, which only costs a miss);
- sets and frozensets sorted by the bytes of their members' canonical forms;
- floats exactly (``-0.0`` differs from ``0.0``, ``1.0`` from ``1`` and ``True``);
- dates and times by ISO text; paths as text; numpy arrays by dtype, shape and a digest
  of their bytes; ``array.array`` by type code and bytes;
- case sources (lazy arrival streams, a function) by the arrivals they produce.

Anything else (a function, an open file, an object with private state) raises
:class:`Uncachable`: such a task is simply not cached, which is the safe side.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import hashlib
import itertools
import marshal
from array import array
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from fractions import Fraction
from pathlib import PurePath
from typing import Any

from zsa_sim.engine.setup import CaseArrival, CaseSource

#: Arrivals hashed per chunk: one ``marshal`` and one sha256 update per chunk.
_CHUNK = 2048
#: marshal format 2: floats in binary, and no back-references (format 3 on writes a
#: reference for an object seen before, so the bytes would depend on object identity).
_MARSHAL_VERSION = 2


class Uncachable(Exception):
    """An input cannot be written canonically (its result must not be cached)."""


def canonical_digest(*objects: Any) -> str:
    """The sha256 (hex) of the canonical form of ``objects``; :class:`Uncachable` if any
    part of them has no canonical form."""
    encoder = _Encoder()
    try:
        tree = tuple(encoder.canon(obj) for obj in objects)
    except RecursionError as err:  # a cycle, or absurdly deep data
        raise Uncachable("the inputs are nested too deeply (or hold a cycle)") from err
    return hashlib.sha256(marshal.dumps(tree, _MARSHAL_VERSION)).hexdigest()


def canonical_form(obj: Any) -> Any:
    """The canonical tree of one object (for tests and for finding what differs)."""
    return _Encoder().canon(obj)


_SCALAR_TYPES = frozenset((str, int, float, bool, type(None)))


def _marshalled(form: Any) -> bytes:
    return marshal.dumps(form, _MARSHAL_VERSION)


class _Encoder:
    """Turns values into canonical trees; remembers shared frozen objects by identity.

    The memo holds the objects themselves, so an id is never reused during one digest.
    """

    def __init__(self) -> None:
        self._memo: dict[int, tuple[Any, Any]] = {}
        self._special: dict[type, Callable[[Any], Any]] = _special_types(self)

    def canon(self, obj: Any) -> Any:
        kind = type(obj)
        if kind in _SCALAR_TYPES:
            return obj
        if kind is float:
            return obj
        if kind is tuple or kind is list:
            return (kind.__name__, tuple(self.canon(item) for item in obj))
        if kind is dict:
            return ("dict", tuple((self.canon(k), self.canon(v)) for k, v in obj.items()))
        known = self._memo.get(id(obj))
        if known is not None:
            return known[1]
        special = self._special.get(kind)
        form = special(obj) if special is not None else self._canon_other(obj)
        self._memo[id(obj)] = (obj, form)
        return form

    def _canon_other(self, obj: Any) -> Any:
        kind = type(obj)
        name = f"{kind.__module__}.{kind.__qualname__}"
        if isinstance(obj, enum.Enum):
            return ("enum", name, self.canon(obj.value))
        if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
            return (
                "dc",
                name,
                tuple((f.name, self.canon(getattr(obj, f.name))) for f in dataclasses.fields(obj)),
            )
        if isinstance(obj, tuple) and hasattr(obj, "_fields"):  # a named tuple
            return ("nt", name, tuple(self.canon(item) for item in obj))
        if isinstance(obj, (set, frozenset)):
            forms = sorted((self.canon(item) for item in obj), key=_marshalled)
            return ("set", tuple(forms))
        if isinstance(obj, Mapping) and kind.__module__ in ("builtins", "types", "collections"):
            # MappingProxyType, OrderedDict, defaultdict, ChainMap: their items in order
            return ("map", tuple((self.canon(k), self.canon(v)) for k, v in obj.items()))
        if kind in (dt.datetime, dt.date, dt.time):
            tz = getattr(obj, "tzinfo", None)
            return (kind.__name__, obj.isoformat(), None if tz is None else str(tz))
        if kind is dt.timedelta:
            return ("timedelta", obj.days, obj.seconds, obj.microseconds)
        if isinstance(obj, PurePath):
            return ("path", str(obj))
        if kind in (bytes, bytearray):
            return ("bytes", hashlib.sha256(obj).hexdigest(), len(obj))
        if kind in (Decimal, Fraction, complex):
            return (kind.__name__, repr(obj))
        if kind is array:
            return ("array", obj.typecode, hashlib.sha256(obj.tobytes()).hexdigest(), len(obj))
        if kind.__module__ == "numpy" or kind.__module__.startswith("numpy."):
            return _canon_numpy(obj, name)
        raise Uncachable(f"no canonical form for a value of type {name}")


def _canon_numpy(obj: Any, name: str) -> Any:
    import numpy as np

    if isinstance(obj, np.ndarray):
        if obj.dtype.hasobject:
            # plain Python values only (text attributes of applicants), written by
            # marshal; anything else (marshal would write a numpy scalar as its bytes)
            # has no canonical form here
            values = obj.ravel().tolist()
            if not all(type(value) in _SCALAR_TYPES for value in values):
                raise Uncachable("a numpy array of Python objects has no canonical form")
            data = marshal.dumps(values, _MARSHAL_VERSION)
            return ("ndarray-obj", obj.shape, hashlib.sha256(data).hexdigest())
        data = np.ascontiguousarray(obj).tobytes()
        return ("ndarray", obj.dtype.str, obj.shape, hashlib.sha256(data).hexdigest())
    if isinstance(obj, np.generic) and not isinstance(obj, np.object_):
        return ("npscalar", obj.dtype.str, obj.tobytes().hex())
    raise Uncachable(f"no canonical form for a value of type {name}")


def _special_types(encoder: _Encoder) -> dict[type, Callable[[Any], Any]]:
    """Types written in a form of their own: case sources by the arrivals they yield."""

    def source(src: CaseSource) -> Any:
        if src.fingerprint is not None:
            # the columns the arrivals are made of: ~4x cheaper than making every arrival
            # (the parent's lookups run beside the workers: issue 19's what-if)
            try:
                columns = encoder.canon(src.fingerprint())
            except Uncachable:
                pass  # e.g. a column of Python objects: hash the arrivals instead
            else:
                return ("source-columns", src.service, src.municipality, columns)
        return ("source", src.service, src.municipality, arrivals_digest(src.arrivals(), encoder))

    return {CaseSource: source}


def arrivals_digest(arrivals: Iterable[Any], encoder: _Encoder | None = None) -> str:
    """A digest of a stream of case arrivals, read once, in chunks (constant memory).

    Fast path: a chunk of arrivals as rows of their fields, written with ``marshal``
    directly (attributes are str, int, float, bool or None; marshal refuses subclasses
    such as numpy scalars or enums, and such a chunk takes the generic canonical form
    instead; a set among the attributes would be written in its iteration order, which
    can only make another process miss, never hit wrongly).
    """
    encoder = encoder or _Encoder()
    digest = hashlib.sha256()
    count = 0
    items = iter(arrivals)
    while chunk := list(itertools.islice(items, _CHUNK)):
        count += len(chunk)
        try:
            rows = [
                (a.service, a.municipality, a.index, a.time, a.priority, a.node, a.attributes)
                for a in chunk
                if type(a) is CaseArrival
            ]
            if len(rows) != len(chunk):
                raise ValueError("not only case arrivals")
            digest.update(b"F" + marshal.dumps(rows, _MARSHAL_VERSION))
        except ValueError:
            forms = [encoder.canon(a) for a in chunk]
            digest.update(b"S" + marshal.dumps(forms, _MARSHAL_VERSION))
    return f"{count}:{digest.hexdigest()}"
