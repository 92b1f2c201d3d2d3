"""The event-log row and the Tee that hands rows to several sinks."""

import math

import pytest

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


def test_an_unbatched_tee_hands_each_row_on_at_once():
    a, b = ListSink(), ListSink()
    tee = Tee(a, b)
    tee.record(_row(1))
    assert a.rows == b.rows == [_row(1)]


def test_a_batched_tee_hands_every_row_in_order_when_full_and_on_flush():
    plain, many = ListSink(), _Many()
    tee = Tee(plain, many, batch=3)
    for n in range(7):
        tee.record(_row(n))
    # two full batches handed on, the seventh row kept until flush
    assert plain.rows == many.rows == [_row(n) for n in range(6)]
    assert many.batches == 2
    tee.flush()
    tee.flush()  # nothing left: no empty batch
    assert plain.rows == many.rows == [_row(n) for n in range(7)]
    assert many.batches == 3


def test_a_batch_must_hold_a_row():
    with pytest.raises(ValueError, match="batch"):
        Tee(ListSink(), batch=0)
