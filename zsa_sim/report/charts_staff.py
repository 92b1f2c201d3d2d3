"""Staff: utilisation per team, hours and cost per variant, working time freed in FTE.

All three read the pool KPIs of ``kpis.csv`` / ``kpis_by_replication.csv`` (service
"all", ``municipality`` = org unit, ``pool`` = role). Totals over teams are summed per
replication first and then summarised, so their confidence intervals are those of the
total, not a sum of intervals; the freed working time is a *paired* difference per
replication (both variants saw the same cases).

Working time freed is expressed in full-time equivalents (FTE, German VZÄ) with the
municipality's own net working time per FTE in the window (its available hours over its
FTE, after absences), so "1 FTE" means one person's actual working year, not 39 h x 52.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterator

import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from zsa_sim.experiment.formatting import Lang
from zsa_sim.experiment.kpis import ALL
from zsa_sim.experiment.stats import Estimate, paired_difference, summarise
from zsa_sim.report.i18n import amount, number, percent, role_label, tr, variant_label
from zsa_sim.report.loaders import RunResults
from zsa_sim.report.style import (
    GREY,
    LIGHT_GREY,
    UTILISATION_LIMIT,
    Chart,
    error_extent,
    new_figure,
    percent_suffix,
    set_title,
    styled,
    tick_formatter,
    variant_patches,
    variant_style,
    width_for,
    wrap,
)


def pool_totals(
    results: RunResults, variant: str, kpi: str, org_units: set[str] | tuple[str, ...]
) -> dict[int, float]:
    """Per replication: a pool KPI summed over all teams of the given org units.

    A team without a value (NaN: a team the log names but the scenario does not staff)
    adds nothing, except for the cost of work done: work whose cost rate is unknown
    makes the total unknown (NaN) rather than silently too low.
    """
    units = set(org_units)
    sums: dict[int, list[float]] = defaultdict(list)
    for row in results.kpis_by_replication:
        if (
            row.variant == variant
            and row.kpi == kpi
            and row.service == ALL
            and row.pool
            and row.municipality in units
        ):
            sums[row.replication].append(row.value)
    strict = kpi in ("cost", "capacity_cost")
    out = {}
    for rep, values in sums.items():
        finite = [v for v in values if np.isfinite(v)]
        unknown = strict and len(finite) < len(values)
        out[rep] = float(np.sum(finite)) if finite and not unknown else float("nan")
    return out


def _estimate(by_rep: dict[int, float]) -> Estimate:
    return summarise([by_rep[r] for r in sorted(by_rep)]) if by_rep else summarise([np.nan])


def _paired(a: dict[int, float], b: dict[int, float]) -> Estimate:
    reps = sorted(set(a) & set(b))
    return paired_difference([a[r] for r in reps], [b[r] for r in reps])


# -- utilisation --------------------------------------------------------------------------


@styled
def utilisation_chart(results: RunResults, lang: Lang = "de") -> Chart:
    """Horizontal bars per team (org unit and role), variants side by side, 85 % line."""
    variants = results.variants
    units = list(results.municipalities) + list(results.central_units)
    teams = utilisation_teams(results)
    units = [u for u in units if u in teams]
    slots: list[tuple[str, str | None]] = []  # (org unit, role or None for the heading)
    for unit in units:
        slots.append((unit, None))
        slots += [(unit, role) for role in teams[unit]]
    height = 1.6 + 0.26 * len(slots) * max(1.0, len(variants) / 2)
    fig, ax = new_figure(8.0, height)
    ax.grid(axis="x")
    ax.grid(axis="y", visible=False)
    bar = 0.8 / len(variants)
    estimates = {
        (unit, role, variant): est
        for unit, role in slots
        if role is not None
        for variant in variants
        if (est := results.kpi(variant, ALL, unit, "utilisation", pool=role)) is not None
        and np.isfinite(est.mean)
    }
    tops = [
        max(e.mean, e.ci_high if np.isfinite(e.ci_high) else e.mean) for e in estimates.values()
    ]
    largest = max([1.0, *tops])
    # the values in a column right of every bar and interval, so they never collide
    label_x = largest + 0.02
    y_ticks, y_labels = [], []
    for y, (unit, role) in enumerate(slots):
        if role is None:
            name = tr("central_unit", lang) if unit in results.central_units else results.name(unit)
            ax.text(
                0,
                y,
                name,
                ha="left",
                va="center",
                fontweight="bold",
                fontsize=9,
                transform=ax.get_yaxis_transform(),
            )
            continue
        y_ticks.append(y)
        y_labels.append(wrap(role_label(role, lang), 26))
        for i, variant in enumerate(variants):
            est = estimates.get((unit, role, variant))
            if est is None:
                continue
            style = variant_style(i)
            yy = y - 0.4 + bar * (i + 0.5)
            ax.barh(
                yy,
                est.mean,
                height=bar * 0.9,
                color=style.color,
                hatch=style.hatch,
                edgecolor="black",
                linewidth=0.6,
            )
            if np.isfinite(est.ci_low):
                ax.errorbar(
                    est.mean,
                    yy,
                    xerr=error_extent(est),
                    fmt="none",
                    ecolor="black",
                    elinewidth=0.9,
                    capsize=2,
                )
            ax.text(label_x, yy, percent(est.mean, lang), va="center", ha="left", fontsize=7)
    ax.axvline(UTILISATION_LIMIT, color="black", linestyle=(0, (4, 2)), linewidth=1.2)
    ax.set_yticks(y_ticks, y_labels)
    ax.set_ylim(len(slots) - 0.5, -0.7)
    ax.set_xlim(0, largest + 0.13)
    ax.xaxis.set_major_formatter(tick_formatter(lang, scale=100, suffix=percent_suffix(lang)))
    ax.set_xlabel(tr("util.axis", lang))
    ax.set_title(tr("util.panel", lang), loc="left", fontweight="normal")
    ax.tick_params(axis="y", length=0)
    handles = variant_patches([variant_label(v, lang) for v in variants])
    handles.append(
        Line2D([], [], color="black", linestyle=(0, (4, 2)), label=tr("legend.limit85", lang))
    )
    fig.legend(handles=handles, loc="outside lower center", ncol=len(handles))
    title = _utilisation_title(results, teams, lang)
    set_title(fig, title)
    caption = tr("util.caption", lang, n=results.replications)
    return Chart("utilisation", title, caption, fig)


def utilisation_teams(results: RunResults) -> dict[str, list[str]]:
    """Org unit -> roles that have a utilisation in some variant (a staffed team).

    Rows whose utilisation is NaN everywhere belong to no staffed pool (the log named a
    team the scenario has no staff for) and are left out.
    """
    teams: dict[str, set[str]] = defaultdict(set)
    for row in results.kpis:
        if row.kpi == "utilisation" and row.service == ALL and row.pool and np.isfinite(row.mean):
            teams[row.municipality].add(row.pool)
    return {unit: sorted(roles) for unit, roles in teams.items()}


def _utilisation_title(results: RunResults, teams: dict[str, list[str]], lang: Lang) -> str:
    counts = {}
    for variant in (results.baseline, results.treatment):
        values = [
            est.mean
            for unit, roles in teams.items()
            for role in roles
            if (est := results.kpi(variant, ALL, unit, "utilisation", pool=role)) is not None
            and np.isfinite(est.mean)
        ]
        counts[variant] = (sum(v > UTILISATION_LIMIT for v in values), len(values))
    title = tr(
        "util.title",
        lang,
        base_over=counts[results.baseline][0],
        base_n=counts[results.baseline][1],
        base=variant_label(results.baseline, lang, short=True),
        treat_over=counts[results.treatment][0],
        treat_n=counts[results.treatment][1],
        treat=variant_label(results.treatment, lang, short=True),
    )
    for unit in results.central_units:
        shares = [
            est.mean
            for role in teams.get(unit, [])
            if (est := results.kpi(results.treatment, ALL, unit, "utilisation", pool=role))
            is not None
            and np.isfinite(est.mean)
        ]
        if shares:
            low, high = min(shares), max(shares)
            share = (
                percent(low, lang)
                if round(low, 2) == round(high, 2)
                else f"{percent(low, lang)}–{percent(high, lang)}"
            )
            title += tr("util.title.central", lang, unit=unit, share=share)
    return title


# -- staff hours and cost -----------------------------------------------------------------


@styled
def staff_cost_chart(results: RunResults, lang: Lang = "de") -> Chart:
    """Stacked bars per variant: paid staff cost (capacity) and hours worked of it.

    One cost figure: the right panel and the title's cost are the *paid capacity*
    (available hours × cost rate, busy or not), which is what the budget pays. The
    left panel shows the hours worked against the hours paid (diamond), i.e. the
    utilisation; worked time is never turned into a second cost figure.
    """
    variants = results.variants
    municipal = set(results.municipalities)
    central = set(results.central_units)
    fig, axes = new_figure(width_for(len(variants) * 2, 1.1, 2.4), 4.6, ncols=2)
    for ax, kpi, axis_key, panel_key in (
        (axes[0], "staff_hours", "staff.hours.axis", "staff.hours.panel"),
        (axes[1], "capacity_cost", "staff.cost.axis", "staff.cost.panel"),
    ):
        for i, variant in enumerate(variants):
            style = variant_style(i)
            parts = [
                (_estimate(pool_totals(results, variant, kpi, municipal)), 1.0),
                (_estimate(pool_totals(results, variant, kpi, central)), 0.45),
            ]
            bottom = 0.0
            for (est, alpha), part in zip(parts, ("municipalities", "central"), strict=True):
                value = est.mean if np.isfinite(est.mean) else 0.0
                if value <= 0:
                    continue
                ax.bar(
                    i,
                    value,
                    bottom=bottom,
                    width=0.6,
                    color=style.color,
                    alpha=alpha,
                    hatch=style.hatch if part == "municipalities" else "xx",
                    edgecolor="black",
                    linewidth=0.7,
                )
                ax.text(
                    i,
                    bottom + value / 2,
                    tr(f"staff.part.{part}", lang),
                    ha="center",
                    va="center",
                    fontsize=7.5,
                    bbox={"facecolor": "white", "edgecolor": "none", "pad": 1.0, "alpha": 0.85},
                )
                bottom += value
            total = _estimate(pool_totals(results, variant, kpi, municipal | central))
            if np.isfinite(total.mean):
                ax.errorbar(
                    i,
                    total.mean,
                    yerr=error_extent(total),
                    fmt="none",
                    ecolor="black",
                    elinewidth=1.2,
                    capsize=4,
                )
                ax.annotate(
                    amount(total.mean, "EUR" if kpi == "capacity_cost" else "hours", lang),
                    (i, total.ci_high if np.isfinite(total.ci_high) else total.mean),
                    xytext=(0, 4),
                    textcoords="offset points",
                    ha="center",
                    va="bottom",
                    fontsize=7.5,
                )
            else:
                # part of the total is unknown (no cost rate): say so, do not hide it
                ax.annotate(
                    wrap(tr("staff.change.unknown", lang), 18),
                    (i, bottom),
                    xytext=(0, 4),
                    textcoords="offset points",
                    ha="center",
                    va="bottom",
                    fontsize=7.5,
                )
            if kpi == "staff_hours":  # the hours paid for, to read the utilisation
                capacity = _estimate(
                    pool_totals(results, variant, "available_hours", municipal | central)
                )
                if np.isfinite(capacity.mean):
                    ax.plot(
                        i + 0.38,
                        capacity.mean,
                        marker="D",
                        color="black",
                        markerfacecolor="white",
                        markersize=6,
                        linestyle="none",
                    )
        ax.set_xticks(range(len(variants)), [wrap(variant_label(v, lang), 14) for v in variants])
        ax.set_xlim(-0.6, len(variants) - 0.2)
        ax.set_ylim(bottom=0, top=ax.get_ylim()[1] * 1.12)
        ax.yaxis.set_major_formatter(tick_formatter(lang))
        ax.set_ylabel(tr(axis_key, lang))
        ax.set_title(tr(panel_key, lang), loc="left", fontweight="normal")
    handles: list[Artist] = [
        Patch(
            facecolor="white", edgecolor="black", hatch="xx", label=tr("staff.part.central", lang)
        ),
        Line2D(
            [],
            [],
            color="black",
            marker="|",
            linestyle="none",
            markersize=10,
            label=tr("staff.total_ci", lang),
        ),
        Line2D(
            [],
            [],
            marker="D",
            color="black",
            markerfacecolor="white",
            linestyle="none",
            label=tr("staff.capacity", lang),
        ),
    ]
    fig.legend(handles=handles, loc="outside lower center", ncol=2)
    title = _staff_title(results, lang)
    set_title(fig, title)
    caption = tr("staff.caption", lang, n=results.replications)
    return Chart("staff_cost", title, caption, fig)


def _change(est: Estimate, base: float, unit: str, lang: Lang) -> str:
    if not np.isfinite(est.mean):
        return tr("staff.change.unknown", lang)
    if not est.excludes_zero():
        return tr("staff.change.none", lang)
    size = amount(abs(est.mean), unit, lang, difference=True)
    if base > 0:
        size += f" ({percent(abs(est.mean) / base, lang)})"
    return tr("staff.change.down" if est.mean < 0 else "staff.change.up", lang, size=size)


def _staff_title(results: RunResults, lang: Lang) -> str:
    units = set(results.municipalities) | set(results.central_units)
    diffs, bases = {}, {}
    for kpi in ("staff_hours", "capacity_cost"):
        treated = pool_totals(results, results.treatment, kpi, units)
        base = pool_totals(results, results.baseline, kpi, units)
        # a replication whose total is unknown (no cost rate) leaves the change unknown
        unknown = any(math.isnan(v) for v in (*treated.values(), *base.values()))
        diffs[kpi] = summarise([math.nan]) if unknown else _paired(treated, base)
        bases[kpi] = _estimate(base).mean
    return tr(
        "staff.title",
        lang,
        variant=variant_label(results.treatment, lang),
        hours=_change(diffs["staff_hours"], bases["staff_hours"], "hours", lang),
        cost=_change(diffs["capacity_cost"], bases["capacity_cost"], "EUR", lang),
        base_util=_utilisation(results, results.baseline, units, lang),
        treat_util=_utilisation(results, results.treatment, units, lang),
    )


def _utilisation(results: RunResults, variant: str, units: set[str], lang: Lang) -> str:
    """Hours worked over hours paid, all teams together, as a percentage."""
    worked = _estimate(pool_totals(results, variant, "staff_hours", units)).mean
    paid = _estimate(pool_totals(results, variant, "available_hours", units)).mean
    return percent(worked / paid, lang) if paid > 0 and np.isfinite(worked) else "–"


# -- working time freed -------------------------------------------------------------------


def hours_per_fte(results: RunResults, variant: str, org_unit: str) -> float:
    """Net working hours per FTE of an org unit in the window (available hours / FTE)."""
    fte = sum(p.fte for p in results.pools if p.variant == variant and p.org_unit == org_unit)
    available = _estimate(pool_totals(results, variant, "available_hours", {org_unit})).mean
    if fte > 0 and np.isfinite(available) and available > 0:
        return float(available / fte)
    # No pool table: a nominal year of the window at 39 hours a week.
    return 39.0 * (results.window_end - results.window_start) / (7 * 1440)


def freed_fte(results: RunResults, municipality: str, treatment: str | None = None) -> Estimate:
    """FTE freed in a municipality: its staff hours baseline minus treatment, paired."""
    treatment = treatment or results.treatment
    base = pool_totals(results, results.baseline, "staff_hours", {municipality})
    treated = pool_totals(results, treatment, "staff_hours", {municipality})
    diff = _paired(base, treated)
    scale = hours_per_fte(results, results.baseline, municipality)
    return Estimate(
        diff.mean / scale, diff.ci_low / scale, diff.ci_high / scale, diff.n, diff.sd / scale
    )


def needed_fte(results: RunResults, org_unit: str, treatment: str | None = None) -> Estimate:
    """FTE of working time a central unit spends in the treatment variant."""
    treatment = treatment or results.treatment
    est = _estimate(pool_totals(results, treatment, "staff_hours", {org_unit}))
    scale = hours_per_fte(results, treatment, org_unit)
    return Estimate(
        est.mean / scale, est.ci_low / scale, est.ci_high / scale, est.n, est.sd / scale
    )


@styled
def hours_freed_chart(results: RunResults, lang: Lang = "de") -> Chart:
    """Bars per municipality: FTE freed by the treatment; the central unit's FTE beside."""
    treatment = results.treatment
    municipalities = list(results.municipalities)
    central = [
        u for u in results.central_units if pool_totals(results, treatment, "staff_hours", {u})
    ]
    labels = [results.name(m) for m in municipalities]
    labels += [tr("freed.needed", lang, unit=results.name(u)) for u in central]
    fig, ax = new_figure(width_for(len(labels)), 4.6)
    t_style = variant_style(results.variants.index(treatment))
    freed_total = 0.0
    for i, municipality in enumerate(municipalities):
        est = freed_fte(results, municipality)
        if not np.isfinite(est.mean):
            continue
        freed_total += est.mean
        ax.bar(i, est.mean, width=0.6, color=t_style.color, edgecolor="black", linewidth=0.7)
        ax.errorbar(i, est.mean, yerr=error_extent(est), fmt="none", ecolor="black", capsize=4)
        _bar_label(ax, i, est, lang)
    needed_total = 0.0
    for j, unit in enumerate(central):
        i = len(municipalities) + j
        est = needed_fte(results, unit)
        needed_total += est.mean
        ax.bar(
            i, est.mean, width=0.6, color=LIGHT_GREY, hatch="xx", edgecolor="black", linewidth=0.7
        )
        ax.errorbar(i, est.mean, yerr=error_extent(est), fmt="none", ecolor="black", capsize=4)
        _bar_label(ax, i, est, lang)
    if central:
        ax.axvline(len(municipalities) - 0.5, color=GREY, linewidth=0.8)
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_xticks(range(len(labels)), [wrap(label) for label in labels])
    ax.set_xlim(-0.6, len(labels) - 0.4)
    low, high = ax.get_ylim()
    ax.set_ylim(min(low, 0) * 1.15, high * 1.15)
    ax.yaxis.set_major_formatter(tick_formatter(lang))
    ax.set_ylabel(tr("freed.axis", lang))
    ax.set_title(tr("freed.panel", lang), loc="left", fontweight="normal")
    handles: list[Artist] = [
        Patch(facecolor=t_style.color, edgecolor="black", label=tr("freed.legend.freed", lang))
    ]
    if central:
        handles.append(
            Patch(
                facecolor=LIGHT_GREY,
                hatch="xx",
                edgecolor="black",
                label=tr("freed.legend.needed", lang),
            )
        )
    fig.legend(handles=handles, loc="outside lower center", ncol=2)
    variant = variant_label(treatment, lang)
    if central:
        title = tr(
            "freed.title",
            lang,
            variant=variant,
            # one precision for both numbers, so they compare at a glance
            freed=_fte(freed_total, lang, max(abs(freed_total), abs(needed_total))),
            needed=_fte(needed_total, lang, max(abs(freed_total), abs(needed_total))),
        )
    else:
        title = tr("freed.title.no_central", lang, variant=variant, freed=_fte(freed_total, lang))
    set_title(fig, title)
    per_fte = [hours_per_fte(results, results.baseline, m) for m in municipalities]
    low_h, high_h = min(per_fte), max(per_fte)
    hours = (
        number(low_h, lang, 0)
        if round(low_h) == round(high_h)
        else f"{number(low_h, lang, 0)}–{number(high_h, lang, 0)}"
    )
    caption = tr("freed.caption", lang, hours=hours, n=results.replications)
    return Chart("hours_freed", title, caption, fig)


