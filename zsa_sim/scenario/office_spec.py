"""Scenario keys for what offices live with on the capacity side (issue 17).

- **Staff that change over time**: wherever a number of FTE is allowed, a list of steps
  ``[{from: 2026-03-01, fte: 2}, {from: 2026-07-01, fte: 8}]`` may stand instead (posts
  filled, leavers, a ZSA ramp-up). Before the first step the pool has nobody.
- **Office closures** (``closures`` on a calendar or a municipality): ``closed_to: all``
  closes the office for all work (no one works, as on a public holiday);
  ``closed_to: public`` closes it to the public only (the office closed to clear a
  backlog): staff work as usual, and applications of the listed ``channels`` (default
  ``counter``) that would arrive during it are handed in on the first day after it,
  at opening time.
- **Overtime** (``overtime`` on a calendar): extra hours per full-time member and week
  for a period, added at the end of every working day.
- **Queue disciplines** (``queues`` per role of a municipality or team of the ZSA):
  ``priority`` (default), ``fifo``, ``edf`` with a ``due`` time, ``per_clerk`` by letter.
- **Other work** (``other_work`` per role or team): change notices, objections,
  enquiries, as hours per week or as their own arrivals with an effort.

The values are checked here on their own; :mod:`zsa_sim.scenario.office` checks them
against the rest of the scenario and turns them into the engine's terms.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    NonNegativeFloat,
    PositiveFloat,
    model_validator,
)

from zsa_sim.scenario.distribution_spec import DistributionSpec


class _Model(BaseModel):
    model_config = ConfigDict(
        frozen=True, extra="forbid", allow_inf_nan=False, populate_by_name=True
    )


class StaffStep(_Model):
    """From this date on the pool has ``fte`` FTE (0: nobody)."""

    since: date = Field(alias="from")
    fte: NonNegativeFloat


def _ramp(steps: list[StaffStep]) -> list[StaffStep]:
    if not steps:
        raise ValueError("a staff ramp needs at least one step {from: DATE, fte: N}")
    dates = [s.since for s in steps]
    if dates != sorted(set(dates)):
        raise ValueError("the steps of a staff ramp must have increasing 'from' dates")
    if not any(s.fte > 0 for s in steps):
        raise ValueError("a staff ramp needs a step with fte > 0")
    return steps


#: Staff changing over time: steps of (from, fte); the schema adds the FTE limit.
StaffRamp = Annotated[list[StaffStep], AfterValidator(_ramp)]


def is_ramp(value: Any) -> bool:
    """True for a staff ramp (a list of steps) rather than a number."""
    return isinstance(value, list | tuple)


def peak_fte(value: Any) -> float:
    """The largest FTE of a number or ramp."""
    if is_ramp(value):
        return max(step.fte for step in value)
    return float(value)


class _DateRange(_Model):
    since: date = Field(alias="from")
    #: last day, inclusive
    to: date

    @model_validator(mode="after")
    def _ordered(self) -> _DateRange:
        if self.to < self.since:
            raise ValueError(f"'to' ({self.to}) is before 'from' ({self.since})")
        return self


class Closure(_DateRange):
    """The office closed from ``from`` to ``to`` (inclusive): for all work or to the public."""

    closed_to: Literal["all", "public"]
    #: for ``public``: the channels whose applications wait for the reopening.
    channels: tuple[str, ...] = ("counter",)


class Overtime(_DateRange):
    """Extra hours per full-time member and week from ``from`` to ``to`` (inclusive)."""

    hours_per_week: Annotated[float, Field(gt=0, le=30)]


class QueueSpec(_Model):
    """How a pool's waiting cases are ordered (:class:`zsa_sim.engine.setup.QueueDiscipline`)."""

    discipline: Literal["priority", "fifo", "edf", "per_clerk"] = "priority"
    #: ``edf``: calendar days from arrival to the deadline, an expression over attributes.
    due: str | None = None
    #: ``per_clerk``: the attribute whose first letter chooses the clerk (default: a
    #: drawn surname initial).
    by: str | None = None
    #: ``per_clerk``: one letter range per clerk, e.g. [A-F, G-K, L-R, S-Z] (default:
    #: the alphabetical order of surnames cut into equal shares, one per clerk).
    ranges: list[str] | None = None

    @model_validator(mode="after")
    def _fits(self) -> QueueSpec:
        if self.discipline == "edf" and not self.due:
            raise ValueError("earliest deadline first needs 'due' (days after arrival)")
        if self.due:
            from zsa_sim.engine.expressions import compile_expression
            from zsa_sim.errors import ZsaError

            try:
                compile_expression(self.due, "due")
            except ZsaError as err:
                raise ValueError(str(err)) from None
        if self.discipline != "edf" and self.due is not None:
            raise ValueError("'due' belongs to discipline 'edf'")
        if self.discipline != "per_clerk" and (self.by is not None or self.ranges is not None):
            raise ValueError("'by' and 'ranges' belong to discipline 'per_clerk'")
        if self.by is not None and self.ranges is None:
            raise ValueError("'by' needs letter 'ranges', one per clerk")
        if self.ranges is not None:
            from zsa_sim.engine.queues import parse_ranges
            from zsa_sim.errors import SimulationError

            try:
                parse_ranges(self.ranges, "ranges")
            except SimulationError as err:
                raise ValueError(str(err).removeprefix("ranges: ")) from None
        return self


def _working_time(effort: DistributionSpec | None) -> DistributionSpec | None:
    if effort is not None and effort.unit == "d":
        raise ValueError("unit 'd' is not allowed for efforts; use min or h")
    return effort


class OtherWork(_Model):
    """A stream of work outside the modelled process on the same staff."""

    name: Annotated[str, Field(min_length=1, pattern=r"^[^./]+$")]
    #: hours a week for the whole pool (in items of ``effort``, default one hour each).
    hours_per_week: PositiveFloat | None = None
    #: or: items a year, each of ``effort``.
    per_year: PositiveFloat | None = None
    effort: Annotated[DistributionSpec | None, AfterValidator(_working_time)] = None
    #: contact with the public (enquiries at the counter or by phone): none arises while
    #: the office is closed to the public.
    public: bool = False

    @model_validator(mode="after")
    def _one_rate(self) -> OtherWork:
        if (self.hours_per_week is None) == (self.per_year is None):
            raise ValueError("give either 'hours_per_week' or 'per_year'")
        if self.per_year is not None and self.effort is None:
            raise ValueError("'per_year' needs the 'effort' of one item")
        return self
