"""The event log: one flat, typed row per activity instance.

The engine emits :class:`ActivityRecord` rows to a sink; KPIs, charts and the CSV and
XES exports read rows and nothing else (the engine is never asked afterwards). Times are
simulation minutes since the run's epoch; exports turn them into calendar datetimes.

Rows are written when an activity instance completes. When a run ends, the instances
still waiting or in progress are written with ``start`` and/or ``complete`` as NaN, so
open work at the end is visible rather than silently dropped. Start and end events are
rows too (zero duration): a case's start-event row is its arrival, a case without an
end-event row was still open at the end. Gateways are not logged.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import NamedTuple, Protocol

from zsa_sim.engine.setup import Scalar


class ActivityRecord(NamedTuple):
    """One activity instance of one case."""

    case_id: str
    service: str
    municipality: str
    variant: str
    replication: int
    activity_id: str
    activity_name: str
    #: BPMN element name: userTask, startEvent, intermediateCatchEvent, ...
    activity_type: str
    lane: str
    #: for tasks the role of the staff pool that did the work; for events the lane's role
    role: str
    org_unit: str
    #: the staff member (e.g. "Halle/front_office#2"); empty for events.
    resource: str
    #: when the token reached the activity (minutes since epoch)
    enabled: float
    #: when work began (NaN if it never began)
    start: float
    #: when it finished (NaN if still open at the end of the run)
    complete: float
    #: working minutes of effort (0 for events); drawn even for work still queued
    effort: float
    #: case attribute values, in the order of the log's attribute names
    attributes: tuple[Scalar, ...]


#: Column names of the flat (CSV) form, before the attribute columns.
CORE_FIELDS: tuple[str, ...] = tuple(f for f in ActivityRecord._fields if f != "attributes")


class EventLogSink(Protocol):
    """Where the engine sends rows: a list, a CSV writer, a KPI accumulator, or a tee.

    A sink may also have ``record_many(rows)``, which takes a list of rows in order, as
    that many calls of ``record`` would (and keeps no reference to the list). The engine
    then hands it the rows in batches (:data:`zsa_sim.engine.tokens.ROW_BATCH`), all of
    them by the end of the run: a sink's loop over a batch keeps its code and data in
    the processor's caches, where one row at a time between SimPy steps does not (issue
    19: the three sinks of a pilot replication cost ~1.1 s CPU fed row by row, ~0.45 s
    in batches).
    """

    def record(self, row: ActivityRecord) -> None:
        """Take one row."""


class ListSink:
    """Keeps every row in memory (tests and small runs)."""

    def __init__(self) -> None:
        self.rows: list[ActivityRecord] = []

    def record(self, row: ActivityRecord) -> None:
        """Append the row."""
        self.rows.append(row)

    def record_many(self, rows: list[ActivityRecord]) -> None:
        """Append the rows."""
        self.rows.extend(rows)


class Tee:
    """Sends every row to several sinks, e.g. the CSV file and the KPI accumulator."""

    def __init__(self, *sinks: EventLogSink) -> None:
        self.sinks = sinks

    def record(self, row: ActivityRecord) -> None:
        """Forward the row to every sink."""
        for sink in self.sinks:
            sink.record(row)

    def record_many(self, rows: list[ActivityRecord]) -> None:
        """Forward the rows to every sink, each taking the whole batch before the next."""
        for sink in self.sinks:
            record_many = getattr(sink, "record_many", None)
            if record_many is not None:
                record_many(rows)
            else:
                record = sink.record
                for row in rows:
                    record(row)


def is_open(value: float) -> bool:
    """True for a start or complete time that never happened (NaN)."""
    return math.isnan(value)


def activity_ids(rows: Iterable[ActivityRecord]) -> list[str]:
    """The activity ids of rows, in order (handy in tests: the path a case took)."""
    return [row.activity_id for row in rows]
