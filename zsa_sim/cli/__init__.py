"""The ``zsa-sim`` command line: thin click commands over the library.

Each command parses its options and calls one public library function; all logic lives
in the library, where it is tested. Errors that users can cause are :class:`ZsaError`
and are printed as one line with exit code 2; ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

import click

from zsa_sim.errors import ZsaError

#: Exit codes shared by all commands.
EXIT_OK, EXIT_FINDINGS, EXIT_UNUSABLE = 0, 1, 2
#: ``run`` finished and kept its results, but the report could not be drawn.
EXIT_REPORT_FAILED = 3


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="Show the full traceback on errors.")
@click.version_option(package_name="zsa-sim")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Simulate municipal services (BPMN) decentrally and with a central service unit (ZSA).

    \b
    Example:
      zsa-sim run                      # the built-in pilot scenario
      zsa-sim inspect processes/wohngeld.bpmn
    """
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug


#: The modules of the commands, each with a ``COMMANDS`` list.
_COMMAND_MODULES = (
    "bpmn_commands",
    "scenario_commands",
    "run_commands",
    "report_commands",
    "planning_commands",
    "bench_commands",
    "calibrate_commands",
    "serve_commands",
    "cache_commands",
)
#: The module of each command: ``zsa-sim validate`` imports only its own (issue 19:
#: start-up). A command not listed here is still found: all modules are registered then.
#: Only the read-only commands are registered alone (:data:`_READ_ONLY`): the others
#: take seconds anyway, and a command missing from this map would go unnoticed.
_MODULE_OF = {
    "inspect": "bpmn_commands",
    "validate": "bpmn_commands",
    "template": "scenario_commands",
    "synth": "scenario_commands",
    "run": "run_commands",
    "compare": "run_commands",
    "report": "report_commands",
    "show": "report_commands",
    "plan": "planning_commands",
    "sweep": "planning_commands",
    "bench": "bench_commands",
    "calibrate": "calibrate_commands",
    "check-fit": "calibrate_commands",
    "serve": "serve_commands",
    "cache": "cache_commands",
}


def _register(command: str | None = None) -> None:
    """Add the commands to the group: all, or only the module of ``command`` if known."""
    import importlib

    # Imported here so that each command lives in a module of its own.
    modules = [_MODULE_OF[command]] if command in _MODULE_OF else _COMMAND_MODULES
    for name in modules:
        for cmd in importlib.import_module(f"zsa_sim.cli.{name}").COMMANDS:
            cli.add_command(cmd)


#: Commands that write no file: when they end, nothing is left to flush or close.
_READ_ONLY = frozenset({"inspect", "validate"})


def _leave_heap_to_the_os() -> None:
    """Spare the interpreter's teardown of the objects a read-only command built.

    At exit Python frees its objects one by one: after `zsa-sim validate SCENARIO` the
    classes, pydantic validators and compiled process graphs of every variant, ~0.1 s of
    CPU, a fifth of the command (issue 19: start-up < 0.5 s). Frozen objects
    (:func:`gc.freeze`) are left out of the collections at exit, and the operating
    system takes back their memory at once. Called only at the real end of the
    process (the console script, ``python -m zsa_sim``) and only after a command that
    wrote nothing, so no file or finaliser waits on them; standard output is flushed
    by Python regardless.
    """
    import gc

    gc.freeze()


