"""Cross-checks of a scenario against its BPMN models and against itself.

The schema checks each value alone; here we check that the values fit together: every
task has an effort and every key names a real task, gateway or event
(:mod:`zsa_sim.scenario.resolve`); municipalities name known services, calendars and
roles; every variant leaves staff for every task it does not centralise, and the ZSA
has a team for every task it takes over. Problems are
:class:`~zsa_sim.bpmn.validate.Finding` rows with the scenario key path as
``element_id``; the BPMN models' own structural findings are included too, so
``zsa-sim validate SCENARIO`` shows everything in one list.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from zsa_sim.bpmn.validate import Finding, validate_model
from zsa_sim.errors import ScenarioError
from zsa_sim.scenario.build import Organisation, organisation
from zsa_sim.scenario.demand_checks import demand_findings
from zsa_sim.scenario.loader import read_document, remember_clean, scenario_from_data
from zsa_sim.scenario.messages import schema_problems
from zsa_sim.scenario.office import office_findings
from zsa_sim.scenario.resolve import resolve_service
from zsa_sim.scenario.schema import Scenario
from zsa_sim.scenario.service_model import ServiceModel
from zsa_sim.synth.applicants import annual_cases

#: Expected applications a year of one service in one municipality, at most.
MAX_ANNUAL_CASES = 5_000_000


def validate_scenario_file(path: str | Path) -> list[Finding]:
    """All findings for a scenario file and its BPMN models (errors first).

    Schema errors (unknown keys, wrong types, values out of range, template
    placeholders) are returned as findings, all of them, so a half-filled template
    shows every gap at once; the cross-checks need a schema-valid file and run only
    then. Raises :class:`~zsa_sim.errors.ScenarioError` when the file cannot be
    checked at all: missing, not YAML, not a mapping, a missing or unreadable BPMN file.
    """
    path = Path(path)
    data, files = read_document(path)
    try:
        scenario = scenario_from_data(data, source=str(path), base_dir=path.parent)
    except ScenarioError as err:
        cause = err.__cause__
        if not isinstance(cause, ValidationError):
            raise
        return [Finding("error", key, message) for key, message in schema_problems(cause, data)]
    scenario._files = files
    # each variant's organisation, made by the staffing checks and built on below
    organisations: dict[str, Organisation] = {}
    findings = check_scenario(scenario, include_models=True, organisations=organisations)
    if not any(f.severity == "error" for f in findings):
        # what refuse_errors checks is a subset: building the variants need not repeat it
        remember_clean(scenario)
        findings.extend(_engine_refusals(scenario, organisations))
    return findings


def _engine_refusals(scenario: Scenario, organisations: dict[str, Organisation]) -> list[Finding]:
    """What the engine would refuse when it builds a variant: ``run`` must not differ.

    Every variant's first replication is built (pools, calendars, compiled process
    graphs) but not run (:func:`~zsa_sim.engine.simulation.check_buildable`), which
    takes a fraction of a second; whatever the engine checks before simulating is
    thereby checked here too.
    """
    from zsa_sim.engine.simulation import check_buildable
    from zsa_sim.errors import ZsaError
    from zsa_sim.scenario.build import build_setup

    out = []
    for variant in scenario.variants:
        try:
            setup = build_setup(scenario, variant, 0, organisations.get(variant))
            check_buildable(setup)
        except ZsaError as err:
            out.append(Finding("error", f"variants.{variant}", err.detail))
    return out


def check_scenario(
    scenario: Scenario,
    *,
    include_models: bool = False,
    organisations: dict[str, Organisation] | None = None,
) -> list[Finding]:
    """Findings of the cross-checks (errors first); ``include_models`` adds BPMN findings.

    ``organisations``, if given, receives each variant's organisation when the staffing
    checks make it (only when no other check found an error), for the caller to build on.
    """
    findings: list[Finding] = []
    models: dict[str, ServiceModel] = {}
    for key in scenario.services:
        models[key] = ServiceModel(scenario.definitions(key))
        if include_models:
            findings.extend(_model_findings(scenario, key, models[key]))
        findings.extend(resolve_service(scenario, key)[1])
    findings.extend(_references(scenario, models))
    findings.extend(demand_findings(scenario))
    findings.extend(_input_names(scenario))
    if not any(f.severity == "error" for f in findings):
        findings.extend(_staffing(scenario, models, organisations))
    return sorted(findings, key=lambda f: f.severity != "error")


def _input_names(scenario: Scenario) -> list[Finding]:
    """Two different input files with one name: a run keeps its inputs by file name, so
    it would refuse them only after the whole simulation (issue 14); say so up front."""
    seen: dict[str, Path] = {}
    for file in scenario._files:
        seen.setdefault(file.name, file)
    out = []
    for key, spec in scenario.services.items():
        bpmn = Path(spec.bpmn)
        earlier = seen.setdefault(bpmn.name, bpmn)
        if earlier != bpmn and earlier.resolve() != bpmn.resolve():
            out.append(
                Finding(
                    "error",
                    f"services.{key}.bpmn",
                    f"another input file is also named {bpmn.name!r} ({earlier}); the "
                    "results keep their inputs by file name: rename one of them",
                )
            )
    return out


def _model_findings(scenario: Scenario, key: str, model: ServiceModel) -> list[Finding]:
    """The BPMN model's own findings, less warnings the scenario answers.

    The model check warns that a gateway without conditions needs probabilities, a
    timer without duration a duration, a process without lanes roles; when the scenario
    gives them, the warning is answered and dropped.
    """
    definitions = model.definitions
    spec = scenario.services[key]
    answered = set()
    for keys, among in (
        (spec.branches, model.branching_gateways()),
        (spec.timers, model.timer_events()),
    ):
        for element_key in keys:
            try:
                answered.add(model.resolve(element_key, among, "element"))
            except LookupError:
                continue
    if all(model.role_of(t) is not None for t in model.tasks):
        answered.update(p.id for p in model.processes)
    name = Path(definitions.source).name
    out = []
    for f in validate_model(definitions):
        if f.severity == "warning" and f.element_id in answered:
            continue
        who = f"'{f.element_id}'" + (f" ({f.element_name})" if f.element_name else "")
        text = f"{name}: {who}: {f.message}" if f.element_id else f"{name}: {f.message}"
        out.append(Finding(f.severity, f"services.{key}.bpmn", text))
    return out


def _references(scenario: Scenario, models: dict[str, ServiceModel]) -> list[Finding]:
    out: list[Finding] = []
    services = list(scenario.services)
    calendars = list(scenario.calendars)
    roles = sorted({r for m in models.values() for r in m.roles})

    def error(path: str, message: str) -> None:
        out.append(Finding("error", path, message))

    for m_key, municipality in scenario.municipalities.items():
        path = f"municipalities.{m_key}"
        for s_key in municipality.services:
            if s_key not in scenario.services:
                error(
                    f"{path}.services", f"unknown service '{s_key}' (known: {', '.join(services)})"
                )
        if municipality.calendar not in scenario.calendars:
            error(
                f"{path}.calendar",
                f"unknown calendar '{municipality.calendar}' (known: {', '.join(calendars)})",
            )
        for role in municipality.staff:
            if role not in roles:
                error(f"{path}.staff.{role}", f"unknown role (known: {', '.join(roles)})")
        if not municipality.services:
            out.append(Finding("warning", f"{path}.services", "responsible for no service"))
    for m_key, municipality in scenario.municipalities.items():
        for s_key in municipality.services:
            if s_key in scenario.services:
                annual = annual_cases(scenario, s_key, m_key)
                if annual > MAX_ANNUAL_CASES:
                    error(
                        f"services.{s_key}.cases_per_1000",
                        f"{annual:.3g} applications a year in {m_key}: more than the "
                        f"{MAX_ANNUAL_CASES:,} one run can hold",
                    )
    for s_key in services:
        if not any(s_key in m.services for m in scenario.municipalities.values()):
            out.append(
                Finding("warning", f"services.{s_key}", "no municipality is responsible for it")
            )
    zsa = scenario.zsa
    if zsa is not None:
        if zsa.calendar not in scenario.calendars:
            error(
                "zsa.calendar",
                f"unknown calendar '{zsa.calendar}' (known: {', '.join(calendars)})",
            )
        out.extend(_zsa_teams(zsa.staff, "zsa.staff", roles, services))
    for v_key, variant in scenario.variants.items():
        path = f"variants.{v_key}"
        if variant.zsa is not None:
            if zsa is None:
                error(
                    f"{path}.zsa", "the scenario has no 'zsa' section describing the central unit"
                )
            for which, names, known in (
                ("municipalities", variant.zsa.municipalities, list(scenario.municipalities)),
                ("services", variant.zsa.services, services),
            ):
                if names == "all":
                    continue
                for name in names:
                    if name not in known:
                        error(
                            f"{path}.zsa.{which}",
                            f"unknown {_SINGULAR[which]} '{name}' (known: {', '.join(known)})",
                        )
            if variant.zsa.staff is not None:
                out.extend(_zsa_teams(variant.zsa.staff, f"{path}.zsa.staff", roles, services))
        for m_key, staff in variant.staff.items():
            if m_key not in scenario.municipalities:
                error(
                    f"{path}.staff.{m_key}",
                    f"unknown municipality (known: {', '.join(scenario.municipalities)})",
                )
            for role in staff:
                if role not in roles:
                    error(
                        f"{path}.staff.{m_key}.{role}", f"unknown role (known: {', '.join(roles)})"
                    )
    return out


_SINGULAR = {"municipalities": "municipality", "services": "service"}


def _zsa_teams(staff: object, path: str, roles: list[str], services: list[str]) -> list[Finding]:
    if not isinstance(staff, dict):
        return []
    return [
        Finding(
            "error",
            f"{path}.{team}",
            f"not a role or service (roles: {', '.join(roles)}; services: {', '.join(services)})",
        )
        for team in staff
        if team not in roles and team not in services
    ]


def _staffing(
    scenario: Scenario,
    models: dict[str, ServiceModel],
    organisations: dict[str, Organisation] | None = None,
) -> list[Finding]:
    """Every routed task has a pool with staff, in every variant; unused staff is noted."""
    out: list[Finding] = []
    used: set[str] = set()
    declared: dict[str, str] = {}
    for v_key, variant in scenario.variants.items():
        org = organisation(scenario, v_key)
        if organisations is not None:
            organisations[v_key] = org
        if variant.zsa is not None and not any(
            route.central for routes in org.routes.values() for route in routes.values()
        ):
            out.append(
                Finding(
                    "warning",
                    f"variants.{v_key}.zsa",
                    "the ZSA takes over no task: none of the tasks it would get is "
                    "centralisable, so this variant equals one without ZSA (mark tasks with "
                    "services.<key>.centralisable or zsa:centralisable in the BPMN)",
                )
            )
        reported: set[str] = set()
        for (s_key, m_key), routes in org.routes.items():
            model = models[s_key]
            for task_id, route in routes.items():
                used.add(route.pool)
                if route.pool in org.pools or route.pool in reported:
                    continue
                reported.add(route.pool)
                role = model.role_of(task_id)
                if role is None:
                    message = f"task {model.label(task_id)} of {s_key} lies in no lane (no role)"
                elif route.central:
                    message = (
                        f"variant '{v_key}': no ZSA team for task {model.label(task_id)} of "
                        f"{s_key} (add its service '{s_key}' or role '{role}')"
                    )
                else:
                    message = (
                        f"variant '{v_key}': no staff of role '{role}' in {m_key}, but task "
                        f"{model.label(task_id)} of {s_key} stays there"
                    )
                out.append(Finding("error", route.key_path, message))
        out.extend(
            Finding("error", path, message) for path, message in office_findings(scenario, org)
        )
        for pool in org.pools.values():
            if pool.org_unit in scenario.municipalities:
                declared.setdefault(pool.id, f"municipalities.{pool.org_unit}.staff.{pool.role}")
    for pool_id, path in declared.items():
        if pool_id not in used:
            out.append(
                Finding("warning", path, "no task of this municipality's services needs this role")
            )
    return out
