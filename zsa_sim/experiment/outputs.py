"""Write a run's outputs: summary.json, KPI tables, cases, activities, event logs, inputs.

Everything here is deterministic: the same scenario and seed give byte-identical files
(``summary.json`` holds no wall-clock time; that lives in ``run.json``). The layout is
documented in ``results/README.md``.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

from zsa_sim import __version__
from zsa_sim.errors import ResultsError
from zsa_sim.eventlog.csv_log import join_event_logs, metadata_path, read_event_log_rows
from zsa_sim.eventlog.schema import ActivityRecord
from zsa_sim.experiment.activities import write_activities
from zsa_sim.experiment.case_file import (  # noqa: F401 - the case file's names, as before
    CASE_FIELDS,
    MINUTE_FIELDS,
    _reason,
    write_cases,
)
from zsa_sim.experiment.comparison import Comparison, KpiSummary, aggregate, compare_variants
from zsa_sim.experiment.replication import ReplicationOutput, ReplicationTask
from zsa_sim.experiment.results import snapshot_inputs, write_csv, write_inputs, write_json
from zsa_sim.experiment.weekly import WEEKLY_FILE, WeeklyRow
from zsa_sim.scenario import Scenario

BASELINE = "dezentral"
#: KPIs that make the one-line verdicts per municipality, in this order.
VERDICT_KPIS = ("waiting_time_p90", "lead_time_mean", "lead_time_p90")
_PACKAGES = ("simpy", "numpy", "scipy", "faker", "pydantic", "matplotlib")


def baseline_of(variants: Sequence[str]) -> str:
    """The variant others are compared with: ``dezentral`` if present, else the first."""
    return BASELINE if BASELINE in variants else variants[0]


def write_outputs(
    folder: Path,
    scenario: Scenario,
    tasks: Sequence[ReplicationTask],
    outputs: Sequence[ReplicationOutput],
    *,
    xes: str = "first",
    eventlog: str = "all",
    inputs: Mapping[str, bytes] | None = None,
) -> dict[str, Any]:
    """Write every output file into ``folder`` and return the summary.

    ``eventlog`` and ``xes`` say which tasks' event-log parts go into eventlog.csv.gz and
    eventlog.xes.gz: "all", "first" (replication 0 of each variant) or "none".
    ``inputs`` is the snapshot of the input files taken when the run started
    (:func:`~zsa_sim.experiment.results.snapshot_inputs`); without it they are read now.
    """
    kpi_rows = [row for out in outputs for row in out.kpis]
    summaries = aggregate(kpi_rows)
    variants = list(dict.fromkeys(out.variant for out in outputs))
    base = baseline_of(variants)
    comparisons: list[Comparison] = []
    for variant in variants:
        if variant != base:
            comparisons.extend(compare_variants(kpi_rows, treatment=variant, baseline=base))

    write_csv(folder / "kpis_by_replication.csv", (r._asdict() for r in kpi_rows), KPI_FIELDS)
    write_csv(folder / "kpis.csv", (s._asdict() for s in summaries), KpiSummary._fields)
    write_csv(folder / "comparison.csv", (c._asdict() for c in comparisons), Comparison._fields)
    write_csv(
        folder / WEEKLY_FILE,
        (w._asdict() for out in outputs for w in out.weekly),
        WeeklyRow._fields,
    )
    write_cases(folder / "cases.csv.gz", [out.cases_member or out.cases for out in outputs])
    write_activities((a for out in outputs for a in out.activities), folder / "activities.csv")
    if inputs is None:
        inputs = snapshot_inputs(scenario.source_files)
    write_inputs(folder, inputs)

    parts = [t.log_path for t in tasks if t.log_path is not None]
    if parts:
        csv_parts = [t.log_path for t in _in_scope(tasks, eventlog) if t.log_path]
        if csv_parts:
            merge_event_logs(csv_parts, folder / "eventlog.csv.gz")
        if xes != "none":
            # only here: XES is on request, and its writer is ~6 ms of every start
            from zsa_sim.eventlog.xes import write_xes

            chosen = _in_scope(tasks, xes)
            names = outputs[0].attribute_names if outputs else ()
            write_xes(
                _read_parts([t.log_path for t in chosen if t.log_path], scenario, names),
                folder / "eventlog.xes.gz",
                scenario.period.epoch,
                names,
                log_name=f"zsa-sim {scenario.name} (synthetic data)",
            )
        shutil.rmtree(parts[0].parent)

    source_name = Path(scenario.source).name if scenario.source else ""
    summary = build_summary(
        scenario, outputs, summaries, comparisons, base, inputs.get(source_name)
    )
    write_json(folder / "summary.json", summary)
    return summary


def _in_scope(tasks: Sequence[ReplicationTask], scope: str) -> list[ReplicationTask]:
    """The tasks with an event-log part that a scope includes ("first": replication 0)."""
    if scope == "none":
        return []
    return [t for t in tasks if t.log_path is not None and (scope == "all" or t.replication == 0)]


KPI_FIELDS = ("variant", "replication", "service", "municipality", "pool", "kpi", "unit", "value")


def merge_event_logs(parts: Sequence[Path], target: Path) -> int:
    """Concatenate the per-run event log parts (header once) into one gzip CSV.

    The parts share their columns (same scenario); the metadata sidecar of the first part
    is kept with the row count and column types of all parts.
    """
    rows = 0
    types: dict[str, str] = {}
    meta: dict[str, Any] = {}
    try:
        with open(target, "wb") as out:
            join_event_logs(parts, out)
    except OSError as err:  # a full disk, a quota (issue 14: it was a raw traceback)
        raise ResultsError(f"cannot merge the event log: {_reason(err)}", source=target) from err
    for part in parts:
        part_meta = json.loads(metadata_path(part).read_text(encoding="utf-8"))
        rows += part_meta["rows"]
        for name, kind in part_meta.get("attribute_types", {}).items():
            types.setdefault(name, kind)
        meta = meta or part_meta
    meta.update(file=target.name, rows=rows, attribute_types=dict(sorted(types.items())))
    write_json(metadata_path(target), meta)
    return rows


def _read_parts(
    parts: Sequence[Path], scenario: Scenario, names: Sequence[str]
) -> Iterator[ActivityRecord]:
    for part in parts:
        yield from read_event_log_rows(part, scenario.period.epoch, names)


def versions() -> dict[str, str]:
    """Versions of zsa-sim, Python and the packages that shape the results."""
    found = {"zsa_sim": __version__, "python": _python_version()}
    for name in _PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:  # pragma: no cover
            found[name] = "not installed"
    return found


def _python_version() -> str:
    import platform

    return platform.python_version()


def build_summary(
    scenario: Scenario,
    outputs: Sequence[ReplicationOutput],
    summaries: Sequence[KpiSummary],
    comparisons: Sequence[Comparison],
    baseline: str,
    scenario_bytes: bytes | None = None,
) -> dict[str, Any]:
    """The machine-readable summary of a run (see results/README.md).

    ``scenario_bytes``: the scenario file as the run read it (its hash is recorded).
    Paths are relative to the scenario file, so the same scenario in another folder
    gives the same bytes.
    """
    source = Path(scenario.source) if scenario.source else None
    if scenario_bytes is None and source is not None and source.is_file():
        scenario_bytes = source.read_bytes()
    window = scenario.period.window
    pools = {(p.variant, p.id): p for out in outputs for p in out.pools}
    return {
        "zsa_sim_version": __version__,
        "versions": versions(),
        "notice": "Alle Daten sind synthetisch. / All data are synthetic.",
        "scenario": {
            "name": scenario.name,
            "description": scenario.description,
            "file": source.name if source else "",
            "sha256": hashlib.sha256(scenario_bytes).hexdigest() if scenario_bytes else "",
            "period": {
                "start": scenario.period.start.isoformat(),
                "days": scenario.period.days,
                "warmup_days": scenario.period.warmup_days,
                "cooldown_days": scenario.period.cooldown_days,
            },
            "seed": scenario.seed,
            "replications": scenario.replications,
            "baseline": baseline,
            "variants": {name: v.description for name, v in scenario.variants.items()},
            "municipalities": [
                {
                    "name": key,
                    "population": m.population,
                    "services": list(m.services),
                    "staff": dict(m.staff),
                }
                for key, m in scenario.municipalities.items()
            ],
            "services": [
                {
                    "key": key,
                    "label": scenario.definitions(key).main_process.name or key,
                    "bpmn": Path(spec.bpmn).name,
                    **_decision_task(scenario, key, spec.decision_task),
                }
                for key, spec in scenario.services.items()
            ],
            "targets": _targets(scenario),
            "parameters": _portable(scenario.model_dump(mode="json"), source),
        },
        "window": {
            "start_minutes": window[0],
            "end_minutes": window[1],
            "epoch": scenario.period.epoch.isoformat(),
        },
        "runs": [
            {
                "variant": out.variant,
                "replication": out.replication,
                "cases_started": out.cases_started,
                "cases_open": out.cases_open,
                "event_log_rows": out.rows_written,
            }
            for out in outputs
        ],
        "pools": [
            {
                "id": p.id,
                "org_unit": p.org_unit,
                "role": p.role,
                "fte": p.fte,
                "cost_per_hour": p.cost_per_hour,
                "variant": p.variant,
            }
            for _, p in sorted(pools.items())
        ],
        "kpis": [s._asdict() for s in summaries],
        "comparison": [c._asdict() for c in comparisons],
        "verdicts": verdicts(
            comparisons,
            {key: scenario.definitions(key).main_process.name or key for key in scenario.services},
        ),
    }


def verdicts(
    comparisons: Sequence[Comparison], labels: Mapping[str, str] | None = None
) -> dict[str, dict[str, list[str]]]:
    """One-line verdicts per municipality (all services together, then per service).

    ``labels`` names the services (the BPMN process names) so no service key appears.
    """
    labels = labels or {}
    out: dict[str, dict[str, list[str]]] = {}
    chosen = [
        c for c in comparisons if not c.pool and c.municipality != "all" and c.kpi in VERDICT_KPIS
    ]
    chosen.sort(
        key=lambda c: (
            c.municipality,
            c.service != "all",
            c.service,
            c.treatment,
            VERDICT_KPIS.index(c.kpi),
        )
    )
    services: dict[str, set[str]] = defaultdict(set)
    for c in chosen:
        if c.service != "all":
            services[c.municipality].add(c.service)
    for c in chosen:
        if c.service != "all" and len(services[c.municipality]) < 2:
            continue  # the municipality's only service: same as "all"
        lines = out.setdefault(c.municipality, {"de": [], "en": []})
        prefix_de = "" if c.service == "all" else f"{labels.get(c.service, c.service)}: "
        prefix_en = prefix_de
        if len({x.treatment for x in comparisons}) > 1:
            prefix_de = f"{c.treatment}, {prefix_de}"
            prefix_en = prefix_de
        lines["de"].append(prefix_de + c.verdict_de)
        lines["en"].append(prefix_en + c.verdict_en)
    return out


def _targets(scenario: Scenario) -> dict[str, Any]:
    return {
        key: {"kpi": spec.target.kpi, "max": spec.target.max}
        for key, spec in scenario.services.items()
        if spec.target is not None
    }


def _decision_task(scenario: Scenario, service: str, named: str | None) -> dict[str, str]:
    """The service's decision task as id and name (for the report's assumptions table).

    The scenario may name it by id or by name; else the one task marked zsa:decision.
    """
    process = scenario.definitions(service).main_process
    tasks = list(process.tasks())
    chosen = next((t for t in tasks if named is not None and named in (t.id, t.name)), None)
    if chosen is None and named is None:
        marked = [t for t in tasks if t.is_decision]
        chosen = marked[0] if len(marked) == 1 else None
    if chosen is None:
        return {"decision_task": named or "", "decision_task_name": named or ""}
    return {"decision_task": chosen.id, "decision_task_name": chosen.name or chosen.id}


def _portable(parameters: dict[str, Any], source: Path | None) -> dict[str, Any]:
    """The scenario's parameters with BPMN paths relative to the scenario file.

    The loader makes them absolute; written so, the summary of the same scenario would
    differ from folder to folder (and tell where a user keeps files; issue 14).
    """
    base = source.resolve().parent if source is not None else None
    services = {}
    for key, spec in parameters.get("services", {}).items():
        bpmn = Path(spec["bpmn"])
        try:
            relative = os.path.relpath(bpmn, base) if base is not None else bpmn.name
        except ValueError:  # another drive (Windows)
            relative = bpmn.name
        services[key] = {**spec, "bpmn": Path(relative).as_posix()}
    return {**parameters, "services": services}
