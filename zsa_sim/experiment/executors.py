"""Where replications run: in this process, on the local cores, or on a Dask cluster.

An executor maps :func:`~zsa_sim.experiment.replication.run_replication` over tasks and
yields ``(index, output)`` pairs as they finish, so the caller can show progress. The
results are put back in task order by the caller; as every task carries its own seed,
the outcome does not depend on the executor, the number of workers or the finishing
order.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Protocol, TypeVar

from zsa_sim.errors import SimulationError, ZsaError

T = TypeVar("T")
R = TypeVar("R")


class Executor(Protocol):
    """Runs a function over tasks and yields (task index, result) as results arrive."""

    def map_unordered(self, fn: Callable[[T], R], tasks: Sequence[T]) -> Iterator[tuple[int, R]]:
        """Yield (index, fn(tasks[index])) in completion order."""


class SerialExecutor:
    """Runs every task in this process (one job, debugging, tests)."""

    def map_unordered(self, fn: Callable[[T], R], tasks: Sequence[T]) -> Iterator[tuple[int, R]]:
        """Run the tasks one after another."""
        for index, task in enumerate(tasks):
            yield index, fn(task)


class LocalExecutor:
    """Runs tasks on ``jobs`` worker processes of this machine."""

    def __init__(self, jobs: int) -> None:
        if jobs < 1:
            raise ZsaError(f"--jobs must be at least 1, got {jobs}")
        self.jobs = jobs

    def map_unordered(self, fn: Callable[[T], R], tasks: Sequence[T]) -> Iterator[tuple[int, R]]:
        """Submit all tasks and yield results as workers finish them."""
        workers = min(self.jobs, len(tasks)) or 1
        with ProcessPoolExecutor(max_workers=workers) as pool:
            pending: dict[Future[R], int] = {pool.submit(fn, t): i for i, t in enumerate(tasks)}
            try:
                while pending:
                    done, _ = wait(pending, return_when=FIRST_COMPLETED)
                    for future in done:
                        index = pending.pop(future)
                        yield index, future.result()
            except BrokenProcessPool as err:
                raise SimulationError(
                    "a worker process stopped unexpectedly (out of memory, or killed); "
                    "run again, with fewer --jobs if memory is short"
                ) from err
            except BaseException:
                for future in pending:
                    future.cancel()
                raise


def default_jobs() -> int:
    """The number of cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


def make_executor(jobs: int | None = None, scheduler: str | None = None) -> Executor:
    """Serial for one job, local processes for more, Dask when a scheduler address is given."""
    if scheduler:
        from zsa_sim.experiment.distributed import DaskExecutor

        return DaskExecutor(scheduler)
    jobs = default_jobs() if jobs is None else jobs
    if jobs < 1:
        raise ZsaError(f"--jobs must be at least 1, got {jobs}")
    return SerialExecutor() if jobs == 1 else LocalExecutor(jobs)
