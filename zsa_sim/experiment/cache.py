"""A cache of finished replications: a what-if re-simulates only what changed.

A what-if changes one figure (the ZSA's staff, say) and runs the scenario again; most
(variant, replication) tasks then have exactly the inputs of the run before (changing
the ZSA leaves "dezentral" as it was), and simulating them again would only give the
same bytes again. The runner therefore looks every task up here first and simulates
only the tasks it does not find.

The key of a task is a canonical sha256 (:mod:`zsa_sim.experiment.canonical`) of
everything its result depends on: the engine setup of that variant and replication
(:func:`~zsa_sim.scenario.build_setup`: process models, pools with their calendars,
routing, every applicant the sources produce, seed), what else the replication reads
from the scenario (the observed window and the horizon), and the code: a digest of the
zsa_sim package's files and the versions of Python and of the libraries that shape
results. A value that has no canonical form makes the task uncachable (it is simulated),
never a wrong hit. The value is the task's
:class:`~zsa_sim.experiment.replication.ReplicationOutput` and, when the task writes an
event-log part, that part, so a run from the cache writes the same results folder byte
for byte. The part is a file of its own beside the entry (``<key>.part``), copied in and
out in chunks and checked against the sha256 the entry holds: at 1M cases it is ~0.4 GB,
which would otherwise pass through memory whole when stored and again when loaded.

The runner looks tasks up in the parent process, not in the workers
(:func:`~zsa_sim.experiment.runner.simulate_all`): a task found is never submitted, so
no task (and, when all are found, no worker process) is started for it, and the same
path serves the local pool, one process and a Dask cluster; the lookups run while the
workers simulate the tasks not found. A miss costs the parent one setup more (~0.1 s
for a pilot replication, mostly generating its applicants to digest them).

The store is a private folder (default ``$XDG_CACHE_HOME/zsa-sim/replications``, else
``~/.cache/zsa-sim/replications``; created with mode 0700). Values are pickles, so a
folder owned by someone else or writable by others is not read (a warning says so).
Entries are written atomically (a temporary file renamed into place: two workers
writing the same key both leave a whole entry), carry a sha256 of their bytes (a
damaged or truncated entry is removed with a warning and the task simulated), and the
folder is kept under a size bound (default 1 GB) by removing the entries used longest
ago. ``ZSA_SIM_CACHE=off`` (or ``zsa-sim run --no-cache``) turns the cache off,
``ZSA_SIM_CACHE=/some/folder`` moves it, ``ZSA_SIM_CACHE_MAX_MB`` bounds it.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import math
import os
import pickle
import stat
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from zsa_sim.eventlog.csv_log import metadata_path
from zsa_sim.experiment.replication import ReplicationOutput, ReplicationTask
from zsa_sim.records import frozen_record

#: Environment variable: "off" (or 0, no, false) turns the cache off; a path moves it.
CACHE_ENV = "ZSA_SIM_CACHE"
#: Environment variable: the size bound in MB.
MAX_MB_ENV = "ZSA_SIM_CACHE_MAX_MB"
DEFAULT_MAX_BYTES = 1024 * 1024 * 1024
#: Bumped whenever the key's ingredients or the entry layout change.
FORMAT = 3
#: Libraries whose versions can change results (the code digest covers zsa_sim itself).
#: isal: the bytes of the cached gzip members (cases, event-log parts; zsa_sim.gzipped).
LIBRARIES = ("simpy", "numpy", "scipy", "faker", "pydantic", "isal")
#: After pruning, the cache holds at most this share of its bound (room for a run).
PRUNE_TO = 0.9
#: Temporary files older than this (seconds) are leftovers of a killed process.
STALE_TEMP_SECONDS = 3600.0

_MAGIC = b"zsa-sim replication cache\n"
_SUFFIX = ".entry"
#: the event-log part of an entry, beside it (``<key>.part``)
_PART_SUFFIX = ".part"
#: chunk size of the part's copies in and out of the cache
_CHUNK = 1 << 20
_OFF = {"off", "0", "no", "false", "none", "disabled"}
_ON = {"", "on", "1", "yes", "true", "default"}


class CacheWarning(UserWarning):
    """The cache could not be used as asked (it is then left out; the run goes on)."""


def _warn(text: str) -> None:
    warnings.warn(f"result cache: {text}", CacheWarning, stacklevel=3)


def default_folder() -> Path:
    """``$XDG_CACHE_HOME/zsa-sim/replications``, else ``~/.cache/zsa-sim/replications``."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    root = Path(base) if base and Path(base).is_absolute() else Path.home() / ".cache"
    return root / "zsa-sim" / "replications"


