"""Sweep charts: a KPI against the swept parameter, and a heat map over two parameters.

Drawn with the report's conventions (:mod:`zsa_sim.report.style`: Agg backend,
Okabe-Ito colours plus markers and line styles so lines stay apart in greyscale and for
colour-blind readers, ``cividis`` for the heat map, German number formats by default).

- **Line chart** per KPI, variant and service (case KPIs) or per KPI and variant (pool
  KPIs such as utilisation): the first swept key on the x axis, the mean over
  replications as a line with its 95% confidence interval as a band. With one swept key,
  one line per municipality (or pool); with two, one panel per municipality (or pool)
  and one line per value of the second key. The target, if given, is a dashed line.
- **Heat map** (two swept keys) per KPI, variant and service: each cell is the mean of
  the *worst* municipality (the one a service level is decided by); with a target,
  cells where some municipality's one-sided 95% bound misses it are hatched. For pool
  KPIs, one heat map per central-unit pool.

Variants that the sweep cannot change (simulated once, see
:mod:`zsa_sim.planning.sweep`) get no charts: their lines would be flat.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import numpy as np
from matplotlib.patches import Rectangle
from scipy import stats

from zsa_sim.experiment.comparison import KpiSummary
from zsa_sim.experiment.formatting import UNIT_DIGITS, Lang, format_number, unit_name
from zsa_sim.experiment.kpis import ALL, KPI_INFO
from zsa_sim.planning.sweep import SweepResult
from zsa_sim.planning.targets import POOL_KPIS, Target
from zsa_sim.planning.texts import text
from zsa_sim.report.i18n import role_label, variant_label
from zsa_sim.report.style import (
    OKABE_ITO,
    SEQUENTIAL_CMAP,
    Chart,
    new_figure,
    set_title,
    styled,
    text_color_on,
    tick_formatter,
    width_for,
    wrap,
)

#: Line colours in an order that keeps neighbours apart (yellow last: faint on white).
_ORDER = ("blue", "orange", "bluish_green", "vermillion", "reddish_purple", "sky_blue", "black")
COLOURS = (*(OKABE_ITO[c] for c in _ORDER), OKABE_ITO["yellow"])
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
LINESTYLES = ("-", "--", "-.", ":")
#: At most this many lines per panel; with more pools, those that vary most are drawn.
MAX_SERIES = 8

_Index = dict[tuple[int, str, str, str, str, str], KpiSummary]


def key_label(key: str, lang: Lang = "de") -> str:
    """An axis label for a swept key: "ZSA-Personal (VZÄ)", "Volumenfaktor wohngeld"."""
    parts = key.split(".")
    de = lang == "de"
    if key == "zsa.staff" or key.endswith(".zsa.staff"):
        return "ZSA-Personal (VZÄ)" if de else "ZSA staff (FTE)"
    if len(parts) >= 3 and parts[-2] == "staff" and "zsa" in parts:
        return f"ZSA-Team {parts[-1]} (VZÄ)" if de else f"ZSA team {parts[-1]} (FTE)"
    if len(parts) == 3 and parts[0] == "services" and parts[2] == "volume":
        return f"Volumenfaktor {parts[1]}" if de else f"volume factor {parts[1]}"
    if len(parts) == 4 and parts[0] == "municipalities" and parts[2] == "staff":
        return f"{parts[1]}: {parts[3]} (VZÄ)" if de else f"{parts[1]}: {parts[3]} (FTE)"
    return key


def _kpi_name(kpi: str, lang: Lang) -> str:
    info = KPI_INFO[kpi]
    return info.label_de if lang == "de" else info.label_en


def _kpi_label(kpi: str, lang: Lang) -> str:
    return f"{_kpi_name(kpi, lang)} ({unit_name(KPI_INFO[kpi].unit, lang)})"


def _scale(kpi: str) -> float:
    return 100.0 if KPI_INFO[kpi].unit == "share" else 1.0


def _index(result: SweepResult) -> _Index:
    out: _Index = {}
    for row in result.rows:
        s = row.summary
        out[(row.point, row.variant, s.service, s.municipality, s.pool, s.kpi)] = s
    return out


def _series(
    result: SweepResult, variant: str, kpi: str, service: str | None, lang: Lang = "de"
) -> list[tuple]:
    """(label, service, municipality, pool) of the lines: municipalities or pools.

    Labels are names, never ids: "Sachbearbeitung, Halle (Saale)", not "Halle/clerk".
    """
    seen: dict[tuple[str, str, str], None] = {}
    for row in result.rows:
        s = row.summary
        if row.variant != variant or s.kpi != kpi:
            continue
        if kpi in POOL_KPIS:
            if s.service == ALL and s.pool:
                seen[(s.service, s.municipality, s.pool)] = None
        elif s.service == service and s.municipality != ALL and not s.pool:
            seen[(s.service, s.municipality, s.pool)] = None
    names = {m: _unit_name(result, m) for m in result.scenario.municipalities}
    out = []
    for svc, municipality, pool in seen:
        place = names.get(municipality, municipality)
        label = f"{role_label(pool, lang)}, {place}" if pool else place
        out.append((label, svc, municipality, pool))
    return out


def _values(
    index: _Index, points: list[int], variant: str, key: tuple[str, str, str], kpi: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rows = [index.get((p, variant, *key, kpi)) for p in points]
    mean = np.array([r.mean if r else math.nan for r in rows])
    low = np.array([r.ci_low if r else math.nan for r in rows])
    high = np.array([r.ci_high if r else math.nan for r in rows])
    return mean, low, high


def _point_grid(result: SweepResult) -> list[list[int]]:
    """Point indices as [second-key value][first-key value] (one row for one key)."""
    first = len(result.varies[0].values)
    second = len(result.varies[1].values) if len(result.varies) > 1 else 1
    return [[i * second + j for i in range(first)] for j in range(second)]


def _style(i: int) -> dict[str, Any]:
    return {
        "color": COLOURS[i % len(COLOURS)],
        "marker": MARKERS[i % len(MARKERS)],
        "linestyle": LINESTYLES[i % len(LINESTYLES)],
    }


def _target_for(result: SweepResult, kpi: str) -> Target | None:
    target = result.target
    return target if target is not None and target.kpi == kpi else None


@styled
def line_chart(
    result: SweepResult, kpi: str, variant: str, service: str | None, lang: Lang = "de"
) -> Chart | None:
    """KPI against the first swept key with 95% bands (see the module docstring)."""
    index = _index(result)
    series = _series(result, variant, kpi, service, lang)
    if not series:
        return None
    grid = _point_grid(result)
    x = np.array(result.varies[0].values)
    scale = _scale(kpi)
    if len(series) > MAX_SERIES:  # keep the lines that change most over the grid

        def spread(item: tuple) -> float:
            mean = _values(index, [p for row in grid for p in row], variant, item[1:], kpi)[0]
            return float(np.nanmax(mean) - np.nanmin(mean)) if np.isfinite(mean).any() else 0.0

        series = sorted(series, key=spread, reverse=True)[:MAX_SERIES]
    two = len(result.varies) > 1
    panels = series if two else [None]
    cols = min(len(panels), 3)
    rows = math.ceil(len(panels) / cols)
    fig, axes = new_figure(
        width_for(cols, 2.6, 1.2), 2.9 * rows + 1.2, nrows=rows, ncols=cols, squeeze=False,
        sharex=True, sharey=True,
    )  # fmt: skip
    target = _target_for(result, kpi)
    second = key_label(result.varies[1].key, lang) if two else ""
    lines_of = (
        [(f"{second} = {format_number(v, lang, _digits(v))}", j)
         for j, v in enumerate(result.varies[1].values)]
        if two else None
    )  # fmt: skip
    for n, panel in enumerate(panels):
        ax = axes[n // cols][n % cols]
        curves = (
            [(label, grid[j], panel[1:]) for label, j in lines_of]
            if two and lines_of is not None and panel is not None
            else [(s[0], grid[0], s[1:]) for s in series]
        )
        for i, (label, points, key) in enumerate(curves):
            mean, low, high = (a * scale for a in _values(index, points, variant, key, kpi))
            style = _style(i)
            # every KPI is a time, count, share or amount: never below zero, however
            # wide the interval (a band reaching -2.3 days misleads, issue 16)
            low = np.maximum(low, 0.0)
            ax.fill_between(x, low, high, color=style["color"], alpha=0.18, linewidth=0)
            ax.plot(x, mean, label=wrap(label, 28), markersize=4, **style)
        if target is not None:
            ax.axhline(target.value * scale, color="black", linestyle=(0, (4, 3)), linewidth=1.1)
        if panel is not None:
            ax.set_title(panel[0], fontsize=9)
        ax.xaxis.set_major_formatter(tick_formatter(lang))
        ax.yaxis.set_major_formatter(tick_formatter(lang))
        if n + cols >= len(panels):  # nothing drawn below: label the x axis here
            ax.set_xlabel(key_label(result.varies[0].key, lang))
            ax.xaxis.set_tick_params(labelbottom=True)
        if n % cols == 0:
            ax.set_ylabel(_kpi_label(kpi, lang))
    for n in range(len(panels), rows * cols):
        axes[n // cols][n % cols].set_visible(False)
    handles, labels = axes[0][0].get_legend_handles_labels()
    if target is not None:
        from matplotlib.lines import Line2D

        handles.append(Line2D([], [], color="black", linestyle=(0, (4, 3))))
        labels.append(f"{text('sweep.target', lang)}: {target.describe(lang)}")
    fig.legend(handles, labels, loc="outside lower center", ncols=min(3, len(labels)))
    title = text(
        "sweep.line_title", lang, kpi=_kpi_name(kpi, lang),
        service=_service_name(result, service) if service else text("sweep.pools", lang),
        variant=variant_label(variant, lang),
    )  # fmt: skip
    set_title(fig, title)
    name = _name("sweep-line", kpi, variant, service)
    caption = text("sweep.caption_line", lang, replications=result.replications)
    if target is not None:
        caption += text("sweep.caption_target_line", lang)
    return Chart(name, title, caption, fig)


def _unit_name(result: SweepResult, unit: str) -> str:
    """A municipality's display name; other org units (the ZSA) as they are called."""
    if unit in result.scenario.municipalities:
        return result.scenario.municipality_name(unit)
    return unit


