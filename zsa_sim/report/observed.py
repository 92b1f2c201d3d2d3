"""The report section "Observed and simulated" (issue 17, reference scenarios).

A reference scenario lists what was observed in reality under ``observed.kpis`` (each
figure with its source); the scenario travels in ``summary.json``. This section puts
each observed figure beside the simulated mean of the same KPI with its 95 % interval
over replications and says whether the observation lies inside, so that a reader sees
at a glance how far the model reproduces the office before trusting its comparisons.

A figure with ``baseline`` is a ratio ("FIFO halved processing times": 0.5): the KPI of
``variant`` divided by that of ``baseline``, taken per replication (common random
numbers pair them) and averaged, with the t interval of those ratios.

The interval is the one of the simulated *mean*; one observed year is a single
realisation and may lie outside it although the model is right, so the caption says
so. Reads only the results folder (:class:`RunResults`).
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping
from typing import Any, NamedTuple

from zsa_sim.experiment.formatting import Lang, format_interval, format_value, unit_name
from zsa_sim.experiment.stats import summarise
from zsa_sim.report.i18n import compact, kpi_label, number, variant_label
from zsa_sim.report.loaders import RunResults

ALL = "all"
#: unit of a ratio of two KPIs (no unit name, two decimals)
RATIO = "ratio"


class ObservedRow(NamedTuple):
    """One observed figure beside its simulated counterpart."""

    #: what was observed, in words ("Durchlaufzeit Mittelwert, Halle (Saale), ...")
    what: str
    observed: float
    #: simulated mean and its 95 % interval (NaN when the run lacks the KPI or n < 2)
    mean: float
    ci_low: float
    ci_high: float
    unit: str
    #: True/False: the observation lies inside/outside the interval; None: no interval
    inside: bool | None
    source: str


def observed_entries(results: RunResults) -> list[Mapping[str, Any]]:
    """The scenario's ``observed.kpis`` as stored in ``summary.json`` (may be empty)."""
    parameters = (results.summary.get("scenario") or {}).get("parameters") or {}
    entries = (parameters.get("observed") or {}).get("kpis") or []
    return [e for e in entries if isinstance(e, Mapping)]


def observed_rows(results: RunResults, lang: Lang = "de") -> list[ObservedRow]:
    """One row per observed figure, in the order of the scenario file."""
    rows = []
    for entry in observed_entries(results):
        kpi = str(entry.get("kpi", ""))
        municipality = str(entry.get("municipality", ALL))
        service = str(entry.get("service") or ALL)
        variant = str(entry.get("variant") or results.baseline)
        baseline = entry.get("baseline")
        if baseline:
            mean, low, high = _ratio(results, kpi, service, municipality, variant, str(baseline))
            unit = RATIO
        else:
            summary = results.kpi(variant, service, municipality, kpi)
            nan = math.nan
            mean, low, high = (
                (summary.mean, summary.ci_low, summary.ci_high) if summary else (nan, nan, nan)
            )
            unit = summary.unit if summary else ""
        value = float(entry.get("value", math.nan))
        inside = None
        if math.isfinite(low) and math.isfinite(high):
            inside = low <= value <= high
        what = _what(results, lang, kpi, municipality, service, variant, baseline)
        rows.append(
            ObservedRow(what, value, mean, low, high, unit, inside, str(entry.get("source", "")))
        )
    return rows


def _ratio(
    results: RunResults, kpi: str, service: str, municipality: str, variant: str, baseline: str
) -> tuple[float, float, float]:
    """Mean and 95 % interval of the per-replication ratio variant / baseline."""
    by_rep: dict[str, dict[int, float]] = {variant: {}, baseline: {}}
    for row in results.kpis_by_replication:
        if (
            row.variant in by_rep
            and row.kpi == kpi
            and row.service == service
            and row.municipality == municipality
            and not row.pool
        ):
            by_rep[row.variant][row.replication] = row.value
    pairs = sorted(set(by_rep[variant]) & set(by_rep[baseline]))
    ratios = [
        by_rep[variant][r] / by_rep[baseline][r] if by_rep[baseline][r] else math.nan for r in pairs
    ]
    if not ratios:
        return math.nan, math.nan, math.nan
    estimate = summarise(ratios)
    return estimate.mean, estimate.ci_low, estimate.ci_high


