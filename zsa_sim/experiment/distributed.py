"""Replications on a Dask cluster, for runs that one machine cannot do in time.

``zsa-sim run --scheduler tcp://host:8786`` hands every (variant, replication) task to
the workers of a running Dask scheduler (optional extra: ``pip install
'zsa-sim[distributed]'``). The protocol is that of the local executors
(:mod:`zsa_sim.experiment.executors`): results are yielded as ``(index, result)`` as
they finish and put back in task order by the runner, and every task carries its own
seed, so a cluster gives exactly the results of a serial run.

What travels: each task pickles the scenario with its parsed BPMN models, so the
scheduler and the workers need zsa-sim (the same version: the scheduler unpickles the
task graph too) but not the scenario or BPMN files. Before submitting, the executor
asks the scheduler and every worker for their zsa-sim version and refuses to start if
one lacks it (otherwise the worker would die on the first task and the run would hang).

The results folder is written by the client, except the event-log parts, which each
worker writes to the path in its task (``<results>/<run>/parts/``): with
``--no-eventlog`` workers write nothing; otherwise the results folder must be on a file
system that the workers see under the same path (NFS, a cluster file system), as it
always is on a LocalCluster.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

from zsa_sim import __version__
from zsa_sim.errors import ZsaError

T = TypeVar("T")
R = TypeVar("R")

INSTALL_HINT = "pip install 'zsa-sim[distributed]'"
#: evaluated on the scheduler and the workers; only builtins, so it unpickles anywhere
VERSION_PROBE = "__import__('zsa_sim').__version__"


def _dask() -> Any:
    """The dask.distributed module, or a ZsaError that says what to install."""
    try:
        import dask.distributed as distributed
    except ImportError as err:
        raise ZsaError(f"--scheduler needs Dask distributed: {INSTALL_HINT}") from err
    return distributed


class DaskExecutor:
    """Runs tasks on the workers of the Dask scheduler at ``scheduler_address``."""

    def __init__(self, scheduler_address: str, connect_timeout: float = 10.0) -> None:
        self.distributed = _dask()
        if not scheduler_address:
            raise ZsaError("--scheduler needs an address, e.g. tcp://host:8786")
        self.address = scheduler_address
        self.connect_timeout = connect_timeout

    def map_unordered(self, fn: Callable[[T], R], tasks: Sequence[T]) -> Iterator[tuple[int, R]]:
        """Submit every task and yield (index, result) as the workers finish them."""
        distributed = self.distributed
        try:
            client = distributed.Client(self.address, timeout=self.connect_timeout)
        except (OSError, TimeoutError) as err:
            raise ZsaError(f"cannot reach the Dask scheduler at {self.address}: {err}") from err
        try:
            check_cluster(client, self.address, self.connect_timeout)
        except BaseException:
            client.close()
            raise
        run = uuid.uuid4().hex[:8]
        pending: dict[str, int] = {}
        try:
            futures = []
            for index, task in enumerate(tasks):
                # pure=False and a unique key: equal tasks of two runs are never merged
                future = client.submit(fn, task, key=f"zsa-sim-{run}-{index}", pure=False)
                pending[future.key] = index
                futures.append(future)
            for future in distributed.as_completed(futures):
                index = pending.pop(future.key)
                yield index, future.result()
        finally:
            if pending:
                client.cancel([f for f in futures if f.key in pending])
            client.close()


def check_cluster(client: Any, address: str, timeout: float) -> None:
    """Refuse a cluster without workers or where zsa-sim of this version is missing."""
    try:
        client.wait_for_workers(1, timeout=timeout)
    except (OSError, TimeoutError) as err:
        raise ZsaError(f"the Dask scheduler at {address} has no workers: start some") from err
    found: dict[str, object] = dict(client.run(eval, VERSION_PROBE, on_error="return"))
    try:
        found["scheduler"] = client.run_on_scheduler(eval, VERSION_PROBE)
    except Exception as err:  # the scheduler's own import error, sent back
        found["scheduler"] = err
    wrong = {where: version for where, version in found.items() if version != __version__}
    if wrong:
        where, version = sorted(wrong.items(), key=lambda item: str(item[0]))[0]
        what = f"has zsa-sim {version}" if isinstance(version, str) else "cannot import zsa_sim"
        raise ZsaError(
            f"the Dask cluster at {address}: {where} {what}, this client has {__version__}; "
            f"install the same zsa-sim where the scheduler and the workers run "
            f"({INSTALL_HINT})"
        )
