"""Tiny hand-built process models and setups for the engine tests (no BPMN files).

``ModelBuilder`` collects nodes and flows and fills in incoming/outgoing, default flows
and boundary attachments; ``setup_for`` wraps a model into a SimulationSetup with one
always-open staff pool unless told otherwise; ``run`` executes it into a ListSink.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from datetime import datetime

from zsa_sim.bpmn import model as bpmn
from zsa_sim.engine.calendar import WorkingCalendar
from zsa_sim.engine.distributions import Distribution
from zsa_sim.engine.setup import (
    BranchRule,
    CaseArrival,
    CaseSource,
    ServiceSetup,
    SimulationSetup,
    StaffPoolSpec,
    TaskRouting,
    WaitRule,
)
from zsa_sim.eventlog.schema import ActivityRecord, ListSink

EPOCH = datetime(2026, 1, 5)  # a Monday
SERVICE = "svc"
TOWN = "town"


class ModelBuilder:
    """Collects flow nodes and sequence flows of one process."""

    def __init__(self, process_id: str = "Process_Test", lanes: Iterable[bpmn.Lane] = ()):
        self.process_id = process_id
        self.lanes = tuple(lanes)
        self.nodes: dict[str, tuple[type, dict]] = {}
        self.flows: list[bpmn.SequenceFlow] = []
        self.defaults: dict[str, str] = {}

    def _add(self, cls: type, node_id: str, **kw) -> ModelBuilder:
        self.nodes[node_id] = (cls, {"id": node_id, **kw})
        return self

    def start(self, node_id: str = "Start", name: str = "") -> ModelBuilder:
        return self._add(bpmn.StartEvent, node_id, name=name)

    def end(self, node_id: str = "End", kind: str = "none", ref: str | None = None) -> ModelBuilder:
        return self._add(bpmn.EndEvent, node_id, definition=bpmn.EventDefinition(kind, ref=ref))

    def task(
        self,
        node_id: str,
        name: str = "",
        lane: str | None = None,
        properties: Mapping[str, str] | None = None,
    ) -> ModelBuilder:
        return self._add(
            bpmn.Task,
            node_id,
            name=name or node_id,
            lane=lane,
            task_type="userTask",
            properties=bpmn.frozen_mapping(properties),
        )

    def gateway(self, node_id: str, kind: str = "xor", default: str | None = None):
        cls = {
            "xor": bpmn.ExclusiveGateway,
            "and": bpmn.ParallelGateway,
            "or": bpmn.InclusiveGateway,
            "event": bpmn.EventBasedGateway,
        }[kind]
        if default:
            self.defaults[node_id] = default
        return self._add(cls, node_id)

    def timer(
        self,
        node_id: str,
        expression: str,
        kind: str = "timeDuration",
        lane: str | None = None,
    ) -> ModelBuilder:
        timer = bpmn.TimerDefinition(kind, expression)  # type: ignore[arg-type]
        return self._add(
            bpmn.IntermediateCatchEvent,
            node_id,
            lane=lane,
            definition=bpmn.EventDefinition("timer", timer=timer),
        )

    def message(self, node_id: str) -> ModelBuilder:
        return self._add(
            bpmn.IntermediateCatchEvent, node_id, definition=bpmn.EventDefinition("message")
        )

    def throw(self, node_id: str) -> ModelBuilder:
        return self._add(
            bpmn.IntermediateThrowEvent, node_id, definition=bpmn.EventDefinition("message")
        )

    def boundary(
        self,
        node_id: str,
        attached_to: str,
        kind: str = "timer",
        expression: str = "",
        timer_kind: str = "timeDuration",
        interrupting: bool = True,
        ref: str | None = None,
    ) -> ModelBuilder:
        timer = bpmn.TimerDefinition(timer_kind, expression) if kind == "timer" else None  # type: ignore[arg-type]
        return self._add(
            bpmn.BoundaryEvent,
            node_id,
            attached_to=attached_to,
            cancel_activity=interrupting,
            definition=bpmn.EventDefinition(kind, timer=timer, ref=ref),  # type: ignore[arg-type]
        )

    def subprocess(self, node_id: str, body: bpmn.Process) -> ModelBuilder:
        return self._add(bpmn.SubProcess, node_id, name=node_id, body=body)

    def call(self, node_id: str, called: str) -> ModelBuilder:
        return self._add(bpmn.CallActivity, node_id, name=node_id, called_element=called)

    def flow(
        self, source: str, target: str, flow_id: str | None = None, condition: str | None = None
    ) -> ModelBuilder:
        flow_id = flow_id or f"F_{source}_{target}"
        self.flows.append(bpmn.SequenceFlow(flow_id, source, target, condition=condition))
        return self

    def chain(self, *ids: str) -> ModelBuilder:
        for a, b in itertools.pairwise(ids):
            self.flow(a, b)
        return self

    def build(self) -> bpmn.Process:
        incoming: dict[str, list[str]] = {nid: [] for nid in self.nodes}
        outgoing: dict[str, list[str]] = {nid: [] for nid in self.nodes}
        for f in self.flows:
            outgoing[f.source].append(f.id)
            incoming[f.target].append(f.id)
        boundaries: dict[str, list[str]] = {}
        for nid, (cls, kw) in self.nodes.items():
            if cls is bpmn.BoundaryEvent:
                boundaries.setdefault(kw["attached_to"], []).append(nid)
        nodes = {}
        for nid, (cls, kw) in self.nodes.items():
            extra: dict = {"incoming": tuple(incoming[nid]), "outgoing": tuple(outgoing[nid])}
            if nid in self.defaults:
                extra["default_flow"] = self.defaults[nid]
            if issubclass(cls, bpmn.Activity):
                extra["boundary_events"] = tuple(boundaries.get(nid, ()))
            nodes[nid] = cls(**kw, **extra)
        return bpmn.Process(
            id=self.process_id,
            nodes=bpmn.frozen_mapping(nodes),
            flows=bpmn.frozen_mapping({f.id: f for f in self.flows}),
            lanes=self.lanes,
        )


def definitions(main: bpmn.Process, *others: bpmn.Process) -> bpmn.Definitions:
    return bpmn.Definitions(
        source="test.bpmn",
        processes=bpmn.frozen_mapping({p.id: p for p in (main, *others)}),
    )


def linear(*task_ids: str) -> bpmn.Definitions:
    """Start -> tasks in sequence -> End."""
    b = ModelBuilder().start()
    for t in task_ids:
        b.task(t)
    b.end()
    b.chain("Start", *task_ids, "End")
    return definitions(b.build())


def fixed(minutes: float) -> Distribution:
    return Distribution.fixed(minutes)


def arrivals_at(
    times: Iterable[float],
    attributes: Iterable[Mapping] | Mapping | None = None,
    priorities: Iterable[float] | None = None,
    service: str = SERVICE,
    town: str = TOWN,
) -> CaseSource:
    times = list(times)
    if attributes is None or isinstance(attributes, Mapping):
        attrs = [dict(attributes or {})] * len(times)
    else:
        attrs = list(attributes)
    prios = list(priorities) if priorities is not None else [0.0] * len(times)
    items = [CaseArrival(service, town, i, t, attrs[i], prios[i]) for i, t in enumerate(times)]
    return CaseSource(service, town, lambda: iter(items))


def pool(
    pool_id: str = "pool",
    fte: float = 1.0,
    calendar: WorkingCalendar | None = None,
    org_unit: str = "unit",
    role: str = "clerk",
    absence_rate: float = 0.0,
) -> StaffPoolSpec:
    return StaffPoolSpec(
        id=pool_id,
        role=role,
        org_unit=org_unit,
        fte=fte,
        calendar=calendar or WorkingCalendar.always_open(EPOCH),
        absence_rate=absence_rate,
    )


def setup_for(
    defs: bpmn.Definitions,
    efforts: Mapping[str, float | Distribution],
    source: CaseSource,
    *,
    horizon: float = 10_000.0,
    pools: Iterable[StaffPoolSpec] | None = None,
    routing: Mapping[str, str | TaskRouting] | None = None,
    branches: Mapping[str, BranchRule] | None = None,
    waits: Mapping[str, WaitRule] | None = None,
    timers: Mapping[str, Distribution] | None = None,
    errors: Mapping[str, float] | None = None,
    multipliers: Mapping[str, str] | None = None,
    seed: int = 1,
    variant: str = "",
    attribute_names: tuple[str, ...] = (),
    max_visits: int = 100,
) -> SimulationSetup:
    """One service, one municipality; every task goes to the first pool unless routed."""
    pools = list(pools or [pool()])
    dists = {k: v if isinstance(v, Distribution) else fixed(v) for k, v in efforts.items()}
    routes: dict[str, TaskRouting] = {}
    for task_id in dists:
        r = (routing or {}).get(task_id, pools[0].id)
        routes[task_id] = r if isinstance(r, TaskRouting) else TaskRouting(pool=r)
    service = ServiceSetup(
        name=SERVICE,
        definitions=defs,
        efforts=dists,
        branches=dict(branches or {}),
        waits=dict(waits or {}),
        timers=dict(timers or {}),
        errors=dict(errors or {}),
        effort_multipliers=dict(multipliers or {}),
    )
    return SimulationSetup(
        epoch=EPOCH,
        horizon=horizon,
        services={SERVICE: service},
        pools={p.id: p for p in pools},
        routing={(SERVICE, TOWN): routes},
        sources=(source,),
        seed=seed,
        variant=variant,
        attribute_names=attribute_names,
        max_visits=max_visits,
    )


def run(setup: SimulationSetup):
    from zsa_sim.engine import simulate

    sink = ListSink()
    result = simulate(setup, sink)
    return sink.rows, result


def trace(rows: list[ActivityRecord], case: int = 0) -> list[str]:
    """Activity ids of one case, in the order rows were written."""
    cid = f"{SERVICE}:{TOWN}:{case}"
    return [r.activity_id for r in rows if r.case_id == cid]


def row_of(rows: list[ActivityRecord], activity: str, case: int = 0) -> ActivityRecord:
    cid = f"{SERVICE}:{TOWN}:{case}"
    found = [r for r in rows if r.case_id == cid and r.activity_id == activity]
    assert len(found) == 1, f"{len(found)} rows for {activity} of case {case}"
    return found[0]


def times(rows: list[ActivityRecord], activity: str, case: int = 0) -> tuple:
    r = row_of(rows, activity, case)
    return (r.enabled, r.start, r.complete)
