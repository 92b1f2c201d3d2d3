"""Compare two earlier runs (e.g. the pilot before and after a change of staffing).

Method. Replication i of a run draws its random numbers from the run's seed and i only,
so two runs with the **same seed** share replication i's applicants and draws (common
random numbers) whatever their number of replications: the difference is then judged
on the replications both runs have, **paired** (``n`` says how many). Runs with
different seeds are independent experiments and get Welch's **unpaired** interval over
all their replications. Either way :func:`compare_notes` states the method and warns
when the inputs differ (another scenario file, another seed, other replications), so a
reader knows whether a difference is the change they made or something else.

A difference smaller than the unit's resolution is "no change" (see
:func:`zsa_sim.experiment.comparison.resolution`).
"""

from __future__ import annotations

import csv
import math
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple

from zsa_sim.errors import ResultsError
from zsa_sim.experiment.comparison import verdict
from zsa_sim.experiment.formatting import Lang
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
    #: replications the estimate rests on (pairs if paired)
    n: int
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
    """Every KPI both runs report, as B minus A with a 95% confidence interval.

    Paired over the common replications when both runs used the same seed (and there
    are at least two common ones), else unpaired (see the module docstring).
    """
    summary_a, summary_b = load_summary(run_a), load_summary(run_b)
    same_seed = _scenario(summary_a).get("seed") == _scenario(summary_b).get("seed")
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
        paired = same_seed and len(reps) > 1
        if paired:
            est: Estimate = paired_difference([b[r] for r in reps], [a[r] for r in reps])
            mean_a, mean_b = _mean(a[r] for r in reps), _mean(b[r] for r in reps)
        else:
            est = unpaired_difference(list(b.values()), list(a.values()))
            mean_a, mean_b = _mean(a.values()), _mean(b.values())
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
                n=est.n,
                verdict_de=verdict(key[4], est, lang="de", unit=unit),
                verdict_en=verdict(key[4], est, lang="en", unit=unit),
            )
        )
    return out


def _scenario(summary: dict) -> dict:
    scenario = summary.get("scenario")
    return scenario if isinstance(scenario, dict) else {}


def compare_notes(
    run_a: Path, run_b: Path, differences: list[RunDifference], lang: Lang | str = "de"
) -> list[str]:
    """The method used and a warning for every input that differs between the runs."""
    de = lang == "de"
    a, b = _scenario(load_summary(run_a)), _scenario(load_summary(run_b))
    notes = []
    paired = [d for d in differences if d.paired]
    if paired:
        n = max(d.n for d in paired)
        notes.append(
            f"Methode: gepaart über {n} gemeinsame Replikationen (gleicher Seed)"
            if de
            else f"method: paired over {n} common replications (same seed)"
        )
    else:
        notes.append(
            "Methode: ungepaart (Welch), die Läufe sind unabhängig"
            if de
            else "method: unpaired (Welch), the runs are independent"
        )
    checks = (
        # unrelated scenarios first: their differences are no effect of a change (issue 14)
        (
            "name",
            "Szenario (ein anderes: die Unterschiede sind keine Wirkung einer Änderung)",
            "scenario (another one: the differences are no effect of a change)",
        ),
        ("sha256", "Szenario-Datei (Hash)", "scenario file (hash)"),
        ("seed", "Seed", "seed"),
        ("replications", "Replikationen", "replications"),
    )
    for key, name_de, name_en in checks:
        if a.get(key) != b.get(key):
            shown_a, shown_b = (str(a.get(key))[:12], str(b.get(key))[:12])
            notes.append(
                f"Warnung: {name_de} verschieden ({shown_a} / {shown_b})"
                if de
                else f"warning: {name_en} differs ({shown_a} / {shown_b})"
            )
    return notes


def headline(differences: list[RunDifference], lang: str = "de") -> dict[str, list[str]]:
    """Verdict lines per municipality for the main KPIs (all services together)."""
    lines: dict[str, list[str]] = defaultdict(list)
    for d in differences:
        if d.service == "all" and not d.pool and d.kpi in ("waiting_time_p90", "lead_time_p90"):
            text = d.verdict_de if lang == "de" else d.verdict_en
            lines[d.municipality].append(f"{d.variant}: {text}")
    return dict(lines)


def _mean(values: Iterable[float]) -> float:
    finite = [v for v in values if not math.isnan(v)]
    return sum(finite) / len(finite) if finite else math.nan
