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
  first time a member of staff began work on the case; NaN if nobody has yet. For
  Wohngeld that is often the front office's scan, which says little about the case.
- ``caseworker_start``: the earliest ``start`` of a row worked by the *case worker*: a
  member of staff in the role (lane) of the service's decision task, in whichever
  organisation unit (municipality or ZSA); NaN if none yet or the service has no
  decision task. "Waiting until the case worker" is measured to it.
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
from array import array
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from itertools import pairwise, repeat
from typing import NamedTuple

import numpy as np

from zsa_sim.bpmn.model import TASK_KINDS, BoundaryEvent, EndEvent, Process, SubProcess
from zsa_sim.engine.calendar import MINUTES_PER_DAY
from zsa_sim.engine.setup import ServiceSetup
from zsa_sim.eventlog.schema import ActivityRecord
from zsa_sim.memory import release_free_memory

NAN = math.nan
#: A staff pool as the event log sees it: (org_unit, role), e.g. ("ZSA", "front_office").
PoolKey = tuple[str, str]
#: One run: (variant, replication).
RunKey = tuple[str, int]

_TASK_TYPES = frozenset(TASK_KINDS)
#: Cases whose stream and slot the table remembers by id (~100 B each; the cases in
#: progress at a time in a state-wide run are of this order)
_RECENT_CASES = 1 << 15
#: bytes of a slot in a stream's columns (ten doubles, two ints, the flags)
_SLOT_BYTES = 89
#: after this many bytes of released streams the heap is trimmed (see CaseTable.columns)
_TRIM_BYTES = 16 << 20


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
    caseworker_start: float = NAN

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
class _PoolState:
    #: effort of work begun, by calendar day (an array: 8 bytes a day, not a dict entry)
    busy: array = field(default_factory=lambda: array("d"))
    queued: float = 0.0


#: Fields of :class:`CaseRecord` that are text (object columns in numpy).
_TEXT_FIELDS = frozenset({"variant", "case_id", "service", "municipality", "outcome"})


def case_column(name: str, values: Iterable[object] | np.ndarray | array) -> np.ndarray:
    """One :class:`CaseRecord` field as a numpy column: the one dtype rule for columns of
    cases (text as object, replication as int64, is_open as bool, times as float with
    NaN for "never"), wherever the values come from (records, the table, a CSV file)."""
    if name in _TEXT_FIELDS:
        dtype: type = object
    elif name == "replication":
        dtype = np.int64
    elif name == "is_open":
        dtype = bool
    else:
        dtype = float
    if isinstance(values, np.ndarray):
        return values.astype(dtype, copy=False)
    if not isinstance(values, list | array):
        values = list(values)
    return np.array(values, dtype=dtype)


