"""``zsa-sim template``, ``zsa-sim synth`` and ``zsa-sim validate SCENARIO``."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from zsa_sim.cli import main

DATA = Path(__file__).parent / "data" / "scenarios"


def test_template_writes_a_skeleton_and_refuses_to_overwrite(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "neu.yaml"
    main(["template", str(DATA / "mini.bpmn"), "-o", str(out)])
    assert f"wrote {out}" in capsys.readouterr().out
    assert "Task_Pruefen: null   # TODO" in out.read_text(encoding="utf-8")
    with pytest.raises(SystemExit) as exit_info:
        main(["template", str(DATA / "mini.bpmn"), "-o", str(out)])
    assert exit_info.value.code == 2
    assert "exists; use --force" in capsys.readouterr().err
    main(["template", str(DATA / "mini.bpmn"), "-o", str(out), "--force"])


def test_validate_lists_every_gap_of_an_unfilled_template(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "neu.yaml"
    main(["template", str(DATA / "mini.bpmn"), "-o", str(out)])
    capsys.readouterr()
    with pytest.raises(SystemExit) as exit_info:
        main(["validate", str(out)])
    assert exit_info.value.code == 1
    lines = capsys.readouterr().out.splitlines()
    assert (
        "error: 'services.mini.efforts.Task_Erfassen': effort missing (fill in the template)"
        in lines
    )
    assert lines[-1] == f"{out}: 20 errors, 0 warnings"


def test_validate_of_a_good_scenario_is_clean(capsys: pytest.CaptureFixture[str]) -> None:
    main(["validate", str(DATA / "mini.yaml")])
    assert capsys.readouterr().out == f"{DATA / 'mini.yaml'}: no findings\n"


def test_malformed_scenario_is_one_line_with_exit_code_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nseed: 1\nseed: 2\n", encoding="utf-8")
    for command in ("validate", "synth"):
        with pytest.raises(SystemExit) as exit_info:
            main([command, str(bad)])
        assert exit_info.value.code == 2
        err = capsys.readouterr().err
        assert (
            err == f"Error: {bad}: line 3, column 1: malformed YAML: key 'seed' is written twice\n"
        )


def test_synth_writes_csv_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    scenario = tmp_path / "mini.yaml"
    shutil.copy(DATA / "mini.yaml", scenario)
    shutil.copy(DATA / "mini.bpmn", tmp_path / "mini.bpmn")
    main(["synth", str(scenario), "--replication", "2", "--out", str(tmp_path / "syn")])
    assert capsys.readouterr().out.splitlines() == [
        str(tmp_path / "syn" / "mini" / "antrag_Adorf.csv"),
        str(tmp_path / "syn" / "mini" / "antrag_Bdorf.csv"),
    ]
    first = (tmp_path / "syn" / "mini" / "antrag_Adorf.csv").read_text(encoding="utf-8")
    assert first.startswith("# SYNTHETISCHE DATEN")
    assert "replication=2)" in first.splitlines()[0]
