"""German and English texts of plans and sweeps (tables, notes, chart labels).

German is the default: the readers are municipal staff. Numbers are formatted by
:mod:`zsa_sim.experiment.formatting` (``1.234,5`` in German). ``text(key, lang, **params)``
fills ``{placeholders}``; a missing key is a programming error (KeyError).
"""

from __future__ import annotations

from typing import Any

from zsa_sim.experiment.formatting import Lang, format_number

_TEXTS: dict[str, tuple[str, str]] = {
    # -- plan: headings and table ---------------------------------------------------
    "plan.title": ("Personalbedarf der ZSA", "Staffing needed at the ZSA"),
    "plan.heading": (
        "Personalplanung ZSA – Szenario {scenario}, Variante {variant}",
        "ZSA staffing plan – scenario {scenario}, variant {variant}",
    ),
    "plan.target": (
        "Ziel: {target} in jeder beteiligten Kommune und Leistung, mit 95 % Konfidenz "
        "({replications} Replikationen)",
        "Target: {target} in every participating municipality and service, with 95% "
        "confidence ({replications} replications)",
    ),
    "plan.answer": (
        "Ergebnis: {fte} VZÄ in der ZSA (Schlüssel {key}; im Szenario {start} VZÄ)",
        "Answer: {fte} FTE at the ZSA (key {key}; the scenario states {start} FTE)",
    ),
    "plan.ramp": (
        "Personalaufbau der ZSA damit: {steps}",
        "The ZSA's staff ramp with it: {steps}",
    ),
    "plan.ramp_step": ("ab {day} {fte} VZÄ", "{fte} FTE from {day}"),
    "plan.no_answer": (
        "Ergebnis: Das Ziel ist im Suchbereich nicht erreichbar (Schlüssel {key}).",
        "Answer: the target cannot be met in the search range (key {key}).",
    ),
    "plan.worst": (
        "Zuletzt geprüft: {fte} VZÄ; am weitesten vom Ziel: {service}, {municipality} "
        "(95-%-Schranke {bound}).",
        "Last checked: {fte} FTE; furthest from the target: {service}, {municipality} "
        "(95% bound {bound}).",
    ),
    "plan.confirmed": (
        "Bestätigt mit {replications} Replikationen: {fte} VZÄ erfüllen das Ziel, "
        "{below} VZÄ verfehlen es.",
        "Confirmed with {replications} replications: {fte} FTE meet the target, "
        "{below} FTE miss it.",
    ),
    "plan.confirmed_floor": (
        "Bestätigt mit {replications} Replikationen: {fte} VZÄ erfüllen das Ziel.",
        "Confirmed with {replications} replications: {fte} FTE meet the target.",
    ),
    "plan.unconfirmed": (
        "NICHT bestätigt (siehe Hinweise).",
        "NOT confirmed (see the notes).",
    ),
    "plan.baseline": (
        "Zum Vergleich {baseline}: Ziel {verdict}.",
        "For comparison, {baseline}: target {verdict}.",
    ),
    "plan.met": ("erfüllt", "met"),
    "plan.missed": ("verfehlt", "missed"),
    "plan.runs": (
        "{runs} Simulationsläufe, {seconds} s.",
        "{runs} simulation runs, {seconds} s.",
    ),
    "plan.check_heading": (
        "Bestätigung je Kommune und Leistung",
        "Confirmation per municipality and service",
    ),
    "col.staffing": ("Besetzung", "Staffing"),
    "col.service": ("Leistung", "Service"),
    "col.municipality": ("Kommune", "Municipality"),
    "col.mean": ("Mittelwert", "Mean"),
    "col.bound": ("95-%-Schranke", "95% bound"),
    "col.verdict": ("Ziel", "Target"),
    "col.fte_baseline": ("VZÄ {baseline}", "FTE {baseline}"),
    "col.fte_variant": ("VZÄ {variant}", "FTE {variant}"),
    "col.fte_freed": ("frei (VZÄ)", "freed (FTE)"),
    "col.hours_freed": ("frei (Arbeitsstunden, Simulation)", "freed (work hours, simulated)"),
    "col.hours_freed_fte": ("= VZÄ", "= FTE"),
    "plan.staff_heading": (
        "Personal je Kommune: VZÄ laut Szenario und tatsächlich frei werdende Arbeitszeit",
        "Staff per municipality: FTE as stated and work time actually freed",
    ),
    "plan.cost_heading": ("Kosten je Fall", "Cost per case"),
    "plan.cost_capacity": (
        "Personalkosten je Antrag (bezahlte Arbeitszeit): {baseline} {base}, {variant} "
        "{treat}; Differenz {diff} {interval}",
        "Staff cost per application (paid working time): {baseline} {base}, {variant} "
        "{treat}; difference {diff} {interval}",
    ),
    "plan.cost_work": (
        "nur geleistete Arbeit: {baseline} {base}, {variant} {treat}",
        "work done only: {baseline} {base}, {variant} {treat}",
    ),
    "plan.break_even": ("Break-even-Volumen", "Break-even volume"),
    "be.found": (
        "{volume} × heutiges Volumen: bis dahin erfüllt eine kostenneutrale ZSA "
        "({fte} VZÄ) das Ziel",
        "{volume} × today's volume: up to there a cost-neutral ZSA ({fte} FTE) meets the target",
    ),
    "be.below": (
        "unter {volume} × heutiges Volumen: eine kostenneutrale ZSA ({fte} VZÄ) "
        "verfehlt das Ziel schon bei kleinstem Volumen",
        "below {volume} × today's volume: a cost-neutral ZSA ({fte} FTE) misses the "
        "target even at the smallest volume",
    ),
    "be.above": (
        "über {volume} × heutiges Volumen (Suchgrenze): eine kostenneutrale ZSA "
        "({fte} VZÄ) erfüllt das Ziel bis dorthin",
        "above {volume} × today's volume (search limit): a cost-neutral ZSA ({fte} FTE) "
        "meets the target up to there",
    ),
    "be.no_budget": (
        "keins: das frei werdende Personal bezahlt weniger als eine Stufe ({fte} VZÄ) in der ZSA",
        "none: the staff freed pay for less than one step ({fte} FTE) at the ZSA",
    ),
    "be.ramp": (
        "nicht berechnet: geplant wurde eine Stufe eines Personalaufbaus, eine "
        "kostenneutrale ZSA hat gleichbleibendes Personal",
        "not computed: one step of a staff ramp was planned, a cost-neutral ZSA has constant staff",
    ),
    "be.definition": (
        "Break-even: das größte Vielfache des heutigen Antragsvolumens, bei dem eine ZSA "
        "mit so viel Personal, wie die Kommunen einsparen (gleiche Kosten je Fall wie "
        "dezentral), das Ziel noch erfüllt. Darüber kostet die zentrale Lösung je Fall mehr.",
        "Break-even: the largest multiple of today's application volume at which a ZSA "
        "staffed with what the municipalities save (equal cost per case as decentral) "
        "still meets the target. Beyond it the central solution costs more per case.",
    ),
    "plan.notes": ("Hinweise", "Notes"),
    "plan.synthetic": (
        "Alle Daten sind synthetisch; Aufwände und Fallzahlen sind Annahmen des Szenarios.",
        "All data are synthetic; efforts and volumes are the scenario's assumptions.",
    ),
    # -- notes ------------------------------------------------------------------------
    "note.more_replications": (
        "Die Urteile lagen nah am Ziel: bestätigt wurde mit {to} statt {from} Replikationen.",
        "Verdicts were close to the target: confirmed with {to} instead of {from} replications.",
    ),
    "note.moved_down": (
        "Mit {replications} Replikationen erfüllte auch eine Stufe unter {from} VZÄ das "
        "Ziel; die Suche ging nach unten weiter.",
        "With {replications} replications one step below {from} FTE met the target too; "
        "the search went on downwards.",
    ),
    "note.moved_up": (
        "Mit {replications} Replikationen verfehlten {from} VZÄ das Ziel; die Suche ging "
        "nach oben weiter.",
        "With {replications} replications {from} FTE missed the target; the search went "
        "on upwards.",
    ),
    "note.not_monotone": (
        "Nicht monoton: {meets} VZÄ erfüllen das Ziel, die größere Besetzung {misses} VZÄ "
        "nicht (Zufallsschwankung oder echter Effekt, z. B. einer Teilzeitkraft). Die "
        "Suche wurde erweitert; es gilt die sichere, größere Besetzung.",
        "Not monotone: {meets} FTE meet the target, the larger staffing {misses} FTE does "
        "not (chance, or a real effect such as a part-time member). The search was "
        "widened; the safe, larger staffing stands.",
    ),
    "note.smallest_step": (
        "Schon die kleinste Besetzung ({fte} VZÄ) erfüllt das Ziel.",
        "Even the smallest staffing ({fte} FTE) meets the target.",
    ),
    "note.met_below_range": (
        "Auch {fte} VZÄ, unterhalb der gewählten Untergrenze, erfüllen das Ziel.",
        "{fte} FTE, below the chosen lower limit, meet the target too.",
    ),
    "note.infeasible.plateau": (
        "Mit ZSA-Personal allein nicht erreichbar: die Verdopplung auf {fte} VZÄ verbessert "
        "die Kennzahl kaum; die Zeit entsteht anderswo (beim Antragsteller, in der Kommune).",
        "Not reachable with ZSA staff alone: doubling to {fte} FTE hardly improves the "
        "KPI; the time is spent elsewhere (with the applicant, at the municipality).",
    ),
    "note.infeasible.cap": (
        "Bis zur Obergrenze ({fte} VZÄ) wird das Ziel nicht erreicht.",
        "The target is not met up to the upper limit ({fte} FTE).",
    ),
    "note.infeasible.doublings": (
        "Auch mit {fte} VZÄ (nach wiederholter Verdopplung) wird das Ziel nicht erreicht.",
        "Even {fte} FTE (after repeated doubling) do not meet the target.",
    ),
    "note.too_few_replications": (
        "Bei {fte} VZÄ erfüllt der Mittelwert das Ziel, die 95-%-Schranke aber nicht: mit "
        "{replications} Replikationen ist die Streuung zu groß; mehr Replikationen (-n) "
        "können eine Antwort finden.",
        "At {fte} FTE the mean meets the target but the 95% bound does not: with "
        "{replications} replications the spread is too large; more replications (-n) "
        "may find an answer.",
    ),
    "note.unconfirmed": (
        "Nach {rounds} Runden widersprachen sich die Urteile weiterhin; das Ergebnis ist "
        "nicht bestätigt.",
        "After {rounds} rounds the verdicts still disagreed; the answer is not confirmed.",
    ),
    # -- sweep --------------------------------------------------------------------------
    "sweep.line_title": ("{kpi}: {service}, {variant}", "{kpi}: {service}, {variant}"),
    "sweep.heat_title": (
        "{kpi}, ungünstigste Kommune: {service}, {variant}",
        "{kpi}, worst municipality: {service}, {variant}",
    ),
    "sweep.caption_line": (
        "Mittelwert über {replications} Replikationen je Gitterpunkt; Band: 95-%-"
        "Konfidenzintervall.",
        "Mean over {replications} replications per grid point; band: 95% confidence interval.",
    ),
    "sweep.caption_target_line": (" Gestrichelte Linie: Ziel.", " Dashed line: target."),
    "sweep.caption_heat": (
        "Jede Zelle: Mittelwert der ungünstigsten Kommune über {replications} Replikationen.",
        "Each cell: mean of the worst municipality over {replications} replications.",
    ),
    "sweep.caption_target_heat": (
        " Schraffierte Zellen: die 95-%-Schranke einer Kommune verfehlt das Ziel.",
        " Hatched cells: some municipality's 95% bound misses the target.",
    ),
    "sweep.target": ("Ziel", "target"),
    "sweep.all": ("alle", "all"),
    "sweep.pools": ("Personalpools", "staff pools"),
}


def text(name: str, lang: Lang = "de", /, **params: Any) -> str:
    """The text ``name`` in ``lang`` with ``{placeholders}`` filled in."""
    de, en = _TEXTS[name]
    return (de if lang == "de" else en).format(**params)


def has_text(key: str) -> bool:
    """Whether a text exists (notes from newer versions may not)."""
    return key in _TEXTS


def fte(value: float | None, lang: Lang = "de") -> str:
    """FTE with two decimals, the reader's way (``11,75``)."""
    if value is None:
        return "–"
    return format_number(value, lang, 2)
