"""Compare two earlier runs (e.g. the pilot before and after a change of staffing).

Two runs are separate experiments, so their difference is judged with the unpaired
(Welch) interval over replications: common random numbers only pair variants *within*
one run. When both runs used the same seed and replications, the pairing still holds
replication by replication and the paired interval is reported as well.
"""

from __future__ import annotations

import csv
import math
from collections import defaultdict
from pathlib import Path
from typing import NamedTuple

from zsa_sim.errors import ResultsError
from zsa_sim.experiment.comparison import verdict
from zsa_sim.experiment.results import load_summary
from zsa_sim.experiment.stats import Estimate, paired_difference, unpaired_difference

_Key = tuple[str, str, str, str, str]  # variant, service, municipality, pool, kpi


class RunDifference(NamedTuple):
    """Run B minus run A for one KPI of one variant, service and municipality (or pool)."""

    variant: str
    service: str
    municipality: str
    pool: str
    kpi: str
    unit: str
    mean_a: float
    mean_b: float
    difference: float
    ci_low: float
    ci_high: float
    paired: bool
    verdict_de: str
    verdict_en: str


def read_replication_kpis(run_dir: Path) -> dict[_Key, tuple[str, dict[int, float]]]:
    """KPI values by replication from ``kpis_by_replication.csv`` of a run folder."""
    path = Path(run_dir) / "kpis_by_replication.csv"
    if not path.is_file():
        raise ResultsError(
            "not a zsa-sim results folder (kpis_by_replication.csv missing)", source=run_dir
        )
    found: dict[_Key, tuple[str, dict[int, float]]] = {}
    with open(path, encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            key = (row["variant"], row["service"], row["municipality"], row["pool"], row["kpi"])
            value = float(row["value"]) if row["value"] else math.nan
            found.setdefault(key, (row["unit"], {}))[1][int(row["replication"])] = value
    return found


def compare_runs(run_a: Path, run_b: Path) -> list[RunDifference]:
    """Every KPI both runs report, as B minus A with a 95% confidence interval."""
    summary_a, summary_b = load_summary(run_a), load_summary(run_b)
    same_seed = summary_a["scenario"]["seed"] == summary_b["scenario"]["seed"]
    kpis_a, kpis_b = read_replication_kpis(run_a), read_replication_kpis(run_b)
    common = sorted(set(kpis_a) & set(kpis_b))
    if not common:
        raise ResultsError(
            f"the runs share no KPI (is {run_b} a run of another scenario?)", source=run_a
        )
    out = []
    for key in common:
        unit, a = kpis_a[key]
        _, b = kpis_b[key]
        reps = sorted(set(a) & set(b))
        paired = same_seed and len(reps) == len(a) == len(b) and len(reps) > 1
        if paired:
            est: Estimate = paired_difference([b[r] for r in reps], [a[r] for r in reps])
        else:
            est = unpaired_difference(list(b.values()), list(a.values()))
        mean_a = _mean(a.values())
        mean_b = _mean(b.values())
        out.append(
            RunDifference(
                *key,
                unit=unit,
                mean_a=mean_a,
                mean_b=mean_b,
                difference=est.mean,
                ci_low=est.ci_low,
                ci_high=est.ci_high,
                paired=paired,
                verdict_de=verdict(key[4], est, lang="de", unit=unit),
                verdict_en=verdict(key[4], est, lang="en", unit=unit),
            )
        )
    return out


def headline(differences: list[RunDifference], lang: str = "de") -> dict[str, list[str]]:
    """Verdict lines per municipality for the main KPIs (all services together)."""
    lines: dict[str, list[str]] = defaultdict(list)
    for d in differences:
        if d.service == "all" and not d.pool and d.kpi in ("waiting_time_p90", "lead_time_p90"):
            text = d.verdict_de if lang == "de" else d.verdict_en
            lines[d.municipality].append(f"{d.variant}: {text}")
    return dict(lines)


def _mean(values: object) -> float:
    finite = [v for v in values if not math.isnan(v)]  # type: ignore[attr-defined]
    return sum(finite) / len(finite) if finite else math.nan