def _what(
    results: RunResults,
    lang: Lang,
    kpi: str,
    municipality: str,
    service: str,
    variant: str,
    baseline: Any,
) -> str:
    de = lang == "de"
    parts = [kpi_label(kpi, lang)]
    if baseline:
        over = "gegenüber" if de else "over"
        parts[0] += f" {variant_label(variant, lang)} {over} {variant_label(str(baseline), lang)}"
    else:
        parts.append(variant_label(variant, lang))
    parts.append(
        ("alle Kommunen" if de else "all municipalities")
        if municipality == ALL
        else results.name(municipality)
    )
    if service != ALL:
        try:
            parts.append(results.service(service).label)
        except KeyError:
            parts.append(service)
    return ", ".join(parts)


def _value(x: float, unit: str, lang: Lang, *, observed: bool = False) -> str:
    if not math.isfinite(x):
        return "–"
    if unit == RATIO:
        return number(x, lang, 2)
    if observed:  # as stated, without invented decimals
        return f"{compact(x * 100 if unit == 'share' else x, lang)} {unit_name(unit, lang)}"
    return format_value(x, unit, lang)


def observed_section(results: RunResults, lang: Lang = "de") -> str:
    """The section's content (a table and its caption), or "" without observed figures."""
    rows = observed_rows(results, lang)
    if not rows:
        return ""
    de = lang == "de"
    heads = (
        (
            "Kennzahl",
            "Beobachtet",
            "Simuliert: Mittelwert [95-%-Intervall]",
            "Im Intervall?",
            "Quelle",
        )
        if de
        else ("KPI", "Observed", "Simulated: mean [95 % interval]", "Inside?", "Source")
    )
    yes_no = {True: "ja" if de else "yes", False: "nein" if de else "no", None: "–"}
    body = []
    for r in rows:
        simulated = _value(r.mean, r.unit, lang)
        if math.isfinite(r.ci_low) and math.isfinite(r.ci_high):
            if r.unit == RATIO:
                low, high, sep = number(r.ci_low, lang, 2), number(r.ci_high, lang, 2), ";,"
                simulated += f" [{low}{sep[0] if de else sep[1]} {high}]"
            else:
                simulated += " " + format_interval(r.ci_low, r.ci_high, r.unit, lang)
        cells = (
            f'<th scope="row">{_e(r.what)}</th>',
            f'<td class="num">{_e(_value(r.observed, r.unit, lang, observed=True))}</td>',
            f'<td class="num">{_e(simulated)}</td>',
            f"<td>{_e(yes_no[r.inside])}</td>",
            f"<td>{_e(r.source)}</td>",
        )
        body.append(f"<tr>{''.join(cells)}</tr>")
    caption = (
        "Was in der Wirklichkeit beobachtet wurde (laut Szenario, mit Quelle), neben dem "
        "simulierten Mittelwert über die Replikationen. Das Intervall gilt für den "
        "Mittelwert; ein beobachtetes Jahr ist eine einzelne Realisierung und kann auch "
        "bei einem zutreffenden Modell außerhalb liegen. Verhältnisse (gegenüber) sind je "
        "Replikation gepaart gebildet."
        if de
        else "What was observed in reality (as the scenario states it, with its source), "
        "beside the simulated mean over the replications. The interval is the mean's; one "
        "observed year is a single realisation and may lie outside it even if the model "
        "is right. Ratios (over) are paired per replication."
    )
    head = "".join(f"<th>{_e(h)}</th>" for h in heads)
    return (
        f"<p>{_e(caption)}</p>"
        f'<table class="observed"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)
