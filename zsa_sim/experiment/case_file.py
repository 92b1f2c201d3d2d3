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
                        for chunk in _compressed(_batches(_case_lines(part))):
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
    return len(columns).to_bytes(4, "little") + _compress(_batches(_case_lines(columns)))


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


def _case_lines(columns: CaseColumns) -> Iterator[list[str]]:
    """CSV lines of one run's case columns, a batch at a time, column by column.

    The same cells as the records that :meth:`CaseColumns.__iter__` makes (that order,
    those values), without a record and a :func:`format_value` call per cell: a time is
    written as :func:`_minutes_cell` writes it (rounded to 1e-6, NaN empty, -0.0 as
    0.0), and the text of a stream (variant, replication, service, municipality) and of
    an outcome is formatted once. Case ids are made a batch at a time, as the records
    make them.
    """
    data, total = columns.data, len(columns)
    streams = [
        (f"{_csv_cell(v)},{_csv_cell(r)}", f"{_csv_cell(s)},{_csv_cell(m)}")
        for v, r, s, m, _prefix in columns.streams
    ]
    outcomes = [_csv_cell(o) for o in [*columns.outcomes, ""]]  # code -1: no outcome
    for lo in range(0, total, _CASE_BATCH):
        hi = min(lo + _CASE_BATCH, total)
        codes = data["stream"][lo:hi].tolist()
        ids = [_csv_cell(case_id) for case_id in columns._case_ids(lo, hi)]
        times = [_time_cells(data[name][lo:hi]) for name in _CASE_TIMES]
        outcome = [outcomes[code] for code in data["outcome"][lo:hi].tolist()]
        is_open = ["true" if flag else "false" for flag in data["is_open"][lo:hi].tolist()]
        worker = _time_cells(data["caseworker_start"][lo:hi])
        yield [
            f"{streams[k][0]},{case_id},{streams[k][1]},{','.join(rest)}"
            for k, case_id, *rest in zip(codes, ids, *times, outcome, is_open, worker, strict=True)
        ]


#: The time columns between the municipality and the outcome, in CaseRecord order.
_CASE_TIMES = ("arrival", "first_start", "decision", "end", "applicant_time", "effort_minutes")


def _time_cells(values: np.ndarray) -> list[str]:
    """A column of minutes as :func:`_minutes_cell` writes each value."""
    if values.dtype != np.float64:
        return [_minutes_cell(v) for v in values.tolist()]
    return ["" if v != v else float.__repr__(round(v, 6) + 0.0) for v in values.tolist()]


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
