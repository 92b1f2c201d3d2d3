"""Open cases over the simulated year, per municipality, the variants side by side.

A queue that is too small for its work does not show in an average waiting time until
late; it shows as a backlog that keeps rising. For every municipality this chart draws
the number of cases that have arrived and are not yet finished at the end of each day
(all services), as the mean over replications with a band for the 95 % confidence
interval of that mean, from ``cases.csv`` (``arrival`` and ``end``; a case without an
end is open until the run stops); for reference scenarios the observed figures of the
scenario's ``observed.open_cases`` as black diamonds. The warm-up is shaded: it is
simulated so the year does not start from an empty office, but it is not part of the
KPIs.
"""

from __future__ import annotations

import math
from datetime import date, timedelta

import numpy as np

from zsa_sim.engine.calendar import MINUTES_PER_DAY
from zsa_sim.experiment.formatting import Lang
from zsa_sim.experiment.stats import t_interval
from zsa_sim.report.i18n import MONTHS, number, tr, variant_label
from zsa_sim.report.loaders import RunResults
from zsa_sim.report.style import (
    LIGHT_GREY,
    Chart,
    figure_legend,
    new_figure,
    set_title,
    styled,
    tick_formatter,
    variant_style,
)


def open_cases(results: RunResults, municipality: str, variant: str) -> np.ndarray:
    """Open cases at the end of each day: one row per replication, one column per day."""
    c = results.cases
    days = math.ceil(results.window_end / MINUTES_PER_DAY)
    ends_of_days = (np.arange(days) + 1) * MINUTES_PER_DAY
    mask = (c["municipality"] == municipality) & (c["variant"] == variant)
    replications = sorted(set(c["replication"][mask].tolist()))
    out = np.zeros((len(replications), days))
    for row, replication in enumerate(replications):
        rep = mask & (c["replication"] == replication)
        arrivals = np.sort(c["arrival"][rep])
        ends = np.sort(c["end"][rep][~np.isnan(c["end"][rep])])
        arrived = np.searchsorted(arrivals, ends_of_days, side="right")
        finished = np.searchsorted(ends, ends_of_days, side="right")
        out[row] = arrived - finished
    return out


def observed_open_cases(results: RunResults, municipality: str) -> list[tuple[int, int]]:
    """Observed open cases of a municipality (scenario key ``observed.open_cases``) as
    (day on the chart's axis: the end of that day, value), in date order."""
    parameters = (results.summary.get("scenario") or {}).get("parameters") or {}
    days = ((parameters.get("observed") or {}).get("open_cases") or {}).get(municipality) or {}
    epoch = results.epoch.date()
    return sorted(
        ((date.fromisoformat(day) - epoch).days + 1, int(value)) for day, value in days.items()
    )


def month_ticks(epoch: date, days: int, lang: Lang) -> tuple[list[int], list[str]]:
    """Positions (days since the epoch) and labels of the first day of every month."""
    positions: list[int] = []
    labels: list[str] = []
    first = date(epoch.year, epoch.month, 1)
    if first < epoch:
        first = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    day = first
    while (day - epoch).days <= days:
        positions.append((day - epoch).days)
        label = MONTHS[lang][day.month - 1]
        labels.append(f"{label}\n{day.year}" if day.month == 1 or not labels else label)
        day = (day + timedelta(days=32)).replace(day=1)
    return positions, labels


#: days of the moving average: a week evens out weekends and single busy days
SMOOTHING_DAYS = 7


def smooth(curves: np.ndarray, days: int = SMOOTHING_DAYS) -> np.ndarray:
    """Moving average over ``days`` along the last axis (shorter at the start)."""
    if days <= 1 or curves.shape[-1] == 0:
        return curves
    cumulative = np.cumsum(curves, axis=-1)
    out = cumulative.copy()
    out[..., days:] = cumulative[..., days:] - cumulative[..., :-days]
    counts = np.minimum(np.arange(curves.shape[-1]) + 1, days)
    return out / counts


