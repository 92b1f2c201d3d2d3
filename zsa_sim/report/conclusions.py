"""The first screen: one short conclusion per municipality, read from summary.json only.

A reader should see in the first 900 pixels, for every municipality, what the central
variant changes for the four things a decision turns on, each named with what it
measures:

- **lead time**: calendar days from the application to the decision (Bescheid), mean;
- **waiting per stage**: calendar days from the application to the case worker's first
  step (the role of the decision task), and to the first step of any member of staff
  (for Wohngeld often the front office's scan, so it says little on its own), means;
- **cost**: the *paid capacity* of the municipality's own staff (available hours x hourly
  rate, busy or not): what the budget pays. Worked time is shown as utilisation, never
  as a second cost figure;
- **staff**: full-time equivalents staffed in the municipality.

Every change is *treatment - baseline* (e.g. zentral - dezentral) with its 95 %
interval, signed; "keine Änderung" below the unit's resolution, "keine signifikante
Änderung" when the interval contains 0. A row for the central unit gives the one ZSA
size story: staffed, worked (staffed x utilisation) and, if a staffing plan lies
beside the run, needed for the target. :func:`conclusion_lines` gives the same as text
for ``zsa-sim show``.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

from zsa_sim.experiment.comparison import resolution, signed
from zsa_sim.experiment.formatting import Lang, format_interval, format_number, format_value
from zsa_sim.experiment.kpis import ALL

#: (KPI id, German heading, English heading) of the case columns, in order.
CASE_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("lead_time_mean", "Durchlaufzeit bis Bescheid", "Lead time to decision"),
    ("caseworker_wait_mean", "Wartezeit bis Sachbearbeitung", "Wait until case worker"),
    ("waiting_time_mean", "Wartezeit bis zum ersten Arbeitsschritt", "Wait until first step"),
)
#: What each column measures, stated under the table.
DEFINITIONS: dict[Lang, str] = {
    "de": (
        "Änderung = {treat} − {base}, Mittelwert über {n} Replikationen mit "
        "95-%-Konfidenzintervall; Zeiten in Kalendertagen. Durchlaufzeit: Eingang bis "
        "Bescheid. Wartezeit bis Sachbearbeitung: Eingang bis zum ersten Schritt der "
        "Rolle, die den Bescheid erlässt (in Kommune oder ZSA). Wartezeit bis zum ersten "
        "Arbeitsschritt: Eingang bis zum ersten Schritt irgendeiner Stelle (auch "
        "Posteingang/Scan). "
        "Personalkosten: bezahlte Kapazität des eigenen Personals (verfügbare Stunden × "
        "Kostensatz, ob ausgelastet oder nicht). VZÄ: besetzte Vollzeitäquivalente. "
        "„keine Änderung“: kleiner als die letzte angezeigte Stelle."
    ),
    "en": (
        "Change = {treat} − {base}, mean over {n} replications with 95% confidence "
        "interval; times in calendar days. Lead time: application to decision. Wait until "
        "case worker: application to the first step of the role that issues the decision "
        "(in the municipality or the ZSA). Wait until first step: application to the "
        "first step of any member of staff (including mail room/scan). Staff cost: paid "
        "capacity of the own staff (available hours × cost rate, busy or not). FTE: "
        "staffed full-time equivalents. "
        "'no change': smaller than the last digit shown."
    ),
}


class Conclusion(NamedTuple):
    """One municipality's (or the central unit's) row of the first screen."""

    unit: str
    name: str
    #: KPI id -> change text (signed, with interval), "" if the KPI is missing
    changes: dict[str, str]
    #: KPI id -> "better", "worse" or ""
    assessment: dict[str, str]
    cost_base: float
    cost_treat: float
    fte_base: float
    fte_treat: float


def _index(rows: list[Mapping[str, Any]], *keys: str) -> dict[tuple[Any, ...], Mapping[str, Any]]:
    return {tuple(r.get(k, "") for k in keys): r for r in rows}


def _number(value: Any) -> float:
    """A summary figure as a float; missing (None, absent) is NaN."""
    return math.nan if value is None else float(value)


def change_text(row: Mapping[str, Any] | None, lang: Lang) -> str:
    """A comparison row as "−0,5 Tage [−0,7; −0,2]", "keine Änderung", ... ("" if none)."""
    if row is None:
        return ""
    diff, unit = _number(row.get("difference")), str(row.get("unit", ""))
    # one replication (or one without variance) has no interval: None in the summary
    low, high = _number(row.get("ci_low")), _number(row.get("ci_high"))
    if not math.isfinite(diff):
        return "–"
    if abs(diff) < resolution(unit):
        return "keine Änderung" if lang == "de" else "no change"
    text = signed(diff, unit, lang)
    if math.isfinite(low) and math.isfinite(high):
        text += " " + format_interval(low, high, unit, lang)
    if not row.get("significant"):
        lead = "keine signifikante Änderung" if lang == "de" else "no significant change"
        return f"{lead} ({text})"
    return text


def _capacity(summary: Mapping[str, Any], variant: str, unit: str) -> float:
    """Paid capacity cost of a unit's own pools in a variant (sum of means, EUR)."""
    values = [
        float(k["mean"])
        for k in summary.get("kpis") or []
        if k.get("variant") == variant
        and k.get("municipality") == unit
        and k.get("pool")
        and k.get("service") == ALL
        and k.get("kpi") == "capacity_cost"
        and math.isfinite(float(k.get("mean", math.nan)))
    ]
    return sum(values) if values else math.nan