def configured_folder(enabled: bool | None = None) -> Path | None:
    """The cache folder the settings ask for, or None when the cache is off.

    ``enabled`` is the command's choice (``--cache``/``--no-cache``); None leaves it to
    :data:`CACHE_ENV` (unset: on, in the default folder). ``--cache`` turns it on even
    when the environment says off; a folder named in the environment is used either way.
    """
    if enabled is False:
        return None
    setting = os.environ.get(CACHE_ENV, "").strip()
    if setting.lower() in _OFF:
        return default_folder() if enabled else None
    if setting.lower() in _ON:
        return default_folder()
    return Path(setting).expanduser()


def max_bytes_setting() -> int:
    """The size bound: :data:`MAX_MB_ENV` in MB, else :data:`DEFAULT_MAX_BYTES`."""
    text = os.environ.get(MAX_MB_ENV, "").strip()
    if not text:
        return DEFAULT_MAX_BYTES
    try:
        megabytes = float(text)
    except ValueError:
        megabytes = math.nan
    if not math.isfinite(megabytes):
        _warn(f"{MAX_MB_ENV}={text!r} is not a number; using {DEFAULT_MAX_BYTES >> 20} MB")
        return DEFAULT_MAX_BYTES
    return max(0, int(megabytes * 1024 * 1024))


def open_cache(enabled: bool | None = None) -> ReplicationCache | None:
    """The replication cache as the settings ask for it, or None (off or unusable)."""
    try:
        folder = configured_folder(enabled)
    except RuntimeError as err:  # no home folder to put it in
        _warn(f"off: {err}")
        return None
    if folder is None:
        return None
    return ReplicationCache.open(folder, max_bytes_setting())


def _process_started() -> float:
    """When this process began (Linux: from /proc, to a clock tick), else now.

    The code a process runs is the code on disk when it imported it; a fork server's
    children inherit the modules it imported, and this module's value of it. The age
    of the process is taken from the system's uptime (1/100 s) rather than from the
    boot time (whole seconds): a file saved a moment before the process started would
    otherwise count as changed after it, and the cache would turn itself off.
    """
    now = time.time()
    try:
        with open("/proc/self/stat", encoding="ascii") as own:
            ticks = int(own.read().rsplit(")", 1)[1].split()[19])
        with open("/proc/uptime", encoding="ascii") as uptime:
            up = float(uptime.read().split()[0])
        started = now - max(0.0, up - ticks / os.sysconf("SC_CLK_TCK"))
    except (OSError, ValueError, IndexError):
        started = now
    return min(now, started)


#: Source files changed after this moment may differ from the code this process runs.
_PROCESS_STARTED = _process_started()


@functools.cache
def _package_files() -> tuple[Path, ...]:
    """The zsa_sim package's files (sources, data), without bytecode (listed once)."""
    import zsa_sim

    package = Path(zsa_sim.__file__).resolve().parent
    return tuple(
        path
        for path in sorted(package.rglob("*"))
        if "__pycache__" not in path.parts
        and path.suffix not in (".pyc", ".pyo")
        and path.is_file()
    )


def code_changed_since_start() -> bool:
    """Whether a file of the package changed after this process started.

    Then the code on disk (which the digest describes) may not be the code this process
    runs, e.g. a long-running ``zsa-sim serve`` after an edit or a ``git pull``: its
    results are neither taken from nor put into the cache.
    """
    try:
        return any(path.stat().st_mtime > _PROCESS_STARTED for path in _package_files())
    except OSError:
        return True


@functools.cache
def code_digest() -> str | None:
    """A digest of the code that makes a replication's result, or None (see below).

    Every file of the zsa_sim package (its source, not the bytecode), the versions of
    Python and of :data:`LIBRARIES`, and the machine architecture. Computed once per
    process (~20 ms). None, with a warning, when a file changed after this process
    started (:func:`code_changed_since_start`).
    """
    import platform
    from importlib import metadata

    if code_changed_since_start():
        _warn("off: zsa_sim's source changed since this process started; restart it")
        return None
    import zsa_sim

    package = Path(zsa_sim.__file__).resolve().parent
    digest = hashlib.sha256()
    for path in _package_files():
        data = path.read_bytes()
        name = path.relative_to(package).as_posix().encode("utf-8")
        digest.update(b"%d:%s:%d:" % (len(name), name, len(data)))
        digest.update(data)
    found = []
    for name in LIBRARIES:
        try:
            found.append((name, metadata.version(name)))
        except metadata.PackageNotFoundError:
            found.append((name, "not installed"))
    context = (
        digest.hexdigest(),
        tuple(found),
        sys.version,
        sys.implementation.name,
        platform.machine(),
        sys.byteorder,
    )
    return hashlib.sha256(repr(context).encode("utf-8")).hexdigest()