@styled
def backlog_chart(results: RunResults, lang: Lang = "de") -> Chart:
    """Small multiples: one panel per municipality, a line and band per variant."""
    municipalities = list(results.municipalities)
    n = len(municipalities)
    ncols = 1 if n == 1 else 2 if n <= 4 else 3
    nrows = math.ceil(n / ncols)
    fig, axes = new_figure(
        4.6 * ncols + 0.6, 2.5 * nrows + 1.3, nrows=nrows, ncols=ncols, sharex=True, squeeze=False
    )
    days = math.ceil(results.window_end / MINUTES_PER_DAY)
    x = np.arange(days) + 1
    warmup = results.window_start / MINUTES_PER_DAY
    ends: dict[tuple[str, str], float] = {}
    starts: dict[tuple[str, str], float] = {}
    positions, labels = month_ticks(results.epoch.date(), days, lang)
    for k, ax in enumerate(axes.flat):
        if k >= n:
            ax.set_visible(False)
            continue
        municipality = municipalities[k]
        if warmup > 0:
            ax.axvspan(
                0,
                warmup,
                color=LIGHT_GREY,
                alpha=0.6,
                linewidth=0,
                label=tr("backlog.warmup", lang),
            )
        for i, variant in enumerate(results.variants):
            style = variant_style(i)
            curves = open_cases(results, municipality, variant)
            if not len(curves):
                continue
            mean, low, high, _, _ = t_interval(smooth(curves), axis=0)
            ax.fill_between(x, np.maximum(low, 0), high, color=style.color, alpha=0.22, linewidth=0)
            ax.plot(
                x,
                mean,
                color=style.color,
                linestyle=style.linestyle,
                label=variant_label(variant, lang),
            )
            ends[(municipality, variant)] = float(mean[-1])
            starts[(municipality, variant)] = float(mean[min(int(warmup), days - 1)])
        seen = observed_open_cases(results, municipality)
        if seen:
            ax.plot(
                [day for day, _ in seen],
                [value for _, value in seen],
                linestyle="none",
                marker="D",
                markersize=5,
                color="black",
                label=tr("backlog.observed", lang),
            )
        ax.set_title(results.name(municipality), loc="left", fontweight="normal", fontsize=9.5)
        ax.set_ylim(bottom=0)
        ax.set_xlim(0, days)
        ax.yaxis.set_major_formatter(tick_formatter(lang))
        ax.set_xticks(
            positions[::2] if len(positions) > 8 else positions,
            labels[::2] if len(positions) > 8 else labels,
        )
        if k % ncols == 0:
            ax.set_ylabel(tr("backlog.axis", lang))
    figure_legend(fig, axes.flat)
    title = _backlog_title(results, municipalities, starts, ends, lang)
    set_title(fig, title)
    caption = tr("backlog.caption", lang, n=results.replications)
    return Chart("backlog", title, caption, fig)


def _backlog_title(
    results: RunResults,
    municipalities: list[str],
    starts: dict[tuple[str, str], float],
    ends: dict[tuple[str, str], float],
    lang: Lang,
) -> str:
    base, treat = results.baseline, results.treatment
    candidates = [m for m in municipalities if (m, base) in ends and (m, treat) in ends]
    if not candidates:
        return tr("backlog.axis", lang)
    top = max(candidates, key=lambda m: abs(ends[(m, base)] - ends[(m, treat)]))
    values = {
        "municipality": results.name(top),
        "base": variant_label(base, lang, short=True),
        "treat": variant_label(treat, lang, short=True),
        "base_end": number(ends[(top, base)], lang, 0),
        "treat_end": number(ends[(top, treat)], lang, 0),
    }
    if base == treat:  # a scenario with one variant (e.g. a reference scenario)
        return tr("backlog.end_one", lang, **values)
    start = starts[(top, base)]
    if ends[(top, base)] > 1.5 * start + 5 and ends[(top, treat)] < ends[(top, base)]:
        values["base"] = variant_label(base, lang)
        return tr("backlog.grows", lang, **values)
    return tr("backlog.end", lang, **values)


def backlog_charts(results: RunResults, lang: Lang = "de") -> list[Chart]:
    """The backlog chart (a list, like the other chart modules' generators)."""
    return [backlog_chart(results, lang)]
