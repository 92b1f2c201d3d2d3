"""Synthetic applicant CSV files: notice first, only documented columns, reproducible."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest

from zsa_sim.scenario import load_scenario
from zsa_sim.synth.applicants import generate_applicants
from zsa_sim.synth.export import IDENTITY_COLUMNS, identities, write_synthetic_data

DATA = Path(__file__).parent / "data" / "scenarios"


@pytest.fixture(scope="module")
def scenario():
    return load_scenario(DATA / "mini.yaml")


def read(path: Path) -> tuple[str, list[dict[str, str]]]:
    with path.open(encoding="utf-8") as handle:
        notice = handle.readline().rstrip("\n")
        return notice, list(csv.DictReader(handle))


def test_files_start_with_the_synthetic_notice_and_hold_only_documented_columns(
    scenario, tmp_path: Path
) -> None:
    paths = write_synthetic_data(scenario, tmp_path, replication=0)
    assert [p.relative_to(tmp_path).as_posix() for p in paths] == [
        "mini/antrag_Adorf.csv",
        "mini/antrag_Bdorf.csv",
    ]
    notice, rows = read(paths[1])
    assert notice == (
        "# SYNTHETISCHE DATEN – keine echten Personen / SYNTHETIC DATA - not real persons "
        "(zsa-sim, seed=42, replication=0)"
    )
    assert list(rows[0]) == [
        "case_index",
        "arrival",
        "service",
        "municipality",
        "channel",
        "missing_documents",
        *IDENTITY_COLUMNS,
    ]
    assert len(rows) == len(generate_applicants(scenario, "antrag", "Bdorf", 0))
    assert {r["postcode"] for r in rows} == {"39524"}
    assert {r["city"] for r in rows} == {"Bdorf (Elbe)"}
    assert all(r["first_name"] and r["last_name"] and r["street"] for r in rows)
    births = sorted(r["date_of_birth"] for r in rows)
    assert births[0] >= "1936-01-01" and births[-1] <= "2008-01-01"  # 18 to 90 years old


def test_same_seed_identical_bytes_other_replication_other_people(scenario, tmp_path: Path) -> None:
    first = write_synthetic_data(scenario, tmp_path / "a", replication=0)
    again = write_synthetic_data(scenario, tmp_path / "b", replication=0)
    other = write_synthetic_data(scenario, tmp_path / "c", replication=1)
    for a, b in zip(first, again, strict=True):
        assert a.read_bytes() == b.read_bytes()
    assert first[0].read_bytes() != other[0].read_bytes()
    assert read(other[0])[0].endswith("seed=42, replication=1)")


def test_identities_are_seeded() -> None:
    a = identities(1, 5, ["06108", "06110"], "Halle (Saale)", date(2026, 1, 1))
    b = identities(1, 5, ["06108", "06110"], "Halle (Saale)", date(2026, 1, 1))
    assert a == b
    assert set(a["postcode"]) <= {"06108", "06110"}


def test_backlog_rows_come_first_with_their_node(tmp_path) -> None:
    from zsa_sim.synth.backlog import generate_backlog

    demand = load_scenario(Path(__file__).parent / "data" / "scenarios" / "demand_mini.yaml")
    write_synthetic_data(demand, tmp_path)
    path = tmp_path / "demand_mini" / "antrag_Adorf.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    rows = list(csv.DictReader(lines[1:]))
    backlog = generate_backlog(demand, "antrag", "Adorf", 0)
    assert [r["case_index"] for r in rows[:3]] == ["B1", "B2", "B3"]
    assert [r["backlog_node"] for r in rows[: len(backlog)]] == backlog.nodes.tolist()
    assert {r["from_backlog"] for r in rows[: len(backlog)]} == {"True"}
    first_new = rows[len(backlog)]
    assert first_new["case_index"] == "0"
    assert first_new["backlog_node"] == "" and first_new["from_backlog"] == "False"
    assert rows[0]["arrival"] < "2026-01-01" <= first_new["arrival"]
