"""zsa-sim benchmarks (issue 8): throughput, Prosimos, scaling; prints and writes a table.

Run from a fresh clone (Prosimos is installed into benchmarks/_work/ on first use):

    python3 benchmarks/run.py            # full run, about 45 minutes on 2 idle cores
    python3 benchmarks/run.py --quick    # smaller sizes, a few minutes
    zsa-sim bench [--quick]              # the same

Sections:

1. Throughput against hand-written SimPy, both in this process, alternately, best of
   ``--repeats``; measured in CPU seconds of this process (``time.process_time``), so
   that other load on a shared machine does not tilt the ratio; wall seconds are shown
   too. The engine sends its rows to a sink that counts them (simulation work, no I/O).
   - three-task model (benchmarks/three_task.py) against a direct SimPy model;
   - pilot, one replication of "zentral", against a SimPy replay of the same case paths
     (benchmarks/pilot_replay.py);
   - state-wide scenario (the pilot's municipalities x4, ~47,000 cases), same replay.
2. Prosimos 2.1.0 on the three-task model, same BPMN file, same number of cases, both
   writing a CSV event log; wall time ratio, peak memory and mean cycle time with 95 %
   batch-means intervals against the exact Jackson-network value.
3. The same as a user runs it (issue 19, benchmarks/user_level.py): ``zsa-sim run``
   and Prosimos as whole processes, imports and outputs included, alternating, medians.
4. Start-up (issue 19, benchmarks/startup.py): ``zsa-sim --help``, ``inspect`` and
   ``validate`` (a BPMN file and the shipped scenarios; the state-wide one not with
   ``--quick``) as whole processes, CPU medians.
5. Scaling through the full ``zsa-sim run`` pipeline (engine, streamed CSV event log,
   case table, KPIs, results folder; no XES, no report), one replication of one
   variant, each size in its own process: wall time and peak resident memory.

The results replace the part of benchmarks/results.md between the bench markers; the
rest of the file (the optimisations log) is kept.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import sys
import tempfile
import time
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE)]  # run from a fresh clone

import pilot_replay  # noqa: E402
import prosimos_bench  # noqa: E402
import startup  # noqa: E402
import three_task  # noqa: E402
import user_level  # noqa: E402

import scenarios  # noqa: E402
from zsa_sim.engine import simulate  # noqa: E402
from zsa_sim.scenario import build_setup  # noqa: E402

START, END = "<!-- bench:start -->", "<!-- bench:end -->"


def timed(fn: Callable[[], object]) -> tuple[float, float, object]:
    """(cpu seconds, wall seconds, result) of one call."""
    cpu, wall = time.process_time(), time.perf_counter()
    result = fn()
    return time.process_time() - cpu, time.perf_counter() - wall, result


def best_of(repeats: int, engine: Callable[[], object], hand: Callable[[], object]) -> dict:
    """Alternate engine and hand-written runs; keep the best CPU and wall time of each."""
    best = {"engine_cpu": 1e9, "engine_wall": 1e9, "hand_cpu": 1e9, "hand_wall": 1e9}
    result = None
    for _ in range(repeats):
        cpu, wall, result = timed(engine)
        best["engine_cpu"], best["engine_wall"] = (
            min(best["engine_cpu"], cpu),
            min(best["engine_wall"], wall),
        )
        cpu, wall, _ = timed(hand)
        best["hand_cpu"], best["hand_wall"] = (
            min(best["hand_cpu"], cpu),
            min(best["hand_wall"], wall),
        )
    best["result"] = result
    return best


def throughput_three_task(cases: int, repeats: int) -> dict:
    sink = three_task.CountingSink()

    def engine() -> object:
        sink.rows = 0
        return simulate(three_task.engine_setup(cases, 1), sink)

    best = best_of(repeats, engine, lambda: three_task.hand_written(cases, 1))
    return {"name": f"three-task model, {cases:,} cases", "cases": cases, "rows": sink.rows, **best}


def throughput_replay(name: str, scenario, variant: str, repeats: int) -> dict:
    collector = pilot_replay.RowCollector()
    simulate(build_setup(scenario, variant, 0), collector)
    replay = pilot_replay.replay_input(build_setup(scenario, variant, 0), collector.rows)
    rows = len(collector.rows)
    del collector
    sink = three_task.CountingSink()

    def engine() -> object:
        return simulate(build_setup(scenario, variant, 0), sink)

    best = best_of(repeats, engine, lambda: pilot_replay.run_replay(replay))
    cases = best["result"].cases_started
    return {"name": f"{name}, {cases:,} cases", "cases": cases, "rows": rows, **best}


def scaling(sizes: list[int]) -> list[dict]:
    """Each size in its own process: the full pipeline, then the engine with its log only."""
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in sizes:
            copies = scenarios.copies_for(size)
            row: dict = {}
            for mode, extra in (("full", []), ("engine", ["--engine-only"])):
                text = prosimos_bench.run_child(
                    [sys.executable, str(HERE / "scale_child.py"), str(copies), tmp, *extra]
                )
                cases, rows, wall, cpu, peak_text = text.split()
                peak = float(peak_text)
                row.update(cases=int(cases), rows=int(rows))
                row[f"{mode}_wall"], row[f"{mode}_cpu"] = float(wall), float(cpu)
                row[f"{mode}_peak"] = peak
                print(
                    f"  {mode:<6} {int(cases):>9,} cases {float(wall):8.1f} s {peak:8.0f} MB",
                    flush=True,
                )
            out.append(row)
    return out


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    versions = ", ".join(
        f"{name} {metadata.version(name)}" for name in ("simpy", "numpy") if _installed(name)
    )
    return (
        f"{cpu}, {cores} cores, {platform.system()} {platform.release()}; Python "
        f"{platform.python_version()}, {versions}, zsa-sim {_zsa_version()}"
        f"; load average at start {load:.1f}"
    )


def _zsa_version() -> str:
    from zsa_sim import __version__

    return __version__


def _installed(name: str) -> bool:
    try:
        metadata.version(name)
        return True
    except metadata.PackageNotFoundError:
        return False


def render(
    args: argparse.Namespace,
    info: str,
    through: list[dict],
    prosimos,
    scale,
    user=None,
    starts: str | None = None,
) -> str:
    lines = [
        START,
        f"## Results ({'quick' if args.quick else 'full'} run, {dt.date.today().isoformat()})",
        "",
        f"Machine: {info}.",
        "",
        "### Throughput against hand-written SimPy (target: ratio >= 0.50)",
        "",
        "| workload | zsa-sim cases/s | activity instances/s | hand SimPy cases/s "
        "| ratio (CPU) | ratio (wall) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for t in through:
        engine = t["cases"] / t["engine_cpu"]
        lines.append(
            f"| {t['name']} | {engine:,.0f} | {t['rows'] / t['engine_cpu']:,.0f} | "
            f"{t['cases'] / t['hand_cpu']:,.0f} | {t['hand_cpu'] / t['engine_cpu']:.2f} | "
            f"{t['hand_wall'] / t['engine_wall']:.2f} |"
        )
    lines += ["", "### Prosimos (target: zsa-sim >= 10x faster per case, same mean cycle time)", ""]
    if isinstance(prosimos, str):
        lines.append(f"Not run: {prosimos}.")
    else:
        zsa, pro = prosimos
        theory = three_task.theory_cycle_time()
        lines += [
            "| engine | cases | wall s | CPU s | cases/s (CPU) | peak MB "
            "| mean cycle time, min (95 % CI) |",
            "|---|---:|---:|---:|---:|---:|---|",
        ]
        for run in (zsa, pro):
            lines.append(
                f"| {run.name} | {run.cases:,} | {run.wall_seconds:.2f} | {run.cpu_seconds:.2f} | "
                f"{run.cases / run.cpu_seconds:,.0f} | {run.peak_mb:.0f} | {run.cycle_mean:.1f} "
                f"({run.cycle_low:.1f} - {run.cycle_high:.1f}) |"
            )
        agree = all(r.cycle_low <= theory <= r.cycle_high for r in (zsa, pro)) and (
            zsa.cycle_low <= pro.cycle_high and pro.cycle_low <= zsa.cycle_high
        )
        lines += [
            "",
            f"zsa-sim is **{pro.cpu_seconds / zsa.cpu_seconds:.1f}x** faster per case in CPU "
            f"time ({pro.wall_seconds / zsa.wall_seconds:.1f}x in wall time). "
            f"Exact mean cycle time (Jackson network): {theory:.1f} min; the two intervals "
            f"{'overlap and both contain it' if agree else 'DO NOT AGREE'}.",
        ]
    if user is not None:
        lines += ["", "### As a user runs it: whole processes (target: >= 10x less CPU)", ""]
        if isinstance(user, str):
            lines.append(f"Not run: {user}.")
        else:
            lines.append(user_level.markdown(user, 5_000 if args.quick else 50_000))
    if starts is not None:
        lines += [
            "",
            "### Start-up: the light commands as whole processes (target: < 0.5 s CPU)",
            "",
        ]
        lines.append(starts)
    lines += ["", "### Scaling: full pipeline, one process (target: 1M cases < 300 MB)", ""]
    if scale:
        lines += [
            "| cases | event-log rows | full pipeline: wall s | CPU s | CPU s per 100k cases "
            "| peak MB | engine + CSV log only: CPU s | peak MB |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for s in scale:
            lines.append(
                f"| {s['cases']:,} | {s['rows']:,} | {s['full_wall']:.1f} | "
                f"{s['full_cpu']:.1f} | {s['full_cpu'] / s['cases'] * 1e5:.1f} | "
                f"{s['full_peak']:.0f} | {s['engine_cpu']:.1f} | {s['engine_peak']:.0f} |"
            )
    else:
        lines.append("Not run (--scaling none).")
    lines += ["", END]
    return "\n".join(lines) + "\n"


def write_results(path: Path, block: str) -> None:
    text = path.read_text(encoding="utf-8") if path.exists() else "# zsa-sim benchmarks\n\n"
    if START in text and END in text:
        head, rest = text.split(START, 1)
        text = head + block.rstrip("\n") + rest.split(END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + block
    path.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes (a few minutes)")
    parser.add_argument("--out", type=Path, default=HERE / "results.md")
    parser.add_argument("--repeats", type=int, default=None)
    parser.add_argument("--no-prosimos", action="store_true", help="skip the Prosimos run")
    parser.add_argument("--no-install", action="store_true", help="do not install Prosimos")
    parser.add_argument("--scaling", default=None, help="comma-separated case counts, or 'none'")
    args = parser.parse_args(argv)
    quick = args.quick
    repeats = args.repeats or (2 if quick else 3)
    info = machine()
    print(f"machine: {info}", flush=True)

    through = []
    print("throughput ...", flush=True)
    through.append(throughput_three_task(10_000 if quick else 50_000, repeats))
    pilot = scenarios.load_scenario(scenarios.PILOT)
    through.append(throughput_replay("pilot (zentral)", pilot, "zentral", repeats))
    if not quick:
        big = scenarios.state_wide(4)
        through.append(throughput_replay("state-wide x4 (zentral)", big, "zentral", 1))

    prosimos: object = "skipped (--no-prosimos)"
    if not args.no_prosimos:
        print("Prosimos ...", flush=True)
        prosimos = prosimos_bench.compare(5_000 if quick else 50_000, not args.no_install)
        print("user level (zsa-sim run against Prosimos, whole processes) ...", flush=True)
        user = user_level.compare(5_000 if quick else 50_000, repeats, not args.no_install)
    else:
        user = None

    print("start-up (--help, inspect, validate) ...", flush=True)
    commands = [c for c in startup.COMMANDS if not (quick and "sachsen-anhalt" in c[0])]
    starts = startup.markdown(
        startup.measure([startup.ROOT], commands, repeats), [startup.ROOT], repeats, peak=False
    )

    if args.scaling == "none":
        sizes: list[int] = []
    elif args.scaling:
        sizes = [int(s) for s in args.scaling.split(",")]
    else:
        sizes = [10_000, 50_000] if quick else [10_000, 100_000, 1_000_000]
    print("scaling ...", flush=True)
    scale = scaling(sizes)

    block = render(args, info, through, prosimos, scale, user, starts)
    print(block)
    write_results(args.out, block)
    print(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
