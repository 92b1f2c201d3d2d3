"""Write ``scenarios/sachsen-anhalt.yaml`` from the sourced municipality table.

Run from the repository root: ``python scenarios/data/make_sachsen_anhalt.py``.

Why a generator: the state-wide scenario has 136 authorities whose populations are sums
over 218 Gemeinden, and staff that follow one rule per 1,000 inhabitants. Typing them by
hand would invite exactly the silent errors the scenario must not have; here every
number is either read from ``sachsen-anhalt-gemeinden-2021.csv`` (sourced in its header)
or computed by a rule stated once below and repeated in the YAML's comments.

The services, calendars and period are the pilot's (copied verbatim, with their sourced
comments, from ``scenarios/pilot.yaml``), so the state-wide run differs from the pilot
only in who takes part and how much staff they have.
"""

from __future__ import annotations

import csv
import sys
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCENARIOS = HERE.parent
DATA = HERE / "sachsen-anhalt-gemeinden-2021.csv"
PILOT = SCENARIOS / "pilot.yaml"
OUT = SCENARIOS / "sachsen-anhalt.yaml"

#: Bevölkerung Sachsen-Anhalts am 31.12.2021 (Statistisches Landesamt): the table's sum.
STATE_TOTAL_2021 = 2_169_253

#: Towns that are their own Wohngeld authority although they belong to a Landkreis, with
#: the source. Every other kreisangehörige Gemeinde is served by its Landkreis.
OWN_WOHNGELD_AUTHORITY = {
    "15091375": "Stadt Lutherstadt Wittenberg: Wohngeldbehörde laut Antwort der "
    "Landesregierung zu Bearbeitungszeiten (dpa, Juni 2023; facts.md), wie im Pilot",
}

# --- staffing rules (ASSUMPTION), FTE per 1,000 inhabitants, derived from the pilot ----
#: Hundehaltung (9 Anmeldungen je 1.000 Einw.): Zerbst/Anhalt's 0.05 front office and
#: 0.1 tax clerk for 21,519 inhabitants (pilot: 60-85 % utilisation).
DOG_FRONT_PER_1000 = 0.05 / 21.519
DOG_TAX_PER_1000 = 0.1 / 21.519
#: Wohngeld (30 Anträge je 1.000 Einw.): Halle's 13.5 FTE for applications, 4.0 FTE for
#: other work, 0.8 FTE lead for 227,639 inhabitants (Wittenberg: the same within 1 %).
HOUSING_APPL_PER_1000 = 13.5 / 227.639
HOUSING_OTHER_PER_1000 = 4.0 / 227.639
HOUSING_LEAD_PER_1000 = 0.8 / 227.639
#: Halle's front office (2.0 FTE, both services) less its dog share at the Zerbst rate.
HOUSING_FRONT_PER_1000 = 2.0 / 227.639 - DOG_FRONT_PER_1000
#: Other work of the housing clerks: Halle's 96 hours a week per 4.0 FTE, split 2:1:1.
OTHER_WORK_HOURS_PER_FTE = 24.0
# --- zentral (ASSUMPTION, the pilot's shares) -----------------------------------------
#: Share of the tax clerks that stays for the decision (pilot: 20-27 %).
TAX_REMAINING = 0.25
#: Share of the application housing clerks that stays (pilot: 6.5 of 13.5, 1.3 of 2.7).
HOUSING_APPL_REMAINING = 6.5 / 13.5


def fte(value: float) -> float:
    """FTE rounded to 3 decimals (a minute a week), as the pilot writes them."""
    return round(value, 3)


def slug(text: str) -> str:
    """An ASCII key for a display name (keys may hold neither '.' nor '/')."""
    table = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe",
                           "Ü": "Ue", "ß": "ss", "/": "-", " ": "-", "(": "", ")": "",
                           ",": "", ".": ""})
    return text.translate(table).replace("--", "-").strip("-")


def short_name(gv_name: str) -> str:
    """'Köthen (Anhalt), Stadt' -> 'Köthen (Anhalt)'; 'Wittenberg, Lutherstadt' ->
    'Lutherstadt Wittenberg' (the GV puts the title after a comma)."""
    if ", " not in gv_name:
        return gv_name
    name, title = gv_name.split(", ", 1)
    if title in {"Stadt", "Landeshauptstadt", "Flecken"}:
        return name
    return f"{title} {name}"


