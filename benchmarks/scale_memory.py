"""Where the memory of a state-wide run goes, group by group (issue 19, target 4b).

Usage: python3 scale_memory.py COPIES [--variant dezentral] [--every 10] [--days N]
       [--tracemalloc] [--trim] [--collect] [--types] [--phases]

Runs one replication of the state-wide scenario (benchmarks/scenarios.py) as
:func:`~zsa_sim.experiment.replication.run_replication` does (case table, activity
statistics, weekly queues, streamed gzip CSV event log into a temporary folder), and
after every ``--every``-th independent group (zsa_sim/experiment/partition.py) prints
one line: cases so far, resident memory (VmRSS), glibc's view of the heap (bytes in use
by malloc and bytes free inside its arenas: their difference from RSS is what
fragmentation costs), pymalloc's arenas, live Python objects, and with
``--tracemalloc`` Python's traced memory. ``--trim`` calls glibc's ``malloc_trim(0)``
after each group (the experiment behind :func:`zsa_sim.memory.release_free_memory`);
``--types`` prints the object types whose counts grew most between the first and the
last sampled group; ``--phases`` the peak of each phase of the replication (simulation,
case columns, pool loads, KPIs, weekly rows) and of writing its results folder as
``zsa-sim run`` does (:func:`~zsa_sim.experiment.outputs.write_outputs`, without XES),
each from a fresh high-water mark.
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import os
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE)]  # run from a fresh clone

from peak_memory import peak_mb  # noqa: E402

import scenarios  # noqa: E402
import zsa_sim.engine as engine  # noqa: E402
from zsa_sim.experiment import replication  # noqa: E402
from zsa_sim.experiment.cases import CaseTable  # noqa: E402
from zsa_sim.experiment.outputs import write_outputs  # noqa: E402
from zsa_sim.experiment.replication import ReplicationTask, run_replication  # noqa: E402


class _MallInfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in (
            "arena",
            "ordblks",
            "smblks",
            "hblks",
            "hblkhd",
            "usmblks",
            "fsmblks",
            "uordblks",
            "fordblks",
            "keepcost",
        )
    ]


_LIBC = ctypes.CDLL("libc.so.6")
_LIBC.mallinfo2.restype = _MallInfo2


def rss_mb() -> float:
    """Resident memory now (VmRSS), MB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


def pymalloc_arenas() -> int:
    """pymalloc arenas (256 KiB each in Python 3.11) allocated now.

    ``sys._debugmallocstats`` writes to the C-level stderr, so file descriptor 2 is
    pointed at a temporary file while it runs.
    """
    with tempfile.TemporaryFile("w+") as capture:
        sys.stderr.flush()
        saved = os.dup(2)
        os.dup2(capture.fileno(), 2)
        try:
            sys._debugmallocstats()
        finally:
            os.dup2(saved, 2)
            os.close(saved)
        capture.seek(0)
        for line in capture:
            if line.startswith("# arenas allocated current"):
                return int(line.split("=")[1].replace(",", ""))
    return -1


def _reset_peak() -> None:
    """Start a new high-water mark of resident memory (Linux: clear_refs 5)."""
    with open("/proc/self/clear_refs", "w") as handle:
        handle.write("5")


def _phase(name, fn):
    """``fn`` that prints resident memory before, its own peak and after."""

    def measured(*args, **kwargs):
        before = rss_mb()
        _reset_peak()
        result = fn(*args, **kwargs)
        print(
            f"  phase {name:<17} rss before {before:7.1f} peak {peak_mb():7.1f} "
            f"after {rss_mb():7.1f} MB",
            flush=True,
        )
        return result

    return measured


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("copies", type=int)
    parser.add_argument("--variant", default="dezentral")
    parser.add_argument("--every", type=int, default=10)
    parser.add_argument("--days", type=int, help="a shorter observation period (days)")
    parser.add_argument("--tracemalloc", action="store_true")
    parser.add_argument("--trim", action="store_true")
    parser.add_argument("--types", action="store_true")
    parser.add_argument("--collect", action="store_true", help="gc.collect() after each group")
    parser.add_argument(
        "--phases", action="store_true", help="peak memory of each phase of the replication"
    )
    args = parser.parse_args()
    scenario = scenarios.state_wide(args.copies)
    if args.days:
        scenario = scenario.with_changes({"period.days": args.days})
    if args.tracemalloc:
        tracemalloc.start()
    simulate = engine.simulate
    state = {"groups": 0, "cases": 0, "first": None, "last": None}

    def sample(label: str) -> None:
        info = _LIBC.mallinfo2()
        line = (
            f"{label:>10} cases {state['cases']:>9,} rss {rss_mb():7.1f} MB "
            f"malloc used {info.uordblks / 2**20:7.1f} free {info.fordblks / 2**20:7.1f} "
            f"mmap {info.hblkhd / 2**20:6.1f} MB pymalloc arenas {pymalloc_arenas():5} "
            f"blocks {sys.getallocatedblocks():>9,} objects {len(gc.get_objects()):>9,} "
            f"cpu {time.process_time():7.1f}"
        )
        if args.tracemalloc:
            line += f" traced {tracemalloc.get_traced_memory()[0] / 2**20:7.1f} MB"
        print(line, flush=True)

    def counting_simulate(setup, sink):
        result = simulate(setup, sink)
        state["groups"] += 1
        state["cases"] += result.cases_started
        if args.collect:
            gc.collect()
        if args.trim:
            _LIBC.malloc_trim(0)
        if args.tracemalloc and state["groups"] in (1, args.every):
            gc.collect()
            state["snap1" if state["groups"] == 1 else "snapN"] = tracemalloc.take_snapshot()
        if args.types and state["groups"] in (1, args.every):
            state["first" if state["groups"] == 1 else "last"] = Counter(
                type(o).__name__ for o in gc.get_objects()
            )
        if state["groups"] % args.every == 0:
            sample(f"group {state['groups']}")
        return result

    engine.simulate = counting_simulate
    if args.phases:
        for owner, name in (
            (replication, "simulate_groups"),
            (CaseTable, "columns"),
            (CaseTable, "pool_loads"),
            (replication, "replication_kpis"),
            (replication, "weekly_rows"),
        ):
            setattr(owner, name, _phase(name, getattr(owner, name)))
    sample("start")
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "parts").mkdir()
        task = ReplicationTask(scenario, args.variant, 0, Path(tmp) / "parts" / "eventlog.csv.gz")
        output = run_replication(task)
        sample("after")
        if args.phases:
            (Path(tmp) / "results").mkdir()
            _phase("write_outputs", write_outputs)(
                Path(tmp) / "results", scenario, [task], [output], xes="none", eventlog="all"
            )
    print("cases", output.cases_started, "peak", round(peak_mb(), 1), "MB")
    if args.tracemalloc and state.get("snap1") and state.get("snapN"):
        print(f"tracemalloc: growth from group 1 to group {args.every}")
        for stat in state["snapN"].compare_to(state["snap1"], "lineno")[:15]:
            print("  ", stat)
    if args.types and state["first"] and state["last"]:
        growth = state["last"] - state["first"]
        for name, count in growth.most_common(15):
            print(f"  +{count:>9,} {name}")


if __name__ == "__main__":
    main()
