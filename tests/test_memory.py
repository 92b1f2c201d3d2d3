"""Freed heap memory goes back to the system where the C library allows it."""

from __future__ import annotations

import platform
import sys

import pytest

from zsa_sim.memory import release_free_memory


@pytest.mark.skipif(
    not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc",
    reason="malloc_trim is glibc's",
)
def test_release_free_memory_trims_the_glibc_heap() -> None:
    assert release_free_memory() is True