def read_table(path: Path = DATA) -> list[dict[str, str]]:
    """The Gemeinden rows of the sourced CSV (lines starting with '#' are its header)."""
    with path.open(encoding="utf-8") as handle:
        lines = [line for line in handle if not line.startswith("#")]
    return list(csv.DictReader(lines))


def authorities(rows: list[dict[str, str]]) -> tuple[list[dict], list[dict]]:
    """(dog-registering administrations, Wohngeld authorities) with their Gemeinden."""
    dog: dict[str, dict] = {}
    for row in rows:
        entry = dog.setdefault(row["verband_ars"], {
            "gv_name": row["verband"], "art": row["verband_art"], "kreis": row["kreis"],
            "kreis_art": row["kreis_art"], "gemeinden": []})
        entry["gemeinden"].append(row)
    housing: dict[str, dict] = defaultdict(lambda: {"gemeinden": []})
    for row in rows:
        if row["kreis_art"] == "kreisfreie Stadt" or row["ags"] in OWN_WOHNGELD_AUTHORITY:
            key = row["verband_ars"]  # served by its own administration
        else:
            key = "LK" + row["kreis_ags"]
        housing[key]["gemeinden"].append(row)
        housing[key].setdefault("kreis", row["kreis"])
    return list(dog.items()), list(housing.items())


def population(entry: dict) -> int:
    """Inhabitants of an authority: the sum over its Gemeinden (sourced rows)."""
    return sum(int(row["einwohner"]) for row in entry["gemeinden"])


def postcodes(entry: dict) -> list[str]:
    """The postcodes of its Gemeinden's seats, for the synthetic addresses."""
    return sorted({row["plz"] for row in entry["gemeinden"]})


def landkreis_name(kreis: str) -> str:
    """'Börde' -> 'Landkreis Börde'; 'Saalekreis', 'Altmarkkreis Salzwedel' stay."""
    return kreis if kreis.endswith("kreis") or "kreis " in kreis else f"Landkreis {kreis}"


def services_block() -> str:
    """The pilot's calendars and services, verbatim (with their sourced comments)."""
    text = PILOT.read_text(encoding="utf-8")
    start = text.index("calendars:\n")
    end = text.index("# ------------------------------------------------------------------"
                     "-------------------\n# Kommunen.")
    return text[start:end]


def build() -> str:
    """The scenario's text; stops if the table is not all 218 Gemeinden and the total."""
    rows = read_table()
    total = sum(int(row["einwohner"]) for row in rows)
    if total != STATE_TOTAL_2021 or len(rows) != 218:
        sys.exit(f"{DATA}: {len(rows)} Gemeinden, {total} inhabitants; expected 218 and "
                 f"{STATE_TOTAL_2021}")
    dog, housing = authorities(rows)
    municipalities: dict[str, dict] = {}
    for ars, entry in dog:
        own_housing = any(key == ars for key, _ in housing)
        if entry["kreis_art"] == "kreisfreie Stadt":
            name = short_name(entry["gv_name"])
            key = {"Halle (Saale)": "Halle"}.get(name, slug(name))
        elif entry["art"] == "Verbandsgemeinde":
            name = f"Verbandsgemeinde {entry['gv_name']}"
            key = "VG-" + slug(entry["gv_name"])
        else:
            name = short_name(entry["gv_name"])
            key = slug(name)
        municipalities[key] = {"name": name, "entry": entry, "dog": True,
                               "housing": own_housing, "pop": population(entry)}
    for key, entry in housing:
        if not key.startswith("LK"):
            continue
        name = landkreis_name(entry["kreis"])
        municipalities["LK-" + slug(entry["kreis"])] = {
            "name": name, "entry": entry, "dog": False, "housing": True,
            "pop": population(entry)}
    return render(municipalities, dog_count=len(dog), housing_count=len(housing),
                  total=total)


