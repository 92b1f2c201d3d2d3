"""The draw table's cache, fixed against sized from the draw keys (issue 19).

Usage: python3 draw_cache.py COPIES {keys,fixed} [--days 60] [--variant zentral]

Runs one replication of the state-wide scenario (benchmarks/scenarios.py, the pilot's
municipalities copied COPIES times) as ``zsa-sim run`` does without an event log (case
table, activity statistics, KPIs), in this process, so run each setting in a process of
its own. ``fixed`` gives every simulation the old cache of 4,096 blocks, ``keys`` the
default: two blocks per (key, iteration) pair seen (zsa_sim.randomness.DrawTable).
"zentral" is one simulation of every municipality with the ZSA, the case for which the
fixed cache was too small. Prints: cases, CPU seconds, peak resident memory (MB), the
blocks generated (first uses and regenerations), the pairs seen and the cache size at
the end, summed over the run's simulations, and a digest of the KPI and case rows (the
two settings must print the same).
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE)]  # run from a fresh clone

from peak_memory import peak_mb  # noqa: E402

import scenarios  # noqa: E402
from zsa_sim.engine import simulation  # noqa: E402
from zsa_sim.experiment.replication import ReplicationTask, run_replication  # noqa: E402
from zsa_sim.randomness import DrawTable  # noqa: E402

#: the cache size before it was sized from the keys
FIXED_BLOCKS = 4096


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("copies", type=int)
    parser.add_argument("cache", choices=("keys", "fixed"))
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--variant", default="zentral")
    args = parser.parse_args()
    tables: list[DrawTable] = []

    class Recorded(DrawTable):
        def __init__(self, seed: int, replication: int, cache_blocks: int | None = None):
            if args.cache == "fixed":
                cache_blocks = FIXED_BLOCKS
            super().__init__(seed, replication, cache_blocks)
            tables.append(self)

    simulation.DrawTable = Recorded  # type: ignore[misc]
    scenario = scenarios.state_wide(args.copies).with_changes({"period.days": args.days})
    cpu = time.process_time()
    output = run_replication(ReplicationTask(scenario, args.variant, 0))
    cpu = time.process_time() - cpu
    digest = hashlib.sha256(repr((output.kpis, list(output.cases))).encode()).hexdigest()[:16]
    print(
        f"{args.cache}: cases {output.cases_started} cpu {cpu:.1f} s peak {peak_mb():.1f} MB "
        f"simulations {len(tables)} blocks generated {sum(t.blocks_generated for t in tables)} "
        f"pairs {sum(t.pairs_seen for t in tables)} "
        f"cache {max(t.cache_blocks for t in tables)} rows {digest}"
    )


if __name__ == "__main__":
    main()
