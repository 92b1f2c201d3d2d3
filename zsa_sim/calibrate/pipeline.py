"""Calibrate a scenario from an event log: read, map, replay, estimate, write.

:func:`calibrate_log` is what ``zsa-sim calibrate LOG --model X.bpmn -o out.yaml``
calls. Each estimate lives in a module of its own (arrivals, effort, branches, waits,
staff, calendar); this module only strings them together and collects what the YAML
writer needs to comment every figure with its sample size and fit quality.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from zsa_sim.calibrate.arrivals import Demand, arrival_profiles, estimate_demand
from zsa_sim.calibrate.branches import Routing, replay_cases, rounds_distribution
from zsa_sim.calibrate.calendar import OfficeHours, from_scenario, propose
from zsa_sim.calibrate.effort import EffortEstimate, estimate_efforts
from zsa_sim.calibrate.mapping import ActivityMap, map_activities
from zsa_sim.calibrate.reader import read_log
from zsa_sim.calibrate.staff import StaffEstimate, estimate_staff
from zsa_sim.calibrate.table import CalibrationError, LogTable
from zsa_sim.calibrate.waits import WaitEstimate, estimate_waits
from zsa_sim.scenario.service_model import ServiceModel


@dataclass
class Calibration:
    """Everything estimated from one log, for the writer and the report."""

    log: str
    bpmn: Path
    service: str
    model: ServiceModel
    table: LogTable
    mapping: ActivityMap
    office: OfficeHours
    demand: Demand
    efforts: dict[str, EffortEstimate]
    routing: Routing
    waits: dict[str, WaitEstimate]
    staff: StaffEstimate
    #: P(0, 1, 2 ... request rounds) and the number of cases it rests on
    rounds: tuple[list[float], int] | None
    #: case attribute -> share of 'true' (flags used in conditions)
    flags: dict[str, tuple[float, int]] = field(default_factory=dict)
    channels: dict[str, float] = field(default_factory=dict)
    #: channel -> (profile as the scenario writes it, cases, share inside office hours)
    profiles: dict[str, tuple[object, int, float]] = field(default_factory=dict)
    #: a scenario the calendar came from (municipality figures are taken from it)
    base: str | None = None
    warnings: list[str] = field(default_factory=list)


def calibrate_log(
    log: str | Path,
    bpmn: str | Path,
    *,
    service: str | None = None,
    columns: Mapping[str, str] | None = None,
    calendar: str | None = None,
    manual_map: Mapping[str, str] | None = None,
    max_nonconforming: float = 0.05,
) -> Calibration:
    """Estimate a scenario's figures from an event log and its BPMN model."""
    from zsa_sim.bpmn import read_bpmn

    bpmn = Path(bpmn)
    definitions = read_bpmn(bpmn)
    model = ServiceModel(definitions)
    key = service or _service_key(bpmn)
    table = read_log(log, columns=columns, service=service)
    mapping = map_activities(table, model, manual_map)
    node_ids = mapping.node_ids(table)
    matched = node_ids != ""
    if not matched.any():
        raise CalibrationError(
            f"no activity of the log matches an element of {bpmn} (log activities: "
            f"{', '.join(table.activity_names[:8])}); map them with --map 'Name=Task_id'",
            source=log,
        )
    warnings = []
    if mapping.unmatched_log:
        warnings.append(
            f"{len(mapping.unmatched_log)} log activities match no BPMN element and are "
            f"left out: {', '.join(mapping.unmatched_log)}"
        )
    table = table.select(matched)
    node_ids = node_ids[matched]
    try:
        routing = replay_cases(table, node_ids, model, max_nonconforming)
    except CalibrationError as err:
        if not mapping.unmatched_log:
            raise
        raise CalibrationError(
            f"{err.detail}; note that these log activities match no BPMN element: "
            f"{', '.join(mapping.unmatched_log)} (map them with --map 'Name=Task_id')",
            source=err.source,
        ) from err
    if routing.misfits:
        warnings.append(
            f"{len(routing.misfits)} cases do not fit the model and are left out, e.g. "
            f"{routing.misfits[0][0]!r}: {routing.misfits[0][1]}"
        )
    fitting = np.array(routing.fitting, dtype=np.int32)
    rows = np.isin(table.case, fitting)
    task_rows = rows & np.isin(node_ids, list(model.tasks))
    office = from_scenario(calendar) if calendar else propose(table, task_rows)
    work_calendar = office.working_calendar(table)
    efforts = estimate_efforts(table, node_ids, list(model.tasks), work_calendar, task_rows)
    demand = estimate_demand(table.select(rows))
    profiles = arrival_profiles(table, demand.arrival, work_calendar, fitting)
    waits = estimate_waits(table, node_ids, model, fitting)
    role_names = np.array(table.role_names, dtype=object)[table.role]
    bpmn_roles = np.array(
        [model.role_of(n) or "" if n in model.tasks else "" for n in node_ids], dtype=object
    )
    role_of_row = np.where(role_names != "", role_names, bpmn_roles)
    org_of_row = np.array(table.org_names, dtype=object)[table.org]
    staff = estimate_staff(table, task_rows, role_of_row, org_of_row, work_calendar)
    return Calibration(
        log=str(log),
        bpmn=bpmn,
        service=key,
        model=model,
        table=table,
        mapping=mapping,
        office=office,
        demand=demand,
        efforts=efforts,
        routing=routing,
        waits=waits,
        staff=staff,
        rounds=_rounds(model, routing),
        flags=_flags(table, model, fitting),
        channels=_channels(table, fitting),
        profiles=profiles,
        base=calendar.partition("#")[0] if calendar else None,
        warnings=warnings,
    )


def _service_key(bpmn: Path) -> str:
    import re

    key = re.sub(r"[^A-Za-z0-9_-]+", "_", bpmn.stem).strip("_") or "service"
    return key


def _rounds(model: ServiceModel, routing: Routing) -> tuple[list[float], int] | None:
    """The request-rounds distribution, if a gateway loops on ``missing_documents``."""
    for gateway in model.branching_gateways().values():
        for flow_id in gateway.outgoing:
            condition = model.flows[flow_id].condition or ""
            if "missing_documents" in condition and "visit" in condition:
                return rounds_distribution(routing, flow_id, set(gateway.outgoing))
    return None


def _flags(table: LogTable, model: ServiceModel, cases: np.ndarray) -> dict[str, tuple[float, int]]:
    from zsa_sim.scenario.template import _condition_names

    out = {}
    keep = set(int(c) for c in cases)
    for name in _condition_names(model):
        values = table.attributes.get(name)
        if not values:
            continue
        seen = [v.strip().lower() for c, v in values.items() if c in keep]
        truthy = sum(v in ("true", "1", "ja", "yes", "wahr") for v in seen)
        if seen:
            out[name] = (truthy / len(seen), len(seen))
    return out


def _channels(table: LogTable, cases: np.ndarray) -> dict[str, float]:
    values = table.attributes.get("channel") or table.attributes.get("Kanal") or {}
    keep = set(int(c) for c in cases)
    seen = [v for c, v in values.items() if c in keep and v]
    if not seen:
        return {}
    shares: dict[str, float] = {}
    for v in seen:
        shares[v] = shares.get(v, 0) + 1
    return {k: n / len(seen) for k, n in sorted(shares.items())}
