"""The decision report: one self-contained HTML page per language.

Everything is inside the file (charts as base64 PNG, styles inline, no fonts, scripts
or images from elsewhere; a Content-Security-Policy forbids loading anything), so it can
be mailed, archived or opened offline and looks the same years later. It reads top to
bottom the way a decision is made:

1. a prominent note that all data are synthetic;
2. the paired verdicts per municipality ("Wartezeit p90 sinkt um 6,1 Tage [4,8; 7,3]");
3. a short table of key KPIs per municipality, both variants and the paired change;
4. the charts, each with its finding as the heading and a caption on how to read it;
5. the assumptions: the scenario's parameters from ``summary.json``.

The German page uses German number formats throughout (``1.234,5``). A tiny inline
script records, once the page has loaded, how many images it has and how many decoded
(``data-images-total`` / ``data-images-loaded`` on ``<body>``), which the browser test
reads.
"""

from __future__ import annotations

import base64
import html
import math
from collections.abc import Iterator, Mapping, Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from zsa_sim.experiment.comparison import Comparison
from zsa_sim.experiment.formatting import Lang, format_interval, format_value
from zsa_sim.experiment.kpis import ALL, KPI_INFO
from zsa_sim.report.conclusions import html_section
from zsa_sim.report.i18n import (
    compact,
    date_text,
    kpi_label,
    number,
    role_label,
    tr,
    variant_label,
)
from zsa_sim.report.loaders import RunResults
from zsa_sim.report.observed import observed_section
from zsa_sim.report.style import ChartFile
from zsa_sim.report.targets import definition

#: KPIs in the summary table of every municipality and service (if the run has them).
SUMMARY_KPIS: tuple[str, ...] = (
    "waiting_time_mean",
    "waiting_time_p90",
    "caseworker_wait_mean",
    "caseworker_wait_p90",
    "lead_time_mean",
    "lead_time_p90",
    "lead_time_workdays_p90",
    "open_cases",
)
#: The KPI of every team (pool) in the summary table, one row per team.
TEAM_KPI = "utilisation"

_CSS = """
:root { color-scheme: light; }
body { font-family: "DejaVu Sans", "Segoe UI", Arial, sans-serif; font-size: 15px;
  line-height: 1.45; color: #111; background: #fff; margin: 0 auto; max-width: 68rem;
  padding: 1.5rem; }
h1 { font-size: 1.7rem; margin: 0 0 .2rem; }
h2 { font-size: 1.3rem; margin-top: 2.2rem; border-bottom: 2px solid #111; }
h3 { font-size: 1.05rem; margin: 1.4rem 0 .4rem; }
.subtitle { margin: 0 0 .8rem; color: #333; }
.synthetic { border: 3px solid #111; background: #FFF3C4; padding: .8rem 1rem;
  margin: 1rem 0; font-size: 1.05rem; }
.synthetic strong { font-size: 1.15rem; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: .1rem 1rem;
  margin: .6rem 0; }
dl.meta dt { font-weight: bold; }
dl.meta dd { margin: 0; }
nav ol { columns: 2; }
table { border-collapse: collapse; margin: .4rem 0 1rem; font-size: .9rem; width: 100%; }
th, td { border: 1px solid #999; padding: .25rem .45rem; text-align: left;
  vertical-align: top; }
table.conclusion td, table.conclusion th { font-size: .95rem; }
table.conclusion td.num { white-space: normal; }
p.warning { border: 2px solid #8B0000; padding: .4rem .7rem; font-weight: bold; }
p.definitions { font-size: .85rem; color: #222; }
td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
th { background: #EEE; }
tr.group th { background: #DDD; }
.better { font-weight: bold; }
.worse { font-weight: bold; text-decoration: underline; }
figure { margin: 1.6rem 0; break-inside: avoid; page-break-inside: avoid; }
figure img { max-width: 100%; height: auto; border: 1px solid #CCC; }
figure .wide { overflow-x: auto; }
figure .wide img { max-width: none; }
p.links { font-size: .85rem; margin: .2rem 0; }
figcaption { font-size: .9rem; color: #222; margin-top: .3rem; }
figcaption strong { display: block; font-size: 1rem; color: #111; }
ul.verdicts { margin: .2rem 0 .8rem; }
details summary { cursor: pointer; font-weight: bold; }
footer { margin-top: 2.5rem; font-size: .8rem; color: #333; border-top: 1px solid #999;
  padding-top: .5rem; }
@media print {
  body { max-width: none; padding: 0; font-size: 11pt; }
  nav { display: none; }
  h2 { break-after: avoid; }
  details { display: block; }
  details > * { display: block; }
}
"""

