"""A hand-written SimPy model of the pilot: the ceiling SimPy allows for its workload.

Writing the pilot's two BPMN processes by hand (lanes, loops for missing documents,
event-based gateways, boundary timers, hand-overs) would be a second engine. Instead the
hand-written model *replays* each case's path as zsa-sim took it: the same arrivals,
the same tasks in the same staff pools with the same efforts on the same working
calendars, the same applicant waits (catch events) and hand-over delays. It does the
SimPy work a direct model of this process would do (one process per case, a
``simpy.Resource`` per pool, a timeout per wait and per task) and nothing else: no
gateway decisions, no boundary timers, no event-log rows. Its cases per second are
therefore an upper bound for any SimPy model of the pilot, and zsa-sim's share of it
is its overhead for being a general BPMN engine. (Parallel branches are replayed one
after the other; the pilot has one short parallel split, so the event count is nearly
the same.)
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import simpy

from zsa_sim.engine.setup import SimulationSetup
from zsa_sim.engine.staff import StaffMember, build_members
from zsa_sim.eventlog.schema import ActivityRecord

TASK_TYPES = {
    "task",
    "userTask",
    "manualTask",
    "sendTask",
    "serviceTask",
    "receiveTask",
    "scriptTask",
    "businessRuleTask",
}


@dataclass(frozen=True)
class Replay:
    """Each case's steps: (arrival, [(pool or None, effort or wait, delay before)])."""

    cases: list[tuple[float, list[tuple[str | None, float, float]]]]
    pools: dict[str, list[StaffMember]]
    horizon: float


class RowCollector:
    """An event-log sink that keeps the rows the replay needs (tasks, catch events)."""

    def __init__(self) -> None:
        self.rows: list[ActivityRecord] = []

    def record(self, row: ActivityRecord) -> None:
        self.rows.append(row)


def replay_input(setup: SimulationSetup, rows: list[ActivityRecord]) -> Replay:
    """Cut a run's event log into per-case steps for the hand-written model."""
    by_case: dict[str, list[ActivityRecord]] = {}
    for row in rows:
        by_case.setdefault(row.case_id, []).append(row)
    cases = []
    for case_rows in by_case.values():
        arrival = next((r.enabled for r in case_rows if r.activity_type == "startEvent"), None)
        if arrival is None:
            continue
        steps: list[tuple[str | None, float, float]] = []
        last = arrival
        for r in sorted(case_rows, key=lambda r: (r.enabled, r.complete)):
            if math.isnan(r.complete):
                continue
            if r.activity_type in TASK_TYPES and r.resource:
                pool = r.resource.rpartition("#")[0]
                steps.append((pool, r.effort, max(r.enabled - last, 0.0)))
                last = r.complete
            elif r.activity_type == "intermediateCatchEvent":
                steps.append((None, r.complete - r.enabled, max(r.enabled - last, 0.0)))
                last = r.complete
        cases.append((arrival, steps))
    cases.sort(key=lambda c: c[0])
    pools = {
        pool_id: build_members(spec, setup.seed, setup.replication, setup.horizon)[0]
        for pool_id, spec in setup.pools.items()
    }
    return Replay(cases, pools, setup.horizon)


def run_replay(replay: Replay) -> int:
    """Run the hand-written model; returns the number of cases that finished."""
    env = simpy.Environment()
    resources = {p: simpy.Resource(env, len(m)) for p, m in replay.pools.items()}
    worker = {p: m[0] for p, m in replay.pools.items()}
    done = 0

    def case(steps: list[tuple[str | None, float, float]]) -> Iterator[simpy.Event]:
        nonlocal done
        for pool, amount, before in steps:
            if before > 0:
                yield env.timeout(before)
            if pool is None:
                yield env.timeout(amount)
                continue
            with resources[pool].request() as request:
                yield request
                now = env.now
                yield env.timeout(worker[pool].finish_time(now, amount) - now)
        done += 1

    def source() -> Iterator[simpy.Event]:
        for arrival, steps in replay.cases:
            yield env.timeout(arrival - env.now)
            env.process(case(steps))

    env.process(source())
    env.run(until=replay.horizon)
    return done
