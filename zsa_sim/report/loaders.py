"""Read a results folder into typed data for the charts and the report.

The report reads only what a run wrote (``summary.json``, ``kpis.csv``,
``kpis_by_replication.csv``, ``comparison.csv``, ``cases.csv.gz``, ``activities.csv``,
``inputs/``), never the engine: a report can be rebuilt years later from the folder
alone. Columns become numpy arrays or typed rows (the project does not use pandas).

Everything a chart needs to know about the run's organisation comes from
``summary.json``: the variants (the baseline first), the services, the municipalities in
scenario order, the staff pools and the service-level targets. A missing or malformed
file raises a one-line :class:`~zsa_sim.errors.ResultsError` naming it.
"""

from __future__ import annotations

import csv
import math
import re
from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from zsa_sim.errors import ResultsError
from zsa_sim.experiment.activities import ActivityRow, read_activities
from zsa_sim.experiment.cases import CaseRecord, case_column
from zsa_sim.experiment.comparison import Comparison, KpiSummary
from zsa_sim.experiment.kpis import ALL, KpiValue
from zsa_sim.experiment.reading import bounded_lines, load_summary, open_results_text
from zsa_sim.experiment.replication import PoolInfo
from zsa_sim.experiment.weekly import WEEKLY_FILE, WeeklyRow

#: A run folder still being written (see zsa_sim.experiment.results): the stamp inside.
_PARTIAL = re.compile(r"\.partial-(\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d)-\d+(?:-\d+)?")
#: The variant every other one is compared with, unless the comparisons say otherwise.
DEFAULT_BASELINE = "dezentral"
#: The usual treatment, drawn right after the baseline.
DEFAULT_TREATMENT = "zentral"


class ServiceInfo(NamedTuple):
    """A service of the run: key (as in the log), display label and its BPMN file."""

    key: str
    label: str
    bpmn: str
    decision_task: str


class Target(NamedTuple):
    """A service-level target: the KPI (e.g. ``lead_time_workdays_p90``) and its maximum."""

    kpi: str
    max: float

    @property
    def quantile(self) -> float | None:
        """The quantile level a ``..._p90``/``..._median`` KPI refers to (None for means)."""
        suffix = self.kpi.rsplit("_", 1)[-1]
        if suffix == "median":
            return 0.5
        if suffix.startswith("p") and suffix[1:].isdigit():
            return int(suffix[1:]) / 100
        return None

    @property
    def working_days(self) -> bool:
        """True when the target counts working days rather than calendar days."""
        return self.kpi.startswith("lead_time_workdays")


#: A staff pool of one variant (a row of ``summary.json``'s ``pools``): the type the
#: runner writes the rows from.
Pool = PoolInfo


