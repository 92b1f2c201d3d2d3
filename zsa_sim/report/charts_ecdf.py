"""The distribution (ECDF) of lead times with the service-level target marked.

A mean hides the applicants who wait longest; a service level ("90 % of applications
decided within 15 working days") is about them. The empirical distribution function
shows, for every lead time on the x axis, the share of decided cases that took at most
that long, so the target can be read off directly: where the curve crosses the target
line, and how far it is from the target quantile. One panel per municipality, the
variants as differently dashed step lines.

Lead time is counted in working days when the target is (via the scenario's calendar,
:mod:`zsa_sim.report.workdays`), else in calendar days.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np

from zsa_sim.engine.calendar import MINUTES_PER_DAY
from zsa_sim.experiment.formatting import Lang, unit_name
from zsa_sim.report.i18n import compact, number, percent, tr, variant_label
from zsa_sim.report.loaders import RunResults, Target
from zsa_sim.report.style import (
    Chart,
    figure_legend,
    new_figure,
    percent_suffix,
    set_title,
    styled,
    tick_formatter,
    variant_style,
)
from zsa_sim.report.targets import definition, target_met
from zsa_sim.report.workdays import date_range_of, municipality_calendar, working_days


def lead_times(
    results: RunResults, service: str, municipality: str, variant: str, in_working_days: bool
) -> np.ndarray:
    """Lead times of decided window arrivals (all replications), sorted."""
    c = results.cases
    mask = results.window_arrivals(service, variant, municipality) & ~np.isnan(c["decision"])
    arrival, decision = c["arrival"][mask], c["decision"][mask]
    if in_working_days:
        parameters = (results.summary.get("scenario") or {}).get("parameters") or {}
        first, last = date_range_of(results.epoch, np.concatenate([arrival, decision]))
        calendar = municipality_calendar(parameters, municipality, first, last)
        values = working_days(arrival, decision, results.epoch, calendar)
    else:
        values = (decision - arrival) / MINUTES_PER_DAY
    return np.sort(values)


def target_label(target: Target, lang: Lang) -> str:
    """ "p90 der Durchlaufzeit" / "p90 lead time" (the KPI's statistic, not its full name)."""
    suffix = target.kpi.rsplit("_", 1)[-1]
    q = "Median" if suffix == "median" else tr("ecdf.mean", lang) if suffix == "mean" else suffix
    return tr("ecdf.target_label", lang, q=q)


def target_value(target: Target, lang: Lang) -> str:
    """The target's limit with its unit: "15 Arbeitstage"."""
    unit = "working_days" if target.working_days else "days"
    return f"{compact(target.max, lang)} {unit_name(unit, lang)}"


def _undecided(results: RunResults, service: str, variant: str) -> tuple[int, int]:
    """Window arrivals without a decision: (closed without one, still open at the end)."""
    mask = results.window_arrivals(service, variant) & np.isnan(results.cases["decision"])
    is_open = results.cases["is_open"][mask].astype(bool)
    return int(np.count_nonzero(~is_open)), int(np.count_nonzero(is_open))


@styled
def ecdf_chart(results: RunResults, service: str, lang: Lang = "de") -> Chart:
    """ECDF panels per municipality with the service's target (see module doc)."""
    target = results.targets.get(service)
    in_working_days = target.working_days if target else False
    unit = "working_days" if in_working_days else "days"
    municipalities = list(results.municipalities_of(service))
    n = len(municipalities)
    ncols = 1 if n == 1 else 2 if n <= 4 else 3
    nrows = math.ceil(n / ncols)
    fig, axes = new_figure(
        4.6 * ncols + 0.6, 2.7 * nrows + 1.3, nrows=nrows, ncols=ncols, sharey=True, squeeze=False
    )
    met = {v: 0 for v in results.variants}
    data = {
        (m, v): lead_times(results, service, m, v, in_working_days)
        for m in municipalities
        for v in results.variants
    }
    finite = [d[np.isfinite(d)] for d in data.values() if len(d)]
    high = max((float(np.quantile(d, 0.99)) for d in finite if len(d)), default=1.0)
    if target:
        high = max(high, target.max * 1.3)
    for k, ax in enumerate(axes.flat):
        if k >= n:
            ax.set_visible(False)
            continue
        municipality = municipalities[k]
        notes = []
        for i, variant in enumerate(results.variants):
            style = variant_style(i)
            values = data[(municipality, variant)]
            if not len(values):
                continue
            shares = np.arange(1, len(values) + 1) / len(values)
            ax.step(
                np.concatenate([[0.0], values]),
                np.concatenate([[0.0], shares]),
                where="post",
                color=style.color,
                linestyle=style.linestyle,
                label=variant_label(variant, lang),
            )
            if target:
                within = float(np.mean(values <= target.max))
                notes.append(f"{variant_label(variant, lang, short=True)} {percent(within, lang)}")
                if target_met(results, variant, service, municipality, target):
                    met[variant] += 1
        if target:
            ax.axvline(
                target.max,
                color="black",
                linestyle=(0, (4, 2)),
                linewidth=1.1,
                label=tr(
                    "ecdf.target",
                    lang,
                    label=target_label(target, lang),
                    max=target_value(target, lang),
                ),
            )
            if target.quantile is not None:
                ax.axhline(target.quantile, color="black", linestyle=":", linewidth=0.9)
            ax.text(
                0.98,
                0.04,
                tr("ecdf.within", lang, max=target_value(target, lang)) + "\n" + "\n".join(notes),
                transform=ax.transAxes,
                ha="right",
                va="bottom",
                fontsize=7.5,
                bbox={"facecolor": "white", "edgecolor": "#BBBBBB", "pad": 2.5},
            )
        if not target:  # the title speaks of the p90: mark where 90 % of cases are
            ax.axhline(0.9, color="black", linestyle=":", linewidth=0.9)
        ax.set_title(results.name(municipality), loc="left", fontweight="normal", fontsize=9.5)
        ax.set_xlim(0, high)
        ax.set_ylim(0, 1.02)
        ax.grid(axis="x")
        ax.yaxis.set_major_formatter(tick_formatter(lang, scale=100, suffix=percent_suffix(lang)))
        ax.xaxis.set_major_formatter(tick_formatter(lang))
        if k % ncols == 0:
            ax.set_ylabel(tr("ecdf.axis.y", lang))
        if k >= n - ncols:
            ax.set_xlabel(tr(f"ecdf.axis.{unit}", lang))
    figure_legend(fig, axes.flat)
    label = results.service(service).label
    if target:
        title = tr(
            "ecdf.title",
            lang,
            service=label,
            label=target_label(target, lang),
            max=target_value(target, lang),
            treat_ok=met[results.treatment],
            total=n,
            treat=variant_label(results.treatment, lang, short=True),
            base_ok=met[results.baseline],
            base=variant_label(results.baseline, lang, short=True),
        )
    else:
        title = _quantile_title(results, label, data, unit, lang)
    set_title(fig, title)
    undecided = {v: _undecided(results, service, v) for v in results.variants}

    def counts(which: int) -> str:
        return ", ".join(
            f"{variant_label(v, lang, short=True)} {number(undecided[v][which], lang, 0)}"
            for v in results.variants
        )

    caption = tr("ecdf.caption", lang, n=results.replications, closed=counts(0), open=counts(1))
    if target:
        caption += " " + definition(lang)
    return Chart(f"ecdf_{service}", title, caption, fig)


def _quantile_title(
    results: RunResults,
    label: str,
    data: dict[tuple[str, str], np.ndarray],
    unit: str,
    lang: Lang,
) -> str:
    """Without a target: when 90 % of all cases were decided, per variant."""
    quantiles = {}
    for variant in (results.baseline, results.treatment):
        pooled = [d for (_, v), d in data.items() if v == variant and len(d)]
        values = np.concatenate(pooled) if pooled else np.array([])
        quantiles[variant] = (
            f"{compact(round(float(np.quantile(values, 0.9)), 1), lang)} {unit_name(unit, lang)}"
            if len(values)
            else "–"
        )
    return tr(
        "ecdf.title.quantile",
        lang,
        service=label,
        treat_q=quantiles[results.treatment],
        treat=variant_label(results.treatment, lang, short=True),
        base_q=quantiles[results.baseline],
        base=variant_label(results.baseline, lang, short=True),
    )


def ecdf_charts(results: RunResults, lang: Lang = "de") -> Iterator[Chart]:
    """One ECDF chart per service, one at a time."""
    for service in results.services:
        if results.municipalities_of(service.key):
            yield ecdf_chart(results, service.key, lang)
