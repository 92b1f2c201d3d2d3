"""The workbench's run store: every run is a results folder, as ``zsa-sim run`` writes it.

A run of the workbench is an ordinary results folder under the output root
(``<root>/<version name>/<stamp>/``) whose ``inputs/`` keeps the scenario version it ran,
so the list of earlier runs is just :func:`~zsa_sim.experiment.results.list_runs`, and a
run made on the command line shows up too. What the page shows of a run (the conclusion
per municipality, the verdicts, side-by-side comparisons) is read from its
``summary.json``; nothing is recomputed here.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from zsa_sim.errors import ResultsError
from zsa_sim.experiment.formatting import Lang
from zsa_sim.experiment.results import list_runs, load_summary
from zsa_sim.report.i18n import amount, kpi_label, role_label, variant_label
from zsa_sim.web.texts import t as tr

#: the KPIs of the conclusion per municipality with their paired comparison; cost (of
#: the work done, summed over the unit's pools) and staff (FTE) are added from the pools
CONCLUSION_KPIS: tuple[str, ...] = ("lead_time_mean", "waiting_time_p90", "cost")
TIME_KPIS: tuple[str, ...] = ("lead_time_mean", "waiting_time_p90")
ALL = "all"
#: the treatment listed first (as in the report)
DEFAULT_TREATMENT = "zentral"


@dataclass(frozen=True)
class RunEntry:
    """One run in the list of earlier runs."""

    run_dir: Path
    #: scenario (version) name
    name: str
    #: the folder's timestamp name
    stamp: str
    description: str
    replications: int
    variants: tuple[str, ...]

    @property
    def label(self) -> str:
        """How the run is listed: '<version> · <stamp>'."""
        return f"{self.name} · {self.stamp}"

    @property
    def scenario_file(self) -> Path | None:
        """The scenario version kept in ``inputs/`` (None if the run kept none)."""
        scenario = _summary_scenario(self.run_dir)
        name = scenario.get("file")
        path = self.run_dir / "inputs" / Path(str(name)).name if name else None
        return path if path is not None and path.is_file() else None


#: summaries read, by results folder: (modification time, size, summary). The page
#: reads a run's summary.json several times for one answer (the entry, the conclusion,
#: each chart) and every run's for the list of runs after each run; a folder does not
#: change once written, and the time and size keep a replaced file from being served old
_SUMMARIES: dict[Path, tuple[int, int, dict[str, Any]]] = {}
#: how many summaries are kept (the pilot's is ~0.6 MB of JSON, ~3 MB in memory)
SUMMARIES_KEPT = 64
_SUMMARIES_LOCK = threading.Lock()


def summary_of(run_dir: Path) -> dict[str, Any]:
    """A run's summary as :func:`load_summary` reads it, read once while unchanged.

    Shared between callers: read it, never change it.
    """
    path = Path(run_dir) / "summary.json"
    try:
        stat = path.stat()
    except OSError:
        return load_summary(Path(run_dir))  # the reader's one-line error
    key = Path(run_dir).absolute()
    with _SUMMARIES_LOCK:
        kept = _SUMMARIES.get(key)
    if kept is not None and kept[:2] == (stat.st_mtime_ns, stat.st_size):
        return kept[2]
    summary = load_summary(Path(run_dir))
    with _SUMMARIES_LOCK:
        _SUMMARIES.pop(key, None)
        _SUMMARIES[key] = (stat.st_mtime_ns, stat.st_size, summary)
        while len(_SUMMARIES) > SUMMARIES_KEPT:
            del _SUMMARIES[next(iter(_SUMMARIES))]
    return summary


def _summary_scenario(run_dir: Path) -> dict[str, Any]:
    scenario = summary_of(run_dir).get("scenario")
    return scenario if isinstance(scenario, dict) else {}


def list_entries(out_root: Path) -> list[RunEntry]:
    """Every complete run under the output root, newest first (unreadable ones skipped)."""
    entries = []
    for run_dir in list_runs(Path(out_root)):
        try:
            entries.append(read_entry(run_dir))
        except (ResultsError, json.JSONDecodeError, KeyError, TypeError):
            continue  # a folder that is not a run of this tool: not listed
    return sorted(entries, key=lambda e: (e.stamp, e.name), reverse=True)


def read_entry(run_dir: Path) -> RunEntry:
    """The list entry of one results folder."""
    scenario = _summary_scenario(run_dir)
    return RunEntry(
        run_dir=Path(run_dir),
        name=str(scenario.get("name", run_dir.parent.name)),
        stamp=run_dir.name,
        description=str(scenario.get("description", "")),
        replications=int(scenario.get("replications", 0)),
        variants=tuple(scenario.get("variants", {})),
    )


@dataclass(frozen=True)
class Cell:
    """One KPI of one municipality: baseline and treatment means, the paired difference."""

    kpi: str
    unit: str
    baseline: float
    treatment: float
    difference: float
    #: the paired 95 % interval of the difference (None for sums over pools)
    ci_low: float | None
    ci_high: float | None
    significant: bool
    #: 'better', 'worse' or '' (no significant change)
    assessment: str


def _cell(row: dict[str, Any], assessment: str) -> Cell:
    """A :class:`Cell` from a row of the summary's paired comparison."""
    return Cell(
        kpi=row["kpi"],
        unit=row["unit"],
        baseline=float(row["baseline_mean"]),
        treatment=float(row["treatment_mean"]),
        difference=float(row["difference"]),
        ci_low=float(row["ci_low"]),
        ci_high=float(row["ci_high"]),
        significant=bool(row["significant"]),
        assessment=assessment,
    )


