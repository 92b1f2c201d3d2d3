"""Whether a service-level target is met: one definition for the whole report.

A target such as "p90 lead time <= 15 working days" is **met** for a municipality and
variant when the one-sided 95 % upper confidence bound of the KPI's mean over the
replications is at most the limit: the planner's rule
(:mod:`zsa_sim.planning.evaluate`), so the report and the staffing plan never disagree
about the same number. A mean just under the limit with a wide interval is therefore
"not confirmed", not "met". With fewer than two replications there is no bound and
the answer is None (unknown).
"""

from __future__ import annotations

import math

from zsa_sim.experiment.formatting import Lang
from zsa_sim.experiment.stats import CONFIDENCE, upper_bound
from zsa_sim.report.loaders import RunResults, Target

#: The definition, as the report states it under every "met" count.
DEFINITION: dict[str, str] = {
    "de": (
        "Ziel erreicht heißt: die obere einseitige 95-%-Konfidenzgrenze des Mittelwerts "
        "über die Replikationen liegt höchstens beim Zielwert (dieselbe Regel wie im "
        "Personalplaner)."
    ),
    "en": (
        "Target met means: the one-sided 95% upper confidence bound of the mean over the "
        "replications is at most the target (the same rule as the staffing planner's)."
    ),
}


def replication_values(
    results: RunResults, variant: str, service: str, municipality: str, kpi: str
) -> list[float]:
    """The KPI's value in each replication, in replication order (NaN left out)."""
    rows = sorted(
        (r.replication, r.value)
        for r in results.kpis_by_replication
        if r.variant == variant
        and r.service == service
        and r.municipality == municipality
        and not r.pool
        and r.kpi == kpi
    )
    return [v for _, v in rows if math.isfinite(v)]


def target_bound(
    results: RunResults, variant: str, service: str, municipality: str, target: Target
) -> float:
    """The one-sided upper 95 % bound of the target KPI's mean (NaN if unknown)."""
    values = replication_values(results, variant, service, municipality, target.kpi)
    return upper_bound(values, CONFIDENCE) if len(values) >= 2 else math.nan


def target_met(
    results: RunResults, variant: str, service: str, municipality: str, target: Target
) -> bool | None:
    """True/False by the rule in the module docstring; None without a bound."""
    bound = target_bound(results, variant, service, municipality, target)
    return None if math.isnan(bound) else bound <= target.max


def definition(lang: Lang) -> str:
    """The rule in words, for captions and the first screen."""
    return DEFINITION[lang]