@dataclass(frozen=True)
class RunResults:
    """Everything the report reads from one results folder."""

    run_dir: Path
    summary: dict[str, Any]
    kpis: list[KpiSummary]
    kpis_by_replication: list[KpiValue]
    comparison: list[Comparison]
    #: cases.csv.gz as columns (CaseRecord fields); times in minutes since the epoch
    cases: dict[str, np.ndarray]
    activities: list[ActivityRow]
    variants: tuple[str, ...]
    baseline: str
    services: tuple[ServiceInfo, ...]
    #: municipalities in scenario order (as named in the log and the KPI rows)
    municipalities: tuple[str, ...]
    #: org units that are not municipalities (the central service unit, "ZSA")
    central_units: tuple[str, ...]
    pools: tuple[Pool, ...]
    targets: dict[str, Target]
    window_start: float
    window_end: float
    epoch: datetime
    #: municipality key -> display name (from the scenario parameters)
    display_names: dict[str, str] = field(default_factory=dict)
    #: each pool's weeks (pools_weekly.csv; empty for folders written before it existed)
    weekly: tuple[WeeklyRow, ...] = ()
    _kpi_index: dict[tuple[str, str, str, str, str], KpiSummary] = field(
        default_factory=dict, init=False, repr=False
    )

    def __post_init__(self) -> None:
        for row in self.kpis:
            key = (row.variant, row.service, row.municipality, row.pool, row.kpi)
            self._kpi_index[key] = row

    @property
    def run_name(self) -> str:
        """The run's folder name, also while the runner still writes into its partial
        folder (``.partial-<stamp>-<pid>`` is shown as ``<stamp>``)."""
        match = _PARTIAL.fullmatch(self.run_dir.name)
        return match.group(1) if match else self.run_dir.name

    @property
    def treatments(self) -> tuple[str, ...]:
        """The variants compared with the baseline, the usual treatment first."""
        return tuple(v for v in self.variants if v != self.baseline)

    @property
    def treatment(self) -> str:
        """The main treatment (``zentral`` if present): the variant titles speak of."""
        return self.treatments[0] if self.treatments else self.baseline

    @property
    def replications(self) -> int:
        """Number of replications of the run."""
        reps = self.summary.get("scenario", {}).get("replications")
        if isinstance(reps, int):
            return reps
        return len({row.replication for row in self.kpis_by_replication})

    def name(self, org_unit: str) -> str:
        """How a municipality (or org unit) is shown: its display name, e.g. 'Halle (Saale)'.

        The log and the KPI rows use the scenario's key ("Halle"); the scenario's
        ``name`` is for people.
        """
        return self.display_names.get(org_unit, org_unit)

    def service(self, key: str) -> ServiceInfo:
        """The service with this key."""
        for service in self.services:
            if service.key == key:
                return service
        raise KeyError(key)

    def kpi(
        self, variant: str, service: str, municipality: str, kpi: str, pool: str = ""
    ) -> KpiSummary | None:
        """One KPI's mean and interval over replications, or None if the run has none."""
        return self._kpi_index.get((variant, service, municipality, pool, kpi))

    def comparisons(
        self, kpi: str, service: str = ALL, treatment: str | None = None, pool: str = ""
    ) -> list[Comparison]:
        """Comparison rows of one KPI per municipality (not the "all" total), in order."""
        treatment = treatment or self.treatment
        rows = [
            c
            for c in self.comparison
            if c.kpi == kpi
            and c.service == service
            and c.pool == pool
            and c.treatment == treatment
            and c.municipality != ALL
        ]
        order = {m: i for i, m in enumerate(self.municipalities + self.central_units)}
        return sorted(rows, key=lambda c: order.get(c.municipality, len(order)))

    def municipalities_of(self, service: str) -> tuple[str, ...]:
        """The municipalities that have cases or KPIs of a service, in scenario order."""
        seen = {r.municipality for r in self.kpis if r.service == service and not r.pool}
        seen |= set(self.cases["municipality"][self.cases["service"] == service].tolist())
        return tuple(m for m in self.municipalities if m in seen)

    def verdicts(self, lang: str) -> dict[str, list[str]]:
        """The one-line verdicts per municipality in ``lang`` (as the run wrote them)."""
        out: dict[str, list[str]] = {}
        for municipality, by_lang in (self.summary.get("verdicts") or {}).items():
            lines = by_lang.get(lang) if isinstance(by_lang, dict) else None
            if lines:
                out[municipality] = [str(line) for line in lines]
        return out

    def window_arrivals(
        self, service: str, variant: str, municipality: str | None = None
    ) -> np.ndarray:
        """Which rows of :attr:`cases` arrived in the evaluation window (a boolean mask).

        Of one service and variant, all replications; of one municipality, or all.
        """
        c = self.cases
        mask = (
            (c["service"] == service)
            & (c["variant"] == variant)
            # the initial backlog arrived before the run (arrival < 0) and counts too
            & ((c["arrival"] >= self.window_start) | (c["arrival"] < 0))
            & (c["arrival"] < self.window_end)
        )
        if municipality is not None:
            mask &= c["municipality"] == municipality
        return mask

    def input_file(self, name: str) -> Path:
        """A file kept in ``inputs/`` (looked up by its base name)."""
        return self.run_dir / "inputs" / Path(name).name


