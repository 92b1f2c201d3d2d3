"""Every word of the workbench page, in German (default) and English.

Words the report already has (KPI names, variants, roles, "Kommune") come from
:mod:`zsa_sim.report.i18n`, so the page and the report name things the same way; only
the page's own words (buttons, form labels, progress) are listed here.
"""

from __future__ import annotations

from zsa_sim.experiment.formatting import Lang
from zsa_sim.report import i18n

#: key -> (German, English)
STRINGS: dict[str, tuple[str, str]] = {
    "web.title": ("zsa-sim Was-wäre-wenn", "zsa-sim what-if workbench"),
    "web.lang_switch": (
        "English (Eingaben bleiben erhalten)",
        "Deutsch (your edits are kept)",
    ),
    "web.synthetic": (
        "Alle Daten sind synthetisch; alle Prozesskennzahlen sind Annahmen des Szenarios.",
        "All data are synthetic; all process figures are assumptions of the scenario.",
    ),
    "web.tab.scenario": ("Szenario", "Scenario"),
    "web.tab.whatif": ("Was wäre, wenn …", "What if …"),
    "web.tab.answer": ("Ergebnis", "Answer"),
    "web.tab.runs": ("Frühere Läufe", "Earlier runs"),
    "web.tab.maps": ("Prozesslandkarten", "Process maps"),
    "web.scenario.file": ("Szenariodatei", "Scenario file"),
    "web.scenario.period": ("Zeitraum", "Period"),
    "web.days": ("Tage", "days"),
    "web.scenario.services": ("Leistungen", "Services"),
    "web.scenario.variants": ("Varianten", "Variants"),
    "web.col.key": ("Schlüssel", "Key"),
    "web.col.name": ("Name", "Name"),
    "web.col.population": ("Einwohner", "Inhabitants"),
    "web.col.services": ("Leistungen", "Services"),
    "web.col.staff": ("Personal (VZÄ)", "Staff (FTE)"),
    "web.col.role": ("Rolle", "Role"),
    "web.col.fte_base": ("VZÄ ohne ZSA", "FTE without ZSA"),
    "web.col.fte_with": ("VZÄ mit ZSA (verbleibend)", "FTE with ZSA (remaining)"),
    "web.col.variant": ("Variante", "Variant"),
    "web.col.description": ("Beschreibung", "Description"),
    "web.col.bpmn": ("BPMN-Modell", "BPMN model"),
    "web.col.volume": ("Fälle je 1.000 Einw. und Jahr", "cases per 1,000 inhabitants a year"),
    "web.col.cost": ("Kosten der Arbeit", "Cost of the work"),
    "web.col.conclusion": ("Fazit (Durchlaufzeit)", "Conclusion (lead time)"),
    "web.col.verdicts": ("Gepaarte Urteile", "Paired verdicts"),
    "web.col.run": ("Lauf", "Run"),
    "web.col.replications": ("Replikationen", "Replications"),
    "web.form.name": ("Name der Szenarioversion", "Name of the scenario version"),
    "web.form.variant": ("Variante mit ZSA", "Variant with ZSA"),
    "web.form.municipalities": ("Kommunen in der ZSA", "Municipalities joining the ZSA"),
    "web.form.services": ("Leistungen in der ZSA", "Services handled by the ZSA"),
    "web.form.zsa_staff": ("Personal der ZSA (VZÄ)", "ZSA staff (FTE)"),
    "web.form.staff": ("Personal der Kommunen je Rolle", "Municipal staff per role"),
    "web.form.staff_note": (
        "Leer in der rechten Spalte: wie ohne ZSA. Eine Kommune, die nicht beitritt, "
        "behält ihr ganzes Personal. " + "{ramps}",
        "Empty in the right column: as without the ZSA. A municipality that does not "
        "join keeps all its staff. " + "{ramps}",
    ),
    "web.form.ramp_note": (
        "Personal, das sich mit der Zeit ändert, steht als Stufen „Datum: VZÄ; Datum: VZÄ“ "
        "(z. B. 2026-01-01: 2; 2026-07-01: 8); „×1,5“ vervielfacht jede Stufe.",
        "Staff that change over time are written as steps 'DATE: FTE; DATE: FTE' "
        "(e.g. 2026-01-01: 2; 2026-07-01: 8); '×1.5' multiplies every step.",
    ),
    "web.form.volume": ("Fallzahl-Faktor je Leistung", "Volume factor per service"),
    "web.form.handover": (
        "Übergabezeit Kommune ↔ ZSA, Mittelwert (Tage)",
        "Hand-over delay municipality ↔ ZSA, mean (days)",
    ),
    "web.form.effort": (
        "Aufwandsfaktor der ZSA (< 1: schneller)",
        "ZSA effort factor (< 1: faster)",
    ),
    "web.form.replications": ("Replikationen", "Replications"),
    "web.form.seed": ("Startwert (Seed)", "Seed"),
    "web.button.check": ("Prüfen", "Check"),
    "web.button.run": ("Rechnen", "Run"),
    "web.button.cancel": ("Abbrechen", "Cancel"),
    "web.button.reset": ("Zurücksetzen", "Reset"),
    "web.button.compare": ("Nebeneinander stellen", "Put side by side"),
    "web.button.html": ("Bericht (HTML)", "Report (HTML)"),
    "web.button.excel": ("Excel", "Excel"),
    "web.button.yaml": ("Szenario (YAML)", "Scenario (YAML)"),
    "web.check.ok": (
        "Gültig. Änderungen gegenüber der Szenariodatei: {changes}",
        "Valid. Changes to the scenario file: {changes}",
    ),
    "web.check.none": ("Gültig, keine Änderungen.", "Valid, no changes."),
    "web.phase.prepare": ("Szenario laden und prüfen", "loading and checking the scenario"),
    "web.phase.simulate": ("Simulation", "simulating"),
    "web.phase.write": ("Ergebnisse schreiben", "writing the results"),
    "web.phase.done": ("fertig", "done"),
    "web.progress": (
        "{name}: {phase}, {done} von {total} Läufen, {elapsed} s vergangen{eta}",
        "{name}: {phase}, {done} of {total} runs, {elapsed} s elapsed{eta}",
    ),
    "web.progress.start": (
        "{name}: {phase}, {elapsed} s vergangen",
        "{name}: {phase}, {elapsed} s elapsed",
    ),
    "web.eta": (", noch etwa {eta} s", ", about {eta} s to go"),
    "web.state.done": (
        "Fertig: {name} in {elapsed} s ({cpu} CPU-Sekunden{cached}).",
        "Done: {name} in {elapsed} s ({cpu} CPU seconds{cached}).",
    ),
    "web.state.cached": (
        "; {cached} von {total} Läufen unverändert, aus dem Ergebnis-Zwischenspeicher",
        "; {cached} of {total} runs unchanged, taken from the result cache",
    ),
    "web.state.cancelled": (
        "Abgebrochen; es wurde nichts gespeichert.",
        "Cancelled; nothing was kept.",
    ),
    "web.state.failed": ("Fehler: {error}", "Error: {error}"),
    "web.answer.none": (
        "Noch kein Ergebnis: Szenario ändern und „Rechnen“ drücken, oder einen früheren "
        "Lauf wählen.",
        "No answer yet: change the scenario and press Run, or pick an earlier run.",
    ),
    "web.answer.run": ("Lauf", "Run"),
    "web.answer.conclusion": ("Fazit je Kommune", "Conclusion per municipality"),
    "web.answer.charts": ("Kennzahlen mit 95-%-Konfidenzintervall", "KPIs with 95% intervals"),
    "web.answer.export": ("Exportieren", "Export"),
    "web.answer.drawing": ("Die Diagramme werden gezeichnet …", "Drawing the charts …"),
    "web.button.eventlog": ("Ereignisprotokoll (CSV)", "Event log (CSV)"),
    "web.export.preparing": (
        " Die Datei wird vorbereitet … (einige Sekunden)",
        " Preparing the file … (a few seconds)",
    ),
    "web.button.cancel_export": ("Abbrechen", "Cancel"),
    "web.export.cancelled": (
        "✗ Export abgebrochen: es wurde keine Datei geschrieben.",
        "✗ Export cancelled: no file was written.",
    ),
    "web.export.note": (
        "Jeder Lauf ist ein Ergebnisordner wie der von „zsa-sim run --eventlog none“ "
        "(Kennzahlen, Fälle, Urteile, Szenario). Bericht, Excel-Mappe und "
        "Ereignisprotokoll werden erst auf Knopfdruck geschrieben und im Ordner des Laufs "
        "behalten; das Ereignisprotokoll (erster Lauf jeder Variante, wie „zsa-sim run“ es "
        "schreibt) wird dafür noch einmal simuliert.",
        "Each run is a results folder like that of 'zsa-sim run --eventlog none' (KPIs, "
        "cases, verdicts, scenario). Report, Excel workbook and event log are written when "
        "asked for and kept in the run's folder; for the event log (the first replication "
        "of each variant, as 'zsa-sim run' writes it) those replications are simulated "
        "again.",
    ),
    "web.verdict.better": ("schneller", "faster"),
    "web.verdict.worse": ("langsamer", "slower"),
    "web.verdict.same": ("kein signifikanter Unterschied", "no significant difference"),
    "web.runs.pick": (
        "Zwei oder mehr Läufe wählen, um sie nebeneinander zu stellen:",
        "Pick two or more runs to put them side by side:",
    ),
    "web.runs.kpi": ("Kennzahl", "KPI"),
    "web.runs.need_two": ("Bitte mindestens zwei Läufe wählen.", "Please pick at least two runs."),
    "web.maps.note": (
        "Gestrichelt mit „ZSA“: zentralisierbare Aufgaben (übernimmt die ZSA in der "
        "gewählten Variante). Maus über eine Aufgabe: Rolle und Aufwand.",
        "Dashed and tagged 'ZSA': centralisable tasks (done by the ZSA in the chosen "
        "variant). Hover over a task: role and effort.",
    ),
    "web.maps.none": ("Das Modell hat kein Diagramm.", "The model has no diagram."),
    "web.map.centralisable": ("zentralisierbar", "centralisable"),
    "web.map.local": ("bleibt in der Kommune", "stays with the municipality"),
    "web.map.effort": ("Aufwand", "Effort"),
    "web.map.role": ("Rolle", "Role"),
}


def t(key: str, lang: Lang = "de", /, **values: object) -> str:
    """The page's text for ``key`` in ``lang`` (the report's words for the report's keys)."""
    if key in STRINGS:
        text = STRINGS[key][0 if lang == "de" else 1]
        return text.format(**values) if values else text
    return i18n.tr(key, lang, **values)