def _no_cyclic_collections() -> None:
    """Switch off Python's cyclic garbage collector for the rest of a read-only command.

    Importing the scenario layer and building every variant's engine creates some
    hundred thousand long-lived objects (classes, validators, compiled graphs), and the
    collector walks them again and again while they are made: ~0.03 s of CPU for
    `zsa-sim validate scenarios/pilot.yaml`, ~0.15 s state-wide, of a command whose
    target is 0.5 s (issue 19). What it would reclaim is a few MB of cyclic garbage
    per scenario file (pilot ~0.5 MB, state-wide ~3 MB peak), and the process ends
    with the command; objects without cycles are still freed at once by reference
    counting. The same trade Mercurial makes with its ``nogc`` wrapper. Only at the
    real end of the process, like :func:`_leave_heap_to_the_os`.
    """
    import gc

    gc.disable()


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic garbage collection while a command imports the library.

    The imports make ~100,000 long-lived objects (modules, classes, pydantic
    validators) and almost no garbage, yet the collector walks each of them at least
    twice while they are made: ~0.03-0.05 s of every ``zsa-sim run`` (issue 19: the
    import share of a run). Afterwards they go to the oldest generation without a walk
    (frozen and unfrozen at once, as the engine does after a run; else the first young
    collection would walk them all), and the collector runs as before (the engine
    tunes it for the simulation itself).
    """
    import gc

    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            if not gc.get_freeze_count():  # nobody else's frozen objects to release
                gc.freeze()
                gc.unfreeze()
            gc.enable()


def libraries_first() -> None:
    """Import importlib.metadata and NumPy now, near the top of the call stack.

    CPython 3.11 keeps its frames in 16 KB chunks and frees a chunk as soon as the
    frame that opened it returns (fixed in later versions, python/cpython#142183).
    Imported where the scenario layer first needs them, deep in the import chain, the
    email package's regular expressions (importlib.metadata, which pydantic's plugin
    loader and SimPy read) and NumPy's ~3,000 small typing calls sat on such a
    boundary: `zsa-sim validate scenarios/pilot.yaml` mapped and unmapped a chunk
    4,099 times (strace), 17 times with both imported first; 9,100 instead of 13,200
    page faults, ~0.03 s of CPU (issue 19); a three-task `run` 547 -> 47 times.
    """
    import importlib.metadata  # noqa: F401

    # without NumPy, the scenario package says what is missing
    with contextlib.suppress(ImportError):
        import numpy  # noqa: F401


def _numpy_first(args: list[str]) -> None:
    """:func:`libraries_first` when a scenario file is validated (a BPMN file needs
    neither library)."""
    from zsa_sim.cli.bpmn_commands import SCENARIO_SUFFIXES

    if any(arg.lower().endswith(SCENARIO_SUFFIXES) for arg in args):
        libraries_first()


def _command_in(args: list[str]) -> str | None:
    """The command a command line names (the group's own options take no values)."""
    return next((arg for arg in args if not arg.startswith("-")), None)


def main(argv: list[str] | None = None) -> None:
    """Entry point of the console script: run the group, turn ZsaError into one line."""
    args = sys.argv[1:] if argv is None else argv
    debug = "--debug" in args
    from zsa_sim.lifecycle import handle_termination

    # SIGTERM/SIGHUP (timeout, systemd, CI) clean up like Ctrl-C (issue 14)
    handle_termination()
    command = _command_in(args)
    light = command in _READ_ONLY
    if light:
        _lean_library_start()
        if argv is None:
            _no_cyclic_collections()
        if command == "validate":
            _numpy_first(args)
    _one_line_warnings()
    _writable_matplotlib_config()
    try:
        # Inside the try: importing the commands takes a second, and Ctrl-C meanwhile
        # must give the one-line message too, not a traceback.
        _register(command if light else None)
        # Without standalone mode, click returns ctx.exit(n)'s code instead of exiting.
        code = cli.main(args=args, prog_name="zsa-sim", standalone_mode=False)
        if argv is None and light:
            _leave_heap_to_the_os()
        if type(code) is int and code != EXIT_OK:
            sys.exit(code)
    except ZsaError as err:
        if debug:
            raise
        click.echo(f"Error: {err}", err=True)
        sys.exit(EXIT_UNUSABLE)
    except click.exceptions.Exit as err:
        sys.exit(err.exit_code)
    except click.UsageError as err:
        # one line like every other error (click would print the usage and a hint first)
        hint = f" (see '{err.ctx.command_path} --help')" if err.ctx is not None else ""
        click.echo(f"Error: {' '.join(err.format_message().split())}{hint}", err=True)
        sys.exit(EXIT_UNUSABLE)
    except click.ClickException as err:
        err.show()
        sys.exit(EXIT_UNUSABLE)
    except click.exceptions.Abort as err:
        # click turns Ctrl-C inside a command into Abort; say what happened to the results
        cause = err.__cause__
        if isinstance(cause, KeyboardInterrupt):
            _interrupted(cause)
        click.echo("Aborted.", err=True)
        sys.exit(130)
    except KeyboardInterrupt as err:
        _interrupted(err)


#: Warnings said in other words: matplotlib warns once per chart and missing glyph when
#: names hold characters its font lacks (emoji), dozens of two-line warnings (issue 14).
_REWORDED = (
    (
        "Glyph ",
        "some characters of the names are missing from the charts' font "
        "(they are drawn as empty boxes)",
    ),
)


def _one_line_warnings() -> None:
    """Every warning as one line on stderr, and each only once per command."""
    import warnings

    seen: set[str] = set()

    def show(message, category, filename, lineno, file=None, line=None) -> None:  # type: ignore[no-untyped-def]
        text = " ".join(str(message).split())
        for prefix, reworded in _REWORDED:
            if text.startswith(prefix):
                text = reworded
        if text not in seen:
            seen.add(text)
            click.echo(f"warning: {text[:300]}", err=True)

    warnings.showwarning = show


def _lean_library_start() -> None:
    """One thread for NumPy's OpenBLAS, unless the user set ``OPENBLAS_NUM_THREADS``.

    OpenBLAS starts a thread per core when NumPy is imported: ~30-40 ms of CPU (issue
    19: `zsa-sim validate SCENARIO` < 0.5 s CPU); zsa-sim does no linear algebra.
    Only for the read-only commands (``inspect``, ``validate``), whose start-up is the
    point; a run's workers keep the library defaults. (With it, ``run -j 2`` once
    showed a Ctrl-C race more often: a worker hit before its initializer printed
    "Process ForkProcess-2:"; :func:`zsa_sim.lifecycle.sigint_held` has closed it.)
    Importing zsa_sim as a library changes no environment variable.
    """
    import os

    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def _writable_matplotlib_config() -> None:
    """A read-only or missing HOME: give matplotlib a config folder of its own, quietly.

    Otherwise it says so in two long log lines on every command that draws, and builds
    its font cache anew each time (issue 14). An explicit ``MPLCONFIGDIR`` is kept.
    """
    import os
    from pathlib import Path

    if os.environ.get("MPLCONFIGDIR"):
        return
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    wanted = Path(base) / "matplotlib"
    try:
        wanted.mkdir(parents=True, exist_ok=True)
        if os.access(wanted, os.W_OK):
            return
    except OSError:
        pass
    import tempfile  # only here: it imports shutil, random, bz2, lzma (start-up, issue 19)

    uid = os.getuid() if hasattr(os, "getuid") else 0
    fallback = Path(tempfile.gettempdir()) / f"zsa-sim-matplotlib-{uid}"
    try:
        fallback.mkdir(mode=0o700, exist_ok=True)
        if hasattr(os, "getuid") and fallback.stat().st_uid != uid:
            return  # someone else's folder: let matplotlib make its own
    except OSError:
        return
    os.environ["MPLCONFIGDIR"] = str(fallback)


def _interrupted(err: KeyboardInterrupt) -> NoReturn:
    """One line on Ctrl-C: what was removed (the results folder's note), exit code 130;
    on SIGTERM/SIGHUP the same line naming the signal, exit code 128 + its number."""
    notes = getattr(err, "__notes__", None)
    detail = notes[-1] if notes else "no partial results were kept."
    how = "Interrupted"
    code = 130
    signum = getattr(err, "signum", None)
    if signum is not None:
        how = f"Stopped by {err.signal_name}"  # type: ignore[attr-defined]
        code = 128 + signum
    click.echo(f"{how}; {detail[:1].lower()}{detail[1:]}", err=True)
    sys.exit(code)
