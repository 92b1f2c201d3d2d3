from pathlib import Path

import pytest

from zsa_sim.errors import ScenarioError
from zsa_sim.planning.keys import participating_groups, staffing_key, team_pool, value_at
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
