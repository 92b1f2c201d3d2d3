"""Every word the report and its charts show, in German (default) and English.

The readers are German municipal staff, so German is the default and numbers follow
German conventions (``1.234,5``, via :mod:`zsa_sim.experiment.formatting`). Strings are
looked up by key with :func:`tr`; a key missing in a language is a programming error
and fails loudly in the tests rather than showing an English word in a German report.

KPI names come from :data:`zsa_sim.experiment.kpis.KPI_INFO` and unit names from
:mod:`zsa_sim.experiment.formatting`, so a verdict, a table and a chart name a KPI the
same way.
"""

from __future__ import annotations

from datetime import date

from zsa_sim.experiment.formatting import Lang, format_number, format_value, unit_name
from zsa_sim.experiment.kpis import KPI_INFO

LANGS: tuple[Lang, ...] = ("de", "en")

#: key -> (German, English); ``{name}`` placeholders are filled by :func:`tr`.
STRINGS: dict[str, tuple[str, str]] = {
    # -- variants and organisation ----------------------------------------------------
    "variant.dezentral": ("Dezentral", "Decentral"),
    "variant.zentral": ("Zentral (ZSA)", "Central (ZSA)"),
    "variant.short.dezentral": ("dezentral", "decentral"),
    "variant.short.zentral": ("zentral", "central"),
    "municipality": ("Kommune", "Municipality"),
    "municipalities": ("Kommunen", "municipalities"),
    "central_unit": ("ZSA (zentrale Servicestelle)", "ZSA (central service unit)"),
    "team": ("Team", "Team"),
    "all_services": ("alle Leistungen", "all services"),
    "all_municipalities": ("Alle Kommunen zusammen", "All municipalities together"),
    # -- roles (BPMN lanes' zsa:role) --------------------------------------------------
    "role.front_office": ("Bürgerbüro/Posteingang", "front office"),
    "role.tax_clerk": ("Steuersachbearbeitung", "tax clerks"),
    "role.housing_clerk": ("Wohngeldsachbearbeitung", "housing-benefit clerks"),
    "role.housing_lead": ("Sachgebietsleitung", "team lead"),
    "role.clerk": ("Sachbearbeitung", "clerks"),
    "role.team": ("gemeinsames Team", "joint team"),
    # -- common chart words ------------------------------------------------------------
    "legend.mean_ci": (
        "Mittelwert mit 95-%-Konfidenzintervall",
        "mean with 95% confidence interval",
    ),
    "legend.band": ("Band: 95-%-Konfidenzintervall", "band: 95% confidence interval"),
    "legend.limit85": ("85 % (Belastungsgrenze)", "85% (load limit)"),
    "axis.days": ("Kalendertage", "calendar days"),
    "axis.working_days": ("Arbeitstage", "working days"),
    "no_data": ("keine Daten", "no data"),
    # -- times chart -------------------------------------------------------------------
    "times.waiting_time.axis": (
        "Wartezeit bis zur ersten Bearbeitung (Kalendertage)",
        "Waiting time until first processing (calendar days)",
    ),
    "times.lead_time.axis": (
        "Durchlaufzeit bis zum Bescheid (Kalendertage)",
        "Lead time to decision (calendar days)",
    ),
    "times.waiting_time.panel": (
        "{service}: Wartezeit je Kommune",
        "{service}: waiting time per municipality",
    ),
    "times.lead_time.panel": (
        "{service}: Durchlaufzeit je Kommune",
        "{service}: lead time per municipality",
    ),
    "times.caption": (
        "Verteilung über alle Fälle aller Replikationen, die im Auswertungszeitraum "
        "eingingen. Kasten: mittlere 50 % der Fälle, Strich: Median, Antennen: 5. bis "
        "95. Perzentil. Symbol mit Fehlerbalken: Mittelwert mit 95-%-Konfidenzintervall "
        "über {n} Replikationen. Noch nicht {what} Fälle ({open}) sind nicht enthalten.",
        "Distribution over all cases of all replications that arrived in the evaluation "
        "window. Box: middle 50% of cases, line: median, whiskers: 5th to 95th "
        "percentile. Marker with error bar: mean with 95% confidence interval over {n} "
        "replications. Cases not yet {what} ({open}) are not included.",
    ),
    "times.what.waiting_time": ("begonnene", "started"),
    "times.what.lead_time": ("beschiedene", "decided"),
    # -- staff charts ------------------------------------------------------------------
    "util.axis": (
        "Auslastung (Arbeitszeit ÷ verfügbare Arbeitszeit)",
        "Utilisation (work ÷ available time)",
    ),
    "util.panel": (
        "Auslastung je Team (Kommune und Rolle)",
        "Utilisation per team (organisation and role)",
    ),
    "util.title": (
        "Über 85 % ausgelastet: {base_over} von {base_n} Teams {base}, {treat_over} von "
        "{treat_n} {treat}",
        "Above 85% utilisation: {base_over} of {base_n} teams {base}, {treat_over} of "
        "{treat_n} {treat}",
    ),
    "util.title.central": ("; {unit} {share}", "; {unit} {share}"),
    "util.caption": (
        "Auslastung = Arbeitszeit der im Auswertungszeitraum begonnenen Aufgaben geteilt "
        "durch die verfügbare Arbeitszeit (nach Abwesenheiten). Balken: Mittelwert über {n} "
        "Replikationen, Fehlerbalken: 95-%-Konfidenzintervall. Oberhalb von 85 % bleibt "
        "kaum Reserve für Spitzen, Wartezeiten wachsen stark.",
        "Utilisation = working time of tasks begun in the evaluation window divided by the "
        "available working time (after absences). Bar: mean over {n} replications, error "
        "bar: 95% confidence interval. Above 85% there is hardly any reserve for peaks and "
        "waiting times grow steeply.",
    ),
    "staff.hours.axis": (
        "Arbeitsstunden im Auswertungszeitraum",
        "Staff hours in the evaluation window",
    ),
    "staff.cost.axis": ("Personalkosten (EUR)", "Staff cost (EUR)"),
    "staff.hours.panel": (
        "Gearbeitete Stunden (Raute: bezahlte Stunden)",
        "Hours worked (diamond: hours paid)",
    ),
    "staff.cost.panel": ("Personalkosten: bezahlte Kapazität", "Staff cost: paid capacity"),
    "staff.part.municipalities": ("Kommunen", "Municipalities"),
    "staff.part.central": ("ZSA", "ZSA"),
    "staff.capacity": (
        "bezahlte Stunden (verfügbare Arbeitszeit)",
        "hours paid (available working time)",
    ),
    "staff.total_ci": ("Summe mit 95-%-Konfidenzintervall", "total with 95% confidence interval"),
    "staff.title": (
        "{variant}: Personalkosten (bezahlte Kapazität) {cost}; gearbeitete Stunden "
        "{hours}, Auslastung {base_util} → {treat_util}",
        "{variant}: staff cost (paid capacity) {cost}; hours worked {hours}, utilisation "
        "{base_util} → {treat_util}",
    ),
    "staff.change.down": ("{size} niedriger", "{size} lower"),
    "staff.change.up": ("{size} höher", "{size} higher"),
    "staff.change.none": ("ohne signifikante Änderung", "no significant change"),
    "staff.change.unknown": ("nicht bestimmbar (Kostensatz fehlt)", "unknown (no cost rate)"),
    "staff.caption": (
        "Rechts: Personalkosten als bezahlte Kapazität, also verfügbare Arbeitszeit aller "
        "Teams × Kostensatz, ob ausgelastet oder nicht – das ist, was der Haushalt zahlt; "
        "gestapelt nach Kommunen und ZSA. Links: davon gearbeitete Stunden (im "
        "Auswertungszeitraum begonnene Aufgaben) und als Raute die bezahlten Stunden; ihr "
        "Verhältnis ist die Auslastung. Fehlerbalken: 95-%-Konfidenzintervall der Summe "
        "über {n} Replikationen.",
        "Right: staff cost as paid capacity, i.e. the available time of all teams × cost "
        "rate, busy or not – what the budget pays; stacked by municipalities and ZSA. "
        "Left: the hours worked of it (tasks begun in the evaluation window) and, as a "
        "diamond, the hours paid; their ratio is the utilisation. Error bar: 95% "
        "confidence interval of the total over {n} replications.",
    ),
    "fte": ("VZÄ", "FTE"),
    "freed.axis": (
        "Frei werdende Arbeitszeit (Vollzeitäquivalente, VZÄ)",
        "Working time freed (full-time equivalents, FTE)",
    ),
    "freed.panel": (
        "Frei werdende Arbeitszeit je Kommune und Bedarf der ZSA",
        "Working time freed per municipality and needed by the ZSA",
    ),
    "freed.needed": ("{unit}: benötigt", "{unit}: needed"),
    "freed.legend.freed": (
        "in der Kommune frei (dezentral − zentral)",
        "freed in the municipality (decentral − central)",
    ),
    "freed.legend.needed": ("Arbeitszeit der ZSA", "working time of the ZSA"),
    "freed.title": (
        "{variant}: Kommunen gewinnen {freed} VZÄ, die ZSA braucht dafür {needed} VZÄ",
        "{variant}: municipalities gain {freed} FTE, the ZSA needs {needed} FTE for it",
    ),
    "freed.title.no_central": (
        "{variant}: Kommunen gewinnen {freed} VZÄ",
        "{variant}: municipalities gain {freed} FTE",
    ),
    "freed.caption": (
        "Arbeitsstunden der kommunalen Teams dezentral minus zentral, je Replikation gepaart "
        "(gleiche Fälle), umgerechnet in Vollzeitäquivalente mit der verfügbaren "
        "Jahresarbeitszeit je VZÄ der Kommune ({hours} Stunden netto im "
        "Auswertungszeitraum). Fehlerbalken: 95-%-Konfidenzintervall über {n} "
        "Replikationen. Ein VZÄ ist Arbeitszeit, keine Stelle: ob Personal umgesetzt wird, "
        "entscheidet die Kommune.",
        "Staff hours of the municipal teams, decentral minus central, paired per "
        "replication (same cases), converted to full-time equivalents with the "
        "municipality's available working time per FTE ({hours} net hours in the "
        "evaluation window). Error bar: 95% confidence interval over {n} replications. An "
        "FTE is working time, not a post: whether staff are reassigned is the "
        "municipality's decision.",
    ),
    # -- weekly charts -----------------------------------------------------------------
    "weekly.utilisation.axis": ("Auslastung je Woche", "Utilisation per week"),
    "weekly.queue.axis": ("Aufgaben in der Warteschlange", "Tasks waiting"),
    "weekly.utilisation.title": (
        "Auslastung je Team und Woche: höchste Woche {value} ({team}, {variant})",
        "Utilisation per team and week: highest week {value} ({team}, {variant})",
    ),
    "weekly.queue.title": (
        "Warteschlange je Team und Woche: im Mittel bis zu {value} wartende Aufgaben "
        "({team}, {variant})",
        "Queue per team and week: up to {value} tasks waiting on average ({team}, {variant})",
    ),
    "weekly.utilisation.none": ("Auslastung je Team und Woche", "Utilisation per team and week"),
    "weekly.queue.none": ("Warteschlange je Team und Woche", "Queue per team and week"),
    "weekly.utilisation.caption": (
        "Je Woche: Arbeitszeit der in der Woche begonnenen Aufgaben geteilt durch die "
        "verfügbare Arbeitszeit des Teams (nach Abwesenheiten). Farbe: Team, Linienart: "
        "Variante; Mittelwert über {n} Replikationen. Wochen ab Beginn der "
        "Einschwingphase; Feiertagswochen haben weniger verfügbare Zeit.",
        "Per week: working time of the tasks begun in the week over the team's available "
        "working time (after absences). Colour: team, line style: variant; mean over {n} "
        "replications. Weeks from the start of the warm-up; holiday weeks have less "
        "available time.",
    ),
    "weekly.queue.caption": (
        "Je Woche: mittlere Zahl der Aufgaben, die auf das Team warten (bereit, aber noch "
        "nicht begonnen), über alle Tage und Stunden der Woche. Farbe: Team, Linienart: "
        "Variante; Mittelwert über {n} Replikationen.",
        "Per week: mean number of tasks waiting for the team (ready, not yet begun), over "
        "all days and hours of the week. Colour: team, line style: variant; mean over {n} "
        "replications.",
    ),
    # -- backlog chart -----------------------------------------------------------------
    "backlog.axis": ("Offene Fälle", "Open cases"),
    "backlog.observed": ("beobachtet", "observed"),
    "backlog.warmup": ("Einschwingphase (nicht ausgewertet)", "warm-up (not evaluated)"),
    "backlog.grows": (
        "{base}: offene Fälle in {municipality} wachsen auf {base_end}, {treat} nur auf "
        "{treat_end}",
        "{base}: open cases in {municipality} grow to {base_end}, {treat} only to {treat_end}",
    ),
    "backlog.end_one": (
        "Offene Fälle am letzten Tag des Auswertungszeitraums: {municipality} {base_end}",
        "Open cases on the last day of the evaluation window: {municipality} {base_end}",
    ),
    "backlog.end": (
        "Offene Fälle am letzten Tag des Auswertungszeitraums: {municipality} {base_end} "
        "{base}, {treat_end} {treat}",
        "Open cases on the last day of the evaluation window: {municipality} {base_end} "
        "{base}, {treat_end} {treat}",
    ),
    "backlog.caption": (
        "Zahl der eingegangenen, noch nicht abgeschlossenen Fälle (alle Leistungen) am Ende "
        "jedes Tages, gleitender 7-Tage-Durchschnitt. Linie: Mittelwert über {n} "
        "Replikationen, Band: 95-%-Konfidenzintervall des Mittelwerts. Grau hinterlegt: "
        "Einschwingphase, die nicht in die Kennzahlen eingeht. Lesart: Entscheidend ist der "
        "Trend über das Jahr ohne Feiertags- und Urlaubszeiten; ein Anstieg über die "
        "Weihnachtsschließung allein ist normal. Steigt der Bestand auch außerhalb solcher "
        "Zeiten stetig, kommen mehr Fälle herein, als das Team schafft. Diese Kurve zählt "
        "am Tagesende; die Kennzahl „offene Fälle“ in den Tabellen zählt dagegen nach dem "
        "Nachlauf.",
        "Number of cases received and not yet finished (all services) at the end of each "
        "day, 7-day moving average. Line: mean over {n} replications, band: 95% "
        "confidence interval of the mean. Grey: warm-up, not part of the KPIs. How to read "
        "it: what matters is the trend over the year outside holiday periods; a rise over "
        "the Christmas closure alone is normal. A stock that keeps rising outside such "
        "periods means more cases arrive than the team can finish. This curve counts at "
        "the end of each day; the KPI 'open cases' in the tables counts after the cool-down.",
    ),
    # -- ECDF chart --------------------------------------------------------------------
    "ecdf.axis.y": ("Anteil beschiedener Fälle", "Share of decided cases"),
    "ecdf.axis.working_days": (
        "Durchlaufzeit bis zum Bescheid (Arbeitstage)",
        "Lead time to decision (working days)",
    ),
    "ecdf.axis.days": (
        "Durchlaufzeit bis zum Bescheid (Kalendertage)",
        "Lead time to decision (calendar days)",
    ),
    "ecdf.target": ("Ziel: {label} ≤ {max}", "Target: {label} ≤ {max}"),
    "ecdf.target_label": ("{q} der Durchlaufzeit", "{q} lead time"),
    "ecdf.mean": ("Mittelwert", "mean"),
    "ecdf.within": ("≤ {max}:", "≤ {max}:"),
    "ecdf.title": (
        "{service}, Ziel {label} ≤ {max}: erreicht in {treat_ok} von {total} Kommunen "
        "{treat}, in {base_ok} {base}",
        "{service}, target {label} ≤ {max}: met in {treat_ok} of {total} municipalities "
        "{treat}, in {base_ok} {base}",
    ),
    "ecdf.title.quantile": (
        "{service}: p90 der Durchlaufzeit {treat} {treat_q}, {base} {base_q} (alle Kommunen)",
        "{service}: p90 lead time {treat} {treat_q}, {base} {base_q} (all municipalities)",
    ),
    "ecdf.caption": (
        "Empirische Verteilungsfunktion: Anteil der beschiedenen Fälle (alle {n} "
        "Replikationen, Eingang im Auswertungszeitraum), deren Durchlaufzeit höchstens den "
        "Wert auf der x-Achse beträgt. Senkrechte Linie: Zielwert, waagerechte Linie: das "
        "Quantil, für das er gilt. Arbeitstage ohne Wochenenden und Feiertage laut Kalender "
        "des Szenarios. Nicht enthalten sind Fälle ohne Bescheid: abgeschlossen ohne "
        "Bescheid-Aufgabe (z. B. Rücknahme oder Versagung über einen anderen Endpunkt) "
        "{closed}; am Ende noch offen {open}.",
        "Empirical distribution function: share of decided cases (all {n} replications, "
        "arrived in the evaluation window) whose lead time is at most the value on the x "
        "axis. Vertical line: the target value, horizontal line: the quantile it applies "
        "to. Working days exclude weekends and public holidays per the scenario's calendar. "
        "Not included are cases without a decision: closed without the decision task (e.g. "
        "withdrawn, or refused through another end event) {closed}; still open at the end "
        "{open}.",
    ),
    # -- process map -------------------------------------------------------------------
    "map.colorbar": (
        "Mittlere Wartezeit bis zum Bearbeitungsbeginn ({unit})",
        "Mean waiting time until work begins ({unit})",
    ),
    "map.unit.days": ("Tage", "days"),
    "map.unit.hours": ("Stunden", "hours"),
    "map.central": ("ZSA", "ZSA"),
    "map.legend.central": (
        "gestrichelter Rahmen: erledigt die ZSA",
        "dashed frame: done by the ZSA",
    ),
    "map.legend.none": ("schraffiert: keine Fälle", "hatched: no cases"),
    "map.title": (
        "{service}: längste Wartezeit {base} vor „{task}“ ({base_wait}), {treat} {treat_wait}",
        "{service}: longest wait {base} before “{task}” ({base_wait}), {treat} {treat_wait}",
    ),
    "map.title.empty": ("{service}: Prozessmodell", "{service}: process model"),
    "map.caption": (
        "Das BPMN-Modell ({file}), gezeichnet nach den Koordinaten der Datei. Jede Aufgabe "
        "ist nach der mittleren Wartezeit eingefärbt, bis ihre Bearbeitung begann (alle "
        "Kommunen und Replikationen, gewichtet mit der Zahl der Fälle; Farbskala für beide "
        "Varianten gleich). Gestrichelter Rahmen mit „ZSA“: Aufgabe, die in dieser Variante "
        "die zentrale Servicestelle erledigt. Schraffiert: Aufgabe ohne Fälle im "
        "Auswertungszeitraum.",
        "The BPMN model ({file}), drawn from the file's coordinates. Each task is coloured "
        "by the mean waiting time until work on it began (all municipalities and "
        "replications, weighted by the number of cases; the same colour scale for both "
        "variants). Dashed frame marked “ZSA”: a task the central service unit does in "
        "this variant. Hatched: a task without cases in the evaluation window.",
    ),
    # -- HTML report -------------------------------------------------------------------
    "html.title": ("Entscheidungsbericht: {scenario}", "Decision report: {scenario}"),
    "html.subtitle": (
        "Simulation dezentraler und zentraler Bearbeitung (ZSA) mit zsa-sim",
        "Simulation of decentral and central processing (ZSA) with zsa-sim",
    ),
    "html.synthetic.head": ("Alle Daten sind synthetisch.", "All data are synthetic."),
    "html.synthetic.body": (
        "Die Fälle, Antragstellenden und Zahlen in diesem Bericht sind simuliert und "
        "erfunden; sie enthalten keine echten personenbezogenen Daten. Die Ergebnisse sind "
        "Modellrechnungen unter den Annahmen am Ende dieses Berichts, keine Messungen.",
        "The cases, applicants and figures in this report are simulated and invented; they "
        "contain no real personal data. The results are model calculations under the "
        "assumptions at the end of this report, not measurements.",
    ),
    "html.meta.run": ("Lauf", "Run"),
    "html.meta.replications": ("Replikationen", "Replications"),
    "html.meta.period": ("Zeitraum", "Period"),
    "html.meta.period_value": (
        "ausgewertet {start} bis {end} ({days} Tage); davor {warmup} Tage Einschwingphase "
        "(nicht ausgewertet), danach {cooldown} Tage Nachlauf ohne neue Anträge, damit "
        "späte Fälle abschließen können",
        "evaluated {start} to {end} ({days} days); before that {warmup} days warm-up (not "
        "evaluated), after it {cooldown} days cool-down without new applications, so that "
        "late cases can finish",
    ),
    "html.meta.seed": ("Startwert (Seed)", "Seed"),
    "html.toc": ("Inhalt", "Contents"),
    "html.full_image": ("in voller Größe öffnen", "open at full size"),
    "html.verdicts": ("Ergebnis auf einen Blick", "Results at a glance"),
    "html.verdicts.intro": (
        "Gepaarter Vergleich {treat} gegenüber {base} je Kommune (gleiche Fälle in beiden "
        "Varianten); in Klammern das 95-%-Konfidenzintervall der Änderung.",
        "Paired comparison {treat} against {base} per municipality (the same cases in both "
        "variants); in brackets the 95% confidence interval of the change.",
    ),
    "html.summary": ("Kennzahlen je Kommune", "KPIs per municipality"),
    "html.summary.intro": (
        "Mittelwerte über {n} Replikationen mit 95-%-Konfidenzintervall. Änderung: "
        "gepaarte Differenz {treat} − {base}; ▼ besser, ▲ schlechter, ohne Zeichen: nicht "
        "signifikant.",
        "Means over {n} replications with 95% confidence interval. Change: paired "
        "difference {treat} − {base}; ▼ better, ▲ worse, no sign: not significant.",
    ),
    "html.col.kpi": ("Kennzahl", "KPI"),
    "html.teams": ("Auslastung der Teams", "Utilisation of the teams"),
    "html.col.change": ("Änderung", "Change"),
    "html.better": ("besser", "better"),
    "html.worse": ("schlechter", "worse"),
    "html.charts": ("Diagramme", "Charts"),
    "html.assumptions": ("Annahmen", "Assumptions"),
    "html.assumptions.intro": (
        "Die Ergebnisse gelten nur unter diesen Annahmen. Alle Werte stammen aus der "
        "Szenariodatei; wo sie nicht aus einer Quelle stammen, sind sie Annahmen, die "
        "das Pilotteam durch eigene Zahlen ersetzen sollte.",
        "The results hold only under these assumptions. All values come from the scenario "
        "file; where they do not come from a source, they are assumptions the pilot team "
        "should replace with its own figures.",
    ),
    "html.scenario": ("Szenario", "Scenario"),
    "html.description": ("Beschreibung", "Description"),
    "html.variants": ("Varianten", "Variants"),
    "html.services": ("Leistungen", "Services"),
    "html.service": ("Leistung", "Service"),
    "html.model": ("BPMN-Modell", "BPMN model"),
    "html.decision_task": ("Bescheid-Aufgabe", "Decision task"),
    "html.targets": ("Servicelevel-Ziele", "Service-level targets"),
    "html.population": ("Einwohner", "Population"),
    "html.staff": ("Personal (VZÄ je Rolle)", "Staff (FTE per role)"),
    "html.pools": ("Teams je Variante (VZÄ, Kostensatz)", "Teams per variant (FTE, cost rate)"),
    "html.cost_rate": ("EUR je Stunde", "EUR per hour"),
    "html.parameters": ("Alle Szenarioparameter", "All scenario parameters"),
    "html.key": ("Schlüssel", "Key"),
    "html.value": ("Wert", "Value"),
    "html.footer": (
        "Erstellt mit zsa-sim {version} aus dem Ergebnisordner {run}. Szenariodatei "
        "SHA-256 {sha}. Gleicher Startwert und gleiche Eingaben ergeben dieselben Zahlen.",
        "Made with zsa-sim {version} from the results folder {run}. Scenario file SHA-256 "
        "{sha}. The same seed and inputs give the same figures.",
    ),
    "html.none": ("keine", "none"),
    "html.yes": ("ja", "yes"),
    "html.no": ("nein", "no"),
    # -- findings (chart titles) -------------------------------------------------------
    "finding.shorter": ("kürzer", "shorter"),
    "finding.longer": ("länger", "longer"),
    "finding.lower": ("niedriger", "lower"),
    "finding.higher": ("höher", "higher"),
    "finding.one": (
        "{variant}: {kpi} in {municipality} {size} {direction}",
        "{variant}: {kpi} {size} {direction} in {municipality}",
    ),
    "finding.many": (
        "{variant}: {kpi} in {count} von {total} Kommunen {direction}, am stärksten in "
        "{municipality} ({size})",
        "{variant}: {kpi} {direction} in {count} of {total} municipalities, most in "
        "{municipality} ({size})",
    ),
    "finding.mixed": (
        "{variant}: {kpi} in {municipality} {size} {good}{others}, in {worse} {bad}",
        "{variant}: {kpi} {size} {good} in {municipality}{others}, {bad} in {worse}",
    ),
    "finding.others.one": (" und in einer weiteren Kommune", " and in one more municipality"),
    "finding.others.many": (" und in {n} weiteren Kommunen", " and in {n} more municipalities"),
    "finding.none": (
        "{variant}: {kpi} ohne signifikante Änderung",
        "{variant}: no significant change in {kpi}",
    ),
    "finding.no_data": ("{kpi}: keine Vergleichsdaten", "{kpi}: nothing to compare"),
    "count.municipality": ("{n} Kommune", "{n} municipality"),
    "count.municipalities": ("{n} Kommunen", "{n} municipalities"),
}