class _Stream:
    """The cases of one (variant, replication, service, municipality) stream, as columns.

    A case is a slot in the columns instead of an object: about 80 bytes per case instead
    of a ``_CaseState``, its key and the case id (~400 B), which is what lets a
    state-wide run of a million cases fit into a few hundred MB. The engine numbers a
    stream's cases (``service:municipality:index``), so ``index`` is the slot and the id
    is not stored; a stream with ``prefix`` None takes ids of any other form (hand-made
    rows in tests) and keeps them in ``names``. Slots without rows (gaps in the
    numbering) have ``flags`` 0 and are not cases.
    """

    __slots__ = (
        "arrival",
        "caseworker_start",
        "decision",
        "effort",
        "first_enabled",
        "first_start",
        "flags",
        "last_complete",
        "more_waits",
        "municipality",
        "names",
        "open_rows",
        "outcome",
        "outcome_time",
        "prefix",
        "replication",
        "service",
        "slots",
        "variant",
        "wait_hi",
        "wait_lo",
    )

    #: column, array type code, value before the case's first row. The times are the
    #: running min/max of the rows (see CaseTable.record); arrival is the start-event
    #: row's, first_enabled the fallback for a case without one; outcome is a code of
    #: CaseTable._outcomes (-1: none yet) and outcome_time the time it was set.
    _DEFAULTS: tuple[tuple[str, str, float], ...] = (
        ("arrival", "d", math.inf),
        ("first_enabled", "d", math.inf),
        ("first_start", "d", math.inf),
        ("caseworker_start", "d", math.inf),
        ("decision", "d", NAN),
        ("last_complete", "d", -math.inf),
        ("effort", "d", 0.0),
        ("outcome", "i", -1),
        ("outcome_time", "d", -math.inf),
        ("open_rows", "i", 0),
        #: the first completed catch event's [enabled, complete]; NaN complete = none
        ("wait_lo", "d", NAN),
        ("wait_hi", "d", NAN),
    )

    def __init__(
        self, variant: str, replication: int, service: str, municipality: str, numbered: bool
    ) -> None:
        self.variant, self.replication = variant, replication
        self.service, self.municipality = service, municipality
        self.prefix = f"{service}:{municipality}:" if numbered else None
        self.names: list[str] = []
        self.slots: dict[str, int] = {}
        #: bit 1: the slot has rows; bit 2: the case has a (main) end-event row
        self.flags = bytearray()
        for name, code, _default in self._DEFAULTS:
            setattr(self, name, array(code))
        #: the second and later catch-event intervals, flat: slot, lo, hi, slot, lo, hi, ...
        self.more_waits = array("d")

    def grow(self, size: int) -> None:
        """Make room for slots up to ``size - 1``."""
        missing = size - len(self.flags)
        if missing <= 0:
            return
        self.flags.extend(bytes(missing))
        for name, code, default in self._DEFAULTS:
            # an array repeated is a copy of bytes, not a value converted per slot
            getattr(self, name).extend(array(code, (default,)) * missing)

    def case_id(self, slot: int) -> str:
        """The case id of a slot."""
        return self.names[slot] if self.prefix is None else f"{self.prefix}{slot}"

    def order(self) -> list[int]:
        """The slots that are cases, in the order of their case ids (as strings)."""
        used = [i for i, f in enumerate(self.flags) if f & 1]
        return sorted(used, key=self.case_id)

    def release(self) -> int:
        """Give the cases' memory back (the stream is empty afterwards); bytes freed."""
        freed = len(self.flags) * _SLOT_BYTES + 8 * len(self.more_waits)
        self.names, self.slots, self.flags, self.more_waits = [], {}, bytearray(), array("d")
        for name, code, _default in self._DEFAULTS:
            setattr(self, name, array(code))
        return freed


