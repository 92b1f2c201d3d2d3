import json
import shutil

import pytest

from tests.web_fixture import tiny_run
from zsa_sim.web.runs import (
    Cell,
    cell_text,
    compare_runs,
    conclusion,
    headline,
    list_entries,
    read_entry,
)


@pytest.fixture(scope="module")
def run_dir():
    return tiny_run()


def test_conclusion_has_every_municipality_and_the_zsa_per_treatment(run_dir):
    rows = conclusion(run_dir)
    assert [(r.treatment, r.unit_key) for r in rows] == [
        ("zentral", "Adorf"),
        ("zentral", "Bdorf"),
        ("zentral", "ZSA"),
        ("hybrid", "Adorf"),
        ("hybrid", "Bdorf"),
        ("hybrid", "ZSA"),
    ]
    assert rows[1].name == "Bdorf (Elbe)"
    assert [r.central for r in rows] == [False, False, True] * 2
    # staff FTE without and with the ZSA, from the pools (Adorf keeps 0.2 front office)
    assert rows[0].staff == (3.0, 2.2)
    assert rows[2].staff == (0.0, 1.5)
    assert rows[4].staff == (1.0, 1.0)  # Bdorf is not in the hybrid ZSA


def test_conclusion_cells_are_the_runs_paired_comparison(run_dir):
    summary = json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))
    wanted = next(
        c
        for c in summary["comparison"]
        if (c["treatment"], c["municipality"], c["service"], c["pool"], c["kpi"])
        == ("zentral", "Adorf", "all", "", "lead_time_mean")
    )
    cell = conclusion(run_dir)[0].cells["lead_time_mean"]
    assert (cell.baseline, cell.treatment, cell.difference, cell.ci_low, cell.ci_high) == (
        wanted["baseline_mean"],
        wanted["treatment_mean"],
        wanted["difference"],
        wanted["ci_low"],
        wanted["ci_high"],
    )
    assert cell.significant is wanted["significant"]
    # cost: the pools' means summed, no interval
    cost = conclusion(run_dir)[0].cells["cost"]
    pools = [
        k["mean"]
        for k in summary["kpis"]
        if (k["variant"], k["municipality"], k["service"], k["kpi"])
        == ("zentral", "Adorf", "all", "cost")
        and k["pool"]
    ]
    assert cost.treatment == pytest.approx(sum(pools), rel=1e-12)
    assert cost.ci_low is None


def test_verdicts_are_the_runs_own_lines_per_treatment(run_dir):
    summary = json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))
    lines = summary["verdicts"]["Adorf"]["en"]
    row = conclusion(run_dir, "en")[0]
    assert row.verdicts == tuple(
        x.removeprefix("zentral, ") for x in lines if x.startswith("zentral, ")
    )
    assert row.verdicts


def test_cell_text():
    cell = Cell("lead_time_mean", "days", 6.14, 5.92, -0.22, -0.5, 0.06, False, "")
    assert cell_text(cell) == "6,1 Tage → 5,9 Tage (-0,2 Tage [-0,5; 0,1]) n.s."
    assert cell_text(cell, "en") == "6.1 days → 5.9 days (-0.2 days [-0.5, 0.1]) n.s."
    cost = Cell("cost", "EUR", 1000.0, 800.0, -200.0, None, None, False, "")
    assert cell_text(cost, "en") == "1,000 EUR → 800 EUR (-200 EUR)"
    assert cell_text(None) == "–"


def test_headline_speaks_only_of_significant_changes():
    def row(diff, significant):
        from zsa_sim.web.runs import ConclusionRow

        cell = Cell(
            "lead_time_mean", "days", 5, 5 + diff, diff, diff - 1, diff + 1, significant, ""
        )
        return ConclusionRow("A", "A", "zentral", {"lead_time_mean": cell}, (1, 1), ())

    assert headline(row(-2.0, True), "en") == "faster"
    assert headline(row(2.0, True), "en") == "slower"
    assert headline(row(-2.0, False), "en") == "no significant difference"