_SCRIPT = """
window.addEventListener("load", function () {
  var images = Array.prototype.slice.call(document.images);
  var loaded = images.filter(function (img) {
    return img.complete && img.naturalWidth > 0;
  });
  document.body.setAttribute("data-images-total", String(images.length));
  document.body.setAttribute("data-images-loaded", String(loaded.length));
});
"""

_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'"


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def render_html(
    results: RunResults,
    charts: Sequence[ChartFile],
    lang: Lang = "de",
    planning: str | None = None,
    needed_fte: float | None = None,
) -> str:
    """The whole report page as text (see the module docstring for its sections).

    ``planning`` is the staffing planner's ready-made ``<section id="planning">`` of the
    same scenario (zsa_sim.planning.planning_section), added after the verdicts;
    ``needed_fte`` its answer, for the ZSA's size on the first screen.
    """
    first_screen = html_section(results.summary, lang, needed_fte, definition(lang))
    scenario = results.summary.get("scenario") or {}
    name = str(scenario.get("name") or results.run_dir.parent.name)
    title = tr("html.title", lang, scenario=name)
    sections = [
        ("verdicts", tr("html.verdicts", lang), _verdicts(results, lang)),
        ("summary", tr("html.summary", lang), _summary_tables(results, lang)),
        ("charts", tr("html.charts", lang), _charts(charts, lang)),
        ("assumptions", tr("html.assumptions", lang), _assumptions(results, lang)),
    ]
    observed = observed_section(results, lang)
    if observed:  # reference scenarios: what was observed beside the simulation
        head = "Beobachtet und simuliert" if lang == "de" else "Observed and simulated"
        sections.insert(2, ("observed", head, observed))
    toc = "".join(f'<li><a href="#{key}">{_e(head)}</a></li>' for key, head, _ in sections)
    body = "".join(
        f'<section id="{key}"><h2>{_e(head)}</h2>{content}</section>'
        for key, head, content in sections
    )
    if planning:
        head = "Personalbedarf der ZSA" if lang == "de" else "ZSA staffing"
        toc += f'<li><a href="#planning">{_e(head)}</a></li>'
        body += planning
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="generator" content="zsa-sim">\n'
        f"<title>{_e(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
        f"<header><h1>{_e(title)}</h1>"
        f'<p class="subtitle">{_e(tr("html.subtitle", lang))}</p>'
        f"{_synthetic_note(lang)}</header>\n{first_screen}\n{_meta(results, lang)}\n"
        f"<nav><h2>{_e(tr('html.toc', lang))}</h2><ol>{toc}</ol></nav>\n"
        f"<main>{body}</main>\n{_footer(results, lang)}\n"
        f"<script>{_SCRIPT}</script>\n</body>\n</html>\n"
    )


def write_html(
    results: RunResults,
    charts: Sequence[ChartFile],
    path: Path,
    lang: Lang = "de",
    planning: str | None = None,
    needed_fte: float | None = None,
) -> Path:
    """Write the report page to ``path`` (UTF-8); returns the path."""
    path.write_text(render_html(results, charts, lang, planning, needed_fte), encoding="utf-8")
    return path


# -- header --------------------------------------------------------------------------------


