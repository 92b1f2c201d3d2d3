"""Weekly utilisation and queue length per pool, from hand-made rows."""

from __future__ import annotations

import math

import numpy as np
import pytest

from zsa_sim.eventlog.schema import ActivityRecord
from zsa_sim.experiment.cases import PoolLoad
from zsa_sim.experiment.weekly import WEEK, QueueByWeek, weekly_rows

DAY = 1440.0
POOL = ("Halle", "clerk")


def task(enabled: float, start: float, kind: str = "userTask") -> ActivityRecord:
    return ActivityRecord(
        case_id="c", service="s", municipality="Halle", variant="v", replication=0,
        activity_id="T", activity_name="T", activity_type=kind, lane="", role=POOL[1],
        org_unit=POOL[0], resource="r" if start == start else "", enabled=enabled,
        start=start, complete=start + 60 if start == start else math.nan, effort=60.0,
        attributes=(),
    )  # fmt: skip


def test_queue_length_is_the_waiting_time_per_week_over_the_week() -> None:
    queue = QueueByWeek(horizon=2 * WEEK)
    queue.record(task(0.0, 3.5 * DAY))  # waits half a week in week 0
    queue.record(task(6 * DAY, 8 * DAY))  # 1 day in week 0, 1 day in week 1
    queue.record(task(13 * DAY, math.nan))  # never begun: waits to the end of the run
    queue.record(task(0.0, 5 * DAY, kind="startEvent"))  # not a task: no queue
    loads = [
        PoolLoad("v", 0, *POOL, "s", np.array([60.0] * 10), 0.0),
        PoolLoad("v", 0, *POOL, "t", np.array([0.0, 60.0]), 0.0),
    ]
    available = {POOL: np.full(14, 480.0)}
    week0, week1 = weekly_rows("v", 0, queue, loads, available)
    assert week0.queue_mean == pytest.approx((3.5 + 1) / 7)
    assert week1.queue_mean == pytest.approx((1 + 1) / 7)
    assert week0.busy_hours == pytest.approx(8.0)  # 7 days x 1 h + 1 h of the other service
    assert week1.busy_hours == pytest.approx(3.0)
    assert week0.available_hours == week1.available_hours == pytest.approx(56.0)
    assert (week0.week, week1.week) == (0, 1)
