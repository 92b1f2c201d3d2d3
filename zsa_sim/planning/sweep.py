"""Parameter sweeps: one scenario run over a grid of values of one or more keys.

``zsa-sim sweep pilot.yaml --vary zsa.staff=1:6:0.5 --vary services.wohngeld.volume=0.8:1.4:0.2``
runs every combination (the Cartesian product) of the values, every variant and
replication, and reduces each run at once to its KPI rows (no event logs, no charts per
point), so a grid of hundreds of runs fits in memory and runs on the local cores or a
Dask cluster like any run. The result is one table, one row per grid point x variant x
service x municipality (or pool) x KPI, with the mean and 95% confidence interval over
replications (:func:`zsa_sim.experiment.comparison.aggregate`).

**Grids.** ``KEY=START:STOP:STEP`` includes ``STOP`` when it lies on the grid; the
values are ``START + i * STEP`` for integer ``i`` (rounded to 9 decimals), so 0.1 steps
do not drift (``0.8:1.4:0.2`` is 0.8, 1.0, 1.2, 1.4, never 1.4000000000000001). Also
``KEY=V1,V2,V3`` and ``KEY=V``. Every grid point is validated before anything runs, so a
bad value (``zsa.staff=0``) fails at once with its key path.

**Common random numbers** hold across grid points as across variants (streams are keyed
by applicant, not by organisation), so neighbouring points differ by the parameter, not
by chance. A variant that a key cannot affect (``zsa.*`` for a variant without ZSA,
``variants.<other>.*``) is simulated once and its rows repeated for every point: the
results are identical by construction, and a ``zsa.staff`` sweep costs half as much.
"""

from __future__ import annotations

import itertools
import math
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from zsa_sim.errors import ScenarioError
from zsa_sim.experiment.comparison import KpiSummary, aggregate
from zsa_sim.experiment.executors import make_executor
from zsa_sim.experiment.kpis import KPI_INFO, KpiValue
from zsa_sim.experiment.replication import ReplicationTask, run_replication
from zsa_sim.planning.targets import Target
from zsa_sim.scenario import Scenario, load_scenario

#: KPIs of a sweep unless told otherwise ("all" selects every KPI).
DEFAULT_KPIS: tuple[str, ...] = ("waiting_time_p90", "lead_time_workdays_p90", "utilisation")
#: More grid points than this is almost certainly a typo in the step.
MAX_POINTS = 10_000

#: Called after each finished run with (done, total).
SweepProgress = Callable[[int, int], None]


@dataclass(frozen=True)
class Vary:
    """One swept key and its values, in order."""

    key: str
    values: tuple[float, ...]
    #: the text it was parsed from
    text: str = ""


def grid_values(start: float, stop: float, step: float) -> tuple[float, ...]:
    """``start, start + step, ...`` up to ``stop`` inclusive, by integer counts (no drift)."""
    if not step > 0:
        raise ValueError(f"step must be positive, got {step:g}")
    if stop < start:
        raise ValueError(f"stop {stop:g} lies below start {start:g}")
    count = math.floor((stop - start) / step + 1e-9)
    if count + 1 > MAX_POINTS:
        raise ValueError(f"{count + 1} values; at most {MAX_POINTS}")
    return tuple(round(start + i * step, 9) for i in range(count + 1))


_NUMBER = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?"


def parse_vary(text: str) -> Vary:
    """Read ``KEY=START:STOP:STEP``, ``KEY=V1,V2,...`` or ``KEY=V`` (see the module docstring)."""
    key, sep, spec = text.partition("=")
    key, spec = key.strip(), spec.strip()
    usage = "expected KEY=START:STOP:STEP, KEY=V1,V2,... or KEY=V, e.g. zsa.staff=1:6:0.5"
    if not sep or not key or not spec or not re.fullmatch(r"[\w\-]+(\.[\w\-]+)*", key):
        raise ScenarioError(f"--vary {text!r}: {usage}")
    try:
        if ":" in spec:
            parts = spec.split(":")
            if len(parts) != 3 or not all(re.fullmatch(_NUMBER, p.strip()) for p in parts):
                raise ValueError(usage)
            start, stop, step = (float(p) for p in parts)
            values = grid_values(start, stop, step)
        else:
            items = [p.strip() for p in spec.split(",")]
            if not all(re.fullmatch(_NUMBER, p) for p in items):
                raise ValueError(usage)
            values = tuple(round(float(p), 9) for p in items)
            if len(set(values)) != len(values):
                raise ValueError("a value is listed twice")
    except ValueError as err:
        raise ScenarioError(f"--vary {text!r}: {err}") from None
    return Vary(key, values, text)


@dataclass(frozen=True)
class SweepRow:
    """One KPI of one variant at one grid point: mean and interval over replications."""

    point: int
    variant: str
    summary: KpiSummary


