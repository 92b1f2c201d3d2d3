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
#: DrawTable.BLOCK = 2 ** _SHIFT
_SHIFT = 10
_MASK = (1 << _SHIFT) - 1


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
    """A fresh generator for one purpose; the same arguments give the same numbers.

    The entropy goes to ``SeedSequence`` as an array of 32-bit words: every word of
    :func:`key_entropy` is below 2**32, so it is the array numpy makes of the list (one
    word per int), and the generator is the same; numpy then skips its conversion of
    the list item by item (a third of the time of a stream: a run makes one per block
    of draws, ``validate`` of the state-wide scenario one per staff member; issue 19).
    """
    words = np.array(key_entropy(seed, replication, key), dtype=np.uint32)
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(words)))


class DrawTable:
    """Random draws addressed by (purpose, iteration, case index) instead of by order.

    The k-th applicant of a stream gets the k-th number of a block that is generated from
    its own seed, so the value does not depend on the order in which the simulation asks
    for it. That is what makes two organisation variants see the same efforts and
    decisions for the same applicant, even though their cases are served in a different
    order. Blocks are generated lazily and evicted when the cache is full; an evicted
    block is regenerated identically when needed again.

    The cache holds :attr:`BLOCKS_PER_KEY` blocks for every (key, iteration) pair seen
    so far, and at least :attr:`MIN_BLOCKS`: the cases in progress of a stream have
    neighbouring indices, so each pair needs the block of those cases and, at a block
    boundary, the next one. A fixed size (``cache_blocks``) was too small for a
    state-wide simulation in one piece ("zentral": thousands of pairs), where evicted
    blocks were generated again and again (issue 19); the draws are the same either
    way, only the work of making them differs.
    """

    BLOCK = 1 << _SHIFT  # 1024; a power of two: draw() divides by shifting
    #: the cache never holds fewer blocks than this (~33 MB when full; a group of a few
    #: municipalities uses a fraction)
    MIN_BLOCKS = 4096
    #: blocks kept per (key, iteration) pair seen
    BLOCKS_PER_KEY = 2

    def __init__(self, seed: int, replication: int, cache_blocks: int | None = None) -> None:
        self._seed = seed
        self._replication = replication
        self._cache: dict[tuple, array[float]] = {}
        #: None: sized from the (key, iteration) pairs seen; else a fixed number of blocks
        self._fixed = cache_blocks
        self._cache_blocks = self.MIN_BLOCKS if cache_blocks is None else cache_blocks
        self._pairs: set[tuple] = set()
        #: blocks generated so far (first uses and regenerations of evicted blocks)
        self.blocks_generated = 0

    @property
    def cache_blocks(self) -> int:
        """How many blocks the cache may hold now."""
        return self._cache_blocks

    @property
    def pairs_seen(self) -> int:
        """Distinct (key, iteration) pairs drawn from so far."""
        return len(self._pairs)

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
        # divmod(index, BLOCK) by shift and mask (floor division for negative
        # indices of backlog cases too), without a call and a tuple per draw
        block = self._cache.get((key, iteration, index >> _SHIFT))
        if block is None:
            block = self._generate(key, iteration, index >> _SHIFT, sampler)
        return block[index & _MASK]

    def _generate(
        self,
        key: Key,
        iteration: int,
        block_no: int,
        sampler: Callable[[np.random.Generator, int], np.ndarray],
    ) -> array[float]:
        """Make a block (a cache miss), evicting the oldest if the cache is full."""
        pair = (key, iteration)
        if pair not in self._pairs:
            self._pairs.add(pair)
            if self._fixed is None:
                self._cache_blocks = max(self.MIN_BLOCKS, self.BLOCKS_PER_KEY * len(self._pairs))
        if len(self._cache) >= self._cache_blocks:
            # Drop the oldest block (dicts keep insertion order); cheap and safe.
            del self._cache[next(iter(self._cache))]
        rng = stream(self._seed, self._replication, *key, "iteration", iteration, "block", block_no)
        # An array of C doubles: as compact as numpy's, but indexing it gives a plain
        # float at once (no numpy scalar to convert on every draw).
        block = array("d", np.asarray(sampler(rng, self.BLOCK), dtype=float).tobytes())
        self._cache[(key, iteration, block_no)] = block
        self.blocks_generated += 1
        return block
