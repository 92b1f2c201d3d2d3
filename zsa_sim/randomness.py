"""Random streams keyed by meaning, for reproducible runs and common random numbers.

Every random draw in zsa-sim comes from a :class:`numpy.random.Generator` whose seed is
derived from the scenario seed, the replication and a tuple of names that say what the
draw is for, e.g. ``("effort", "wohngeld", "Halle", "Task_Pruefen")``. The organisation
variant is deliberately *not* part of the key: the same applicant therefore gets the same
arrival time, attributes, efforts and decisions in the decentral and the central variant,
and the difference between the two is the organisation alone (common random numbers).

Never use ``random.seed`` or the module-level ``numpy.random`` functions.
"""

from __future__ import annotations

import zlib
from array import array
from collections.abc import Callable

import numpy as np

Key = tuple[str | int, ...]


def key_entropy(seed: int, replication: int, key: Key) -> list[int]:
    """Turn a seed, a replication and a key of names into SeedSequence entropy.

    Strings are hashed with CRC-32, which (unlike ``hash``) is the same in every Python
    process, so a worker on another core or machine derives the same stream.
    """
    words = [int(seed) & 0xFFFFFFFF, int(replication) & 0xFFFFFFFF]
    for part in key:
        if isinstance(part, str):
            words.append(zlib.crc32(part.encode("utf-8")))
        else:
            words.append(int(part) & 0xFFFFFFFF)
    return words


def stream(seed: int, replication: int, *key: str | int) -> np.random.Generator:
    """A fresh generator for one purpose; the same arguments give the same numbers."""
    return np.random.Generator(
        np.random.PCG64(np.random.SeedSequence(key_entropy(seed, replication, key)))
    )


class DrawTable:
    """Random draws addressed by (purpose, iteration, case index) instead of by order.

    The k-th applicant of a stream gets the k-th number of a block that is generated from
    its own seed, so the value does not depend on the order in which the simulation asks
    for it. That is what makes two organisation variants see the same efforts and
    decisions for the same applicant, even though their cases are served in a different
    order. Blocks are generated lazily and evicted when the cache is full; an evicted
    block is regenerated identically when needed again.
    """

    BLOCK = 1024

    def __init__(self, seed: int, replication: int, cache_blocks: int = 4096) -> None:
        self._seed = seed
        self._replication = replication
        self._cache: dict[tuple, array[float]] = {}
        self._cache_blocks = cache_blocks

    def draw(
        self,
        key: Key,
        iteration: int,
        index: int,
        sampler: Callable[[np.random.Generator, int], np.ndarray],
    ) -> float:
        """The draw for the ``index``-th case at its ``iteration``-th visit of ``key``.

        ``sampler(rng, n)`` returns ``n`` values; it must be the same callable for the
        same key, or the table returns values of the wrong distribution.
        """
        block_no, offset = divmod(index, self.BLOCK)
        cache_key = (key, iteration, block_no)
        block = self._cache.get(cache_key)
        if block is None:
            if len(self._cache) >= self._cache_blocks:
                # Drop the oldest block (dicts keep insertion order); cheap and safe.
                del self._cache[next(iter(self._cache))]
            rng = stream(
                self._seed, self._replication, *key, "iteration", iteration, "block", block_no
            )
            # An array of C doubles: as compact as numpy's, but indexing it gives a plain
            # float at once (no numpy scalar to convert on every draw).
            block = array("d", np.asarray(sampler(rng, self.BLOCK), dtype=float).tobytes())
            self._cache[cache_key] = block
        return block[offset]
