"""The scenario file as frozen, validated data (pydantic v2, unknown keys rejected).

A scenario is what a pilot team edits: the simulated period, the services (which BPMN
model, how many applications, how much work each task is), the municipalities (people,
staff, office hours) and the central service unit (ZSA), and the organisation variants
to compare. This module checks each value on its own (types, ranges, sums); whether the
values fit the BPMN models and each other (task ids, roles, services) is checked in
:mod:`zsa_sim.scenario.checks`; what a variant *means* for the engine is decided in
:mod:`zsa_sim.scenario.build` alone.

Conventions: durations use the compact distribution form of
:mod:`zsa_sim.scenario.distribution_spec` with an explicit unit; staff are FTE (full-time
equivalents of the TVöD 39-hour week); money is EUR; map keys (service, municipality,
calendar, variant names) may not contain ``.`` or ``/``, because they appear in key paths
(``municipalities.Halle.staff.tax_clerk``) and pool ids (``Halle/tax_clerk``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    NonNegativeFloat,
    PositiveFloat,
    PositiveInt,
    PrivateAttr,
    Tag,
    field_validator,
)

from zsa_sim.public_holidays import STATES, public_holidays
from zsa_sim.scenario.demand_spec import (
    ArrivalProfile,
    InitialState,
    Observed,
    RenewalSpec,
    VolumeChanges,
    no_items,
)
from zsa_sim.scenario.distribution_spec import DistributionSpec, instance_count_form
from zsa_sim.scenario.office_spec import (
    Closure,
    OtherWork,
    Overtime,
    QueueSpec,
    StaffRamp,
    StaffStep,
)
from zsa_sim.synth.common import Probability
from zsa_sim.synth.generic import GenericApplicants
from zsa_sim.synth.hundehaltung import HundehaltungApplicants
from zsa_sim.synth.wohngeld import WohngeldApplicants

if TYPE_CHECKING:
    from zsa_sim.bpmn.model import Definitions

MINUTES_PER_DAY = 1440.0
WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class Model(BaseModel):
    """Base of all scenario models: frozen, unknown keys are an error."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


def _check_key(key: str) -> str:
    if not key or "." in key or "/" in key:
        raise ValueError(f"name {key!r} must be non-empty and contain neither '.' nor '/'")
    return key


#: Ranges of values checked at load (issue 14: start 9999-12-20, 1e308 FTE or effort
#: factors passed the checks and ended mid-run in an OverflowError). The limits are far
#: beyond any real authority and far below where arithmetic or calendars break.
FIRST_START, LAST_START = date(1900, 1, 1), date(2199, 12, 31)
#: FTE of one pool (a municipality's role, a ZSA team).
MAX_FTE = 100_000.0
#: Euros per staff hour.
MAX_COST_PER_HOUR = 10_000.0
#: Factor on the effort of centralised tasks.
MAX_EFFORT_FACTOR = 100.0


def _at_most(limit: float, what: str) -> Any:
    def check(value: float) -> float:
        if value > limit:
            raise ValueError(f"{what} must be at most {limit:,.0f}, got {value:g}")
        return value

    return AfterValidator(check)


Fte = Annotated[PositiveFloat, _at_most(MAX_FTE, "FTE")]
FteOrZero = Annotated[NonNegativeFloat, _at_most(MAX_FTE, "FTE")]


def _ramp_at_most(steps: list[StaffStep]) -> list[StaffStep]:
    for step in steps:
        if step.fte > MAX_FTE:
            raise ValueError(f"FTE must be at most {MAX_FTE:,.0f}, got {step.fte:g}")
    return steps


#: Staff changing over time: steps [{from: DATE, fte: N}, ...] (see office_spec).
Ramp = Annotated[StaffRamp, AfterValidator(_ramp_at_most)]
#: FTE as a number, or a ramp.
StaffValue = Fte | Ramp
#: FTE as a number (0: none) or a ramp, for a variant's remaining staff.
RemainingStaff = FteOrZero | Ramp


