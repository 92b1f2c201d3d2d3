"""Engine throughput against a hand-written SimPy model of the same process (issue 8).

The process: Start -> Task_A -> XOR (30 % Task_B, 70 % Task_C) -> merge -> End, one
staff member per task (always-open calendar), exponential efforts, Poisson arrivals.
The hand-written model is what a SimPy programmer would write for exactly this process
(``simpy.Resource``, one process per case, random numbers drawn in blocks), i.e. the
ceiling SimPy allows. Both run in the same Python process, alternately, several times;
the best wall time of each counts. The engine writes its rows to a sink that discards
them, so the comparison is about simulation work, not I/O.

Run:  python3 benchmarks/engine_vs_simpy.py [--cases 50000] [--repeats 3]
Target (issue 8): engine >= 50 % of the hand-written model's cases per second.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from datetime import datetime
from pathlib import Path

import numpy as np
import simpy

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a fresh clone

from zsa_sim.bpmn import model as bpmn
from zsa_sim.engine import simulate
from zsa_sim.engine.calendar import WorkingCalendar
from zsa_sim.engine.distributions import Distribution
from zsa_sim.engine.setup import (
    BranchRule,
    CaseArrival,
    CaseSource,
    ServiceSetup,
    SimulationSetup,
    StaffPoolSpec,
    TaskRouting,
)
from zsa_sim.eventlog.schema import ActivityRecord

EPOCH = datetime(2026, 1, 5)
INTERARRIVAL = 10.0
MEAN = {"Task_A": 8.0, "Task_B": 20.0, "Task_C": 10.0}
P_B = 0.3


class DiscardSink:
    """Counts rows and drops them."""

    def __init__(self) -> None:
        self.count = 0

    def record(self, row: ActivityRecord) -> None:
        self.count += 1


def three_task_model() -> bpmn.Definitions:
    def flow(fid: str, s: str, t: str) -> bpmn.SequenceFlow:
        return bpmn.SequenceFlow(fid, s, t)

    flows = [
        flow("f1", "Start", "Task_A"),
        flow("f2", "Task_A", "Gw_Split"),
        flow("f_b", "Gw_Split", "Task_B"),
        flow("f_c", "Gw_Split", "Task_C"),
        flow("f3", "Task_B", "Gw_Merge"),
        flow("f4", "Task_C", "Gw_Merge"),
        flow("f5", "Gw_Merge", "End"),
    ]
    inc: dict[str, list[str]] = {}
    out: dict[str, list[str]] = {}
    for f in flows:
        out.setdefault(f.source, []).append(f.id)
        inc.setdefault(f.target, []).append(f.id)

    def io(nid: str) -> dict:
        return {"incoming": tuple(inc.get(nid, ())), "outgoing": tuple(out.get(nid, ()))}

    nodes = {
        "Start": bpmn.StartEvent(id="Start", **io("Start")),
        "Task_A": bpmn.Task(id="Task_A", name="A", **io("Task_A")),
        "Gw_Split": bpmn.ExclusiveGateway(id="Gw_Split", **io("Gw_Split")),
        "Task_B": bpmn.Task(id="Task_B", name="B", **io("Task_B")),
        "Task_C": bpmn.Task(id="Task_C", name="C", **io("Task_C")),
        "Gw_Merge": bpmn.ExclusiveGateway(id="Gw_Merge", **io("Gw_Merge")),
        "End": bpmn.EndEvent(id="End", **io("End")),
    }
    process = bpmn.Process(
        id="P",
        nodes=bpmn.frozen_mapping(nodes),
        flows=bpmn.frozen_mapping({f.id: f for f in flows}),
    )
    return bpmn.Definitions(source="benchmark", processes=bpmn.frozen_mapping({"P": process}))


def engine_setup(cases: int, seed: int) -> SimulationSetup:
    rng = np.random.default_rng(seed)
    times = np.cumsum(rng.exponential(INTERARRIVAL, cases)).tolist()

    def arrivals():
        for i, t in enumerate(times):
            yield CaseArrival("svc", "town", i, t)

    always = WorkingCalendar.always_open(EPOCH)
    pools = {f"pool_{t}": StaffPoolSpec(f"pool_{t}", "clerk", "unit", 1.0, always) for t in MEAN}
    service = ServiceSetup(
        name="svc",
        definitions=three_task_model(),
        efforts={t: Distribution.exponential(m) for t, m in MEAN.items()},
        branches={"Gw_Split": BranchRule(probabilities={"f_b": P_B, "f_c": 1 - P_B})},
    )
    return SimulationSetup(
        epoch=EPOCH,
        horizon=times[-1] * 2 + 100_000,
        services={"svc": service},
        pools=pools,
        routing={("svc", "town"): {t: TaskRouting(f"pool_{t}") for t in MEAN}},
        sources=(CaseSource("svc", "town", arrivals),),
        seed=seed,
    )


def hand_written(cases: int, seed: int) -> tuple[int, float]:
    """The same process written directly in SimPy; returns (completed, mean cycle time)."""
    rng = np.random.default_rng(seed)
    gaps = rng.exponential(INTERARRIVAL, cases).tolist()
    effort_a = rng.exponential(MEAN["Task_A"], cases).tolist()
    effort_b = rng.exponential(MEAN["Task_B"], cases).tolist()
    effort_c = rng.exponential(MEAN["Task_C"], cases).tolist()
    branch = rng.random(cases).tolist()
    env = simpy.Environment()
    res_a, res_b, res_c = (simpy.Resource(env, 1) for _ in range(3))
    done = []

    def case(i: int):
        arrived = env.now
        with res_a.request() as req:
            yield req
            yield env.timeout(effort_a[i])
        if branch[i] < P_B:
            with res_b.request() as req:
                yield req
                yield env.timeout(effort_b[i])
        else:
            with res_c.request() as req:
                yield req
                yield env.timeout(effort_c[i])
        done.append(env.now - arrived)

    def source():
        for i in range(cases):
            yield env.timeout(gaps[i])
            env.process(case(i))

    env.process(source())
    env.run()
    return len(done), float(np.mean(done))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=50_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    n = args.cases
    best_engine = best_simpy = float("inf")
    for r in range(args.repeats):
        setup = engine_setup(n, seed=r)
        sink = DiscardSink()
        t0 = time.perf_counter()
        result = simulate(setup, sink)
        best_engine = min(best_engine, time.perf_counter() - t0)
        assert result.cases_completed == n, result
        t0 = time.perf_counter()
        completed, _ = hand_written(n, seed=r)
        best_simpy = min(best_simpy, time.perf_counter() - t0)
        assert completed == n
    engine_rate, simpy_rate = n / best_engine, n / best_simpy
    machine = f"{platform.machine()} {platform.processor()}".strip()
    print(f"machine: {machine}, python {platform.python_version()}, simpy {simpy.__version__}")
    print(f"cases: {n:,}, best of {args.repeats}")
    print(f"{'model':<22}{'wall s':>10}{'cases/s':>12}")
    print(f"{'hand-written SimPy':<22}{best_simpy:>10.2f}{simpy_rate:>12,.0f}")
    print(f"{'zsa-sim engine':<22}{best_engine:>10.2f}{engine_rate:>12,.0f}")
    print(f"ratio engine / hand-written: {engine_rate / simpy_rate:.2f} (target >= 0.50)")
    print(f"rows per case: {sink.count / n:.1f}")


if __name__ == "__main__":
    main()
