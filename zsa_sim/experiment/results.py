"""The results folder of a run, written atomically.

A run writes into ``<root>/<scenario>/.partial-<timestamp>-<pid>/`` and, when everything
is written, renames it to ``<root>/<scenario>/<timestamp>/`` in one step. A folder with a
timestamp name is therefore always complete: an exception or Ctrl-C removes the partial
folder, and a process killed outright (SIGKILL, power loss) leaves only a hidden
``.partial-*`` folder, which :func:`list_runs` ignores and the next run of the scenario
(or :func:`clean_partial`) removes. Earlier runs are never touched.

Whose partial folder is it? The run holds an exclusive lock (``flock``) on the file
``.owner.lock`` inside its partial folder for as long as it runs; the lock vanishes with
the process however it ends, so a folder whose lock can be taken is abandoned. The pid in
the name is only the fallback for folders without a lock file (a container's run has the
same pid every time, so the pid alone would keep a dead run's folder for ever).

Timestamps are local time to the second, with ``-`` for ``:`` so the names are valid on
every file system and sort in time order (``2026-11-25T11-20-58``); a second run in the
same second gets ``-2``, ``-3``, ...

The helpers write deterministic bytes, each file through a temporary name and a rename:
``write_json`` (sorted keys, two-space indent, UTF-8, NaN and infinity as ``null``, floats
at full precision) and ``write_csv`` (the event log's cell formatting).
"""

from __future__ import annotations

import csv
import io
import json
import logging
import math
import os
import re
import shutil
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from zsa_sim.errors import ResultsError
from zsa_sim.eventlog.csv_log import format_value
from zsa_sim.experiment.reading import SUMMARY_FILE, load_summary  # noqa: F401 (re-exported)

logger = logging.getLogger(__name__)
# A library only ever adds a NullHandler (Python logging HOWTO): applications decide
# what is shown. Without it, Python's last-resort handler would print bare warnings
# next to the command line's own one-line messages. The package's loggers are all
# made here (zsa_sim/__init__ does not import logging: start-up, issue 19).
logging.getLogger("zsa_sim").addHandler(logging.NullHandler())

INPUTS_DIR = "inputs"
PARTIAL_PREFIX = ".partial-"
_STAMP_FORMAT = "%Y-%m-%dT%H-%M-%S"
_RUN_NAME = re.compile(r"(\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d)(?:-(\d+))?")
_PARTIAL_NAME = re.compile(r"\.partial-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-(\d+)(?:-\d+)?")
#: The file in a partial folder that its run keeps locked while it runs.
LOCK_FILE = ".owner.lock"


def run_stamp(moment: datetime) -> str:
    """The folder name of a run started at ``moment`` (``2026-11-25T11-20-58``)."""
    return moment.strftime(_STAMP_FORMAT)


def _check_scenario_name(name: str, root: Path) -> None:
    if (
        not name
        or name.strip() != name
        or name.startswith(".")
        or any(sep in name for sep in ("/", "\\", "\0"))
    ):
        raise ResultsError(f"scenario name {name!r} cannot be a folder name", source=root)


