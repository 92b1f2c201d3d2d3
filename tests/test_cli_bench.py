from click.testing import CliRunner

from zsa_sim.cli import cli, main
from zsa_sim.cli.bench_commands import HARNESS, bench, find_harness


def test_bench_help_has_an_example():
    result = CliRunner().invoke(bench, ["--help"])
    assert result.exit_code == 0
    assert "zsa-sim bench --quick" in result.output


def test_bench_is_registered(capsys):
    main(["bench", "--help"])
    assert "bench" in cli.commands
    assert "Usage: zsa-sim bench" in capsys.readouterr().out


def test_the_harness_is_found_from_the_checkout(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # not in the cwd: found next to the package
    assert find_harness().parts[-2:] == HARNESS.parts
