"""Shared inputs of the planning tests: a cheap real plan and hand-made sweep results.

``cheap_plan()`` runs the planner once per test session on the small test scenario
(three replications, so it takes seconds) and is shared by the section, writer and CLI
tests. ``hand_sweep(keys)`` builds a :class:`SweepResult` from invented KPI summaries
without simulating, for the chart tests: the waiting time falls as 2 + 6 / staff and
rises with the volume; the ZSA's utilisation is volume / staff.
"""

from __future__ import annotations

import functools
import itertools
from pathlib import Path

from zsa_sim.experiment.comparison import KpiSummary
from zsa_sim.planning import PlanResult, SweepResult, Vary, parse_target, plan_staffing
from zsa_sim.planning.sweep import SweepRow
from zsa_sim.scenario import load_scenario

DATA = Path(__file__).parent / "data" / "scenarios"
SMALL = DATA / "planning_small.yaml"


@functools.cache
def cheap_plan() -> PlanResult:
    """A real plan of the small scenario (3 replications, break-even included)."""
    return plan_staffing(
        SMALL, "p90 waiting time <= 3 days", replications=3, max_replications=3, jobs=2
    )


def hand_sweep(two_keys: bool = False) -> SweepResult:
    """A sweep over zsa.staff (and the volume) with invented, smooth KPI values."""
    scenario = load_scenario(DATA / "mini.yaml")
    varies = [Vary("zsa.staff", (1.0, 1.5, 2.0, 2.5))]
    if two_keys:
        varies.append(Vary("services.antrag.volume", (0.8, 1.0, 1.2)))
    points = tuple(itertools.product(*(v.values for v in varies)))
    rows = []
    for index, point in enumerate(points):
        staff, volume = point[0], (point[1] if two_keys else 1.0)
        for municipality, extra in (("Adorf", 0.0), ("Bdorf", 0.4)):
            mean = (2 + 6 / staff) * volume + extra
            rows.append(
                SweepRow(index, "zentral", KpiSummary(
                    "zentral", "antrag", municipality, "", "waiting_time_p90", "days",
                    mean, mean - 0.3, mean + 0.3, 3, 0.2,
                ))
            )  # fmt: skip
        util = min(1.0, 0.9 * volume / staff)
        rows.append(
            SweepRow(index, "zentral", KpiSummary(
                "zentral", "all", "ZSA", "team", "utilisation", "share",
                util, util - 0.02, util + 0.02, 3, 0.01,
            ))
        )  # fmt: skip
    return SweepResult(
        scenario=scenario,
        varies=tuple(varies),
        variants=("zentral",),
        kpis=("waiting_time_p90", "utilisation"),
        replications=3,
        points=points,
        rows=tuple(rows),
        invariant=(),
        simulated_runs=0,
        wall_seconds=0.0,
        target=parse_target("p90 waiting time <= 5 days"),
    )