class ResultsFolder:
    """A run's results folder that appears complete or not at all.

    ::

        with ResultsFolder(Path("results"), "pilot") as folder:
            write_json(folder.path / "summary.json", summary)
        print(folder.run_dir)   # results/pilot/2026-11-25T11-20-58

    Inside the ``with`` block ``path`` is the hidden partial folder to write into; after a
    normal exit ``run_dir`` is the final folder. An exception (including Ctrl-C) removes
    the partial folder and propagates, with a note saying that nothing was kept.

    ``prefix`` (e.g. ``"plan-"``) names folders of other kinds,
    ``<root>/<scenario>/plan-<timestamp>``, which :func:`list_runs` does not take for
    runs; the partial folder is named as for a run, so :func:`clean_partial` finds it.
    """

    def __init__(
        self,
        root: Path,
        scenario_name: str,
        clock: Callable[[], datetime] = datetime.now,
        prefix: str = "",
    ) -> None:
        self.root = Path(root)
        _check_scenario_name(scenario_name, self.root)
        if prefix and not re.fullmatch(r"[A-Za-z0-9_]+-", prefix):
            raise ResultsError(f"folder prefix {prefix!r} must be letters then '-'", source=root)
        self.scenario_name = scenario_name
        #: put before the timestamp of the final name (``plan-``, ``sweep-``), so such
        #: folders are not mistaken for runs by :func:`list_runs`.
        self.prefix = prefix
        self.clock = clock
        self._partial: Path | None = None
        self._lock: int | None = None
        self.run_dir: Path | None = None
        self.stamp = ""

    @property
    def scenario_dir(self) -> Path:
        """``<root>/<scenario>``: where this scenario's runs are kept."""
        return self.root / self.scenario_name

    @property
    def path(self) -> Path:
        """The folder to write into (the hidden partial folder while the run is open)."""
        if self._partial is None:
            raise ResultsError(
                "the results folder is not open; use it in a with-block", source=self.root
            )
        return self._partial

    def __enter__(self) -> ResultsFolder:
        self.stamp = run_stamp(self.clock())
        try:
            self.scenario_dir.mkdir(parents=True, exist_ok=True)
            # leftovers of runs killed outright (SIGKILL, power loss) go at the next run
            _clean_scenario_dir(self.scenario_dir)
            base = f"{PARTIAL_PREFIX}{self.stamp}-{os.getpid()}"
            for n in range(1, 10_000):
                candidate = self.scenario_dir / (base if n == 1 else f"{base}-{n}")
                try:
                    candidate.mkdir()
                except FileExistsError:
                    continue
                try:
                    self._lock = _take_lock(candidate)
                except OSError:
                    _remove(candidate)
                    raise
                self._partial = candidate
                return self
        except OSError as err:
            raise ResultsError(
                f"cannot create the results folder: {err}", source=self.scenario_dir
            ) from err
        raise ResultsError("no free name for a partial results folder", source=self.scenario_dir)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        partial = self.path
        self._partial = None
        try:
            if exc is not None:
                _remove(partial)
                exc.add_note(f"No results were kept: removed the unfinished folder {partial}.")
                logger.warning("run did not finish; removed the unfinished results %s", partial)
                return
            try:
                (partial / LOCK_FILE).unlink(missing_ok=True)
                self.run_dir = self._publish(partial)
            except BaseException:
                _remove(partial)
                raise
        finally:
            if self._lock is not None:
                os.close(self._lock)
                self._lock = None

    def _publish(self, partial: Path) -> Path:
        """Rename the partial folder to the first free ``<stamp>[-n]`` name."""
        for n in range(1, 10_000):
            name = f"{self.prefix}{self.stamp}"
            target = self.scenario_dir / (name if n == 1 else f"{name}-{n}")
            if target.exists():
                continue
            try:
                # On POSIX rename would replace an *empty* directory; the exists() check
                # above and the non-empty runs make that a non-issue in practice.
                os.rename(partial, target)
            except FileExistsError:
                continue
            except OSError as err:
                if target.exists():
                    continue  # another run took the name between the check and the rename
                raise ResultsError(
                    f"cannot move the results into place: {err}", source=target
                ) from err
            return target
        raise ResultsError("no free name for the results folder", source=self.scenario_dir)


def _remove(folder: Path) -> None:
    try:
        shutil.rmtree(folder)
    except FileNotFoundError:
        pass
    except OSError as err:  # e.g. a file still open on Windows; clean_partial can retry
        logger.warning("could not remove the unfinished results %s: %s", folder, err)


# -- finding runs -------------------------------------------------------------------


def _run_sort_key(path: Path) -> tuple[str, int]:
    match = _RUN_NAME.fullmatch(path.name)
    assert match is not None
    return match.group(1), int(match.group(2) or 1)


def list_runs(root: Path, scenario: str | None = None) -> list[Path]:
    """The complete runs under ``root`` (of one scenario, or all), oldest first.

    Only folders named like a run timestamp count; unfinished ``.partial-*`` folders and
    anything else are ignored.
    """
    root = Path(root)
    if scenario is not None:
        _check_scenario_name(scenario, root)
        scenario_dirs = [root / scenario]
    else:
        scenario_dirs = sorted(p for p in _subdirs(root) if not p.name.startswith("."))
    runs: list[Path] = []
    for scenario_dir in scenario_dirs:
        found = [p for p in _subdirs(scenario_dir) if _RUN_NAME.fullmatch(p.name)]
        runs.extend(sorted(found, key=_run_sort_key))
    return runs


def _subdirs(folder: Path) -> list[Path]:
    try:
        return [p for p in folder.iterdir() if p.is_dir()]
    except FileNotFoundError:
        return []
    except OSError as err:
        raise ResultsError(f"cannot list the results: {err}", source=folder) from err


def latest_run(root: Path, scenario: str) -> Path:
    """The most recent complete run of a scenario."""
    runs = list_runs(root, scenario)
    if not runs:
        raise ResultsError(f"no complete run of scenario {scenario!r}", source=Path(root))
    return runs[-1]


#: Without a way to ask whether a process lives (Windows), a partial folder counts as
#: abandoned when nothing in it changed for this long.
STALE_AFTER_SECONDS = 24 * 3600