def count_municipalities(n: int, lang: Lang = "de") -> str:
    """ "1 Kommune", "3 Kommunen" / "1 municipality", "3 municipalities"."""
    return tr("count.municipality" if n == 1 else "count.municipalities", lang, n=n)


def tr(key: str, lang: Lang = "de", /, **values: object) -> str:
    """The text for ``key`` in ``lang``, with ``{placeholders}`` filled in."""
    try:
        de, en = STRINGS[key]
    except KeyError:
        raise KeyError(f"no report text for {key!r}") from None
    text = de if lang == "de" else en
    return text.format(**values) if values else text


def has(key: str) -> bool:
    """True if there is a text for ``key``."""
    return key in STRINGS


def variant_label(name: str, lang: Lang = "de", *, short: bool = False) -> str:
    """How a variant is named: "Zentral (ZSA)"; unknown (hybrid) variants keep their name."""
    key = f"variant.{'short.' if short else ''}{name}"
    if key in STRINGS:
        return tr(key, lang)
    words = name.replace("_", " ")
    return words if short else words[:1].upper() + words[1:]


def role_label(role: str, lang: Lang = "de") -> str:
    """How a staff role (a BPMN lane's ``zsa:role``) is named; unknown roles as written."""
    key = f"role.{role}"
    return tr(key, lang) if key in STRINGS else role.replace("_", " ")