def _synthetic_note(lang: Lang) -> str:
    return (
        f'<div class="synthetic" role="note"><strong>{_e(tr("html.synthetic.head", lang))}'
        f"</strong> {_e(tr('html.synthetic.body', lang))}</div>"
    )


def _meta(results: RunResults, lang: Lang) -> str:
    scenario = results.summary.get("scenario") or {}
    period = scenario.get("period") or {}
    rows = [
        (tr("html.scenario", lang), scenario.get("name", "")),
        (tr("html.meta.run", lang), results.run_name),
        (tr("html.meta.replications", lang), number(results.replications, lang, 0)),
    ]
    if period:
        rows.append((tr("html.meta.period", lang), period_text(period, lang)))
    if "seed" in scenario:
        rows.append((tr("html.meta.seed", lang), scenario["seed"]))
    items = "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in rows)
    return f'<dl class="meta">{items}</dl>'


def period_text(period: Mapping[str, Any], lang: Lang) -> str:
    """The evaluated period with the warm-up before it and the cool-down after it."""
    days = int(period.get("days", 0))
    start = str(period.get("start", ""))
    if not start:
        return ""
    first = date.fromisoformat(start[:10])
    return tr(
        "html.meta.period_value",
        lang,
        start=date_text(first, lang),
        end=date_text(first + timedelta(days=max(days - 1, 0)), lang),
        days=number(days, lang, 0),
        warmup=number(float(period.get("warmup_days", 0)), lang, 0),
        cooldown=number(float(period.get("cooldown_days", 0)), lang, 0),
    )


def _footer(results: RunResults, lang: Lang) -> str:
    scenario = results.summary.get("scenario") or {}
    text = tr(
        "html.footer",
        lang,
        version=results.summary.get("zsa_sim_version", "?"),
        run=f"{results.run_dir.parent.name}/{results.run_name}",
        sha=scenario.get("sha256", "–"),
    )
    versions = results.summary.get("versions") or {}
    listed = ", ".join(f"{k} {v}" for k, v in sorted(versions.items()))
    return f"<footer><p>{_e(text)}</p><p>{_e(listed)}</p></footer>"


# -- verdicts and the KPI tables -------------------------------------------------------------


def _verdicts(results: RunResults, lang: Lang) -> str:
    by_municipality = _labelled_verdicts(results, lang) or results.verdicts(lang)
    intro = tr(
        "html.verdicts.intro",
        lang,
        treat=variant_label(results.treatment, lang),
        base=variant_label(results.baseline, lang),
    )
    parts = [f"<p>{_e(intro)}</p>"]
    # the municipalities in scenario order, then the total over all of them
    order = list(results.municipalities) + sorted(
        set(by_municipality) - set(results.municipalities) - {ALL}
    )
    order.append(ALL)
    for municipality in order:
        lines = by_municipality.get(municipality)
        if not lines:
            continue
        items = "".join(f"<li>{_e(line)}</li>" for line in lines)
        name = tr("all_municipalities", lang) if municipality == ALL else results.name(municipality)
        parts.append(f'<h3>{_e(name)}</h3><ul class="verdicts">{items}</ul>')
    return "".join(parts)


#: KPIs of the verdict lines, in this order.
VERDICT_KPIS = ("lead_time_mean", "lead_time_p90", "waiting_time_p90")


def _labelled_verdicts(results: RunResults, lang: Lang) -> dict[str, list[str]]:
    """Verdict lines from the comparison, with service and variant names, never ids."""
    out: dict[str, list[str]] = {}
    index = {
        (c.municipality, c.service, c.treatment, c.kpi): c for c in results.comparison if not c.pool
    }
    several = len(results.treatments) > 1
    every = tr("all_services", lang)
    services = [(ALL, every[:1].upper() + every[1:])] + [(s.key, s.label) for s in results.services]
    for municipality in [*results.municipalities, ALL]:
        offered = [k for k, _ in services[1:] if municipality in results.municipalities_of(k)]
        for key, label in services:
            if key != ALL and ((len(offered) < 2 and municipality != ALL) or key not in offered):
                continue  # a municipality's only service says the same as "all services"
            for treatment in results.treatments:
                for kpi in VERDICT_KPIS:
                    row = index.get((municipality, key, treatment, kpi))
                    if row is None:
                        continue
                    text = row.verdict_de if lang == "de" else row.verdict_en
                    prefix = f"{variant_label(treatment, lang, short=True)}, " if several else ""
                    out.setdefault(municipality, []).append(f"{prefix}{label}: {text}")
    return out


