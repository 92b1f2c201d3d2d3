"""One simulation run: build staff pools and runtime graphs, run SimPy, flush, summarise.

:func:`simulate` takes a frozen :class:`~zsa_sim.engine.setup.SimulationSetup` and an
event-log sink and returns a :class:`SimulationResult`. Everything the engine cannot
execute is reported before the first event (:mod:`zsa_sim.engine.graph`). Time is in
minutes since ``setup.epoch``; the run stops before ``setup.horizon`` and then writes
every activity instance still waiting or in progress as a row with NaN times, so open
work is visible in the log.

Each :class:`~zsa_sim.engine.setup.CaseSource` is one SimPy process that pulls its
arrivals lazily (they are sorted by time; new applications as columns,
:class:`~zsa_sim.engine.setup.ArrivalBatch`) and starts a case for each. All randomness
comes from :mod:`zsa_sim.randomness`: per-case draws from a
:class:`~zsa_sim.randomness.DrawTable` (common random numbers across variants), staff
absences from streams keyed by pool and member. The same setup therefore gives the
same event log, row for row.

A case of the initial backlog (an arrival with a ``node``) starts at once where it
stands, its start-event row dated at its application (before the epoch); with a
renewal rule, an approved case starts a renewal case later
(:mod:`zsa_sim.engine.renewals`).

Rows the engine writes (one per activity instance, in the order they complete):

- start event of the case: ``enabled = start = complete`` = arrival; end events and
  throw events: zero duration when reached. Start and end events inside a subprocess
  body or a called process are not logged (the subprocess row covers them), so a case
  has exactly one start-event row. Gateways are not logged.
- task: ``enabled`` when the task became available to its pool (after any hand-over
  delay), ``start`` when a staff member began, ``complete`` when she finished;
  ``effort`` in working minutes; ``resource`` is ``"<pool>#<n>"``; ``org_unit`` is the
  pool's; ``role`` is the lane's ``zsa:role`` (a task's own ``zsa:role`` overrides).
- intermediate catch event: ``enabled = start`` = reached, ``complete`` = fired; after
  an event-based gateway only the winner is logged.
- boundary event: ``enabled = start`` = when its activity began (or its previous cycle
  fired), ``complete`` = fired; error boundaries have zero duration.
- subprocess / call activity: a row of its own (no resource, no effort) from entry to
  completion.
- cancelled work (interrupting boundary, terminate end event, caught error): the task
  row is written at cancellation with ``complete`` = that time, ``start`` NaN if no one
  had begun, and ``effort`` = the working minutes actually done. Catch events that are
  cancelled or lose a race are not logged.
- at the horizon: every instance still waiting or in progress is written with NaN for
  what has not happened (``start`` and/or ``complete``, and ``enabled`` too for a task
  whose hand-over is still in transit; a task's ``effort`` is its drawn effort);
  waiting catch events too. A case without an end-event row, or with such
  an open row, is open; ``SimulationResult.cases_open`` counts the cases not ended.
"""

from __future__ import annotations

import gc
import heapq
from collections.abc import Generator, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace

import numpy as np

from zsa_sim.engine.activities import ActivityRunner
from zsa_sim.engine.case import Case, case_id, case_ids
from zsa_sim.engine.graph import Compiler, Graph, routing_signature
from zsa_sim.engine.kernel import Environment, Held, TokenProcess
from zsa_sim.engine.other_work import OtherWork
from zsa_sim.engine.queues import make_pool
from zsa_sim.engine.renewals import Renewals
from zsa_sim.engine.setup import ArrivalBatch, CaseArrival, CaseSource, SimulationSetup
from zsa_sim.engine.setup_checks import check_service_keys, check_setup
from zsa_sim.engine.staff import StaffPool, build_members
from zsa_sim.errors import SimulationError, ZsaError
from zsa_sim.eventlog.schema import EventLogSink
from zsa_sim.randomness import DrawTable


