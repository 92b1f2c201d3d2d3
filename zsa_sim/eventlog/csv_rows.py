"""The text of event-log rows in the CSV file: one row's line, or a batch's lines at once.

:class:`RowText` turns :class:`~zsa_sim.eventlog.schema.ActivityRecord` rows into the
lines of :class:`~zsa_sim.eventlog.csv_log.CsvEventLogWriter` (the layout is described
there) and tracks the types of the attribute columns for the metadata file. It has two
paths that give the same text, character for character:

* :meth:`RowText.line`: one row, in Python (and the error that names a bad row);
* :meth:`RowText.lines`: a batch, as the engine hands it (``record_many``). Per batch,
  not per row: the times of all rows are rounded and split into day, minute and second
  by numpy and their text looked up in tables; the cells that repeat (an activity with
  its staff member, a case's attribute cells) are looked up with one ``map`` per column;
  the lines are joined once. Only what is new to the caches (a case's first row) and
  the effort of work done are formatted one by one. A batch this path does not take
  exactly (a time that is not a float, or one too large) goes row by row (issue 19: the
  writer was a fifth of ``zsa-sim run`` on the three-task benchmark).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, timedelta
from itertools import chain
from operator import itemgetter
from pathlib import Path
from typing import Any

from zsa_sim.errors import ResultsError
from zsa_sim.eventlog.schema import ActivityRecord

#: Attribute type names as recorded in the metadata file.
TYPE_NAMES = {bool: "bool", int: "int", float: "float", str: "str"}
#: bound of the caches of activity and attribute cells (cleared when full)
_CACHE_SIZE = 4096
#: cases whose cells are cached (the pilot has about a thousand open at a time)
_CASE_CACHE_SIZE = 1 << 14
#: Times of more seconds than this (~285 million years) go the row path, which counts
#: in Python integers and fails with a named error past year 9999.
_MAX_SECONDS = 2.0**53
#: a batch whose times span fewer days looks their dates up by day (else: np.unique)
_DAY_SPAN = 4096
# The hot paths read rows by position; fail loudly if the schema moves.
if ActivityRecord._fields[12:17] != ("enabled", "start", "complete", "effort", "attributes"):
    raise RuntimeError("csv_rows expects ActivityRecord fields in their documented order")
#: the cells service ... resource of a row: the part that repeats per activity and staff
_MIDDLE = itemgetter(slice(1, 12))


def format_value(value: Any) -> str:
    """One attribute value as CSV text: true/false, ints, float repr, '' for NaN/None."""
    kind = type(value)
    if kind is str:
        return value
    if kind is bool:
        return "true" if value else "false"
    if kind is int:
        return str(value)
    if kind is float:
        # + 0.0 writes -0.0 as 0.0: equal values must give equal text (cells are cached).
        return "" if value != value else float.__repr__(value + 0.0)
    return _format_other(value)


def _format_other(value: Any) -> str:
    if value is None:
        return ""
    if hasattr(value, "item") and not isinstance(value, str | bytes):  # numpy scalars
        value = value.item()
        if type(value) in TYPE_NAMES:
            return format_value(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, float):
        return "" if math.isnan(value) else float.__repr__(float(value) + 0.0)
    if isinstance(value, str):
        return str.__str__(value)
    raise TypeError(f"cannot write a value of type {type(value).__name__}: {value!r}")


def _type_name(value: Any) -> str | None:
    """The metadata type of an attribute value; None for a missing value (None)."""
    kind = type(value)
    name = TYPE_NAMES.get(kind)
    if name is not None:
        return name
    if value is None:
        return None
    if hasattr(value, "item"):
        return _type_name(value.item())
    for base, base_name in TYPE_NAMES.items():
        if isinstance(value, base):
            return base_name
    return "str"


def _widen(old: str | None, new: str | None) -> str | None:
    if old is None or old == new:
        return new
    if new is None:
        return old
    if {old, new} == {"int", "float"}:
        return "float"
    return "str"


class WallClock:
    """Formats simulation minutes as local datetimes to the second, quickly.

    The hot path is one rounding, one division and string lookups: dates are cached per
    day, ``THH:MM:`` and ``SS`` come from small precomputed tables.
    """

    def __init__(self, epoch: datetime, source: str | Path | None = None) -> None:
        if epoch.tzinfo is not None:
            raise ResultsError(
                f"epoch {epoch.isoformat()} must be a local (naive) datetime", source=source
            )
        if epoch.microsecond:
            raise ResultsError(f"epoch {epoch.isoformat()} must be a whole second", source=source)
        self.epoch = epoch
        self._day0 = epoch.date()
        self._offset = epoch.hour * 3600 + epoch.minute * 60 + epoch.second
        self._dates: dict[int, str] = {}

    def format(self, t: float) -> str:
        """Minutes since the epoch -> ``YYYY-MM-DDTHH:MM:SS``; '' for NaN."""
        if t != t:
            return ""
        second = round(t * 60.0) + self._offset
        day = second // 86400
        second -= day * 86400
        text = self._dates.get(day)
        if text is None:
            text = self.date_text(day)
        return text + _HOUR_MINUTE[second // 60] + _SECOND[second % 60]

    @property
    def offset_seconds(self) -> int:
        """Seconds from the epoch's midnight to the epoch."""
        return self._offset

    def date_text(self, day: int) -> str:
        """``YYYY-MM-DD`` of a day counted from the epoch's day (cached)."""
        text = self._dates.get(day)
        if text is None:
            text = self._dates[day] = (self._day0 + timedelta(days=day)).isoformat()
        return text


