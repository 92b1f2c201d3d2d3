"""What an organisation variant means: staff pools and who does which task.

This is the only module that knows what "dezentral", "zentral" or a hybrid mean; the
engine only sees pools and a routing table. A variant without a ``zsa`` section leaves
every municipality alone: each task of a municipality's case is done by the staff of
the task's lane role in that municipality (pool ``Halle/tax_clerk``). A variant with a
``zsa`` section lets the listed municipalities hand the *centralisable* tasks
(``zsa:centralisable`` in the BPMN) of the listed services to the central unit, which
acts as Verwaltungshelfer: the decision and the other tasks stay with the
municipality's own staff, whose remaining FTE the variant states.

The central unit's staff is either one pooled team (``zsa.staff: 4.5`` -> pool
``ZSA/team``) or a map whose keys are service keys or roles (pool ``ZSA/wohngeld``,
``ZSA/front_office``); a centralised task goes to its service's team if there is one,
else to its role's team.

Applicants do not depend on the variant: their random streams are keyed by seed,
replication, service and municipality only (common random numbers), so both variants
see the same people with the same documents, and the difference is the organisation.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from zsa_sim.engine.calendar import WorkingCalendar
from zsa_sim.engine.setup import (
    RenewalRule,
    ServiceSetup,
    SimulationSetup,
    StaffPoolSpec,
    TaskRouting,
)
from zsa_sim.errors import ScenarioError
from zsa_sim.records import frozen_record
from zsa_sim.scenario.demand_checks import renewal_end_event
from zsa_sim.scenario.office import (
    defer_arrivals,
    discipline,
    fte_timeline,
    office_calendar,
    other_work,
    public_windows,
)
from zsa_sim.scenario.office_spec import Closure, OtherWork, QueueSpec, is_ramp, peak_fte
from zsa_sim.scenario.resolve import attribute_names, resolve_service
from zsa_sim.scenario.schema import Scenario, Variant
from zsa_sim.scenario.service_model import ServiceModel
from zsa_sim.synth.applicants import case_source
from zsa_sim.synth.backlog import FROM_BACKLOG, has_backlog

#: Pool of a single pooled ZSA team.
POOLED_TEAM = "team"
#: Extra days the calendars are laid out beyond the run, so late cases still finish.
CALENDAR_MARGIN_DAYS = 366


@frozen_record()
class PoolPlan:
    """A staff pool before calendars are built; ``key_path`` says where its FTE come from.

    ``fte`` is the largest FTE when ``steps`` (a staff ramp) make the staff change.
    """

    id: str
    role: str
    org_unit: str
    fte: float
    calendar: str
    absence_rate: float
    cost_per_hour: float
    key_path: str
    steps: tuple[Any, ...] = ()
    queue: QueueSpec | None = None
    other_work: tuple[OtherWork, ...] = ()
    closures: tuple[Closure, ...] = ()


@frozen_record()
class RoutePlan:
    """Where one task of one (service, municipality) goes; ``pool`` may be missing."""

    pool: str
    central: bool
    #: where the staff for this pool would be stated (for error messages).
    key_path: str


@dataclass
class Organisation:
    """The pools and the routing of one variant."""

    variant: str
    pools: dict[str, PoolPlan] = field(default_factory=dict)
    routes: dict[tuple[str, str], dict[str, RoutePlan]] = field(default_factory=dict)


def variant_of(scenario: Scenario, variant: str) -> Variant:
    """The variant by name, or a ScenarioError listing the known ones."""
    try:
        return scenario.variants[variant]
    except KeyError:
        known = ", ".join(scenario.variants)
        raise ScenarioError(
            f"variants: unknown variant {variant!r} (known: {known})", source=scenario.source
        ) from None


def centralised(scenario: Scenario, variant: str) -> set[tuple[str, str]]:
    """The (service, municipality) pairs whose centralisable tasks go to the ZSA."""
    spec = variant_of(scenario, variant).zsa
    if spec is None:
        return set()
    members = list(scenario.municipalities) if spec.municipalities == "all" else spec.municipalities
    services = list(scenario.services) if spec.services == "all" else spec.services
    return {
        (s, m)
        for m in members
        if m in scenario.municipalities
        for s in services
        if s in scenario.municipalities[m].services
    }


def organisation(scenario: Scenario, variant: str) -> Organisation:
    """Pools (FTE > 0 only) and routing of a variant; a route's pool may be absent.

    Checks (:mod:`zsa_sim.scenario.checks`) report routes to absent pools;
    :func:`build_setup` refuses them.
    """
    spec = variant_of(scenario, variant)
    org = Organisation(variant)
    for m_key, municipality in scenario.municipalities.items():
        staff = dict(municipality.staff)
        staff.update(spec.staff.get(m_key, {}))
        for role, value in staff.items():
            if peak_fte(value) > 0:
                overridden = role in spec.staff.get(m_key, {})
                org.pools[f"{m_key}/{role}"] = PoolPlan(
                    id=f"{m_key}/{role}",
                    role=role,
                    org_unit=m_key,
                    fte=peak_fte(value),
                    calendar=municipality.calendar,
                    absence_rate=municipality.absence_rate,
                    cost_per_hour=municipality.cost_per_hour,
                    key_path=_staff_path(variant, m_key, role, overridden),
                    steps=tuple(value) if is_ramp(value) else (),
                    queue=spec.queues.get(m_key, {}).get(role, municipality.queues.get(role)),
                    other_work=tuple(municipality.other_work.get(role, ())),
                    closures=tuple(municipality.closures),
                )
    zsa_path = "zsa.staff"
    zsa_staff = None
    if spec.zsa is not None and scenario.zsa is not None:
        zsa = scenario.zsa
        zsa_staff = spec.zsa.staff if spec.zsa.staff is not None else zsa.staff
        if spec.zsa.staff is not None:
            zsa_path = f"variants.{variant}.zsa.staff"
        teams = zsa_staff if isinstance(zsa_staff, Mapping) else {POOLED_TEAM: zsa_staff}
        for team, value in teams.items():
            org.pools[f"{zsa.name}/{team}"] = PoolPlan(
                id=f"{zsa.name}/{team}",
                role=team,
                org_unit=zsa.name,
                fte=peak_fte(value),
                calendar=zsa.calendar,
                absence_rate=zsa.absence_rate,
                cost_per_hour=zsa.cost_per_hour,
                key_path=zsa_path,
                steps=tuple(value) if is_ramp(value) else (),
                queue=zsa.queues.get(team),
                other_work=tuple(zsa.other_work.get(team, ())),
            )
    central_pairs = centralised(scenario, variant)
    # Each service's tasks, roles and centralisability once, not once per municipality
    # (137 authorities of the state-wide scenario: issue 19, start-up of `validate`).
    tasks: dict[str, list[tuple[str, str, bool]]] = {}
    for m_key, municipality in scenario.municipalities.items():
        for s_key in municipality.services:
            if s_key not in scenario.services:
                continue
            if s_key not in tasks:
                model = ServiceModel(scenario.definitions(s_key))
                tasks[s_key] = [
                    (task_id, model.role_of(task_id) or "?", model.centralisable(task_id))
                    for task_id in model.tasks
                ]
            routes: dict[str, RoutePlan] = {}
            for task_id, role, centralisable in tasks[s_key]:
                if (s_key, m_key) in central_pairs and centralisable:
                    assert scenario.zsa is not None  # guaranteed by central_pairs
                    team = _zsa_team(zsa_staff, s_key, role)
                    routes[task_id] = RoutePlan(f"{scenario.zsa.name}/{team}", True, zsa_path)
                else:
                    overridden = role in spec.staff.get(m_key, {})
                    routes[task_id] = RoutePlan(
                        f"{m_key}/{role}", False, _staff_path(variant, m_key, role, overridden)
                    )
            org.routes[(s_key, m_key)] = routes
    return org


def _staff_path(variant: str, municipality: str, role: str, overridden: bool) -> str:
    if overridden:
        return f"variants.{variant}.staff.{municipality}.{role}"
    return f"municipalities.{municipality}.staff"


def _zsa_team(staff: Any, service: str, role: str) -> str:
    if not isinstance(staff, Mapping):
        return POOLED_TEAM
    if service in staff:
        return service
    return role


def build_setup(
    scenario: Scenario, variant: str, replication: int, org: Organisation | None = None
) -> SimulationSetup:
    """Everything the engine needs for one replication of one variant.

    Raises :class:`ScenarioError` (naming the file and key path) for an unknown variant,
    a scenario with errors, or a task whose pool has no staff in this variant. ``org``
    is the variant's :func:`organisation` of this scenario if the caller has made it
    (``validate`` makes it for its checks: ~8 ms for the state-wide scenario).
    """
    source = scenario.source
    if replication < 0:
        raise ScenarioError(f"replication must be >= 0, got {replication}", source=source)
    variant_of(scenario, variant)
    from zsa_sim.scenario.loader import refuse_errors  # the checks import this module

    refuse_errors(scenario)
    if org is None:
        org = organisation(scenario, variant)
    elif org.variant != variant:
        raise ValueError(f"organisation of variant {org.variant!r} given for {variant!r}")
    services = {
        key: _with_renewal(scenario, key, resolve_service(scenario, key)[0])
        for key in scenario.services
    }
    period = scenario.period
    calendars = _Calendars(scenario)
    pools = {
        p.id: StaffPoolSpec(
            id=p.id,
            role=p.role,
            org_unit=p.org_unit,
            fte=p.fte,
            calendar=calendars.get(p.calendar, p.closures),
            absence_rate=p.absence_rate,
            cost_per_hour=p.cost_per_hour,
            fte_timeline=fte_timeline(list(p.steps), period.epoch) if p.steps else (),
            discipline=discipline(p.queue),
            other_work=other_work(p.other_work, _public_windows(scenario, p)),
        )
        for p in org.pools.values()
    }
    routing: dict[tuple[str, str], dict[str, TaskRouting]] = {}
    # the ZSA's terms once, not once per centralised task and municipality (frozen
    # records: one object serves them all; 1,220 for the state-wide scenario)
    central: dict[str, TaskRouting] = {}
    for pair, routes in org.routes.items():
        table: dict[str, TaskRouting] = {}
        for task_id, route in routes.items():
            if route.pool not in pools:
                raise ScenarioError(
                    f"{route.key_path}: no staff in pool '{route.pool}' (variant '{variant}'), "
                    f"but task '{task_id}' of {pair[0]} for {pair[1]} needs it",
                    source=source,
                )
            table[task_id] = _routing(scenario, route, central)
        routing[pair] = table
    sources = tuple(
        _deferred(scenario, calendars, case_source(scenario, s_key, m_key, replication))
        for (s_key, m_key) in org.routes
    )
    names = sorted(
        {
            name
            for (s_key, _), _r in org.routes.items()
            for name in attribute_names(scenario.services[s_key])
        }
        | ({FROM_BACKLOG} if has_backlog(scenario) else set())
    )
    return SimulationSetup(
        epoch=period.epoch,
        horizon=period.horizon,
        services=services,
        pools=pools,
        routing=routing,
        sources=sources,
        seed=scenario.seed,
        replication=replication,
        variant=variant,
        attribute_names=tuple(names),
    )


def _with_renewal(scenario: Scenario, key: str, service: ServiceSetup) -> ServiceSetup:
    """The service with its renewal rule (``services.<key>.renewals``), if any."""
    spec = scenario.services[key].renewals
    if spec is None:
        return service
    end_event = renewal_end_event(scenario.definitions(key).main_process, spec.end_event)
    assert end_event is not None  # refuse_errors checked it
    rule = RenewalRule(
        end_event=end_event,
        share=spec.share,
        delay=spec.after.minutes(),
        until=scenario.period.arrivals_end,
        condition=spec.condition,
    )
    return replace(service, renewal=rule)


def _routing(scenario: Scenario, route: RoutePlan, central: dict[str, TaskRouting]) -> TaskRouting:
    """A route's terms; a central pool's are made once and kept in ``central``."""
    if not route.central or scenario.zsa is None:
        return TaskRouting(pool=route.pool)
    terms = central.get(route.pool)
    if terms is None:
        zsa = scenario.zsa
        terms = central[route.pool] = TaskRouting(
            pool=route.pool,
            effort_factor=zsa.effort_factor,
            handover=zsa.handover.minutes() if zsa.handover is not None else None,
        )
    return terms


class _Calendars:
    """The scenario's calendars, with a municipality's own closures where it has some."""

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.layout_days = scenario.period.total_days + CALENDAR_MARGIN_DAYS
        self._built: dict[tuple[str, tuple[Closure, ...]], WorkingCalendar] = {}

    def get(self, key: str, closures: tuple[Closure, ...] = ()) -> WorkingCalendar:
        """The calendar ``key`` with extra closures (built once per combination)."""
        if (key, closures) not in self._built:
            try:
                self._built[(key, closures)] = office_calendar(
                    self.scenario.calendars[key],
                    self.scenario.period.epoch,
                    self.layout_days,
                    closures,
                )
            except ValueError as err:
                raise ScenarioError(
                    f"calendars.{key}: {err}", source=self.scenario.source
                ) from None
        return self._built[(key, closures)]


def _public_windows(scenario: Scenario, pool: PoolPlan) -> list[tuple[float, float, Any]]:
    """The closures to the public of a pool's calendar and municipality."""
    closures = [*scenario.calendars[pool.calendar].closures, *pool.closures]
    return public_windows(closures, scenario.period.epoch)


def _deferred(scenario: Scenario, calendars: _Calendars, source: Any) -> Any:
    """A municipality's arrivals with its closures to the public applied."""
    municipality = scenario.municipalities[source.municipality]
    closures = [*scenario.calendars[municipality.calendar].closures, *municipality.closures]
    windows = public_windows(closures, scenario.period.epoch)
    if not windows:
        return source
    calendar = calendars.get(municipality.calendar, tuple(municipality.closures))
    return defer_arrivals(source, windows, calendar)