@dataclass(frozen=True)
class PoolStats:
    """A staff pool's capacity over the run (its use is computed from the event log)."""

    pool: str
    role: str
    org_unit: str
    fte: float
    cost_per_hour: float
    #: FTE-weighted working minutes available on each calendar day from the epoch, with
    #: absences deducted (day 0 is the epoch's day; the last day ends at the horizon)
    available_minutes_by_day: tuple[float, ...]
    #: effort of other work (not the modelled process) begun on each calendar day
    other_work_minutes_by_day: tuple[float, ...] = ()
    #: effort of other work still waiting for staff at the horizon
    other_work_queued_minutes: float = 0.0

    @property
    def available_minutes(self) -> float:
        """Working minutes available over the whole run."""
        return float(sum(self.available_minutes_by_day))


@dataclass(frozen=True)
class SimulationResult:
    """What a run did, besides the rows it wrote (deterministic: no wall-clock times)."""

    cases_started: int
    cases_completed: int
    cases_open: int
    pools: Mapping[str, PoolStats]
    #: SimPy events processed before the horizon
    events_processed: int
    #: rows written to the sink, including the open rows flushed at the end
    rows_written: int


class Simulation:
    """One run of one setup: ``Simulation(setup, sink).run()``."""

    def __init__(
        self, setup: SimulationSetup, sink: EventLogSink, *, _check_only: bool = False
    ) -> None:
        check_setup(setup)
        self.setup = setup
        self.env = Environment(0.0)
        self.draws = DrawTable(setup.seed, setup.replication)
        self.pools: dict[str, StaffPool] = {}
        #: made when the run starts, from the pools' available minutes by day
        self.pool_stats: dict[str, PoolStats] = {}
        self._available: dict[str, np.ndarray] = {}
        self.other_work: dict[str, OtherWork] = {}
        for pool_id, spec in setup.pools.items():
            members, available = build_members(
                spec, setup.seed, setup.replication, setup.horizon, absences=not _check_only
            )
            self.pools[pool_id] = make_pool(self.env, spec, members, setup.seed, setup.replication)
            # its PoolStats when the run starts (a check_buildable never needs them)
            self._available[pool_id] = available
            if spec.other_work:
                self.other_work[pool_id] = OtherWork(
                    self.env,
                    self.pools[pool_id],
                    spec.other_work,
                    setup.seed,
                    setup.replication,
                    len(available),
                )
        for service_key, service in setup.services.items():
            check_service_keys(service_key, service)
        self.graphs: list[tuple[CaseSource, Graph]] = []
        compiled: set[tuple] = set()
        for source in setup.sources:
            if _check_only:
                # only the first of each signature (see check_buildable)
                routing = setup.routing[(source.service, source.municipality)]
                signature = (source.service, routing_signature(routing, self.pools))
                if signature in compiled:
                    continue
                compiled.add(signature)
            compiler = Compiler(
                setup, source.service, source.municipality, self.pools, self.draws.draw
            )
            self.graphs.append((source, compiler.compile()))
        self.runner = ActivityRunner(self.env, self.draws.draw, sink, setup.max_visits)
        if any(s.renewal is not None for s in setup.services.values()):
            graphs = {(src.service, src.municipality): g for src, g in self.graphs}
            renewals = Renewals(self.env, setup, self.runner, self.draws.draw, graphs)
            self.runner.on_case_end = renewals.case_ended
        self._ran = False
        self._check_only = _check_only

    def run(self) -> SimulationResult:
        """Run until the horizon, flush open work, and summarise."""
        if self._check_only:
            raise SimulationError("a Simulation built by check_buildable does not run")
        if self._ran:
            raise SimulationError("a Simulation runs once; make a new one")
        self._ran = True
        env, horizon = self.env, self.setup.horizon
        for pool_id, spec in self.setup.pools.items():
            self.pool_stats[pool_id] = PoolStats(
                pool=pool_id,
                role=spec.role,
                org_unit=spec.org_unit,
                fte=spec.fte,
                cost_per_hour=spec.cost_per_hour,
                available_minutes_by_day=_shared_floats(self._available.pop(pool_id)),
            )
        for source, graph in self.graphs:
            TokenProcess(env, self._arrivals(source, graph))
        for other in self.other_work.values():
            other.start(horizon)
        try:
            with _few_collections():
                events = _step_until(env, horizon)
        except ZsaError as err:
            # SimPy re-raises a process's exception as a copy; raise the original
            original = err.__cause__
            if isinstance(original, ZsaError):
                # Raising the original here makes the copy its __context__; unlink the
                # copy from it, or the chain is a cycle (original -> copy -> original)
                # that exception picklers such as tblib (Dask) follow for ever.
                err.__cause__ = None
                raise original.with_traceback(original.__traceback__) from original.__cause__
            raise
        runner = self.runner
        runner.flush()
        runner.deliver()  # the last batch: the sink has every row when the run returns
        for pool_id, other in self.other_work.items():
            self.pool_stats[pool_id] = replace(
                self.pool_stats[pool_id],
                other_work_minutes_by_day=_shared_floats(other.minutes_by_day),
                other_work_queued_minutes=other.queued,
            )
        return SimulationResult(
            cases_started=runner.cases_started,
            cases_completed=runner.cases_completed,
            cases_open=runner.cases_started - runner.cases_completed,
            pools=dict(self.pool_stats),
            events_processed=events,
            rows_written=runner.rows,
        )

    def _arrivals(self, source: CaseSource, graph: Graph) -> Generator:
        """Start a case for each arrival of one (service, municipality) stream.

        The cases' token processes are started by :class:`~zsa_sim.engine.kernel.Held`
        when this process waits (or ends): the same order of events as with a start
        event each, one event per case fewer (issue 19).
        """
        env, runner, horizon = self.env, self.runner, self.setup.horizon
        service, municipality = source.service, source.municipality
        held = Held()
        items = source.arrivals() if source.batches is None else source.batches()
        for item in items:
            if item.__class__ is ArrivalBatch:
                # a run of new applications as columns: the same cases, made in bulk
                cases = self._batch_cases(source, item)  # type: ignore[arg-type]
                times = map(float, item.times)  # type: ignore[union-attr]
                for at, case in zip(times, cases, strict=True):
                    if at >= horizon:
                        held.release(env)
                        return
                    now = env._now  # type: ignore[attr-defined]
                    if at > now:
                        yield held.wait(env, at - now)
                    elif not at >= now:
                        raise self._unsorted(source, case.index, at)
                    case.arrival = at
                    runner.start_case(case, graph, held)
                continue
            arrival: CaseArrival = item  # type: ignore[assignment]
            at = float(arrival.time)
            if at >= horizon:
                held.release(env)
                return
            if arrival.node is not None:
                self._resume(arrival, graph, held)
                continue
            if not at >= env.now:
                raise self._unsorted(source, arrival.index, at)
            if arrival.service != service or arrival.municipality != municipality:
                raise SimulationError(
                    f"the arrival source of service {service!r}, municipality "
                    f"{municipality!r} yielded a case of ({arrival.service!r}, "
                    f"{arrival.municipality!r})"
                )
            now = env._now  # type: ignore[attr-defined]
            if at > now:
                yield held.wait(env, at - now)
            case = self._case(arrival)
            case.arrival = at
            runner.start_case(case, graph, held)
        held.release(env)

    def _unsorted(self, source: CaseSource, index: int, at: float) -> SimulationError:
        return SimulationError(
            f"arrivals of service {source.service!r}, municipality {source.municipality!r} "
            f"are not sorted by time: case {index} at {at!r} after time {self.env.now!r}"
        )

    def _batch_cases(self, source: CaseSource, batch: ArrivalBatch) -> list[Case]:
        """The runtime cases of a batch of arrivals (as :meth:`_case` of each row)."""
        setup, service, municipality = self.setup, source.service, source.municipality
        variant, replication = setup.variant, setup.replication
        n = len(batch.times)
        columns = batch.attributes
        names = list(columns)
        if names:
            rows = zip(*columns.values(), strict=True)
            attributes = [dict(zip(names, row, strict=True)) for row in rows]
        else:  # zip() of no columns gives no rows: one empty dict per case
            attributes = [{} for _ in range(n)]
        if setup.attribute_names:
            blank = [""] * n
            cells = [columns.get(name, blank) for name in setup.attribute_names]
            row_attributes = list(zip(*cells, strict=True))
        else:
            row_attributes = [()] * n
        priorities = batch.priorities if batch.priorities is not None else [0.0] * n
        first = batch.first_index
        ids = case_ids(service, municipality, first, n)
        return [
            Case(
                service,
                municipality,
                first + k,
                attributes[k],
                priorities[k],
                (ids[k], service, municipality, variant, replication),
                row_attributes[k],
            )
            for k in range(n)
        ]

    def _case(self, arrival: CaseArrival) -> Case:
        """The runtime case of an arrival: its log key columns and attribute values."""
        setup, service, municipality = self.setup, arrival.service, arrival.municipality
        attributes = arrival.attributes
        return Case(
            service,
            municipality,
            arrival.index,
            attributes,
            arrival.priority,
            (
                case_id(service, municipality, arrival.index),
                service,
                municipality,
                setup.variant,
                setup.replication,
            ),
            tuple([attributes.get(name, "") for name in setup.attribute_names]),
        )

    def _resume(self, arrival: CaseArrival, graph: Graph, held: Held) -> None:
        """Start a case of the initial backlog where it stands (see CaseArrival)."""
        service, municipality = arrival.service, arrival.municipality
        node = graph.nodes.get(arrival.node or "")
        if node is None or not arrival.time <= self.env.now or arrival.index >= 0:
            raise SimulationError(
                f"backlog case {arrival.index} of service {service!r}, municipality "
                f"{municipality!r}: node {arrival.node!r} must be a node of the main process, "
                f"its arrival ({arrival.time!r}) not after now ({self.env.now!r}) and its "
                "index negative"
            )
        case = self._case(arrival)
        case.arrival = float(arrival.time)  # its deadline (EDF) counts from then
        self.runner.resume_case(case, graph, node, float(arrival.time), held)


