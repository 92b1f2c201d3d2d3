"""zsa-sim on the three-task model with its streamed CSV event log, in a process of its own.

Usage: python3 zsa_three_task.py CASES SEED
Prints: wall and CPU seconds of the run (setup, simulation, writing the log), mean cycle
time and the bounds of its 95 % batch-means interval (minutes), peak memory (MB).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE)]  # run from a fresh clone

import three_task  # noqa: E402
from peak_memory import peak_mb  # noqa: E402

from zsa_sim.engine import simulate  # noqa: E402
from zsa_sim.eventlog.csv_log import CsvEventLogWriter  # noqa: E402
from zsa_sim.eventlog.schema import Tee  # noqa: E402


def main() -> None:
    cases, seed = int(sys.argv[1]), int(sys.argv[2])
    cycles = three_task.CycleTimeSink(cases)
    with tempfile.TemporaryDirectory() as tmp:
        started, cpu = time.perf_counter(), time.process_time()
        setup = three_task.engine_setup(cases, seed)
        with CsvEventLogWriter(Path(tmp) / "log.csv", setup.epoch, ()) as writer:
            simulate(setup, Tee(cycles, writer))
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    mean, low, high = three_task.batch_means(cycles.cycle)
    print(wall, cpu, mean, low, high, peak_mb())


if __name__ == "__main__":
    main()
