"""``cases.csv.gz``: one line per case, written as one gzip member per run.

The file is a header member followed by one gzip member per (variant, replication) run.
gzip readers (Python's ``gzip``, pandas, ``zcat``, pm4py) read such a file as one text;
the point of the members is that a run's member can be compressed where the run was
simulated: in the worker process, in parallel with the other runs, and kept with the
run in the result cache. Writing the cases then costs the parent process a copy
instead of formatting and compressing every case (issue 19: ~3 s of a 20 s what-if).
The same cases give the same member bytes wherever they are compressed.

Minutes are written rounded to 1e-6 (a sixtieth of a millisecond, as the event log's
effort): the digits beyond are noise of the float arithmetic, not information, and
they were two thirds of the compressed file (issue 19: the pilot's cases took 12 of
the results folder's 31 MB, now ~8.8).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from zsa_sim import gzipped
from zsa_sim.errors import ResultsError
from zsa_sim.eventlog.csv_log import format_value
from zsa_sim.experiment.cases import CaseColumns, CaseRecord

CASE_FIELDS = CaseRecord._fields
#: Fields in minutes (times since the epoch, durations, effort): written rounded to 1e-6.
MINUTE_FIELDS = (
    "arrival",
    "first_start",
    "decision",
    "end",
    "applicant_time",
    "effort_minutes",
    "caseworker_start",
)
#: Lines joined and compressed per batch: one call per batch instead of one per case.
_CASE_BATCH = 4096


def write_cases(path: Path, parts: Iterable[CaseRecord] | Sequence[CaseColumns | bytes]) -> int:
    """All cases as gzip CSV (times in minutes since the epoch; empty = never).

    ``parts`` is a sequence of runs, each its :class:`CaseColumns` or the member that
    :func:`case_member` made of them (a worker's, or the result cache's), or an
    iterable of case records (written as one member). Returns the number of cases.
    """
    try:
        with open(path, "wb") as out:
            out.write(_compress([",".join(CASE_FIELDS) + "\n"]))
            if isinstance(parts, Sequence) and all(
                isinstance(p, CaseColumns | bytes) for p in parts
            ):
                count = 0
                for part in parts:
                    if isinstance(part, bytes):
                        out.write(memoryview(part)[4:])  # no copy of the member
                        count += int.from_bytes(part[:4], "little")
                    else:  # streamed: a million cases' member is ~40 MB (issue 19)
                        for chunk in _compressed(_case_texts(part)):
                            out.write(chunk)
                        count += len(part)
                return count
            counted = _Counted(_record_lines(parts))  # type: ignore[arg-type]
            for chunk in _compressed(_batches(counted)):
                out.write(chunk)
            return counted.count
    except OSError as err:  # a full disk, a quota (issue 14: it was a raw traceback)
        raise ResultsError(f"cannot write the cases: {_reason(err)}", source=path) from err


def case_member(columns: CaseColumns) -> bytes:
    """One run's cases as the gzip member :func:`write_cases` writes for them.

    Prefixed with the number of cases (4 bytes, little-endian), which ``write_cases``
    strips; made in the worker that simulated the run (see the module docstring).
    """
    return len(columns).to_bytes(4, "little") + _compress(_case_texts(columns))


def _batches(batches: Iterable[list[str]]) -> Iterator[str]:
    for batch in batches:
        if batch:
            yield "\n".join(batch) + "\n"


def _compress(texts: Iterable[str]) -> bytes:
    """One gzip member of the texts (no name, mtime 0: deterministic; :mod:`zsa_sim.gzipped`)."""
    return b"".join(_compressed(texts))


def _compressed(texts: Iterable[str]) -> Iterator[bytes]:
    """The pieces of one gzip member of the texts, as they are compressed (streams)."""
    packer = gzipped.packer()
    for text in texts:
        yield packer.compress(text.encode("utf-8"))
    yield packer.flush()


class _Counted:
    """Batches of lines passed through, counting the lines (a stream has no len)."""

    def __init__(self, batches: Iterable[list[str]]) -> None:
        self._batches = batches
        self.count = 0

    def __iter__(self) -> Iterator[list[str]]:
        for batch in self._batches:
            self.count += len(batch)
            yield batch


def _record_lines(records: Iterable[CaseRecord]) -> Iterator[list[str]]:
    """CSV lines of case records, a batch at a time."""
    batch: list[str] = []
    for record in records:
        batch.append(",".join([f(v) for f, v in zip(_CELL_FORMATS, record, strict=True)]))
        if len(batch) == _CASE_BATCH:
            yield batch
            batch = []
    yield batch


def _case_texts(columns: CaseColumns) -> Iterator[str]:
    """The CSV lines of one run's case columns, a batch of cases at a time, made column
    by column.

    The same cells as the records that :meth:`CaseColumns.__iter__` makes (that order,
    those values) and :func:`_record_lines` writes, without a record and a call per
    cell: the text of a stream (variant, replication, service, municipality) and of an
    outcome is formatted once, a case id is its stream's prefix and its number, the
    minutes are formatted a column at a time (:func:`_minutes_cells`), and the lines
    are joined by ``str.join`` alone (issue 19: the cells one by one were 7 % of
    ``zsa-sim run`` on the three-task benchmark).
    """
    data, total = columns.data, len(columns)
    heads = [f"{_csv_cell(v)},{_csv_cell(r)}" for v, r, _s, _m, _p in columns.streams]
    places = [f"{_csv_cell(s)},{_csv_cell(m)}" for _v, _r, s, m, _p in columns.streams]
    outcomes = [_csv_cell(o) for o in [*columns.outcomes, ""]]  # code -1: no outcome
    prefixes = [prefix or "" for *_, prefix in columns.streams]
    # ids "prefix + number" need no quotes if no prefix does (a number never does);
    # a stream without a prefix has ids of its own
    numbered = all(s[4] is not None for s in columns.streams) and all(
        _csv_cell(p) == p for p in prefixes
    )
    for lo in range(0, total, _CASE_BATCH):
        hi = min(lo + _CASE_BATCH, total)
        codes = data["stream"][lo:hi].tolist()
        if numbered:
            numbers = map(str, data["number"][lo:hi].tolist())
            ids = list(map(str.__add__, map(prefixes.__getitem__, codes), numbers))
        else:
            ids = [_csv_cell(case_id) for case_id in columns._case_ids(lo, hi)]
        cells = [
            map(heads.__getitem__, codes),
            ids,
            map(places.__getitem__, codes),
            *(_minutes_cells(data[name][lo:hi]) for name in _CASE_TIMES),
            map(outcomes.__getitem__, data["outcome"][lo:hi].tolist()),
            map(_FLAGS.__getitem__, data["is_open"][lo:hi].tolist()),
            _minutes_cells(data["caseworker_start"][lo:hi]),
        ]
        yield "\n".join(map(",".join, zip(*cells, strict=True))) + "\n"


#: The time columns between the municipality and the outcome, in CaseRecord order.
_CASE_TIMES = ("arrival", "first_start", "decision", "end", "applicant_time", "effort_minutes")
#: is_open as text, by the flag
_FLAGS = ("false", "true")
#: Minutes of this size or more go one by one: beyond 15 significant digits (9 before
#: the point, 6 after) the fixed-point digits need not be the shortest repr.
_FIXED_MAX = 1e9
#: ... and so do those below 1e-4 (except 0), whose repr is in exponent notation.
_FIXED_MIN = 1e-4


def _minutes_cells(values: np.ndarray) -> list[str]:
    """A column of minutes as :func:`_minutes_cell` writes each value, mostly at C speed.

    For ``1e-4 <= |v| < 1e9`` the cell is ``"%.6f" % v`` without its trailing zeros (one
    kept after the point): ``%.6f`` and ``round(v, 6)`` take the same correctly rounded
    six decimals, and with at most 15 significant digits no shorter decimal gives the
    same float, so that text is exactly ``repr(round(v, 6))``. NaN is empty and zero
    ``0.0``; other values (tiny, huge, infinite) go one by one.
    """
    if values.dtype != np.float64:
        return [_minutes_cell(v) for v in values.tolist()]
    size = np.abs(values)
    fixed = (size >= _FIXED_MIN) & (size < _FIXED_MAX)  # false for NaN
    count = int(np.count_nonzero(fixed))
    if count == len(values):
        return _fixed_cells(values.tolist())
    cells = np.full(len(values), "", dtype=object)  # NaN: empty
    cells[values == 0] = "0.0"  # -0.0 too
    if count:
        cells[fixed] = np.array(_fixed_cells(values[fixed].tolist()), dtype=object)
    for i in np.flatnonzero(~fixed & (size > 0) & ~np.isnan(size)).tolist():
        cells[i] = _minutes_cell(float(values[i]))
    return cells.tolist()  # type: ignore[no-any-return]


def _fixed_cells(values: list[float]) -> list[str]:
    """``%.6f`` of each value without trailing zeros but one after the point."""
    text = ("%.6f\n" * len(values)) % tuple(values)
    for _ in range(5):  # six decimals: strip up to five zeros, one pass per zero
        text = text.replace("0\n", "\n")
    cells = text.split("\n")
    cells.pop()  # after the last line end
    return cells


def _reason(err: OSError) -> str:
    """An OSError's reason without the file name (the message names the file itself)."""
    return err.strerror or str(err) or type(err).__name__


def _minutes_cell(value: Any) -> str:
    """Minutes rounded to 1e-6, as the shortest float text ('' for NaN or None)."""
    if type(value) is not float:
        if value is None:
            return ""
        value = float(value)
    if value != value:
        return ""
    # + 0.0 writes -0.0 (and a tiny negative rounded to it) as 0.0
    return float.__repr__(round(value, 6) + 0.0)


def _csv_cell(value: Any) -> str:
    text = format_value(value)
    if "," in text or '"' in text or "\n" in text:
        return '"' + text.replace('"', '""') + '"'
    return text


#: How each field of a case record is written.
_CELL_FORMATS = tuple(_minutes_cell if name in MINUTE_FIELDS else _csv_cell for name in CASE_FIELDS)
