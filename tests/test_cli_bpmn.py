"""``zsa-sim inspect`` and ``zsa-sim validate``: output, exit codes, one-line errors."""

from __future__ import annotations

import itertools
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import zsa_sim.scenario
from zsa_sim.bpmn import Finding
from zsa_sim.cli import _register, bpmn_commands, cli, main

DATA = Path(__file__).parent / "data" / "bpmn"
ROOT = Path(__file__).parent.parent
CAMUNDA = str(DATA / "camunda_antrag.bpmn")
BPMNIO = str(DATA / "bpmnio_fundsache.bpmn")


@pytest.fixture(scope="module")
def runner() -> CliRunner:
    _register()
    return CliRunner()


def row(output: str, first_cell: str, section: str = "") -> list[str]:
    """The cells of the plain-text table row that starts with ``first_cell``.

    Only tables after the line ``section`` count. Columns are cut where the dashes
    under the header are, so empty cells stay.
    """
    lines = output.splitlines()
    if section:
        lines = lines[lines.index(section) :]
    rule: list[int] = []
    for line in lines:
        if line and set(line) <= {"-", " "}:
            rule = [m.start() for m in re.finditer(r"-+", line)]
        elif rule and line[: rule[1]].rstrip() == first_cell:
            return [line[a:b].strip() for a, b in itertools.pairwise([*rule, len(line) + 1])]
    raise AssertionError(f"no row {first_cell!r} in:\n{output}")


def test_inspect_prints_summary_and_tables(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["inspect", CAMUNDA])
    assert result.exit_code == 0, result.output
    out = result.output
    assert out.splitlines()[:6] == [
        f"File:          {CAMUNDA}",
        "Exporter:      Camunda Modeler",
        "Processes:     Process_Antrag (Antrag bearbeiten), Process_Zahlung (Zahlung)",
        "Main process:  Process_Antrag (the only process with a start event)",
        "Pools:         Participant_Antragsteller (Antragsteller/in) -> black box; "
        "Participant_Behoerde (Gemeinde) -> Process_Antrag; "
        "Participant_Kasse (Stadtkasse) -> Process_Zahlung",
        "Message flows: 3",
    ]
    assert row(out, "Task_Erfassen") == [
        "Task_Erfassen",
        "Antrag erfassen",
        "userTask",
        "Lane_Front",
        "Start_Antrag",
        "Gw_Merge",
        "centralisable",
    ]
    assert row(out, "Task_Freigabe")[-1] == "decision"
    assert row(out, "Task_Freigabe")[3] == "Lane_Leitung"
    assert row(out, "Gw_Merge")[4] == "Task_Erfassen, Event_Unterlagen"
    assert row(out, "Gw_Merge")[1] == ""
    assert row(out, "Event_Frist")[2] == "intermediateCatchEvent (timer P14D)"
    assert row(out, "Lane_Sachbearbeitung") == [
        "Lane_Sachbearbeitung",
        "Sachbearbeitung",
        "Lane_Fach",
        "case_worker",
        "",
    ]
    assert row(
        out, "Boundary_Frist", "Process Process_Antrag (Antrag bearbeiten): boundary events"
    ) == [
        "Boundary_Frist",
        "Bearbeitung > 10 Tage",
        "Sub_Entscheidung",
        "timer",
        "no",
        "timeCycle R3/P10D",
    ]
    lines = out.splitlines()
    start = lines.index("Process Process_Antrag (Antrag bearbeiten): branches")
    branches = [line for line in lines[start:] if line.startswith("Gw_Vollstaendig  ")]
    assert [re.split(r"\s{2,}", line) for line in branches] == [
        [
            "Gw_Vollstaendig",
            "Flow_Unvollstaendig",
            "Task_Nachfordern",
            "${missing_documents >= visit}",
        ],
        ["Gw_Vollstaendig", "Flow_Vollstaendig", "Gw_Split", "default"],
    ]
    assert "Subprocess Sub_Entscheidung in Process_Antrag: nodes" in out