def _shared_floats(values: np.ndarray | Sequence[float]) -> tuple[float, ...]:
    """The values as a tuple of floats, one float object per distinct value.

    A pool's minutes by day repeat a few values (weekends, a full day, a day with one
    absence): shared, a day costs the tuple's 8 bytes instead of 8 + 24 for a float of
    its own. A state-wide run keeps two such tuples of ~1,100 days for each of its
    ~1,000 pools until its end (issue 19: ~40 MB at 1M cases, now ~10 MB). Keyed by
    the exact bits, so -0.0 and 0.0 stay apart. The distinct values are found by
    ``numpy.unique`` of the bit patterns, not by a dict in Python: ``validate`` of the
    state-wide scenario makes ~440 of these tuples (issue 19: 85 ms, now ~15 ms).
    """
    bits = np.ascontiguousarray(values, dtype=np.float64).view(np.int64)
    distinct, which = np.unique(bits, return_inverse=True)
    shared = distinct.view(np.float64).tolist()
    return tuple(map(shared.__getitem__, which.ravel().tolist()))


def _step_until(env: Environment, horizon: float) -> int:
    """Process every event before ``horizon``; returns how many.

    This is ``while env.peek() < horizon: env.step()`` with both methods inlined
    (:class:`~zsa_sim.engine.kernel.Environment`): the next event is the smallest
    ``(time, priority, eid)`` of the heap's top and the heads of the two lanes of
    events due now, the same event SimPy would take off one heap, and its callbacks are
    called in the same order; inlined, a run saves two method calls per event (~300,000
    a pilot replication; issue 19). It reads SimPy's ``_queue`` and sets ``_now`` as
    ``Environment.step`` does (SimPy 4); a failed event nobody waited for is raised as
    ``step`` raises it (a copy whose ``__cause__`` is the original).
    """
    queue = env._queue  # type: ignore[attr-defined]
    urgent, lane = env._urgent, env._lane
    pop = heapq.heappop
    events = 0
    if not env._now < horizon:  # type: ignore[attr-defined]
        return 0  # every event is due now or later
    while True:
        if urgent or lane:
            # a lane's head is due now (< horizon): it or an earlier entry of the heap
            head = urgent if urgent else lane
            if queue and queue[0] < head[0]:
                env._now, _, _, event = pop(queue)  # type: ignore[attr-defined]
            else:
                env._now, _, _, event = head.popleft()  # type: ignore[attr-defined]
        elif queue and queue[0][0] < horizon:
            env._now, _, _, event = pop(queue)  # type: ignore[attr-defined]
        else:
            break
        callbacks, event.callbacks = event.callbacks, None
        for callback in callbacks:  # type: ignore[union-attr]
            callback(event)
        events += 1
        if not event._ok and not hasattr(event, "_defused"):
            value = event._value
            exc = type(value)(*value.args)
            exc.__cause__ = value
            raise exc
    return events