def replication_key(task: ReplicationTask) -> str | None:
    """The cache key of a task, or None when it cannot be cached.

    A task whose setup cannot be built (a scenario error) is not cached either: the
    worker then meets the same error and reports it as it always does.
    """
    from zsa_sim.experiment.canonical import Uncachable, canonical_digest
    from zsa_sim.scenario import build_setup

    code = code_digest()
    if code is None:
        return None
    try:
        setup = build_setup(task.scenario, task.variant, task.replication)
        period = task.scenario.period
        return canonical_digest(
            "zsa-sim replication",
            FORMAT,
            code,
            task.variant,
            task.replication,
            period.window,
            period.horizon,
            setup,
        )
    except Uncachable:
        return None
    except Exception:  # the worker raises it again, with the scenario file named
        return None


@dataclass
class CacheStats:
    """What one run took from the cache and put into it."""

    hits: int = 0
    stored: int = 0
    #: tasks with an input that has no canonical form (simulated, not stored)
    uncachable: int = 0


@frozen_record()
class CacheInfo:
    """What ``zsa-sim cache info`` shows."""

    folder: Path
    entries: int
    size_bytes: int
    max_bytes: int


class ReplicationCache:
    """The store of finished replications in one folder (see the module docstring)."""

    def __init__(self, folder: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.folder = Path(folder)
        self.max_bytes = max_bytes
        self.stats = CacheStats()
        self._store_failed = False

    @classmethod
    def open(cls, folder: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> ReplicationCache | None:
        """The cache in ``folder`` (created private if missing), or None with a warning
        when the folder cannot be made or is not safe to read."""
        folder = Path(folder)
        try:
            _make_private(folder)
        except OSError as err:
            _warn(f"off: cannot create {folder} ({err.strerror or err})")
            return None
        reason = unsafe_reason(folder)
        if reason is not None:
            _warn(f"off: {folder} is {reason}; not reading results from it")
            return None
        return cls(folder, max_bytes)

    # -- entries -------------------------------------------------------------------

    def path_of(self, key: str) -> Path:
        """Where the entry of ``key`` lives (a subfolder per first two hex digits)."""
        return self.folder / key[:2] / f"{key}{_SUFFIX}"

    def load(self, key: str, task: ReplicationTask) -> ReplicationOutput | None:
        """The cached output of ``task``, its event-log part written where the task
        would write it; None when there is no usable entry (the task is simulated)."""
        path = self.path_of(key)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as err:
            _warn(f"cannot read {path.name} ({err.strerror or err}); simulating")
            return None
        entry = self._decode(path, data)
        if entry is None:
            return None
        output = entry.get("output")
        if (
            not isinstance(output, ReplicationOutput)
            or output.variant != task.variant
            or output.replication != task.replication
        ):
            self._discard(path, "holds another result than its key says")
            return None
        if task.log_path is not None:
            part = entry.get("part")
            if part is None or part[0] != task.log_path.name:
                return None  # the entry lacks the event log this task writes
            found = _write_part(_part_path(path), task.log_path, part)
            if found is False:
                self._discard(path, "has a damaged event-log part")
            if not found:
                return None
        with contextlib.suppress(OSError):
            os.utime(path)  # used now: pruned last
        self.stats.hits += 1
        return output

    def store(self, key: str, task: ReplicationTask, output: ReplicationOutput) -> None:
        """Keep a finished task's output (and its event-log part, if it wrote one).

        An entry with the part is not replaced by one without. Never raises: a full
        disk or a read-only folder costs the cache, not the run (one warning per run).
        """
        path = self.path_of(key)
        part = None
        if code_changed_since_start():  # an edit while it ran: the key may be wrong
            if not self._store_failed:
                self._store_failed = True
                _warn("zsa_sim's source changed during the run; its results are not kept")
            return
        room = self.max_bytes
        try:
            if task.log_path is not None:
                size = task.log_path.stat().st_size
                if size > self.max_bytes:
                    return  # could never be kept: not even read
                meta = metadata_path(task.log_path).read_bytes()
                digest = _copy_hashed(task.log_path, _part_path(path))
                part = (task.log_path.name, size, digest, meta)
                room -= size
            elif path.exists():
                return
            if not _write_entry(path, {"output": output, "part": part}, room):
                if part is not None:
                    _unlink(_part_path(path))
                return
        except (OSError, pickle.PicklingError, TypeError, AttributeError) as err:
            if not self._store_failed:
                self._store_failed = True
                reason = getattr(err, "strerror", None) or err
                _warn(f"cannot store results in {self.folder} ({reason})")
            return
        self.stats.stored += 1

    def _decode(self, path: Path, data: bytes) -> dict[str, Any] | None:
        head = len(_MAGIC) + 65
        if not data.startswith(_MAGIC) or len(data) < head or data[head - 1 : head] != b"\n":
            self._discard(path, "is damaged")
            return None
        payload = data[head:]
        if hashlib.sha256(payload).hexdigest().encode("ascii") != data[len(_MAGIC) : head - 1]:
            self._discard(path, "is damaged or truncated")
            return None
        try:
            entry = pickle.loads(payload)
        except Exception:  # an entry written by other code (the key says it cannot be)
            self._discard(path, "cannot be read")
            return None
        if not isinstance(entry, dict):
            self._discard(path, "cannot be read")
            return None
        return entry

    def _discard(self, path: Path, why: str) -> None:
        _warn(f"entry {path.name[:12]}... {why}; removed, simulating instead")
        _remove_entry(path)

    # -- the folder as a whole -----------------------------------------------------

    def _entries(self) -> list[tuple[float, int, Path]]:
        """(last use, size with its part, path) of every entry; removes stale temporary
        files and parts left without their entry."""
        found = []
        parts: dict[str, tuple[float, int, Path]] = {}
        now = time.time()
        try:
            shards = [d for d in os.scandir(self.folder) if d.is_dir() and len(d.name) == 2]
        except OSError:
            return []
        for shard in shards:
            try:
                files = list(os.scandir(shard.path))
            except OSError:
                continue
            for item in files:
                try:
                    info = item.stat()
                except OSError:
                    continue
                if item.name.endswith(_SUFFIX):
                    found.append((info.st_mtime, info.st_size, Path(item.path)))
                elif item.name.endswith(_PART_SUFFIX):
                    parts[item.name[: -len(_PART_SUFFIX)]] = (
                        info.st_mtime,
                        info.st_size,
                        Path(item.path),
                    )
                elif item.name.startswith(".tmp-") and now - info.st_mtime > STALE_TEMP_SECONDS:
                    _unlink(Path(item.path))
        entries = []
        for used, size, path in found:
            part = parts.pop(path.name[: -len(_SUFFIX)], None)
            entries.append((used, size + (part[1] if part else 0), path))
        for written, _, path in parts.values():
            # a part whose entry was never written (a killed store) or removed
            if now - written > STALE_TEMP_SECONDS:
                _unlink(path)
        return entries

    def prune(self) -> int:
        """Remove the entries used longest ago until the cache fits its bound.

        Returns the number removed. Below the bound nothing happens; above it, the
        cache is brought down to :data:`PRUNE_TO` of it, so that not every run prunes.
        """
        entries = self._entries()
        total = sum(size for _, size, _ in entries)
        if total <= self.max_bytes:
            return 0
        removed = 0
        for _, size, path in sorted(entries):
            if total <= self.max_bytes * PRUNE_TO:
                break
            if _remove_entry(path):
                removed += 1
            total -= size
        return removed

    def info(self) -> CacheInfo:
        """Folder, number of entries, their size and the bound."""
        entries = self._entries()
        return CacheInfo(
            self.folder, len(entries), sum(size for _, size, _ in entries), self.max_bytes
        )

    def clear(self) -> int:
        """Remove every entry; returns how many."""
        removed = 0
        for _, _, path in self._entries():
            removed += _remove_entry(path)
        return removed


def unsafe_reason(folder: Path) -> str | None:
    """Why a cache folder must not be read (another owner, writable by others), or None."""
    try:
        info = folder.stat()
    except OSError as err:
        return f"not readable ({err.strerror or err})"
    if not stat.S_ISDIR(info.st_mode):
        return "not a folder"
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        return "owned by another user"
    if os.name == "posix" and info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return "writable by other users"
    return None


def _make_private(folder: Path) -> None:
    """Create ``folder`` and its missing parents with mode 0700."""
    missing = []
    current = folder
    while not current.exists():
        missing.append(current)
        if current.parent == current:
            break
        current = current.parent
    for path in reversed(missing):
        with contextlib.suppress(FileExistsError):
            path.mkdir(mode=0o700)


class _Hashing:
    """A file that hashes what is written to it (for :func:`_write_entry`)."""

    def __init__(self, out: Any) -> None:
        self.out = out
        self.digest = hashlib.sha256()

    def write(self, data: Any) -> int:
        self.digest.update(data)
        return self.out.write(data)


def _write_entry(path: Path, entry: dict[str, Any], max_bytes: int) -> bool:
    """Pickle ``entry`` straight into a temporary file beside ``path``, then rename it
    into place; False (and nothing kept) if the entry is larger than ``max_bytes``.

    The pickle is hashed as it is written and its sha256 put into the header at the
    end, so the entry is never held in memory as bytes: with a large run's case columns
    and event-log part that was two more copies of both at once (issue 19).
    """
    path.parent.mkdir(mode=0o700, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(_MAGIC + b"0" * 64 + b"\n")
            sink = _Hashing(out)
            pickle.Pickler(sink, protocol=5).dump(entry)
            if out.tell() > max_bytes:
                raise _TooLarge
            out.seek(len(_MAGIC))
            out.write(sink.digest.hexdigest().encode("ascii"))
        os.replace(name, path)
    except _TooLarge:
        _unlink(Path(name))
        return False
    except BaseException:
        _unlink(Path(name))
        raise
    return True


class _TooLarge(Exception):
    """An entry above the cache's size bound (not kept)."""


def _part_path(entry: Path) -> Path:
    """The event-log part kept beside an entry."""
    return entry.with_name(entry.name[: -len(_SUFFIX)] + _PART_SUFFIX)


def _copy_hashed(source: Path, target: Path) -> str:
    """Copy ``source`` to ``target`` in chunks (atomically: a temporary file renamed
    into place); returns the sha256 of the bytes copied."""
    target.parent.mkdir(mode=0o700, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=".tmp-", dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as out, source.open("rb") as read:
            digest = _copy_chunks(read, out)
        os.replace(name, target)
    except BaseException:
        _unlink(Path(name))
        raise
    return digest


def _copy_chunks(read: Any, out: Any) -> str:
    """Copy one open file to another in chunks; the sha256 of the bytes copied."""
    digest = hashlib.sha256()
    while chunk := read.read(_CHUNK):
        digest.update(chunk)
        out.write(chunk)
    return digest.hexdigest()


def _write_part(
    part_path: Path, log_path: Path, part: tuple[str, int, str, bytes]
) -> bool | None:
    """Put a cached event-log part (CSV and metadata) where the task would write it.

    True when written; None when it cannot be (the part file is gone, a disk error);
    False when the part's bytes are not those stored (damaged). In both failures
    nothing is left at ``log_path``.
    """
    _, size, expected, meta_bytes = part
    try:
        with part_path.open("rb") as read, log_path.open("wb") as out:
            digest = _copy_chunks(read, out)
        damaged = log_path.stat().st_size != size or digest != expected
        if not damaged:
            metadata_path(log_path).write_bytes(meta_bytes)
            return True
    except OSError:
        damaged = None
    _unlink(log_path)
    _unlink(metadata_path(log_path))
    return False if damaged else None


def _remove_entry(path: Path) -> bool:
    """Remove an entry and its event-log part; whether the entry was there."""
    _unlink(_part_path(path))
    return _unlink(path)


def _unlink(path: Path) -> bool:
    try:
        path.unlink()
    except OSError:
        return False
    return True


def cache_summary() -> list[str]:
    """What ``zsa-sim cache info`` prints: state, folder, entries and size."""
    folder = configured_folder(True)
    assert folder is not None  # asked for with enabled=True
    state = "on" if configured_folder() is not None else f"off ({CACHE_ENV}=off)"
    lines = [f"state: {state}", f"folder: {folder}"]
    if not folder.is_dir():
        return [*lines, "entries: 0 (the folder does not exist yet)"]
    reason = unsafe_reason(folder)
    if reason is not None:
        return [*lines, f"not used: the folder is {reason}"]
    summary = ReplicationCache(folder, max_bytes_setting()).info()
    return [
        *lines,
        f"entries: {summary.entries} replications, {_megabytes(summary.size_bytes)}",
        f"size bound: {_megabytes(summary.max_bytes)} ({MAX_MB_ENV}), "
        "the entries used longest ago go first",
    ]


def clear_cache() -> str:
    """Remove every entry of the configured cache folder; says how many."""
    folder = configured_folder(True)
    assert folder is not None
    if not folder.is_dir():
        return f"nothing to clear: {folder} does not exist"
    reason = unsafe_reason(folder)
    if reason is not None:
        return f"not cleared: {folder} is {reason}"
    removed = ReplicationCache(folder).clear()
    return f"removed {removed} cached replications from {folder}"


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"
