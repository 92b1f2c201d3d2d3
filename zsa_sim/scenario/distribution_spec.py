"""The compact YAML form of a probability distribution, with its time unit.

A scenario writes every duration the same way, as a mapping with exactly one key that
names the distribution, its parameters, and the unit::

    {lognormal: {mean: 20, sd: 8}, unit: min}      # named parameters
    {triangular: [10, 15, 30], unit: min}          # positional: low, mode, high
    {fixed: 14, unit: d}                           # one parameter: the value itself
    {empirical: [3, 5, 5, 8, 13], unit: h}         # samples

Kinds and parameter order are those of :data:`zsa_sim.engine.distributions.PARAMETERS`
(``gamma`` takes ``{mean, sd}`` or ``{shape, scale}``). ``unit`` is required: ``min``,
``h`` or ``d`` (a calendar day of 24 hours). The engine works in minutes; the conversion
happens here, once, when the scenario is loaded. The dumped form is always the named
one, so a sweep can address a parameter by key path (``...Task_X.lognormal.mean``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    ValidationError,
    model_serializer,
    model_validator,
)

from zsa_sim.engine.distributions import PARAMETERS, Distribution, DistributionError

Unit = Literal["min", "h", "d"]
#: Minutes per unit.
UNIT_MINUTES: Mapping[str, float] = {"min": 1.0, "h": 60.0, "d": 1440.0}
#: Longest duration a scenario may give (any parameter or sample, in days): ten years.
#: An effort of 1e12 h passed the checks and broke the calendar mid-run (issue 14).
MAX_DAYS = 3660
#: The parameters that are durations (``shape`` of a gamma is a pure number).
DURATION_PARAMETERS = frozenset({"value", "low", "mode", "high", "mean", "sd", "scale"})


class DistributionSpec(BaseModel):
    """A distribution as written in a scenario file; :meth:`minutes` gives the engine's."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    kind: str
    #: checked by :class:`Distribution` (finite, non-negative numbers), not coerced.
    params: dict[str, Any] = {}
    samples: tuple[Any, ...] = ()
    unit: Unit

    @model_validator(mode="before")
    @classmethod
    def _from_compact(cls, data: Any) -> Any:
        if isinstance(data, DistributionSpec):
            return data
        if not isinstance(data, Mapping):
            raise ValueError(
                "a distribution is written as {<kind>: <parameters>, unit: min|h|d}, "
                f"e.g. {{lognormal: {{mean: 20, sd: 8}}, unit: min}}; got {data!r}"
            )
        rest = {k: v for k, v in data.items() if k != "unit"}
        if "unit" not in data:
            raise ValueError("unit missing: add 'unit: min', 'unit: h' or 'unit: d'")
        if len(rest) != 1:
            raise ValueError(
                f"a distribution needs exactly one kind ({', '.join(PARAMETERS)}) besides "
                f"'unit'; got {', '.join(map(str, rest)) or 'none'}"
            )
        ((kind, value),) = rest.items()
        kind = str(kind)
        if kind not in PARAMETERS:
            raise ValueError(f"unknown distribution {kind!r}; use one of {', '.join(PARAMETERS)}")
        if kind == "empirical":
            if not isinstance(value, list | tuple):
                raise ValueError("empirical takes a list of samples, e.g. {empirical: [3, 5, 8]}")
            return {"kind": kind, "samples": tuple(value), "unit": data["unit"]}
        return {"kind": kind, "params": _params(kind, value), "unit": data["unit"]}

    @model_validator(mode="after")
    def _check(self) -> DistributionSpec:
        try:
            minutes = self.minutes()
        except DistributionError as err:
            raise ValueError(str(err)) from err
        except ArithmeticError as err:  # e.g. a gamma whose sd dwarfs its mean underflows
            raise ValueError(f"{self.kind}: parameters out of range ({err})") from err
        limit = MAX_DAYS * UNIT_MINUTES["d"]
        values = [(f"sample {i}", v) for i, v in enumerate(minutes.samples, 1)]
        values += [(k, v) for k, v in minutes.params.items() if k in DURATION_PARAMETERS]
        for name, value in values:
            if value > limit:
                shown = value / UNIT_MINUTES[self.unit]
                raise ValueError(
                    f"{self.kind}: {name} {shown:g} {self.unit} is longer than {MAX_DAYS} days "
                    "(ten years); a duration here is one case's effort or wait"
                )
        return self

    @model_serializer
    def _to_compact(self) -> dict[str, Any]:
        value: Any = list(self.samples) if self.kind == "empirical" else dict(self.params)
        return {self.kind: value, "unit": self.unit}

    def minutes(self) -> Distribution:
        """The engine's distribution, in minutes."""
        base = Distribution(self.kind, dict(self.params), tuple(self.samples))  # type: ignore[arg-type]
        factor = UNIT_MINUTES[self.unit]
        return base if factor == 1.0 else base.scaled(factor)

    @property
    def mean_minutes(self) -> float:
        """The expected value in minutes (for load estimates)."""
        return self.minutes().mean

    def describe(self) -> str:
        """Short text, e.g. ``lognormal(mean=20, sd=8) min``."""
        inner = (
            f"n={len(self.samples)}"
            if self.kind == "empirical"
            else ", ".join(f"{k}={v:g}" for k, v in self.params.items())
        )
        return f"{self.kind}({inner}) {self.unit}"


def _params(kind: str, value: Any) -> dict[str, Any]:
    """Named parameters from a mapping, a positional list or a single number."""
    forms = PARAMETERS[kind]
    if isinstance(value, Mapping):
        return {str(k): v for k, v in value.items()}
    if isinstance(value, list | tuple):
        names = forms[0]
        if len(value) != len(names):
            raise ValueError(
                f"{kind} takes {len(names)} values [{', '.join(names)}], got {len(value)}"
            )
        return dict(zip(names, value, strict=True))
    if isinstance(value, int | float) and not isinstance(value, bool) and len(forms[0]) == 1:
        return {forms[0][0]: value}
    wanted = " or ".join("{" + ", ".join(names) + "}" for names in forms)
    raise ValueError(f"{kind} needs parameters {wanted}, got {value!r}")


def instance_count_form(value: Any) -> Any:
    """A loop's instance count as a scenario writes it -> a DistributionSpec or text.

    A whole number (``3``) is fixed; a distribution is written without a unit
    (``{empirical: [1, 1, 2, 3]}``; the drawn value is rounded); text is an expression over case
    attributes (``"number_of_dogs"``). A unit other than ``min`` (what a dump writes) is
    refused, as a count of instances is not a duration.
    """
    if value is None:
        raise ValueError("instance count missing (fill in the template)")
    if isinstance(value, bool):
        raise ValueError(
            f"an instance count is a number, a distribution or an expression, got {value!r}"
        )
    if isinstance(value, int | float):
        if value < 0 or value != int(value):
            raise ValueError(f"an instance count must be a whole number >= 0, got {value!r}")
        return DistributionSpec.model_validate({"fixed": int(value), "unit": "min"})
    if isinstance(value, Mapping):
        unit = value.get("unit", "min")
        if unit != "min":
            raise ValueError("an instance count has no unit; drop 'unit'")
        try:
            return DistributionSpec.model_validate({**value, "unit": "min"})
        except ValidationError as err:
            raise ValueError(err.errors()[0]["msg"].removeprefix("Value error, ")) from None
    return value