def _take_lock(folder: Path) -> int | None:
    """Create and lock ``folder/.owner.lock``; the descriptor, or None without flock."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: the age decides (see _abandoned)
        return None
    # locked under another name, then renamed: a lock file that exists is always locked
    # by its run, so a cleaner can never take it in the instant before the lock
    tmp = folder / f"{LOCK_FILE}.{os.getpid()}"
    fd = os.open(tmp, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        os.replace(tmp, folder / LOCK_FILE)
    except OSError:
        os.close(fd)
        raise
    return fd


def _lock_free(folder: Path) -> bool | None:
    """Whether the lock file of a partial folder can be taken (its run is gone);
    None when there is no lock file (or no flock) to tell."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        return None
    try:
        fd = os.open(folder / LOCK_FILE, os.O_RDWR)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    except OSError:
        return None
    finally:
        os.close(fd)
    return True


def _abandoned(folder: Path, pid: int, can_signal: bool = os.name == "posix") -> bool:
    """True when the run that owns a partial folder is gone."""
    free = _lock_free(folder)
    if free is not None:
        return free
    if pid == os.getpid():
        return False
    if not can_signal:
        # os.kill(pid, 0) would send Ctrl-C on Windows; go by the age instead.
        newest = max((p.stat().st_mtime for p in folder.rglob("*")), default=0.0)
        newest = max(newest, folder.stat().st_mtime)
        return time.time() - newest > STALE_AFTER_SECONDS
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # exists, owned by someone else
    return False


def clean_partial(root: Path) -> list[Path]:
    """Remove unfinished ``.partial-*`` folders left by killed runs; return them.

    Folders of processes still running (by the pid in the name; on systems without
    that check, folders changed within :data:`STALE_AFTER_SECONDS`) are left alone.
    Each removal is logged, so the command line can say what it cleaned.
    """
    removed = []
    for scenario_dir in _subdirs(Path(root)):
        removed.extend(_clean_scenario_dir(scenario_dir))
    return removed


def _clean_scenario_dir(scenario_dir: Path) -> list[Path]:
    """Remove the abandoned partial folders of one scenario's results; return them."""
    removed = []
    for folder in sorted(_subdirs(scenario_dir)):
        match = _PARTIAL_NAME.fullmatch(folder.name)
        if match is None or not _abandoned(folder, int(match.group(1))):
            continue
        shutil.rmtree(folder, ignore_errors=True)
        if not folder.exists():
            logger.warning("removed unfinished results of an interrupted run: %s", folder)
            removed.append(folder)
    return removed


# -- writing files ------------------------------------------------------------------