def _fte(summary: Mapping[str, Any]) -> dict[tuple[str, str], float]:
    out: dict[tuple[str, str], float] = defaultdict(float)
    for pool in summary.get("pools") or []:
        out[(str(pool.get("variant")), str(pool.get("org_unit")))] += float(pool.get("fte") or 0)
    return out


def variants_of(summary: Mapping[str, Any]) -> tuple[str, str]:
    """(treatment, baseline) of the main comparison, e.g. ("zentral", "dezentral")."""
    rows = summary.get("comparison") or []
    baseline = str((summary.get("scenario") or {}).get("baseline") or "dezentral")
    treatments = sorted({str(r.get("treatment")) for r in rows} - {baseline})
    preferred = "zentral" if "zentral" in treatments else (treatments[0] if treatments else "")
    return preferred, baseline


def conclusions(summary: Mapping[str, Any], lang: Lang = "de") -> list[Conclusion]:
    """One row per municipality (scenario order), then one per central unit."""
    treat, base = variants_of(summary)
    scenario = summary.get("scenario") or {}
    municipalities = [str(m.get("name")) for m in scenario.get("municipalities") or []]
    names = _names(scenario)
    comparison = _index(
        [r for r in summary.get("comparison") or [] if r.get("treatment") == treat],
        "service", "municipality", "pool", "kpi",
    )  # fmt: skip
    fte = _fte(summary)
    central = sorted(
        {str(p.get("org_unit")) for p in summary.get("pools") or []} - set(municipalities)
    )
    out = []
    for unit in [*municipalities, *central]:
        changes, assessment = {}, {}
        for kpi, _, _ in CASE_COLUMNS:
            row = comparison.get((ALL, unit, "", kpi))
            changes[kpi] = change_text(row, lang) if unit in municipalities else ""
            assessment[kpi] = str(row.get("assessment") or "") if row else ""
        out.append(
            Conclusion(
                unit,
                names.get(unit, unit),
                changes,
                assessment,
                _capacity(summary, base, unit),
                _capacity(summary, treat, unit),
                fte.get((base, unit), 0.0),
                fte.get((treat, unit), 0.0),
            )
        )
    return out


def _names(scenario: Mapping[str, Any]) -> dict[str, str]:
    """Municipality key -> display name from the scenario parameters (key if none)."""
    params = (scenario.get("parameters") or {}).get("municipalities") or {}
    out = {}
    if isinstance(params, Mapping):
        for key, value in params.items():
            if isinstance(value, Mapping) and value.get("name"):
                out[str(key)] = str(value["name"])
    return out


def money(x: float, lang: Lang) -> str:
    """EUR without cents, "–" if unknown."""
    return format_value(x, "EUR", lang) if math.isfinite(x) else "–"


def cost_text(c: Conclusion, lang: Lang) -> str:
    """ "412.300 EUR → 318.200 EUR (−94.100 EUR)", or the one known figure."""
    if not (math.isfinite(c.cost_base) or math.isfinite(c.cost_treat)):
        return "–"
    if not math.isfinite(c.cost_base):
        return money(c.cost_treat, lang)
    if not math.isfinite(c.cost_treat):
        return money(c.cost_base, lang)
    change = c.cost_treat - c.cost_base
    if abs(change) < resolution("EUR"):
        return f"{money(c.cost_treat, lang)} ({'gleich' if lang == 'de' else 'same'})"
    base = format_number(c.cost_base, lang, 0)
    return f"{base} → {money(c.cost_treat, lang)} ({signed(change, 'EUR', lang)})"