@dataclass(frozen=True)
class ConclusionRow:
    """The answer for one municipality (or the ZSA) under one treatment variant."""

    unit_key: str
    name: str
    treatment: str
    cells: dict[str, Cell]
    #: FTE without and with the ZSA
    staff: tuple[float, float]
    verdicts: tuple[str, ...]
    #: the central unit (no times of its own: its cases belong to the municipalities)
    central: bool = False


def _names(summary: dict[str, Any]) -> dict[str, str]:
    municipalities = summary.get("scenario", {}).get("municipalities", [])
    return {
        m["name"]: (m.get("display_name") or m["name"])
        for m in municipalities
        if isinstance(m, dict) and "name" in m
    }


def display_names(summary: dict[str, Any]) -> dict[str, str]:
    """Municipality key -> display name, in the scenario's order."""
    params = summary.get("scenario", {}).get("parameters", {}).get("municipalities", {})
    names = {key: (spec.get("name") or key) for key, spec in params.items()}
    order = list(_names(summary))
    ordered = {key: names.get(key, key) for key in order}
    ordered.update({key: name for key, name in names.items() if key not in ordered})
    return ordered


def _fte(summary: dict[str, Any], variant: str, org_unit: str) -> float:
    return sum(
        float(p["fte"])
        for p in summary.get("pools", [])
        if p.get("variant") == variant and p.get("org_unit") == org_unit
    )


def _pool_sum(summary: dict[str, Any], variant: str, org_unit: str, kpi: str) -> float:
    """A pool KPI's mean summed over the unit's pools (all services)."""
    return sum(
        float(k["mean"])
        for k in summary.get("kpis", [])
        if k["variant"] == variant
        and k["municipality"] == org_unit
        and k["service"] == ALL
        and k["pool"]
        and k["kpi"] == kpi
    )


def _central_units(summary: dict[str, Any], variant: str) -> set[str]:
    """Org units with pools in a variant that are not municipalities (the ZSA)."""
    municipalities = set(display_names(summary))
    return {
        str(p["org_unit"])
        for p in summary.get("pools", [])
        if p.get("variant") == variant and p.get("org_unit") not in municipalities
    }


