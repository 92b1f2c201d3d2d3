from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
import yaml

from zsa_sim.errors import ScenarioError
from zsa_sim.scenario import load_scenario
from zsa_sim.web.whatif import (
    apply_whatif,
    changes_of,
    scaled_distribution,
    scenario_yaml,
    whatif_of,
    write_version,
    zsa_variants,
)

MINI = Path(__file__).parent / "data" / "scenarios" / "mini.yaml"


@pytest.fixture(scope="module")
def mini():
    return load_scenario(MINI)


def test_whatif_of_reads_the_levers_of_the_first_zsa_variant(mini):
    w = whatif_of(mini)
    assert zsa_variants(mini) == ["zentral", "hybrid"]
    assert w.variant == "zentral"
    assert w.municipalities == ("Adorf", "Bdorf")
    assert w.services == ("antrag",)
    assert w.zsa_staff == 1.5
    assert w.staff == {
        "Adorf": {"front_office": 1.0, "clerk": 2.0},
        "Bdorf": {"front_office": 0.5, "clerk": 0.5},
    }
    assert w.remaining == {"Adorf": {"front_office": 0.2}}
    assert w.volume == {"antrag": 1.0}
    assert w.handover_days == pytest.approx(1.0)  # triangular(0, 1, 2) days
    assert w.effort_factor == 0.9
    assert w.replications == 2
    assert whatif_of(mini, "hybrid").municipalities == ("Adorf",)


def test_whatif_of_refuses_a_variant_without_zsa(mini):
    with pytest.raises(ScenarioError, match=r"variants\.dezentral: not a variant with a ZSA"):
        whatif_of(mini, "dezentral")


def test_unchanged_form_means_no_changes(mini):
    assert changes_of(mini, whatif_of(mini)) == {}
    assert apply_whatif(mini, whatif_of(mini)) is mini


def test_changes_are_dotted_keys_of_the_scenario(mini):
    w = replace(
        whatif_of(mini),
        name="mini-v2",
        municipalities=("Adorf",),
        zsa_staff=2.5,
        staff={
            "Adorf": {"front_office": 1.0, "clerk": 3.0},
            "Bdorf": {"front_office": 0.5, "clerk": 0.5},
        },
        volume={"antrag": 1.5},
        effort_factor=0.8,
        replications=3,
    )
    assert changes_of(mini, w) == {
        "name": "mini-v2",
        "replications": 3,
        "services.antrag.volume": 1.5,
        "municipalities.Adorf.staff.clerk": 3.0,
        "variants.zentral.zsa.municipalities": ["Adorf"],
        "zsa.staff": 2.5,
        "zsa.effort_factor": 0.8,
    }
    changed = apply_whatif(mini, w)
    assert changed.variants["zentral"].zsa.municipalities == ["Adorf"]
    assert changed.zsa.staff == 2.5
    assert changed.municipalities["Adorf"].staff["clerk"] == 3.0


def test_a_municipality_leaving_the_zsa_keeps_its_staff(mini):
    # Bdorf has no remaining-staff row; Adorf leaving drops its row (front office 0.2)
    w = replace(whatif_of(mini), municipalities=("Bdorf",))
    assert changes_of(mini, w) == {
        "variants.zentral.zsa.municipalities": ["Bdorf"],
        "variants.zentral.staff": {},
    }


def test_all_members_are_written_as_all(mini):
    w = replace(whatif_of(mini, "hybrid"), municipalities=("Bdorf", "Adorf"))
    assert changes_of(mini, w)["variants.hybrid.zsa.municipalities"] == "all"


def test_handover_mean_scales_the_distribution_and_ignores_display_rounding(mini):
    w = whatif_of(mini)
    assert changes_of(mini, replace(w, handover_days=1.004)) == {}
    changes = changes_of(mini, replace(w, handover_days=2.0))
    assert changes == {
        "zsa.handover": {"triangular": {"low": 0.0, "mode": 2.0, "high": 4.0}, "unit": "d"}
    }
    assert changes_of(mini, replace(w, handover_days=0.0)) == {
        "zsa.handover": {"fixed": 0.0, "unit": "d"}
    }


