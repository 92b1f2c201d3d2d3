"""``zsa-sim cache info|clear`` and ``zsa-sim run --no-cache``."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from zsa_sim.cli import _register, cli

_register()
MINI = Path(__file__).parent / "data" / "scenarios" / "mini.yaml"
SHORT = ["-n", "1", "-j", "1", "--no-report", "-q", "--eventlog", "none"]


def test_info_and_clear_name_the_folder_and_count_the_entries(tmp_path, monkeypatch) -> None:
    folder = tmp_path / "cache"
    monkeypatch.setenv("ZSA_SIM_CACHE", str(folder))
    runner = CliRunner()
    first = runner.invoke(cli, ["cache", "info"])
    assert first.exit_code == 0, first.output
    assert f"folder: {folder}" in first.output and "does not exist yet" in first.output
    run = runner.invoke(cli, ["run", str(MINI), *SHORT, "-o", str(tmp_path / "out")])
    assert run.exit_code == 0, run.output
    info = runner.invoke(cli, ["cache", "info"])
    assert "state: on" in info.output and "entries: 3 replications" in info.output
    cleared = runner.invoke(cli, ["cache", "clear"])
    assert cleared.output.strip() == f"removed 3 cached replications from {folder}"
    assert "entries: 0 replications" in runner.invoke(cli, ["cache", "info"]).output


def test_info_says_when_the_environment_turns_the_cache_off(monkeypatch) -> None:
    monkeypatch.setenv("ZSA_SIM_CACHE", "off")
    result = CliRunner().invoke(cli, ["cache", "info"])
    assert "state: off (ZSA_SIM_CACHE=off)" in result.output


def _cache_of(out: Path) -> dict:
    (run_dir,) = sorted(out.glob("mini/*"))[-1:]
    return json.loads((run_dir / "run.json").read_text(encoding="utf-8"))["cache"]


def test_no_cache_simulates_and_a_repeated_run_says_what_came_from_the_cache(tmp_path) -> None:
    runner = CliRunner()
    out = tmp_path / "out"
    args = ["run", str(MINI), *SHORT[:-3], "--eventlog", "none", "-o", str(out)]
    assert runner.invoke(cli, args).exit_code == 0
    again = runner.invoke(cli, args)
    assert "3 of 3 replications from the result cache" in again.output
    assert _cache_of(out)["replications_from_cache"] == 3
    fresh = runner.invoke(cli, [*args, "--no-cache"])
    assert "result cache" not in fresh.output
    assert _cache_of(out) == {
        "enabled": False,
        "replications_from_cache": 0,
        "replications_simulated": 3,
    }