def _atomic_write(path: Path, data: bytes | Iterable[bytes]) -> None:
    """Write ``data`` (bytes, or pieces of them as they are made) to a temporary file
    beside ``path``, then replace ``path`` with it: a reader never sees half a file."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as f:
            if isinstance(data, bytes):
                f.write(data)
            else:
                for piece in data:
                    f.write(piece)
        os.replace(tmp, path)
    except OSError as err:
        tmp.unlink(missing_ok=True)
        raise ResultsError(f"cannot write: {err}", source=path) from err
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


class _ConvertedList(list):  # type: ignore[type-arg]
    """A sequence converted by :func:`_jsonable` item by item as it is iterated.

    For :func:`write_json`: json's encoder (the pure-Python one, which an indent
    selects) only asks a list whether it is empty and iterates it, so a long list (a
    state-wide run's hundred thousand KPI rows) is never copied whole (issue 19). It
    holds no items of its own.
    """

    def __init__(self, items: Sequence[Any], where: str) -> None:
        super().__init__()
        self._items, self._where = items, where

    def __len__(self) -> int:
        return len(self._items)

    def __bool__(self) -> bool:
        return bool(self._items)

    def __iter__(self) -> Iterator[Any]:
        for i, item in enumerate(self._items):
            yield _jsonable(item, f"{self._where}[{i}]", lazy=True)


def _jsonable(value: Any, where: str, lazy: bool = False) -> Any:
    """Plain JSON values: NaN/inf -> None, numpy -> Python, tuples -> lists.

    ``lazy``: lists and tuples are converted as they are iterated (:class:`_ConvertedList`).
    """
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if value is None or isinstance(value, str | bool | int):
        return value
    if isinstance(value, Mapping):
        out = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise ResultsError(f"{where}: key {key!r} is not text")
            out[key] = _jsonable(item, f"{where}.{key}", lazy)
        return out
    if isinstance(value, list | tuple):
        if lazy:
            return _ConvertedList(value, where)
        return [_jsonable(item, f"{where}[{i}]") for i, item in enumerate(value)]
    if isinstance(value, Path):
        return value.as_posix()
    if isinstance(value, datetime | date):
        return value.isoformat()
    if hasattr(value, "tolist"):  # numpy scalars and arrays
        return _jsonable(value.tolist(), where, lazy)
    raise ResultsError(f"{where}: cannot write a value of type {type(value).__name__} as JSON")


def dumps_json(obj: Any) -> str:
    """Deterministic JSON text: sorted keys, indent 2, UTF-8 text, NaN/inf as null."""
    return json.dumps(_jsonable(obj, "$"), sort_keys=True, indent=2, ensure_ascii=False) + "\n"


#: JSON tokens joined into one piece of a streamed file (a few hundred KB)
_JSON_PIECE = 8192


def write_json(path: Path, obj: Any) -> None:
    """Write ``obj`` as deterministic JSON (see :func:`dumps_json`: the same bytes),
    atomically.

    Streamed: with an indent, ``json.dumps`` collects one small string per token before
    joining them, which for a state-wide run's summary (a hundred thousand KPI rows of
    eleven fields) was a few hundred MB at once (issue 19); here the tokens go to the
    file a batch at a time.
    """
    encoder = json.JSONEncoder(sort_keys=True, indent=2, ensure_ascii=False)

    def pieces() -> Iterator[bytes]:
        batch: list[str] = []
        # lists converted as the encoder reaches them: not a second copy of the summary
        for token in encoder.iterencode(_jsonable(obj, "$", lazy=True)):
            batch.append(token)
            if len(batch) == _JSON_PIECE:
                yield "".join(batch).encode("utf-8")
                batch.clear()
        batch.append("\n")
        yield "".join(batch).encode("utf-8")

    try:
        _atomic_write(path, pieces())
    except ResultsError as err:
        if err.source is not None:
            raise
        raise ResultsError(err.detail, source=path) from err


def write_csv(path: Path, rows: Iterable[Mapping[str, Any]], fieldnames: Sequence[str]) -> int:
    """Write rows (dicts) as CSV with the event log's formatting; return the row count.

    Cells: ``true``/``false``, float ``repr``, empty for None and NaN; a key not in
    ``fieldnames`` is an error, a missing key an empty cell. Written a batch of rows at
    a time (a state-wide run has a hundred thousand KPI rows; issue 19).
    """
    names = list(fieldnames)
    count = 0

    def pieces() -> Iterator[bytes]:
        nonlocal count
        buffer = io.StringIO(newline="")
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(names)
        for count, row in enumerate(rows, start=1):
            extra = set(row) - set(names)
            if extra:
                raise ResultsError(f"row {count} has unknown columns {sorted(extra)}", source=path)
            try:
                writer.writerow([format_value(row.get(name)) for name in names])
            except TypeError as err:
                raise ResultsError(f"row {count}: {err}", source=path) from err
            if count % _CSV_BATCH == 0:
                yield buffer.getvalue().encode("utf-8")
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue().encode("utf-8")

    _atomic_write(path, pieces())
    return count


#: rows of a CSV file written at a time
_CSV_BATCH = 4096


def snapshot_inputs(files: Iterable[Path]) -> dict[str, bytes]:
    """The bytes of the scenario and BPMN files of a run, by file name, read now.

    A run takes its snapshot when it starts and keeps (and hashes) these bytes, so that
    editing a file during a long run cannot make ``inputs/`` describe another file than
    the one simulated (issue 14). Files are kept under their own names, so two different
    files with the same name cannot both be kept and are refused.
    """
    snapshot: dict[str, bytes] = {}
    seen: dict[str, Path] = {}
    for file in files:
        file = Path(file)
        earlier = seen.get(file.name)
        if earlier is not None:
            if earlier.resolve() == file.resolve():
                continue
            raise ResultsError(
                f"two input files are named {file.name!r} (the other is {earlier}); "
                "rename one, the results keep inputs by file name",
                source=file,
            )
        if not file.is_file():
            raise ResultsError(
                "input file to keep with the results does not exist or is no regular file",
                source=file,
            )
        try:
            snapshot[file.name] = file.read_bytes()
        except OSError as err:
            raise ResultsError(
                f"cannot read the input: {err.strerror or err}", source=file
            ) from err
        seen[file.name] = file
    return snapshot


def write_inputs(folder: Path, snapshot: Mapping[str, bytes]) -> list[Path]:
    """Write a snapshot of the inputs into ``<folder>/inputs/``; return the copies."""
    target_dir = Path(folder) / INPUTS_DIR
    try:
        target_dir.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise ResultsError(f"cannot copy the inputs: {err}", source=target_dir) from err
    result = []
    for name, data in sorted(snapshot.items()):
        _atomic_write(target_dir / name, data)
        result.append(target_dir / name)
    return result


def copy_inputs(folder: Path, files: Iterable[Path]) -> list[Path]:
    """Copy the scenario and BPMN files of a run into ``<folder>/inputs/``; return the copies.

    Files are kept under their own names, so two different files with the same name
    cannot both be kept and are refused.
    """
    return write_inputs(folder, snapshot_inputs(files))