def test_scaled_distribution_keeps_shape_parameters():
    gamma = {"gamma": {"shape": 2.0, "scale": 3.0}, "unit": "h"}
    assert scaled_distribution(gamma, 2) == {"gamma": {"shape": 2.0, "scale": 6.0}, "unit": "h"}
    assert scaled_distribution({"empirical": [1, 2], "unit": "d"}, 3) == {
        "empirical": [3, 6],
        "unit": "d",
    }


def test_bad_values_get_the_scenarios_one_line_message(mini):
    message = r"mini\.yaml: zsa\.staff: Input should be greater than 0"
    with pytest.raises(ScenarioError, match=message):
        apply_whatif(mini, replace(whatif_of(mini), zsa_staff=0.0))
    with pytest.raises(ScenarioError, match=r"name: name 'a/b' must be non-empty"):
        apply_whatif(mini, replace(whatif_of(mini), name="a/b"))
    with pytest.raises(ScenarioError, match=r"zsa\.handover: the mean delay must be >= 0 days"):
        apply_whatif(mini, replace(whatif_of(mini), handover_days=-1.0))


def test_a_version_file_loads_back_as_the_same_scenario(mini, tmp_path):
    changed = apply_whatif(mini, replace(whatif_of(mini), name="mini-v7", zsa_staff=3.0))
    path = write_version(changed, tmp_path)
    assert path == tmp_path / "mini-v7.yaml"
    again = load_scenario(path)
    assert again.model_dump() == changed.model_dump()
    assert yaml.safe_load(scenario_yaml(changed))["zsa"]["staff"] == 3.0
    assert path.read_text(encoding="utf-8").startswith("# Scenario version 'mini-v7'")


RAMP_MINI = MINI.with_name("ramp_mini.yaml")


@pytest.fixture(scope="module")
def ramp_mini():
    return load_scenario(RAMP_MINI)


def test_a_zsa_ramp_is_read_step_by_step(ramp_mini):
    w = whatif_of(ramp_mini)
    assert w.zsa_staff == ((date(2026, 1, 1), 0.5), (date(2026, 2, 1), 1.0))
    assert changes_of(ramp_mini, w) == {}


def test_a_changed_ramp_stays_a_ramp_in_the_version(ramp_mini, tmp_path):
    steps = ((date(2026, 1, 1), 0.5), (date(2026, 2, 1), 1.75))
    clerk = ((date(2026, 1, 1), 2.0), (date(2026, 3, 1), 3.0))
    w = whatif_of(ramp_mini)
    w = replace(
        w,
        name="ramp_mini-v1",
        zsa_staff=steps,
        staff={**w.staff, "Adorf": {**w.staff["Adorf"], "clerk": clerk}},
        remaining={"Adorf": {"front_office": 0.2, "clerk": ((date(2026, 3, 1), 1.0),)}},
    )
    changes = changes_of(ramp_mini, w)
    assert changes["zsa.staff"] == [
        {"from": "2026-01-01", "fte": 0.5},
        {"from": "2026-02-01", "fte": 1.75},
    ]
    assert changes["municipalities.Adorf.staff.clerk"] == [
        {"from": "2026-01-01", "fte": 2.0},
        {"from": "2026-03-01", "fte": 3.0},
    ]
    assert changes["variants.zentral.staff"] == {
        "Adorf": {"front_office": 0.2, "clerk": [{"from": "2026-03-01", "fte": 1.0}]}
    }
    changed = load_scenario(write_version(apply_whatif(ramp_mini, w), tmp_path))
    assert [(s.since, s.fte) for s in changed.zsa.staff] == list(steps)
    assert whatif_of(changed) == w
    # a what-if with only the staff of one step changed is a change of that ramp only
    one_step = replace(
        whatif_of(ramp_mini), zsa_staff=((date(2026, 1, 1), 0.5), (date(2026, 2, 1), 1.0 + 1e-9))
    )
    assert list(changes_of(ramp_mini, one_step)) == ["zsa.staff"]


def test_a_bad_ramp_gets_the_scenarios_message(ramp_mini):
    backwards = ((date(2026, 2, 1), 1.0), (date(2026, 1, 1), 0.5))
    with pytest.raises(ScenarioError, match=r"zsa\.staff.*increasing 'from' dates"):
        apply_whatif(ramp_mini, replace(whatif_of(ramp_mini), zsa_staff=backwards))