def _fte(value: float, lang: Lang, scale: float | None = None) -> str:
    """FTE with two decimals below 10 (0,45 VZÄ is a quarter day a week more than 0,4).

    ``scale`` picks the precision by another magnitude, for numbers shown side by side.
    """
    magnitude = abs(value) if scale is None else scale
    return number(value, lang, 2 if magnitude < 10 else 1)


def _bar_label(ax: Axes, x: float, est: Estimate, lang: Lang) -> None:
    top = est.ci_high if np.isfinite(est.ci_high) else est.mean
    bottom = est.ci_low if np.isfinite(est.ci_low) else est.mean
    text = f"{_fte(est.mean, lang)} {tr('fte', lang)}"
    if est.mean >= 0:
        ax.annotate(
            text,
            (x, top),
            xytext=(0, 3),
            textcoords="offset points",
            ha="center",
            va="bottom",
            fontsize=8,
        )
    else:
        ax.annotate(
            text,
            (x, bottom),
            xytext=(0, -3),
            textcoords="offset points",
            ha="center",
            va="top",
            fontsize=8,
        )


def staff_charts(results: RunResults, lang: Lang = "de") -> Iterator[Chart]:
    """Utilisation, hours and cost, and working time freed, one at a time."""
    yield utilisation_chart(results, lang)
    yield staff_cost_chart(results, lang)
    if results.treatments:
        yield hours_freed_chart(results, lang)
