"""A what-if as a user asks it (issue 19): the pilot with one changed parameter.

``zsa-sim run`` of the pilot with ``zsa.staff`` changed (a scenario with ``base:``
pointing at ``scenarios/pilot.yaml``), 10 replications x 2 variants, KPIs and verdicts
without charts (``--no-report --eventlog none``) on 2 worker processes; with
``--report`` the full run with charts, report and the default event log instead.
Reports the CPU seconds of the whole process tree (``os.wait4``: the command and its
reaped worker processes), wall seconds and peak memory. On a shared machine the wall
time depends on the load; CPU / 2 is the wall time the run would need on two idle cores.

Usage: python3 benchmarks/whatif.py [--report] [--staff 12.75] [--tree PATH]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE)]

from user_level import USER_WORK, run_measured  # noqa: E402

ROOT = HERE.parent


def whatif_scenario(staff: float) -> Path:
    USER_WORK.mkdir(parents=True, exist_ok=True)
    path = USER_WORK / "pilot_whatif.yaml"
    base = Path("..", "..", "..", "scenarios", "pilot.yaml").as_posix()
    path.write_text(f"base: {base}\nzsa:\n  staff: {staff}\n", encoding="utf-8")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--staff", type=float, default=12.75)
    parser.add_argument("--report", action="store_true", help="full run with the report")
    parser.add_argument("--tree", type=Path, default=ROOT, help="zsa-sim source tree to run")
    args = parser.parse_args()
    scenario = whatif_scenario(args.staff)
    out = Path(tempfile.mkdtemp(prefix="whatif_", dir=USER_WORK))
    extra = [] if args.report else ["--no-report", "--eventlog", "none"]
    try:
        run, _ = run_measured(
            [
                sys.executable,
                "-m",
                "zsa_sim",
                "run",
                str(scenario),
                "-j",
                "2",
                "-q",
                "-o",
                str(out),
                *extra,
            ],
            cwd=args.tree,
        )
    finally:
        shutil.rmtree(out, ignore_errors=True)
    print(
        f"CPU {run.cpu:.1f} s (CPU/2 = {run.cpu / 2:.1f} s), wall {run.wall:.1f} s, "
        f"peak {run.peak_mb:.0f} MB"
    )


if __name__ == "__main__":
    main()
