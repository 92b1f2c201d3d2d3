"""KPIs over replications, and the paired comparison of two organisation variants.

:func:`aggregate` gives every KPI's mean and 95% confidence interval over replications
per variant (the rows of ``kpis.csv``). :func:`compare_variants` gives, per service,
municipality or pool and KPI, the difference *treatment - baseline* (by default
``zentral - dezentral``) with:

- the **paired** interval over replications: replication i of both variants saw the
  same applicants and draws (common random numbers), so the differences
  ``a_i - b_i`` are what we estimate from, and their interval is the one that counts;
- Welch's **unpaired** interval, for reference (it shows what pairing gains);
- the relative change of the means, ``(mean_a - mean_b) / |mean_b|`` (NaN if 0);
- a one-line verdict in German and English: "Wartezeit p90 sinkt: -6,1 Tage [-7,3; -4,8]"
  / "waiting time p90 down: -6.1 days [-7.3, -4.8]". One sign convention everywhere
  (verdicts, tables, compare): the signed change *treatment − baseline* with its
  interval, the word saying the direction. If the interval contains 0 the verdict says
  "keine signifikante Änderung" / "no significant change" (with the numbers in
  brackets); with fewer than two paired replications it says so.
- **Resolution.** A change smaller than half the last digit shown for its unit
  (:func:`resolution`: 0.05 days, 0.05 percentage points, 0.5 EUR, ...) is "keine
  Änderung" / "no change", never significant: a difference of 1e-15 days is floating
  point noise of identical runs, not a finding, however narrow its interval.

Replications are matched by their number; one present in only one variant is left out
of the pairing (``n`` says how many pairs there were). A KPI that exists in only one
variant (the ZSA's pools exist only centrally) cannot be compared and gets no row;
:func:`aggregate` still reports it.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from typing import NamedTuple

from zsa_sim.errors import ResultsError
from zsa_sim.experiment.formatting import UNIT_DIGITS, Lang, format_interval, format_value
from zsa_sim.experiment.kpis import KPI_INFO, KpiValue
from zsa_sim.experiment.stats import (
    CONFIDENCE,
    Estimate,
    paired_difference,
    summarise,
    unpaired_difference,
)


class KpiSummary(NamedTuple):
    """One KPI of one variant over all replications: mean and confidence interval."""

    variant: str
    service: str
    municipality: str
    pool: str
    kpi: str
    unit: str
    mean: float
    ci_low: float
    ci_high: float
    n: int
    sd: float


class Comparison(NamedTuple):
    """Treatment minus baseline for one KPI of one service and municipality (or pool)."""

    service: str
    municipality: str
    pool: str
    kpi: str
    unit: str
    treatment: str
    baseline: str
    treatment_mean: float
    baseline_mean: float
    #: mean of the paired differences treatment - baseline and its interval
    difference: float
    ci_low: float
    ci_high: float
    #: number of paired replications
    n: int
    #: Welch's interval of the difference of means, ignoring the pairing
    unpaired_ci_low: float
    unpaired_ci_high: float
    relative_change: float
    #: the paired interval excludes 0
    significant: bool
    #: "better", "worse" or "" (not significant, or a KPI with no good direction)
    assessment: str
    verdict_de: str
    verdict_en: str


_Key = tuple[str, str, str, str]  # service, municipality, pool, kpi


def aggregate(kpi_rows: Iterable[KpiValue], confidence: float = CONFIDENCE) -> list[KpiSummary]:
    """Mean and confidence interval over replications per variant and KPI row key."""
    values: dict[tuple[str, str, str, str, str], dict[int, float]] = defaultdict(dict)
    units: dict[str, str] = {}
    for row in kpi_rows:
        values[(row.variant, row.service, row.municipality, row.pool, row.kpi)][row.replication] = (
            row.value
        )
        units[row.kpi] = row.unit
    out = []
    for key, by_rep in sorted(values.items()):
        est = summarise([by_rep[r] for r in sorted(by_rep)], confidence)
        out.append(KpiSummary(*key, units[key[-1]], *est))
    return out


def compare_variants(
    kpi_rows: Iterable[KpiValue],
    treatment: str = "zentral",
    baseline: str = "dezentral",
    confidence: float = CONFIDENCE,
) -> list[Comparison]:
    """Paired comparison treatment - baseline for every KPI both variants report."""
    by_variant: dict[str, dict[_Key, dict[int, float]]] = defaultdict(lambda: defaultdict(dict))
    units: dict[str, str] = {}
    for row in kpi_rows:
        key = (row.service, row.municipality, row.pool, row.kpi)
        by_variant[row.variant][key][row.replication] = row.value
        units[row.kpi] = row.unit
    for name in (treatment, baseline):
        if name not in by_variant:
            known = ", ".join(sorted(by_variant)) or "none"
            raise ResultsError(f"variant {name!r} has no KPI rows (variants: {known})")
    a_all, b_all = by_variant[treatment], by_variant[baseline]
    out = []
    for key in sorted(set(a_all) & set(b_all)):
        a, b = a_all[key], b_all[key]
        common = sorted(set(a) & set(b))
        paired = paired_difference([a[r] for r in common], [b[r] for r in common], confidence)
        unpaired = unpaired_difference(list(a.values()), list(b.values()), confidence)
        mean_a = summarise(list(a.values())).mean
        mean_b = summarise(list(b.values())).mean
        kpi = key[3]
        out.append(
            Comparison(
                *key,
                unit=units[kpi],
                treatment=treatment,
                baseline=baseline,
                treatment_mean=mean_a,
                baseline_mean=mean_b,
                difference=paired.mean,
                ci_low=paired.ci_low,
                ci_high=paired.ci_high,
                n=paired.n,
                unpaired_ci_low=unpaired.ci_low,
                unpaired_ci_high=unpaired.ci_high,
                relative_change=_relative(mean_a, mean_b),
                significant=is_significant(paired, units[kpi]),
                assessment=_assessment(kpi, paired, units[kpi]),
                verdict_de=verdict(kpi, paired, "de", units[kpi]),
                verdict_en=verdict(kpi, paired, "en", units[kpi]),
            )
        )
    return out


def resolution(unit: str) -> float:
    """The smallest change worth reporting in ``unit``: half the last digit shown."""
    scale = 100 if unit == "share" else 1
    return 0.5 * 10 ** -UNIT_DIGITS.get(unit, 1) / scale


def is_significant(diff: Estimate, unit: str) -> bool:
    """The interval excludes 0 and the change is at least the unit's :func:`resolution`."""
    return diff.excludes_zero() and abs(diff.mean) >= resolution(unit)