def staff_of(m: dict) -> dict[str, float]:
    """FTE per role in ``dezentral``: the per-1,000 rules times the population."""
    pop = m["pop"] / 1000
    front = (DOG_FRONT_PER_1000 if m["dog"] else 0) + (
        HOUSING_FRONT_PER_1000 if m["housing"] else 0)
    staff = {"front_office": fte(front * pop)}
    if m["dog"]:
        staff["tax_clerk"] = fte(DOG_TAX_PER_1000 * pop)
    if m["housing"]:
        staff["housing_clerk"] = fte((HOUSING_APPL_PER_1000 + HOUSING_OTHER_PER_1000) * pop)
        staff["housing_lead"] = fte(HOUSING_LEAD_PER_1000 * pop)
    return staff


def remaining_of(m: dict) -> dict[str, float]:
    """FTE per role that stay with the authority in ``zentral`` (the rest join the ZSA)."""
    pop = m["pop"] / 1000
    staff = staff_of(m)
    rest = {"front_office": 0.0}
    if m["dog"]:
        rest["tax_clerk"] = fte(staff["tax_clerk"] * TAX_REMAINING)
    if m["housing"]:
        rest["housing_clerk"] = fte(
            (HOUSING_OTHER_PER_1000 + HOUSING_APPL_PER_1000 * HOUSING_APPL_REMAINING) * pop)
    return rest


def other_work_of(m: dict) -> list[tuple[str, float, str]]:
    """Other work of the housing clerks (hours a week), in proportion to Halle's."""
    hours = round(HOUSING_OTHER_PER_1000 * m["pop"] / 1000 * OTHER_WORK_HOURS_PER_FTE, 1)
    return [("Aenderungsmitteilungen", round(hours / 2, 1), "Änderungen, Neuberechnungen"),
            ("Datenabgleich", round(hours / 4, 1), "Renten/Beschäftigung, Folgearbeiten"),
            ("Widersprueche", round(hours / 4, 1), "Widersprüche, Rückforderungen")]


def cost_of(m: dict) -> int:
    """ASSUMPTION as in the pilot: 62 EUR/h for the two large cities, 60 for Landkreise,
    Dessau-Roßlau and towns of 40,000 or more, 58 for the rest."""
    if m["pop"] >= 200_000:
        return 62
    if not m["dog"] or m["pop"] >= 40_000:
        return 60
    return 58


def render(municipalities: dict[str, dict], dog_count: int, housing_count: int,
           total: int) -> str:
    """The YAML: header, the pilot's services, the authorities, ZSA and variants."""
    total_de = f"{total:,}".replace(",", ".")
    out: list[str] = [HEADER.format(dog=dog_count, housing=housing_count, total_de=total_de,
                                    n=len(municipalities))]
    out.append(services_block())
    out.append(MUNICIPALITIES_HEADER)
    freed = 0.0
    for key, m in municipalities.items():
        services = [s for s, on in (("hundehaltung", m["dog"]), ("wohngeld", m["housing"]))
                    if on]
        members = ", ".join(f"{short_name(r['gemeinde'])} {int(r['einwohner']):,}".replace(
            ",", ".") for r in m["entry"]["gemeinden"])
        out.append(f"  {key}:")
        out.append(f"    name: {m['name']}")
        what = "Gemeinden" if len(m["entry"]["gemeinden"]) > 1 else "Gemeinde"
        out.extend(_wrap(f"Einwohner 31.12.2021 (Tabelle oben), {what}: {members}", "    # "))
        out.append(f"    population: {m['pop']}")
        codes = ", ".join(f'"{code}"' for code in postcodes(m["entry"]))
        out.append(f"    postcodes: [{codes}]")
        out.append(f"    services: [{', '.join(services)}]")
        staff = staff_of(m)
        out.append("    staff: {" + ", ".join(f"{r}: {v:g}" for r, v in staff.items()) + "}")
        if m["housing"]:
            out.append("    other_work:")
            out.append("      housing_clerk:")
            for name, hours, note in other_work_of(m):
                out.append(f"        - {{name: {name}, hours_per_week: {hours:g}}}   # {note}")
        out.append("    calendar: rathaus")
        out.append("    absence_rate: 0.18")
        out.append(f"    cost_per_hour: {cost_of(m)}")
        rest = remaining_of(m)
        freed += sum(staff[r] - rest.get(r, staff[r]) for r in staff)
    out.append(ZSA.format(staff=round(freed, 2)))
    out.append(VARIANTS_HEAD)
    for key, m in municipalities.items():
        rest = remaining_of(m)
        out.append(f"      {key}: {{" + ", ".join(f"{r}: {v:g}" for r, v in rest.items())
                   + "}")
    return "\n".join(out) + "\n"


