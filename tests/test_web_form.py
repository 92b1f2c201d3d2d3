from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from zsa_sim.errors import ScenarioError
from zsa_sim.scenario import apply_changes, load_scenario
from zsa_sim.web.form import (
    FormValues,
    describe_changes,
    form_display,
    next_version_name,
    number,
    staff_level,
    staff_rows,
    staff_text,
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
    assert rows[0] == {"municipality": "Adorf", "role": "front_office", "base": "1", "with": "0.2"}
    assert rows[1] == {"municipality": "Adorf", "role": "clerk", "base": "2", "with": None}
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
    assert team_rows(teams) == [
        {"team": "front_office", "fte": "1"},
        {"team": "clerk", "fte": "0.5"},
    ]
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
        "variants.zentral.staff = {Adorf: {}}"
    )
    ramp = [{"from": "2026-01-01", "fte": 0.5}, {"from": "2026-02-01", "fte": 1.0}]
    assert describe_changes({"zsa.staff": ramp}) == "zsa.staff = [2026-01-01: 0.5; 2026-02-01: 1]"
    assert (
        describe_changes({"variants.zentral.staff": {"Adorf": {"clerk": 1.5, "front_office": 0}}})
        == "variants.zentral.staff = {Adorf: {clerk: 1.5, front_office: 0}}"
    )


RAMP = ((date(2026, 1, 1), 0.5), (date(2026, 2, 1), 1.0))


def test_staff_text_shows_a_ramp_step_by_step():
    assert staff_text(11.75) == "11.75"
    assert staff_text(RAMP) == "2026-01-01: 0.5; 2026-02-01: 1"
    assert staff_text(None) is None


def test_staff_level_reads_numbers_steps_and_factors():
    assert staff_level("8", "zsa.staff", 11.75) == 8.0
    assert staff_level(" 2026-01-01: 0,5;2026-03-01: 2 ", "zsa.staff", RAMP) == (
        (date(2026, 1, 1), 0.5),
        (date(2026, 3, 1), 2.0),
    )
    # German dates and a step per line work too
    assert staff_level("01.01.2026: 1\n01.02.2026: 3", "k", RAMP) == (
        (date(2026, 1, 1), 1.0),
        (date(2026, 2, 1), 3.0),
    )
    # a factor scales the scenario's value: every step of a ramp, keeping its dates
    assert staff_level("×1.5", "zsa.staff", RAMP) == (
        (date(2026, 1, 1), 0.75),
        (date(2026, 2, 1), 1.5),
    )
    assert staff_level("x 2", "zsa.staff", 11.75) == 23.5
    assert staff_level("", "k", 1.0, blank_ok=True) is None


def test_staff_level_never_flattens_a_ramp_silently():
    with pytest.raises(
        ScenarioError, match=r"^zsa\.staff: is a staff ramp \(FTE from dates\); write"
    ):
        staff_level("8", "zsa.staff", RAMP)
    with pytest.raises(ScenarioError, match=r"^k: a step is 'DATE: FTE', got 'ab März: 2'"):
        staff_level("2026-01-01: 1; ab März: 2", "k", RAMP)
    with pytest.raises(ScenarioError, match=r"^k: '2026-13-01' is not a date"):
        staff_level("2026-13-01: 1", "k", RAMP)
    with pytest.raises(ScenarioError, match=r"^k: a number is needed, got 'zwei'"):
        staff_level("2026-01-01: zwei", "k", RAMP)
    with pytest.raises(ScenarioError, match=r"^k: no FTE to scale by 2; give a number"):
        staff_level("×2", "k", None)


@pytest.fixture(scope="module")
def ramped():
    """ramp_mini (the ZSA starts with 0.5 FTE, 1 from February) with Adorf's clerks on a
    ramp too (a post filled in March)."""
    scenario = load_scenario(MINI.with_name("ramp_mini.yaml"))
    clerk = [{"from": "2026-01-01", "fte": 2.0}, {"from": "2026-03-01", "fte": 3.0}]
    return whatif_of(apply_changes(scenario, {"municipalities.Adorf.staff.clerk": clerk}))


def test_a_form_showing_ramps_reads_back_unchanged(ramped):
    shown = form_display(ramped, ramped.name)
    assert shown.zsa_staff == "2026-01-01: 0.5; 2026-02-01: 1"
    assert shown.staff[1]["base"] == "2026-01-01: 2; 2026-03-01: 3"
    assert whatif_from_form(ramped, shown) == ramped


def test_ramps_edited_in_the_form(ramped):
    shown = form_display(ramped, ramped.name)
    rows = [dict(r) for r in shown.staff]
    rows[1]["base"] = "×0.5"  # Adorf's clerks: half at every step
    rows[1]["with"] = "2026-01-01: 1; 2026-03-01: 1.5"  # a remaining ramp with the ZSA
    got = whatif_from_form(
        ramped, replace(shown, zsa_staff="2026-01-01: 0.5; 2026-02-01: 1.75", staff=rows)
    )
    assert got.zsa_staff == ((date(2026, 1, 1), 0.5), (date(2026, 2, 1), 1.75))
    assert got.staff["Adorf"]["clerk"] == ((date(2026, 1, 1), 1.0), (date(2026, 3, 1), 1.5))
    assert got.remaining["Adorf"]["clerk"] == ((date(2026, 1, 1), 1.0), (date(2026, 3, 1), 1.5))
    with pytest.raises(
        ScenarioError, match=r"^municipalities\.Adorf\.staff\.clerk: is a staff ramp"
    ):
        rows[1]["base"] = "4"
        whatif_from_form(ramped, replace(shown, staff=rows))
