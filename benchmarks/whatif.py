"""A what-if as a user lives it (issue 19): the pilot, then the pilot with one change.

1. **base**: ``zsa-sim run`` of the pilot (``scenarios/pilot.yaml``), 10 replications x
   2 variants, with an empty result cache, which it fills;
2. **what-if, warm**: the pilot with ``zsa.staff`` changed (a scenario with ``base:``
   pointing at the pilot), right after: "dezentral" is unchanged and comes from the
   cache, only "zentral" is simulated;
3. **what-if, cold**: the same changed scenario with ``--no-cache`` (every replication
   simulated), the figure before the cache.

All three with KPIs and verdicts but no charts (``--no-report --eventlog none``) on 2
worker processes; with ``--report`` the full runs with charts, report and the default
event log instead. The cache is a fresh temporary folder (``ZSA_SIM_CACHE``), removed
at the end, so the user's own cache is neither used nor touched. Reported per run: CPU
seconds of the whole process tree (``os.wait4``: the command and its reaped worker
processes), wall seconds, peak memory and how many replications came from the cache.
On a shared machine the wall time depends on the load; CPU / 2 is the wall time the
run would need on two idle cores.

Usage: python3 benchmarks/whatif.py [--report] [--staff 12.75] [--tree PATH] [--no-cold]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE)]

from user_level import USER_WORK, ProcessRun, run_measured  # noqa: E402

ROOT = HERE.parent
PILOT = ROOT / "scenarios" / "pilot.yaml"


def whatif_scenario(staff: float) -> Path:
    USER_WORK.mkdir(parents=True, exist_ok=True)
    path = USER_WORK / "pilot_whatif.yaml"
    base = Path("..", "..", "..", "scenarios", "pilot.yaml").as_posix()
    path.write_text(f"base: {base}\nzsa:\n  staff: {staff}\n", encoding="utf-8")
    return path


def run_once(
    scenario: Path, out: Path, tree: Path, cache: Path, report: bool, use_cache: bool = True
) -> tuple[ProcessRun, int]:
    """One ``zsa-sim run``; returns its measures and the replications from the cache."""
    extra = [] if report else ["--no-report", "--eventlog", "none"]
    env = {**os.environ, "ZSA_SIM_CACHE": str(cache) if use_cache else "off"}
    before = set(out.glob("*/*")) if out.exists() else set()
    args = [sys.executable, "-m", "zsa_sim", "run", str(scenario), "-j", "2", "-q", "-o", str(out)]
    run, _ = run_measured([*args, *extra], cwd=tree, env=env)
    made = sorted(set(out.glob("*/*")) - before)
    from_cache = 0
    if made and (made[-1] / "run.json").is_file():
        meta = json.loads((made[-1] / "run.json").read_text(encoding="utf-8"))
        from_cache = meta.get("cache", {}).get("replications_from_cache", 0)
    return run, from_cache


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--staff", type=float, default=12.75)
    parser.add_argument("--report", action="store_true", help="full runs with the report")
    parser.add_argument("--tree", type=Path, default=ROOT, help="zsa-sim source tree to run")
    parser.add_argument("--no-cold", action="store_true", help="skip the cold what-if")
    args = parser.parse_args()
    scenario = whatif_scenario(args.staff)
    USER_WORK.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="whatif_", dir=USER_WORK))
    cache = work / "cache"
    steps = [("base, cold (fills the cache)", PILOT, True), ("what-if, warm", scenario, True)]
    if not args.no_cold:
        steps.append(("what-if, cold (--no-cache)", scenario, False))
    print(f"{'run':<30} {'CPU s':>7} {'CPU/2':>6} {'wall s':>7} {'peak MB':>8} {'cached':>7}")
    try:
        for label, path, use_cache in steps:
            run, from_cache = run_once(
                path, work / "results", args.tree, cache, args.report, use_cache
            )
            print(
                f"{label:<30} {run.cpu:7.1f} {run.cpu / 2:6.1f} {run.wall:7.1f} "
                f"{run.peak_mb:8.0f} {from_cache:4d}/20",
                flush=True,
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
