"""One scaling run in a process of its own (so its peak memory is its own).

Usage: python3 scale_child.py COPIES OUT_DIR [--variant dezentral] [--engine-only]
Runs the state-wide scenario (benchmarks/scenarios.py) through the full pipeline of
``zsa-sim run`` (engine, streamed CSV event log, case table, KPIs, results folder),
one replication of one variant, one job, without XES and without the report; with
``--engine-only`` just the engine writing the streamed CSV event log (gzip), which is
the part that is meant to need no memory per case.
Prints: cases, event-log rows, wall and CPU seconds, peak resident memory (MB, VmHWM).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE)]  # run from a fresh clone
# every run simulated: a repeated benchmark must not read its results from the cache
os.environ["ZSA_SIM_CACHE"] = "off"

from peak_memory import peak_mb  # noqa: E402

import scenarios  # noqa: E402
from zsa_sim.engine import simulate  # noqa: E402
from zsa_sim.eventlog.csv_log import CsvEventLogWriter  # noqa: E402
from zsa_sim.experiment.runner import RunOptions, run_experiment  # noqa: E402
from zsa_sim.scenario import build_setup  # noqa: E402


def engine_only(scenario, variant: str, out: Path) -> tuple[int, int]:
    """The engine and the streamed event log, nothing that keeps per-case data."""
    setup = build_setup(scenario, variant, 0)
    with CsvEventLogWriter(out / "eventlog.csv.gz", setup.epoch, setup.attribute_names) as log:
        result = simulate(setup, log)
    return result.cases_started, result.rows_written


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("copies", type=int)
    parser.add_argument("out", type=Path)
    parser.add_argument("--variant", default="dezentral")
    parser.add_argument("--engine-only", action="store_true")
    args = parser.parse_args()
    scenario = scenarios.state_wide(args.copies)
    started, cpu = time.perf_counter(), time.process_time()
    if args.engine_only:
        args.out.mkdir(parents=True, exist_ok=True)
        cases, rows = engine_only(scenario, args.variant, args.out)
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
        print(cases, rows, wall, cpu, peak_mb())
        return
    outcome = run_experiment(
        scenario,
        RunOptions(
            jobs=1,
            out_root=args.out,
            variants=(args.variant,),
            eventlog="all",
            xes="none",
            report=False,
        ),
    )
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    runs = outcome.summary["runs"]
    cases = sum(r["cases_started"] for r in runs)
    rows = sum(r["event_log_rows"] for r in runs)
    print(cases, rows, wall, cpu, peak_mb())


if __name__ == "__main__":
    main()