def load_results(run_dir: str | Path) -> RunResults:
    """Read a results folder (see :doc:`notes/RESULTS.md`) into :class:`RunResults`.

    A folder whose files parse but hold something else than zsa-sim wrote (a summary
    entry of another type, deep inside) is a one-line ResultsError (issue 14).
    """
    try:
        return _load_results(Path(run_dir))
    except (AttributeError, TypeError, KeyError, IndexError, ValueError) as err:
        raise ResultsError(
            f"the results hold unexpected content ({type(err).__name__}: {str(err)[:120]}); "
            "not a folder zsa-sim wrote, or a damaged one",
            source=Path(run_dir),
        ) from err


def _load_results(run_dir: Path) -> RunResults:
    if not run_dir.is_dir():
        raise ResultsError("not a results folder (no such directory)", source=run_dir)
    summary = load_summary(run_dir)
    kpis = [_kpi_summary(r, n) for n, r in _csv_rows(run_dir / "kpis.csv")]
    by_rep = [_kpi_value(r, n) for n, r in _csv_rows(run_dir / "kpis_by_replication.csv")]
    comparison = [_comparison(r, n) for n, r in _csv_rows(run_dir / "comparison.csv")]
    cases = _read_cases(_first_existing(run_dir, ("cases.csv.gz", "cases.csv")))
    activities_path = run_dir / "activities.csv"
    activities = read_activities(activities_path) if activities_path.exists() else []

    scenario = summary.get("scenario") or {}
    variants = _variants(scenario, kpis, comparison)
    baseline = str(
        scenario.get("baseline") or (comparison[0].baseline if comparison else variants[0])
    )
    variants = (baseline, *(v for v in variants if v != baseline))
    municipalities = _municipalities(scenario, kpis, cases)
    pools = tuple(_pool(p) for p in summary.get("pools") or [])
    org_units = {p.org_unit for p in pools} | {r.municipality for r in kpis if r.pool}
    central = tuple(sorted(org_units - set(municipalities)))
    window = summary.get("window") or {}
    try:
        start = float(window["start_minutes"])
        end = float(window["end_minutes"])
        epoch = datetime.fromisoformat(str(window["epoch"]))
    except (KeyError, TypeError, ValueError) as err:
        raise ResultsError(
            f"summary.json: window needs start_minutes, end_minutes and epoch ({err})",
            source=run_dir / "summary.json",
        ) from err
    return RunResults(
        run_dir=run_dir,
        summary=summary,
        kpis=kpis,
        kpis_by_replication=by_rep,
        comparison=comparison,
        cases=cases,
        activities=activities,
        variants=variants,
        baseline=baseline,
        services=_services(scenario, kpis),
        municipalities=municipalities,
        central_units=central,
        pools=pools,
        targets=_targets(scenario),
        window_start=start,
        window_end=end,
        epoch=epoch,
        display_names=_display_names(scenario),
        weekly=_read_weekly(run_dir / WEEKLY_FILE),
    )


def _read_weekly(path: Path) -> tuple[WeeklyRow, ...]:
    """pools_weekly.csv as rows; none if the folder predates the file."""
    if not path.exists():
        return ()

    def make(r: dict[str, str]) -> WeeklyRow:
        return WeeklyRow(
            r["variant"], int(r["replication"]), r["org_unit"], r["role"], int(r["week"]),
            _float(r["busy_hours"]), _float(r["available_hours"]), _float(r["queue_mean"]),
        )  # fmt: skip

    return tuple(_typed(path.name, n, r, make) for n, r in _csv_rows(path))


# -- summary.json ------------------------------------------------------------------------


