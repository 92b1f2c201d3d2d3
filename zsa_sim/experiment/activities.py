"""Per-activity statistics: how long work waited at each task, and how long it took.

:class:`ActivityStats` is an event-log sink (it has ``record(row)``); the runner tees it
next to the CSV writer. It keeps a few sums per activity, never the rows, so its memory
grows with the number of activities, not of cases. Its rows are ``activities.csv`` of a
results folder, which the report reads to colour the process map by waiting time.

Definitions (simulation minutes, calendar time, as in the event log):

- a row counts when the activity instance became ready (``enabled``) inside the window
  ``[window_start, window_end)``, so the warm-up is left out, as it is for the KPIs;
- ``count``: such instances; ``started``: those where work began (``start`` known);
  ``completed``: those that finished (``complete`` known). ``count - started`` is work
  still waiting when the run ended: its wait is unknown (censored), so it is counted,
  not averaged;
- ``mean_wait_minutes``: mean of ``start - enabled`` over started instances: the time a
  ready task waited for a free member of staff (for events: for the event);
- ``mean_duration_minutes``: mean of ``complete - start`` over completed instances, in
  calendar minutes (effort is working time; a task of two hours begun at 15:00 may end
  the next morning).

Rows are keyed by (variant, replication, service, municipality, activity_id,
activity_name, activity_type, org_unit): the same task done by the municipality in one
variant and by the ZSA in another gives two rows, which is what the process map shows.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import NamedTuple

import numpy as np

from zsa_sim.errors import ResultsError
from zsa_sim.eventlog.schema import ActivityRecord

#: Columns of ``activities.csv``, in order.
ACTIVITY_FIELDS: tuple[str, ...] = (
    "variant",
    "replication",
    "service",
    "municipality",
    "activity_id",
    "activity_name",
    "activity_type",
    "org_unit",
    "count",
    "started",
    "completed",
    "mean_wait_minutes",
    "mean_duration_minutes",
)

_Key = tuple[str, int, str, str, str, str, str, str]


class ActivityRow(NamedTuple):
    """One activity of one service and municipality in one run (a row of activities.csv)."""

    variant: str
    replication: int
    service: str
    municipality: str
    activity_id: str
    activity_name: str
    activity_type: str
    org_unit: str
    #: instances that became ready in the window (the CSV column ``count``; a field
    #: named count would hide tuple.count)
    instances: int
    started: int
    completed: int
    #: mean of start - enabled over started instances (NaN if none started)
    mean_wait_minutes: float
    #: mean of complete - start over completed instances (NaN if none completed)
    mean_duration_minutes: float


class ActivityStats:
    """Event-log sink that sums waits and durations per activity (see module docstring).

    The sums are numpy columns indexed by a code per key (issue 19: a batch of rows is
    summed column by column). Sums of floats are added in the order the rows came, as
    a loop over the rows would add them (``np.add.at`` adds in index order), so the
    means are the same to the last bit.
    """

    def __init__(self, window_start: float = -math.inf, window_end: float = math.inf) -> None:
        if not window_start < window_end:
            raise ValueError(f"window must not be empty: [{window_start}, {window_end})")
        self.window_start = window_start
        self.window_end = window_end
        #: key -> its code (index into the sums), and the keys by code
        self._codes: dict[_Key, int] = {}
        self._keys: list[_Key] = []
        #: per code: instances, started, completed (int64); waits, durations (float64)
        self._counts = np.zeros((3, 16), dtype=np.int64)
        self._sums = np.zeros((2, 16))

    def record(self, row: ActivityRecord) -> None:
        """Add one activity instance if it became ready inside the window."""
        self.record_many((row,))

    def record_many(self, rows: Sequence[ActivityRecord]) -> None:
        """Add rows in order, as :meth:`record` does one (a :class:`Tee` hands batches)."""
        if rows:
            self.record_columns(rows, list(zip(*rows, strict=True)))

    def record_columns(self, rows: Sequence[ActivityRecord], columns: Sequence[tuple]) -> None:
        """Add rows given also as columns (``zip(*rows)``, which a :class:`Tee` makes
        once for all its sinks)."""
        if not rows:
            return
        enabled, start, complete = np.array(columns[12:15], dtype=float)
        inside = (self.window_start <= enabled) & (enabled < self.window_end)
        # (variant, replication, service, municipality, activity_id, activity_name,
        # activity_type, org_unit) of every row, and its code
        keys = zip(*(columns[i] for i in (3, 4, 1, 2, 5, 6, 7, 10)), strict=True)
        codes = list(map(self._codes.get, keys))
        if None in codes:
            codes = self._new_codes(rows, codes, inside)
        code = np.array(codes, dtype=np.intp)[inside]
        enabled, start, complete = enabled[inside], start[inside], complete[inside]
        started = start == start  # not NaN: work began
        done = started & (complete == complete)
        size = len(self._keys)
        self._counts[0, :size] += np.bincount(code, minlength=size)
        self._counts[1, :size] += np.bincount(code[started], minlength=size)
        self._counts[2, :size] += np.bincount(code[done], minlength=size)
        np.add.at(self._sums[0], code[started], (start - enabled)[started])
        np.add.at(self._sums[1], code[done], (complete - start)[done])

    def _new_codes(
        self, rows: Sequence[ActivityRecord], codes: list[int | None], inside: np.ndarray
    ) -> list[int]:
        """Codes for keys not seen before (of rows inside the window; 0 for the rest)."""
        for i in np.flatnonzero(np.equal(codes, None)).tolist():
            if inside[i]:
                row = rows[i]
                key = (row[3], row[4], row[1], row[2], row[5], row[6], row[7], row[10])
                code = self._codes.get(key)
                if code is None:
                    code = self._add_key(key)
                codes[i] = code
            else:
                codes[i] = 0
        return codes  # type: ignore[return-value]

    def _add_key(self, key: _Key) -> int:
        code = self._codes[key] = len(self._keys)
        self._keys.append(key)
        if code >= self._counts.shape[1]:  # double the columns
            self._counts = np.concatenate([self._counts, np.zeros_like(self._counts)], axis=1)
            self._sums = np.concatenate([self._sums, np.zeros_like(self._sums)], axis=1)
        return code

    def merge(self, other: ActivityStats) -> None:
        """Add another accumulator's sums (e.g. from a worker process that ran other runs).

        Both must use the same window; the sums of keys present in both are added.
        """
        if (other.window_start, other.window_end) != (self.window_start, self.window_end):
            raise ValueError(
                "cannot merge activity statistics of different windows: "
                f"[{self.window_start}, {self.window_end}) and "
                f"[{other.window_start}, {other.window_end})"
            )
        for theirs, key in enumerate(other._keys):
            mine = self._codes.get(key)
            if mine is None:
                mine = self._add_key(key)
            self._counts[:, mine] += other._counts[:, theirs]
            self._sums[:, mine] += other._sums[:, theirs]

    def rows(self) -> list[ActivityRow]:
        """One row per key, sorted by key (independent of the order rows arrived in)."""
        out = []
        for key in sorted(self._codes):
            code = self._codes[key]
            count, started, completed = self._counts[:, code].tolist()
            wait, duration = self._sums[:, code].tolist()
            mean_wait = wait / started if started else math.nan
            mean_duration = duration / completed if completed else math.nan
            out.append(ActivityRow(*key, count, started, completed, mean_wait, mean_duration))
        return out

    def write_csv(self, path: str | Path) -> Path:
        """Write the rows as ``activities.csv``; returns the path."""
        return write_activities(self.rows(), path)


def _cell(value: object) -> str:
    if isinstance(value, float):
        # Fixed rounding, shortest repr: the same sums give the same bytes (and a
        # numpy float, which is a float subclass, prints as a plain number).
        return "" if math.isnan(value) else float.__repr__(round(float(value), 6))
    return str(value)


def write_activities(rows: Iterable[ActivityRow], path: str | Path) -> Path:
    """Write activity rows to a CSV file (UTF-8, ``\\n`` line ends, empty cell = NaN)."""
    path = Path(path)
    try:
        with open(path, "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(ACTIVITY_FIELDS)
            for row in rows:
                writer.writerow([_cell(value) for value in row])
    except OSError as err:
        raise ResultsError(f"cannot write the activity statistics: {err}", source=path) from err
    return path


def read_activities(path: str | Path) -> list[ActivityRow]:
    """Read ``activities.csv`` back into typed rows (ResultsError naming the line if bad)."""
    path = Path(path)
    try:
        with open(path, encoding="utf-8", newline="") as handle:
            return list(_parse(csv.reader(handle), path))
    except OSError as err:
        raise ResultsError(f"cannot read the activity statistics: {err}", source=path) from err


def _parse(reader: Iterator[list[str]], path: Path) -> Iterator[ActivityRow]:
    header = next(reader, None)
    if header is None or tuple(header) != ACTIVITY_FIELDS:
        raise ResultsError(
            f"unexpected header {header!r}, expected {','.join(ACTIVITY_FIELDS)}", source=path
        )
    for number, cells in enumerate(reader, start=2):
        try:
            if len(cells) != len(ACTIVITY_FIELDS):
                raise ValueError(f"{len(cells)} cells, expected {len(ACTIVITY_FIELDS)}")
            (variant, rep, service, municipality, a_id, a_name, a_type, org_unit) = cells[:8]
            count, started, completed = (int(c) for c in cells[8:11])
            wait, duration = (float(c) if c else math.nan for c in cells[11:])
            yield ActivityRow(
                variant,
                int(rep),
                service,
                municipality,
                a_id,
                a_name,
                a_type,
                org_unit,
                count,
                started,
                completed,
                wait,
                duration,
            )
        except ValueError as err:
            raise ResultsError(f"line {number}: {err}", source=path) from err