def _cell(mean: float, low: float, high: float, unit: str, lang: Lang) -> str:
    if not math.isfinite(mean):
        return '<td class="num">–</td>'
    text = format_value(mean, unit, lang)
    if math.isfinite(low) and math.isfinite(high):
        text += " " + format_interval(low, high, unit, lang)
    return f'<td class="num">{_e(text)}</td>'


def _change_cell(row: Comparison | None, lang: Lang) -> str:
    if row is None or not math.isfinite(row.difference):
        return '<td class="num">–</td>'
    text = format_value(row.difference, row.unit, lang, difference=True)
    if math.isfinite(row.ci_low):
        text += " " + format_interval(row.ci_low, row.ci_high, row.unit, lang)
    if row.assessment == "better":
        return f'<td class="num better" title="{_e(tr("html.better", lang))}">▼ {_e(text)}</td>'
    if row.assessment == "worse":
        return f'<td class="num worse" title="{_e(tr("html.worse", lang))}">▲ {_e(text)}</td>'
    return f'<td class="num">{_e(text)}</td>'


def _comparison_index(results: RunResults) -> dict[tuple[str, str, str, str, str], Comparison]:
    return {(c.treatment, c.service, c.municipality, c.pool, c.kpi): c for c in results.comparison}


def _summary_tables(results: RunResults, lang: Lang) -> str:
    index = _comparison_index(results)
    treatments = results.treatments
    head = "".join(f"<th>{_e(variant_label(v, lang))}</th>" for v in results.variants)
    head += "".join(
        f"<th>{_e(tr('html.col.change', lang))}"
        + (f" ({_e(variant_label(t, lang, short=True))})" if len(treatments) > 1 else "")
        + "</th>"
        for t in treatments
    )
    columns = 1 + len(results.variants) + len(treatments)
    intro = tr(
        "html.summary.intro",
        lang,
        n=results.replications,
        treat=variant_label(results.treatment, lang, short=True),
        base=variant_label(results.baseline, lang, short=True),
    )
    parts = [f"<p>{_e(intro)}</p>"]
    units = list(results.municipalities) + list(results.central_units)
    for unit in units:
        rows = list(_unit_rows(results, unit, index, lang, columns))
        if not rows:
            continue
        name = tr("central_unit", lang) if unit in results.central_units else results.name(unit)
        parts.append(
            f"<h3>{_e(name)}</h3><table><thead><tr><th>{_e(tr('html.col.kpi', lang))}</th>"
            f"{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
        )
    return "".join(parts)


def _unit_rows(
    results: RunResults,
    unit: str,
    index: Mapping[tuple[str, str, str, str, str], Comparison],
    lang: Lang,
    columns: int,
) -> Iterator[str]:
    # (heading, [(row label, service, pool, kpi)])
    groups: list[tuple[str, list[tuple[str, str, str, str]]]] = []
    for service in results.services:
        if unit in results.municipalities_of(service.key):
            rows = [(kpi_label(k, lang), service.key, "", k) for k in SUMMARY_KPIS]
            groups.append((service.label, rows))
    roles = sorted(
        {r.pool for r in results.kpis if r.municipality == unit and r.pool and r.service == ALL}
    )
    if roles:
        rows = [(role_label(role, lang), ALL, role, TEAM_KPI) for role in roles]
        groups.append((tr("html.teams", lang), rows))
    for heading, rows in groups:
        body = []
        for label, service_key, pool, kpi in rows:
            cells = []
            found = False
            for variant in results.variants:
                row = results.kpi(variant, service_key, unit, kpi, pool=pool)
                if row is not None:
                    found = found or math.isfinite(row.mean)
                    cells.append(_cell(row.mean, row.ci_low, row.ci_high, row.unit, lang))
                else:
                    cells.append('<td class="num">–</td>')
            if not found:
                continue
            for treatment in results.treatments:
                change = index.get((treatment, service_key, unit, pool, kpi))
                cells.append(_change_cell(change, lang))
            body.append(f"<tr><td>{_e(label)}</td>{''.join(cells)}</tr>")
        if body:
            yield f'<tr class="group"><th colspan="{columns}">{_e(heading)}</th></tr>'
            yield from body


