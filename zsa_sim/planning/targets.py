"""Service-level targets: "p90 lead time <= 15 working days" as a checkable :class:`Target`.

A target names one case KPI of :data:`zsa_sim.experiment.kpis.KPI_INFO`, a comparison and
a value in the KPI's unit. It is written the way a ministry writes it, in English or
German, or with the KPI id for scripts::

    p90 lead time <= 15 working days        ->  lead_time_workdays_p90 <= 15 working_days
    p90 Durchlaufzeit <= 15 Arbeitstage     ->  the same
    mean waiting time < 36 hours            ->  waiting_time_mean < 1.5 days
    Median Wartezeit <= 2 Tage              ->  waiting_time_median <= 2 days
    lead_time_workdays_p90<=15              ->  lead_time_workdays_p90 <= 15 working_days

A backlog target counts the open applications on a day (``open_cases``: arrived,
initial backlog included, and not finished)::

    open cases <= 500 by 2026-09-30         ->  open_cases <= 500 cases, by 2026-09-30
    offene Fälle <= 500 bis 30.09.2026      ->  the same

For such a target the planner ends the simulated period on that day (no cool-down), so
the run's open cases at its end are the open cases on that day.

The unit decides between the two lead-time KPIs: working days ("Arbeitstage") select
``lead_time_workdays_*``, calendar days (or none) ``lead_time_*``; hours and weeks are
converted to days. Only KPIs reported per service and municipality can be targets (not
pool KPIs such as utilisation), because a target is promised to the people of a
municipality. Bad text raises a one-line :class:`~zsa_sim.errors.ScenarioError` that
quotes it.

A target is met "with 95% confidence" when the one-sided confidence bound of the KPI's
mean over replications lies on the right side of the value
(:func:`zsa_sim.experiment.stats.upper_bound` for ``<=``, ``lower_bound`` for ``>=``).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, Literal

from zsa_sim.errors import ScenarioError
from zsa_sim.experiment.formatting import Lang, format_number, unit_name
from zsa_sim.experiment.kpis import KPI_INFO, QUANTILES

if TYPE_CHECKING:
    from zsa_sim.scenario import Scenario

Operator = Literal["<=", "<", ">=", ">"]

#: KPIs that exist per (service, municipality): everything but the pool KPIs.
POOL_KPIS = frozenset(
    {
        "utilisation",
        "staff_hours",
        "available_hours",
        "cost",
        "capacity_cost",
        "backlog_hours",
        "backlog_days",
    }
)
CASE_KPIS: tuple[str, ...] = tuple(k for k in KPI_INFO if k not in POOL_KPIS)

_OPERATORS: dict[str, Operator] = {
    "<=": "<=",
    "=<": "<=",
    "≤": "<=",
    "<": "<",
    ">=": ">=",
    "=>": ">=",
    "≥": ">=",
    ">": ">",
}
_SYMBOLS: dict[Operator, str] = {"<=": "≤", "<": "<", ">=": "≥", ">": ">"}
_SPLIT = re.compile(
    r"^\s*(?P<lhs>.*?)\s*(?P<op><=|=<|>=|=>|≤|≥|<|>)\s*"
    r"(?P<num>[-+]?(?:\d+(?:[.,]\d*)?|[.,]\d+))\s*(?P<unit>.*?)\s*$"
)
#: measure words -> KPI stem
_MEASURES: dict[str, str] = {
    "lead time": "lead_time",
    "leadtime": "lead_time",
    "durchlaufzeit": "lead_time",
    "bearbeitungsdauer": "lead_time",
    "waiting time": "waiting_time",
    "wartezeit": "waiting_time",
}
#: words of the open-cases KPI (no statistic: a count on a day)
_OPEN_CASES = ("open cases", "open applications", "offene fälle", "offene faelle",
               "offene anträge", "offene antraege", "rückstand", "backlog")  # fmt: skip
_BY = re.compile(
    r"\s+(?:by|bis|bis zum|am|on)\s+(?P<date>\d{4}-\d{2}-\d{2}|\d{1,2}\.\d{1,2}\.\d{4})\s*$",
    re.IGNORECASE,
)
#: statistic words -> KPI suffix
_STATISTICS: dict[str, str] = {
    "mean": "mean",
    "average": "mean",
    "mittelwert": "mean",
    "mittlere": "mean",
    "mittlerer": "mean",
    "durchschnittliche": "mean",
    "durchschnitt": "mean",
    "median": "median",
}
#: unit words -> (unit id, factor to that unit)
_UNITS: dict[str, tuple[str, float]] = {
    "working days": ("working_days", 1.0),
    "working day": ("working_days", 1.0),
    "workdays": ("working_days", 1.0),
    "workday": ("working_days", 1.0),
    "arbeitstage": ("working_days", 1.0),
    "arbeitstagen": ("working_days", 1.0),
    "arbeitstag": ("working_days", 1.0),
    "days": ("days", 1.0),
    "day": ("days", 1.0),
    "d": ("days", 1.0),
    "calendar days": ("days", 1.0),
    "tage": ("days", 1.0),
    "tagen": ("days", 1.0),
    "tag": ("days", 1.0),
    "kalendertage": ("days", 1.0),
    "hours": ("days", 1 / 24),
    "hour": ("days", 1 / 24),
    "h": ("days", 1 / 24),
    "stunden": ("days", 1 / 24),
    "weeks": ("days", 7.0),
    "week": ("days", 7.0),
    "wochen": ("days", 7.0),
    "cases": ("cases", 1.0),
    "fälle": ("cases", 1.0),
    "faelle": ("cases", 1.0),
}


@dataclass(frozen=True)
class Target:
    """A service-level target: ``kpi operator value`` in the KPI's ``unit``."""

    kpi: str
    operator: Operator
    value: float
    unit: str
    #: the text it was parsed from ('' when made in Python)
    text: str = ""
    #: the day the KPI is judged on (backlog targets: open cases on that day), or None
    by: date | None = None

    @property
    def upper(self) -> bool:
        """True for "at most" targets (<=, <): the upper confidence bound must meet them."""
        return self.operator in ("<=", "<")

    def met_by(self, bound: float) -> bool:
        """Whether a confidence bound (upper for <=, lower for >=) meets the target.

        NaN (too few replications or no cases) never meets it: nothing is shown.
        """
        if math.isnan(bound):
            return False
        if self.operator == "<=":
            return bound <= self.value
        if self.operator == "<":
            return bound < self.value
        if self.operator == ">=":
            return bound >= self.value
        return bound > self.value

    def shortfall(self, bound: float) -> float:
        """How far a bound is on the wrong side, in the KPI's unit (<= 0 when met by margin).

        Positive: missed by that much; NaN bounds give +inf.
        """
        if math.isnan(bound):
            return math.inf
        return bound - self.value if self.upper else self.value - bound

    def describe(self, lang: Lang = "de") -> str:
        """The target for people: "Durchlaufzeit (Arbeitstage) p90 ≤ 15 Arbeitstage"."""
        info = KPI_INFO[self.kpi]
        label = info.label_de if lang == "de" else info.label_en
        if self.by is not None:
            day = self.by.strftime("%d.%m.%Y") if lang == "de" else self.by.isoformat()
            label = f"offene Fälle am {day}" if lang == "de" else f"open cases on {day}"
        value = format_number(self.value, lang, _digits(self.value))
        unit = unit_name(self.unit, lang)
        return f"{label} {_SYMBOLS[self.operator]} {value} {unit}".strip()

    def period_for(self, scenario: Scenario) -> Scenario:
        """The scenario to judge the target on: for a dated target, ended on its day
        (its last simulated minute is the end of that day, no cool-down), so the open
        cases at the end of the run are those on that day; else the scenario itself."""
        if self.by is None:
            return scenario
        period = scenario.period
        days = (self.by - period.start).days + 1
        if not 1 <= days <= period.days:
            last = period.start.toordinal() + period.days - 1
            raise ScenarioError(
                f"target {self.text or self.describe('en')!r}: the day must lie in the "
                f"observed period {period.start} .. {date.fromordinal(last)}"
            )
        return scenario.with_changes({"period.days": days, "period.cooldown_days": 0})

    def to_dict(self) -> dict[str, Any]:
        """Plain values for plan.json."""
        return {
            "kpi": self.kpi,
            "operator": self.operator,
            "value": self.value,
            "unit": self.unit,
            "text": self.text,
            "by": self.by.isoformat() if self.by is not None else None,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Target:
        """The inverse of :meth:`to_dict`, checked: a case KPI, an operator, a number."""
        try:
            kpi, operator, value = data["kpi"], data["operator"], float(data["value"])
        except (KeyError, TypeError, ValueError) as err:
            raise ScenarioError(f"target {data!r}: needs kpi, operator and value") from err
        if kpi not in CASE_KPIS or operator not in _SYMBOLS or not math.isfinite(value):
            raise ScenarioError(f"target {data!r}: not a case KPI, operator and finite value")
        by = data.get("by")
        try:
            day = date.fromisoformat(by) if by else None
        except (TypeError, ValueError) as err:
            raise ScenarioError(f"target {data!r}: 'by' is not a date") from err
        return cls(kpi, operator, value, KPI_INFO[kpi].unit, str(data.get("text", "")), day)


def _digits(value: float) -> int:
    """As few decimals as the value needs (at most three): 15, 2,5, 0,125."""
    for digits in (0, 1, 2):
        if abs(value - round(value, digits)) < 1e-9 * max(1.0, abs(value)):
            return digits
    return 3


def parse_target(text: str) -> Target:
    """Read a target such as "p90 lead time <= 15 working days" (see the module docstring)."""
    if not isinstance(text, str) or not text.strip():
        raise ScenarioError("target: empty (e.g. 'p90 lead time <= 15 working days')")
    by = None
    dated = _BY.search(text)
    if dated is not None:
        by = _date(dated["date"], text)
    match = _SPLIT.match(text[: dated.start()] if dated is not None else text)
    if match is None:
        raise ScenarioError(
            f"target {text!r}: expected '<KPI> <= <number> [unit]', "
            "e.g. 'p90 lead time <= 15 working days'"
        )
    operator = _OPERATORS[match["op"]]
    value = _number(match["num"], text)
    unit_text = " ".join(match["unit"].lower().replace(".", " ").split())
    lhs = " ".join(match["lhs"].split())
    unit, factor = _unit(unit_text, text)
    kpi = _kpi(lhs, unit, text)
    native = KPI_INFO[kpi].unit
    if unit is not None and unit != native:
        raise ScenarioError(
            f"target {text!r}: {kpi} is measured in {unit_name(native, 'en')}, "
            f"not {unit_name(unit, 'en')}"
        )
    if by is not None and kpi != "open_cases":
        raise ScenarioError(
            f"target {text!r}: a date ('by ...') goes with open cases, e.g. "
            "'open cases <= 500 by 2026-09-30'"
        )
    return Target(kpi, operator, value * factor, native, text.strip(), by)


def _date(text: str, whole: str) -> date:
    try:
        if "." in text:
            day, month, year = (int(p) for p in text.split("."))
            return date(year, month, day)
        return date.fromisoformat(text)
    except ValueError:
        raise ScenarioError(f"target {whole!r}: {text!r} is not a date") from None


def _number(text: str, whole: str) -> float:
    try:
        value = float(text.replace(",", "."))
    except ValueError:  # pragma: no cover - the pattern admits only numbers
        raise ScenarioError(f"target {whole!r}: {text!r} is not a number") from None
    if not math.isfinite(value):  # pragma: no cover - the pattern admits only numbers
        raise ScenarioError(f"target {whole!r}: {text!r} is not a finite number")
    return value


def _unit(text: str, whole: str) -> tuple[str | None, float]:
    if not text:
        return None, 1.0
    if text in _UNITS:
        return _UNITS[text]
    known = "working days, days, hours, weeks, cases (or German: Arbeitstage, Tage, ...)"
    raise ScenarioError(f"target {whole!r}: unknown unit {text!r} (known: {known})")


def _kpi(lhs: str, unit: str | None, whole: str) -> str:
    if lhs in KPI_INFO:
        if lhs in POOL_KPIS:
            raise ScenarioError(
                f"target {whole!r}: {lhs} is a KPI of staff pools, not of municipalities; "
                f"a target needs a case KPI ({', '.join(CASE_KPIS)})"
            )
        return lhs
    words = lhs.lower().replace("-", " ")
    if any(phrase in words for phrase in _OPEN_CASES):
        if unit not in (None, "cases"):
            raise ScenarioError(f"target {whole!r}: open cases are counted in cases")
        return "open_cases"
    stem = next((s for phrase, s in _MEASURES.items() if phrase in words), None)
    if stem is None:
        raise ScenarioError(
            f"target {whole!r}: unknown KPI {lhs!r} (write e.g. 'p90 lead time', "
            f"'mean waiting time', 'p90 Durchlaufzeit', or a KPI id: {', '.join(CASE_KPIS)})"
        )
    statistic = _statistic(words, whole)
    if unit == "working_days" or "working day" in words or "arbeitstag" in words:
        if stem != "lead_time":
            raise ScenarioError(
                f"target {whole!r}: only the lead time is counted in working days; "
                "write the waiting time in days or hours"
            )
        stem = "lead_time_workdays"
    return f"{stem}_{statistic}"


def _statistic(words: str, whole: str) -> str:
    quantile = re.search(r"\bp(\d{1,2})\b", words)
    found = {suffix for word, suffix in _STATISTICS.items() if re.search(rf"\b{word}\b", words)}
    if quantile:
        suffix = "median" if quantile[1] == "50" else f"p{quantile[1]}"
        if suffix not in QUANTILES:
            available = ", ".join(["mean", *QUANTILES])
            raise ScenarioError(
                f"target {whole!r}: {suffix} is not computed (available: {available})"
            )
        found.add(suffix)
    if len(found) > 1:
        listed = ", ".join(sorted(found))
        raise ScenarioError(f"target {whole!r}: more than one statistic ({listed})")
    if not found:
        raise ScenarioError(
            f"target {whole!r}: say which statistic (p90, p95, median or mean), "
            "e.g. 'p90 lead time <= 15 working days'"
        )
    return found.pop()
