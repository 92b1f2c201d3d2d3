"""The event-log row and the Tee that hands rows to several sinks."""

import math

from zsa_sim.eventlog.schema import ActivityRecord, ListSink, Tee


def _row(n: int) -> ActivityRecord:
    return ActivityRecord(
        f"s:m:{n}", "s", "m", "v", 0, "t", "Task", "userTask", "lane", "role", "org",
        "org/pool#1", float(n), float(n), math.nan, 1.0, (),
    )  # fmt: skip


class _Many:
    """A sink that takes batches (and counts them)."""

    def __init__(self) -> None:
        self.rows: list[ActivityRecord] = []
        self.batches = 0

    def record(self, row: ActivityRecord) -> None:
        self.record_many((row,))

    def record_many(self, rows) -> None:
        self.batches += 1
        self.rows.extend(rows)


def test_a_tee_hands_each_row_on_at_once():
    a, b = ListSink(), ListSink()
    tee = Tee(a, b)
    tee.record(_row(1))
    assert a.rows == b.rows == [_row(1)]


def test_a_tee_hands_a_batch_to_each_sink_in_order_whether_it_takes_batches_or_not():
    class _One:
        def __init__(self) -> None:
            self.rows: list[ActivityRecord] = []

        def record(self, row: ActivityRecord) -> None:
            self.rows.append(row)

    one, many, listed = _One(), _Many(), ListSink()
    tee = Tee(one, many, listed)
    tee.record_many([_row(n) for n in range(3)])
    tee.record(_row(3))
    tee.record_many([_row(4)])
    assert one.rows == many.rows == listed.rows == [_row(n) for n in range(5)]
    assert many.batches == 3


def test_a_tee_makes_the_columns_of_a_batch_once_for_the_sinks_that_take_them():
    class _Columns(_Many):
        def __init__(self) -> None:
            super().__init__()
            self.columns: list[list[tuple]] = []

        def record_columns(self, rows, columns) -> None:
            self.columns.append(columns)
            self.record_many(rows)

    first, second, many = _Columns(), _Columns(), _Many()
    tee = Tee(first, many, second)
    rows = [_row(n) for n in range(3)]
    tee.record_many(rows)
    assert first.columns[0] is second.columns[0]  # made once
    assert first.columns[0] == [tuple(r[k] for r in rows) for k in range(17)]
    assert first.rows == second.rows == many.rows == rows
