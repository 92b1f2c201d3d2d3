import csv
import json
import os
from datetime import datetime

import pytest

from tests.planning_fixture import cheap_plan, hand_sweep
from zsa_sim.errors import ResultsError
from zsa_sim.experiment.results import ResultsFolder, dumps_json, list_runs, write_json
from zsa_sim.planning.writers import CANDIDATE_FIELDS, write_plan, write_sweep

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_results_folder_prefix_names_the_folder_but_not_a_run(tmp_path):
    moment = datetime(2026, 11, 25, 11, 20, 58)
    with ResultsFolder(tmp_path, "pilot", clock=lambda: moment, prefix="plan-") as folder:
        # the partial folder is named as a run's, so clean_partial finds it after a kill
        assert folder.path.name == f".partial-2026-11-25T11-20-58-{os.getpid()}"
        write_json(folder.path / "plan.json", {})
    assert folder.run_dir == tmp_path / "pilot" / "plan-2026-11-25T11-20-58"
    with ResultsFolder(tmp_path, "pilot", clock=lambda: moment, prefix="plan-") as again:
        write_json(again.path / "plan.json", {})
    assert again.run_dir.name == "plan-2026-11-25T11-20-58-2"
    assert list_runs(tmp_path) == []
    with pytest.raises(ResultsError, match=r"folder prefix '\.\./' must be letters"):
        ResultsFolder(tmp_path, "pilot", prefix="../")


def test_plan_folder(tmp_path):
    plan = cheap_plan()
    folder = write_plan(plan, tmp_path)
    assert folder.parent == tmp_path / "planning_small"
    assert folder.name.startswith("plan-")
    assert sorted(p.name for p in folder.iterdir()) == [
        "candidates.csv", "inputs", "plan.json", "plan.txt", "run.json",
    ]  # fmt: skip
    assert (folder / "plan.json").read_text(encoding="utf-8") == dumps_json(plan.to_dict())
    data = json.loads((folder / "plan.json").read_text(encoding="utf-8"))
    assert data["kind"] == "zsa-sim plan" and data["fte"] == plan.fte
    assert "wall_seconds" not in data  # clock times live in run.json
    assert "wall_seconds" in json.loads((folder / "run.json").read_text(encoding="utf-8"))
    assert (folder / "plan.txt").read_text(encoding="utf-8").startswith("Personalplanung ZSA")
    with open(folder / "candidates.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert tuple(rows[0]) == CANDIDATE_FIELDS
    evaluations = plan.search.evaluations
    staffing = [r for r in rows if r["phase"] == "staffing"]
    assert len(staffing) == sum(len(c.groups) for c in evaluations)
    assert {r["phase"] for r in rows} >= {"staffing", "baseline:dezentral"}
    assert {p.name for p in (folder / "inputs").iterdir()} == {
        "planning_small.yaml", "mini.yaml", "mini.bpmn",
    }  # fmt: skip


def test_sweep_folder(tmp_path):
    result = hand_sweep(two_keys=True)
    folder = write_sweep(result, tmp_path, lang="en")
    assert folder.name.startswith("sweep-")
    with open(folder / "sweep.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == len(result.rows) == 12 * 3
    assert tuple(rows[0]) == result.columns
    meta = json.loads((folder / "sweep.json").read_text(encoding="utf-8"))
    assert meta["varies"][1] == {
        "key": "services.antrag.volume", "values": [0.8, 1.0, 1.2], "text": "",
    }  # fmt: skip
    assert len(meta["points"]) == 12 and len(meta["charts"]) == 4
    for chart in meta["charts"]:
        assert (folder / chart["png"]).read_bytes()[:8] == PNG_MAGIC
        assert (folder / chart["svg"]).is_file()
    bare = write_sweep(result, tmp_path, charts=False)
    assert not (bare / "charts").exists()