def kpi_label(kpi: str, lang: Lang = "de") -> str:
    """The short name of a KPI, e.g. "Wartezeit p90" / "waiting time p90"."""
    info = KPI_INFO.get(kpi)
    if info is None:
        return kpi
    label = info.label_de if lang == "de" else info.label_en
    if kpi.startswith("waiting_time_"):  # say which wait: there are stages (issue 16)
        label = label.replace("Wartezeit", "Wartezeit bis 1. Arbeitsschritt", 1).replace(
            "waiting time", "wait until first step", 1
        )
    return label


def kpi_unit(kpi: str, lang: Lang = "de") -> str:
    """The display name of a KPI's unit ("Tage", "%", "EUR")."""
    info = KPI_INFO.get(kpi)
    return unit_name(info.unit, lang) if info else ""


def number(x: float, lang: Lang = "de", digits: int = 1) -> str:
    """A number the reader's way: ``1.234,5`` (de) or ``1,234.5`` (en)."""
    return format_number(x, lang, digits)


def amount(x: float, unit: str, lang: Lang = "de", *, difference: bool = False) -> str:
    """A number with its unit: ``6,1 Tage``, ``83,4 %``, ``12.500 EUR``."""
    return format_value(x, unit, lang, difference=difference)


def compact(x: float, lang: Lang = "de", max_digits: int = 4) -> str:
    """A number with only the decimals it needs: ``15``, ``2,5``, ``0,125``."""
    digits = 0
    while digits < max_digits and abs(x - round(x, digits)) >= 1e-9 * max(1.0, abs(x)):
        digits += 1
    return format_number(x, lang, digits)