def _service_name(result: SweepResult, service: str) -> str:
    """The service's process name from its BPMN model (the key if it has none)."""
    try:
        return result.scenario.definitions(service).main_process.name or service
    except (KeyError, AttributeError):
        return service


def _digits(value: float) -> int:
    for digits in (0, 1, 2):
        if abs(value - round(value, digits)) < 1e-9 * max(1.0, abs(value)):
            return digits
    return 3


def _name(*parts: str | None) -> str:
    return "-".join(p.replace("/", "_").replace(" ", "_") for p in parts if p)


def _bound_misses(summary: KpiSummary, target: Target) -> bool:
    """Whether the one-sided 95% bound (from mean, sd, n) misses the target."""
    if summary.n < 2 or math.isnan(summary.sd):
        return True
    half = float(stats.t.ppf(0.95, summary.n - 1)) * summary.sd / math.sqrt(summary.n)
    bound = summary.mean + half if target.upper else summary.mean - half
    return not target.met_by(bound)


@styled
def heat_chart(
    result: SweepResult,
    kpi: str,
    variant: str,
    service: str | None,
    lang: Lang = "de",
    pool: tuple[str, str] | None = None,
) -> Chart | None:
    """Worst municipality's mean (or a pool's) over two swept keys (see the module docstring)."""
    if len(result.varies) != 2:
        return None
    index = _index(result)
    if pool is None:
        groups = [s[1:] for s in _series(result, variant, kpi, service)]
    else:
        groups = [(ALL, *pool)]
    if not groups:
        return None
    worst = max if KPI_INFO[kpi].better != "higher" else min
    target = _target_for(result, kpi)
    grid = _point_grid(result)
    scale = _scale(kpi)
    values = np.full((len(grid), len(grid[0])), math.nan)
    misses = np.zeros_like(values, dtype=bool)
    for j, row in enumerate(grid):
        for i, point in enumerate(row):
            found = [index.get((point, variant, *g, kpi)) for g in groups]
            means = [s.mean for s in found if s is not None and not math.isnan(s.mean)]
            values[j, i] = worst(means) * scale if means else math.nan
            if target is not None:
                misses[j, i] = any(s is None or _bound_misses(s, target) for s in found)
    x_values, y_values = result.varies[0].values, result.varies[1].values
    fig, ax = new_figure(width_for(len(x_values), 0.75, 2.6), 1.6 + 0.42 * len(y_values))
    image = ax.imshow(values, cmap=SEQUENTIAL_CMAP, origin="lower", aspect="auto")
    digits = UNIT_DIGITS.get(KPI_INFO[kpi].unit, 1)
    norm, cmap = image.norm, image.cmap
    for j in range(values.shape[0]):
        for i in range(values.shape[1]):
            v = values[j, i]
            if math.isnan(v):
                continue
            fill = cmap(norm(v))
            if misses[j, i]:
                ax.add_patch(
                    Rectangle((i - 0.5, j - 0.5), 1, 1, fill=False, hatch="///",
                              edgecolor=text_color_on(fill), linewidth=0)
                )  # fmt: skip
            # the number on a patch of the cell's own colour, above the hatching
            ax.text(i, j, format_number(v, lang, digits), ha="center", va="center",
                    fontsize=7.5, color=text_color_on(fill), zorder=3,
                    bbox={"boxstyle": "round,pad=0.2", "fc": fill, "ec": "none"})  # fmt: skip
    ax.set_xticks(range(len(x_values)), [format_number(v, lang, _digits(v)) for v in x_values])
    ax.set_yticks(range(len(y_values)), [format_number(v, lang, _digits(v)) for v in y_values])
    ax.set_xlabel(key_label(result.varies[0].key, lang))
    ax.set_ylabel(key_label(result.varies[1].key, lang))
    ax.grid(False)
    bar = fig.colorbar(image, ax=ax)
    bar.set_label(_kpi_label(kpi, lang))
    bar.ax.yaxis.set_major_formatter(tick_formatter(lang))
    where = (
        _service_name(result, service)
        if service
        else f"{role_label(pool[1], lang)}, {_unit_name(result, pool[0])}"
        if pool
        else text("sweep.all", lang)
    )
    title = text(
        "sweep.heat_title", lang, kpi=_kpi_label(kpi, lang), service=where,
        variant=variant_label(variant, lang),
    )  # fmt: skip
    set_title(fig, title)
    name = _name("sweep-heat", kpi, variant, service, *(pool or ()))
    caption = text("sweep.caption_heat", lang, replications=result.replications)
    if target is not None:
        caption += text("sweep.caption_target_heat", lang)
    return Chart(name, title, caption, fig)


