"""Cross-checks of the demand keys (issue 17) against the BPMN models and the scenario.

- ``initial_state``: known municipality, a service it is responsible for, and a node of
  the service's main process where a case can stand (a task, subprocess or call
  activity it waits for, an intermediate catch event or an event-based gateway); no
  warm-up, because the backlog *is* the state on the first day (a warm-up from empty
  before it would add to it);
- ``volume_changes``: known municipalities;
- ``arrival_profiles``: known channels of the service;
- ``renewals``: an end event of the main process, a condition that compiles;
- ``observed``: known municipalities, days inside the run; ``observed.kpis``: known KPI,
  municipality, service and variants.

Findings carry the key path, e.g. ``initial_state.Magdeburg.wohngeld.Task_Foo``.
"""

from __future__ import annotations

from datetime import date

from zsa_sim.bpmn.model import (
    CallActivity,
    EndEvent,
    EventBasedGateway,
    IntermediateCatchEvent,
    Process,
    SubProcess,
    Task,
)
from zsa_sim.bpmn.validate import Finding
from zsa_sim.errors import ZsaError
from zsa_sim.scenario.schema import Scenario

#: Node types a backlog case can stand at.
WAITING_NODES = (Task, SubProcess, CallActivity, IntermediateCatchEvent, EventBasedGateway)


def waiting_nodes(process: Process) -> list[str]:
    """Ids of the main process's nodes where an open case can stand, in file order."""
    return [nid for nid, node in process.nodes.items() if isinstance(node, WAITING_NODES)]


def demand_findings(scenario: Scenario) -> list[Finding]:
    """Errors in ``initial_state``, ``volume_changes``, ``arrival_profiles``, ``renewals``."""
    out: list[Finding] = []
    out.extend(_initial_state(scenario))
    out.extend(_observed(scenario))
    for s_key, spec in scenario.services.items():
        path = f"services.{s_key}"
        for i, change in enumerate(spec.volume_changes):
            for m_key in change.municipalities or ():
                if m_key not in scenario.municipalities:
                    known = ", ".join(scenario.municipalities)
                    out.append(
                        Finding(
                            "error",
                            f"{path}.volume_changes.{i}.municipalities",
                            f"unknown municipality '{m_key}' (known: {known})",
                        )
                    )
        for channel in spec.arrival_profiles:
            if channel not in spec.channels:
                out.append(
                    Finding(
                        "error",
                        f"{path}.arrival_profiles.{channel}",
                        f"unknown channel (known: {', '.join(spec.channels)})",
                    )
                )
        if spec.renewals is not None:
            out.extend(_renewals(scenario, s_key))
    return out


def renewal_end_event(process: Process, ref: str) -> str | None:
    """The id of the main process's end event with id or name ``ref``, or None."""
    for nid, node in process.nodes.items():
        if isinstance(node, EndEvent) and ref in (nid, node.name):
            return nid
    return None


def _renewals(scenario: Scenario, s_key: str) -> list[Finding]:
    from zsa_sim.engine.expressions import compile_expression

    spec = scenario.services[s_key].renewals
    assert spec is not None
    path = f"services.{s_key}.renewals"
    out: list[Finding] = []
    process = scenario.definitions(s_key).main_process
    if renewal_end_event(process, spec.end_event) is None:
        ends = [nid for nid, n in process.nodes.items() if isinstance(n, EndEvent)]
        out.append(
            Finding(
                "error",
                f"{path}.end_event",
                f"'{spec.end_event}' is no end event of the main process "
                f"(known: {', '.join(ends)})",
            )
        )
    if spec.condition is not None:
        try:
            compile_expression(spec.condition, f"{path}.condition")
        except ZsaError as err:
            out.append(Finding("error", f"{path}.condition", str(err)))
    return out


def _initial_state(scenario: Scenario) -> list[Finding]:
    out: list[Finding] = []

    def error(path: str, message: str) -> None:
        out.append(Finding("error", path, message))

    if not scenario.initial_state:
        return out
    if scenario.period.warmup_days:
        error(
            "period.warmup_days",
            "must be 0 with an initial_state: the backlog is the state on the first day, "
            "a warm-up from empty before it would add to it",
        )
    for m_key, services in scenario.initial_state.items():
        path = f"initial_state.{m_key}"
        municipality = scenario.municipalities.get(m_key)
        if municipality is None:
            error(path, f"unknown municipality (known: {', '.join(scenario.municipalities)})")
            continue
        for s_key, nodes in services.items():
            if s_key not in municipality.services or s_key not in scenario.services:
                known = ", ".join(s for s in municipality.services if s in scenario.services)
                error(f"{path}.{s_key}", f"not a service of {m_key} (known: {known})")
                continue
            process = scenario.definitions(s_key).main_process
            allowed = waiting_nodes(process)
            for node_id in nodes:
                if node_id not in allowed:
                    what = (
                        f"a {type(process.nodes[node_id]).__name__}, where no case waits"
                        if node_id in process.nodes
                        else "unknown node of the main process"
                    )
                    error(
                        f"{path}.{s_key}.{node_id}",
                        f"{what} (known: {', '.join(allowed)})",
                    )
    return out


def _observed(scenario: Scenario) -> list[Finding]:
    out: list[Finding] = []
    period = scenario.period
    first = period.epoch.date()
    last = date.fromordinal(first.toordinal() + period.total_days - 1)
    for m_key, days in scenario.observed.open_cases.items():
        path = f"observed.open_cases.{m_key}"
        if m_key not in scenario.municipalities:
            known = ", ".join(scenario.municipalities)
            out.append(Finding("error", path, f"unknown municipality (known: {known})"))
            continue
        for day in days:
            if not first <= day <= last:
                out.append(
                    Finding("error", f"{path}.{day}", f"outside the run ({first} .. {last})")
                )
    out.extend(_observed_kpis(scenario))
    return out


def _observed_kpis(scenario: Scenario) -> list[Finding]:
    """Each ``observed.kpis`` entry names a KPI, municipality, service and variants the
    run has (else the report's row would stay empty without saying why)."""
    if not scenario.observed.kpis:
        return []  # spares `validate` importing the KPI module (issue 19: start-up)
    from zsa_sim.experiment.kpis import ALL, KPI_INFO

    out: list[Finding] = []
    for number, entry in enumerate(scenario.observed.kpis):
        path = f"observed.kpis.{number}"
        known: list[tuple[str, str | None, list[str]]] = [
            ("kpi", entry.kpi, sorted(KPI_INFO)),
            ("municipality", entry.municipality, [ALL, *scenario.municipalities]),
            ("service", entry.service, [ALL, *scenario.services]),
            ("variant", entry.variant, list(scenario.variants)),
            ("baseline", entry.baseline, list(scenario.variants)),
        ]
        for key, value, allowed in known:
            if value is not None and value not in allowed:
                what = f"unknown {key} {value!r} (known: {', '.join(allowed)})"
                out.append(Finding("error", f"{path}.{key}", what))
    return out
