"""Where replications run: in this process, on the local cores, or on a Dask cluster.

An executor maps :func:`~zsa_sim.experiment.replication.run_replication` over tasks and
yields ``(index, output)`` pairs as they finish, so the caller can show progress. The
results are put back in task order by the caller; as every task carries its own seed,
the outcome does not depend on the executor, the number of workers or the finishing
order.

The local pool keeps only a few tasks in flight (:data:`IN_FLIGHT_PER_WORKER` per
worker) and submits the next as one finishes: submitting a million replications up front
grew memory by ~20 MB/s and left Ctrl-C unanswered (issue 14). When the run is stopped
(Ctrl-C, SIGTERM, an error), the workers are terminated instead of being waited for.
"""

from __future__ import annotations

import itertools
import operator
import os
import time
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Protocol, TypeVar

from zsa_sim.errors import SimulationError, ZsaError
from zsa_sim.lifecycle import sigint_held, worker_initializer

if TYPE_CHECKING:
    from concurrent.futures import Future, ProcessPoolExecutor

T = TypeVar("T")
R = TypeVar("R")

#: Tasks submitted to the local pool ahead of the workers, per worker: enough that no
#: worker idles between tasks, few enough that memory does not grow with the task count.
IN_FLIGHT_PER_WORKER = 2
#: Seconds a stopped worker gets to end after SIGTERM before it is killed.
STOP_GRACE_SECONDS = 2.0


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
        """Submit tasks a few at a time and yield results as workers finish them."""
        # only here: the process pool's modules (multiprocessing) are ~5 ms of the start
        # of every run, and a serial run (-j 1) never uses them (issue 19)
        from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
        from concurrent.futures.process import BrokenProcessPool

        # a hint, not len(): the runner's tasks may be found lazily (the result cache)
        workers = min(self.jobs, operator.length_hint(tasks, self.jobs)) or 1
        limit = workers * IN_FLIGHT_PER_WORKER
        queue = iter(enumerate(tasks))
        pool = ProcessPoolExecutor(
            max_workers=workers, initializer=worker_initializer, initargs=(os.getpid(),)
        )
        pending: dict[Future[R], int] = {}
        try:
            first = next(queue, None)
            if first is not None:
                with sigint_held():  # the first task forks every worker (fork context)
                    pending[pool.submit(fn, first[1])] = first[0]
            while True:
                for index, task in itertools.islice(queue, limit - len(pending)):
                    pending[pool.submit(fn, task)] = index
                if not pending:
                    break
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in sorted(done, key=pending.__getitem__):
                    index = pending.pop(future)
                    yield index, future.result()
        except BrokenProcessPool as err:
            stop_pool(pool)
            raise SimulationError(
                "a worker process stopped unexpectedly (out of memory, or killed); "
                "run again, with fewer --jobs if memory is short"
            ) from err
        except BaseException:
            stop_pool(pool)
            raise
        pool.shutdown(wait=True)


def stop_pool(pool: ProcessPoolExecutor) -> None:
    """Cancel what has not started and end the workers now (not after their task).

    ``shutdown(wait=True)`` would wait for every running replication, which can take
    minutes: the workers are sent SIGTERM (their default action ends them), and
    SIGKILL if they are still there after :data:`STOP_GRACE_SECONDS`.
    """
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.terminate()
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    for process in processes:
        process.join(max(0.0, deadline - time.monotonic()))
        if process.is_alive():
            process.kill()
            process.join(1.0)


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