def percent(share: float, lang: Lang = "de", digits: int = 0) -> str:
    """A share as percent: ``0.853`` -> ``85 %`` (de) / ``85%`` (en)."""
    text = format_number(share * 100, lang, digits)
    return f"{text} %" if lang == "de" else f"{text}%"


#: Month abbreviations for date axes (not from the locale, which may be C on servers).
MONTHS: dict[Lang, tuple[str, ...]] = {
    "de": ("Jan", "Feb", "Mär", "Apr", "Mai", "Jun", "Jul", "Aug", "Sep", "Okt", "Nov", "Dez"),
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
}


def date_text(day: date | str, lang: Lang = "de") -> str:
    """A date as its reader writes it: ``01.01.2026`` (de) or ``2026-01-01`` (en, ISO)."""
    if isinstance(day, str):
        day = date.fromisoformat(day[:10])
    return day.strftime("%d.%m.%Y") if lang == "de" else day.isoformat()


#: English names of the shipped services (the BPMN process names are German).
SERVICE_NAMES_EN: dict[str, str] = {
    "Hundeanmeldung inkl. Hundesteuer": "Dog registration incl. dog tax",
    "Hundehaltung": "Dog keeping",
    "Wohngeld (Mietzuschuss)": "Housing benefit (rent subsidy)",
    "Wohngeld": "Housing benefit",
}


def service_label(label: str, lang: Lang = "de") -> str:
    """A service's name in the report's language (unknown names stay as written)."""
    return SERVICE_NAMES_EN.get(label, label) if lang == "en" else label