def fte_text(c: Conclusion, lang: Lang) -> str:
    """ "4,5 → 3,0 VZÄ"."""
    unit = "VZÄ" if lang == "de" else "FTE"
    a, b = format_number(c.fte_base, lang, 2), format_number(c.fte_treat, lang, 2)
    return f"{a} {unit}" if a == b else f"{a} → {b} {unit}"


def zsa_story(
    summary: Mapping[str, Any], unit: str, lang: Lang, needed_fte: float | None = None
) -> str:
    """The central unit's size, once: staffed, worked (staffed × utilisation), needed."""
    treat, _ = variants_of(summary)
    staffed = _fte(summary).get((treat, unit), 0.0)
    hours = {
        kpi: sum(
            float(k["mean"])
            for k in summary.get("kpis") or []
            if k.get("variant") == treat
            and k.get("municipality") == unit
            and k.get("pool")
            and k.get("service") == ALL
            and k.get("kpi") == kpi
            and math.isfinite(float(k.get("mean", math.nan)))
        )
        for kpi in ("staff_hours", "available_hours")
    }
    share = (
        hours["staff_hours"] / hours["available_hours"] if hours["available_hours"] else math.nan
    )
    worked = staffed * share if math.isfinite(share) else math.nan
    fte = "VZÄ" if lang == "de" else "FTE"
    n = lambda x: format_number(x, lang, 2)  # noqa: E731
    pct = format_number(share * 100, lang, 0) if math.isfinite(share) else "–"
    if lang == "de":
        text = (
            f"Größe der ZSA: besetzt {n(staffed)} {fte}; davon tatsächlich gearbeitet "
            f"{n(worked)} {fte} (Auslastung {pct} %)"
        )
        if needed_fte is not None:
            text += f"; nötig für das Ziel laut Personalplan {n(needed_fte)} {fte}"
        return text + "."
    text = (
        f"Size of the ZSA: staffed {n(staffed)} {fte}; of which actually worked "
        f"{n(worked)} {fte} (utilisation {pct}%)"
    )
    if needed_fte is not None:
        text += f"; needed for the target per the staffing plan {n(needed_fte)} {fte}"
    return text + "."


def conclusion_lines(
    summary: Mapping[str, Any], lang: Lang = "de", needed_fte: float | None = None
) -> list[str]:
    """The first screen as text: one line per municipality, then the ZSA's size."""
    heads = {kpi: (de if lang == "de" else en) for kpi, de, en in CASE_COLUMNS}
    cost = "Personalkosten (bezahlte Kapazität)" if lang == "de" else "staff cost (paid capacity)"
    lines = []
    for c in conclusions(summary, lang):
        if not any(c.changes.values()):
            lines.append(f"{c.name}: {fte_text(c, lang)}; {cost} {cost_text(c, lang)}")
            lines.append("  " + zsa_story(summary, c.unit, lang, needed_fte))
            continue
        parts = [f"{heads[k]} {c.changes[k]}" for k, _, _ in CASE_COLUMNS if c.changes[k]]
        parts += [f"{cost} {cost_text(c, lang)}", fte_text(c, lang)]
        lines.append(f"{c.name}: " + "; ".join(parts))
    return lines


#: Fewer replications than this get a visible warning on the first screen.
FEW_REPLICATIONS = 5


def precision_warning(summary: Mapping[str, Any], lang: Lang) -> str | None:
    """A warning when replications are few or the lead-time intervals are very wide."""
    replications = int((summary.get("scenario") or {}).get("replications") or 0)
    wide = [
        r
        for r in summary.get("comparison") or []
        if r.get("kpi") == "lead_time_mean"
        and r.get("service") == ALL
        and not r.get("pool")
        and _number(r.get("ci_high")) - _number(r.get("ci_low")) > 10  # NaN compares False
    ]
    if replications >= FEW_REPLICATIONS and not wide:
        return None
    if lang == "de":
        return (
            f"Achtung: nur {replications} Replikationen"
            if replications < FEW_REPLICATIONS
            else "Achtung: sehr breite Konfidenzintervalle"
        ) + (
            " – die Intervalle sind breit und die Aussagen unsicher; für eine Entscheidung "
            f"mindestens {FEW_REPLICATIONS}, besser 10 Replikationen rechnen."
        )
    return (
        f"Caution: only {replications} replications"
        if replications < FEW_REPLICATIONS
        else "Caution: very wide confidence intervals"
    ) + (
        " – intervals are wide and the findings uncertain; run at least "
        f"{FEW_REPLICATIONS}, better 10 replications before deciding."
    )


