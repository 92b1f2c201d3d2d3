"""Benchmark: calibrating from an event log of about a million events (issue 18).

Target: under 2 minutes and under 500 MB on 2 cores. Not a test; run by hand::

    python3 benchmarks/calibrate_bench.py            # ~1 M events (scale 21)
    python3 benchmarks/calibrate_bench.py --scale 2  # a quick look

1. The truth scenario of the round-trip test (``tests/data/calibrate/truth.yaml``) is
   scaled up (population and staff times ``--scale``) and simulated once, one
   replication; its event log is kept in ``benchmarks/_work/calibrate/`` for reruns.
2. ``zsa-sim calibrate`` runs on that log in a child process: wall time and the child's
   own peak resident memory (VmHWM) are measured.
3. The recovered figures are compared with the truth, including each month's volume
   (at this size a month has ~10,000 cases, so the 5 % target per month is > 5 sigma).
"""

from __future__ import annotations

import argparse
import gzip
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TRUTH = ROOT / "tests/data/calibrate/truth.yaml"
BPMN = ROOT / "tests/data/scenarios/mini.bpmn"
WORK = ROOT / "benchmarks/_work/calibrate"
TRUE_MEANS = {
    "Task_Erfassen": 10.0,
    "Task_Pruefen": 35 / 3,
    "Task_Nachfordern": 5.0,
    "Task_Bescheid": 30.0,
    "Task_Versenden": 3.0,
    "Task_Abholung": 3.0,
}

CHILD = """
import json, sys, time
sys.path.insert(0, {root!r})
sys.path.insert(0, {bench!r})
from peak_memory import peak_mb
from zsa_sim.calibrate.writer import calibrate_to_file
started = time.perf_counter()
cpu = time.process_time()
cal = calibrate_to_file({log!r}, {bpmn!r}, {out!r}, service="antrag")
print(json.dumps({{"wall": time.perf_counter() - started, "cpu": time.process_time() - cpu,
    "peak_mb": peak_mb(), "rows": len(cal.table), "cases": len(cal.routing.fitting)}}))
"""


def make_log(scale: int) -> Path:
    """Simulate the scaled truth scenario once (cached) and return its CSV log."""
    target = WORK / f"truth_x{scale}.csv.gz"
    if target.is_file():
        return target
    from zsa_sim.experiment.runner import RunOptions, run_experiment

    WORK.mkdir(parents=True, exist_ok=True)
    changes = {
        "municipalities.Adorf.population": 200_000 * scale,
        "municipalities.Bdorf.population": 100_000 * scale,
        "municipalities.Adorf.staff": {"front_office": 2.0 * scale, "clerk": 4.0 * scale},
        "municipalities.Bdorf.staff": {"front_office": 1.0 * scale, "clerk": 2.0 * scale},
    }
    started = time.perf_counter()
    outcome = run_experiment(
        TRUTH,
        RunOptions(
            replications=1,
            jobs=1,
            out_root=WORK / "runs",
            report=False,
            xes="none",
            changes=changes,
        ),
    )
    (outcome.run_dir / "eventlog.csv.gz").replace(target)
    print(f"simulated the x{scale} truth in {time.perf_counter() - started:.0f} s -> {target}")
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=21)
    args = parser.parse_args()
    log = make_log(args.scale)
    with gzip.open(log, "rt", encoding="utf-8") as handle:
        events = sum(1 for _ in handle) - 1
    out = WORK / f"calibrated_x{args.scale}.yaml"
    code = CHILD.format(
        root=str(ROOT), bench=str(ROOT / "benchmarks"), log=str(log), bpmn=str(BPMN), out=str(out)
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, cwd=ROOT
    )
    if result.returncode != 0:
        sys.exit(result.stderr)
    measured = json.loads(result.stdout.strip().splitlines()[-1])
    from zsa_sim.scenario import load_scenario

    truth = load_scenario(TRUTH).services["antrag"]
    cal = load_scenario(out)
    service = cal.services["antrag"]
    yearly_true = 300_000 * args.scale * truth.cases_per_1000 / 1000
    yearly = sum(m.population for m in cal.municipalities.values()) * service.cases_per_1000 / 1000
    truth_months = [f / 12 * yearly_true for f in truth.normalised_seasonality]
    months = [f / 12 * yearly for f in service.normalised_seasonality]
    month_errors = [abs(m - t) / t for m, t in zip(months, truth_months, strict=True)]
    print(f"log: {events:,} events, {measured['cases']:,} cases replayed")
    print(
        f"calibrate: {measured['wall']:.1f} s wall, {measured['cpu']:.1f} s CPU, "
        f"peak {measured['peak_mb']:.0f} MB (targets: < 120 s, < 500 MB)"
    )
    print(f"yearly volume: {yearly:,.0f} (true {yearly_true:,.0f})")
    print("monthly volume error: " + ", ".join(f"{e:.1%}" for e in month_errors))
    for task, true_mean in TRUE_MEANS.items():
        mean = service.efforts[task].mean_minutes
        print(f"{task}: {service.efforts[task].describe()}, mean {mean:.3f} (true {true_mean:.3f})")
    print(f"Gw_Versand post: {service.branches['Gw_Versand']['Flow_Post']} (true 0.8)")


if __name__ == "__main__":
    main()
