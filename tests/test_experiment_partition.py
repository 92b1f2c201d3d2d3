"""A replication split into simulations that share no staff gives the joint run's results."""

from __future__ import annotations

import gzip
from dataclasses import replace
from pathlib import Path

import pytest

from zsa_sim.experiment import partition, replication
from zsa_sim.experiment.replication import ReplicationTask, run_replication
from zsa_sim.scenario import build_setup, load_scenario

MINI = Path(__file__).parent / "data" / "scenarios" / "mini.yaml"


@pytest.fixture(scope="module")
def mini():
    return load_scenario(MINI)


def groups(setup):
    return [
        (sorted(p.pools), sorted({s.municipality for s in p.sources}))
        for p in partition.independent_setups(setup)
    ]


def test_groups_follow_shared_staff(mini):
    # dezentral: each municipality alone; zentral: both with the ZSA; hybrid: Adorf
    # joined the ZSA, Bdorf alone
    assert groups(build_setup(mini, "dezentral", 0)) == [
        (["Adorf/clerk", "Adorf/front_office"], ["Adorf"]),
        (["Bdorf/clerk", "Bdorf/front_office"], ["Bdorf"]),
    ]
    assert len(groups(build_setup(mini, "zentral", 0))) == 1
    hybrid = groups(build_setup(mini, "hybrid", 0))
    assert [municipalities for _, municipalities in hybrid] == [["Adorf"], ["Bdorf"]]
    assert any(pool.startswith("ZSA") for pool in hybrid[0][0])


def test_every_setup_field_has_been_decided_on():
    # a new SimulationSetup field would otherwise switch the split off without a word
    # (correct results, but a state-wide run as slow as before the split): whoever adds
    # one decides here whether it divides by group or passes on whole
    from dataclasses import fields

    from zsa_sim.engine.setup import SimulationSetup

    assert {f.name for f in fields(SimulationSetup)} == set(partition._KNOWN_FIELDS)


def test_an_unknown_setup_field_keeps_the_run_whole(mini, monkeypatch):
    setup = build_setup(mini, "dezentral", 0)
    monkeypatch.setattr(partition, "_KNOWN_FIELDS", partition._KNOWN_FIELDS - {"max_visits"})
    assert partition.can_split(setup)  # at its default: nothing to divide
    assert not partition.can_split(replace(setup, max_visits=7))
    assert partition.independent_setups(replace(setup, max_visits=7)) == [
        replace(setup, max_visits=7)
    ]


def log_rows(path: Path) -> list[str]:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return handle.read().splitlines()


@pytest.mark.parametrize("variant", ["dezentral", "hybrid"])
def test_split_run_equals_joint_run(mini, variant, tmp_path, monkeypatch):
    scenario = mini.with_changes({"period.days": 60})
    split = run_replication(ReplicationTask(scenario, variant, 1, tmp_path / "split.csv.gz"))
    monkeypatch.setattr(replication, "independent_setups", lambda setup: [setup])
    joint = run_replication(ReplicationTask(scenario, variant, 1, tmp_path / "joint.csv.gz"))
    assert repr(split.kpis) == repr(joint.kpis)
    assert repr(split.cases) == repr(joint.cases)
    assert split.activities == joint.activities
    assert split.pools == joint.pools
    assert split.weekly == joint.weekly and split.weekly
    assert (split.cases_started, split.cases_open, split.rows_written) == (
        joint.cases_started,
        joint.cases_open,
        joint.rows_written,
    )
    # the same rows; one group's after the other's, in the joint run's order within each
    a, b = log_rows(tmp_path / "split.csv.gz"), log_rows(tmp_path / "joint.csv.gz")
    assert a[0] == b[0] and sorted(a) == sorted(b) and a != b
    for town in ("Adorf", "Bdorf"):
        assert [r for r in a if f",{town}," in r] == [r for r in b if f",{town}," in r]