def html_section(
    summary: Mapping[str, Any],
    lang: Lang = "de",
    needed_fte: float | None = None,
    target_rule: str = "",
) -> str:
    """The first screen as an HTML ``<section id="conclusion">`` (self-contained markup)."""
    from html import escape

    from zsa_sim.report.i18n import variant_label

    treat_key, base_key = variants_of(summary)
    treat, base = variant_label(treat_key, lang), variant_label(base_key, lang)
    rows = conclusions(summary, lang)
    n = int((summary.get("scenario") or {}).get("replications") or 0)
    de = lang == "de"
    heads = [
        "Kommune" if de else "Municipality",
        *[(h_de if de else h_en) for _, h_de, h_en in CASE_COLUMNS],
        "Personalkosten (bezahlte Kapazität)" if de else "Staff cost (paid capacity)",
        "Personal" if de else "Staff",
    ]
    body = []
    for c in rows:
        cells = [f'<th scope="row">{escape(c.name)}</th>']
        for kpi, _, _ in CASE_COLUMNS:
            mark = {"better": "▼ ", "worse": "▲ "}.get(c.assessment.get(kpi, ""), "")
            klass = c.assessment.get(kpi, "")
            shown = escape(mark + c.changes[kpi]) if c.changes[kpi] else "–"
            cells.append(f'<td class="num {klass}">{shown}</td>')
        cells.append(f'<td class="num">{escape(cost_text(c, lang))}</td>')
        cells.append(f'<td class="num">{escape(fte_text(c, lang))}</td>')
        body.append(f'<tr data-unit="{escape(c.unit)}">{"".join(cells)}</tr>')
    head = "".join(f"<th>{escape(h)}</th>" for h in heads)
    title = f"Ergebnis: {treat} gegenüber {base}" if de else f"Result: {treat} compared with {base}"
    parts = [
        f'<section id="conclusion"><h2>{escape(title)}</h2>',
    ]
    warning = precision_warning(summary, lang)
    if warning:
        parts.append(f'<p class="warning" role="alert">{escape(warning)}</p>')
    parts.append(
        f'<table class="conclusion"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
    )
    for c in rows:
        if not any(c.changes.values()):
            parts.append(f"<p>{escape(zsa_story(summary, c.unit, lang, needed_fte))}</p>")
    definitions = DEFINITIONS[lang].format(treat=treat, base=base, n=n)
    parts.append(f'<p class="definitions">{escape(definitions)} {escape(target_rule)}</p>')
    parts.append("</section>")
    return "".join(parts)


def show_run(run_dir: str | Path, lang: str = "de") -> str:
    """An earlier run in the terminal: its conclusions, then its verdict lines.

    Reads ``summary.json`` (and a staffing plan's ``plan.json`` beside the run) only.
    """
    from zsa_sim.experiment.results import load_summary
    from zsa_sim.planning.section import latest_plan, load_plan

    if lang not in ("de", "en"):
        raise ValueError(f"language must be 'de' or 'en', got {lang!r}")
    run_dir = Path(run_dir)
    summary = load_summary(run_dir)
    name = str((summary.get("scenario") or {}).get("name") or "")
    plan = latest_plan(run_dir.parent.parent, name) if name else None
    needed = load_plan(plan).get("fte") if plan is not None else None
    lines = [f"{name} / {run_dir.name}"]
    warning = precision_warning(summary, lang)  # type: ignore[arg-type]
    if warning:
        lines.append(warning)
    lines += conclusion_lines(summary, lang, needed)  # type: ignore[arg-type]
    lines.append("")
    lines.append("Aussagen je Kommune:" if lang == "de" else "Verdicts per municipality:")
    for municipality, entry in (summary.get("verdicts") or {}).items():
        lines.append(f"{municipality}:")
        lines += [f"  {line}" for line in (entry.get(lang) or [])]
    return "\n".join(lines)
