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
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

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


@dataclass(slots=True)
class _Sums:
    count: int = 0
    started: int = 0
    completed: int = 0
    wait: float = 0.0
    duration: float = 0.0


class ActivityStats:
    """Event-log sink that sums waits and durations per activity (see module docstring)."""

    def __init__(self, window_start: float = -math.inf, window_end: float = math.inf) -> None:
        if not window_start < window_end:
            raise ValueError(f"window must not be empty: [{window_start}, {window_end})")
        self.window_start = window_start
        self.window_end = window_end
        self._sums: dict[_Key, _Sums] = {}

    def record(self, row: ActivityRecord) -> None:
        """Add one activity instance if it became ready inside the window."""
        self.record_many((row,))

    def record_many(self, rows: Iterable[ActivityRecord]) -> None:
        """Add rows in order, as :meth:`record` does one (a :class:`Tee` hands batches)."""
        # This loop runs for every row of the log: the window and the sums are locals,
        # and one unpacking replaces 17 attribute lookups.
        window_start, window_end, sums_of = self.window_start, self.window_end, self._sums
        for row in rows:
            (_c, service, municipality, variant, replication, activity_id, activity_name,
             activity_type, _l, _r, org_unit, _res, enabled, start, complete, _e,
             _a) = row  # fmt: skip
            if not window_start <= enabled < window_end:
                continue
            key = (
                variant,
                replication,
                service,
                municipality,
                activity_id,
                activity_name,
                activity_type,
                org_unit,
            )
            sums = sums_of.get(key)
            if sums is None:
                sums = sums_of[key] = _Sums()
            sums.count += 1
            if start == start:  # not NaN: work began
                sums.started += 1
                sums.wait += float(start - enabled)
                if complete == complete:
                    sums.completed += 1
                    sums.duration += float(complete - start)

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
        for key, theirs in other._sums.items():
            mine = self._sums.get(key)
            if mine is None:
                mine = self._sums[key] = _Sums()
            mine.count += theirs.count
            mine.started += theirs.started
            mine.completed += theirs.completed
            mine.wait += theirs.wait
            mine.duration += theirs.duration

    def rows(self) -> list[ActivityRow]:
        """One row per key, sorted by key (independent of the order rows arrived in)."""
        out = []
        for key in sorted(self._sums):
            s = self._sums[key]
            wait = s.wait / s.started if s.started else math.nan
            duration = s.duration / s.completed if s.completed else math.nan
            out.append(ActivityRow(*key, s.count, s.started, s.completed, wait, duration))
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
