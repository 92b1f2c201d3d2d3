"""Microbenchmarks of single optimisations: old and new code on the same inputs.

Each optimisation is timed where it acts (the CSV writer's ``record``, the case table's
``record``, ``WorkingCalendar.is_open``, ``DrawTable.draw``), old and new alternately in
one process, best of ``--repeats``. On a shared machine this is far steadier than timing
whole runs. The old code is imported from another source tree (e.g. a ``git archive``
of the commit before the optimisations, unpacked in /tmp).

Run:  python3 benchmarks/micro.py /tmp/zsa_before [--repeats 5]
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE)]  # run from a fresh clone

import numpy as np  # noqa: E402

from zsa_sim.engine import simulate  # noqa: E402
from zsa_sim.eventlog.schema import ListSink  # noqa: E402
from zsa_sim.scenario import build_setup, load_scenario  # noqa: E402


def load_old(tree: Path, dotted: str):
    """Import ``dotted`` from another tree under a private name (its imports stay ours)."""
    path = tree / (dotted.replace(".", "/") + ".py")
    spec = importlib.util.spec_from_file_location(f"old_{dotted.replace('.', '_')}", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def best(repeats: int, old: Callable[[], object], new: Callable[[], object]) -> tuple:
    t_old = t_new = 1e9
    for _ in range(repeats):
        t = time.process_time()
        old()
        t_old = min(t_old, time.process_time() - t)
        t = time.process_time()
        new()
        t_new = min(t_new, time.process_time() - t)
    return t_old, t_new


def report(name: str, calls: int, t_old: float, t_new: float, per_run: int) -> None:
    saved = (t_old - t_new) / calls * per_run
    print(
        f"{name:<34} {t_old / calls * 1e9:7.0f} -> {t_new / calls * 1e9:7.0f} ns/call "
        f"(x{t_old / t_new:.2f}); {per_run:,} calls per pilot replication: "
        f"{saved:+.2f} s saved",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old_tree", type=Path)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    scenario = load_scenario(HERE.parent / "scenarios" / "pilot.yaml")
    setup = build_setup(scenario, "zentral", 0)
    sink = ListSink()
    simulate(setup, sink)
    rows = sink.rows
    n = len(rows)
    tmp = Path(tempfile.mkdtemp())

    import zsa_sim.eventlog.csv_log as new_csv

    old_csv = load_old(args.old_tree, "zsa_sim.eventlog.csv_log")

    def writer(module):
        def run() -> None:
            with module.CsvEventLogWriter(tmp / "l.csv", setup.epoch, setup.attribute_names) as w:
                record = w.record
                for row in rows:
                    record(row)

        return run

    timing = best(args.repeats, writer(old_csv), writer(new_csv))
    report("CSV writer record (+ close)", n, *timing, n)

    import zsa_sim.experiment.cases as new_cases

    old_cases = load_old(args.old_tree, "zsa_sim.experiment.cases")

    def table(module):
        def run() -> None:
            t = module.CaseTable.from_services(setup.services)
            record = t.record
            for row in rows:
                record(row)

        return run

    report("case table record", n, *best(args.repeats, table(old_cases), table(new_cases)), n)

    import zsa_sim.experiment.activities as new_act

    old_act = load_old(args.old_tree, "zsa_sim.experiment.activities")

    def stats(module):
        def run() -> None:
            record = module.ActivityStats(0.0, 1e9).record
            for row in rows:
                record(row)

        return run

    report("activity statistics record", n, *best(args.repeats, stats(old_act), stats(new_act)), n)

    import zsa_sim.engine.calendar as new_cal

    old_cal = load_old(args.old_tree, "zsa_sim.engine.calendar")
    spec = next(iter(setup.pools.values())).calendar
    cals = [
        module.WorkingCalendar(spec.epoch, spec.weekly, spec.closed_days, spec.always,
                               spec.horizon_days)
        for module in (old_cal, new_cal)
    ]  # fmt: skip
    times = (np.random.default_rng(1).random(200_000) * 365 * 1440).tolist()
    for c in cals:
        c.is_open(0.0)  # build the layout

    def opens(c):
        return lambda: [c.is_open(t) for t in times]

    # calls per replication: from a cProfile of the pilot (StaffPool.acquire/release)
    report("calendar is_open", len(times), *best(args.repeats, opens(cals[0]), opens(cals[1])),
           134_603)  # fmt: skip

    import zsa_sim.randomness as new_rand

    old_rand = load_old(args.old_tree, "zsa_sim.randomness")
    key = ("effort", "wohngeld", "Halle", "Task_X")
    indices = np.random.default_rng(2).integers(0, 8000, 200_000).tolist()

    def sampler(rng, size):
        return rng.lognormal(3.0, 0.4, size)

    def draws(module):
        table = module.DrawTable(1, 0)
        draw = table.draw
        for i in range(0, 8000, 1024):
            draw(key, 0, i, sampler)
        return lambda: [draw(key, 0, i, sampler) for i in indices]

    old_draw, new_draw = draws(old_rand), draws(new_rand)
    assert old_draw() == new_draw()
    report("draw table draw", len(indices), *best(args.repeats, old_draw, new_draw), 158_004)


if __name__ == "__main__":
    main()
