"""build_setup: pools, routing per variant (incl. the hybrid), seeds and common random numbers."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from zsa_sim.errors import ScenarioError
from zsa_sim.scenario import build_setup, load_scenario
from zsa_sim.scenario.schema import Scenario

DATA = Path(__file__).parent / "data" / "scenarios"
CENTRALISABLE = {"Task_Erfassen", "Task_Pruefen", "Task_Nachfordern", "Task_Versenden"}
LOCAL_ROLE = {
    "Task_Erfassen": "front_office",
    "Task_Pruefen": "clerk",
    "Task_Nachfordern": "clerk",
    "Task_Bescheid": "clerk",
    "Task_Versenden": "front_office",
    "Task_Abholung": "front_office",
}


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return load_scenario(DATA / "mini.yaml")


def pools_of(setup, municipality: str) -> dict[str, str]:
    return {task: r.pool for task, r in setup.routing[("antrag", municipality)].items()}


def test_dezentral_routes_every_task_to_the_lane_role_of_the_municipality(scenario) -> None:
    setup = build_setup(scenario, "dezentral", 0)
    for m in ("Adorf", "Bdorf"):
        assert pools_of(setup, m) == {t: f"{m}/{role}" for t, role in LOCAL_ROLE.items()}
    assert sorted(setup.pools) == [
        "Adorf/clerk",
        "Adorf/front_office",
        "Bdorf/clerk",
        "Bdorf/front_office",
    ]
    assert all(
        r.effort_factor == 1.0 and r.handover is None
        for r in setup.routing[("antrag", "Adorf")].values()
    )


def test_hybrid_sends_only_the_joined_municipalitys_centralisable_tasks_to_the_zsa(
    scenario,
) -> None:
    setup = build_setup(scenario, "hybrid", 0)
    adorf = pools_of(setup, "Adorf")
    assert {t for t, pool in adorf.items() if pool == "ZSA/team"} == CENTRALISABLE
    assert adorf["Task_Bescheid"] == "Adorf/clerk"  # the decision stays
    assert adorf["Task_Abholung"] == "Adorf/front_office"
    assert pools_of(setup, "Bdorf") == {t: f"Bdorf/{role}" for t, role in LOCAL_ROLE.items()}
    zsa = setup.pools["ZSA/team"]
    assert (zsa.org_unit, zsa.role, zsa.fte, zsa.cost_per_hour) == ("ZSA", "team", 1.5, 58.0)


def test_zentral_applies_effort_factor_handover_and_remaining_staff(scenario) -> None:
    setup = build_setup(scenario, "zentral", 0)
    for m in ("Adorf", "Bdorf"):
        routing = setup.routing[("antrag", m)]
        central = {t for t, r in routing.items() if r.pool == "ZSA/team"}
        assert central == CENTRALISABLE
        for task in CENTRALISABLE:
            assert routing[task].effort_factor == 0.9
            assert routing[task].handover.kind == "triangular"
            assert routing[task].handover.mean == pytest.approx(1440.0)  # 1 day
        assert routing["Task_Bescheid"].handover is None
    assert setup.pools["Adorf/front_office"].fte == 0.2  # variant override
    assert setup.pools["Adorf/clerk"].fte == 2.0  # unchanged
    assert setup.pools["Bdorf/front_office"].org_unit == "Bdorf"


def test_zsa_teams_by_service_come_before_teams_by_role(scenario) -> None:
    changed = scenario.with_changes({"zsa.staff": {"antrag": 1.0, "front_office": 0.5}})
    setup = build_setup(changed, "zentral", 0)
    assert sorted(p for p in setup.pools if p.startswith("ZSA/")) == [
        "ZSA/antrag",
        "ZSA/front_office",
    ]
    assert set(pools_of(setup, "Adorf").values()) >= {"ZSA/antrag"}
    assert "ZSA/front_office" not in pools_of(setup, "Adorf").values()
    by_role = build_setup(
        scenario.with_changes({"zsa.staff": {"front_office": 0.5, "clerk": 1.0}}), "zentral", 0
    )
    assert pools_of(by_role, "Bdorf")["Task_Erfassen"] == "ZSA/front_office"
    assert pools_of(by_role, "Bdorf")["Task_Pruefen"] == "ZSA/clerk"


def test_service_setup_resolves_names_and_converts_units(scenario) -> None:
    service = build_setup(scenario, "dezentral", 0).services["antrag"]
    assert set(service.efforts) == set(LOCAL_ROLE)  # "Vollständigkeit prüfen" -> Task_Pruefen
    assert service.efforts["Task_Bescheid"].mean == pytest.approx(30.0)  # 0.5 h
    assert service.efforts["Task_Pruefen"].params == {"low": 5, "mode": 10, "high": 20}
    assert service.branches["Gw_Versand"].probabilities == {"Flow_Post": 0.8, "Flow_Abholung": 0.2}
    assert service.branches["Gw_Vollstaendig"].conditions == {
        "Flow_Unvollstaendig": "${missing_documents >= visit}"
    }
    wait = service.waits["Event_Unterlagen"]
    assert (wait.delay.mean, wait.never) == (pytest.approx(7 * 1440.0), 0.1)
    assert service.effort_multipliers == {"Task_Bescheid": "1 + 0.5 * missing_documents"}
    assert service.decision_task == "Task_Bescheid"


def test_setup_period_seed_and_attributes(scenario) -> None:
    setup = build_setup(scenario, "zentral", 1)
    assert setup.epoch == datetime(2025, 12, 22)  # 10 warm-up days before 1 January
    assert setup.horizon == (10 + 120 + 30) * 1440.0
    assert (setup.seed, setup.replication, setup.variant) == (42, 1, "zentral")
    assert setup.attribute_names == ("channel", "missing_documents")
    calendar = setup.pools["Adorf/clerk"].calendar
    assert calendar is setup.pools["ZSA/team"].calendar  # one calendar object per name
    assert {date(2026, 1, 1), date(2026, 1, 6), date(2026, 4, 3)} <= calendar.closed_days


def test_unknown_variant(scenario) -> None:
    with pytest.raises(
        ScenarioError,
        match=r"mini\.yaml: variants: unknown variant 'zsa' \(known: dezentral, zentral, hybrid\)",
    ):
        build_setup(scenario, "zsa", 0)


def arrivals(setup) -> dict:
    return {
        (s.service, s.municipality): [(a.time, dict(a.attributes)) for a in s.arrivals()]
        for s in setup.sources
    }


def test_common_random_numbers_both_variants_see_the_same_applicants(scenario) -> None:
    dezentral = arrivals(build_setup(scenario, "dezentral", 3))
    assert dezentral == arrivals(build_setup(scenario, "zentral", 3))
    assert dezentral == arrivals(build_setup(scenario, "hybrid", 3))
    assert len(dezentral[("antrag", "Adorf")]) > 100


def test_same_seed_same_applicants_other_replication_other_applicants(scenario) -> None:
    first = arrivals(build_setup(scenario, "zentral", 0))
    assert first == arrivals(build_setup(load_scenario(DATA / "mini.yaml"), "zentral", 0))
    assert first != arrivals(build_setup(scenario, "zentral", 1))
    other_seed = scenario.with_changes({"seed": 43})
    assert first != arrivals(build_setup(other_seed, "zentral", 0))


def test_sources_are_lazy_and_repeatable(scenario) -> None:
    source = build_setup(scenario, "dezentral", 0).sources[0]
    assert [a.time for a in source.arrivals()] == [a.time for a in source.arrivals()]
    values = next(iter(source.arrivals()))
    assert type(values.attributes["missing_documents"]) is int  # plain Python values
    assert values.index == 0


def test_with_changes_is_validated_and_keeps_the_models(scenario) -> None:
    changed = scenario.with_changes({"zsa.staff": 3.5, "services.antrag.volume": 2.0})
    assert changed.zsa.staff == 3.5
    assert changed.services["antrag"].volume == 2.0
    assert scenario.zsa.staff == 1.5  # the original is untouched
    assert changed.definitions("antrag") is scenario.definitions("antrag")
    assert changed.source == scenario.source
    with pytest.raises(ScenarioError, match=r"services\.antrag\.volum: unknown key"):
        scenario.with_changes({"services.antrag.volum": 2.0})
    with pytest.raises(ScenarioError, match=r"zsa\.staff: Input should be greater than 0"):
        scenario.with_changes({"zsa.staff": -1})
    with pytest.raises(
        ScenarioError, match=r"servcies: no such key \(changing 'servcies\.antrag\.volume'\)"
    ):
        scenario.with_changes({"servcies.antrag.volume": 2.0})
    with pytest.raises(
        ScenarioError, match=r"variants\.zentral\.staff\.Adorf\.clerk: variant 'zentral'"
    ):
        scenario.with_changes({"variants.zentral.staff.Adorf": {"clerk": 0.0}})


def test_volume_change_scales_the_arrivals(scenario) -> None:
    base = arrivals(build_setup(scenario, "dezentral", 0))[("antrag", "Adorf")]
    double = arrivals(
        build_setup(scenario.with_changes({"services.antrag.volume": 4.0}), "dezentral", 0)
    )
    n, m = len(base), len(double[("antrag", "Adorf")])
    assert 3.0 < m / n < 5.0


def test_every_applicant_with_missing_documents_takes_the_request_loop(scenario) -> None:
    engine = pytest.importorskip("zsa_sim.engine.simulation")
    from zsa_sim.eventlog.schema import ListSink

    changed = scenario.with_changes(
        {
            "period.days": 40,
            "period.cooldown_days": 60,
            "services.antrag.applicants.missing_documents": [0.0, 1.0],
            "services.antrag.waits.Event_Unterlagen": {"delay": {"fixed": 2, "unit": "d"}},
        }
    )
    sink = ListSink()
    result = engine.simulate(build_setup(changed, "zentral", 0), sink)
    cases = {r.case_id for r in sink.rows}
    requested = {r.case_id for r in sink.rows if r.activity_id == "Task_Nachfordern"}
    assert result.cases_started == len(cases) > 20
    assert requested == cases
    checks = [r for r in sink.rows if r.activity_id == "Task_Pruefen"]
    assert len(checks) == 2 * len(cases)  # one round, reply before the deadline: 2 checks


def test_hybrid_run_does_centralised_work_only_for_the_joined_municipality(scenario) -> None:
    engine = pytest.importorskip("zsa_sim.engine.simulation")
    from zsa_sim.eventlog.schema import ListSink

    sink = ListSink()
    engine.simulate(build_setup(scenario.with_changes({"period.days": 30}), "hybrid", 0), sink)
    worked = [r for r in sink.rows if r.resource]
    at_zsa = {(r.municipality, r.activity_id) for r in worked if r.org_unit == "ZSA"}
    assert at_zsa and {m for m, _ in at_zsa} == {"Adorf"}
    assert {a for _, a in at_zsa} <= CENTRALISABLE
    assert all(r.org_unit == "Bdorf" for r in worked if r.municipality == "Bdorf")


def test_central_routes_share_one_record_equal_to_the_zsas_terms(scenario) -> None:
    from zsa_sim.engine.setup import TaskRouting

    setup = build_setup(scenario, "zentral", 0)
    central = [r for table in setup.routing.values() for r in table.values() if r.handover]
    assert len(central) == 2 * len(CENTRALISABLE)
    assert all(r is central[0] for r in central)  # made once for the ZSA's pool
    zsa = scenario.zsa
    assert central[0] == TaskRouting("ZSA/team", zsa.effort_factor, zsa.handover.minutes())


def test_a_given_organisation_builds_the_same_setup(scenario) -> None:
    from zsa_sim.scenario.build import organisation

    for variant in scenario.variants:
        made = build_setup(scenario, variant, 0)
        given = build_setup(scenario, variant, 0, organisation(scenario, variant))
        # (calendars compare by identity; their reprs show every field)
        assert repr(given.pools) == repr(made.pools) and given.routing == made.routing
        assert [(s.service, s.municipality) for s in given.sources] == [
            (s.service, s.municipality) for s in made.sources
        ]
    with pytest.raises(ValueError, match="organisation of variant 'zentral' given"):
        build_setup(scenario, "dezentral", 0, organisation(scenario, "zentral"))