@dataclass(frozen=True)
class SweepResult:
    """A finished sweep: the grid, the KPI table and how it was run."""

    scenario: Scenario
    varies: tuple[Vary, ...]
    variants: tuple[str, ...]
    kpis: tuple[str, ...]
    replications: int
    #: grid points, each one value per swept key (in ``varies`` order)
    points: tuple[tuple[float, ...], ...]
    rows: tuple[SweepRow, ...]
    #: variants simulated once because no swept key affects them
    invariant: tuple[str, ...]
    simulated_runs: int
    wall_seconds: float
    target: Target | None = None

    @property
    def keys(self) -> tuple[str, ...]:
        """The swept keys, in order."""
        return tuple(v.key for v in self.varies)

    def table(self) -> list[dict[str, Any]]:
        """The rows of sweep.csv: point, one column per key, then the KPI summary."""
        out = []
        for row in self.rows:
            record: dict[str, Any] = {"point": row.point}
            record.update(zip(self.keys, self.points[row.point], strict=True))
            record.update(row.summary._asdict())
            out.append(record)
        return out

    @property
    def columns(self) -> tuple[str, ...]:
        """The columns of sweep.csv."""
        return ("point", *self.keys, *KpiSummary._fields)

    def to_dict(self) -> dict[str, Any]:
        """sweep.json: the grid and how it was made, plus the table (deterministic)."""
        s = self.scenario
        return {
            "kind": "zsa-sim sweep",
            "scenario": {
                "name": s.name,
                "file": Path(s.source).name if s.source else "",
                "seed": s.seed,
            },
            "varies": [
                {"key": v.key, "values": list(v.values), "text": v.text} for v in self.varies
            ],
            "variants": list(self.variants),
            "invariant_variants": list(self.invariant),
            "kpis": list(self.kpis),
            "replications": self.replications,
            "points": [dict(zip(self.keys, p, strict=True)) for p in self.points],
            "target": None if self.target is None else self.target.to_dict(),
            "simulated_runs": self.simulated_runs,
            "rows": self.table(),
        }


def unaffected(scenario: Scenario, variant: str, keys: Iterable[str]) -> bool:
    """True when no key can change what the variant simulates (see the module docstring)."""
    spec = scenario.variants[variant]
    for key in keys:
        if (key == "zsa" or key.startswith("zsa.")) and spec.zsa is None:
            continue
        parts = key.split(".")
        if len(parts) >= 2 and parts[0] == "variants" and parts[1] != variant:
            continue
        return False
    return True


def _kpis_of_run(task: ReplicationTask) -> list[KpiValue]:
    """A run reduced to its KPI rows in the worker (cases are not sent back)."""
    return run_replication(task).kpis


def _select_kpis(kpis: Sequence[str] | None) -> tuple[str, ...]:
    if not kpis:
        return DEFAULT_KPIS
    if "all" in kpis:
        return tuple(KPI_INFO)
    unknown = [k for k in kpis if k not in KPI_INFO]
    if unknown:
        raise ScenarioError(
            f"--kpi: unknown KPI {', '.join(unknown)} (known: {', '.join(KPI_INFO)}, all)"
        )
    return tuple(dict.fromkeys(kpis))


def run_sweep(
    scenario: Scenario | str | Path,
    varies: Sequence[Vary],
    *,
    variants: Sequence[str] | str | None = None,
    replications: int | None = None,
    jobs: int | None = None,
    scheduler: str | None = None,
    kpis: Sequence[str] | None = None,
    target: Target | None = None,
    progress: SweepProgress | None = None,
) -> SweepResult:
    """Run every grid point x variant x replication and summarise the chosen KPIs."""
    started = time.perf_counter()
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    if target is not None:
        scenario = target.period_for(scenario)  # a backlog target: the run ends on its day
    if not varies:
        raise ScenarioError("--vary: give at least one KEY=START:STOP:STEP")
    keys = [v.key for v in varies]
    if len(set(keys)) != len(keys):
        raise ScenarioError(f"--vary: a key is swept twice ({', '.join(keys)})")
    if isinstance(variants, str):
        variants = [variants]
    names = tuple(variants) if variants else tuple(scenario.variants)
    for name in names:
        if name not in scenario.variants:
            known = ", ".join(scenario.variants)
            raise ScenarioError(
                f"variants: unknown variant {name!r} (known: {known})", source=scenario.source
            )
    chosen = _select_kpis(kpis)
    reps = replications or scenario.replications
    if reps < 1:
        raise ScenarioError(f"replications must be at least 1, got {reps}")
    points = tuple(itertools.product(*(v.values for v in varies)))
    if len(points) > MAX_POINTS:
        raise ScenarioError(f"--vary: {len(points)} grid points; at most {MAX_POINTS}")
    scenarios = [scenario.with_changes(dict(zip(keys, p, strict=True))) for p in points]
    invariant = tuple(n for n in names if unaffected(scenario, n, keys))

    tasks: list[ReplicationTask] = []
    owners: list[tuple[int, str]] = []  # (point, variant) of each task
    for name in names:
        for index in [0] if name in invariant else range(len(points)):
            for r in range(reps):
                tasks.append(ReplicationTask(scenarios[index], name, r, None))
                owners.append((index, name))
    collected: dict[tuple[int, str], list[KpiValue]] = {}
    executor = make_executor(jobs, scheduler)
    wanted = set(chosen)
    for done, (i, rows) in enumerate(executor.map_unordered(_kpis_of_run, tasks), 1):
        collected.setdefault(owners[i], []).extend(r for r in rows if r.kpi in wanted)
        if progress is not None:
            progress(done, len(tasks))

    out: list[SweepRow] = []
    for index in range(len(points)):
        for name in names:
            source = (0, name) if name in invariant else (index, name)
            # replications arrive in any order; aggregate sorts them by number
            for summary in aggregate(collected.get(source, [])):
                out.append(SweepRow(index, name, summary))
    return SweepResult(
        scenario=scenario,
        varies=tuple(varies),
        variants=names,
        kpis=chosen,
        replications=reps,
        points=points,
        rows=tuple(out),
        invariant=invariant,
        simulated_runs=len(tasks),
        wall_seconds=round(time.perf_counter() - started, 3),
        target=target,
    )
