"""The state-wide scenario as a user runs it (issue 19, target 5).

Two measurements of ``scenarios/sachsen-anhalt.yaml`` (133 authorities, ~85,000
applications a year per replication and variant):

1. ``--local``: ``zsa-sim run scenarios/sachsen-anhalt.yaml -j 2 --no-report`` (the
   default event log), CPU seconds of the whole process tree, wall seconds, peak memory
   and the load average before and after (the machine may be shared: CPU / 2 is the
   wall time on two idle cores).
2. ``--dask 1,2,4``: the same scenario sent to a Dask ``LocalCluster`` of 1, 2, 4 worker
   processes (one thread each) with ``--scheduler``; wall seconds, the workers' CPU
   seconds and the speed-up against one worker. Workers beyond the machine's cores
   cannot speed it up: on 2 cores, 4 workers only share them.

Usage: python3 benchmarks/statewide.py [--local] [--dask 1,2,4] [-n 10] [--tree PATH]
                                      [--scenario FILE]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE)]

from user_level import USER_WORK, run_measured  # noqa: E402

ROOT = HERE.parent
SCENARIO = ROOT / "scenarios" / "sachsen-anhalt.yaml"


def _load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def local(tree: Path, replications: int | None, scenario: Path = SCENARIO) -> None:
    """One run on two local worker processes, as the issue states it."""
    out = Path(tempfile.mkdtemp(prefix="statewide_", dir=USER_WORK))
    extra = ["-n", str(replications)] if replications else []
    before = _load()
    try:
        run, _ = run_measured(
            [sys.executable, "-m", "zsa_sim", "run", str(scenario), "-j", "2", "--no-report",
             "-q", "-o", str(out), *extra],
            cwd=tree,
        )
    finally:
        shutil.rmtree(out, ignore_errors=True)
    print(f"local -j 2: CPU {run.cpu:.1f} s (CPU/2 = {run.cpu / 2:.1f} s), wall {run.wall:.1f} s, "
          f"peak {run.peak_mb:.0f} MB, load before {before}, after {_load()}")


def _tree_cpu(process) -> float:
    """CPU seconds of a process's descendants (the cluster's nannies and workers)."""
    total = 0.0
    for child in process.children(recursive=True):
        try:
            times = child.cpu_times()
        except Exception:  # a process that ended in between
            continue
        total += times.user + times.system
    return total


def dask(tree: Path, workers: list[int], replications: int, scenario: Path = SCENARIO) -> None:
    """The run on LocalClusters of growing size; speed-up against one worker."""
    import psutil
    from distributed import LocalCluster

    os.chdir(tree)  # the workers import the zsa_sim of the tree, like the client
    sys.path.insert(0, str(tree))
    me = psutil.Process()
    walls: dict[int, float] = {}
    for count in workers:
        with LocalCluster(n_workers=count, threads_per_worker=1, processes=True,
                          dashboard_address=":0") as cluster:
            out = Path(tempfile.mkdtemp(prefix="statewide_dask_", dir=USER_WORK))
            cpu_before, before, started = _tree_cpu(me), _load(), time.perf_counter()
            try:
                run, _ = run_measured(
                    [sys.executable, "-m", "zsa_sim", "run", str(scenario), "--scheduler",
                     cluster.scheduler_address, "--no-report", "--no-eventlog", "-q",
                     "-n", str(replications), "-o", str(out)],
                    cwd=tree,
                )
            finally:
                shutil.rmtree(out, ignore_errors=True)
            wall = time.perf_counter() - started
            cpu = _tree_cpu(me) - cpu_before
        walls[count] = wall
        speedup = walls[workers[0]] / wall * workers[0]
        print(f"dask {count} worker(s): wall {wall:.1f} s, workers' CPU {cpu:.1f} s, client CPU "
              f"{run.cpu:.1f} s, speed-up vs 1 worker {speedup:.2f}, load before {before}, "
              f"after {_load()}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--local", action="store_true", help="zsa-sim run -j 2 --no-report")
    parser.add_argument("--dask", default="", help="worker counts, e.g. 1,2,4")
    parser.add_argument("-n", "--replications", type=int, default=None,
                        help="replications per variant (scenario's 10 if unset)")
    parser.add_argument("--tree", type=Path, default=ROOT, help="zsa-sim source tree to run")
    parser.add_argument("--scenario", type=Path, default=SCENARIO, help="another scenario file")
    args = parser.parse_args()
    USER_WORK.mkdir(parents=True, exist_ok=True)
    scenario = args.scenario.resolve()
    print(f"{os.cpu_count()} cores, scenario {scenario.name}")
    if args.local:
        local(args.tree, args.replications, scenario)
    if args.dask:
        dask(args.tree, [int(x) for x in args.dask.split(",")], args.replications or 10,
             scenario)


if __name__ == "__main__":
    main()
