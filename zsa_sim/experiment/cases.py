"""Cases: the event log reduced to one record per case, and the work load per staff pool.

:class:`CaseTable` is an event-log sink (it has ``record(row)``), so the engine can feed
it directly (usually through a ``Tee`` next to the CSV writer). Rows arrive in completion
order with cases interleaved, and several variants and replications may share one stream:
every case is keyed by ``(variant, replication, case_id)``. The table keeps a few numbers
per case and per pool, never the rows themselves, so its memory grows with the number of
cases, not with the number of rows.

Definitions (all times are simulation minutes since the run's epoch):

- ``arrival``: the time of the case's start-event row (the earliest one: an embedded
  subprocess has start events of its own). A case without any start-event row, which
  the engine should never produce, takes its earliest ``enabled`` time instead.
- ``first_start``: the earliest ``start`` of a row with a non-empty ``resource``, i.e. the
  first time a member of staff began work on the case; NaN if nobody has yet.
- ``decision``: ``complete`` of the service's decision task (the Bescheid); if a case
  passes it more than once, the last completion counts; NaN if never completed.
- ``end``: the latest ``complete`` of the case's rows, once the case has an end-event
  row and no open row (an activity instance still waiting or in progress when the run
  ended, written with NaN ``complete``); NaN while the case is open. The engine writes every
  unfinished instance as an open row when a run ends, so "has an end event and nothing
  open" is exactly "finished".
- ``applicant_time``: calendar minutes in the applicant's hands: the length of the union
  of the ``[enabled, complete]`` intervals of the case's completed
  ``intermediateCatchEvent`` rows (waiting for documents, or for the deadline that runs
  out when they do not come). The union, not the sum, so that two catch events racing
  after an event-based gateway are not counted twice if the engine logs both. Boundary
  events (e.g. "processing > 30 days") are the authority's own timers and do not count.
- ``effort_minutes``: working minutes of all rows whose work has begun (``start`` known);
  work still queued at the end is pool backlog, not effort spent on the case.
- ``outcome``: the id of the case's last end-event row by completion time, ignoring
  *side* end events: end events inside embedded subprocesses and those reached only from
  a non-interrupting boundary event (e.g. "interim notice sent"), which do not end the
  case. :meth:`CaseTable.from_services` derives them from the BPMN models.
- ``is_open``: the case has no (main) end-event row, or has an open row.

Pool load: a pool is identified by ``(org_unit, role)`` of the rows (the engine's pool id
is not in the log). For every task row the table adds its effort to its pool and service
on the calendar day its work *began* (all of it, even if the work ran over several days:
over a year this evens out and needs no calendar), or, if the work never began, to the
pool's queued work at the end of the run (the backlog).
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from zsa_sim.bpmn.model import TASK_KINDS, BoundaryEvent, EndEvent, Process, SubProcess
from zsa_sim.engine.calendar import MINUTES_PER_DAY
from zsa_sim.engine.setup import ServiceSetup
from zsa_sim.eventlog.schema import ActivityRecord

NAN = math.nan
#: A staff pool as the event log sees it: (org_unit, role), e.g. ("ZSA", "front_office").
PoolKey = tuple[str, str]
#: One run: (variant, replication).
RunKey = tuple[str, int]

_TASK_TYPES = frozenset(TASK_KINDS)


class CaseRecord(NamedTuple):
    """One case of one run, reduced to the times the KPIs need (minutes; NaN = never)."""

    variant: str
    replication: int
    case_id: str
    service: str
    municipality: str
    arrival: float
    first_start: float
    decision: float
    end: float
    applicant_time: float
    effort_minutes: float
    outcome: str
    is_open: bool

    @property
    def waiting(self) -> float:
        """Minutes from arrival until staff first began work (NaN if not yet)."""
        return self.first_start - self.arrival

    @property
    def lead_time(self) -> float:
        """Minutes from arrival to the decision (NaN if not decided)."""
        return self.decision - self.arrival


class PoolLoad(NamedTuple):
    """Work of one service done and queued by one pool in one run (minutes)."""

    variant: str
    replication: int
    org_unit: str
    role: str
    service: str
    #: effort of work begun on each calendar day (index 0 = the epoch's day)
    busy_by_day: np.ndarray
    #: effort of work still waiting for staff when the run ended
    queued_minutes: float

    @property
    def pool(self) -> PoolKey:
        """The pool key (org_unit, role)."""
        return (self.org_unit, self.role)


@dataclass(slots=True)
class _CaseState:
    service: str
    municipality: str
    arrival: float = math.inf
    first_enabled: float = math.inf
    first_start: float = math.inf
    decision: float = NAN
    last_complete: float = -math.inf
    has_end: bool = False
    open_rows: int = 0
    effort: float = 0.0
    outcome: str = ""
    outcome_time: float = -math.inf
    #: [enabled, complete] of completed catch events; None until the first
    waits: list[tuple[float, float]] | None = None


@dataclass(slots=True)
class _PoolState:
    busy: dict[int, float] = field(default_factory=dict)
    queued: float = 0.0


class CaseTable:
    """Reduces an event-log stream to :class:`CaseRecord` and :class:`PoolLoad` rows.

    ``decision_tasks`` maps each service to the id of its decision task; services
    without one get NaN decisions. ``side_end_events`` maps a service to end-event ids
    that do not end a case (see the module docstring).
    """

    def __init__(
        self,
        decision_tasks: Mapping[str, str],
        *,
        side_end_events: Mapping[str, Collection[str]] | None = None,
    ) -> None:
        self.decision_tasks = dict(decision_tasks)
        self.side_end_events = {s: frozenset(ids) for s, ids in (side_end_events or {}).items()}
        self._cases: dict[tuple[str, int, str], _CaseState] = {}
        self._pools: dict[RunKey, dict[tuple[str, str, str], _PoolState]] = {}
        # the pools of the run of the previous task row (rows of one run come together)
        self._last_run: tuple[str | None, int] = (None, -1)
        self._last_pools: dict[tuple[str, str, str], _PoolState] = {}

    @classmethod
    def from_services(cls, services: Mapping[str, ServiceSetup]) -> CaseTable:
        """A table for the services of a simulation setup.

        The decision task is ``ServiceSetup.decision_task`` or else the first task marked
        ``zsa:decision`` in the BPMN model; side end events come from the model.
        """
        decisions: dict[str, str] = {}
        sides: dict[str, frozenset[str]] = {}
        for name, service in services.items():
            process = service.definitions.main_process
            decision = service.decision_task or next(
                (t.id for t in process.tasks() if t.is_decision), None
            )
            if decision is not None:
                decisions[name] = decision
            sides[name] = side_end_events(process)
        return cls(decisions, side_end_events=sides)

    # -- the sink ---------------------------------------------------------------------

    def record(self, row: ActivityRecord) -> None:
        """Fold one row into its case's state and its pool's load."""
        # One unpacking instead of 17 attribute lookups: this runs for every row.
        (case_id, service, municipality, variant, replication, activity_id, _n, kind, _l, role,
         org_unit, resource, enabled, start, complete, effort, _a) = row  # fmt: skip
        key = (variant, replication, case_id)
        case = self._cases.get(key)
        if case is None:
            case = self._cases[key] = _CaseState(service, municipality)
        # x == x is "not NaN"; the comparisons below are min()/max() spelled out
        started, completed = start == start, complete == complete
        if enabled < case.first_enabled:
            case.first_enabled = enabled
        if completed:
            if complete > case.last_complete:
                case.last_complete = complete
        else:
            case.open_rows += 1
        if started:
            case.effort += effort
            if resource and start < case.first_start:
                case.first_start = start
        if kind == "startEvent":
            if enabled < case.arrival:
                case.arrival = enabled
        elif kind == "endEvent" and completed:
            if activity_id not in self.side_end_events.get(service, ()):
                case.has_end = True
                if complete >= case.outcome_time:
                    case.outcome, case.outcome_time = activity_id, complete
        elif kind == "intermediateCatchEvent" and completed:
            if case.waits is None:
                case.waits = []
            case.waits.append((enabled, complete))
        if completed and activity_id == self.decision_tasks.get(service):
            decision = case.decision
            if decision != decision or complete > decision:
                case.decision = complete
        if kind in _TASK_TYPES and org_unit and role:
            # the work of a task row goes to its pool's load (see the module docstring)
            pools = self._last_pools
            if variant != self._last_run[0] or replication != self._last_run[1]:
                self._last_run = (variant, replication)
                pools = self._last_pools = self._pools.setdefault(self._last_run, {})
            pool_key = (org_unit, role, service)
            pool = pools.get(pool_key)
            if pool is None:
                pool = pools[pool_key] = _PoolState()
            if started:
                day = int(start // MINUTES_PER_DAY)
                busy = pool.busy
                busy[day] = busy.get(day, 0.0) + effort
            else:
                pool.queued += effort

    # -- results ----------------------------------------------------------------------

    def runs(self) -> list[RunKey]:
        """The (variant, replication) pairs seen so far, sorted."""
        return sorted({(v, r) for v, r, _ in self._cases} | set(self._pools))

    def records(
        self, variant: str | None = None, replication: int | None = None
    ) -> list[CaseRecord]:
        """One record per case, optionally of one variant and/or replication only.

        Sorted by (variant, replication, case_id), so the order does not depend on the
        order rows arrived in.
        """
        out = []
        for (v, r, case_id), case in sorted(self._cases.items()):
            if (variant is None or v == variant) and (replication is None or r == replication):
                out.append(_to_record(v, r, case_id, case))
        return out

    def to_arrays(
        self, variant: str | None = None, replication: int | None = None
    ) -> dict[str, np.ndarray]:
        """The records as columns (float columns with NaN for "never"), for numpy."""
        return records_to_arrays(self.records(variant, replication))

    def pool_loads(
        self, variant: str | None = None, replication: int | None = None
    ) -> list[PoolLoad]:
        """Work begun by day and work queued at the end, per pool and service."""
        out = []
        for (v, r), pools in sorted(self._pools.items()):
            if (variant is not None and v != variant) or (
                replication is not None and r != replication
            ):
                continue
            for (org_unit, role, service), state in sorted(pools.items()):
                busy = np.zeros(max(state.busy, default=-1) + 1)
                for day, minutes in state.busy.items():
                    busy[day] = minutes
                out.append(PoolLoad(v, r, org_unit, role, service, busy, state.queued))
        return out


def records_to_arrays(records: Iterable[CaseRecord]) -> dict[str, np.ndarray]:
    """Columns of case records: one numpy array per :class:`CaseRecord` field."""
    rows = list(records)
    columns: dict[str, np.ndarray] = {}
    for i, name in enumerate(CaseRecord._fields):
        values = [row[i] for row in rows]
        if name in ("variant", "case_id", "service", "municipality", "outcome"):
            columns[name] = np.array(values, dtype=object)
        elif name == "replication":
            columns[name] = np.array(values, dtype=np.int64)
        elif name == "is_open":
            columns[name] = np.array(values, dtype=bool)
        else:
            columns[name] = np.array(values, dtype=float)
    return columns


def side_end_events(process: Process) -> frozenset[str]:
    """End events of a process that do not end the case.

    Those inside embedded subprocesses (their end returns the token to the parent) and
    those reached from a non-interrupting boundary event (a side branch, such as an
    interim notice, while the main token goes on) but not from the start event.
    """
    side: set[str] = set()
    for node in process.nodes.values():
        if isinstance(node, SubProcess):
            side |= {n.id for n in node.body.walk() if isinstance(n, EndEvent)}
            side |= side_end_events(node.body)
    branch_ends: set[str] = set()
    for node in process.nodes.values():
        if isinstance(node, BoundaryEvent) and not node.cancel_activity:
            branch_ends |= _reachable_end_events(process, [node.id])
    # a side branch that joins the main path again ends where the main token ends
    main_ends = _reachable_end_events(process, [n.id for n in process.start_events], True)
    return frozenset(side | (branch_ends - main_ends))


def _reachable_end_events(
    process: Process, starts: list[str], interrupting_boundaries: bool = False
) -> set[str]:
    """End events reachable along sequence flows (and, if asked, through the
    interrupting boundary events of the activities passed, which carry the token on)."""
    leaves: dict[str, list[str]] = {}
    if interrupting_boundaries:
        for node in process.nodes.values():
            if isinstance(node, BoundaryEvent) and node.cancel_activity:
                leaves.setdefault(node.attached_to, []).append(node.id)
    seen: set[str] = set()
    todo = list(starts)
    ends: set[str] = set()
    while todo:
        node_id = todo.pop()
        if node_id in seen or node_id not in process.nodes:
            continue
        seen.add(node_id)
        node = process.nodes[node_id]
        if isinstance(node, EndEvent):
            ends.add(node_id)
        todo.extend(flow.target for flow in process.outgoing_flows(node_id))
        todo.extend(leaves.get(node_id, ()))
    return ends


def _to_record(variant: str, replication: int, case_id: str, case: _CaseState) -> CaseRecord:
    arrival = case.arrival if math.isfinite(case.arrival) else case.first_enabled
    is_open = case.open_rows > 0 or not case.has_end
    return CaseRecord(
        variant=variant,
        replication=replication,
        case_id=case_id,
        service=case.service,
        municipality=case.municipality,
        arrival=arrival if math.isfinite(arrival) else NAN,
        first_start=case.first_start if math.isfinite(case.first_start) else NAN,
        decision=case.decision,
        end=NAN if is_open else case.last_complete,
        applicant_time=_union_length(case.waits or []),
        effort_minutes=case.effort,
        outcome=case.outcome,
        is_open=is_open,
    )


def _union_length(intervals: list[tuple[float, float]]) -> float:
    """Total length covered by closed intervals (overlaps counted once)."""
    total = 0.0
    current_start = current_end = -math.inf
    for lo, hi in sorted(intervals):
        if lo > current_end:
            if current_end > current_start:
                total += current_end - current_start
            current_start, current_end = lo, hi
        else:
            current_end = max(current_end, hi)
    if current_end > current_start:
        total += current_end - current_start
    return total
