"""The event-log row consumers and the case file, old tree against this one, on one
replication's rows.

Issue 19: everything that consumes event-log rows (the case table, the activity and
the weekly statistics, the CSV writer, fed in batches as the engine feeds them), the
member of ``cases.csv.gz`` made from the case table's columns, and joining the runs'
event-log parts into ``eventlog.csv.gz``. One replication is simulated once (this
tree's engine; by default the pilot's "zentral" replication 0, ``--scenario`` for
another, e.g. the user-level benchmark's three-task scenario) and its row batches
recorded; then the consumers of the old tree and of this one take the same batches,
alternately, ``--repeats`` times, each consumer alone and all four through one
``Tee``, and the medians of their CPU seconds are printed. Each pair's results must be
identical (cases, pool loads, activity rows, weekly waits, the event log's bytes, the
case member's text); the script stops if not.

The old modules are imported from the old tree under private names (their own imports
resolve to this tree, as in ``benchmarks/micro.py``).

Run:  python3 benchmarks/row_consumers.py /tmp/zsa_before [--repeats 7]
      python3 benchmarks/row_consumers.py /tmp/zsa_before \\
          --scenario benchmarks/_work/user_level/three_task.yaml
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE)]

from micro import load_old  # noqa: E402

from zsa_sim.experiment.partition import simulate_groups  # noqa: E402
from zsa_sim.scenario import build_setup, load_scenario  # noqa: E402

#: the consumers measured one by one, then all of them through one Tee
CONSUMERS = ("case table", "activity statistics", "weekly queue", "CSV writer")


class _Batches:
    """A sink that keeps the batches as the engine hands them."""

    def __init__(self) -> None:
        self.batches: list[list] = []

    def record(self, row) -> None:
        self.batches.append([row])

    def record_many(self, rows) -> None:
        self.batches.append(list(rows))


def _fingerprint(name: str, sink, log: Path) -> str:
    """What a consumer made of the rows, hashed (the log: its file's bytes)."""
    if name == "case table":
        text = repr(list(sink.columns())) + repr(
            [(p[:5], p.busy_by_day.tobytes(), p.queued_minutes) for p in sink.pool_loads()]
        )
    elif name == "activity statistics":
        text = repr(sink.rows())
    elif name == "weekly queue":
        text = repr({pool: sorted(weeks.items()) for pool, weeks in sorted(sink.waiting.items())})
    else:
        return hashlib.sha256(log.read_bytes()).hexdigest()[:16]
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _alternate(repeats: int, run: Callable[[str], tuple[float, str]], what: str) -> None:
    """Run old and new alternately; print the medians; stop if their results differ."""
    cpu: dict[str, list[float]] = {"old": [], "new": []}
    prints: dict[str, str] = {}
    for i in range(repeats):
        for tree in ("old", "new") if i % 2 == 0 else ("new", "old"):
            seconds, fingerprint = run(tree)
            cpu[tree].append(seconds)
            if prints.setdefault(tree, fingerprint) != fingerprint:
                sys.exit(f"{what}, {tree}: results differ between repeats")
    if prints["old"] != prints["new"]:
        sys.exit(f"{what}: the old and the new results differ: {prints}")
    old, new = statistics.median(cpu["old"]), statistics.median(cpu["new"])
    print(f"{what:<44} {old:6.3f} -> {new:6.3f} s CPU, median (x{old / new:.2f}; best "
          f"{min(cpu['old']):.3f} -> {min(cpu['new']):.3f}); results identical",
          flush=True)  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old_tree", type=Path)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--scenario", type=Path, default=HERE.parent / "scenarios" / "pilot.yaml")
    parser.add_argument("--variant", help="default: zentral if the scenario has it, else the first")
    args = parser.parse_args()
    scenario = load_scenario(args.scenario)
    variant = args.variant or ("zentral" if "zentral" in scenario.variants else next(
        iter(scenario.variants)))  # fmt: skip
    setup = build_setup(scenario, variant, 0)
    recorder = _Batches()
    simulate_groups(setup, recorder)
    batches = recorder.batches
    window, horizon = scenario.period.window, scenario.period.horizon
    print(f"{scenario.name} {variant} replication 0: {sum(map(len, batches)):,} rows in "
          f"{len(batches)} batches", flush=True)  # fmt: skip
    names = ("eventlog.schema", "experiment.cases", "experiment.activities",
             "experiment.weekly", "eventlog.csv_log", "experiment.outputs",
             "experiment.case_file")  # fmt: skip
    trees = {
        "old": {n: load_old(args.old_tree, f"zsa_sim.{n}") for n in names},
        "new": {n: sys.modules.get(f"zsa_sim.{n}") or __import__(f"zsa_sim.{n}", fromlist=["x"])
                for n in names},
    }  # fmt: skip
    tmp = Path(tempfile.mkdtemp(prefix="zsa_rows_"))

    def make(tree: str, name: str):
        m = trees[tree]
        if name == "case table":
            return m["experiment.cases"].CaseTable.from_services(setup.services)
        if name == "activity statistics":
            return m["experiment.activities"].ActivityStats(*window)
        if name == "weekly queue":
            return m["experiment.weekly"].QueueByWeek(horizon)
        log = tmp / f"{tree}.csv.gz"
        return m["eventlog.csv_log"].CsvEventLogWriter(log, setup.epoch, setup.attribute_names)

    def feed(tree: str, chosen: tuple[str, ...]) -> tuple[float, str]:
        sinks = [make(tree, name) for name in chosen]
        tee = trees[tree]["eventlog.schema"].Tee(*sinks)
        start = time.process_time()
        for batch in batches:
            tee.record_many(batch)
        for sink in sinks:
            if hasattr(sink, "close"):
                sink.close()
        seconds = time.process_time() - start
        log = tmp / f"{tree}.csv.gz"
        prints = [_fingerprint(n, s, log) for n, s in zip(chosen, sinks, strict=True)]
        return seconds, "/".join(prints)

    for name in CONSUMERS:
        _alternate(args.repeats, lambda tree, name=name: feed(tree, (name,)), name)
    _alternate(args.repeats, lambda tree: feed(tree, CONSUMERS), "all four through one Tee")

    table = make("new", "case table")
    for batch in batches:
        table.record_many(batch)
    columns = table.columns()

    sizes: dict[str, int] = {}

    def member(tree: str) -> tuple[float, str]:
        start = time.process_time()
        data = trees[tree]["experiment.case_file"].case_member(columns)
        seconds = time.process_time() - start
        sizes[tree] = len(data) - 4
        # the text: the zlib level of the members may differ between trees
        return seconds, hashlib.sha256(gzip.decompress(data[4:])).hexdigest()[:16]

    _alternate(args.repeats, member, f"cases.csv.gz member ({len(columns):,} cases)")
    print(f"{'':<44} {sizes['old']:,} -> {sizes['new']:,} bytes compressed")

    def join(tree: str) -> tuple[float, str]:
        part, out = tmp / "new.csv.gz", tmp / f"{tree}.all.gz"
        start = time.process_time()
        trees[tree]["experiment.outputs"].merge_event_logs([part, part], out)
        return time.process_time() - start, hashlib.sha256(out.read_bytes()).hexdigest()[:16]

    _alternate(args.repeats, join, "joining two such event-log parts")


if __name__ == "__main__":
    main()