def verdict(kpi: str, diff: Estimate, lang: Lang = "de", unit: str | None = None) -> str:
    """One line saying how a KPI changed, e.g. "Wartezeit p90 sinkt: -6,1 Tage [-7,3; -4,8]"."""
    info = KPI_INFO.get(kpi)
    label = (info.label_de if lang == "de" else info.label_en) if info else kpi
    unit = unit or (info.unit if info else "")
    de = lang == "de"
    if diff.n >= 1 and math.isfinite(diff.mean) and abs(diff.mean) < resolution(unit):
        return f"{label}: keine Änderung" if de else f"{label}: no change"
    if diff.n < 2 or math.isnan(diff.ci_low):
        return (
            f"{label}: zu wenige Replikationen für ein Konfidenzintervall"
            if de
            else f"{label}: too few replications for a confidence interval"
        )
    numbers = f"{signed(diff.mean, unit, lang)} " + format_interval(
        diff.ci_low, diff.ci_high, unit, lang
    )
    if not diff.excludes_zero():
        if de:
            return f"{label}: keine signifikante Änderung ({numbers})"
        return f"{label}: no significant change ({numbers})"
    down = diff.mean < 0
    if de:
        return f"{label} {'sinkt' if down else 'steigt'}: {numbers}"
    return f"{label} {'down' if down else 'up'}: {numbers}"


def signed(x: float, unit: str, lang: Lang = "de") -> str:
    """A change with its sign always shown: "+1,2 Tage", "-0,5 Tage" (zero unsigned)."""
    text = format_value(x, unit, lang, difference=True)
    if text.startswith("-") or not text.split(" ")[0].strip("0.,"):
        return text
    return "+" + text


def _assessment(kpi: str, diff: Estimate, unit: str = "") -> str:
    info = KPI_INFO.get(kpi)
    if info is None or info.better == "neutral" or not is_significant(diff, unit or info.unit):
        return ""
    lower = diff.mean < 0
    return "better" if lower == (info.better == "lower") else "worse"


def _relative(a: float, b: float) -> float:
    if math.isnan(a) or math.isnan(b) or b == 0:
        return math.nan
    return float((a - b) / abs(b))
