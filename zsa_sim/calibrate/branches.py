"""Branch probabilities by replaying every trace on the BPMN model.

Gateways are not in a log; which branch a case took is seen only in what it did next,
possibly several silent steps later. So each case is replayed as a token game on the
model (the replay of :mod:`zsa_sim.eventlog.conformance`, extended here to remember the
sequence flows its gateways put tokens on), and every passage through a branching
gateway counts for the flow taken. A branch probability is then flow count / gateway
passages; a loop's repeat probability is the same figure at the gateway that loops back,
counted per passage.

Events the log never records (an export of tasks only has no start, end or message
events) are passed silently in the replay, so such logs replay too.

Cases the model cannot replay are named and counted; ``max_nonconforming`` (a share)
decides whether calibration stops or leaves them out.

The ``missing_documents`` of the generic applicant generator (how many rounds of
requests a case needs) is estimated from the loop it drives, taking into account that
a case whose applicant never answered stopped before its last round (censored, as in a
Kaplan–Meier estimate).
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from itertools import permutations, product

import numpy as np

from zsa_sim.bpmn.model import (
    EndEvent,
    EventBasedGateway,
    ExclusiveGateway,
    InclusiveGateway,
    IntermediateCatchEvent,
    IntermediateThrowEvent,
)
from zsa_sim.calibrate.table import CalibrationError, LogTable
from zsa_sim.eventlog.conformance import ReplayResult, _flows, _Model, _put, _take
from zsa_sim.eventlog.schema import ActivityRecord
from zsa_sim.scenario.service_model import ServiceModel

#: show at most this many misfit cases by name
SHOW = 3
#: orders of tied rows tried before a case counts as not fitting
MAX_TIE_ORDERS = 64


@dataclass
class Routing:
    """What the replay found."""

    #: gateway id -> flow id -> passages
    flows: dict[str, Counter] = field(default_factory=dict)
    #: case codes that replayed
    fitting: list[int] = field(default_factory=list)
    #: (case name, problem) of cases that did not
    misfits: list[tuple[str, str]] = field(default_factory=list)
    #: per fitting case: flow id -> how often it was taken
    per_case: list[Counter] = field(default_factory=list)

    def probabilities(self, gateway: str) -> dict[str, float]:
        """Flow -> share of passages through the gateway."""
        counts = self.flows.get(gateway, Counter())
        total = sum(counts.values())
        return {f: n / total for f, n in counts.items()} if total else {}


class _Tracing(_Model):
    """The conformance replay, remembering the flows branching gateways chose."""

    def __init__(self, definitions, branching: set[str], invisible: set[str]) -> None:  # type: ignore[no-untyped-def]
        super().__init__(definitions)
        self.branching = branching
        self.invisible = invisible

    def _silent(self, state: tuple) -> set:
        """The base moves, and passing events the log never records."""
        found = super()._silent(state)
        for place in set(state):
            if place[0] != "f":
                continue
            path = place[1]
            scope = self.scopes[path]
            flow = scope.flows.get(place[2])
            node = scope.nodes.get(flow.target) if flow else None
            if node is None or node.id not in self.invisible:
                continue
            if isinstance(node, IntermediateCatchEvent | IntermediateThrowEvent):
                found.add(_put(_take(state, place), _flows(path, node.outgoing)))
            elif isinstance(node, EndEvent) and path == ():
                ended = _take(state, place)
                found.add(() if node.definition.kind in ("terminate", "error") else ended)
        return found

    def trace(self, rows: list[ActivityRecord]) -> tuple[ReplayResult, tuple[str, ...]]:
        """Replay; the result and the branching flows of the first fitting path.

        Steps with the same time may stand in the log in either order (timestamps to the
        second or minute, an export sorted by name): if the log order does not fit, the
        orders within such ties are tried too (up to :data:`MAX_TIE_ORDERS`).
        """
        ordered = sorted(rows, key=lambda r: math.inf if math.isnan(r.complete) else r.complete)
        result = self._trace(ordered)
        if result[0].fits:
            return result
        for other in _tie_orders(ordered):
            retry = self._trace(other)
            if retry[0].fits:
                return retry
        return result

    def _trace(self, ordered: list[ActivityRecord]) -> tuple[ReplayResult, tuple[str, ...]]:
        for row in ordered:
            if row.activity_id not in self.where:
                return ReplayResult(False, f"activity '{row.activity_id}' is not in the model"), ()
        done = [r for r in ordered if not math.isnan(r.complete)]
        still_open = [r for r in ordered if math.isnan(r.complete)]
        cancellable = self._cancellable(done)
        start = self.scopes[()].start_events
        if not start:
            return ReplayResult(False, "the model has no start event"), ()
        initial: tuple = (("s", (), start[0].id),)
        if start[0].id in self.invisible:  # the log does not record arrivals as a row
            initial = tuple(sorted(_flows((), start[0].outgoing)))
        stack: list[tuple[int, tuple, tuple[str, ...]]] = [(0, initial, ())]
        seen: set = set()
        problem = ""
        deepest = 0
        while stack:
            i, state, trail = stack.pop()
            if (i, state) in seen:
                continue
            seen.add((i, state))
            deepest = max(deepest, i)
            if len(seen) > 50_000:
                return ReplayResult(False, "replay gave up (too many states)"), ()
            if i == len(done):
                ended, why = self._final(state, still_open)
                if ended or not why:
                    return ReplayResult(True, "", ended), trail
                problem = problem or why
                # a closing gateway may still have to pass: keep exploring silent moves
            for nxt in self._silent(state):
                stack.append((i, nxt, trail + self._chosen(state, nxt)))
            if i == len(done):
                continue
            row = done[i]
            cut_before, cut_after = cancellable[i]
            if cut_before or (cut_after and self._enabled(state, row.activity_id)):
                stack.append((i + 1, state, trail))
            stack.extend((i + 1, s, trail) for s in self._visible(state, row))
        if not problem and deepest < len(done):
            row = done[deepest]
            after = f" after '{done[deepest - 1].activity_id}'" if deepest else ""
            problem = f"activity '{row.activity_id}' ({row.activity_name}) is not enabled{after}"
        return ReplayResult(False, problem or "the trace does not fit the model"), ()

    def _chosen(self, before: tuple, after: tuple) -> tuple[str, ...]:
        added = Counter(after) - Counter(before)
        return tuple(
            place[2] for place in added.elements() if place[0] == "f" and place[2] in self.branching
        )


def _tie_orders(ordered: list[ActivityRecord]) -> list[list[ActivityRecord]]:
    """Other orders of the rows within groups of equal completion time."""
    groups: list[list[ActivityRecord]] = []
    for row in ordered:
        if groups and row.complete == groups[-1][0].complete:
            groups[-1].append(row)
        else:
            groups.append([row])
    choices = [list(permutations(g)) if len(g) > 1 and len(g) <= 4 else [tuple(g)] for g in groups]
    out = []
    for combo in product(*choices):
        out.append([row for group in combo for row in group])
        if len(out) > MAX_TIE_ORDERS:
            break
    return out[1:]


def _out_flows(model: ServiceModel) -> dict[str, str]:
    """Outgoing flow id -> gateway id for every branching gateway (incl. event-based)."""
    out = {}
    for node_id, node in model.nodes.items():
        branching = isinstance(node, ExclusiveGateway | InclusiveGateway | EventBasedGateway)
        if branching and len(node.outgoing) > 1:
            for flow in node.outgoing:
                out[flow] = node_id
    return out


def replay_cases(
    table: LogTable,
    node_ids: np.ndarray,
    model: ServiceModel,
    max_nonconforming: float,
) -> Routing:
    """Replay every case; count the flows; stop if too many cases do not fit."""
    flow_gateway = _out_flows(model)
    seen = set(node_ids.tolist())
    # events the log never records (many exports hold tasks only) are passed silently
    invisible = {
        node_id
        for node_id, node in model.nodes.items()
        if node_id not in seen
        and isinstance(node, IntermediateCatchEvent | IntermediateThrowEvent | EndEvent)
    }
    invisible |= {s.id for s in model.definitions.main_process.start_events if s.id not in seen}
    tracer = _Tracing(model.definitions, set(flow_gateway), invisible)
    routing = Routing()
    # the replay needs the activity's BPMN type for cancellations
    types = {node_id: node.kind for node_id, node in model.nodes.items()}
    n_cases = 0
    cache: dict[tuple, tuple[ReplayResult, tuple[str, ...]]] = {}
    for code, rows in enumerate(table.case_rows()):
        if not len(rows):
            continue
        n_cases += 1
        records = [
            ActivityRecord(
                case_id=table.case_names[code],
                service="",
                municipality="",
                variant="",
                replication=0,
                activity_id=str(node_ids[r]),
                activity_name=table.activity_names[table.activity[r]],
                activity_type=types.get(str(node_ids[r]), ""),
                lane="",
                role="",
                org_unit="",
                resource="",
                enabled=math.nan,
                start=float(table.start[r]),
                complete=float(table.end[r]),
                effort=0.0,
                attributes=(),
            )
            for r in rows
        ]
        ordered = sorted(records, key=lambda r: math.inf if math.isnan(r.complete) else r.complete)
        # same activities in the same order, same ties in time: same replay
        key = tuple(
            (r.activity_id, math.isnan(r.complete), i > 0 and r.complete == ordered[i - 1].complete)
            for i, r in enumerate(ordered)
        )
        cached = cache.get(key)
        if cached is None:
            cached = cache[key] = tracer.trace(records)
        result, trail = cached
        if not result.fits:
            routing.misfits.append((table.case_names[code], result.problem))
            continue
        routing.fitting.append(code)
        taken = Counter(trail)
        routing.per_case.append(taken)
        for flow, n in taken.items():
            routing.flows.setdefault(flow_gateway[flow], Counter())[flow] += n
    share = len(routing.misfits) / max(n_cases, 1)
    if routing.misfits and share > max_nonconforming:
        shown = "; ".join(f"case {c!r}: {p}" for c, p in routing.misfits[:SHOW])
        raise CalibrationError(
            f"{len(routing.misfits)} of {n_cases} cases ({share:.1%}) do not fit the model, "
            f"more than --max-nonconforming {max_nonconforming:.1%}: {shown}",
            source=table.source,
        )
    for gateway in set(flow_gateway.values()):
        counts = routing.flows.setdefault(gateway, Counter())
        for flow in model.nodes[gateway].outgoing:
            counts.setdefault(flow, 0)
    return routing


def rounds_distribution(
    routing: Routing, repeat_flow: str, gateway_flows: set[str]
) -> tuple[list[float], int]:
    """P(0, 1, 2, ... rounds) of a loop whose flow ``repeat_flow`` starts a round.

    A case that took the repeat flow as often as it passed the gateway never came back
    from its last round (the applicant did not answer): it needed at least that many
    rounds (right-censored). Returns the probabilities and the number of cases.
    """
    pairs = []
    for taken in routing.per_case:
        passes = sum(n for f, n in taken.items() if f in gateway_flows)
        k = taken.get(repeat_flow, 0)
        if passes:
            pairs.append((k, k == passes))
    if not pairs:
        return [1.0], 0
    top = max(k for k, _ in pairs)
    survive = 1.0
    probabilities = []
    for j in range(top + 1):
        at_risk = sum(1 for k, censored in pairs if k > j or (k == j and not censored))
        go_on = sum(1 for k, _ in pairs if k > j)
        hazard_stop = 1.0 - (go_on / at_risk if at_risk else 0.0)
        probabilities.append(survive * hazard_stop)
        survive *= 1.0 - hazard_stop
    if survive > 1e-12:
        probabilities[-1] += survive
    total = sum(probabilities)
    return [p / total for p in probabilities], len(pairs)
