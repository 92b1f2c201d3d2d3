"""Each team's year week by week: utilisation and queue length (``pools_weekly.csv``).

Annual means hide seasons: a team at 75 % over the year may run at 100 % for months
while its queue grows. One chart per measure, one panel per organisation unit
(municipalities, then the ZSA), one line per team (role; colour) and variant (line
style), the mean over replications. The title states the week that matters most: the
highest weekly utilisation, the longest weekly queue. Folders written before the weekly
file existed get no such charts.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterator

import numpy as np

from zsa_sim.experiment.formatting import Lang
from zsa_sim.report.charts_backlog import month_ticks
from zsa_sim.report.i18n import number, percent, role_label, tr, variant_label
from zsa_sim.report.loaders import RunResults
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

#: team colours (Okabe-Ito, colour-blind safe), one per role
ROLE_COLORS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000")

#: measure -> how a week's value is made from its rows
MEASURES = ("utilisation", "queue")


def weekly_means(results: RunResults, measure: str) -> dict[tuple[str, str, str], np.ndarray]:
    """(variant, org_unit, role) -> the measure per week, mean over replications."""
    values: dict[tuple[str, str, str], dict[int, dict[int, float]]] = defaultdict(
        lambda: defaultdict(dict)
    )
    for row in results.weekly:
        if measure == "utilisation":
            value = row.busy_hours / row.available_hours if row.available_hours > 0 else math.nan
        else:
            value = row.queue_mean
        values[(row.variant, row.org_unit, row.role)][row.replication][row.week] = value
    out = {}
    for key, by_rep in values.items():
        weeks = 1 + max(w for rep in by_rep.values() for w in rep)
        grid = np.full((len(by_rep), weeks), np.nan)
        for i, rep in enumerate(by_rep.values()):
            for week, value in rep.items():
                grid[i, week] = value
        with np.errstate(invalid="ignore"):
            counts = np.sum(~np.isnan(grid), axis=0)
            sums = np.nansum(grid, axis=0)
            out[key] = np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
    return out


@styled
def weekly_chart(results: RunResults, measure: str, lang: Lang = "de") -> Chart:
    """Small multiples per organisation unit; a line per team and variant."""
    means = weekly_means(results, measure)
    units = [u for u in (*results.municipalities, *results.central_units)
             if any(k[1] == u for k in means)]  # fmt: skip
    n = max(len(units), 1)
    ncols = 1 if n == 1 else 2 if n <= 4 else 3
    nrows = math.ceil(n / ncols)
    fig, axes = new_figure(
        4.6 * ncols + 0.6, 2.5 * nrows + 1.5, nrows=nrows, ncols=ncols, sharex=True, squeeze=False
    )
    days = math.ceil(results.window_end / 1440)
    positions, labels = month_ticks(results.epoch.date(), days, lang)
    peak = (-math.inf, "", "", "")
    # one colour per role across all panels (the ZSA's clerks look like the towns')
    all_roles = sorted({key[2] for key in means})
    for k, ax in enumerate(axes.flat):
        if k >= len(units):
            ax.set_visible(False)
            continue
        unit = units[k]
        roles = sorted({key[2] for key in means if key[1] == unit})
        for role in roles:
            r_index = all_roles.index(role)
            for v_index, variant in enumerate(results.variants):
                series = means.get((variant, unit, role))
                if series is None or not np.any(np.isfinite(series)):
                    continue
                x = np.arange(len(series)) * 7 + 3.5  # the middle of each week
                ax.plot(
                    x,
                    series,
                    color=ROLE_COLORS[r_index % len(ROLE_COLORS)],
                    linestyle=variant_style(v_index).linestyle,
                    linewidth=1.3,
                    label=f"{role_label(role, lang)} – {variant_label(variant, lang, short=True)}",
                )
                top = float(np.nanmax(series))
                if top > peak[0]:
                    peak = (top, unit, role, variant)
        name = tr("central_unit", lang) if unit in results.central_units else results.name(unit)
        ax.set_title(name, loc="left", fontweight="normal", fontsize=9.5)
        ax.set_ylim(bottom=0)
        ax.set_xlim(0, days)
        ax.set_xticks(
            positions[::2] if len(positions) > 8 else positions,
            labels[::2] if len(positions) > 8 else labels,
        )
        scale = 100 if measure == "utilisation" else 1
        suffix = percent_suffix(lang) if measure == "utilisation" else ""
        ax.yaxis.set_major_formatter(tick_formatter(lang, scale=scale, suffix=suffix))
        ax.grid(axis="y")
        if k % ncols == 0:
            ax.set_ylabel(tr(f"weekly.{measure}.axis", lang))
    figure_legend(fig, axes.flat, fontsize=7.5, ncol=len(results.variants))
    value, unit, role, variant = peak
    if math.isfinite(value):
        shown = percent(value, lang) if measure == "utilisation" else number(value, lang, 1)
        where = tr("central_unit", lang) if unit in results.central_units else results.name(unit)
        title = tr(
            f"weekly.{measure}.title",
            lang,
            value=shown,
            team=f"{role_label(role, lang)}, {where}",
            variant=variant_label(variant, lang, short=True),
        )
    else:
        title = tr(f"weekly.{measure}.none", lang)
    set_title(fig, title)
    caption = tr(f"weekly.{measure}.caption", lang, n=results.replications)
    return Chart(f"weekly_{measure}", title, caption, fig)


def weekly_charts(results: RunResults, lang: Lang = "de") -> Iterator[Chart]:
    """Weekly utilisation and queue length, if the folder has the weekly rows."""
    if not results.weekly:
        return
    for measure in MEASURES:
        yield weekly_chart(results, measure, lang)