def _start_in_range(start: date) -> date:
    if not FIRST_START <= start <= LAST_START:
        raise ValueError(
            f"start {start.isoformat()} is outside {FIRST_START.isoformat()} .. "
            f"{LAST_START.isoformat()} (the calendars and holidays of a run must fit)"
        )
    return start


#: A name used as a map key: service, municipality, calendar, variant, role.
Key = Annotated[str, AfterValidator(_check_key)]


def _required(what: str) -> BeforeValidator:
    """A before-validator that turns a null placeholder into '<what> missing'."""

    def check(value: Any) -> Any:
        if value is None:
            raise ValueError(f"{what} missing (fill in the template)")
        return value

    return BeforeValidator(check)


# -- period and calendars -------------------------------------------------------------


class Period(Model):
    """The simulated time: ``warmup_days`` before ``start``, ``days`` observed, a cool-down.

    The run begins ``warmup_days`` before ``start`` (the system fills up from empty; those
    cases are not counted) and applications arrive until ``start + days``. The run then
    goes on for ``cooldown_days`` without new arrivals, so that late cases can finish and
    are not cut off at the end of the year.
    """

    start: Annotated[date, AfterValidator(_start_in_range)]
    days: Annotated[int, Field(gt=0, le=3660)] = 365
    warmup_days: Annotated[int, Field(ge=0, le=366)] = 0
    cooldown_days: Annotated[int, Field(ge=0, le=366)] = 0

    @property
    def epoch(self) -> datetime:
        """Midnight of the first simulated day (the engine's time 0)."""
        return datetime.combine(self.start - timedelta(days=self.warmup_days), time())

    @property
    def window(self) -> tuple[float, float]:
        """The observed period in simulation minutes: [end of warm-up, end of arrivals)."""
        return (
            self.warmup_days * MINUTES_PER_DAY,
            (self.warmup_days + self.days) * MINUTES_PER_DAY,
        )

    @property
    def arrivals_end(self) -> float:
        """Applications arrive in [0, arrivals_end) minutes."""
        return self.window[1]

    @property
    def horizon(self) -> float:
        """Length of the run in minutes, cool-down included."""
        return (self.warmup_days + self.days + self.cooldown_days) * MINUTES_PER_DAY

    @property
    def total_days(self) -> int:
        """Calendar days of the run."""
        return self.warmup_days + self.days + self.cooldown_days


def _interval(text: str) -> str:
    try:
        start, end = (part.strip() for part in text.split("-"))
        a, b = _minutes(start), _minutes(end)
    except ValueError as err:
        raise ValueError(f"office hours are written 'HH:MM-HH:MM', got {text!r}") from err
    if not a < b:
        raise ValueError(f"office hours {text!r} end before they start")
    return text


