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

The address is checked before Dask sees it (issue 14: a malformed address or a wrong
scheme gave a ValueError traceback, and a port where another server listens made the
client read that server's bytes as a message length and try to allocate 3 EiB):
``tcp://host:port`` or ``tls://host:port`` (``host:port`` means tcp), and for tcp a
short probe must read the start of a Dask handshake (a Dask server speaks first, a
length of at most :data:`MAX_HANDSHAKE_BYTES`) before the client connects.
"""

from __future__ import annotations

import itertools
import socket
import struct
import uuid
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar
from urllib.parse import urlsplit

from zsa_sim import __version__
from zsa_sim.errors import ZsaError

T = TypeVar("T")
R = TypeVar("R")

INSTALL_HINT = "pip install 'zsa-sim[distributed]'"
#: evaluated on the scheduler and the workers; only builtins, so it unpickles anywhere
VERSION_PROBE = "__import__('zsa_sim').__version__"
#: Tasks submitted ahead per worker thread of the cluster.
IN_FLIGHT_PER_THREAD = 2
#: Schemes of a scheduler address that zsa-sim accepts.
SCHEMES = ("tcp", "tls")
#: A Dask handshake is a few hundred bytes; a larger length is another protocol.
MAX_HANDSHAKE_BYTES = 1 << 20


def check_address(address: str) -> tuple[str, str, int]:
    """(scheme, host, port) of a scheduler address, or a one-line ZsaError."""
    example = "e.g. tcp://host:8786"
    text = address.strip()
    if not text:
        raise ZsaError(f"--scheduler needs an address, {example}")
    if "://" not in text:
        text = f"tcp://{text}"
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as err:
        raise ZsaError(f"--scheduler {address!r} is not an address ({err}); {example}") from err
    if parts.scheme not in SCHEMES:
        raise ZsaError(
            f"--scheduler {address!r}: scheme {parts.scheme!r} is not one of "
            f"{', '.join(SCHEMES)}; {example}"
        )
    if not parts.hostname or port is None or not 0 < port < 65536:
        raise ZsaError(f"--scheduler {address!r} needs a host and a port (1-65535); {example}")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ZsaError(f"--scheduler {address!r} has more than a host and a port; {example}")
    return parts.scheme, parts.hostname, port


def probe_scheduler(host: str, port: int, timeout: float) -> None:
    """Refuse a tcp address where no Dask scheduler answers (nothing, or another server).

    A Dask server writes its handshake first, led by its length (8 bytes); a web server
    waits for a request and says nothing, an SSH server sends text.
    """
    where = f"tcp://{host}:{port}"
    try:
        with socket.create_connection((host, port), timeout=timeout) as conn:
            conn.settimeout(timeout)
            head = b""
            while len(head) < 8:
                chunk = conn.recv(8 - len(head))
                if not chunk:
                    break
                head += chunk
    except TimeoutError as err:
        raise ZsaError(
            f"no Dask scheduler answered at {where} within {timeout:g} s "
            "(is another kind of server listening there?)"
        ) from err
    except OSError as err:
        raise ZsaError(
            f"cannot reach the Dask scheduler at {where}: {err.strerror or err}"
        ) from err
    if len(head) < 8:
        raise ZsaError(f"the server at {where} closed the connection: not a Dask scheduler")
    (length,) = struct.unpack("<Q", head)
    if not 0 < length <= MAX_HANDSHAKE_BYTES:
        raise ZsaError(f"the server at {where} does not speak Dask: not a Dask scheduler")


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
        self.scheme, self.host, self.port = check_address(scheduler_address)
        self.distributed = _dask()
        self.address = scheduler_address.strip()
        self.connect_timeout = connect_timeout

    def map_unordered(self, fn: Callable[[T], R], tasks: Sequence[T]) -> Iterator[tuple[int, R]]:
        """Submit tasks a few at a time; yield (index, result) as the workers finish them."""
        distributed = self.distributed
        if self.scheme == "tcp":
            probe_scheduler(self.host, self.port, self.connect_timeout)
        try:
            client = distributed.Client(self.address, timeout=self.connect_timeout)
        except (OSError, TimeoutError) as err:
            raise ZsaError(f"cannot reach the Dask scheduler at {self.address}: {err}") from err
        except (ValueError, MemoryError, OverflowError) as err:  # garbage from another server
            raise ZsaError(
                f"cannot talk to a Dask scheduler at {self.address}: {type(err).__name__}"
            ) from err
        try:
            check_cluster(client, self.address, self.connect_timeout)
        except BaseException:
            client.close()
            raise
        run = uuid.uuid4().hex[:8]
        # a few tasks per worker thread in flight, the next submitted as one finishes:
        # every task carries the pickled scenario, so a thousand at once would hold a
        # thousand copies on the client and the scheduler (issue 14)
        threads = sum(client.nthreads().values()) or 1
        queue = iter(enumerate(tasks))
        pending: dict[str, tuple[int, Any]] = {}

        def submit(index: int, task: T) -> Any:
            # pure=False and a unique key: equal tasks of two runs are never merged
            future = client.submit(fn, task, key=f"zsa-sim-{run}-{index}", pure=False)
            pending[future.key] = (index, future)
            return future

        try:
            first = [
                submit(i, t) for i, t in itertools.islice(queue, IN_FLIGHT_PER_THREAD * threads)
            ]
            finished = distributed.as_completed(first)
            for future in finished:
                index, _ = pending.pop(future.key)
                result = future.result()
                following = next(queue, None)
                if following is not None:
                    finished.add(submit(*following))
                yield index, result
        finally:
            if pending:
                client.cancel([future for _, future in pending.values()])
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