_HOUR_MINUTE = [f"T{m // 60:02d}:{m % 60:02d}:" for m in range(1440)]
_SECOND = [f"{s:02d}" for s in range(60)]
#: for the batch path: the tables with the comma after the seconds, and a last entry
#: each for a time that never happened (an empty cell)
_HOUR_MINUTE_CELL = [*_HOUR_MINUTE, ""]
_SECOND_CELL = [*(s + "," for s in _SECOND), ","]


def format_effort(effort: float) -> str:
    """Working minutes rounded to 1e-6 without trailing zeros; '' for NaN."""
    if effort != effort:
        return ""
    text = f"{effort:.6f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def quote(text: str) -> str:
    """A CSV cell: quoted (with doubled quotes) only when it holds , " or a line break."""
    if '"' in text:
        return '"' + text.replace('"', '""') + '"'
    if "," in text or "\n" in text or "\r" in text:
        return '"' + text + '"'
    return text


def _cell(value: Any) -> str:
    return quote(format_value(value))


class RowText:
    """The lines of an event log's rows (see the module docstring), and the types seen
    in its attribute columns."""

    def __init__(
        self, epoch: datetime, attribute_names: tuple[str, ...], source: str | Path | None
    ) -> None:
        self.attribute_names = attribute_names
        self.source = source
        self.clock = WallClock(epoch, source)
        #: the metadata type of each attribute column so far (None: only missing values)
        self.types: list[str | None] = [None] * len(attribute_names)
        self._last_types: tuple[type, ...] = ()
        # Formatted text of the columns that repeat across many rows: (service ...
        # resource) per activity and staff member, and per case its quoted id and
        # attribute cells. Bounded: cleared when full, so memory stays flat for any
        # number of cases.
        self._activity_cells: dict[tuple[Any, ...], str] = {}
        self._attribute_cells: dict[tuple[tuple[Any, ...], tuple[type, ...]], str] = {}
        #: case id -> (the row's attribute tuple, quoted case id, ",a,b,c")
        self._case_cells: dict[str, tuple[tuple[Any, ...], str, str]] = {}
        #: the batch path's: service ... resource -> ",service,...,resource,"
        self._middles: dict[tuple[Any, ...], str] = {}
        #: the batch path's: id of an attribute tuple -> ",a,b,c\n". The tuples are held
        #: in ``_held`` while their ids are keys, so that an id is not reused meanwhile.
        self._tails: dict[int, str] = {}
        self._held: list[tuple[Any, ...]] = []

    # -- one row ------------------------------------------------------------------------

    def line(self, row: ActivityRecord) -> str:
        """One row's line; a ResultsError naming case and activity if it cannot be written.

        The columns that repeat are cached as text (per activity and resource, and per
        case: the engine hands every row of a case the same attribute tuple), times are
        formatted from lookup tables.
        """
        try:
            key = row[1:12]  # service ... resource
            middle = self._activity_cells.get(key)
            if middle is None:
                middle = self._activity_text(key)
            case = self._case_cells.get(row[0])
            if case is None or case[0] is not row[16]:
                case = self._case_text(row)
            ts = self.clock.format
            enabled, start, complete, effort = row[12], row[13], row[14], row[15]
            # Events and work picked up at once share their times: format them once.
            enabled_text = ts(enabled)
            start_text = enabled_text if start == enabled else ts(start)
            complete_text = start_text if complete == start else ts(complete)
            # effort 0 (every event) needs no formatting; -0.0 == 0 writes "0" too
            effort_text = "0" if effort == 0 else format_effort(effort)
            return (
                f"{case[1]},{middle},{enabled_text},{start_text},{complete_text},"
                f"{effort_text}{case[2]}\n"
            )
        except (TypeError, ValueError, OverflowError) as err:
            raise ResultsError(
                f"case {row.case_id!r}, activity {row.activity_id!r}: cannot write the row: {err}",
                source=self.source,
            ) from err

    def _activity_text(self, key: tuple[Any, ...]) -> str:
        if len(self._activity_cells) >= _CACHE_SIZE:
            self._activity_cells.clear()
        text = self._activity_cells[key] = ",".join(map(_cell, key))
        return text

    def _case_text(self, row: ActivityRecord) -> tuple[tuple[Any, ...], str, str]:
        """A case's quoted id and attribute cells (",a,b,c"), checked and type-tracked."""
        attributes = row.attributes
        tail = self._tail(row, attributes)
        entry = (attributes, quote(row.case_id), tail)
        if len(self._case_cells) >= _CASE_CACHE_SIZE:
            self._case_cells.clear()
        self._case_cells[row.case_id] = entry
        return entry

    def _tail(self, row: ActivityRecord, attributes: tuple[Any, ...]) -> str:
        """The attribute cells of a row (",a,b,c"), checked and type-tracked."""
        # Keyed with the types too: 1, 1.0 and True are equal but print differently.
        kinds = tuple(map(type, attributes))
        key = (attributes, kinds)
        tail = self._attribute_cells.get(key)
        if tail is not None:
            return tail
        if len(attributes) != len(self.attribute_names):
            raise ResultsError(
                f"case {row.case_id!r}: {len(attributes)} attribute values for "
                f"{len(self.attribute_names)} attribute columns",
                source=self.source,
            )
        if kinds != self._last_types:
            types = self.types
            for i, value in enumerate(attributes):
                types[i] = _widen(types[i], _type_name(value))
            self._last_types = kinds
        tail = "," + ",".join(map(_cell, attributes)) if attributes else ""
        if len(self._attribute_cells) >= _CACHE_SIZE:
            self._attribute_cells.clear()
        self._attribute_cells[key] = tail
        return tail

    # -- a batch ------------------------------------------------------------------------

    def lines(self, rows: Sequence[ActivityRecord]) -> str:
        """The lines of rows in order, as many :meth:`line` calls give them, joined.

        Column by column (see the module docstring); rows the batch path does not take
        (a bad value, a time that is not a float) are formatted one by one instead,
        which gives their text or the error naming the first bad row.
        """
        if not rows:
            return ""
        types, last_types = list(self.types), self._last_types
        try:
            text = self._batch(rows)
        except (TypeError, ValueError, OverflowError, ResultsError):
            text = None
        if text is None:
            # the types as before the batch: the rows one by one track them again, up
            # to the bad row (a later row's values must not count if it is not written)
            self.types[:], self._last_types = types, last_types
            return "".join(map(self.line, rows))
        return text

    def _batch(self, rows: Sequence[ActivityRecord]) -> str | None:
        columns = list(zip(*rows, strict=True))
        times = columns[12] + columns[13] + columns[14]
        if set(map(type, times)) != {float}:  # ints, numpy floats: the row path
            return None
        cells = self._time_cells(times)
        if cells is None:
            return None
        dates, minutes, seconds = cells
        n = len(rows)
        case_ids = columns[0]
        joined = "\0".join(case_ids)  # one look for the characters that need quotes
        if '"' in joined or "," in joined or "\n" in joined or "\r" in joined:
            case_ids = tuple(map(quote, case_ids))
        # as format_effort, inline (a call per row costs a third more); effort 0 (every
        # event) needs no formatting, and -0.0 == 0 writes "0" too
        efforts = [
            "0" if e == 0 else "" if e != e else f"{e:.6f}".rstrip("0").rstrip(".")
            for e in columns[15]
        ]
        if "-0" in efforts:
            efforts = ["0" if e == "-0" else e for e in efforts]
        return "".join(
            chain.from_iterable(
                zip(
                    case_ids,
                    self._middle_cells(rows),
                    dates[:n], minutes[:n], seconds[:n],
                    dates[n : 2 * n], minutes[n : 2 * n], seconds[n : 2 * n],
                    dates[2 * n :], minutes[2 * n :], seconds[2 * n :],
                    efforts,
                    self._tail_cells(rows, columns[16]),
                    strict=True,
                )
            )
        )  # fmt: skip

    def _middle_cells(self, rows: Sequence[ActivityRecord]) -> list[str]:
        """The cells ``,service,...,resource,`` of each row, from the cache (filled for
        new ones)."""
        middles = self._middles
        # each key tuple is dropped after its lookup: a batch of 1,024 live tuples would
        # set off the cycle collector
        cells = list(map(middles.get, map(_MIDDLE, rows)))
        if None in cells:
            keys = list(map(_MIDDLE, rows))
            if len(middles) >= _CACHE_SIZE:
                middles.clear()
            for key in set(keys).difference(middles):
                middles[key] = "," + ",".join(map(_cell, key)) + ","
            cells = list(map(middles.__getitem__, keys))
        return cells

    def _tail_cells(self, rows: Sequence[ActivityRecord], attributes: Sequence[Any]) -> list[str]:
        """The attribute cells and line end ``,a,b,c\\n`` of each row, by the identity of
        its attribute tuple (one per case from the engine), from the cache (filled for
        new ones)."""
        ids = list(map(id, attributes))
        tails = self._tails
        cells = list(map(tails.get, ids))
        if None in cells:
            if len(tails) >= _CASE_CACHE_SIZE:
                tails.clear()
                self._held.clear()
            # the first row of each tuple new to the cache (the one an error names)
            first = dict(zip(reversed(ids), range(len(ids) - 1, -1, -1), strict=True))
            for key, i in first.items():
                if key not in tails:
                    tuple_ = attributes[i]
                    tails[key] = self._tail(rows[i], tuple_) + "\n"
                    self._held.append(tuple_)
            cells = list(map(tails.__getitem__, ids))
        return cells

    def _time_cells(
        self, minutes: Sequence[float]
    ) -> tuple[list[str], list[str], list[str]] | None:
        """The date, ``THH:MM:`` and ``SS,`` parts of each time (empty, empty and ","
        for NaN): :meth:`WallClock.format`'s arithmetic element-wise (``np.rint`` rounds
        half to even as ``round`` does; ``//`` floors as Python's does). None if a time
        is infinite or too large for it."""
        import numpy as np

        seconds = np.array(minutes, dtype=float) * 60.0
        never = np.isnan(seconds)
        any_never = bool(never.any())
        if any_never:
            seconds[never] = 0.0
        if not (np.abs(seconds) < _MAX_SECONDS).all():  # also false for inf
            return None
        whole = np.rint(seconds).astype(np.int64) + self.clock.offset_seconds
        day = whole // 86400
        of_day = whole - day * 86400
        first, last = int(day.min()), int(day.max())
        if last - first < _DAY_SPAN:  # the dates of the days the batch spans
            dates = [*map(self.clock.date_text, range(first, last + 1)), ""]
            at = day - first
        else:  # the dates of the days it has
            days, at = np.unique(day, return_inverse=True)
            dates = [*map(self.clock.date_text, days.tolist()), ""]
        minute, second = of_day // 60, of_day % 60
        if any_never:
            at[never], minute[never], second[never] = len(dates) - 1, 1440, 60
        return (
            list(map(dates.__getitem__, at.tolist())),
            list(map(_HOUR_MINUTE_CELL.__getitem__, minute.tolist())),
            list(map(_SECOND_CELL.__getitem__, second.tolist())),
        )