def _variants(
    scenario: dict[str, Any], kpis: list[KpiSummary], comparison: list[Comparison]
) -> tuple[str, ...]:
    names = list(scenario.get("variants") or {})
    for name in sorted({r.variant for r in kpis}):
        if name not in names:
            names.append(name)
    treatments = [c.treatment for c in comparison]

    def order(name: str) -> tuple[int, int, str]:
        if name == DEFAULT_BASELINE:
            return (0, 0, name)
        if name == DEFAULT_TREATMENT:
            return (1, 0, name)
        return (2, treatments.index(name) if name in treatments else len(treatments), name)

    return tuple(sorted(names, key=order))


def _municipalities(
    scenario: dict[str, Any], kpis: list[KpiSummary], cases: dict[str, np.ndarray]
) -> tuple[str, ...]:
    names: list[str] = []
    for entry in scenario.get("municipalities") or []:
        # the key as in the log ("key" if the summary has both, else "name")
        name = (entry.get("key") or entry.get("name")) if isinstance(entry, dict) else entry
        if name and name not in names:
            names.append(str(name))
    # Municipalities with cases but missing from the summary still get their charts.
    extra = {r.municipality for r in kpis if not r.pool and r.municipality != ALL}
    extra |= set(cases["municipality"].tolist())
    names += sorted(extra - set(names))
    return tuple(names)


def _display_names(scenario: dict[str, Any]) -> dict[str, str]:
    out: dict[str, str] = {}
    parameters = scenario.get("parameters") or {}
    for key, entry in (parameters.get("municipalities") or {}).items():
        if isinstance(entry, dict) and entry.get("name"):
            out[str(key)] = str(entry["name"])
    for entry in scenario.get("municipalities") or []:
        if isinstance(entry, dict) and entry.get("key") and entry.get("name"):
            out[str(entry["key"])] = str(entry["name"])
    zsa = parameters.get("zsa")
    if isinstance(zsa, dict) and zsa.get("name"):
        out.setdefault(str(zsa["name"]), str(zsa["name"]))
    return out


def _services(scenario: dict[str, Any], kpis: list[KpiSummary]) -> tuple[ServiceInfo, ...]:
    out: list[ServiceInfo] = []
    for entry in scenario.get("services") or []:
        key = str(entry.get("key", ""))
        out.append(
            ServiceInfo(
                key,
                str(entry.get("label") or key),
                str(entry.get("bpmn") or ""),
                # the task's name where the run recorded it (readers do not know ids)
                str(entry.get("decision_task_name") or entry.get("decision_task") or ""),
            )
        )
    known = {s.key for s in out}
    for key in sorted({r.service for r in kpis if not r.pool} - known - {ALL}):
        out.append(ServiceInfo(key, key, "", ""))
    return tuple(out)


def _targets(scenario: dict[str, Any]) -> dict[str, Target]:
    out = {}
    for service, spec in (scenario.get("targets") or {}).items():
        try:
            out[service] = Target(str(spec["kpi"]), float(spec["max"]))
        except (KeyError, TypeError, ValueError):
            continue  # a target the report cannot read is left out, not guessed
    return out


def _pool(entry: dict[str, Any]) -> Pool:
    return Pool(
        str(entry.get("id", "")),
        str(entry.get("org_unit", "")),
        str(entry.get("role", "")),
        _float(entry.get("fte")),
        _float(entry.get("cost_per_hour")),
        str(entry.get("variant", "")),
    )


# -- CSV files ---------------------------------------------------------------------------


def _first_existing(run_dir: Path, names: tuple[str, ...]) -> Path:
    for name in names:
        if (run_dir / name).exists():
            return run_dir / name
    raise ResultsError(f"no {' or '.join(names)} in the results folder", source=run_dir)


def _csv_rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    try:
        # bounded: a gzip bomb or an endless line is an error, not gigabytes (issue 14)
        with open_results_text(path) as handle:
            yield from enumerate(csv.DictReader(bounded_lines(handle, path)), start=2)
    except FileNotFoundError:
        raise ResultsError("missing from the results folder", source=path) from None
    except (OSError, UnicodeDecodeError, csv.Error, EOFError) as err:
        raise ResultsError(f"cannot read: {err}", source=path) from err


