from pathlib import Path

import pytest

from zsa_sim.errors import ScenarioError
from zsa_sim.planning.keys import (
    participating_groups,
    planned_ramp,
    staffing_key,
    team_pool,
    value_at,
)
from zsa_sim.scenario import load_scenario

DATA = Path(__file__).parent / "data" / "scenarios"


@pytest.fixture(scope="module")
def mini():
    return load_scenario(DATA / "mini.yaml")


def test_pooled_team_is_zsa_staff(mini):
    assert staffing_key(mini, "zentral") == "zsa.staff"
    assert value_at(mini, "zsa.staff") == 1.5
    assert team_pool(mini, "zsa.staff") == ("ZSA", "team")


def test_a_variant_override_is_the_key(mini):
    changed = mini.with_changes({"variants.zentral.zsa.staff": 2.0})
    assert staffing_key(changed, "zentral") == "variants.zentral.zsa.staff"
    assert team_pool(changed, "variants.zentral.zsa.staff") == ("ZSA", "team")
    with pytest.raises(ScenarioError, match=r"zsa.staff: variant 'zentral' states its own"):
        staffing_key(changed, "zentral", key="zsa.staff")


def test_teams_need_a_service_or_a_key(mini):
    teams = mini.with_changes({"zsa.staff": {"antrag": 1.0, "clerk": 0.5}})
    with pytest.raises(ScenarioError, match=r"zsa.staff: the ZSA has teams \(antrag, clerk\)"):
        staffing_key(teams, "zentral")
    assert staffing_key(teams, "zentral", service="antrag") == "zsa.staff.antrag"
    assert staffing_key(teams, "zentral", key="zsa.staff.clerk") == "zsa.staff.clerk"
    assert team_pool(teams, "zsa.staff.clerk") == ("ZSA", "clerk")
    with pytest.raises(ScenarioError, match=r"zsa.staff: holds .*not a number of FTE"):
        staffing_key(teams, "zentral", key="zsa.staff")


def test_other_numeric_keys_are_allowed_but_not_the_zsa(mini):
    key = "municipalities.Adorf.staff.clerk"
    assert staffing_key(mini, "zentral", key=key) == key
    assert team_pool(mini, key) is None
    with pytest.raises(ScenarioError, match=r"municipalities.Adorf.staff.judge: no such key"):
        staffing_key(mini, "zentral", key="municipalities.Adorf.staff.judge")
    with pytest.raises(ScenarioError, match=r"name: holds 'mini', not a number"):
        staffing_key(mini, "zentral", key="name")


def test_a_step_of_a_staff_ramp_is_planned_on_its_own(mini):
    # issue 17: "2 FTE from March, how many from July?" varies the FTE of the second step
    ramp = [{"from": "2026-01-01", "fte": 0.5}, {"from": "2026-03-01", "fte": 1.0}]
    ramped = mini.with_changes({"zsa.staff": ramp})
    with pytest.raises(ScenarioError, match=r"zsa.staff: is a staff ramp .* --key zsa.staff.<n>"):
        staffing_key(ramped, "zentral")
    assert staffing_key(ramped, "zentral", key="zsa.staff.1.fte") == "zsa.staff.1.fte"
    assert team_pool(ramped, "zsa.staff.1.fte") == ("ZSA", "team")
    assert planned_ramp(ramped, "zsa.staff.1.fte", 2.25) == [
        {"from": "2026-01-01", "fte": 0.5},
        {"from": "2026-03-01", "fte": 2.25},
    ]
    assert planned_ramp(ramped, "zsa.staff", 2.25) is None
    # mini observes 120 days from 1 January and cools down 30 days: the run ends on 30 May
    late = mini.with_changes({"zsa.staff": [ramp[0], {"from": "2026-05-31", "fte": 1.0}]})
    with pytest.raises(
        ScenarioError, match=r"zsa.staff.1.fte: this step starts on 2026-05-31, after the "
        r"simulated period \(last day 2026-05-30\)"
    ):  # fmt: skip
        staffing_key(late, "zentral", key="zsa.staff.1.fte")
    inside = mini.with_changes({"zsa.staff": [ramp[0], {"from": "2026-05-30", "fte": 1.0}]})
    assert staffing_key(inside, "zentral", key="zsa.staff.1.fte") == "zsa.staff.1.fte"


def test_a_variant_without_zsa_has_no_staffing(mini):
    with pytest.raises(ScenarioError, match=r"variants.dezentral: has no zsa section"):
        staffing_key(mini, "dezentral")
    with pytest.raises(ScenarioError, match=r"unknown variant 'nope'"):
        staffing_key(mini, "nope")


def test_participating_groups(mini):
    assert participating_groups(mini, "zentral") == [("antrag", "Adorf"), ("antrag", "Bdorf")]
    assert participating_groups(mini, "hybrid") == [("antrag", "Adorf")]
    with pytest.raises(ScenarioError, match=r"unknown service 'dogs' \(known: antrag\)"):
        participating_groups(mini, "zentral", service="dogs")
    with pytest.raises(ScenarioError, match=r"variants.dezentral.zsa: no municipality hands"):
        participating_groups(mini, "dezentral")
