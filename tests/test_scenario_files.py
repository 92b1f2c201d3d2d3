"""Smoke test of every shipped scenario, the pilot's documented claims, and ``base:``."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from zsa_sim.errors import ScenarioError
from zsa_sim.scenario import build_setup, load_scenario, organisation, validate_scenario_file

ROOT = Path(__file__).parent.parent
DATA = ROOT / "tests" / "data" / "scenarios"
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))


def test_there_are_shipped_scenarios() -> None:
    assert {p.name for p in SCENARIOS} >= {"pilot.yaml", "hybrid.yaml"}


#: the state-wide scenario (133 authorities) takes ~15 s CPU here
_SLOW_SCENARIOS = {"sachsen-anhalt.yaml"}


@pytest.mark.parametrize(
    "path",
    [pytest.param(p, marks=pytest.mark.slow) if p.name in _SLOW_SCENARIOS else p
     for p in SCENARIOS],
    ids=lambda p: p.name,
)
def test_every_scenario_validates_and_runs_every_variant(path: Path) -> None:
    assert [f for f in validate_scenario_file(path) if f.severity == "error"] == []
    scenario = load_scenario(path)
    short = scenario.with_changes({"period.days": 10, "period.cooldown_days": 20})
    engine = pytest.importorskip("zsa_sim.engine.simulation")
    from zsa_sim.eventlog.schema import ListSink

    for variant in scenario.variants:
        setup = build_setup(short, variant, 0)
        result = engine.simulate(setup, ListSink())
        assert result.cases_started > 0


def test_pilot_is_four_municipalities_both_services_two_variants_one_year() -> None:
    pilot = load_scenario(ROOT / "scenarios" / "pilot.yaml")
    assert list(pilot.municipalities) == ["Halle", "Wittenberg", "Zerbst", "Elbe-Havel-Land"]
    assert set(pilot.services) == {"hundehaltung", "wohngeld"}
    assert set(pilot.variants) == {"dezentral", "zentral"}
    assert (pilot.period.days, pilot.period.warmup_days, pilot.replications) == (365, 30, 10)
    responsible = {m: tuple(spec.services) for m, spec in pilot.municipalities.items()}
    assert responsible == {
        "Halle": ("hundehaltung", "wohngeld"),
        "Wittenberg": ("hundehaltung", "wohngeld"),
        "Zerbst": ("hundehaltung",),
        "Elbe-Havel-Land": ("hundehaltung",),
    }


@pytest.mark.parametrize("name", ["pilot.yaml", "hybrid.yaml"])
def test_total_staff_is_the_same_in_every_variant(name: str) -> None:
    # the files say so: the comparison is the organisation, not more or fewer people
    scenario = load_scenario(ROOT / "scenarios" / name)
    totals = {
        v: sum(p.fte for p in organisation(scenario, v).pools.values()) for v in scenario.variants
    }
    assert max(totals.values()) - min(totals.values()) < 0.05, totals


def test_hybrid_inherits_from_the_pilot() -> None:
    hybrid = load_scenario(ROOT / "scenarios" / "hybrid.yaml")
    pilot = load_scenario(ROOT / "scenarios" / "pilot.yaml")
    assert hybrid.name == "hybrid"
    assert hybrid.municipalities == pilot.municipalities
    assert list(hybrid.variants) == ["dezentral", "zentral", "ohne_halle", "nur_hundehaltung"]
    assert [p.name for p in hybrid.source_files] == [
        "hybrid.yaml",
        "pilot.yaml",
        "hundehaltung.bpmn",
        "wohngeld.bpmn",
    ]
    ohne_halle = build_setup(hybrid, "ohne_halle", 0)
    assert all(
        r.pool.startswith("Halle/") for r in ohne_halle.routing[("wohngeld", "Halle")].values()
    )
    assert ohne_halle.routing[("wohngeld", "Wittenberg")]["Task_Daten_erfassen"].pool == "ZSA/team"
    nur_hunde = build_setup(hybrid, "nur_hundehaltung", 0)
    assert all(
        not r.pool.startswith("ZSA") for r in nur_hunde.routing[("wohngeld", "Halle")].values()
    )
    assert nur_hunde.routing[("hundehaltung", "Halle")]["Task_Archivieren"].pool == "ZSA/team"


def test_base_chain_errors(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("base: b.yaml\nname: a\n", encoding="utf-8")
    (tmp_path / "b.yaml").write_text("base: a.yaml\nname: b\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"base: more than 5 files chained"):
        load_scenario(tmp_path / "a.yaml")
    (tmp_path / "c.yaml").write_text("base: fehlt.yaml\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"c\.yaml: base: .*fehlt\.yaml: file not found"):
        load_scenario(tmp_path / "c.yaml")


@pytest.mark.skipif(os.name != "posix", reason="pipes and symbolic links as on POSIX")
@pytest.mark.parametrize(
    ("make", "said"),
    [
        (lambda p: (p.with_name("x.bpmn").symlink_to(p), p.symlink_to(p.with_name("x.bpmn"))),
         "a loop of symbolic links"),
        (lambda p: os.mkfifo(p), r"not a regular file \(a pipe or a device\?\)"),
        (lambda p: p.mkdir(), "is a directory, not a file"),
    ],
    ids=["symlink-loop", "fifo", "directory"],
)  # fmt: skip
def test_a_bpmn_path_that_is_no_file_says_what_it_is(tmp_path, make, said):
    """Issue 14: a loop was a RuntimeError traceback, a pipe or folder "not found"."""
    make(tmp_path / "model.bpmn")
    text = (DATA / "mini.yaml").read_text(encoding="utf-8").replace("mini.bpmn", "model.bpmn")
    (tmp_path / "s.yaml").write_text(text, encoding="utf-8")
    pattern = rf"s\.yaml: services\.antrag\.bpmn: BPMN file .*model\.bpmn: {said}"
    with pytest.raises(ScenarioError, match=pattern):
        load_scenario(tmp_path / "s.yaml")
    with pytest.raises(ScenarioError, match=pattern):
        validate_scenario_file(tmp_path / "s.yaml")