@contextmanager
def _few_collections() -> Iterator[None]:
    """Let Python's cycle collector run rarely while SimPy steps.

    A run allocates an event, a tuple and a generator frame per step and frees nearly
    all of them by reference counting; with the default threshold (700) the collector
    still walks the young generation thousands of times and, as a run grows, the whole
    heap of live cases. Freezing what exists before the run (model, calendars,
    applicants) and collecting every 100,000 allocations instead saved 13-15 % of the
    CPU of a pilot replication (benchmarks/results.md) and changes no result.

    A pilot replication makes almost no cyclic garbage (a few hundred objects of
    interrupted tasks), yet its one young collection at 100,000 objects walked every
    row and case still held by the sinks (0.1 s, ~3 % of its CPU; issue 19, third
    round). Now the young generation is collected every 1,000,000 allocations (a
    state-wide group still collects its cycles as it goes), and what survives the run
    is handed to the oldest generation by freezing and unfreezing it, without a walk:
    the results it belongs to are freed by reference counting anyway.
    """
    thresholds = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(1_000_000, 50, 1_000)
    try:
        yield
    finally:
        gc.freeze()
        gc.set_threshold(*thresholds)
        gc.unfreeze()


class _NoLog:
    """An event-log sink that keeps nothing (the engine is only built, never run)."""

    def record(self, row: object) -> None:
        """Drop the row."""


def check_buildable(setup: SimulationSetup) -> None:
    """Raise what ``Simulation(setup, sink)`` would raise, if anything; run nothing.

    ``validate`` calls this so that it refuses exactly what ``run`` refuses. Everything
    is built as for a run (pools, members, calendars, other work, renewals) but for two
    things that cannot refuse it. The members' absences and the pools' available
    minutes are left out (:func:`~zsa_sim.engine.staff.build_members` with
    ``absences=False``). Of the (service, municipality) pairs whose compilation reads
    the same routing and pools (:func:`~zsa_sim.engine.graph.routing_signature`), only
    the first in the order of ``setup.sources`` is compiled: a pair with a new
    signature is compiled before any later pair, so the first pair a run would refuse is
    the first this refuses, with the same message. Issue 19: the state-wide scenario
    compiles 4 graphs instead of 274, and draws no absences for its ~800 staff members.
    """
    Simulation(setup, _NoLog(), _check_only=True)


def simulate(setup: SimulationSetup, sink: EventLogSink) -> SimulationResult:
    """Run one replication of one variant and send its event log to ``sink``."""
    return Simulation(setup, sink).run()