def test_inspect_output_is_deterministic(runner: CliRunner) -> None:
    first = runner.invoke(cli, ["inspect", CAMUNDA]).output
    assert runner.invoke(cli, ["inspect", "--plain", CAMUNDA]).output == first


def test_inspect_marks_sibling_processes(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["inspect", str(DATA / "calls" / "main.bpmn")])
    assert "From sibling files: Process_Pruefung, Process_Register" in result.output
    assert "Process Process_Register (Registerabfrage): nodes" in result.output


def test_validate_clean_file_exits_0(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["validate", CAMUNDA])
    assert result.exit_code == 0
    assert result.output == f"{CAMUNDA}: no findings\n"


def test_validate_findings_exit_1_one_per_line(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["validate", BPMNIO])
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "warning: 'Gateway_0y1' (Eigentümer bekannt?): gateway has neither conditions nor a "
        "default flow: the scenario must give branch probabilities",
        "warning: 'Process_1': process has no lanes: its tasks are assigned to no staff role "
        "(a scenario gives them with services.<key>.default_role or roles)",
        f"{BPMNIO}: 0 errors, 2 warnings",
    ]


def test_validate_several_files(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["validate", CAMUNDA, BPMNIO])
    assert result.exit_code == 1
    assert result.output.splitlines()[0] == f"{CAMUNDA}: no findings"
    assert result.output.splitlines()[-1] == f"{BPMNIO}: 0 errors, 2 warnings"


def test_validate_scenario_files_without_scenario_validation(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delattr(zsa_sim.scenario, "validate_scenario_file", raising=False)
    with pytest.raises(SystemExit) as exit_info:
        main(["validate", str(tmp_path / "s.yaml")])
    assert exit_info.value.code == 2


def test_validate_dispatches_scenario_files(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    seen = []

    def fake(path: Path) -> list[Finding]:
        seen.append(path)
        return [Finding("error", "services.wohngeld", "unknown staff role 'x'")]

    monkeypatch.setattr(zsa_sim.scenario, "validate_scenario_file", fake, raising=False)
    path = tmp_path / "pilot.YML"
    result = runner.invoke(cli, ["validate", str(path)])
    assert seen == [path]
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "error: 'services.wohngeld': unknown staff role 'x'",
        f"{path}: 1 error, 0 warnings",
    ]


def test_findings_for_refuses_other_suffixes(tmp_path: Path) -> None:
    with pytest.raises(Exception, match=r"notes\.txt: cannot validate a '\.txt' file"):
        bpmn_commands.findings_for(tmp_path / "notes.txt")


@pytest.mark.parametrize("command", ["inspect", "validate"])
def test_unusable_input_is_one_line_and_exit_2(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "xxe.bpmn"
    path.write_text(
        '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><d>&x;</d>',
        encoding="utf-8",
    )
    with pytest.raises(SystemExit) as exit_info:
        main([command, str(path)])
    assert exit_info.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        f"Error: {path}: DTDs and entities are not allowed (possible entity-expansion or XXE "
        "attack)\n"
    )


def test_main_passes_exit_code_1_on(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["validate", BPMNIO])
    assert exit_info.value.code == 1


def test_main_returns_normally_when_clean(capsys: pytest.CaptureFixture[str]) -> None:
    main(["validate", CAMUNDA])
    assert capsys.readouterr().out == f"{CAMUNDA}: no findings\n"


def test_python_m_zsa_sim_reports_missing_file_without_traceback(tmp_path: Path) -> None:
    missing = tmp_path / "fehlt.bpmn"
    result = subprocess.run(
        [sys.executable, "-m", "zsa_sim", "inspect", str(missing)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == f"Error: {missing}: file not found\n"


@pytest.mark.parametrize("command", ["inspect", "validate"])
def test_help_has_an_example(runner: CliRunner, command: str) -> None:
    result = runner.invoke(cli, [command, "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.output
    assert f"zsa-sim {command} processes/" in result.output
