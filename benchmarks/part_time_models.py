"""Part-time as own hours against the former speed model, at equal capacity (issue 17).

Runs the ``dezentral`` variant of a scenario twice per replication, once with every
pool's part-timers working their own, shorter hours at full speed (the engine's model)
and once at reduced speed all day (``StaffPoolSpec.part_time = "speed"``), with the same
applicants, and prints the mean wait for the first processing and the mean lead time of
one municipality's cases (arrivals in the observed window) and the paired change.

    python benchmarks/part_time_models.py scenarios/pilot.yaml Zerbst 3 \
        Task_Steuerbescheid_erlassen
    python benchmarks/part_time_models.py tests/data/scenarios/mini.yaml Bdorf 10 Task_Bescheid

The figures in the README ("Modelling office reality") come from these calls (and the
first for Elbe-Havel-Land).
"""

from __future__ import annotations

import sys
from dataclasses import replace

import numpy as np

from zsa_sim.engine import Simulation
from zsa_sim.eventlog.schema import ListSink
from zsa_sim.scenario import build_setup, load_scenario


def main(path: str, municipality: str, replications: int, decision: str | None) -> None:
    """Print the two models' means and the paired relative change (speed vs hours)."""
    scenario = load_scenario(path)
    start, end = scenario.period.window
    results: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for model in ("hours", "speed"):
        waits, leads = [], []
        for replication in range(replications):
            setup = build_setup(scenario, "dezentral", replication)
            pools = {k: replace(v, part_time=model) for k, v in setup.pools.items()}
            sink = ListSink()
            Simulation(replace(setup, pools=pools), sink).run()
            arrival: dict[str, float] = {}
            first: dict[str, float] = {}
            decided: dict[str, float] = {}
            for r in sink.rows:
                if r.municipality != municipality:
                    continue
                if r.activity_type == "startEvent":
                    arrival[r.case_id] = r.complete
                elif r.resource and r.start == r.start:
                    first[r.case_id] = min(first.get(r.case_id, np.inf), r.start)
                if r.activity_id == decision and r.complete == r.complete:
                    decided[r.case_id] = r.complete
            cases = [c for c, a in arrival.items() if start <= a < end]
            waits.append(np.mean([(first[c] - arrival[c]) / 1440 for c in cases if c in first]))
            lead = [(decided[c] - arrival[c]) / 1440 for c in cases if c in decided]
            leads.append(np.mean(lead) if lead else np.nan)
        results[model] = (np.array(waits), np.array(leads))
        print(f"{model}: mean wait {np.mean(waits):.2f} d, mean lead time {np.mean(leads):.2f} d")
    for i, what in enumerate(("wait", "lead time")):
        change = results["speed"][i] / results["hours"][i] - 1
        if np.all(np.isfinite(change)):
            sd = np.std(change, ddof=1) if len(change) > 1 else np.nan
            print(f"speed vs hours, {what}: {100 * change.mean():+.0f} % (sd {100 * sd:.0f} %)")


if __name__ == "__main__":
    main(
        sys.argv[1],
        sys.argv[2],
        int(sys.argv[3]),
        sys.argv[4] if len(sys.argv) > 4 else None,
    )