def _minutes(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    h, m = int(hours), int(minutes)
    if not (0 <= h <= 24 and 0 <= m < 60 and h * 60 + m <= 1440):
        raise ValueError(hhmm)
    return h * 60 + m


Interval = Annotated[str, AfterValidator(_interval)]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


class CalendarSpec(Model):
    """Office hours per weekday, a German state's public holidays, extra closed days."""

    #: state code for the public holidays (``holidays`` package), e.g. ST for
    #: Saxony-Anhalt (with 6 January and 31 October); null for none.
    holidays: str | None = "ST"
    hours: dict[Weekday, list[Interval]]
    #: further closed days, e.g. 24 and 31 December, a staff outing.
    closed: list[date] = Field(default_factory=no_items)
    #: periods closed for all work or to the public only (see office_spec).
    closures: list[Closure] = Field(default_factory=no_items)
    #: periods of overtime: extra hours per full-time member and week.
    overtime: list[Overtime] = Field(default_factory=no_items)

    @field_validator("holidays")
    @classmethod
    def _known_state(cls, value: str | None) -> str | None:
        if value is not None and value not in STATES:
            raise ValueError(f"unknown German state {value!r} (known: {', '.join(STATES)})")
        return value

    @field_validator("hours")
    @classmethod
    def _ordered(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for day, intervals in value.items():
            spans = [tuple(_minutes(p.strip()) for p in iv.split("-")) for iv in intervals]
            for (_, end), (start, _) in pairwise(spans):
                if start < end:
                    raise ValueError(f"{day}: office hours must be ordered and not overlap")
        if not any(value.values()):
            raise ValueError("a calendar needs office hours on at least one weekday")
        return value

    def weekly_minutes(self) -> dict[int, tuple[tuple[float, float], ...]]:
        """Weekday number (0 = Monday) -> working intervals in minutes after midnight."""
        out: dict[int, tuple[tuple[float, float], ...]] = {}
        for day, intervals in self.hours.items():
            out[WEEKDAYS.index(day)] = tuple(
                (float(_minutes(a.strip())), float(_minutes(b.strip())))
                for a, b in (iv.split("-") for iv in intervals)
            )
        return out

    def closed_days(self, first: date, last: date) -> frozenset[date]:
        """Public holidays and extra closed days from ``first`` to ``last`` inclusive."""
        days = {d for d in self.closed if first <= d <= last}
        if self.holidays:
            days |= public_holidays(self.holidays, first, last)
        return frozenset(days)


# -- services ---------------------------------------------------------------------------


class WaitSpec(Model):
    """The applicant's reaction at a message catch event: delay and chance of silence."""

    delay: DistributionSpec
    #: probability that the event never happens (the applicant never replies).
    never: Probability = 0.0


def _working_time(effort: DistributionSpec) -> DistributionSpec:
    if effort.unit == "d":
        raise ValueError(
            "unit 'd' is not allowed for efforts (effort is working time, a day would be "
            "ambiguous); use min or h"
        )
    return effort


Effort = Annotated[DistributionSpec, _required("effort"), AfterValidator(_working_time)]
Wait = Annotated[WaitSpec, _required("wait")]
#: instance count of a loop or multi-instance activity (see ``instance_count_form``).
InstanceCount = Annotated[DistributionSpec | str, BeforeValidator(instance_count_form)]
BranchProbability = Annotated[Probability, _required("probability")]

#: Applicant generator parameters, chosen by their ``generator`` key.
Applicants = Annotated[
    HundehaltungApplicants | WohngeldApplicants | GenericApplicants,
    Field(discriminator="generator"),
]


def _sums_to_one(shares: dict[str, float]) -> dict[str, float]:
    total = sum(shares.values())
    if abs(total - 1.0) > 1e-6:
        raise ValueError(f"channel shares must sum to 1, they sum to {total:g}")
    return shares


def _twelve_positive(factors: list[float]) -> list[float]:
    if len(factors) != 12:
        raise ValueError(f"seasonality needs 12 monthly factors (Jan..Dec), got {len(factors)}")
    if any(f <= 0 for f in factors):
        raise ValueError("seasonality factors must be positive")
    return factors


def _listed_true(value: Any) -> Any:
    if isinstance(value, list):
        return dict.fromkeys((str(v) for v in value), True)
    return value


class ServiceTarget(Model):
    """A service level, e.g. "p90 of the lead time at most 15 working days".

    ``kpi`` is a case KPI id of the experiment layer: ``waiting_time_*``, ``lead_time_*``
    (calendar days) or ``lead_time_workdays_*`` (working days), with ``mean``,
    ``median``, ``p90`` or ``p95``. Reports draw it; the staffing planner can aim at it.
    """

    kpi: Annotated[
        str,
        Field(pattern=r"^(waiting_time|lead_time|lead_time_workdays)_(mean|median|p90|p95)$"),
    ]
    max: PositiveFloat


class ServiceSpec(Model):
    """One administrative service: BPMN model, demand, efforts, branching, applicants."""

    #: path of the BPMN file (relative to the scenario file).
    bpmn: Path
    #: applications per year per 1,000 inhabitants (ASSUMPTION unless from statistics).
    cases_per_1000: PositiveFloat
    #: what-if factor on the volume (1 = as stated); a sweep varies this.
    volume: PositiveFloat = 1.0
    #: 12 relative monthly volumes (Jan..Dec); divided by their mean, so monthly case
    #: counts can be entered as they are. Month m gets volume * factor_m / 12 of the year.
    seasonality: Annotated[list[PositiveFloat], AfterValidator(_twelve_positive)] = Field(
        default_factory=lambda: [1.0] * 12
    )
    #: channel -> share of applications (sums to 1), e.g. {online: 0.3, paper: 0.7}.
    channels: Annotated[dict[Key, Probability], AfterValidator(_sums_to_one)]
    #: the task whose completion is the decision; default: the BPMN's zsa:decision task.
    decision_task: str | None = None
    #: the process (or pool) a case runs through, by id or name; default: the file's
    #: executable process with lanes and the most tasks (``zsa-sim inspect`` says which).
    process: str | None = None
    #: task id or name -> staff role, overriding the lanes (for models without lanes).
    roles: dict[str, Key] = Field(default_factory=dict)
    #: staff role of every task that lies in no lane and is not listed under ``roles``.
    default_role: Key | None = None
    #: task id or name -> may the ZSA do it (overrides ``zsa:centralisable``); a list
    #: of tasks means ``true`` for each.
    centralisable: Annotated[
        dict[str, Annotated[bool, _required("yes/no (true or false)")]],
        BeforeValidator(_listed_true),
    ] = Field(default_factory=dict)
    #: task id or task name -> working time per execution.
    efforts: dict[str, Effort]
    #: gateway id or name -> outgoing flow id or target name -> probability.
    branches: dict[str, dict[str, BranchProbability]] = Field(default_factory=dict)
    #: sequence flow id -> condition overriding the BPMN's, e.g. '${list_dog == true}'.
    conditions: dict[str, str] = Field(default_factory=dict)
    #: message catch event id or name -> applicant reaction time.
    waits: dict[str, Wait] = Field(default_factory=dict)
    #: timer event id or name -> duration overriding the BPMN's timeDuration.
    timers: dict[str, Annotated[DistributionSpec, _required("timer duration")]] = Field(
        default_factory=dict
    )
    #: error boundary event id or name -> probability that the task ends with that error.
    errors: dict[str, BranchProbability] = Field(default_factory=dict)
    #: task id or name -> expression over attributes multiplying the drawn effort.
    effort_multipliers: dict[str, str] = Field(default_factory=dict)
    #: loop or multi-instance activity id or name -> instance count (number,
    #: distribution without unit, or expression); overrides the BPMN's loopCardinality.
    instances: dict[str, InstanceCount] = Field(default_factory=dict)
    applicants: Applicants
    #: optional expression over attributes: larger = served first (default FIFO).
    priority: str | None = None
    #: optional service level (reports mark it; the planner can aim at it).
    target: ServiceTarget | None = None
    #: volume factors from a date on (e.g. a reform), see :mod:`.demand_spec`.
    volume_changes: VolumeChanges = Field(default_factory=no_items)
    #: approved cases that come back as renewal applications.
    renewals: RenewalSpec | None = None
    #: channel -> when in the week applications arrive (default: see demand_spec).
    arrival_profiles: dict[Key, ArrivalProfile] = Field(default_factory=dict)

    @property
    def normalised_seasonality(self) -> tuple[float, ...]:
        """The monthly factors divided by their mean (they average 1).

        Divided by the largest first: factors are relative, and the sum of twelve huge
        ones (1e308) would overflow to infinity and give no arrivals at all (issue 14).
        """
        largest = max(self.seasonality)
        scaled = [f / largest for f in self.seasonality]
        mean = sum(scaled) / 12
        return tuple(f / mean for f in scaled)


# -- organisation -------------------------------------------------------------------------


def _postcode_text(value: Any) -> Any:
    # YAML reads 39261 as a number (and 06108 as text): accept both
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:05d}"
    return value


#: A German postcode, five digits.
Postcode = Annotated[str, BeforeValidator(_postcode_text), Field(pattern=r"^\d{5}$")]


class Municipality(Model):
    """A municipality: people, the services it is responsible for, staff and costs."""

    #: display name, e.g. 'Halle (Saale)'; default: the key.
    name: str | None = None
    #: inhabitants (source and reference date in a comment).
    population: PositiveInt
    #: postcodes for synthetic addresses.
    postcodes: Annotated[list[Postcode], Field(min_length=1)]
    #: services this municipality is the competent authority for.
    services: list[Key]
    #: role -> FTE working on these services (roles are the BPMN lanes' zsa:role), or
    #: a list of steps [{from: DATE, fte: N}, ...] for staff that change over time.
    staff: dict[Key, StaffValue]
    calendar: Key
    #: role -> queue discipline (default: priority, then first come first served).
    queues: dict[Key, QueueSpec] = Field(default_factory=dict)
    #: role -> work outside the modelled process on the same staff.
    other_work: dict[Key, list[OtherWork]] = Field(default_factory=dict)
    #: this municipality's own closures (besides its calendar's).
    closures: list[Closure] = Field(default_factory=no_items)
    #: share of working days a staff member is absent (illness, leave, training).
    absence_rate: Annotated[float, Field(ge=0.0, lt=1.0)] = 0.0
    #: EUR per staff hour (salary and overheads).
    cost_per_hour: Annotated[PositiveFloat, _at_most(MAX_COST_PER_HOUR, "cost_per_hour")]


def _staff_tag(value: Any) -> str:
    if isinstance(value, Mapping):
        return "teams"
    return "ramp" if isinstance(value, list | tuple) else "pooled"


#: ZSA staff: one pooled team (a number, FTE, or a ramp of steps) or FTE per role or
#: per service (a map of numbers or ramps).
ZsaStaff = Annotated[
    Annotated[Fte, Tag("pooled")]
    | Annotated[Ramp, Tag("ramp")]
    | Annotated[dict[Key, StaffValue], Tag("teams")],
    Discriminator(_staff_tag),
]


class Zsa(Model):
    """The central service unit (Zentrales Serviceangebot) as Verwaltungshelfer."""

    name: Key = "ZSA"
    calendar: Key
    absence_rate: Annotated[float, Field(ge=0.0, lt=1.0)] = 0.0
    cost_per_hour: Annotated[PositiveFloat, _at_most(MAX_COST_PER_HOUR, "cost_per_hour")]
    #: FTE: a number for one pooled team doing every centralised task, or a map from a
    #: role (front_office, ...) or a service key (hundehaltung, ...) to FTE.
    staff: ZsaStaff
    #: calendar-time delay when a case passes between municipality and ZSA (post, files).
    handover: DistributionSpec | None = None
    #: factor on the effort of centralised tasks (< 1: a specialised team is faster).
    effort_factor: Annotated[PositiveFloat, _at_most(MAX_EFFORT_FACTOR, "effort_factor")] = 1.0
    #: team (``team`` for a pooled one) -> queue discipline.
    queues: dict[Key, QueueSpec] = Field(default_factory=dict)
    #: team -> work outside the modelled process on the same staff.
    other_work: dict[Key, list[OtherWork]] = Field(default_factory=dict)


def _all_tag(value: Any) -> str:
    return "all" if isinstance(value, str) else "list"


#: "all" or an explicit list of names.
Selection = Annotated[
    Annotated[Literal["all"], Tag("all")] | Annotated[list[Key], Tag("list")],
    Discriminator(_all_tag),
]


class VariantZsa(Model):
    """Which municipalities join the ZSA for which services, and its staffing."""

    municipalities: Selection = "all"
    services: Selection = "all"
    #: overrides ``zsa.staff`` for this variant.
    staff: ZsaStaff | None = None


class Variant(Model):
    """An organisation variant: without ``zsa`` every municipality works alone."""

    description: str = ""
    zsa: VariantZsa | None = None
    #: municipality -> role -> FTE remaining in this variant (unlisted: unchanged; 0: none).
    staff: dict[Key, dict[Key, RemainingStaff]] = Field(default_factory=dict)
    #: municipality -> role -> queue discipline in this variant (overrides the
    #: municipality's), e.g. per-clerk queues against FIFO over the team.
    queues: dict[Key, dict[Key, QueueSpec]] = Field(default_factory=dict)


#: Most replications per variant: the results of every replication are held until the
#: folder is written, and beyond a thousand the intervals narrow by under 3 % per
#: doubling of the run time (issue 14: -n 1000000 ran out of memory, ignoring Ctrl-C).
MAX_REPLICATIONS = 1000
#: Seeds are 64-bit numbers (numpy's SeedSequence takes any, but nobody types more).
MAX_SEED = 2**64 - 1


def _replications(value: int) -> int:
    if value > MAX_REPLICATIONS:
        raise ValueError(
            f"at most {MAX_REPLICATIONS:,} replications per variant, got {value:,} (every "
            "replication's results are kept in memory until the results folder is written)"
        )
    return value


#: Whole numbers only: ``true`` is not 1 and ``2.0`` is not 2 (issue 14).
Replications = Annotated[int, Field(strict=True, ge=1), AfterValidator(_replications)]
Seed = Annotated[int, Field(strict=True, ge=0, le=MAX_SEED)]


class Scenario(Model):
    """A whole scenario file."""

    name: Key
    description: str = ""
    period: Period
    replications: Replications = 10
    seed: Seed
    calendars: Annotated[dict[Key, CalendarSpec], Field(min_length=1)]
    services: Annotated[dict[Key, ServiceSpec], Field(min_length=1)]
    municipalities: Annotated[dict[Key, Municipality], Field(min_length=1)]
    zsa: Zsa | None = None
    variants: Annotated[dict[Key, Variant], Field(min_length=1)]
    #: municipality -> service -> node id -> open cases on the first day (a backlog).
    initial_state: InitialState = Field(default_factory=dict)
    #: observed figures to show beside the simulated ones (reference scenarios).
    observed: Observed = Field(default_factory=Observed)

    #: the file it was loaded from (for messages); set by the loader.
    _source: str = PrivateAttr(default="")
    #: BPMN models by service key, read once by the loader.
    _definitions: dict[str, Definitions] = PrivateAttr(default_factory=dict)
    #: the YAML files read: the scenario file, then its ``base:`` files.
    _files: list[Path] = PrivateAttr(default_factory=no_items)

    @property
    def source(self) -> str:
        """The scenario file's path, or '' for a scenario made in Python."""
        return self._source

    @property
    def source_files(self) -> tuple[Path, ...]:
        """Every file the scenario depends on: YAML (with base files), then BPMN models.

        A results folder copies these so that a run can be reproduced.
        """
        bpmn = dict.fromkeys(spec.bpmn for spec in self.services.values())
        return (*self._files, *bpmn)

    def definitions(self, service: str) -> Definitions:
        """The BPMN model of a service (read on first use if the loader did not)."""
        if service not in self._definitions:
            from zsa_sim.scenario.loader import read_service_model

            self._definitions[service] = read_service_model(self, service)
        return self._definitions[service]

    def with_changes(self, changes: Mapping[str, Any]) -> Scenario:
        """A validated copy with values replaced by dotted key path (for sweeps).

        ``scenario.with_changes({"zsa.staff": 3.5, "services.wohngeld.volume": 1.2})``
        """
        from zsa_sim.scenario.loader import apply_changes

        return apply_changes(self, changes)

    def municipality_name(self, key: str) -> str:
        """Display name of a municipality."""
        return self.municipalities[key].name or key
