"""Scenario keys for the demand an office really lives with (issue 17, demand side).

- ``initial_state``: the open cases that already stand in the process on the first day
  (a backlog), per municipality, service and BPMN node, with their age;
- ``services.<s>.volume_changes``: the volume from a date on is ``factor`` times the
  stated one (the 2023 Wohngeld reform: about 4x), on top of the monthly seasonality;
- ``services.<s>.renewals``: approved cases come back as renewal applications a while
  after their approval (Wohngeld approvals last 12-24 months, § 25 WoGG);
- ``services.<s>.arrival_profiles``: per channel, when in the week and the day
  applications arrive (online any time with an evening peak; paper and counter only
  while the office is open).

This module checks each value on its own; whether node ids, end events and channels fit
the BPMN model and the scenario is checked in :mod:`zsa_sim.scenario.demand_checks`.
What the values mean for arrivals is decided in :mod:`zsa_sim.synth.profiles` and
:mod:`zsa_sim.synth.backlog`.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    NonNegativeInt,
    PositiveFloat,
    PositiveInt,
    field_validator,
)

from zsa_sim.scenario.distribution_spec import DistributionSpec
from zsa_sim.synth.common import Probability
from zsa_sim.synth.profiles import ArrivalProfile, WeeklyProfile, default_profile

__all__ = [
    "ArrivalProfile",
    "BacklogSpec",
    "InitialState",
    "Observed",
    "ObservedKpi",
    "RenewalSpec",
    "VolumeChange",
    "VolumeChanges",
    "WeeklyProfile",
    "default_profile",
    "no_items",
]


def no_items() -> list:
    """A fresh empty list: the default of the scenario's list keys.

    Not ``default_factory=list``: pydantic reads each factory's signature, and that of
    the built-in ``list`` comes from its text signature, which ``inspect`` parses with
    ``tokenize``, whose regular expressions are then compiled (~3-4 ms of every
    ``zsa-sim validate``; issue 19, start-up).
    """
    return []


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


# -- volume changes ---------------------------------------------------------------------


class VolumeChange(_Model):
    """From ``from`` on, the service's volume is ``factor`` times the stated one.

    The factor replaces that of an earlier change (it does not compound). An entry with
    ``municipalities`` applies to those only and, on the same date, wins over an entry
    for all municipalities (Magdeburg ~7x where the state saw ~4x).
    """

    model_config = ConfigDict(
        frozen=True, extra="forbid", populate_by_name=True, serialize_by_alias=True
    )

    start: date = Field(alias="from")
    factor: PositiveFloat
    #: municipality keys; None: every municipality of the service.
    municipalities: list[str] | None = None


def _ordered_changes(changes: list[VolumeChange]) -> list[VolumeChange]:
    seen: set[tuple[date, str | None]] = set()
    for change in changes:
        scopes = change.municipalities if change.municipalities is not None else [None]
        for scope in scopes:
            if (change.start, scope) in seen:
                who = f"municipality {scope!r}" if scope else "all municipalities"
                raise ValueError(f"two volume changes on {change.start} for {who}")
            seen.add((change.start, scope))
    return changes


VolumeChanges = Annotated[list[VolumeChange], AfterValidator(_ordered_changes)]


# -- renewals ---------------------------------------------------------------------------


def _calendar_time(spec: DistributionSpec) -> DistributionSpec:
    if spec.unit != "d":
        raise ValueError(
            "write the renewal delay in days (unit: d), e.g. 12-24 months as "
            "{uniform: [365, 730], unit: d}"
        )
    return spec


class RenewalSpec(_Model):
    """Approved cases come back as a renewal application ``after`` their end.

    A case is *approved* when it ends in the end event ``end_event`` (id or name) of the
    main process and, if given, ``condition`` (an expression over the applicant's
    attributes, e.g. ``entitled == true``) holds. A share ``share`` of approved cases
    applies again; the renewal is the same household (same attributes), a new case.
    Renewals due after the last arrival day are dropped, like other applications.
    """

    end_event: str
    condition: str | None = None
    share: Probability
    after: Annotated[DistributionSpec, AfterValidator(_calendar_time)]


# -- initial state (backlog) ------------------------------------------------------------


class BacklogSpec(_Model):
    """``cases`` open cases waiting at one node on the first day, of age ``age``.

    ``age`` is calendar time since the application arrived (unit d or h): a case of age
    40 d arrived 40 days before the start. Ages below one minute count as one minute, so
    every backlog case arrived before the start.
    """

    cases: PositiveInt
    age: DistributionSpec

    @field_validator("age")
    @classmethod
    def _calendar(cls, spec: DistributionSpec) -> DistributionSpec:
        if spec.unit == "min":
            raise ValueError("write ages in days or hours (unit: d or h)")
        return spec


#: municipality -> service -> BPMN node id -> open cases there.
InitialState = dict[str, dict[str, dict[str, BacklogSpec]]]


def _stated(text: str) -> str:
    if not text.strip():
        raise ValueError("must not be empty")
    return text


class ObservedKpi(_Model):
    """One observed figure compared with a KPI of the run (``observed.kpis`` entry).

    ``kpi`` is a KPI of ``kpis.csv`` (``arrivals``, ``lead_time_mean``, ...) of one
    ``municipality`` (or ``all``), ``service`` (default ``all``) and ``variant`` (default:
    the baseline). With ``baseline`` the figure is a ratio: the KPI of ``variant`` over
    that of ``baseline``, paired per replication ("FIFO halved processing times": 0.5).
    ``source`` says where the figure comes from; the report prints it beside the row.
    """

    kpi: str
    municipality: str
    value: float
    source: Annotated[str, AfterValidator(_stated)]
    service: str = "all"
    variant: str | None = None
    baseline: str | None = None


class Observed(_Model):
    """Figures observed in reality, shown beside the simulated ones (reference scenarios).

    ``open_cases``: municipality -> day -> open applications at the end of that day (all
    services), as offices and the press report them; the report's open-cases chart
    marks them. Give the source of each figure in a comment.

    ``kpis``: observed KPI values (:class:`ObservedKpi`), each with its source; the
    report's section "Observed and simulated" lists each beside the simulated mean and
    its 95 % interval.
    """

    open_cases: dict[str, dict[date, NonNegativeInt]] = Field(default_factory=dict)
    kpis: list[ObservedKpi] = Field(default_factory=no_items)
