"""zsa-sim against Prosimos on the three-task model: wall time and mean cycle time.

Prosimos is installed only for this benchmark, into its own virtual environment under
``benchmarks/_work/`` (git-ignored); it is never a dependency of zsa-sim. Both engines
read ``benchmarks/models/three_task.bpmn``; Prosimos gets its parameters from
:mod:`prosimos_params`. Each engine simulates the same number of cases and writes its
event log to a CSV file (the fair comparison: Prosimos always logs). Prosimos's wall time
is that of its ``run_simulation`` call inside its own process (start-up and imports
excluded), zsa-sim's that of building the setup, simulating and writing the log; the
CPU seconds of the same spans are measured too (the fairer figure on a shared machine).
Peak memory is each process's own high-water mark of resident memory (VmHWM).

Both mean cycle times (last completion minus arrival, per case) come with 95 % batch-
means confidence intervals and are checked against the exact value of the Jackson
network (:func:`three_task.theory_cycle_time`).
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
import three_task
from prosimos_params import prosimos_parameters

HERE = Path(__file__).resolve().parent
WORK = HERE / "_work"
VENV = WORK / "prosimos-venv"
PROSIMOS = "prosimos==2.1.0"


@dataclass(frozen=True)
class EngineRun:
    """One engine's run of the three-task model."""

    name: str
    cases: int
    wall_seconds: float
    cpu_seconds: float
    peak_mb: float
    cycle_mean: float
    cycle_low: float
    cycle_high: float

    @property
    def cases_per_second(self) -> float:
        return self.cases / self.wall_seconds


def venv_python() -> Path:
    return VENV / "bin" / "python"


def ensure_prosimos(install: bool = True) -> str | None:
    """The Prosimos venv's Python, installing it first if asked; None if unavailable."""
    python = venv_python()
    check = [str(python), "-c", "import prosimos.simulation_engine"]
    if python.exists() and subprocess.run(check, capture_output=True).returncode == 0:
        return None
    if not install:
        return f"Prosimos is not installed in {VENV} (run without --no-install)"
    WORK.mkdir(exist_ok=True)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    result = subprocess.run(
        [str(VENV / "bin" / "pip"), "install", "-q", PROSIMOS], capture_output=True, text=True
    )
    if result.returncode != 0:
        return f"pip install {PROSIMOS} failed: {result.stderr.strip().splitlines()[-1:]}"
    print(f"installed {PROSIMOS} into {VENV} in {time.perf_counter() - started:.0f} s")
    return None


def run_child(args: list[str]) -> str:
    """Run a subprocess and return its stdout (it reports its own peak memory)."""
    result = subprocess.run(args, stdout=subprocess.PIPE, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"{args[0]} {args[1]} failed with exit code {result.returncode}")
    return result.stdout


def prosimos_cycle_times(log: Path) -> np.ndarray:
    """Per case (in case-id order = arrival order): last end minus first enable, minutes."""
    first: dict[int, float] = {}
    last: dict[int, float] = {}
    with open(log, newline="") as handle:
        for row in csv.DictReader(handle):
            case = int(row["case_id"])
            enabled = datetime.fromisoformat(row["enable_time"]).timestamp()
            ended = datetime.fromisoformat(row["end_time"]).timestamp()
            first[case] = min(first.get(case, enabled), enabled)
            last[case] = max(last.get(case, ended), ended)
    cases = sorted(first)
    return np.array([(last[c] - first[c]) / 60.0 for c in cases])


def run_prosimos(cases: int) -> EngineRun:
    WORK.mkdir(exist_ok=True)
    params = WORK / "three_task.prosimos.json"
    params.write_text(
        json.dumps(
            prosimos_parameters(three_task.MEAN, three_task.BRANCHES, three_task.INTERARRIVAL),
            indent=1,
        )
    )
    log = WORK / "three_task.prosimos.csv"
    out = run_child(
        [
            str(venv_python()),
            str(HERE / "prosimos_driver.py"),
            str(three_task.MODEL),
            str(params),
            str(cases),
            str(log),
        ]
    )
    wall, cpu, peak = (float(v) for v in out.strip().splitlines()[-1].split())
    mean, low, high = three_task.batch_means(prosimos_cycle_times(log))
    log.unlink()
    return EngineRun("Prosimos 2.1.0", cases, wall, cpu, peak, mean, low, high)


def run_zsa(cases: int, seed: int = 1) -> EngineRun:
    """zsa-sim in a child process (for its own peak memory), writing its CSV event log."""
    out = run_child([sys.executable, str(HERE / "zsa_three_task.py"), str(cases), str(seed)])
    wall, cpu, mean, low, high, peak = (float(v) for v in out.split())
    return EngineRun("zsa-sim", cases, wall, cpu, peak, mean, low, high)


def compare(cases: int, install: bool = True) -> tuple[EngineRun, EngineRun] | str:
    """Both runs, or the reason why Prosimos could not run."""
    problem = ensure_prosimos(install)
    if problem:
        return problem
    return run_zsa(cases), run_prosimos(cases)
