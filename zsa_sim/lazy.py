"""Public names of a package imported on first use (PEP 562), in one place.

A package's ``__init__`` lists ``{name: module}`` and gets its ``__getattr__`` and
``__dir__`` from :func:`lazy_exports`. ``import zsa_sim.planning`` then costs nothing, and
``zsa-sim --help`` does not import SciPy, matplotlib or SimPy through a package it only
touches; the name is imported, and kept in the package's namespace, when first used.
:func:`collector_paused` spares a short command the garbage collector's passes over
what importing allocates (issue 19: start-up).
"""

from __future__ import annotations

import gc
import importlib
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any


def lazy_exports(
    package: str, exports: Mapping[str, str], namespace: dict[str, Any]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``__getattr__`` and ``__dir__`` for ``package`` whose names live in ``exports``."""

    def __getattr__(name: str) -> Any:
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted({*namespace, *exports})  # a name once, if already imported too

    return __getattr__, __dir__


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic garbage collection inside the block; as it was afterwards.

    Importing the scenario layer and checking a scenario allocate hundreds of thousands
    of objects that all stay alive (modules, classes, pydantic validators, the compiled
    process graphs of every variant), so each collection of the cyclic collector finds
    nothing and only costs: ~25 ms of CPU in `zsa-sim validate scenarios/pilot.yaml`
    (5 %), ~150 ms for the state-wide scenario (issue 19). Memory grows by a few MB at
    most (74 instead of 71 MB peak for the state-wide scenario); reference counting
    still frees everything that is not in a cycle. For bounded work only, never around
    a simulation run.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
