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