def kpi_by_unit(
    summary: dict[str, Any], kpi: str, lang: Lang = "de"
) -> tuple[dict[tuple[str, str], dict[str, Any]], dict[str, str]]:
    """A KPI over all services: ``(variant, unit) -> row`` and ``unit -> label``.

    The units are the municipalities for a KPI of the cases (lead time) and their staff
    pools for a KPI of the staff (utilisation: 'Adorf · Sachbearbeitung', the ZSA's teams
    too), in the scenario's order.
    """
    names = display_names(summary)
    found = [k for k in summary.get("kpis", []) if k["kpi"] == kpi and k["service"] == ALL]
    chosen = [k for k in found if not k["pool"]] or found
    order = {m: i for i, m in enumerate(names)}
    chosen.sort(key=lambda k: (order.get(k["municipality"], len(order)), k["municipality"]))
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    labels: dict[str, str] = {}
    for k in chosen:
        municipality, pool = str(k["municipality"]), str(k["pool"] or "")
        if municipality == ALL:
            continue
        name = names.get(municipality) or tr("central_unit", lang)
        unit = f"{municipality}/{pool}" if pool else municipality
        labels[unit] = f"{name} · {role_label(pool, lang)}" if pool else name
        rows[(str(k["variant"]), unit)] = k
    return rows, labels


def conclusion(
    run_dir: Path, lang: Lang = "de", kpis: Iterable[str] = TIME_KPIS
) -> list[ConclusionRow]:
    """The conclusion per municipality for each treatment variant, in scenario order
    (``kpis``: the case KPIs compared; cost is always added)."""
    kpis = tuple(kpis)
    summary = summary_of(Path(run_dir))
    scenario = summary.get("scenario", {})
    baseline = str(scenario.get("baseline", ""))
    names = display_names(summary)
    order = list(names)
    rows: dict[tuple[str, str], dict[str, Cell]] = {}
    for c in summary.get("comparison", []):
        if c["service"] != ALL or c["pool"] or c["kpi"] not in kpis:
            continue
        if c["municipality"] == ALL:
            continue
        rows.setdefault((c["treatment"], c["municipality"]), {})[c["kpi"]] = _cell(
            c, str(c.get("assessment") or "")
        )
    compared = list(dict.fromkeys(c["treatment"] for c in summary.get("comparison", [])))
    treatments = sorted(
        (v for v in scenario.get("variants", {}) if v != baseline),
        key=lambda v: (v != DEFAULT_TREATMENT, compared.index(v) if v in compared else 99, v),
    )
    for treatment in treatments:
        for unit in {m for (t, m) in rows if t == treatment} | _central_units(summary, treatment):
            base = _pool_sum(summary, baseline, unit, "cost")
            treat = _pool_sum(summary, treatment, unit, "cost")
            rows.setdefault((treatment, unit), {})["cost"] = Cell(
                "cost", "EUR", base, treat, treat - base, None, None, False, ""
            )
    verdicts = summary.get("verdicts") or {}
    out = []
    for treatment in treatments:
        central_units = _central_units(summary, treatment)
        units = [m for m in order if (treatment, m) in rows]
        units += sorted(m for (t, m) in rows if t == treatment and m not in order)
        for unit in units:
            lines = verdicts.get(unit, {}).get(lang, []) if isinstance(verdicts, dict) else []
            # with one treatment the lines are its own; with more, each names its variant
            prefix = f"{treatment}, "
            mine = (
                tuple(line[len(prefix) :] for line in lines if line.startswith(prefix))
                if len(treatments) > 1
                else tuple(lines)
            )
            out.append(
                ConclusionRow(
                    unit_key=unit,
                    name=names.get(unit, unit),
                    treatment=treatment,
                    cells=rows[(treatment, unit)],
                    staff=(_fte(summary, baseline, unit), _fte(summary, treatment, unit)),
                    verdicts=mine,
                    central=unit in central_units,
                )
            )
    return out