def _float(text: Any) -> float:
    if text is None or text == "":
        return math.nan
    return float(text)


def _bool(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in ("true", "1", "yes"):
        return True
    if lowered in ("false", "0", "no", ""):
        return False
    raise ValueError(f"not a boolean: {text!r}")


def _typed(path_name: str, number: int, row: dict[str, str], make: Any) -> Any:
    try:
        return make(row)
    except (KeyError, TypeError, ValueError) as err:
        raise ResultsError(f"{path_name}: line {number}: {err!r}") from err


def _kpi_summary(row: dict[str, str], number: int) -> KpiSummary:
    return _typed(
        "kpis.csv",
        number,
        row,
        lambda r: KpiSummary(
            r["variant"],
            r["service"],
            r["municipality"],
            r["pool"],
            r["kpi"],
            r["unit"],
            _float(r["mean"]),
            _float(r["ci_low"]),
            _float(r["ci_high"]),
            int(r["n"]),
            _float(r["sd"]),
        ),
    )


def _kpi_value(row: dict[str, str], number: int) -> KpiValue:
    return _typed(
        "kpis_by_replication.csv",
        number,
        row,
        lambda r: KpiValue(
            r["variant"],
            int(r["replication"]),
            r["service"],
            r["municipality"],
            r["pool"],
            r["kpi"],
            r["unit"],
            _float(r["value"]),
        ),
    )


_COMPARISON_FLOATS = {
    "treatment_mean",
    "baseline_mean",
    "difference",
    "ci_low",
    "ci_high",
    "unpaired_ci_low",
    "unpaired_ci_high",
    "relative_change",
}


def _comparison(row: dict[str, str], number: int) -> Comparison:
    def make(r: dict[str, str]) -> Comparison:
        values: dict[str, Any] = {}
        for name in Comparison._fields:
            text = r[name]
            if name in _COMPARISON_FLOATS:
                values[name] = _float(text)
            elif name == "n":
                values[name] = int(text)
            elif name == "significant":
                values[name] = _bool(text)
            else:
                values[name] = text
        return Comparison(**values)

    return _typed("comparison.csv", number, row, make)


_CASE_TEXT = ("variant", "case_id", "service", "municipality", "outcome")
#: case fields added after the first results folders were written (missing = unknown)
_LATER_CASE_FIELDS = frozenset({"caseworker_start"})


def _case_value(name: str, text: str) -> Any:
    if name in _CASE_TEXT:
        return text
    if name == "replication":
        return int(text)
    if name == "is_open":
        return _bool(text)
    return _float(text)


def _read_cases(path: Path) -> dict[str, np.ndarray]:
    """cases.csv(.gz) as columns: text as object arrays, times as float (NaN = never).

    Read field by field into compact columns (8 bytes a number, repeated text shared),
    not a tuple per case, so that the cases of a large run fit into memory.
    """
    fields = CaseRecord._fields
    columns: dict[str, list[Any] | array] = {
        n: [] if n in _CASE_TEXT or n == "is_open" else array("q" if n == "replication" else "d")
        for n in fields
    }
    appends = [columns[n].append for n in fields]
    shared: dict[str, str] = {}  # one str object per variant, service, ... value
    for number, row in _csv_rows(path):
        try:
            # caseworker_start came later: older folders lack it (NaN = unknown)
            values = [
                _case_value(n, row.get(n, "") if n in _LATER_CASE_FIELDS else row[n])
                for n in fields
            ]
        except (KeyError, TypeError, ValueError) as err:
            raise ResultsError(f"line {number}: {err!r}", source=path) from err
        for name, append, value in zip(fields, appends, values, strict=True):
            if name in _CASE_TEXT and name != "case_id":
                value = shared.setdefault(value, value)
            append(value)
    return {name: case_column(name, values) for name, values in columns.items()}
