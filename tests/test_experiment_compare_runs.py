"""``compare_runs``: pairs the replications two runs share, states the method, warns."""

from __future__ import annotations

import math

import pytest

from tests.report_fixture import cached_results
from zsa_sim.errors import ResultsError
from zsa_sim.experiment.compare_runs import compare_notes, compare_runs, headline


def test_same_seed_pairs_the_common_replications_and_finds_no_change() -> None:
    # issue 16: a 3-replication and a 2-replication run of the same scenario and seed
    # share replications 0 and 1 exactly; the old unpaired fallback invented effects
    many = cached_results(replications=3).run_dir
    few = cached_results(replications=2).run_dir
    differences = compare_runs(many, few)
    assert differences and all(d.paired and d.n <= 2 for d in differences)
    finite = [d for d in differences if math.isfinite(d.difference)]
    assert finite and all(d.difference == 0 for d in finite)
    assert all(d.mean_a == d.mean_b for d in finite)  # means over the same replications
    for lines in headline(differences, "de").values():
        assert all(line.endswith("keine Änderung") for line in lines), lines
    notes = compare_notes(many, few, differences, "de")
    assert notes[0] == "Methode: gepaart über 2 gemeinsame Replikationen (gleicher Seed)"
    assert "Warnung: Replikationen verschieden (3 / 2)" in notes
    assert not any("Seed verschieden" in n for n in notes)


def test_other_seed_is_unpaired_and_warned_about() -> None:
    a = cached_results(seed=20260101, replications=3).run_dir
    b = cached_results(seed=7, replications=3).run_dir
    differences = compare_runs(a, b)
    assert not any(d.paired for d in differences)
    notes = compare_notes(a, b, differences, "en")
    assert notes[0] == "method: unpaired (Welch), the runs are independent"
    assert "warning: seed differs (20260101 / 7)" in notes


def test_a_folder_without_kpis_is_refused(tmp_path) -> None:
    with pytest.raises(ResultsError, match=r"no summary\.json"):
        compare_runs(tmp_path, tmp_path)


def test_unrelated_scenarios_are_warned_about_first(tmp_path) -> None:
    """Issue 14: comparing two different scenarios printed verdicts without a warning."""
    import json

    for name in ("pilot", "hybrid"):
        (tmp_path / name).mkdir()
        summary = {"scenario": {"name": name, "seed": 1, "replications": 2, "sha256": name}}
        (tmp_path / name / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    notes = compare_notes(tmp_path / "pilot", tmp_path / "hybrid", [], "en")
    assert notes[1] == (
        "warning: scenario (another one: the differences are no effect of a change) differs "
        "(pilot / hybrid)"
    )
