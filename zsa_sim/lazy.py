"""Public names of a package imported on first use (PEP 562), in one place.

A package's ``__init__`` lists ``{name: module}`` and gets its ``__getattr__`` and
``__dir__`` from :func:`lazy_exports`. ``import zsa_sim.planning`` then costs nothing, and
``zsa-sim --help`` does not import SciPy, matplotlib or SimPy through a package it only
touches; the name is imported, and kept in the package's namespace, when first used.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
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
