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
cleans up.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time
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


def worker_initializer(parent: int) -> None:
    """Run in each pool worker at start: die with the parent ``parent``, stop on TERM."""
    for sig in TERMINATION_SIGNALS:
        signal.signal(sig, signal.SIG_DFL)
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
