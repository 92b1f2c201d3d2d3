"""Start-up of the light commands as a user types them: CPU of the whole process.

Issue 19, target 2: ``zsa-sim --help``, ``inspect`` and ``validate`` under 0.5 s of CPU.
Each command runs as one child process (``python -m zsa_sim ...`` in the source tree
whose package is measured), and its CPU is what ``os.wait4`` reports for it: user +
system seconds of exactly that child, which the load of a shared machine disturbs much
less than wall time (wall time and peak memory are shown beside it). Before the
measured runs each command runs once unmeasured, so that Python's bytecode cache is
written as it is for an installed package (``PYTHONDONTWRITEBYTECODE`` is dropped from
the children's environment: without the cache every start compiles ~100 modules anew,
~0.3 s more).

With ``--before TREE`` (e.g. ``git worktree add /tmp/before COMMIT``) the same commands
run alternately in that tree and in this one, so both see the same load.

Usage: python3 benchmarks/startup.py [--repeats 7] [--before TREE] [--only pilot ...]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: (label, arguments of zsa-sim); the scenarios are those shipped in scenarios/
COMMANDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("--help", ("--help",)),
    ("inspect BPMN", ("inspect", "processes/wohngeld.bpmn")),
    ("validate BPMN", ("validate", "processes/hundehaltung.bpmn")),
    ("validate pilot", ("validate", "scenarios/pilot.yaml")),
    ("validate hybrid", ("validate", "scenarios/hybrid.yaml")),
    ("validate backlog", ("validate", "scenarios/backlog.yaml")),
    ("validate sachsen-anhalt", ("validate", "scenarios/sachsen-anhalt.yaml")),
)
#: the target of issue 19 for each of these commands
TARGET_CPU = 0.5


@dataclass(frozen=True)
class Start:
    """One child process: CPU seconds (user + system), wall seconds, peak RSS in MB."""

    cpu: float
    wall: float
    peak_mb: float


def child_env() -> dict[str, str]:
    """This environment, with the bytecode cache allowed (as for an installed package)."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def start(tree: Path, args: tuple[str, ...]) -> Start:
    """Run ``python -m zsa_sim ARGS`` in ``tree`` (the scenario paths from this tree)."""
    argv = [sys.executable, "-m", "zsa_sim", *(_path(a) for a in args)]
    began = time.perf_counter()
    child = subprocess.Popen(
        argv, cwd=tree, env=child_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - began
    assert child.stderr is not None
    stderr = child.stderr.read().decode(errors="replace")
    child.stderr.close()
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):  # 1: validate found something, still a complete start
        raise RuntimeError(f"{' '.join(argv[3:])} in {tree}: exit {code}: {stderr[-400:]}")
    # ru_maxrss is in KiB on Linux
    return Start(usage.ru_utime + usage.ru_stime, wall, usage.ru_maxrss / 1024.0)


def _path(arg: str) -> str:
    """Files of this tree by absolute path, so a ``--before`` tree reads the same ones."""
    candidate = ROOT / arg
    return str(candidate) if not arg.startswith("-") and candidate.exists() else arg


def measure(
    trees: list[Path], commands: list[tuple[str, tuple[str, ...]]], repeats: int
) -> dict[Path, dict[str, list[Start]]]:
    """Every command ``repeats`` times in every tree, alternating trees within a round."""
    runs: dict[Path, dict[str, list[Start]]] = {
        t: {label: [] for label, _ in commands} for t in trees
    }
    for tree in trees:
        for _, args in commands:
            start(tree, args)  # warm-up: writes the bytecode cache
    for round_ in range(repeats):
        for label, args in commands:
            order = trees if round_ % 2 == 0 else trees[::-1]
            for tree in order:
                runs[tree][label].append(start(tree, args))
    return runs


def markdown(
    runs: dict[Path, dict[str, list[Start]]], trees: list[Path], repeats: int, peak: bool = True
) -> str:
    """A table: one row per command, median CPU (and range) per tree, wall and peak.

    ``peak=False`` leaves the peak memory out: a child forked from a large process (the
    benchmark harness) reports that process's size as its own high-water mark.
    """
    names = ["before", "after"] if len(trees) == 2 else ["now"]
    head = "| command | " + " | ".join(f"{n}: CPU s (min-max)" for n in names)
    head += f" | wall s ({names[-1]}) |" + (f" peak MB ({names[-1]}) |" if peak else "")
    head += f" < {TARGET_CPU} s? |"
    lines = [head, "|" + "---|" * (len(names) + (4 if peak else 3))]
    for label in runs[trees[0]]:
        cells = []
        for tree in trees:
            cpu = sorted(r.cpu for r in runs[tree][label])
            cells.append(f"{statistics.median(cpu):.2f} ({cpu[0]:.2f}-{cpu[-1]:.2f})")
        last = runs[trees[-1]][label]
        median_cpu = statistics.median(r.cpu for r in last)
        wall = statistics.median(r.wall for r in last)
        peak_mb = statistics.median(r.peak_mb for r in last)
        met = "yes" if median_cpu < TARGET_CPU else "no"
        memory = f" {peak_mb:.0f} |" if peak else ""
        lines.append(f"| `zsa-sim {label}` | {' | '.join(cells)} | {wall:.2f} |{memory} {met} |")
    load = os.getloadavg()
    lines.append("")
    lines.append(
        f"Medians of {repeats} runs each (user + system CPU of the child process, "
        f"`os.wait4`); load average at the end {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}."
    )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--before", type=Path, help="also run this zsa-sim source tree")
    parser.add_argument(
        "--only", nargs="+", metavar="WORD", help="only the commands whose label has a WORD"
    )
    args = parser.parse_args()
    commands = [
        (label, argv)
        for label, argv in COMMANDS
        if not args.only or any(word in label for word in args.only)
    ]
    trees = [args.before.resolve(), ROOT] if args.before else [ROOT]
    print(markdown(measure(trees, commands, args.repeats), trees, args.repeats))


if __name__ == "__main__":
    main()
