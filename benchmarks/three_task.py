"""The benchmark process with three tasks, in zsa-sim and written by hand in SimPy.

Start -> Task_A -> XOR (30 % Task_B, 70 % Task_C) -> merge -> End
(``benchmarks/models/three_task.bpmn``), one staff member per task on an always-open
calendar, exponential efforts, Poisson arrivals. This is a Jackson network of three
M/M/1 stations, so its mean cycle time is known exactly (:func:`theory_cycle_time`):
both simulators and Prosimos must agree with it within their confidence intervals.

The hand-written model is what a SimPy programmer would write for exactly this process
(``simpy.Resource``, one process per case, random numbers drawn in blocks): the ceiling
that SimPy itself allows for this process.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import numpy as np
import simpy

from zsa_sim.bpmn import read_bpmn
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

MODEL = Path(__file__).resolve().parent / "models" / "three_task.bpmn"
EPOCH = datetime(2026, 1, 5)
#: mean minutes between arrivals
INTERARRIVAL = 10.0
#: mean effort (minutes) per task
MEAN = {"Task_A": 8.0, "Task_B": 20.0, "Task_C": 10.0}
#: probability of the flow to Task_B (the rest goes to Task_C)
P_B = 0.3
BRANCHES = {"Gw_Split": {"f_b": P_B, "f_c": 1 - P_B}}


def theory_cycle_time() -> float:
    """Mean cycle time (minutes) of the Jackson network: sum of M/M/1 sojourn times."""
    lam = 1.0 / INTERARRIVAL
    rates = {"Task_A": lam, "Task_B": lam * P_B, "Task_C": lam * (1 - P_B)}
    sojourn = {t: 1.0 / (1.0 / MEAN[t] - rates[t]) for t in MEAN}
    return sojourn["Task_A"] + P_B * sojourn["Task_B"] + (1 - P_B) * sojourn["Task_C"]


def arrival_times(cases: int, seed: int) -> list[float]:
    """Poisson arrivals (minutes), the same for every engine of one comparison."""
    rng = np.random.default_rng(seed)
    return np.cumsum(rng.exponential(INTERARRIVAL, cases)).tolist()


def engine_setup(cases: int, seed: int) -> SimulationSetup:
    """The zsa-sim setup of the benchmark process (read from the BPMN file)."""
    times = arrival_times(cases, seed)

    def arrivals() -> Iterator[CaseArrival]:
        for i, t in enumerate(times):
            yield CaseArrival("svc", "town", i, t)

    always = WorkingCalendar.always_open(EPOCH)
    pools = {f"pool_{t}": StaffPoolSpec(f"pool_{t}", "clerk", "unit", 1.0, always) for t in MEAN}
    service = ServiceSetup(
        name="svc",
        definitions=read_bpmn(MODEL),
        efforts={t: Distribution.exponential(m) for t, m in MEAN.items()},
        branches={gw: BranchRule(probabilities=p) for gw, p in BRANCHES.items()},
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


class CycleTimeSink:
    """Keeps each case's cycle time (end-event time minus arrival), in arrival order."""

    def __init__(self, cases: int) -> None:
        self.rows = 0
        self.cycle = np.full(cases, math.nan)
        self._arrival: dict[str, float] = {}

    def record(self, row: ActivityRecord) -> None:
        self.rows += 1
        if row.activity_type == "startEvent":
            self._arrival[row.case_id] = row.complete
        elif row.activity_type == "endEvent":
            index = int(row.case_id.rpartition(":")[2])
            self.cycle[index] = row.complete - self._arrival.pop(row.case_id)


class CountingSink:
    """Counts rows and drops them (throughput without I/O)."""

    def __init__(self) -> None:
        self.rows = 0

    def record(self, row: ActivityRecord) -> None:
        self.rows += 1


def hand_written(cases: int, seed: int) -> np.ndarray:
    """The same process written directly in SimPy; cycle time per case (arrival order)."""
    times = arrival_times(cases, seed)
    rng = np.random.default_rng(seed + 1_000_003)
    effort_a = rng.exponential(MEAN["Task_A"], cases).tolist()
    effort_b = rng.exponential(MEAN["Task_B"], cases).tolist()
    effort_c = rng.exponential(MEAN["Task_C"], cases).tolist()
    branch = rng.random(cases).tolist()
    env = simpy.Environment()
    res_a, res_b, res_c = (simpy.Resource(env, 1) for _ in range(3))
    cycle = np.full(cases, math.nan)

    def case(i: int) -> Iterator[simpy.Event]:
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
        cycle[i] = env.now - arrived

    def source() -> Iterator[simpy.Event]:
        for i, t in enumerate(times):
            yield env.timeout(t - env.now)
            env.process(case(i))

    env.process(source())
    env.run()
    return cycle


def batch_means(values: np.ndarray, batches: int = 20, warmup: float = 0.05) -> tuple:
    """Mean and 95 % confidence interval of a correlated series by batch means.

    Cycle times of successive cases are correlated (they queue behind each other), so
    the plain standard error would be too small. The first ``warmup`` share is dropped
    (the system starts empty), the rest is cut into ``batches`` consecutive batches whose
    means are nearly independent.
    """
    from scipy import stats

    values = values[~np.isnan(values)]
    values = values[int(len(values) * warmup) :]
    size = len(values) // batches
    means = values[: size * batches].reshape(batches, size).mean(axis=1)
    mean = float(means.mean())
    half = float(stats.t.ppf(0.975, batches - 1) * means.std(ddof=1) / math.sqrt(batches))
    return mean, mean - half, mean + half
