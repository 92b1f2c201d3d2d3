"""Process lifetime: termination signals like Ctrl-C, and workers that die with their parent.

``timeout``, systemd, docker and CI cancellation stop a program with SIGTERM (a closed
terminal sends SIGHUP). Python's default for both is to die on the spot, without
``finally`` blocks: a run left its hidden ``.partial-*`` folder behind and its pool
workers ran on with PPID 1 (issue 14). :func:`handle_termination` turns both signals into
:class:`Terminated`, a :class:`KeyboardInterrupt`, so every command cleans up exactly as
on Ctrl-C and exits with ``128 + signal number``.

Pool workers must not outlive the run: :func:`worker_initializer` (the initializer of
every local worker process) asks Linux to kill the worker when its parent dies
(``PR_SET_PDEATHSIG``); elsewhere a daemon thread checks the parent every second. A
worker leaves termination signals at their defaults, so it simply stops; the parent
cleans up. Ctrl-C is the parent's alone: workers ignore it, and it is held back while
they are forked (:func:`sigint_held`).
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

#: The signals that stop a run like Ctrl-C (SIGHUP does not exist on Windows).
TERMINATION_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)
)
_PR_SET_PDEATHSIG = 1


class Terminated(KeyboardInterrupt):
    """The process was asked to stop by a signal (SIGTERM, SIGHUP)."""

    def __init__(self, signum: int) -> None:
        self.signum = signum
        self.signal_name = signal.Signals(signum).name
        super().__init__(f"stopped by {self.signal_name}")

    @property
    def exit_code(self) -> int:
        """The shell's convention for a process ended by a signal: 128 + its number."""
        return 128 + self.signum


def _raise_terminated(signum: int, frame: FrameType | None) -> None:
    # once only: a second signal during the clean-up must not interrupt the clean-up
    for sig in TERMINATION_SIGNALS:
        signal.signal(sig, signal.SIG_IGN)
    raise Terminated(signum)


def handle_termination() -> None:
    """SIGTERM and SIGHUP raise :class:`Terminated` in the main thread, like Ctrl-C.

    Only signals at their default action are taken over (``nohup`` sets SIGHUP to be
    ignored, and it stays ignored); outside the main thread nothing can be installed
    and nothing is done.
    """
    if threading.current_thread() is not threading.main_thread():
        return
    for sig in TERMINATION_SIGNALS:
        if signal.getsignal(sig) == signal.SIG_DFL:
            signal.signal(sig, _raise_terminated)


@contextmanager
def sigint_held() -> Iterator[None]:
    """Hold Ctrl-C (SIGINT) back while worker processes are forked.

    A worker forked with the parent's Python handler and hit by Ctrl-C before its
    initializer ran raised KeyboardInterrupt in its start-up and printed a traceback
    ("Process ForkProcess-2: ..."). Blocked, the signal waits: the parent gets it when
    the block ends (and cleans up as on any Ctrl-C), a worker inherits the block and
    its initializer ignores the signal before lifting it. The block is the calling
    thread's: a forked worker has that thread alone, so it is always covered; the
    parent holds the signal only if no other thread of it could take it (then it gets
    its KeyboardInterrupt a moment earlier, which is harmless). Used from the main
    thread only; elsewhere and without ``pthread_sigmask`` (Windows) it does nothing.
    """
    if not hasattr(signal, "pthread_sigmask") or (
        threading.current_thread() is not threading.main_thread()
    ):
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def worker_initializer(parent: int) -> None:
    """Run in each pool worker at start: die with the parent ``parent``, stop on TERM.

    Ctrl-C is ignored: it reaches the whole process group, and the parent, which gets
    it too, stops the workers (:func:`~zsa_sim.experiment.executors.stop_pool`); a
    worker raising KeyboardInterrupt of its own only printed a traceback.
    """
    for sig in TERMINATION_SIGNALS:
        signal.signal(sig, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})  # see sigint_held
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):  # pragma: no cover - no usable libc
            _watch_parent(parent)
    else:  # pragma: no cover - tested on Linux
        _watch_parent(parent)
    if os.getppid() != parent:
        # the parent died before the request took effect
        os._exit(1)


def _watch_parent(parent: int, interval: float = 1.0) -> None:
    """A daemon thread that ends the process once its parent is gone."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(interval)
        os._exit(1)

    threading.Thread(target=watch, name="zsa-sim-parent-watch", daemon=True).start()