class CaseTable:
    """Reduces an event-log stream to :class:`CaseRecord` and :class:`PoolLoad` rows.

    ``decision_tasks`` maps each service to the id of its decision task; services
    without one get NaN decisions. ``caseworker_roles`` maps a service to the role of
    its case workers (the decision task's lane role). ``side_end_events`` maps a service
    to end-event ids that do not end a case (see the module docstring).
    """

    def __init__(
        self,
        decision_tasks: Mapping[str, str],
        *,
        side_end_events: Mapping[str, Collection[str]] | None = None,
        caseworker_roles: Mapping[str, str] | None = None,
    ) -> None:
        self.decision_tasks = dict(decision_tasks)
        self.caseworker_roles = dict(caseworker_roles or {})
        self.side_end_events = {s: frozenset(ids) for s, ids in (side_end_events or {}).items()}
        #: (variant, replication, service, municipality, numbered) -> its cases
        self._streams: dict[tuple[str, int, str, str, bool], _Stream] = {}
        #: outcome (end-event id) <-> its code in the outcome columns
        self._outcome_codes: dict[str, int] = {}
        #: case id -> (stream, slot) of recent rows' cases (cleared when full)
        self._recent: dict[str, tuple[_Stream, int]] = {}
        self._outcomes: list[str] = []
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
        roles: dict[str, str] = {}
        sides: dict[str, frozenset[str]] = {}
        for name, service in services.items():
            process = service.definitions.main_process
            decision = service.decision_task or next(
                (t.id for t in process.tasks() if t.is_decision), None
            )
            if decision is not None:
                decisions[name] = decision
                # a decision task inside a subprocess has no lane of the main process
                lane = process.lane_of(decision) if decision in process.nodes else None
                if lane is not None:
                    roles[name] = lane.role
            sides[name] = side_end_events(process)
        return cls(decisions, side_end_events=sides, caseworker_roles=roles)

    # -- the sink ---------------------------------------------------------------------

    def _slot(
        self, case_id: str, variant: str, replication: int, service: str, municipality: str
    ) -> tuple[_Stream, int]:
        """The stream and slot of a case, made if new."""
        stream = self._streams.get((variant, replication, service, municipality, True))
        if stream is None:
            stream = _Stream(variant, replication, service, municipality, True)
            self._streams[(variant, replication, service, municipality, True)] = stream
        prefix = stream.prefix
        if prefix is not None and case_id.startswith(prefix):
            tail = case_id[len(prefix) :]
            # digits only and no leading zero, so that the id is exactly prefix + str(slot)
            if tail.isdigit() and tail.isascii() and (tail[0] != "0" or len(tail) == 1):
                slot = int(tail)
                if slot >= len(stream.flags):
                    # in steps of an eighth (at least 256 slots), not one case at a time
                    # (issue 19); slots without rows are no cases (flag bit 1 unset)
                    size = len(stream.flags)
                    stream.grow(max(slot + 1, size + (size >> 3) + 256))
                return stream, slot
        key = (variant, replication, service, municipality, False)
        stream = self._streams.get(key)
        if stream is None:
            stream = _Stream(variant, replication, service, municipality, False)
            self._streams[key] = stream
        slot = stream.slots.get(case_id, -1)
        if slot < 0:
            slot = stream.slots[case_id] = len(stream.names)
            stream.names.append(case_id)
            stream.grow(slot + 1)
        return stream, slot

    def record(self, row: ActivityRecord) -> None:
        """Fold one row into its case's columns and its pool's load."""
        self.record_many((row,))

    def record_many(self, rows: Iterable[ActivityRecord]) -> None:
        """Fold rows in order, as :meth:`record` does one (a ``Tee`` hands batches)."""
        # This loop runs for every row of the log: one unpacking instead of 17 attribute
        # lookups, and the table's own lookups held in locals for the whole batch.
        recent, caseworker_roles = self._recent, self.caseworker_roles
        side_end_events, decision_tasks = self.side_end_events, self.decision_tasks
        # the pools of the run of the previous task row (rows of one run come together)
        last_run, pools = self._last_run, self._last_pools
        for row in rows:
            (case_id, service, municipality, variant, replication, activity_id, _n, kind, _l, role,
             org_unit, resource, enabled, start, complete, effort, _a) = row  # fmt: skip
            # the cases of the last rows by id (bounded): one dict lookup instead of parsing
            found = recent.get(case_id)
            if found is not None and (
                (s := found[0]).variant == variant
                and s.replication == replication
                and s.service == service
                and s.municipality == municipality
            ):
                i = found[1]
            else:
                s, i = self._slot(case_id, variant, replication, service, municipality)
                if len(recent) >= _RECENT_CASES:
                    recent.clear()
                recent[case_id] = (s, i)
            s.flags[i] |= 1
            # x == x is "not NaN"; the comparisons below are min()/max() spelled out
            started, completed = start == start, complete == complete
            if enabled < s.first_enabled[i]:
                s.first_enabled[i] = enabled
            if completed:
                if complete > s.last_complete[i]:
                    s.last_complete[i] = complete
            else:
                s.open_rows[i] += 1
            if started:
                s.effort[i] += effort
                if resource:
                    if start < s.first_start[i]:
                        s.first_start[i] = start
                    if start < s.caseworker_start[i] and role == caseworker_roles.get(service):
                        s.caseworker_start[i] = start
            if kind == "startEvent":
                if enabled < s.arrival[i]:
                    s.arrival[i] = enabled
            elif kind == "endEvent" and completed:
                if activity_id not in side_end_events.get(service, ()):
                    s.flags[i] |= 2
                    if complete >= s.outcome_time[i]:
                        code = self._outcome_codes.get(activity_id)
                        if code is None:
                            code = self._outcome_codes[activity_id] = len(self._outcomes)
                            self._outcomes.append(activity_id)
                        s.outcome[i], s.outcome_time[i] = code, complete
            elif kind == "intermediateCatchEvent" and completed:
                if s.wait_hi[i] != s.wait_hi[i]:  # the first (complete is never NaN here)
                    s.wait_lo[i], s.wait_hi[i] = enabled, complete
                else:  # (slot, lo, hi) flat: 24 B, not a dict entry and an array per case
                    s.more_waits.extend((i, enabled, complete))
            if completed and activity_id == decision_tasks.get(service):
                decision = s.decision[i]
                if decision != decision or complete > decision:
                    s.decision[i] = complete
            if kind in _TASK_TYPES and org_unit and role:
                # the work of a task row goes to its pool's load (see the module docstring)
                if variant != last_run[0] or replication != last_run[1]:
                    last_run = (variant, replication)
                    pools = self._pools.setdefault(last_run, {})
                pool_key = (org_unit, role, service)
                pool = pools.get(pool_key)
                if pool is None:
                    pool = pools[pool_key] = _PoolState()
                if started:
                    day = int(start // MINUTES_PER_DAY)
                    busy = pool.busy
                    if day >= len(busy):
                        busy.extend(repeat(0.0, day + 1 - len(busy)))
                    elif day < 0:  # simulation time starts at 0; -1 would be the last day
                        raise ValueError(f"work begun before the epoch: {row}")
                    busy[day] += effort
                else:
                    pool.queued += effort
        self._last_run, self._last_pools = last_run, pools

    # -- results ----------------------------------------------------------------------

    def runs(self) -> list[RunKey]:
        """The (variant, replication) pairs seen so far, sorted."""
        return sorted({(v, r) for v, r, *_ in self._streams} | set(self._pools))

    def columns(
        self, variant: str | None = None, replication: int | None = None, *, release: bool = False
    ) -> CaseColumns:
        """One row per case in columns, optionally of one variant and/or replication only.

        Sorted by (variant, replication, case_id), so the order does not depend on the
        order rows arrived in. With ``release`` the table hands its cases over: each
        stream's memory is freed once copied (a run of a million cases then needs the
        table or the columns, not both), and the table has no cases of those runs left.
        """
        by_run: dict[RunKey, list[_Stream]] = {}
        for (v, r, *_), stream in self._streams.items():
            if (variant is None or v == variant) and (replication is None or r == replication):
                by_run.setdefault((v, r), []).append(stream)
        streams: list[_Stream] = []
        # per case in order: its stream's number and its slot (numpy, ~12 B per case)
        stream_parts: list[np.ndarray] = []
        slot_parts: list[np.ndarray] = []
        for run in sorted(by_run):
            # a stream's ids share its prefix; unless one prefix starts another (names
            # with ':'; in sorted order it would start its successor), whole streams sort
            # by prefix and only the slots within a stream need sorting
            run_streams = sorted(by_run[run], key=lambda s: (s.prefix is None, s.prefix or ""))
            prefixes = [s.prefix for s in run_streams]
            simple = None not in prefixes and not any(
                b.startswith(a)  # type: ignore[union-attr, arg-type]
                for a, b in pairwise(prefixes)
            )
            for stream in run_streams:
                slots = np.array(stream.order(), dtype=np.int64)
                stream_parts.append(np.full(len(slots), len(streams), dtype=np.int32))
                slot_parts.append(slots)
                streams.append(stream)
            if not simple:  # only hand-made ids get here: sort the run's cases by id
                count = len(run_streams)
                picks = sorted(
                    zip(np.concatenate(stream_parts[-count:]).tolist(),
                        np.concatenate(slot_parts[-count:]).tolist(), strict=True),
                    key=lambda p: streams[p[0]].case_id(p[1]),
                )  # fmt: skip
                stream_parts[-count:] = [np.array([p[0] for p in picks], dtype=np.int32)]
                slot_parts[-count:] = [np.array([p[1] for p in picks], dtype=np.int64)]
        stream_of = np.concatenate([np.zeros(0, dtype=np.int32), *stream_parts])
        slot_of = np.concatenate([np.zeros(0, dtype=np.int64), *slot_parts])
        del stream_parts, slot_parts
        return CaseColumns._from_streams(
            streams, stream_of, slot_of, list(self._outcomes), release=release
        )

    def records(
        self, variant: str | None = None, replication: int | None = None
    ) -> list[CaseRecord]:
        """One record per case (see :meth:`columns`), as named tuples: for tests and
        small runs; a large run should stay in columns."""
        return list(self.columns(variant, replication))

    def to_arrays(
        self, variant: str | None = None, replication: int | None = None
    ) -> dict[str, np.ndarray]:
        """The records as columns (float columns with NaN for "never"), for numpy."""
        return self.columns(variant, replication).to_arrays()

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
                busy = np.array(state.busy, dtype=float)
                out.append(PoolLoad(v, r, org_unit, role, service, busy, state.queued))
        return out


class CaseColumns:
    """Case records as columns: what a run's cases are after the table (8 bytes a field).

    It iterates as :class:`CaseRecord` tuples (made on the fly, so writing
    ``cases.csv.gz`` streams) and gives numpy columns by field name with the dtypes of
    :func:`records_to_arrays`. Text fields are not stored per case: a case points to its
    stream (variant, replication, service, municipality and the id prefix) and its
    outcome by small integer codes, and the case id is remade from the stream's prefix
    and the case's number. Picklable, so a worker process can send it back.
    """

    #: per-case float columns, in CaseRecord order
    _FLOATS = ("arrival", "first_start", "decision", "end", "applicant_time", "effort_minutes")
    #: per-case float columns after ``is_open`` in CaseRecord (fields added later)
    _LATE_FLOATS = ("caseworker_start",)
    #: rows made at a time when iterating (bounded memory for Python objects)
    _CHUNK = 4096

    def __init__(
        self,
        streams: list[tuple[str, int, str, str, str | None]],
        names: list[str],
        outcomes: list[str],
        data: dict[str, np.ndarray],
    ) -> None:
        #: (variant, replication, service, municipality, id prefix or None for named ids)
        self.streams = streams
        #: case ids that are not prefix + number (``number`` indexes this list)
        self.names = names
        #: outcome codes -> end-event ids ("" for no outcome: code -1)
        self.outcomes = outcomes
        #: per case: "stream", "number", "outcome" codes, the float columns, "is_open"
        self.data = data

    @classmethod
    def _from_streams(
        cls,
        streams: list[_Stream],
        stream_of: np.ndarray,
        slot_of: np.ndarray,
        outcomes: list[str],
        release: bool = False,
    ) -> CaseColumns:
        """Gather the cases (``stream_of[i]``, ``slot_of[i]``) from the table's streams.

        Each stream's cases go straight into the final columns (temporaries are one
        stream long, not one run long); with ``release`` each stream's columns are
        freed once copied, so the table and the result are not both whole in memory.
        """
        n = len(slot_of)
        names: list[str] = []
        # a case's number is its slot (or, for named ids, its place in ``names``, set
        # below after the stream's slots are read): the slots become the column
        number = slot_of
        data: dict[str, np.ndarray] = {"stream": stream_of, "number": number}
        for name in ("arrival", "first_start", "decision", "end", "applicant_time",
                     "effort_minutes", "caseworker_start"):  # fmt: skip
            data[name] = np.empty(n)
        outcome = data["outcome"] = np.empty(n, dtype=np.int32)
        is_open = data["is_open"] = np.empty(n, dtype=bool)
        # the positions of each stream's cases: one sort instead of a scan per stream;
        # none if the streams come one after the other (CaseTable.columns: whole streams
        # in order unless ids had to be sorted across them), then a stream is a slice
        ordered = bool(np.all(stream_of[1:] >= stream_of[:-1]))
        by_stream = None if ordered else np.argsort(stream_of, kind="stable")
        bounds = np.searchsorted(
            stream_of if by_stream is None else stream_of[by_stream],
            np.arange(len(streams) + 1),
        ).tolist()
        released = 0
        for k, stream in enumerate(streams):
            lo, hi = bounds[k], bounds[k + 1]
            rows = np.arange(lo, hi) if by_stream is None else by_stream[lo:hi]
            if len(rows):
                slots = slot_of[rows]
                if stream.prefix is None:
                    number[rows] = np.arange(len(names), len(names) + len(rows))
                    names.extend(stream.names[slot] for slot in slots.tolist())
                _gather(stream, slots, rows, data)
            if release:
                released += stream.release()
                if released > _TRIM_BYTES:  # hand the freed heap back to the system
                    release_free_memory()
                    released = 0
        del by_stream, bounds
        table = [(s.variant, s.replication, s.service, s.municipality, s.prefix) for s in streams]
        assert outcome is data["outcome"] and is_open is data["is_open"]
        return cls(table, names, outcomes, data)

    @classmethod
    def from_records(cls, records: Iterable[CaseRecord]) -> CaseColumns:
        """Columns of records made elsewhere (tests, hand-made rows)."""
        rows = list(records)
        streams: dict[tuple[str, int, str, str], int] = {}
        outcomes: dict[str, int] = {}
        codes, outcome_codes = [], []
        for r in rows:
            codes.append(streams.setdefault((r.variant, r.replication, r.service, r.municipality),
                                            len(streams)))  # fmt: skip
            outcome_codes.append(outcomes.setdefault(r.outcome, len(outcomes)) if r.outcome else -1)
        data = {
            "stream": np.array(codes, dtype=np.int32),
            "number": np.arange(len(rows), dtype=np.int64),
            "outcome": np.array(outcome_codes, dtype=np.int32),
            "is_open": case_column("is_open", (r.is_open for r in rows)),
        }
        for name in (*cls._FLOATS, *cls._LATE_FLOATS):
            data[name] = case_column(name, (getattr(r, name) for r in rows))
        table = [(*key, None) for key in streams]
        return cls(table, [r.case_id for r in rows], list(outcomes), data)

    def __len__(self) -> int:
        return len(self.data["number"])

    def __repr__(self) -> str:
        # the records, as the list of records they replace showed them: two runs with
        # the same cases have the same text (tests compare runs by repr)
        return f"CaseColumns({list(self)!r})"

    def runs(self) -> set[RunKey]:
        """The (variant, replication) pairs that have cases."""
        used = np.unique(self.data["stream"]).tolist()
        return {(self.streams[k][0], self.streams[k][1]) for k in used}

    def _stream_field(self, position: int) -> np.ndarray:
        values = np.empty(len(self.streams), dtype=object)
        values[:] = [s[position] for s in self.streams]
        return values[self.data["stream"]]

    def column(self, name: str) -> np.ndarray:
        """One :class:`CaseRecord` field as a numpy column (dtype as in records_to_arrays)."""
        data = self.data
        if name in data and name != "outcome":
            return case_column(name, data[name])
        if name in ("variant", "replication", "service", "municipality"):
            position = ("variant", "replication", "service", "municipality").index(name)
            return case_column(name, self._stream_field(position))
        if name == "outcome":
            outcomes = np.empty(len(self.outcomes) + 1, dtype=object)
            outcomes[:] = [*self.outcomes, ""]  # code -1 is the last: no outcome
            return outcomes[data["outcome"]]
        if name == "case_id":
            return case_column(name, self._case_ids(0, len(self)))
        raise KeyError(name)

    def codes(self, name: str) -> tuple[np.ndarray, list[str]]:
        """A stream field ("variant", "service" or "municipality") as codes: per case an
        index into the returned sorted list of its values.

        4 bytes a case instead of an object column's 8 (and its comparisons of strings):
        what a state-wide run's KPIs group by (issue 19).
        """
        position = ("variant", "replication", "service", "municipality").index(name)
        values = sorted({s[position] for s in self.streams})
        index = {value: k for k, value in enumerate(values)}
        of_stream = np.array([index[s[position]] for s in self.streams], dtype=np.int32)
        return of_stream[self.data["stream"]], values

    def to_arrays(self) -> dict[str, np.ndarray]:
        """Every field as a column (as :func:`records_to_arrays` gives them)."""
        return {name: self.column(name) for name in CaseRecord._fields}

    def _case_ids(self, lo: int, hi: int) -> list[str]:
        streams, names = self.streams, self.names
        out = []
        for k, number in zip(self.data["stream"][lo:hi].tolist(),
                             self.data["number"][lo:hi].tolist(), strict=True):  # fmt: skip
            prefix = streams[k][4]
            out.append(names[number] if prefix is None else f"{prefix}{number}")
        return out

    def __iter__(self) -> Iterator[CaseRecord]:
        data, streams, outcomes = self.data, self.streams, [*self.outcomes, ""]
        for lo in range(0, len(self), self._CHUNK):
            hi = lo + self._CHUNK
            floats = [data[name][lo:hi].tolist() for name in self._FLOATS]
            worker = data["caseworker_start"][lo:hi].tolist()
            for k, case_id, outcome, is_open, caseworker, *times in zip(
                data["stream"][lo:hi].tolist(),
                self._case_ids(lo, hi),
                data["outcome"][lo:hi].tolist(),
                data["is_open"][lo:hi].tolist(),
                worker,
                *floats,
                strict=True,
            ):
                variant, replication, service, municipality, _prefix = streams[k]
                yield CaseRecord(variant, replication, case_id, service, municipality,
                                 *times, outcomes[outcome], is_open, caseworker)  # fmt: skip


def _gather(stream: _Stream, slots: np.ndarray, rows: np.ndarray, data: dict) -> None:
    """Write the cases in ``slots`` of a stream into ``rows`` of the final columns
    (see the definitions in the module docstring)."""

    def col(name: str, dtype: type = float) -> np.ndarray:
        return np.frombuffer(getattr(stream, name), dtype=dtype)[slots]

    arrival = col("arrival")
    arrival = np.where(np.isfinite(arrival), arrival, col("first_enabled"))
    data["arrival"][rows] = np.where(np.isfinite(arrival), arrival, NAN)
    first_start = col("first_start")
    data["first_start"][rows] = np.where(np.isfinite(first_start), first_start, NAN)
    worker = col("caseworker_start")
    data["caseworker_start"][rows] = np.where(np.isfinite(worker), worker, NAN)
    data["decision"][rows] = col("decision")
    is_open = (col("open_rows", np.int32) > 0) | ((col("flags", np.uint8) & 2) == 0)
    data["is_open"][rows] = is_open
    data["end"][rows] = np.where(is_open, NAN, col("last_complete"))
    data["effort_minutes"][rows] = col("effort")
    data["outcome"][rows] = col("outcome", np.int32)
    # one catch-event interval: its length (what _union_length gives); odd ones (a
    # complete without an enabled) and cases with several intervals the long way
    lo, hi = col("wait_lo"), col("wait_hi")
    applicant = np.where(hi > lo, hi - lo, 0.0)
    if stream.more_waits:
        position = dict(zip(slots.tolist(), range(len(slots)), strict=True))
        more: dict[int, list[tuple[float, float]]] = {}
        flat = stream.more_waits
        for k in range(0, len(flat), 3):
            slot = int(flat[k])
            more.setdefault(slot, [(stream.wait_lo[slot], stream.wait_hi[slot])])
            more[slot].append((flat[k + 1], flat[k + 2]))
        for slot, waits in more.items():
            applicant[position[slot]] = _union_length(waits)
    for i in np.flatnonzero(~np.isnan(hi) & np.isnan(lo)).tolist():
        applicant[i] = _union_length([(float(lo[i]), float(hi[i]))])
    data["applicant_time"][rows] = applicant


def records_to_arrays(records: Iterable[CaseRecord] | CaseColumns) -> dict[str, np.ndarray]:
    """Columns of case records: one numpy array per :class:`CaseRecord` field."""
    if isinstance(records, CaseColumns):
        return records.to_arrays()
    rows = list(records)
    return {
        name: case_column(name, (row[i] for row in rows))
        for i, name in enumerate(CaseRecord._fields)
    }


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
            if _takes_over(node):  # an interrupting event subprocess: its ends end the case
                side -= {n.id for n in node.body.nodes.values() if isinstance(n, EndEvent)}
    branch_ends: set[str] = set()
    for node in process.nodes.values():
        if isinstance(node, BoundaryEvent) and not node.cancel_activity:
            branch_ends |= _reachable_end_events(process, [node.id])
    # a side branch that joins the main path again ends where the main token ends
    main_ends = _reachable_end_events(process, [n.id for n in process.start_events], True)
    return frozenset(side | (branch_ends - main_ends))


def _takes_over(node: SubProcess) -> bool:
    starts = node.body.start_events
    return node.triggered_by_event and bool(starts) and starts[0].interrupting


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
