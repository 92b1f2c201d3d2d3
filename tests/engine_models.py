"""Tiny hand-built process models and setups for the engine tests (no BPMN files).

``ModelBuilder`` collects nodes and flows and fills in incoming/outgoing, default flows
and boundary attachments; ``setup_for`` wraps a model into a SimulationSetup with one
always-open staff pool unless told otherwise; ``run`` executes it into a ListSink.
``construct_models`` is a catalogue of small models with every construct the engine
executes, and ``construct_setup`` a run of one of them.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import NamedTuple

import numpy as np

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


# -- a catalogue of models with every construct the engine executes ------------------------
# Shared by the conformance tests (every trace the engine writes must replay on its model)
# and the validation suite (every run conserves cases and satisfies Little's law).


class Construct(NamedTuple):
    """A small model exercising one construct, with what a run of it needs."""

    name: str
    definitions: bpmn.Definitions
    efforts: Mapping[str, Distribution]
    #: a row's activity id or type that a run must contain (so the test is not vacuous)
    must_occur: str
    branches: Mapping[str, BranchRule] = {}
    waits: Mapping[str, WaitRule] = {}
    errors: Mapping[str, float] = {}
    #: how long a run lasts (minutes); short enough to leave some cases open
    horizon: float = 800.0


def _body(process_id: str = "Body", end_kind: str = "none") -> bpmn.Process:
    b = ModelBuilder(process_id).start("SStart").task("S1").task("S2")
    b.end("SEnd", kind=end_kind).chain("SStart", "S1", "S2", "SEnd")
    return b.build()


def construct_models() -> list[Construct]:
    """Models for gateways, loops, events, boundaries, subprocesses and call activities."""
    exp = Distribution.exponential
    out = []
    b = ModelBuilder().start().task("A").gateway("X").task("B").task("C").gateway("M")
    b.gateway("P", "and").task("D").task("E").gateway("J", "and").gateway("L")
    b.task("F").end().chain("Start", "A", "X", "B", "M", "P", "D", "J", "L", "End")
    b.chain("X", "C", "M").chain("P", "E", "J").flow("L", "F", "F_again").chain("F", "A")
    out.append(
        Construct(
            "xor, and, loop",
            definitions(b.build()),
            {t: exp(20) for t in "ABCDEF"},
            "F",
            branches={
                "X": BranchRule({"F_X_B": 0.5, "F_X_C": 0.5}),
                "L": BranchRule({"F_again": 0.3, "F_L_End": 0.7}),
            },
        )
    )
    b = ModelBuilder().start().gateway("O", "or").task("A").task("B").task("C")
    b.gateway("OJ", "or").task("D").end()
    b.chain("Start", "O", "A", "OJ", "D", "End").chain("O", "B", "OJ").chain("O", "C", "OJ")
    out.append(
        Construct(
            "inclusive split and join",
            definitions(b.build()),
            {t: exp(20) for t in "ABCD"},
            "D",
            branches={"O": BranchRule({"F_O_A": 0.5, "F_O_B": 0.5, "F_O_C": 0.5})},
        )
    )
    b = ModelBuilder().start().task("Request").gateway("Wait", "event")
    b.message("Reply").timer("Deadline", "P14D").task("Remind").end().end("End2")
    b.chain("Start", "Request", "Wait", "Reply", "End").chain("Wait", "Deadline", "Remind", "End2")
    out.append(
        Construct(
            "event-based gateway",
            definitions(b.build()),
            {"Request": exp(20), "Remind": exp(5)},
            "Deadline",
            waits={"Reply": WaitRule(exp(14 * 1440), never=0.3)},
            horizon=40 * 1440.0,
        )
    )
    for interrupting in (True, False):
        b = ModelBuilder().start().task("Work").task("Escalate").end().end("End2")
        b.boundary("B", "Work", expression="PT30M", interrupting=interrupting)
        b.chain("Start", "Work", "End").chain("B", "Escalate", "End2")
        out.append(
            Construct(
                f"boundary timer on a task, interrupting={interrupting}",
                definitions(b.build()),
                {"Work": exp(25), "Escalate": exp(5)},
                "B",
            )
        )
    b = ModelBuilder().start().task("Work").gateway("Merge").task("After").end().task("Note")
    b.boundary("B", "Work", expression="PT20M", interrupting=False)
    b.chain("Start", "Work", "Merge", "After", "End").chain("B", "Note", "Merge")
    out.append(
        Construct(
            "non-interrupting boundary branch joins the main path",
            definitions(b.build()),
            {"Work": exp(25), "After": exp(5), "Note": exp(2)},
            "Note",
        )
    )
    b = ModelBuilder().start().task("Work").task("Fix").end().end("End2")
    b.boundary("Err", "Work", kind="error")
    b.chain("Start", "Work", "End").chain("Err", "Fix", "End2")
    out.append(
        Construct(
            "error boundary on a task",
            definitions(b.build()),
            {"Work": exp(20), "Fix": exp(5)},
            "Err",
            errors={"Err": 0.4},
        )
    )
    for interrupting in (True, False):
        b = ModelBuilder().start().subprocess("Sub", _body()).task("A").task("Late").end()
        b.end("E2").boundary("B", "Sub", expression="PT40M", interrupting=interrupting)
        b.chain("Start", "Sub", "A", "End").chain("B", "Late", "E2")
        out.append(
            Construct(
                f"boundary timer on a subprocess, interrupting={interrupting}",
                definitions(b.build()),
                {"S1": exp(20), "S2": exp(20), "A": exp(5), "Late": exp(1)},
                "B",
            )
        )
    b = ModelBuilder().start().subprocess("Sub", _body(end_kind="error")).task("A")
    b.task("Fix").end().end("E2").boundary("Err", "Sub", kind="error")
    b.chain("Start", "Sub", "A", "End").chain("Err", "Fix", "E2")
    out.append(
        Construct(
            "error end in a subprocess",
            definitions(b.build()),
            {"S1": exp(10), "S2": exp(10), "A": exp(5), "Fix": exp(2)},
            "Err",
        )
    )
    inner = ModelBuilder("Body").start("SStart").gateway("P", "and").task("S1").task("S2")
    inner.end("Stop", kind="terminate").end("SEnd")
    inner.chain("SStart", "P", "S1", "Stop").chain("P", "S2", "SEnd")
    b = ModelBuilder().start().subprocess("Sub", inner.build()).task("A").end()
    b.chain("Start", "Sub", "A", "End")
    out.append(
        Construct(
            "terminate in a subprocess",
            definitions(b.build()),
            {"S1": exp(10), "S2": exp(30), "A": exp(5)},
            "Sub",
        )
    )
    b = ModelBuilder().start().gateway("P", "and").task("A").task("B").end("Stop", "terminate")
    b.end().chain("Start", "P", "A", "Stop").chain("P", "B", "End")
    out.append(
        Construct(
            "terminate in the main process",
            definitions(b.build()),
            {"A": exp(10), "B": exp(20)},
            "Stop",
        )
    )
    b = ModelBuilder().start().call("Call", "Called").task("A").end()
    b.chain("Start", "Call", "A", "End")
    out.append(
        Construct(
            "call activity",
            definitions(b.build(), _body("Called")),
            {"S1": exp(10), "S2": exp(10), "A": exp(5)},
            "Call",
        )
    )
    return out


def random_arrivals(n: int = 40, spacing: float = 30.0, seed: int = 1) -> CaseSource:
    """``n`` cases with exponential gaps of mean ``spacing`` minutes."""
    gaps = np.random.default_rng(seed).exponential(spacing, n)
    return arrivals_at(np.cumsum(gaps).tolist())


def construct_setup(
    construct: Construct, source: CaseSource | None = None, seed: int = 1
) -> SimulationSetup:
    """A run of a construct: two staff pools (every second task on the second), so that
    parallel work overlaps and queues form."""
    tasks = sorted(construct.efforts)
    return setup_for(
        construct.definitions,
        construct.efforts,
        source or random_arrivals(),
        pools=[pool("p", fte=2), pool("q")],
        routing={t: "q" for t in tasks[1::2]},
        branches=construct.branches,
        waits=construct.waits,
        errors=construct.errors,
        horizon=construct.horizon,
        seed=seed,
    )
