from dataclasses import replace
from pathlib import Path

import pytest

from zsa_sim.errors import ScenarioError
from zsa_sim.scenario import load_scenario
from zsa_sim.web.form import (
    FormValues,
    describe_changes,
    next_version_name,
    number,
    staff_rows,
    team_rows,
    whatif_from_form,
)
from zsa_sim.web.whatif import whatif_of

MINI = Path(__file__).parent / "data" / "scenarios" / "mini.yaml"


@pytest.fixture(scope="module")
def base():
    return whatif_of(load_scenario(MINI))


def form(base, **changes):
    values = FormValues(
        name=base.name,
        municipalities=list(base.municipalities),
        services=list(base.services),
        zsa_staff=base.zsa_staff,
        zsa_teams=[],
        staff=staff_rows(base),
        volume=dict(base.volume),
        handover=base.handover_days,
        effort=base.effort_factor,
        replications=base.replications,
    )
    return replace(values, **changes)


def test_number_reads_what_browsers_send():
    assert number(2, "k") == 2.0
    assert number("2,5", "k") == 2.5
    assert number(" 0.75 ", "k") == 0.75
    assert number("", "k", blank_ok=True) is None
    with pytest.raises(ScenarioError, match=r"^zsa\.staff: a number is needed$"):
        number(None, "zsa.staff")
    with pytest.raises(ScenarioError, match=r"^k: a number is needed, got 'zwei'$"):
        number("zwei", "k")


def test_the_unchanged_form_gives_the_scenarios_whatif(base):
    assert whatif_from_form(base, form(base)) == base


def test_staff_table_rows_round_trip(base):
    rows = staff_rows(base)
    assert rows[0] == {"municipality": "Adorf", "role": "front_office", "base": 1.0, "with": 0.2}
    assert rows[1] == {"municipality": "Adorf", "role": "clerk", "base": 2.0, "with": None}
    rows[1] = {**rows[1], "base": "3", "with": "1,5"}
    got = whatif_from_form(base, form(base, staff=rows))
    assert got.staff["Adorf"]["clerk"] == 3.0
    assert got.remaining == {"Adorf": {"front_office": 0.2, "clerk": 1.5}}


def test_form_errors_name_the_scenario_key(base):
    with pytest.raises(ScenarioError, match=r"^zsa\.staff: a number is needed$"):
        whatif_from_form(base, form(base, zsa_staff=None))
    with pytest.raises(ScenarioError, match=r"^services\.antrag\.volume: a number is needed"):
        whatif_from_form(base, form(base, volume={"antrag": ""}))
    with pytest.raises(ScenarioError, match=r"^replications: a whole number is needed, got 2\.5$"):
        whatif_from_form(base, form(base, replications=2.5))
    with pytest.raises(ScenarioError, match=r"^name: give the scenario version a name$"):
        whatif_from_form(base, form(base, name=" "))
    rows = staff_rows(base)
    rows[2] = {**rows[2], "base": "viel"}
    key = r"^municipalities\.Bdorf\.staff\.front_office"
    with pytest.raises(ScenarioError, match=key + ": a number"):
        whatif_from_form(base, form(base, staff=rows))


def test_zsa_teams_are_read_from_their_table(base):
    teams = replace(base, zsa_staff={"front_office": 1.0, "clerk": 0.5})
    assert team_rows(teams) == [{"team": "front_office", "fte": 1.0}, {"team": "clerk", "fte": 0.5}]
    got = whatif_from_form(
        teams,
        form(
            teams, zsa_teams=[{"team": "front_office", "fte": "2"}, {"team": "clerk", "fte": 0.5}]
        ),
    )
    assert got.zsa_staff == {"front_office": 2.0, "clerk": 0.5}
    assert team_rows(base) == []


def test_next_version_name_skips_names_with_runs(tmp_path):
    assert next_version_name("pilot", tmp_path) == "pilot-v1"
    (tmp_path / "pilot-v1").mkdir()
    (tmp_path / "pilot-v2").mkdir()
    assert next_version_name("pilot", tmp_path) == "pilot-v3"
    assert next_version_name("pilot-v2", tmp_path) == "pilot-v3"


def test_describe_changes_is_one_line():
    text = describe_changes(
        {
            "zsa.staff": 2.5,
            "variants.zentral.zsa.municipalities": ["Adorf"],
            "variants.zentral.staff": {"Adorf": {}},
        }
    )
    assert (
        text == "zsa.staff = 2.5; variants.zentral.zsa.municipalities = [Adorf]; "
        "variants.zentral.staff = {…}"
    )
