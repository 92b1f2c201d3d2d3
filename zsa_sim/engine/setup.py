"""What the engine needs to run one replication of one organisation variant.

These frozen dataclasses are the seam between the scenario layer and the engine: the
scenario layer (:mod:`zsa_sim.scenario`) builds a :class:`SimulationSetup` from a
scenario file, a variant and a replication number; the engine executes it and knows
nothing of YAML, municipalities' populations or variants' meaning. Tests build setups
directly with tiny process models.

Time is measured in minutes since ``SimulationSetup.epoch`` (midnight of the first
simulated day); every duration here is in minutes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from zsa_sim.bpmn.model import Definitions
from zsa_sim.engine.calendar import WorkingCalendar
from zsa_sim.engine.distributions import Distribution
from zsa_sim.records import frozen_record

Scalar = str | int | float | bool


@frozen_record()
class QueueDiscipline:
    """In which order a pool's waiting requests are served.

    - ``priority`` (default): by the case's priority, first come first served within
      equal priority (without a priority expression this is FIFO over the pool);
    - ``fifo``: first come, first served over the pool, priorities ignored;
    - ``edf``: earliest deadline first; the deadline is the case's arrival plus ``due``,
      an expression over the case's attributes in calendar days (e.g. ``"20"`` or
      ``"10 if channel == 'online' else 20"``);
    - ``per_clerk``: one queue per staff member; a case goes to the member whose letter
      range (``ranges``, one per member, e.g. ``("A-F", "G-L", "M-R", "S-Z")``) holds the
      first letter of the attribute ``by`` (e.g. a surname), or, without ``by``, of the
      applicant's surname initial drawn from :data:`zsa_sim.engine.queues.SURNAME_INITIALS`;
      without ``ranges`` the alphabetical order of surnames is cut into equal shares
      (ranges balanced below the letter, as "Sch-Sz"); within a clerk's queue by
      priority, then first come first served. Nobody else takes a clerk's cases, also
      while she is absent.
    """

    kind: Literal["priority", "fifo", "edf", "per_clerk"] = "priority"
    due: str | None = None
    by: str | None = None
    ranges: tuple[str, ...] = ()


@frozen_record()
class OtherWorkSpec:
    """Work on the same staff that is not the modelled process (change notices, objections).

    Items of ``effort`` working minutes arrive either every ``interval`` calendar minutes
    (deterministic, the first after half an interval; "hours per week" become items of
    one hour) or, with ``interval`` None, as a Poisson stream of ``rate`` items per
    calendar minute. They queue with the cases (deadline, for EDF: their arrival) and
    are not written to the event log; the time spent is reported per pool.
    """

    name: str
    effort: Distribution
    interval: float | None = None
    rate: float = 0.0
    #: (begin, end) minutes in which no items arrive: contact with the public (enquiries
    #: at the counter or by phone) stops while the office is closed to the public.
    paused: tuple[tuple[float, float], ...] = ()


@frozen_record()
class StaffPoolSpec:
    """Staff of one role in one organisational unit (e.g. Wohngeld case workers of Halle).

    ``fte`` may be fractional: 2.5 FTE are three staff members, two full-time and one
    who spends half of her working time on these services. With ``part_time="hours"``
    (default) she works at full speed for her own, shorter hours (the rule is in
    :func:`zsa_sim.engine.staff.part_time_hours`), so a task's working time is its
    effort; ``"speed"`` is the former model (she works all office hours at half speed),
    kept for comparison. ``absence_rate`` is the share of working days a member is
    absent (illness, leave, training); absent days are drawn per member and day.

    ``fte_timeline`` makes the staff change over time: (minute since the epoch, FTE from
    then on) pairs in increasing order, the first at 0 (posts filled, leavers, a ramp-up
    from 2 to 8 FTE). ``fte`` is then the largest FTE of the timeline (the posts at full
    strength), which reports and cost weights use. Empty: ``fte`` throughout.
    """

    id: str
    role: str
    org_unit: str
    fte: float
    calendar: WorkingCalendar
    absence_rate: float = 0.0
    cost_per_hour: float = 0.0
    fte_timeline: tuple[tuple[float, float], ...] = ()
    part_time: Literal["hours", "speed"] = "hours"
    discipline: QueueDiscipline = QueueDiscipline()
    other_work: tuple[OtherWorkSpec, ...] = ()

    @property
    def timeline(self) -> tuple[tuple[float, float], ...]:
        """(minute, FTE) pairs from time 0 on; ``((0.0, fte),)`` for constant staff."""
        return self.fte_timeline or ((0.0, self.fte),)


@frozen_record()
class TaskRouting:
    """Which pool does a task for cases of one municipality, and on what terms.

    ``effort_factor`` scales the drawn effort (a specialised central team may be
    faster, < 1). ``handover`` is a calendar-time delay applied before the task when the
    previous task of the case was done by another organisational unit (post, file
    transfer between municipality and central unit).
    """

    pool: str
    effort_factor: float = 1.0
    handover: Distribution | None = None


@frozen_record()
class BranchRule:
    """How an exclusive or inclusive gateway chooses its outgoing flows.

    ``conditions`` (flow id -> expression over case attributes) are tried first, in the
    gateway's flow order; besides the attributes an expression may use ``visit``, the
    number of times this case has reached this gateway (1 on the first visit), so that a
    loop like "request missing documents" can end after ``missing_documents`` rounds;
    the gateway's default flow is taken if none holds. Otherwise ``probabilities`` (flow
    id -> probability) decide: for an exclusive gateway they must sum to 1 (or to less,
    when the default flow is not listed: it takes the rest); for an inclusive gateway
    each flow is taken independently with its probability (at least one: if none is
    drawn, the default flow or else the most likely flow is taken). Giving both
    conditions (in the model or here) and probabilities for one gateway is an error.
    """

    probabilities: Mapping[str, float] = field(default_factory=dict)
    conditions: Mapping[str, str] = field(default_factory=dict)


@frozen_record()
class WaitRule:
    """When a catch event (message, signal, conditional) happens after it is reached.

    ``delay`` is calendar time, e.g. the applicant's reaction time; with probability
    ``never`` the event does not happen at all (the applicant never replies), so a racing
    timer of an event-based gateway or a boundary timer wins.
    """

    delay: Distribution
    never: float = 0.0


@frozen_record()
class RenewalRule:
    """Approved cases that come back as renewal applications.

    When a case reaches the main process's end event ``end_event`` and ``condition``
    (an expression over its attributes; None: always) holds, it applies again with
    probability ``share``, ``delay`` (calendar minutes) later, as a new case of the same
    applicant (same attributes), unless that is at or after ``until`` (the end of the
    arrivals). Both draws are keyed by the case (common random numbers).
    """

    end_event: str
    share: float
    delay: Distribution
    until: float
    condition: str | None = None


@frozen_record()
class ServiceSetup:
    """One administrative service: its BPMN model and the parameters of its elements.

    ``efforts`` are working minutes per task id; ``waits`` apply to catch events and
    message/signal boundary events by id; ``timers`` override a timer event's BPMN
    duration by id; ``errors`` give the probability that a task ends with the error of
    an attached error boundary event (by boundary event id).
    """

    name: str
    definitions: Definitions
    efforts: Mapping[str, Distribution]
    branches: Mapping[str, BranchRule] = field(default_factory=dict)
    waits: Mapping[str, WaitRule] = field(default_factory=dict)
    timers: Mapping[str, Distribution] = field(default_factory=dict)
    errors: Mapping[str, float] = field(default_factory=dict)
    #: task id -> expression over case attributes that multiplies the drawn effort,
    #: e.g. ``"1 + 0.15 * (household_size - 1)"`` (a larger household is more work).
    effort_multipliers: Mapping[str, str] = field(default_factory=dict)
    #: id of the task whose completion is the decision (Bescheid), for lead times.
    decision_task: str | None = None
    #: approved cases that apply again later (None: no renewals).
    renewal: RenewalRule | None = None
    #: loop or multi-instance activity id -> instance count: a distribution (rounded)
    #: or an expression over case attributes; overrides the BPMN's loopCardinality.
    instances: Mapping[str, Distribution | str] = field(default_factory=dict)


@frozen_record(slots=True)
class CaseArrival:
    """An applicant's case entering a service in a municipality at ``time`` (minutes).

    ``index`` is the case's running number within its (service, municipality) stream;
    the engine keys all of the case's random draws on it (common random numbers).

    A case of the initial backlog has ``node``, the id of the main-process node where it
    stands when the run begins (a task it waits for, a catch event, ...), a negative
    ``index`` and a ``time`` before the epoch (its application date): the engine writes
    its start-event row at ``time`` and puts its token on ``node`` at once.
    """

    service: str
    municipality: str
    index: int
    time: float
    attributes: Mapping[str, Scalar] = field(default_factory=dict)
    #: larger = served first by every staff pool (the scenario's ``priority:``).
    priority: float = 0.0
    node: str | None = None


@dataclass(frozen=True, slots=True)
class ArrivalBatch:
    """Consecutive new applications of one stream, as columns of plain Python values.

    Row ``k`` is the arrival ``CaseArrival(service, municipality, first_index + k,
    times[k], {name: values[k] for name, values in attributes.items()},
    priorities[k] if priorities else 0.0)`` of its source: the same case, without an
    object per arrival. The engine starts a year's applications from such batches
    (issue 19: making a frozen ``CaseArrival`` and reading it back cost ~10 % of the
    engine's CPU on the user-level benchmark).
    """

    first_index: int
    #: minutes since the epoch, sorted
    times: list[float]
    #: attribute name -> one value per row
    attributes: Mapping[str, list[Scalar]]
    #: one priority per row; None: 0.0 for every row
    priorities: list[float] | None = None

    def arrivals(self, service: str, municipality: str) -> Iterator[CaseArrival]:
        """The rows as the arrivals they stand for (the slow path, and for tests)."""
        names = list(self.attributes)
        columns = list(self.attributes.values())
        priorities = self.priorities
        if priorities is None:
            priorities = [0.0] * len(self.times)
        for k, (time, priority) in enumerate(zip(self.times, priorities, strict=True)):
            yield CaseArrival(
                service=service,
                municipality=municipality,
                index=self.first_index + k,
                time=time,
                attributes={name: column[k] for name, column in zip(names, columns, strict=True)},
                priority=priority,
            )


@frozen_record()
class CaseSource:
    """A stream of arrivals for one (service, municipality), sorted by time.

    ``arrivals`` is called once per run and may yield lazily, so a state-wide run does
    not hold a million applicants in memory. ``batches``, if given, yields the same
    arrivals with runs of new applications as :class:`ArrivalBatch` columns (each
    item a ``CaseArrival`` or a batch); the engine then uses it instead of ``arrivals``.
    A wrapper that changes the arrivals (e.g. closures of the office,
    :mod:`zsa_sim.scenario.office`) makes a source without it.
    """

    service: str
    municipality: str
    arrivals: Callable[[], Iterable[CaseArrival]]
    #: optional: data that determine the arrivals exactly (e.g. the applicants' columns),
    #: which the result cache hashes instead of generating every arrival; the engine
    #: never calls it. None: the cache hashes the arrivals themselves.
    fingerprint: Callable[[], object] | None = None
    #: optional: the arrivals, runs of them as columns (see above)
    batches: Callable[[], Iterable[CaseArrival | ArrivalBatch]] | None = None


@frozen_record()
class SimulationSetup:
    """Everything one run needs; the engine never changes it."""

    epoch: datetime
    horizon: float
    services: Mapping[str, ServiceSetup]
    pools: Mapping[str, StaffPoolSpec]
    #: (service, municipality) -> task id -> routing; every task must be routed.
    routing: Mapping[tuple[str, str], Mapping[str, TaskRouting]]
    sources: tuple[CaseSource, ...]
    seed: int = 0
    replication: int = 0
    variant: str = ""
    #: names of the case attributes written to the event log, in column order.
    attribute_names: tuple[str, ...] = ()
    #: a case that visits one node more often than this is stopped with an error.
    max_visits: int = 100
