"""One scaling run in a process of its own (so its peak memory is its own).

Usage: python3 scale_child.py COPIES OUT_DIR [--variant dezentral]
Runs the state-wide scenario (benchmarks/scenarios.py) through the full pipeline of
``zsa-sim run`` (engine, streamed CSV event log, case table, KPIs, results folder),
one replication of one variant, one job, without XES and without the report.
Prints: cases, event-log rows, wall seconds.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE)]  # run from a fresh clone

import scenarios  # noqa: E402
from zsa_sim.experiment.runner import RunOptions, run_experiment  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("copies", type=int)
    parser.add_argument("out", type=Path)
    parser.add_argument("--variant", default="dezentral")
    args = parser.parse_args()
    scenario = scenarios.state_wide(args.copies)
    started = time.perf_counter()
    outcome = run_experiment(
        scenario,
        RunOptions(
            jobs=1,
            out_root=args.out,
            variants=(args.variant,),
            xes="none",
            report=False,
        ),
    )
    wall = time.perf_counter() - started
    runs = outcome.summary["runs"]
    cases = sum(r["cases_started"] for r in runs)
    rows = sum(r["event_log_rows"] for r in runs)
    print(cases, rows, wall)


if __name__ == "__main__":
    main()
