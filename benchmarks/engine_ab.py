"""CPU of one pilot replication on two source trees, alternately in one process.

Both trees' ``zsa_sim`` packages are imported into this process; before each run the
``sys.modules`` entries of the tree about to run are put in place, so that imports made
inside functions (the package imports some modules lazily) resolve to the same tree.
Runs alternate old, new, old, new, ... and each is timed with ``time.process_time``;
on a shared, loaded machine only such alternating CPU-time ratios are meaningful
(issue 19). Prints each pair and the medians and their ratio. The replications write
no event log (``log=None``) but feed every other sink, as a what-if does.

Run:  python3 benchmarks/engine_ab.py /tmp/zsa_old [--new .] [--repeats 7]
      [--variant zentral] [--replication 2]
"""

from __future__ import annotations

import argparse
import gc
import importlib
import statistics
import sys
import time
from pathlib import Path
from types import ModuleType

HERE = Path(__file__).resolve().parent


def load_tree(root: Path) -> dict[str, ModuleType]:
    """Import ``zsa_sim`` (and what a replication needs of it) from ``root``; returns
    its modules and leaves ``sys.modules`` without any ``zsa_sim`` entry."""
    for name in [n for n in sys.modules if n == "zsa_sim" or n.startswith("zsa_sim.")]:
        del sys.modules[name]
    sys.path.insert(0, str(root))
    try:
        importlib.import_module("zsa_sim.experiment.replication")
        importlib.import_module("zsa_sim.scenario")
    finally:
        sys.path.remove(str(root))
    modules = {n: m for n, m in sys.modules.items() if n == "zsa_sim" or n.startswith("zsa_sim.")}
    for name in modules:
        del sys.modules[name]
    return modules


def use(modules: dict[str, ModuleType]) -> None:
    """Make ``modules`` the ``zsa_sim`` of this process (and forget the other tree's)."""
    for name in [n for n in sys.modules if n == "zsa_sim" or n.startswith("zsa_sim.")]:
        del sys.modules[name]
    sys.modules.update(modules)


def runner(root: Path, scenario: Path, variant: str, replication: int):
    """A function that runs the replication on the tree at ``root``."""
    modules = load_tree(root)
    use(modules)
    replication_module = modules["zsa_sim.experiment.replication"]
    loaded = modules["zsa_sim.scenario"].load_scenario(scenario)
    task = replication_module.ReplicationTask(loaded, variant, replication, None)

    def run() -> float:
        use(modules)
        gc.collect()
        t = time.process_time()
        replication_module.run_replication(task)
        elapsed = time.process_time() - t
        modules.update(
            (n, m) for n, m in sys.modules.items() if n == "zsa_sim" or n.startswith("zsa_sim.")
        )  # modules imported lazily by this run
        return elapsed

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old", type=Path)
    parser.add_argument("--new", type=Path, default=HERE.parent)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--scenario", type=Path, default=HERE.parent / "scenarios" / "pilot.yaml")
    parser.add_argument("--variant", default="zentral")
    parser.add_argument("--replication", type=int, default=2)
    args = parser.parse_args()
    old = runner(args.old.resolve(), args.scenario, args.variant, args.replication)
    new = runner(args.new.resolve(), args.scenario, args.variant, args.replication)
    old(), new()  # warm up: lazy imports, caches
    olds, news = [], []
    for i in range(args.repeats):
        olds.append(old())
        news.append(new())
        print(
            f"{i}: old {olds[-1]:.3f} s  new {news[-1]:.3f} s  ratio {news[-1] / olds[-1]:.3f}",
            flush=True,
        )
    m_old, m_new = statistics.median(olds), statistics.median(news)
    ratios = [n / o for o, n in zip(olds, news, strict=True)]
    print(
        f"median old {m_old:.3f} s, new {m_new:.3f} s: new/old {m_new / m_old:.3f} "
        f"(median of pair ratios {statistics.median(ratios):.3f})"
    )


if __name__ == "__main__":
    main()
