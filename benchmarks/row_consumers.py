"""The event-log row consumers, old tree against this one, on the rows of one replication.

Issue 19, third round: everything that consumes event-log rows (the case table, the
activity and the weekly statistics, the CSV writer, all fed through one ``Tee`` in
batches as the engine feeds them; and joining the runs' event-log parts into
``eventlog.csv.gz``). The pilot's "zentral" replication 0 is simulated once (this
tree's engine) and its row batches recorded; then the consumers of the old tree and of
this one take the same batches, alternately, ``--repeats`` times, and the medians of
their CPU seconds are printed. Each pair's results must be identical (cases, pool
loads, activity rows, weekly waits, the event log's text); the script stops if not.

The old modules are imported from the old tree under private names (their own imports
resolve to this tree, as in ``benchmarks/micro.py``).

Run:  python3 benchmarks/row_consumers.py /tmp/zsa_before [--repeats 7]
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE)]

from micro import load_old  # noqa: E402

from zsa_sim.experiment.partition import simulate_groups  # noqa: E402
from zsa_sim.scenario import build_setup, load_scenario  # noqa: E402


class _Batches:
    """A sink that keeps the batches as the engine hands them."""

    def __init__(self) -> None:
        self.batches: list[list] = []

    def record(self, row) -> None:
        self.batches.append([row])

    def record_many(self, rows) -> None:
        self.batches.append(list(rows))


def _fingerprint(sinks: list, log: Path | None) -> str:
    table, activities, queue = sinks[:3]
    parts = [
        repr(list(table.columns())),
        repr([(p[:5], p.busy_by_day.tobytes(), p.queued_minutes) for p in table.pool_loads()]),
        repr(activities.rows()),
        repr({pool: sorted(weeks.items()) for pool, weeks in sorted(queue.waiting.items())}),
    ]
    if log is not None:
        parts.append(hashlib.sha256(gzip.decompress(log.read_bytes())).hexdigest())
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old_tree", type=Path)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    scenario = load_scenario(HERE.parent / "scenarios" / "pilot.yaml")
    setup = build_setup(scenario, "zentral", 0)
    recorder = _Batches()
    simulate_groups(setup, recorder)
    batches = recorder.batches
    window, horizon = scenario.period.window, scenario.period.horizon
    print(f"pilot zentral replication 0: {sum(map(len, batches)):,} rows in {len(batches)} "
          f"batches", flush=True)  # fmt: skip
    names = ("eventlog.schema", "experiment.cases", "experiment.activities",
             "experiment.weekly", "eventlog.csv_log", "experiment.outputs")  # fmt: skip
    trees = {
        "old": {n: load_old(args.old_tree, f"zsa_sim.{n}") for n in names},
        "new": {n: sys.modules.get(f"zsa_sim.{n}") or __import__(f"zsa_sim.{n}", fromlist=["x"])
                for n in names},
    }  # fmt: skip
    tmp = Path(tempfile.mkdtemp(prefix="zsa_rows_"))

    def consume(tree: str, with_log: bool) -> tuple[float, str, Path | None]:
        m = trees[tree]
        sinks = [
            m["experiment.cases"].CaseTable.from_services(setup.services),
            m["experiment.activities"].ActivityStats(*window),
            m["experiment.weekly"].QueueByWeek(horizon),
        ]
        log = tmp / f"{tree}.csv.gz" if with_log else None
        if log is not None:
            sinks.append(m["eventlog.csv_log"].CsvEventLogWriter(log, setup.epoch,
                                                                 setup.attribute_names))
        tee = m["eventlog.schema"].Tee(*sinks)
        start = time.process_time()
        for batch in batches:
            tee.record_many(batch)
        if log is not None:
            sinks[3].close()
        return time.process_time() - start, _fingerprint(sinks, log), log

    def join(tree: str, part: Path) -> float:
        start = time.process_time()
        trees[tree]["experiment.outputs"].merge_event_logs([part, part], tmp / f"{tree}.all.gz")
        return time.process_time() - start

    for with_log in (False, True):
        cpu: dict[str, list[float]] = {"old": [], "new": []}
        merged: dict[str, list[float]] = {"old": [], "new": []}
        prints: dict[str, str] = {}
        for i in range(args.repeats):
            for tree in ("old", "new") if i % 2 == 0 else ("new", "old"):
                seconds, fingerprint, log = consume(tree, with_log)
                cpu[tree].append(seconds)
                if prints.setdefault(tree, fingerprint) != fingerprint:
                    sys.exit(f"{tree}: results differ between repeats")
                if log is not None:
                    merged[tree].append(join(tree, log))
        if prints["old"] != prints["new"]:
            sys.exit(f"the old and the new consumers' results differ: {prints}")
        old, new = statistics.median(cpu["old"]), statistics.median(cpu["new"])
        what = "case table, activity and weekly statistics" + (", CSV writer" if with_log else "")
        print(f"{what}: {old:.3f} -> {new:.3f} s CPU, median (x{old / new:.2f}; best "
              f"{min(cpu['old']):.3f} -> {min(cpu['new']):.3f}); results identical")  # fmt: skip
        if with_log:
            old, new = statistics.median(merged["old"]), statistics.median(merged["new"])
            sizes = {t: (tmp / f"{t}.all.gz").stat().st_size / 1e6 for t in ("old", "new")}
            print(f"joining two such event-log parts: {old:.3f} -> {new:.3f} s CPU; "
                  f"{sizes['old']:.2f} -> {sizes['new']:.2f} MB")  # fmt: skip


if __name__ == "__main__":
    main()