# -- charts ----------------------------------------------------------------------------------


#: Charts too detailed to shrink to the page: shown at full size in a scrolling box.
FULL_SIZE_PREFIX = "process_map_"


def _charts(charts: Sequence[ChartFile], lang: Lang) -> str:
    folder = "charts/" if lang == "de" else f"charts/{lang}/"
    parts = []
    for chart in charts:
        data = base64.b64encode(chart.png.read_bytes()).decode("ascii")
        image = f'<img src="data:image/png;base64,{data}" alt="{_e(chart.title)}">'
        if chart.name.startswith(FULL_SIZE_PREFIX):
            # a process map shrunk to the page is unreadable: full size, scrolling, and a
            # link to the files beside the report (the SVG zooms without limit)
            links = " · ".join(
                f'<a href="{_e(folder + chart.name + ext)}">{_e(tr("html.full_image", lang))}'
                f" ({ext[1:].upper()})</a>"
                for ext in (".svg", ".png")
            )
            image = f'<div class="wide">{image}</div><p class="links">{links}</p>'
        parts.append(
            f'<figure id="chart-{_e(chart.name)}">{image}'
            f"<figcaption>{_e(chart.caption)}</figcaption>"
            "</figure>"
        )
    return "".join(parts)


# -- assumptions -----------------------------------------------------------------------------


def _assumptions(results: RunResults, lang: Lang) -> str:
    scenario = results.summary.get("scenario") or {}
    parts = [f"<p>{_e(tr('html.assumptions.intro', lang))}</p>"]
    if scenario.get("description"):
        parts.append(
            f"<p><strong>{_e(tr('html.description', lang))}:</strong> "
            f"{_e(scenario['description'])}</p>"
        )
    variants = scenario.get("variants") or {}
    if variants:
        items = "".join(
            f"<li><strong>{_e(variant_label(k, lang))}</strong>: {_e(v)}</li>"
            for k, v in variants.items()
        )
        parts.append(f"<h3>{_e(tr('html.variants', lang))}</h3><ul>{items}</ul>")
    labels = {s.key: s.label for s in results.services}
    parts.append(_municipality_table(scenario, results.display_names, labels, lang))
    parts.append(_service_table(results, lang))
    parts.append(_pool_table(results, lang))
    parameters = scenario.get("parameters")
    if isinstance(parameters, Mapping) and parameters:
        rows = "".join(
            f"<tr><td><code>{_e(key)}</code></td><td>{_e(value)}</td></tr>"
            for key, value in flatten(parameters, lang)
        )
        parts.append(
            f"<details><summary>{_e(tr('html.parameters', lang))}</summary><table><thead>"
            f"<tr><th>{_e(tr('html.key', lang))}</th><th>{_e(tr('html.value', lang))}</th>"
            f"</tr></thead><tbody>{rows}</tbody></table></details>"
        )
    return "".join(parts)


