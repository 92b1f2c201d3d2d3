"""Runs in the background: one worker process per run, with progress, ETA and cancel.

The page must stay responsive while a what-if runs for seconds or minutes, so each run
goes to a process of its own that calls the library's
:func:`~zsa_sim.experiment.runner.run_experiment` (the same function as ``zsa-sim run``,
which spreads the replications over its own worker processes) and reports progress
through a queue. The process leads a process group of its own, so *cancel* can stop it
and its replication workers at once; the results folder is written atomically, and the
unfinished ``.partial-*`` folder of a cancelled run is removed right away, so a cancelled
run leaves nothing behind.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import queue
import signal
import threading
import time
import uuid
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

from zsa_sim.errors import ZsaError
from zsa_sim.experiment.runner import EventlogScope

State = Literal["running", "done", "failed", "cancelled"]
#: prepare (load and check the scenario), simulate (replications), write (results
#: folder), done
Phase = Literal["prepare", "simulate", "write", "done"]
#: seconds to wait for a cancelled run's processes to end
CANCEL_TIMEOUT = 10.0
#: the runner's phase names -> the page's
_PHASES = {"simulating": "simulate", "writing results": "write"}
#: modules the fork server imports before it forks runs
PRELOAD = ("zsa_sim.experiment.runner", "zsa_sim.scenario")
#: results reported before the run's worker processes started, or (one process, no
#: workers) less than this many seconds apart at the start of the simulation, come from
#: the result cache (a replication takes longer); the ETA leaves them out
BURST_GAP = 0.25
#: the ETA's rate is that of the last this many results (the engine's pace changes with
#: the machine's load, and results read slowly from the cache must not count for long)
ETA_WINDOW = 4
#: environment variables of zsa-sim (``ZSA_SIM_CACHE``, ...) a run takes from the server
ENV_PREFIX = "ZSA_SIM_"


def _start_method() -> str:
    """A fork server where there is one (POSIX): runs start from a clean, warm process
    rather than a fork of the threaded web server; elsewhere a fresh interpreter."""
    return "forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn"


@dataclass(frozen=True)
class JobStatus:
    """What the page shows about a run: state, phase, progress, ETA and the outcome."""

    id: str
    name: str
    state: State
    phase: Phase
    done: int = 0
    total: int = 0
    started: float = 0.0
    #: wall seconds since the start (to the end, once finished)
    elapsed: float = 0.0
    #: estimated seconds to the end of the simulation phase (None until one task finished)
    eta: float | None = None
    run_dir: str | None = None
    error: str | None = None
    #: CPU seconds of the run's processes (known when it is done)
    cpu_seconds: float | None = None
    #: (variant, replication) results taken from the result cache (known when done)
    from_cache: int = 0

    @property
    def finished(self) -> bool:
        """Whether the run has ended, one way or another."""
        return self.state != "running"

    @property
    def fraction(self) -> float:
        """Share of the work done (simulation tasks; 1 when finished)."""
        if self.state == "done":
            return 1.0
        return self.done / self.total if self.total else 0.0


def _cpu_seconds() -> float:
    import resource

    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _settings() -> dict[str, str]:
    """The ``ZSA_SIM_*`` environment of the server now (the result cache's folder, ...)."""
    return {k: v for k, v in os.environ.items() if k.startswith(ENV_PREFIX)}


def _worker_setup(settings: dict[str, str]) -> None:  # pragma: no cover - in the worker
    """What a worker process does first: lead a process group (so cancel reaches the
    replication workers too), take the server's ``ZSA_SIM_*`` settings, fork its own
    workers, and leave Ctrl-C in the terminal to the server."""
    os.setpgrp()
    # the fork server keeps the environment of its start; a run follows the server's
    for key in [k for k in os.environ if k.startswith(ENV_PREFIX)]:
        del os.environ[key]
    os.environ.update(settings)
    if "fork" in mp.get_all_start_methods():
        # a child of the fork server inherits its start method; the replication workers
        # should fork from this warm, single-threaded process, as under ``zsa-sim run``
        mp.set_start_method("fork", force=True)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _work(
    scenario_path: str,
    out_root: str,
    jobs: int | None,
    eventlog: Any,
    messages: Any,
    settings: dict[str, str] | None = None,
) -> None:  # pragma: no cover - runs in the worker process (covered by the job tests)
    """The worker process: run the scenario version, report progress and the outcome."""
    _worker_setup(settings or {})
    try:
        from zsa_sim.experiment.runner import RunOptions, run_experiment

        # CLOCK_MONOTONIC is one clock for all processes: the page's ETA uses these times
        parallel = jobs is None or jobs > 1

        def progress(done: int, total: int, variant: str, replication: int) -> None:
            # with worker processes, a result reported before any of them started was
            # not simulated: it came from the result cache
            unsimulated = parallel and not mp.active_children()
            messages.put(("progress", done, total, time.monotonic(), unsimulated))

        def phase(name: str) -> None:
            messages.put(("phase", _PHASES.get(name, "prepare"), time.monotonic()))

        messages.put(("phase", "prepare", time.monotonic()))
        options = RunOptions(
            jobs=jobs, out_root=Path(out_root), eventlog=eventlog, report=False, xes="none"
        )
        outcome = run_experiment(scenario_path, options, progress=progress, phase=phase)
        cached = int(getattr(outcome, "from_cache", 0))  # runners with a result cache
        messages.put(("done", str(outcome.run_dir), _cpu_seconds(), cached))
    except ZsaError as err:
        messages.put(("failed", str(err)))
    except BaseException as err:
        messages.put(("failed", f"{type(err).__name__}: {err}"))
        raise


def _call(
    function: Any, args: tuple[Any, ...], messages: Any, settings: dict[str, str]
) -> None:  # pragma: no cover - runs in the worker process (covered by the job tests)
    """A worker process of :meth:`JobManager.call`: the result or the error, as a message."""
    _worker_setup(settings)
    try:
        messages.put(("done", function(*args)))
    except ZsaError as err:
        messages.put(("failed", str(err)))
    except BaseException as err:
        messages.put(("failed", f"{type(err).__name__}: {err}"))
        raise


class CallCancelled(ZsaError):
    """A worker of :meth:`JobManager.call` was stopped on purpose (the export was cancelled)."""


class JobManager:
    """Starts runs in worker processes and answers "how far is it?" from the page.

    One run at a time: the replications of a run already use every core, and a second
    run would only make both slower. Thread-safe (Dash serves callbacks from threads).
    """

    def __init__(
        self,
        out_root: Path,
        jobs: int | None = None,
        start_method: str | None = None,
        *,
        eventlog: EventlogScope | bool = "none",
    ) -> None:
        self.out_root = Path(out_root)
        self.jobs = jobs
        #: which replications go into eventlog.csv.gz (as ``zsa-sim run --eventlog``):
        #: none by default, the page writes it on request (:mod:`zsa_sim.web.eventlog`)
        self.eventlog = eventlog
        self._context = mp.get_context(start_method or _start_method())
        if self._context.get_start_method() == "forkserver":
            # the fork server imports the library once; each run then starts in
            # milliseconds instead of the seconds a fresh interpreter needs
            self._context.set_forkserver_preload(list(PRELOAD))
        self._lock = threading.Lock()
        self._status: dict[str, JobStatus] = {}
        self._process: dict[str, Any] = {}
        self._messages: dict[str, Any] = {}
        #: per job: (monotonic time, results done) from the start of the simulation on,
        #: and how many of the first points came in a burst (from the result cache)
        self._points: dict[str, list[tuple[float, int]]] = {}
        self._burst: dict[str, int] = {}
        #: worker processes of :meth:`call` still going (exports), stopped by
        #: :meth:`cancel_calls` and :meth:`shutdown`; those stopped on purpose
        self._calls: set[Any] = set()
        self._stopped: set[Any] = set()

    def submit(self, scenario_path: Path, name: str) -> str:
        """Start running a scenario file; return the job id. Refused while a run is going."""
        with self._lock:
            busy = [s for s in self._status.values() if s.state == "running"]
        for status in busy:
            if not self.status(status.id).finished:
                raise ZsaError(f"a run is already going ({status.name}); wait or cancel it")
        job_id = uuid.uuid4().hex[:12]
        messages = self._context.Queue()
        process = self._context.Process(
            target=_work,
            args=(
                str(scenario_path),
                str(self.out_root),
                self.jobs,
                self.eventlog,
                messages,
                _settings(),
            ),
            name=f"zsa-sim-run-{job_id}",
            daemon=False,
        )
        now = time.time()
        with self._lock:
            self._status[job_id] = JobStatus(job_id, name, "running", "prepare", started=now)
            self._messages[job_id] = messages
            self._process[job_id] = process
            process.start()
        return job_id

    def status(self, job_id: str) -> JobStatus:
        """The current status (reads the progress the worker sent since the last call)."""
        with self._lock:
            if job_id not in self._status:
                raise ZsaError(f"no such run job: {job_id}")
            status = self._drain(job_id)
            if status.state == "running":
                process = self._process[job_id]
                if not process.is_alive():
                    status = self._drain(job_id)  # the last messages may arrive late
                    if status.state == "running":
                        status = replace(
                            status,
                            state="failed",
                            error=f"the run's process ended unexpectedly (exit code "
                            f"{process.exitcode})",
                        )
            if status.state == "running":
                status = replace(
                    status, elapsed=time.time() - status.started, eta=self._eta(job_id, status)
                )
            self._status[job_id] = status
            return status

    def _eta(self, job_id: str, status: JobStatus) -> float | None:
        """Seconds left to simulate, at the pace of the last :data:`ETA_WINDOW` results
        simulated (a burst of results from the result cache at the start is left out)."""
        points = self._points.get(job_id)
        if status.phase != "simulate" or not points:
            return None
        start = max(self._burst.get(job_id, 0), len(points) - 1 - ETA_WINDOW)
        since, before = points[start]
        simulated = status.done - before
        if simulated <= 0:
            return None
        rate = (time.monotonic() - since) / simulated
        return rate * (status.total - status.done)

    def _progress(self, job_id: str, done: int, at: float, unsimulated: bool = False) -> None:
        points = self._points.setdefault(job_id, [(at, 0)])
        burst = self._burst.get(job_id, 0)
        if burst == len(points) - 1 and (unsimulated or at - points[-1][0] < BURST_GAP):
            self._burst[job_id] = burst + 1  # still the leading burst
        points.append((at, done))

    def _drain(self, job_id: str) -> JobStatus:
        status = self._status[job_id]
        messages = self._messages[job_id]
        while True:
            try:
                message = messages.get_nowait()
            except (queue.Empty, OSError, ValueError):
                break
            kind = message[0]
            if kind == "phase":
                status = replace(status, phase=message[1])
                if message[1] == "simulate":
                    self._points[job_id] = [(message[2], 0)]
                    self._burst[job_id] = 0
            elif kind == "progress":
                status = replace(status, done=message[1], total=message[2])
                self._progress(job_id, message[1], message[3], *message[4:])
            elif kind == "done":
                status = replace(
                    status,
                    state="done",
                    phase="done",
                    run_dir=message[1],
                    cpu_seconds=message[2],
                    from_cache=message[3],
                    elapsed=time.time() - status.started,
                    eta=0.0,
                )
            elif kind == "failed":
                status = replace(
                    status, state="failed", error=message[1], elapsed=time.time() - status.started
                )
        return status

    def cancel(self, job_id: str) -> JobStatus:
        """Stop a run and its replication workers; nothing of it is kept."""
        from zsa_sim.experiment.results import clean_partial

        status = self.status(job_id)
        if status.finished:
            return status
        with self._lock:
            process = self._process[job_id]
            _kill_group(process)
            process.join(CANCEL_TIMEOUT)
            self._status[job_id] = replace(
                self._status[job_id],
                state="cancelled",
                elapsed=time.time() - self._status[job_id].started,
                eta=None,
            )
        # the replication workers may take a moment to die and free the folder's lock
        deadline = time.monotonic() + CANCEL_TIMEOUT
        while True:
            clean_partial(self.out_root)
            left = list(self.out_root.glob(f"*/.partial-*-{process.pid}*"))
            if not left or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        return self._status[job_id]

    def wait(self, job_id: str, timeout: float | None = None, poll: float = 0.1) -> JobStatus:
        """Block until the run ends (for scripts, tests and the benchmark)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            status = self.status(job_id)
            if status.finished:
                self._process[job_id].join(CANCEL_TIMEOUT)
                return status
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError(f"run {job_id} did not finish within {timeout} s")
            time.sleep(poll)

    def call(self, function: Any, *args: Any) -> Any:
        """``function(*args)`` in a worker process of its own (it may simulate, and the
        server's threads must stay free for the page); its result, or its ZsaError."""
        messages = self._context.Queue()
        process = self._context.Process(
            target=_call, args=(function, args, messages, _settings()), daemon=False
        )
        with self._lock:
            process.start()
            self._calls.add(process)
        try:
            while True:
                try:
                    kind, value = messages.get(timeout=0.5)
                    break
                except queue.Empty:
                    if not process.is_alive():
                        with self._lock:
                            stopped = process in self._stopped
                        if stopped:
                            raise CallCancelled("the export was cancelled") from None
                        raise ZsaError(
                            f"the worker process ended unexpectedly (exit code "
                            f"{process.exitcode})"
                        ) from None
        finally:
            process.join(CANCEL_TIMEOUT)
            with self._lock:
                self._calls.discard(process)
                self._stopped.discard(process)
        if kind == "failed":
            raise ZsaError(value)
        return value

    def cancel_calls(self) -> int:
        """Stop every worker of :meth:`call` still going (an export someone no longer
        wants: the pilot's report takes tens of seconds); how many were stopped.

        Each waiting :meth:`call` then raises :class:`CallCancelled`; nothing of the
        export is kept (its files are written atomically, at its end).
        """
        with self._lock:
            calls = [process for process in self._calls if process.is_alive()]
            self._stopped.update(calls)
        for process in calls:
            _kill_group(process)
        return len(calls)

    def warm_up(self) -> None:
        """Start the fork server now, so the first run starts without delay."""
        if self._context.get_start_method() == "forkserver":
            from multiprocessing import forkserver

            forkserver.ensure_running()

    def shutdown(self) -> list[str]:
        """Cancel whatever still runs (the server is stopping); the names of those runs.

        An export still being made (:meth:`call`) is stopped too: otherwise the server
        would wait at exit for a report it no longer serves.
        """
        self.cancel_calls()
        cancelled = []
        for job_id in list(self._status):
            if not self.status(job_id).finished:
                cancelled.append(self.cancel(job_id).name)
        return cancelled


def _kill_group(process: Any) -> None:
    """SIGKILL the worker's process group (it and its replication workers)."""
    pid = process.pid
    try:
        if pid is not None and os.getpgid(pid) == pid:
            os.killpg(pid, signal.SIGKILL)
            return
    except ProcessLookupError:
        return
    process.kill()  # not yet its own group leader: it has no workers yet either
