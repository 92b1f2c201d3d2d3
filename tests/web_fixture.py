"""A tiny scenario and one run of it, shared by the workbench tests.

``tests/data/scenarios/mini.yaml`` over 60 days instead of 120 (two municipalities, three
variants, two replications): a real run through the library in a few CPU seconds. The run
is made once per test session and copied where a test changes it.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from functools import cache
from pathlib import Path

from zsa_sim.experiment.runner import RunOptions, run_experiment

MINI = Path(__file__).parent / "data" / "scenarios" / "mini.yaml"


def tiny_scenario(folder: Path) -> Path:
    """Write the tiny scenario (and its BPMN model) into ``folder``; return the YAML."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(MINI.with_name("mini.bpmn"), folder / "mini.bpmn")
    text = MINI.read_text(encoding="utf-8").replace("days: 120", "days: 60")
    assert "days: 60" in text
    path = folder / "mini.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@cache
def tiny_run() -> Path:
    """One results folder of the tiny scenario (do not modify; copy it)."""
    root = Path(tempfile.mkdtemp(prefix="zsa-web-tests-"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    scenario = tiny_scenario(root / "scenario")
    options = RunOptions(out_root=root / "results", jobs=1, report=False, xes="none")
    return run_experiment(scenario, options).run_dir
