"""Before/after figures of an optimisation: the same workloads on two source trees.

Each measurement runs in a fresh process with ``sys.path`` pointing at one tree (e.g. a
``git archive`` of the parent commit unpacked in /tmp, and the working tree); the trees
alternate and the best CPU time of ``--repeats`` counts.

Run:  python3 benchmarks/compare_trees.py /tmp/zsa_base /work/main [--repeats 3]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

WORKLOADS = {
    "three-task 30k, no log": """
import three_task
from zsa_sim.engine import simulate
setup = three_task.engine_setup(30_000, 1)
run = lambda: simulate(setup, three_task.CountingSink())
""",
    "three-task 30k, CSV log": """
import three_task, tempfile
from pathlib import Path
from zsa_sim.engine import simulate
from zsa_sim.eventlog.csv_log import CsvEventLogWriter
setup = three_task.engine_setup(30_000, 1)
tmp = tempfile.mkdtemp()
def run():
    with CsvEventLogWriter(Path(tmp) / "log.csv", setup.epoch, ()) as writer:
        simulate(setup, writer)
""",
    "pilot replication (zentral), all sinks": """
import tempfile
from pathlib import Path
from zsa_sim.experiment.replication import ReplicationTask, run_replication
from zsa_sim.scenario import load_scenario
scenario = load_scenario(ROOT + "/scenarios/pilot.yaml")
tmp = tempfile.mkdtemp()
run = lambda: run_replication(ReplicationTask(scenario, "zentral", 0, Path(tmp) / "l.csv.gz"))
""",
}

TEMPLATE = """
import sys, time
ROOT = {root!r}
sys.path[:0] = [ROOT, {bench!r}]
{setup}
run()  # warm up: imports, caches
t = time.process_time(); run(); print(time.process_time() - t)
"""


def measure(root: Path, setup: str) -> float:
    code = TEMPLATE.format(root=str(root), bench=str(HERE), setup=setup)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout.split()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--only", help="run only workloads whose name contains this")
    args = parser.parse_args()
    for name, setup in WORKLOADS.items():
        if args.only and args.only not in name:
            continue
        best = {"before": 1e9, "after": 1e9}
        for _ in range(args.repeats):
            best["before"] = min(best["before"], measure(args.before, setup))
            best["after"] = min(best["after"], measure(args.after, setup))
        gain = best["before"] / best["after"]
        print(
            f"{name:<40} before {best['before']:6.2f} s  after {best['after']:6.2f} s  x{gain:.2f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
