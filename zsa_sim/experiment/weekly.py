"""Each team's week: utilisation and queue length over the year, not only annual means.

An annual utilisation of 75 % can hide a spring at 100 % with a queue that grows for
months. :class:`QueueByWeek` is an event-log sink that integrates, per staff pool
(org_unit, role) and calendar week of the run, the time task instances spent waiting
for that pool (``[enabled, start)``, or to the end of the run for work never begun). The
integral over a week divided by the week's length is the **mean queue length** (tasks
waiting) in that week. :func:`weekly_rows` adds the work begun per week (from the case
table's pool loads) and the pool's available minutes per week, so that
``busy / available`` is the week's **utilisation**. Weeks are 7-day blocks from the
run's epoch (week 0 holds the epoch's day), the last one possibly shorter.

Rows are plain tuples (picklable from workers) and become ``pools_weekly.csv``.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import NamedTuple

import numpy as np

from zsa_sim.bpmn.model import TASK_KINDS
from zsa_sim.engine.calendar import MINUTES_PER_DAY
from zsa_sim.eventlog.schema import ActivityRecord
from zsa_sim.experiment.cases import PoolKey, PoolLoad

WEEK = 7 * MINUTES_PER_DAY
_TASKS = frozenset(TASK_KINDS)
#: the file the runner writes the rows to
WEEKLY_FILE = "pools_weekly.csv"


class WeeklyRow(NamedTuple):
    """One pool's week in one run."""

    variant: str
    replication: int
    org_unit: str
    role: str
    #: week number from the run's epoch (week 0 starts on the epoch's day)
    week: int
    busy_hours: float
    available_hours: float
    #: mean number of task instances waiting for the pool during the week
    queue_mean: float


class QueueByWeek:
    """Event-log sink: minutes of waiting per pool and week (see the module docstring)."""

    def __init__(self, horizon: float) -> None:
        self.horizon = horizon
        self.waiting: dict[PoolKey, defaultdict[int, float]] = {}

    def record(self, row: ActivityRecord) -> None:
        """Add a task row's wait for its pool, split over the weeks it spans."""
        self.record_many((row,))

    def record_many(self, rows: Iterable[ActivityRecord]) -> None:
        """Add rows in order, as :meth:`record` does one (a ``Tee`` hands batches)."""
        # This loop runs for every row of the log: locals instead of attribute lookups,
        # one unpacking of the row, and a pool's weeks looked up, not a new defaultdict
        # made for setdefault each time.
        waiting, horizon = self.waiting, self.horizon
        for row in rows:
            (_c, _s, _m, _v, _r, _i, _n, kind, _l, role, org_unit, _res, lo, start, _done,
             _effort, _a) = row  # fmt: skip
            if kind not in _TASKS or not org_unit or not role:
                continue
            hi = start if start == start else horizon
            if not hi > lo:
                continue
            weeks = waiting.get((org_unit, role))
            if weeks is None:
                weeks = waiting[(org_unit, role)] = defaultdict(float)
            week = int(lo // WEEK)
            if hi <= (week + 1) * WEEK:  # most waits lie within one week
                weeks[week] += hi - lo
                continue
            while lo < hi:
                end = min(hi, (week + 1) * WEEK)
                weeks[week] += end - lo
                lo, week = end, week + 1


def weekly_rows(
    variant: str,
    replication: int,
    queue: QueueByWeek,
    loads: Iterable[PoolLoad],
    available_minutes: Mapping[PoolKey, Sequence[float] | np.ndarray],
) -> list[WeeklyRow]:
    """The weekly rows of one run, for every pool with availability or work."""
    busy: dict[PoolKey, np.ndarray] = {}
    for load in loads:
        days = np.asarray(load.busy_by_day, dtype=float)
        have = busy.get(load.pool)
        if have is None or len(have) < len(days):
            grown = np.zeros(len(days))
            if have is not None:
                grown[: len(have)] = have
            have = grown
        have[: len(days)] += days
        busy[load.pool] = have
    days_total = math.ceil(queue.horizon / MINUTES_PER_DAY)
    n_weeks = max(1, math.ceil(days_total / 7))
    out = []
    for pool in sorted(set(busy) | set(available_minutes) | set(queue.waiting)):
        by_week_busy = _by_week(busy.get(pool, np.zeros(0)), n_weeks)
        by_week_available = _by_week(np.asarray(available_minutes.get(pool, ()), float), n_weeks)
        waits = queue.waiting.get(pool, {})
        for week in range(n_weeks):
            length = min(WEEK, queue.horizon - week * WEEK)
            if length <= 0:
                break
            out.append(
                WeeklyRow(
                    variant,
                    replication,
                    pool[0],
                    pool[1],
                    week,
                    by_week_busy[week] / 60,
                    by_week_available[week] / 60,
                    waits.get(week, 0.0) / length,
                )
            )
    return out


def _by_week(days: np.ndarray, n_weeks: int) -> np.ndarray:
    padded = np.zeros(n_weeks * 7)
    take = min(len(days), len(padded))
    padded[:take] = days[:take]
    return padded.reshape(n_weeks, 7).sum(axis=1)
