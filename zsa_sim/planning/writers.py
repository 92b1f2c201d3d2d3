"""Plan and sweep folders: written atomically next to the runs of a scenario.

``results/<scenario>/plan-<timestamp>/``:

- ``plan.json``: the plan (deterministic: same scenario, seed and options give the same
  bytes; no clock times), read back by :func:`zsa_sim.planning.section.load_plan`;
- ``plan.txt``: the text table the CLI prints;
- ``candidates.csv``: every verdict taken, one row per candidate, replications and group;
- ``run.json``: wall time, jobs, host (not deterministic, kept apart);
- ``inputs/``: the scenario and BPMN files used.

``results/<scenario>/sweep-<timestamp>/``: ``sweep.csv``, ``sweep.json``, ``charts/``
(PNG and SVG), ``run.json``, ``inputs/`` (see :mod:`zsa_sim.planning.sweep`).

Both use :class:`~zsa_sim.experiment.results.ResultsFolder` with a name prefix, so an
interrupted write leaves nothing behind and the folders are not taken for runs.
"""

from __future__ import annotations

import platform
import socket
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from zsa_sim.experiment.formatting import Lang
from zsa_sim.experiment.results import (
    ResultsFolder,
    copy_inputs,
    write_csv,
    write_json,
)
from zsa_sim.planning.evaluate import CandidateCheck
from zsa_sim.planning.planner import PlanResult
from zsa_sim.planning.section import PLAN_FILE, format_plan
from zsa_sim.planning.sweep import SweepResult

CANDIDATE_FIELDS = (
    "phase",
    "value",
    "replications",
    "meets",
    "service",
    "municipality",
    "mean",
    "bound",
    "n",
    "sd",
    "open_share",
    "group_meets",
    "close",
    "reason",
)


def _candidate_rows(result: PlanResult) -> Iterator[dict[str, Any]]:
    phases: list[tuple[str, tuple[CandidateCheck, ...]]] = [("staffing", result.search.evaluations)]
    if result.baseline_check is not None:
        phases.append((f"baseline:{result.baseline}", (result.baseline_check,)))
    econ = result.economics
    if econ is not None and econ.break_even is not None:
        phases.append(("break_even_volume", econ.break_even.checks))
    for phase, checks in phases:
        for check in checks:
            for g in check.groups:
                yield {
                    "phase": phase,
                    "value": check.value,
                    "replications": check.replications,
                    "meets": check.meets,
                    "service": g.service,
                    "municipality": g.municipality,
                    "mean": g.mean,
                    "bound": g.bound,
                    "n": g.n,
                    "sd": g.sd,
                    "open_share": g.open_share,
                    "group_meets": g.meets,
                    "close": g.close,
                    "reason": g.reason,
                }


def run_info(wall_seconds: float, jobs: int | None, scheduler: str | None) -> dict[str, Any]:
    """What run.json says: how long, where, with how many workers (not deterministic)."""
    from zsa_sim.experiment.executors import default_jobs

    return {
        "wall_seconds": wall_seconds,
        "jobs": jobs or default_jobs(),
        "scheduler": scheduler,
        "host": socket.gethostname(),
        "platform": platform.platform(),
        "python": sys.version.split()[0],
    }


def write_plan(
    result: PlanResult,
    out_root: str | Path = Path("results"),
    *,
    lang: Lang = "de",
    jobs: int | None = None,
    scheduler: str | None = None,
) -> Path:
    """Write a plan folder (see the module docstring) and return its path."""
    scenario = result.scenario
    with ResultsFolder(Path(out_root), scenario.name, prefix="plan-") as folder:
        write_json(folder.path / PLAN_FILE, result.to_dict())
        # inside the partial folder: the folder's rename makes it appear atomically
        (folder.path / "plan.txt").write_text(format_plan(result, lang) + "\n", encoding="utf-8")
        write_csv(folder.path / "candidates.csv", _candidate_rows(result), CANDIDATE_FIELDS)
        write_json(folder.path / "run.json", run_info(result.wall_seconds, jobs, scheduler))
        if scenario.source_files:
            copy_inputs(folder.path, scenario.source_files)
    assert folder.run_dir is not None
    return folder.run_dir


def write_sweep(
    result: SweepResult,
    out_root: str | Path = Path("results"),
    *,
    lang: Lang = "de",
    charts: bool = True,
    jobs: int | None = None,
    scheduler: str | None = None,
) -> Path:
    """Write a sweep folder: sweep.csv, sweep.json, charts (PNG and SVG), run.json, inputs."""
    scenario = result.scenario
    with ResultsFolder(Path(out_root), scenario.name, prefix="sweep-") as folder:
        write_csv(folder.path / "sweep.csv", result.table(), result.columns)
        files = []
        if charts:
            from zsa_sim.planning.charts import sweep_charts
            from zsa_sim.report.style import save_chart

            for chart in sweep_charts(result, lang):
                saved = save_chart(chart, folder.path / "charts")
                files.append(
                    {"name": saved.name, "title": saved.title, "caption": saved.caption,
                     "png": f"charts/{saved.png.name}", "svg": f"charts/{saved.svg.name}"}
                )  # fmt: skip
        write_json(folder.path / "sweep.json", {**result.to_dict(), "charts": files})
        write_json(folder.path / "run.json", run_info(result.wall_seconds, jobs, scheduler))
        if scenario.source_files:
            copy_inputs(folder.path, scenario.source_files)
    assert folder.run_dir is not None
    return folder.run_dir