def _wrap(text: str, prefix: str, width: int = 90) -> list[str]:
    lines, line = [], ""
    for word in text.split(" "):
        if line and len(prefix) + len(line) + 1 + len(word) > width:
            lines.append(prefix + line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    lines.append(prefix + line)
    return lines


HEADER = """\
# =====================================================================================
# Landesweites Szenario Sachsen-Anhalt: alle {dog} Verwaltungen, die Hunde anmelden, und
# alle {housing} Wohngeldbehörden ({n} Einträge), zwei Leistungen, dezentral vs. zentral
# State-wide scenario: every administration of Saxony-Anhalt that registers dogs and
# every Wohngeld authority, both services, decentral vs central, one year, 10 replications
# =====================================================================================
#
# ERZEUGT von scenarios/data/make_sachsen_anhalt.py aus
# scenarios/data/sachsen-anhalt-gemeinden-2021.csv: nicht von Hand ändern, sondern die
# Tabelle oder die Regeln im Skript ändern und es erneut ausführen.
#
# EINWOHNER: alle 218 Gemeinden am 31.12.2021, Statistisches Bundesamt,
# Gemeindeverzeichnis GV-ISys (Gebietsstand 31.12.2021; Bevölkerungsfortschreibung der
# Statistischen Ämter des Bundes und der Länder, Basis Zensus 2011, für Sachsen-Anhalt die
# Zahlen des Statistischen Landesamtes). Summe {total_de} = Bevölkerung des Landes am
# 31.12.2021 laut Statistischem Landesamt Sachsen-Anhalt (dpa/Volksstimme 2022; welt.de,
# Jan. 2023: "Ende 2021 ... 2.169.253 Menschen"), getestet. Neuere Gemeindezahlen
# auf Basis des Zensus 2022 (Land 31.12.2023: 2.144.570) lagen nicht vollständig vor.
#
# EINHEITEN (wer was bearbeitet):
# - Hundesteuer/Hundeanmeldung: die Hundesteuer ist eine Gemeindesteuer; erhoben und
#   verwaltet wird sie von der Verwaltung der Einheitsgemeinde (verbandsfreie Gemeinde,
#   104 einschließlich der 3 kreisfreien Städte) oder der Verbandsgemeinde für ihre
#   Mitgliedsgemeinden (18 Verbandsgemeinden mit 114 Gemeinden): {dog} Verwaltungen.
#   Grundlage: Verbandsgemeinde-Zuordnung im Gemeindeverzeichnis; Verbandsgemeinden
#   führen die Verwaltungsgeschäfte ihrer Mitgliedsgemeinden (Kommunalverfassungsgesetz
#   LSA), wie im Pilot (VG Elbe-Havel-Land).
# - Wohngeld: Wohngeldbehörden sind die Landkreise und kreisfreien Städte (die Antwort
#   der Landesregierung 2023 nennt u. a. Landkreis Stendal, Saalekreis, Altmarkkreis,
#   Magdeburg); einzelne kreisangehörige Städte nehmen die Aufgabe selbst wahr. Belegt:
#   Lutherstadt Wittenberg (Antwort der Landesregierung 2023, wie im Pilot), und
#   umgekehrt Zerbst/Anhalt, das die Aufgabe seit 1.6.2014 an den Landkreis
#   Anhalt-Bitterfeld abgegeben hat (Mitteilung der Stadt Zerbst). Eine vollständige
#   Liste der städtischen Wohngeldbehörden wurde nicht gefunden (Hinweise: die Stadt
#   Eisleben äußerte sich 2023 als Wohngeldstelle, MZ; ein Portal nennt Okt. 2025
#   "32 Wohngeldbehörden"). ANNAHME:
#   außer Wittenberg bearbeitet der Landkreis das Wohngeld aller kreisangehörigen
#   Gemeinden. Modelliert wird das so, wie das Schema es ausdrückt: der Landkreis ist ein
#   eigener Eintrag mit services: [wohngeld] und der Einwohnerzahl seiner Gemeinden (ohne
#   Wittenberg), die Gemeinden haben services: [hundehaltung]; eine kreisfreie Stadt (und
#   Wittenberg) hat beide Leistungen. So zählt jeder Einwohner genau einmal je Leistung.
#
# PERSONAL (ANNAHME, Regel je 1.000 Einwohner aus dem Pilot, siehe make_sachsen_anhalt.py):
# - Hundehaltung wie Zerbst/Anhalt: 0,05 VZÄ Bürgerbüro und 0,1 VZÄ Steueramt je 21.519 Einw.
# - Wohngeld wie Halle: 13,5 VZÄ Anträge + 4,0 VZÄ übrige Arbeit (housing_clerk), 0,8 VZÄ
#   Leitung je 227.639 Einw.; Bürgerbüro Halles 2,0 VZÄ abzüglich des Hunde-Anteils;
#   übrige Arbeit 24 Std./Woche je VZÄ übriger Arbeit (Halle: 96 Std. auf 4,0 VZÄ).
# - zentral: Bürgerbüro geht ganz in die ZSA, 25 % der Steuersachbearbeitung und 48 % der
#   Antrags-Sachbearbeitung Wohngeld bleiben für die Entscheidung (Anteile des Pilots),
#   die übrige Arbeit bleibt in der Behörde; die ZSA bekommt genau die frei werdenden VZÄ
#   (gleiches Gesamtpersonal). Kostensätze wie im Pilot: 62/60/58 EUR je Stunde.
# Fallzahlen je 1.000 Einwohner, Aufwände usw. sind die des Pilots (unten, mit Herleitung),
# einschließlich Halles belegter 6 statt 9 Hundeanmeldungen je 1.000 (volume_changes).

name: sachsen-anhalt
description: >-
  Alle {dog} Verwaltungen Sachsen-Anhalts, die Hunde anmelden (Einheits- und
  Verbandsgemeinden, kreisfreie Städte), und alle {housing} Wohngeldbehörden (Landkreise,
  kreisfreie Städte, Lutherstadt Wittenberg), Einwohner 31.12.2021: jede Behörde allein
  (dezentral) gegen eine landesweite zentrale Serviceeinheit (zentral). Synthetische Daten.

period:
  start: 2026-01-01
  days: 365          # ein Jahr beobachten
  warmup_days: 30    # Dezember 2025: Einschwingen, nicht ausgewertet
  cooldown_days: 60  # danach keine neuen Anträge; offene Fälle laufen aus
replications: 10
seed: 20260101
"""

MUNICIPALITIES_HEADER = """\
# -------------------------------------------------------------------------------------
# Behörden. Einwohner: Summe der Gemeinden laut Tabelle (Stand 31.12.2021, Quelle oben).
# Personal, übrige Arbeit, Kosten: Regeln oben (ANNAHME). Abwesenheit 18 % wie im Pilot.
municipalities:"""

ZSA = """
# -------------------------------------------------------------------------------------
# Eine landesweite ZSA (Verwaltungshelfer ohne Entscheidungsbefugnis), ein Team für alle
# zentralisierbaren Aufgaben beider Leistungen; Personal = die in den Behörden frei
# werdenden VZÄ (Summe über alle Einträge, gleiches Gesamtpersonal).
zsa:
  name: ZSA
  calendar: rathaus
  absence_rate: 0.18
  cost_per_hour: 65        # ANNAHME wie im Pilot
  staff: {staff:g}
  effort_factor: 0.9       # ANNAHME wie im Pilot
  handover: {{triangular: [0, 0.5, 2], unit: d}}   # ANNAHME wie im Pilot"""

VARIANTS_HEAD = """
variants:
  dezentral:
    description: Jede Behörde bearbeitet alle Aufgaben ihrer Fälle mit eigenem Personal.
  zentral:
    description: >-
      Alle Behörden geben die zentralisierbaren Aufgaben beider Leistungen an eine
      landesweite ZSA; die Entscheidung bleibt bei der Behörde.
    zsa: {municipalities: all, services: all}
    # verbleibende VZÄ (Regel oben); housing_lead bleibt unverändert
    staff:"""


if __name__ == "__main__":
    OUT.write_text(build(), encoding="utf-8")
    print(OUT)
