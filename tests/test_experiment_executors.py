"""Executors: lazy submission to the local pool, workers stopped with the run (issue 14)."""

from __future__ import annotations

import time
from collections.abc import Sequence

import pytest

from zsa_sim.errors import ZsaError
from zsa_sim.experiment.executors import (
    IN_FLIGHT_PER_WORKER,
    LocalExecutor,
    SerialExecutor,
    make_executor,
)


class Probe(Sequence):
    """A million tasks that records how far the executor has read them."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.read = -1

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, index):
        if not 0 <= index < self.n:
            raise IndexError(index)
        self.read = max(self.read, index)
        return index


def test_local_pool_submits_a_few_tasks_at_a_time():
    """With -n 1000000 every task used to be submitted up front (memory grew ~20 MB/s and
    Ctrl-C went unanswered); now at most IN_FLIGHT_PER_WORKER per worker wait."""
    tasks = Probe(1_000_000)
    results = LocalExecutor(2).map_unordered(abs, tasks)
    seen = [next(results) for _ in range(5)]
    limit = 2 * IN_FLIGHT_PER_WORKER
    assert tasks.read < len(seen) + limit
    started = time.monotonic()
    results.close()  # the consumer stops: pending work is cancelled, workers end now
    assert time.monotonic() - started < 10
    assert sorted(i for i, _ in seen) == sorted(v for _, v in seen)


def test_local_pool_gives_every_result_once():
    results = dict(LocalExecutor(2).map_unordered(abs, [-i for i in range(23)]))
    assert results == {i: i for i in range(23)}


def test_serial_executor_and_jobs_checks():
    assert list(SerialExecutor().map_unordered(abs, [-1, -2])) == [(0, 1), (1, 2)]
    assert isinstance(make_executor(1), SerialExecutor)
    with pytest.raises(ZsaError, match="--jobs must be at least 1, got 0"):
        make_executor(0)
