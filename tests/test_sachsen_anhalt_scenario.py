"""The state-wide scenario: its population table is complete and sums to the published
state total, every inhabitant is counted once per service, and the YAML is what the
generator writes from the table (so nobody edits one without the other).

Validation and a short run of both variants are covered for every shipped scenario by
``test_scenario_files.py``; here a 5-day run of ``zentral`` checks what is particular to
this file: every Wohngeld authority and the state-wide ZSA work in it.
"""

from __future__ import annotations

import runpy
from collections import Counter
from pathlib import Path

import pytest

from zsa_sim.scenario import load_scenario, organisation

ROOT = Path(__file__).parent.parent
SCENARIO = ROOT / "scenarios" / "sachsen-anhalt.yaml"
GENERATOR = runpy.run_path(str(ROOT / "scenarios" / "data" / "make_sachsen_anhalt.py"))
ROWS = GENERATOR["read_table"]()

#: Bevölkerung Sachsen-Anhalts am 31.12.2021, Statistisches Landesamt Sachsen-Anhalt
#: (dpa, June 2022: "2.169.253 Menschen"); typed here, not read from the generator.
STATE_TOTAL_31_12_2021 = 2_169_253


@pytest.fixture(scope="module")
def scenario():
    return load_scenario(SCENARIO)


def test_table_has_all_218_gemeinden_of_the_state_once() -> None:
    assert len(ROWS) == 218
    assert len({row["ags"] for row in ROWS}) == 218
    assert all(row["ags"].startswith("15") and len(row["ags"]) == 8 for row in ROWS)
    # 3 kreisfreie Städte and 11 Landkreise
    kinds = Counter((row["kreis"], row["kreis_art"]) for row in ROWS)
    assert Counter(kind for _, kind in kinds) == {"kreisfreie Stadt": 3, "Landkreis": 11}


def test_table_sums_to_the_published_state_total() -> None:
    assert sum(int(row["einwohner"]) for row in ROWS) == STATE_TOTAL_31_12_2021


def test_table_has_104_verbandsfreie_gemeinden_and_18_verbandsgemeinden() -> None:
    kinds = Counter(row["verband_art"] for row in {r["verband_ars"]: r for r in ROWS}.values())
    assert kinds == {"verbandsfrei": 104, "Verbandsgemeinde": 18}
    members = Counter(row["verband_ars"] for row in ROWS if row["verband_art"] != "verbandsfrei")
    assert sum(members.values()) == 114


def test_every_inhabitant_counts_once_per_service(scenario) -> None:
    for service in ("hundehaltung", "wohngeld"):
        total = sum(m.population for m in scenario.municipalities.values()
                    if service in m.services)
        assert total == STATE_TOTAL_31_12_2021, service


def test_dog_tax_is_registered_by_each_of_the_122_administrations(scenario) -> None:
    dog = {k: m for k, m in scenario.municipalities.items() if "hundehaltung" in m.services}
    assert len(dog) == 122
    by_verband: dict[str, int] = Counter()
    for row in ROWS:
        by_verband[row["verband_ars"]] += int(row["einwohner"])
    assert sorted(m.population for m in dog.values()) == sorted(by_verband.values())
    elbe_havel = scenario.municipalities["VG-Elbe-Havel-Land"]
    # Kamern, Klietz, Sandau (Elbe), Schollene, Schönhausen (Elbe), Wust-Fischbeck
    assert elbe_havel.population == 1212 + 1819 + 829 + 1104 + 2128 + 1221
    assert elbe_havel.services == ["hundehaltung"]


def test_wohngeld_is_handled_by_landkreise_kreisfreie_staedte_and_wittenberg(scenario) -> None:
    housing = {k for k, m in scenario.municipalities.items() if "wohngeld" in m.services}
    assert len(housing) == 15
    assert {"Halle", "Magdeburg", "Dessau-Rosslau", "Lutherstadt-Wittenberg"} <= housing
    assert len({k for k in housing if k.startswith("LK-")}) == 11
    landkreis = scenario.municipalities["LK-Wittenberg"]
    kreis = sum(int(r["einwohner"]) for r in ROWS if r["kreis"] == "Wittenberg")
    assert landkreis.population == kreis - 44_984  # the town serves itself
    assert landkreis.services == ["wohngeld"]


def test_every_gemeinde_postcode_is_one_of_its_administrations(scenario) -> None:
    codes = {m.name: set(m.postcodes) for m in scenario.municipalities.values()}
    assert all(codes.values())
    vg = scenario.municipalities["VG-Elbe-Havel-Land"]
    assert set(vg.postcodes) == {"39524", "14715"}  # Schollene has its own


def test_total_staff_is_the_same_in_both_variants(scenario) -> None:
    # ZSA = the FTE the authorities free; rounding to 3 decimals over 136 entries and the
    # ZSA to 2 decimals leaves at most a few hundredths
    totals = {v: sum(p.fte for p in organisation(scenario, v).pools.values())
              for v in scenario.variants}
    assert abs(totals["zentral"] - totals["dezentral"]) < 0.05, totals


def test_the_yaml_is_what_the_generator_writes_from_the_table() -> None:
    written = SCENARIO.read_text(encoding="utf-8")
    assert GENERATOR["build"]() == written, (
        "scenarios/sachsen-anhalt.yaml differs from its generator's output (after a change "
        "to the table, the rules or pilot.yaml's services): "
        "run python scenarios/data/make_sachsen_anhalt.py"
    )


def test_five_days_run_reports_every_authority_and_the_zsa(scenario) -> None:
    from zsa_sim.engine import simulate
    from zsa_sim.eventlog.schema import ListSink
    from zsa_sim.scenario import build_setup

    short = scenario.with_changes(
        {"period.days": 5, "period.warmup_days": 0, "period.cooldown_days": 5}
    )
    sink = ListSink()
    result = simulate(build_setup(short, "zentral", 0), sink)
    assert result.cases_started > 0
    # every Wohngeld authority receives ~2 applications a day or more (smallest: Wittenberg)
    housing = {row.municipality for row in sink.rows if row.service == "wohngeld"}
    assert len(housing) == 15
    # most dog administrations get a case in 5 days (the smallest expects 0.6)
    assert len({row.municipality for row in sink.rows if row.service == "hundehaltung"}) > 60
    assert any(row.org_unit == "ZSA" for row in sink.rows)
