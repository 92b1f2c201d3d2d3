"""Waiting time and lead time per municipality, the variants side by side.

One chart per service and time: for every municipality a box per variant shows how the
cases' times are spread (all cases of all replications that arrived in the evaluation
window), and a marker with an error bar shows the mean and its 95 % confidence interval
over replications (from ``kpis.csv``, the number the verdicts speak of). Boxes say how
long individual applicants wait; the interval says how sure the run is about the mean.

Waiting time is from the application to the first processing step by staff, lead time
to the decision (Bescheid), both in calendar days, as in the KPIs.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from matplotlib.lines import Line2D

from zsa_sim.engine.calendar import MINUTES_PER_DAY
from zsa_sim.experiment.formatting import Lang
from zsa_sim.report.findings import comparison_finding
from zsa_sim.report.i18n import number, tr, variant_label
from zsa_sim.report.loaders import RunResults
from zsa_sim.report.style import (
    GREY,
    Chart,
    error_extent,
    new_figure,
    set_title,
    styled,
    tick_formatter,
    variant_patches,
    variant_style,
    width_for,
    wrap,
)

#: The colour of the mean's confidence interval: not black, so it never reads as a whisker.
CI_COLOR = "#B2182B"

#: KPI stems drawn, with the case columns they are measured from.
TIMES: dict[str, str] = {"waiting_time": "first_start", "lead_time": "decision"}


def case_times(
    results: RunResults, service: str, municipality: str, variant: str, stem: str
) -> np.ndarray:
    """Days from arrival to first start (waiting) or decision (lead) of window arrivals.

    Cases that have not reached that point are left out (they are counted separately).
    """
    c = results.cases
    mask = results.window_arrivals(service, variant, municipality)
    days = (c[TIMES[stem]][mask] - c["arrival"][mask]) / MINUTES_PER_DAY
    return days[~np.isnan(days)]


def _censored(results: RunResults, service: str, variant: str, stem: str) -> int:
    mask = results.window_arrivals(service, variant)
    return int(np.count_nonzero(np.isnan(results.cases[TIMES[stem]][mask])))


@styled
def time_chart(results: RunResults, service: str, stem: str, lang: Lang = "de") -> Chart:
    """Box per municipality and variant, mean with its interval marked (see module doc)."""
    municipalities = results.municipalities_of(service)
    variants = results.variants
    label = results.service(service).label
    fig, ax = new_figure(width_for(len(municipalities)), 4.8)
    slot = 0.8 / len(variants)
    for v_index, variant in enumerate(variants):
        style = variant_style(v_index)
        offset = (v_index - (len(variants) - 1) / 2) * slot
        for m_index, municipality in enumerate(municipalities):
            x = m_index + offset
            days = case_times(results, service, municipality, variant, stem)
            if len(days) == 0:
                ax.text(
                    x,
                    0,
                    tr("no_data", lang),
                    rotation=90,
                    ha="center",
                    va="bottom",
                    fontsize=7,
                    color=GREY,
                )
                continue
            parts = ax.boxplot(
                [days],
                positions=[x],
                widths=slot * 0.8,
                whis=(5, 95),
                showfliers=False,
                patch_artist=True,
                manage_ticks=False,
                medianprops={"color": "black", "linewidth": 1.6},
                whiskerprops={"color": "black", "linewidth": 0.9},
                capprops={"color": "black", "linewidth": 0.9},
                boxprops={"edgecolor": "black", "linewidth": 0.9},
            )
            for box in parts["boxes"]:
                box.set_facecolor(style.color)
                box.set_hatch(style.hatch)
            mean = results.kpi(variant, service, municipality, f"{stem}_mean")
            if mean is not None and np.isfinite(mean.mean):
                # beside the whisker line (not on it), thick, coloured and without caps,
                # so the interval of the mean cannot be mistaken for the 5-95 % whiskers
                ax.errorbar(
                    [x + slot * 0.22],
                    [mean.mean],
                    yerr=error_extent(mean),
                    fmt=style.marker,
                    markersize=6,
                    markerfacecolor="white",
                    markeredgecolor=CI_COLOR,
                    ecolor=CI_COLOR,
                    elinewidth=2.6,
                    capsize=0,
                    zorder=5,
                )
    ax.set_xticks(range(len(municipalities)), [wrap(results.name(m)) for m in municipalities])
    ax.set_xlim(-0.6, len(municipalities) - 0.4)
    ax.set_ylim(bottom=0)
    ax.yaxis.set_major_formatter(tick_formatter(lang))
    ax.set_ylabel(tr(f"times.{stem}.axis", lang))
    ax.set_title(tr(f"times.{stem}.panel", lang, service=label), loc="left", fontweight="normal")
    handles = variant_patches([variant_label(v, lang) for v in variants])
    for v_index, variant in enumerate(variants):  # every variant's own marker
        handles.append(
            Line2D(
                [],
                [],
                marker=variant_style(v_index).marker,
                color=CI_COLOR,
                markerfacecolor="white",
                linewidth=2.6,
                label=f"{tr('legend.mean_ci', lang)} ({variant_label(variant, lang, short=True)})",
            )
        )
    fig.legend(handles=handles, loc="outside lower center", ncol=len(variants))
    title = comparison_finding(
        f"{stem}_p90", results.comparisons(f"{stem}_p90", service), lang, results.name
    )
    set_title(fig, title)
    counts = {v: number(_censored(results, service, v, stem), lang, 0) for v in variants}
    censored = ", ".join(f"{variant_label(v, lang, short=True)} {n}" for v, n in counts.items())
    caption = tr(
        "times.caption",
        lang,
        n=results.replications,
        what=tr(f"times.what.{stem}", lang),
        open=censored,
    )
    return Chart(f"{stem}_{service}", title, caption, fig)


def time_charts(results: RunResults, lang: Lang = "de") -> Iterator[Chart]:
    """Waiting and lead time charts for every service, one at a time."""
    for service in results.services:
        if not results.municipalities_of(service.key):
            continue
        for stem in TIMES:
            yield time_chart(results, service.key, stem, lang)
