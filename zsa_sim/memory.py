"""Give freed heap memory back to the operating system (issue 19, memory at scale).

Python hands memory it frees to the C allocator, which keeps it for later use; the
process's resident memory therefore stays at its high-water mark even when the memory
is free. Where a run frees a lot at once and then allocates elsewhere (a finished group
of municipalities, the case table copied into the result's columns), glibc's
``malloc_trim`` returns the free pages, so the next phase does not add to the peak.
Elsewhere (another C library, another system) this does nothing.
"""

from __future__ import annotations

import sys
from functools import cache


@cache
def _malloc_trim():  # pragma: no cover - depends on the C library
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    try:
        libc = ctypes.CDLL("libc.so.6")
        trim = libc.malloc_trim
    except (OSError, AttributeError):  # musl, or no glibc
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim


def release_free_memory() -> bool:
    """Return the C heap's free pages to the system; False where that is not possible."""
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True
