"""``zsa-sim report``: thin wiring to build_report, help with an example, one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

import zsa_sim.report
from zsa_sim.cli import _register, cli, main
from zsa_sim.report import ReportFiles
from zsa_sim.report.style import ChartFile


@pytest.fixture(scope="module")
def runner() -> CliRunner:
    _register()
    return CliRunner()


def test_help_has_an_example(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["report", "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.output
    assert "zsa-sim report results/pilot/" in result.output
    assert "--lang [de|en]" in result.output


@pytest.mark.parametrize(("args", "lang"), [([], "de"), (["--lang", "en"], "en")])
def test_calls_build_report_and_says_where_the_files_are(
    runner: CliRunner, monkeypatch, tmp_path: Path, args: list[str], lang: str
) -> None:
    calls = []

    def fake_build_report(run_dir: Path, lang: str = "de", with_excel: bool = False) -> ReportFiles:
        assert with_excel  # the workbook is written by default
        calls.append((run_dir, lang))
        chart = ChartFile("x", "t", "c", tmp_path / "charts" / "x.png", tmp_path / "x.svg")
        return ReportFiles(tmp_path / "report.html", (chart,), lang)  # type: ignore[arg-type]

    monkeypatch.setattr(zsa_sim.report, "build_report", fake_build_report)
    result = runner.invoke(cli, ["report", str(tmp_path), *args])
    assert result.exit_code == 0, result.output
    assert calls == [(tmp_path, lang)]
    assert f"1 charts in {tmp_path / 'charts'}" in result.output
    assert f"report: {tmp_path / 'report.html'}" in result.output


def test_missing_folder_is_one_line_and_exit_code_2(tmp_path: Path, capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["report", str(tmp_path / "missing")])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.strip().count("\n") == 0
    assert err.startswith("Error: ") and "not a results folder" in err


def test_unknown_language_is_a_usage_error(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(cli, ["report", str(tmp_path), "--lang", "fr"])
    assert result.exit_code == 2
    assert "'fr' is not one of 'de', 'en'" in result.output


def test_show_prints_conclusions_and_verdicts_of_an_earlier_run(runner: CliRunner) -> None:
    from tests.report_fixture import cached_results

    run_dir = cached_results().run_dir
    result = runner.invoke(cli, ["show", str(run_dir)])
    assert result.exit_code == 0, result.output
    assert "Dessau-Roßlau: Durchlaufzeit bis Bescheid " in result.output
    assert "Personalkosten (bezahlte Kapazität)" in result.output
    assert "Größe der ZSA: besetzt " in result.output
    assert "Achtung: nur 3 Replikationen" in result.output
    assert "Aussagen je Kommune:" in result.output
    english = runner.invoke(cli, ["show", str(run_dir), "--lang", "en"])
    assert "Lead time to decision" in english.output