def test_list_entries_newest_first_and_skips_foreign_folders(run_dir, tmp_path):
    root = tmp_path / "results"
    older = root / "mini" / "2026-01-01T10-00-00"
    shutil.copytree(run_dir, older)
    newer = root / "other" / "2026-02-01T10-00-00"
    shutil.copytree(run_dir, newer)
    (root / "mini" / "2026-03-01T10-00-00").mkdir()  # no summary: not listed
    (root / "mini" / ".partial-2026-03-01T10-00-00-1").mkdir()
    entries = list_entries(root)
    assert [e.stamp for e in entries] == ["2026-02-01T10-00-00", "2026-01-01T10-00-00"]
    assert entries[1].label == "mini · 2026-01-01T10-00-00"
    assert entries[1].replications == 2
    assert entries[1].variants == ("dezentral", "hybrid", "zentral")  # as summary.json has them
    assert entries[1].scenario_file == older / "inputs" / "mini.yaml"
    assert read_entry(older).description == "Test scenario"


def test_compare_runs_puts_runs_in_columns(run_dir, tmp_path):
    a = tmp_path / "mini" / "2026-01-01T10-00-00"
    b = tmp_path / "mini" / "2026-01-02T10-00-00"
    shutil.copytree(run_dir, a)
    shutil.copytree(run_dir, b)
    rows = compare_runs([a, b], "lead_time_mean", "en")
    assert list(rows[0]) == [
        "Variant",
        "Municipality",
        "mini · 2026-01-01T10-00-00",
        "mini · 2026-01-02T10-00-00",
    ]
    assert [(r["Variant"], r["Municipality"]) for r in rows] == [
        ("Central (ZSA)", "Adorf"),
        ("Central (ZSA)", "Bdorf (Elbe)"),
        ("Hybrid", "Adorf"),
        ("Hybrid", "Bdorf (Elbe)"),
    ]  # the ZSA has no lead time of its own: no row of dashes
    assert rows[0]["mini · 2026-01-01T10-00-00"] == rows[0]["mini · 2026-01-02T10-00-00"]


def test_one_treatment_keeps_its_verdicts_and_the_scenarios_order(run_dir, tmp_path):
    copy = tmp_path / "mini" / run_dir.name
    shutil.copytree(run_dir, copy)
    path = copy / "summary.json"
    summary = json.loads(path.read_text(encoding="utf-8"))
    scenario = summary["scenario"]
    scenario["variants"] = {k: v for k, v in scenario["variants"].items() if k != "hybrid"}
    scenario["municipalities"] = scenario["municipalities"][::-1]  # Bdorf first
    summary["comparison"] = [c for c in summary["comparison"] if c["treatment"] == "zentral"]
    summary["verdicts"] = {"Adorf": {"de": ["Wartezeit sinkt"], "en": ["waiting down"]}}
    path.write_text(json.dumps(summary), encoding="utf-8")
    rows = conclusion(copy, "en")
    assert [r.unit_key for r in rows] == ["Bdorf", "Adorf", "ZSA"]
    assert rows[1].verdicts == ("waiting down",)
    assert rows[0].verdicts == ()


def test_runs_side_by_side_for_every_offered_kpi(run_dir):
    label = read_entry(run_dir).label
    for kpi in ("lead_time_p90", "waiting_time_mean"):
        rows = compare_runs([run_dir], kpi, "en")
        assert {r["Municipality"] for r in rows} == {"Adorf", "Bdorf (Elbe)"}
        assert all(r[label] != "–" for r in rows)
    rows = compare_runs([run_dir], "utilisation", "de")
    assert rows[0]["Variante"] == "Zentral (ZSA)"  # the first treatment first, as above
    cells = {(r["Variante"], r["Kommune"]): r[label] for r in rows}
    adorf = cells[("Zentral (ZSA)", "Adorf · Sachbearbeitung")]
    assert "% →" in adorf and "[" in adorf  # both means and the paired interval
    zsa = [v for (variant, name), v in cells.items() if name.startswith("ZSA")]
    assert zsa and all(v.startswith("– → ") for v in zsa)  # the ZSA has no baseline
