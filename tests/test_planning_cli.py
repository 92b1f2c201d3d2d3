"""``zsa-sim plan`` and ``zsa-sim sweep``: output, folders, one-line errors."""

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from zsa_sim.cli import _register, cli, main

SMALL = str(Path(__file__).parent / "data" / "scenarios" / "planning_small.yaml")


@pytest.fixture(scope="module")
def runner() -> CliRunner:
    _register()
    return CliRunner()


@pytest.mark.parametrize("command", ["plan", "sweep"])
def test_help_has_an_example(runner, command):
    result = runner.invoke(cli, [command, "--help"])
    assert result.exit_code == 0 and "Example" in result.output


def test_plan_prints_the_table_and_writes_the_folder(runner, tmp_path):
    args = ["plan", SMALL, "-t", "p90 Wartezeit <= 3 Tage", "-n", "3", "--max-replications",
            "3", "--no-break-even", "--lo", "0.5", "--hi", "1.5", "-j", "2",
            "-o", str(tmp_path)]  # fmt: skip
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    folder = Path(result.output.strip().splitlines()[-1])
    assert folder.parent == tmp_path / "planning_small" and folder.name.startswith("plan-")
    plan = json.loads((folder / "plan.json").read_text(encoding="utf-8"))
    assert plan["lo"] == 0.5 and plan["hi"] == 1.5 and plan["economics"]["break_even"] is None
    assert "Personalplanung ZSA – Szenario planning_small" in result.output
    assert (folder / "plan.txt").read_text(encoding="utf-8").strip() in result.output


def test_sweep_writes_table_and_charts(runner, tmp_path):
    args = ["sweep", SMALL, "--vary", "zsa.staff=1:2:0.5", "--variant", "zentral", "-n", "2",
            "--kpi", "waiting_time_p90", "-t", "p90 waiting time <= 3 days", "-j", "2",
            "--lang", "en", "-q", "-o", str(tmp_path)]  # fmt: skip
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    folder = Path(result.output.strip())
    with open(folder / "sweep.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    # 3 points x 6 case groups x 1 KPI, one variant
    assert len(rows) == 3 * 6
    assert sorted({float(r["zsa.staff"]) for r in rows}) == [1.0, 1.5, 2.0]
    assert [p.name for p in sorted((folder / "charts").glob("*.png"))] == [
        "sweep-line-waiting_time_p90-zentral-antrag.png"
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["plan", SMALL, "-t", "p90 foo <= 3"], "Error: target 'p90 foo <= 3': unknown KPI"),
        (["plan", SMALL, "-t", "p90 lead time <= 9", "--variant", "dezentral"],
         "variants.dezentral: has no zsa section"),
        (["sweep", SMALL, "--vary", "zsa.staff=6:1:1"],
         "Error: --vary 'zsa.staff=6:1:1': stop 1 lies below start 6"),
        (["sweep", SMALL, "--vary", "zsa.staff=1,2", "--kpi", "nope"], "unknown KPI nope"),
    ],
)  # fmt: skip
def test_errors_are_one_line_with_exit_code_2(capsys, args, message):
    with pytest.raises(SystemExit) as info:
        main(args)
    assert info.value.code == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1