def cell_text(cell: Cell | None, lang: Lang = "de") -> str:
    """'12,3 → 9,8 Tage (−2,5 [−3,1; −1,9])': both means, then the paired difference."""
    if cell is None:
        return "–"
    before = amount(cell.baseline, cell.unit, lang)
    after = amount(cell.treatment, cell.unit, lang)
    diff = amount(cell.difference, cell.unit, lang, difference=True)
    if cell.ci_low is None or cell.ci_high is None:
        return f"{before} → {after} ({diff})"
    sep = "; " if lang == "de" else ", "
    low = amount(cell.ci_low, cell.unit, lang, difference=True)
    high = amount(cell.ci_high, cell.unit, lang, difference=True)
    mark = "" if cell.significant else " n.s."
    return f"{before} → {after} ({diff} [{_bare(low)}{sep}{_bare(high)}]){mark}"


def _bare(text: str) -> str:
    """The number of an amount without its unit ('−3,1 Tage' -> '−3,1')."""
    return text.split(" ")[0]


def headline(row: ConclusionRow, lang: Lang = "de") -> str:
    """One word on the municipality's lead time: better, worse or no significant change."""
    cell = row.cells.get("lead_time_mean")
    if cell is None or not cell.significant:
        return tr("web.verdict.same", lang)
    return tr("web.verdict.better" if cell.difference < 0 else "web.verdict.worse", lang)


def kpi_headers(lang: Lang = "de") -> list[str]:
    """Column titles of the conclusion table, KPI names as the report writes them."""
    return [kpi_label(k, lang) for k in CONCLUSION_KPIS]


def compare_runs(run_dirs: Iterable[Path], kpi: str, lang: Lang = "de") -> list[dict[str, Any]]:
    """Side by side: one row per (treatment, municipality), one column per run (its mean).

    Rows show the KPI's treatment mean with the paired difference from the run's own
    baseline, so runs with different organisations read at a glance.
    """
    columns: list[str] = []
    table: dict[tuple[str, str], dict[str, str]] = {}
    for run_dir in run_dirs:
        entry = read_entry(Path(run_dir))
        column = entry.label
        columns.append(column)
        summary = summary_of(Path(run_dir))
        rows, labels = kpi_by_unit(summary, kpi, lang)
        if any("/" in unit for unit in labels):  # a KPI of the staff pools
            cells = _pool_cells(summary, kpi, rows, lang)
            order = list(labels)
            for treatment, unit in sorted(
                cells, key=lambda k: (k[0] != DEFAULT_TREATMENT, k[0], order.index(k[1]))
            ):
                table.setdefault((treatment, labels[unit]), {})[column] = cells[treatment, unit]
            continue
        for row in conclusion(Path(run_dir), lang, kpis=(kpi,)):
            if kpi not in row.cells:  # the ZSA: no cases of its own
                continue
            key = (row.treatment, row.name)
            table.setdefault(key, {})[column] = cell_text(row.cells.get(kpi), lang)
    return [
        {
            tr("web.col.variant", lang): variant_label(treatment, lang),
            tr("municipality", lang): name,
            **{c: cells.get(c, "–") for c in columns},
        }
        for (treatment, name), cells in table.items()
    ]


def _pool_cells(
    summary: dict[str, Any], kpi: str, rows: dict[tuple[str, str], dict[str, Any]], lang: Lang
) -> dict[tuple[str, str], str]:
    """A pool KPI per treatment and pool: 'baseline → treatment' ('–' where a pool has
    no baseline, as the ZSA's), with the paired interval where the run compared them."""
    scenario = summary.get("scenario", {})
    baseline = str(scenario.get("baseline", ""))
    paired = {
        (c["treatment"], f"{c['municipality']}/{c['pool']}"): c
        for c in summary.get("comparison", [])
        if c["service"] == ALL and c["pool"] and c["kpi"] == kpi
    }
    out: dict[tuple[str, str], str] = {}
    for (variant, unit), row in rows.items():
        if variant == baseline:
            continue
        c = paired.get((variant, unit))
        if c is not None:
            cell = _cell(c, "")
            out[(variant, unit)] = cell_text(cell, lang)
        else:
            before = rows.get((baseline, unit))
            start = amount(before["mean"], row["unit"], lang) if before else "–"
            out[(variant, unit)] = f"{start} → {amount(row['mean'], row['unit'], lang)}"
    return out
