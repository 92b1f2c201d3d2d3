"""Reading a results folder: typed contents, order, names, and one-line errors."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from tests.report_fixture import MUNICIPALITIES, cached_results, copy_results
from zsa_sim.errors import ResultsError
from zsa_sim.report.loaders import load_results


@pytest.fixture(scope="module")
def results():
    return load_results(cached_results().run_dir)


def test_organisation_from_the_summary(results) -> None:
    assert results.variants == ("dezentral", "zentral")
    assert results.baseline == "dezentral"
    assert results.treatment == "zentral"
    assert results.municipalities == tuple(m.name for m in MUNICIPALITIES)
    assert results.central_units == ("ZSA",)
    assert [s.key for s in results.services] == ["hundehaltung", "wohngeld"]
    # the name the runner recorded, not the id (readers do not know ids)
    assert results.service("wohngeld").decision_task == "Wohngeldbescheid erlassen"
    assert results.targets["wohngeld"].max == 15
    assert results.targets["wohngeld"].quantile == 0.9
    assert results.targets["wohngeld"].working_days
    assert results.replications == 3
    assert results.window_end - results.window_start == 365 * 1440


def test_kpis_and_comparisons_equal_what_was_written(results) -> None:
    built = cached_results()
    assert len(results.kpis) == len(built.kpis)
    for written in built.kpis[:50]:
        read = results.kpi(
            written.variant, written.service, written.municipality, written.kpi, pool=written.pool
        )
        assert read is not None
        assert read.mean == written.mean or (np.isnan(read.mean) and np.isnan(written.mean))
    rows = results.comparisons("waiting_time_p90", "wohngeld")
    assert [r.municipality for r in rows] == ["Dessau-Roßlau", "Halle (Saale)", "Zerbst/Anhalt"]
    assert all(isinstance(r.significant, bool) for r in rows)


def test_cases_as_typed_columns(results) -> None:
    built = cached_results()
    c = results.cases
    assert len(c["case_id"]) == len(built.cases)
    assert c["replication"].dtype == np.int64
    assert c["is_open"].dtype == bool
    assert np.isnan(c["decision"]).sum() == sum(np.isnan(r.decision) for r in built.cases)
    first = built.cases[0]
    assert (c["case_id"][0], c["arrival"][0]) == (first.case_id, first.arrival)


def test_municipalities_of_a_service(results) -> None:
    assert "Verbandsgemeinde Elbe-Heideland" not in results.municipalities_of("wohngeld")
    assert len(results.municipalities_of("hundehaltung")) == 4


def test_display_names_from_the_scenario_parameters(tmp_path) -> None:
    run_dir = copy_results(tmp_path)
    path = run_dir / "summary.json"
    summary = json.loads(path.read_text(encoding="utf-8"))
    summary["scenario"]["parameters"]["municipalities"]["dessau"]["name"] = "Stadt Dessau"
    summary["scenario"]["parameters"]["municipalities"]["Dessau-Roßlau"] = {"name": "Dessau"}
    path.write_text(json.dumps(summary), encoding="utf-8")
    results = load_results(run_dir)
    assert results.name("Dessau-Roßlau") == "Dessau"
    assert results.name("unknown") == "unknown"


def test_partial_folder_shows_its_final_name(tmp_path) -> None:
    run_dir = copy_results(tmp_path)
    partial = run_dir.with_name(".partial-2026-11-25T11-20-58-4711")
    run_dir.rename(partial)
    assert load_results(partial).run_name == "2026-11-25T11-20-58"


def test_missing_folder_and_files_are_one_line_errors(tmp_path) -> None:
    with pytest.raises(ResultsError, match=r"nope: not a results folder"):
        load_results(tmp_path / "nope")
    run_dir = copy_results(tmp_path)
    (run_dir / "kpis.csv").unlink()
    with pytest.raises(ResultsError, match=r"kpis\.csv: missing from the results folder"):
        load_results(run_dir)


def test_bad_summary_and_bad_lines_name_the_file(tmp_path) -> None:
    run_dir = copy_results(tmp_path)
    (run_dir / "summary.json").write_text("{", encoding="utf-8")
    with pytest.raises(ResultsError, match=r"summary\.json: summary is not valid JSON"):
        load_results(run_dir)
    shutil.rmtree(run_dir)
    run_dir = copy_results(tmp_path)
    kpis = run_dir / "kpis.csv"
    kpis.write_text(
        kpis.read_text(encoding="utf-8") + "zentral,all,x,,arrivals,cases,1,2,3,many,1\n",
        encoding="utf-8",
    )
    with pytest.raises(ResultsError, match=r"kpis\.csv: line \d+: ValueError"):
        load_results(run_dir)


def test_summary_without_window_is_refused(tmp_path) -> None:
    run_dir = copy_results(tmp_path)
    path = run_dir / "summary.json"
    summary = json.loads(path.read_text(encoding="utf-8"))
    del summary["window"]
    path.write_text(json.dumps(summary), encoding="utf-8")
    with pytest.raises(ResultsError, match=r"window needs start_minutes, end_minutes and epoch"):
        load_results(run_dir)


def test_window_arrivals_select_one_service_variant_and_municipality(results) -> None:
    c = results.cases
    mask = results.window_arrivals("wohngeld", "zentral", "Halle (Saale)")
    assert mask.any()
    assert set(c["service"][mask]) == {"wohngeld"}
    assert set(c["variant"][mask]) == {"zentral"}
    assert set(c["municipality"][mask]) == {"Halle (Saale)"}
    arrival = c["arrival"][mask]
    assert arrival.min() >= results.window_start and arrival.max() < results.window_end
    same = (
        (c["service"] == "wohngeld")
        & (c["variant"] == "zentral")
        & (c["municipality"] == "Halle (Saale)")
    )
    outside = same & ~mask
    assert outside.any()  # warm-up arrivals exist and are left out
    assert all(a < results.window_start or a >= results.window_end for a in c["arrival"][outside])
    every = results.window_arrivals("wohngeld", "zentral")
    assert every.sum() == sum(
        results.window_arrivals("wohngeld", "zentral", m).sum() for m in results.municipalities
    )
