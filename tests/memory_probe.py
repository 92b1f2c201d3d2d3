"""Peak Python memory of one call, for the tests that hostile input cannot blow up memory."""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable


def peak_memory(function: Callable[[], object]) -> int:
    """Bytes at the peak of Python allocations while ``function`` runs (tracemalloc)."""
    tracemalloc.start()
    try:
        function()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
