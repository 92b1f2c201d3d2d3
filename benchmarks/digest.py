"""Fingerprint of a run's results, to prove that an optimisation changed nothing.

Runs replication 0 of every variant of the given scenarios (default: the pilot and the
hybrid scenario) through :func:`~zsa_sim.experiment.replication.run_replication` and
prints a sha256 of the uncompressed event log, one of its rows sorted (the same rows in
any order), one of the KPI and case rows and one of the activity rows. Run it
before and after a change to the engine; the digests must be identical.

Run:  python3 benchmarks/digest.py [scenario.yaml ...] [--replications 1]
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if "--tree" in sys.argv:  # measure another source tree, e.g. a git archive of HEAD~1
    sys.path.insert(0, sys.argv[sys.argv.index("--tree") + 1])
else:
    sys.path.insert(0, str(ROOT))  # run from a fresh clone

from zsa_sim.experiment.replication import ReplicationTask, run_replication  # noqa: E402
from zsa_sim.scenario import load_scenario  # noqa: E402

DEFAULT = (ROOT / "scenarios" / "pilot.yaml", ROOT / "scenarios" / "hybrid.yaml")


def digests(scenario_path: Path, replications: int = 1) -> dict[str, str]:
    """variant/replication -> sha256 (first 16 hex digits) of the uncompressed event log,
    of the KPI and case rows, and of the activity rows."""
    scenario = load_scenario(scenario_path)
    out: dict[str, str] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for variant in scenario.variants:
            for replication in range(replications):
                log = Path(tmp) / f"{variant}-{replication}.csv.gz"
                result = run_replication(ReplicationTask(scenario, variant, replication, log))
                with gzip.open(log, "rb") as handle:
                    text = handle.read()
                log_hash = hashlib.sha256(text).hexdigest()[:16]
                # the same rows in any order (issue 19: a replication split into groups
                # that share no staff writes one group's rows after the other's)
                lines = text.splitlines()
                rows_sorted = b"\n".join([lines[0], *sorted(lines[1:])])
                sorted_hash = hashlib.sha256(rows_sorted).hexdigest()[:16]
                # list(): the cases may be columns; as records the digest of older trees
                rows = repr((result.kpis, list(result.cases))).encode()
                rows_hash = hashlib.sha256(rows).hexdigest()[:16]
                activities = repr(result.activities).encode()
                act_hash = hashlib.sha256(activities).hexdigest()[:16]
                out[f"{scenario.name}/{variant}/{replication}"] = (
                    f"{log_hash} {sorted_hash} {rows_hash} {act_hash}"
                )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenarios", nargs="*", type=Path, default=list(DEFAULT))
    parser.add_argument("--replications", type=int, default=1)
    parser.add_argument("--tree", help="source tree to import zsa_sim from")
    args = parser.parse_args()
    for path in args.scenarios:
        for name, digest in digests(path, args.replications).items():
            print(f"{name:<40} {digest}")


if __name__ == "__main__":
    main()
