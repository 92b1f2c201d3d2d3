"""Smoke tests of everything that ships: public APIs, every command's help, every file.

STYLE habit 12 (sqlite-utils' test_docs, Mesa's test_examples): what a user can reach
must at least load and explain itself.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
from click.testing import CliRunner

from zsa_sim.bpmn import read_bpmn, validate_model
from zsa_sim.cli import _register, cli
from zsa_sim.scenario import build_setup, load_scenario

ROOT = Path(__file__).parents[1]
PACKAGES = [
    "zsa_sim.bpmn",
    "zsa_sim.engine",
    "zsa_sim.eventlog",
    "zsa_sim.scenario",
    "zsa_sim.experiment",
    "zsa_sim.report",
    "zsa_sim.planning",
    "zsa_sim.calibrate",
]

_register()


@pytest.mark.parametrize("package", PACKAGES)
def test_every_public_name_resolves(package: str) -> None:
    module = importlib.import_module(package)
    assert module.__doc__ and module.__all__
    for name in module.__all__:
        assert getattr(module, name) is not None, name


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_every_command_has_help_with_an_example(name: str) -> None:
    result = CliRunner().invoke(cli, [name, "--help"])
    assert result.exit_code == 0, result.output
    assert "Example" in result.output, f"zsa-sim {name} --help shows no example"


def test_the_commands_the_readme_names_exist() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in cli.commands:
        assert f"zsa-sim {name}" in readme, f"README does not mention zsa-sim {name}"


@pytest.mark.parametrize("path", sorted((ROOT / "processes").glob("*.bpmn")), ids=lambda p: p.name)
def test_every_shipped_model_reads_and_validates_without_errors(path: Path) -> None:
    findings = validate_model(read_bpmn(path))
    assert [f for f in findings if f.severity == "error"] == []


@pytest.mark.parametrize("path", sorted((ROOT / "scenarios").rglob("*.yaml")), ids=lambda p: p.name)
def test_every_shipped_scenario_builds_every_variant(path: Path) -> None:
    scenario = load_scenario(path)
    for variant in scenario.variants:
        setup = build_setup(scenario, variant, 0)
        assert setup.pools and setup.sources