def sweep_charts(result: SweepResult, lang: Lang = "de") -> Iterator[Chart]:
    """Every chart of a sweep (one or two swept keys; none for more), one at a time."""
    if len(result.varies) > 2:
        return
    variants = [v for v in result.variants if v not in result.invariant] or list(result.variants)
    services = sorted({r.summary.service for r in result.rows if r.summary.service != ALL})
    central = _central_pools(result)
    for kpi in result.kpis:
        for variant in variants:
            if kpi in POOL_KPIS:
                chart = line_chart(result, kpi, variant, None, lang)
                if chart is not None:
                    yield chart
                for pool in central.get(variant, []):
                    heat = heat_chart(result, kpi, variant, None, lang, pool=pool)
                    if heat is not None:
                        yield heat
                continue
            for service in services:
                for draw in (line_chart, heat_chart):
                    chart = draw(result, kpi, variant, service, lang)
                    if chart is not None:
                        yield chart


def _central_pools(result: SweepResult) -> dict[str, list[tuple[str, str]]]:
    """Pools of org units that are not municipalities (the ZSA), per variant."""
    municipalities = set(result.scenario.municipalities)
    out: dict[str, dict[tuple[str, str], None]] = defaultdict(dict)
    for row in result.rows:
        s = row.summary
        if s.pool and s.municipality not in municipalities:
            out[row.variant][(s.municipality, s.pool)] = None
    return {v: list(pools) for v, pools in out.items()}