def _municipality_table(
    scenario: Mapping[str, Any],
    names: Mapping[str, str],
    services: Mapping[str, str],
    lang: Lang,
) -> str:
    entries = [m for m in scenario.get("municipalities") or [] if isinstance(m, Mapping)]
    if not entries:
        return ""
    rows = []
    for m in entries:
        staff = m.get("staff") or {}
        staff_text = "; ".join(
            f"{role_label(role, lang)} {compact(float(fte), lang)}" for role, fte in staff.items()
        )
        population = m.get("population")
        rows.append(
            f"<tr><td>{_e(names.get(str(m.get('name', '')), m.get('name', '')))}</td>"
            f'<td class="num">{_e(number(float(population), lang, 0) if population else "–")}'
            f"</td><td>{_e(', '.join(services.get(k, k) for k in m.get('services') or []))}</td>"
            f"<td>{_e(staff_text or '–')}</td></tr>"
        )
    return (
        f"<h3>{_e(tr('municipalities', lang).capitalize())}</h3><table><thead><tr>"
        f"<th>{_e(tr('municipality', lang))}</th><th>{_e(tr('html.population', lang))}</th>"
        f"<th>{_e(tr('html.services', lang))}</th><th>{_e(tr('html.staff', lang))}</th>"
        f"</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _service_table(results: RunResults, lang: Lang) -> str:
    if not results.services:
        return ""
    rows = []
    for service in results.services:
        target = results.targets.get(service.key)
        target_text = (
            f"{kpi_label(target.kpi, lang)} ≤ {format_value(target.max, _unit(target.kpi), lang)}"
            if target
            else tr("html.none", lang)
        )
        rows.append(
            f"<tr><td>{_e(service.label)}</td><td>{_e(service.bpmn)}</td>"
            f"<td>{_e(service.decision_task)}</td><td>{_e(target_text)}</td></tr>"
        )
    return (
        f"<h3>{_e(tr('html.services', lang))}</h3><table><thead><tr>"
        f"<th>{_e(tr('html.service', lang))}</th><th>{_e(tr('html.model', lang))}</th>"
        f"<th>{_e(tr('html.decision_task', lang))}</th><th>{_e(tr('html.targets', lang))}</th>"
        f"</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _unit(kpi: str) -> str:
    info = KPI_INFO.get(kpi)
    return info.unit if info else ""


def _pool_table(results: RunResults, lang: Lang) -> str:
    if not results.pools:
        return ""
    rows = "".join(
        f"<tr><td>{_e(variant_label(p.variant, lang))}</td><td>{_e(results.name(p.org_unit))}</td>"
        f"<td>{_e(role_label(p.role, lang))}</td>"
        f'<td class="num">{_e(compact(p.fte, lang))}</td>'
        f'<td class="num">{_e(number(p.cost_per_hour, lang, 2))}</td></tr>'
        for p in results.pools
    )
    return (
        f"<h3>{_e(tr('html.pools', lang))}</h3><table><thead><tr>"
        f"<th>{_e(tr('html.variants', lang))}</th><th>{_e(tr('municipality', lang))}</th>"
        f"<th>{_e(tr('team', lang))}</th><th>{_e(tr('fte', lang))}</th>"
        f"<th>{_e(tr('html.cost_rate', lang))}</th></tr></thead><tbody>{rows}</tbody></table>"
    )


def flatten(value: Any, lang: Lang, prefix: str = "") -> Iterator[tuple[str, str]]:
    """Nested scenario parameters as (dotted key path, value text) rows, numbers localised."""
    if isinstance(value, Mapping):
        if not value:
            yield prefix, "–"
        for key, item in value.items():
            yield from flatten(item, lang, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(value, list | tuple):
        if all(not isinstance(v, Mapping | list | tuple) for v in value):
            separator = "; " if lang == "de" else ", "
            yield prefix, separator.join(_scalar(v, lang) for v in value) or "–"
        else:
            for i, item in enumerate(value):
                yield from flatten(item, lang, f"{prefix}[{i}]")
    else:
        yield prefix, _scalar(value, lang)


def _scalar(value: Any, lang: Lang) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return tr("html.yes" if value else "html.no", lang)
    if isinstance(value, int):
        return number(float(value), lang, 0) if abs(value) >= 10_000 else str(value)
    if isinstance(value, float):
        return compact(value, lang) if math.isfinite(value) else "–"
    return str(value)
