"""``zsa-sim inspect`` and ``zsa-sim validate``: look at a model before simulating it.

Thin commands: reading is :func:`zsa_sim.bpmn.read_bpmn`, checking is
:func:`zsa_sim.bpmn.validate_model`, the tables come from :mod:`zsa_sim.bpmn.table`.
``validate`` dispatches on the file suffix, so scenario files (.yaml) are checked by
the scenario package through the same command.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from zsa_sim.errors import ZsaError

if TYPE_CHECKING:
    from zsa_sim.bpmn import Finding

BPMN_SUFFIXES = (".bpmn", ".xml")
SCENARIO_SUFFIXES = (".yaml", ".yml")


@click.command("inspect")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--plain", is_flag=True, help="Plain aligned text even on a terminal.")
def inspect(file: Path, plain: bool) -> None:
    """Show what zsa-sim reads from a BPMN file.

    Prints the file's processes and pools, then per process its lanes, its nodes (type,
    lane, where flows come from and go to; centralisable tasks and the decision task
    marked), each gateway's branches with their conditions, and the boundary events.
    Output is plain text when piped, tables on a terminal.

    \b
    Example:
      zsa-sim inspect processes/wohngeld.bpmn
      zsa-sim inspect processes/hundehaltung.bpmn > hundehaltung.txt
    """
    from zsa_sim.bpmn import read_bpmn
    from zsa_sim.bpmn.table import inspect_model, render_plain, render_rich

    inspection = inspect_model(read_bpmn(file))
    stdout = sys.stdout  # click.get_text_stream is deprecated from click 8.3
    if plain or not stdout.isatty():
        click.echo(render_plain(inspection), nl=False)
    else:
        from rich.console import Console

        render_rich(inspection, Console(file=stdout))


@click.command("validate")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.pass_context
def validate(ctx: click.Context, files: tuple[Path, ...]) -> None:
    """Check BPMN models (.bpmn, .xml) or scenario files (.yaml, .yml).

    A BPMN model is checked for nodes no case can reach, nodes from which no path
    leads to an end, gateways without outgoing flows, parallel joins that wait forever,
    tasks outside any lane and more. Prints one finding per line.

    Exit code 0: no findings; 1: errors or warnings found; 2: a file cannot be read.

    \b
    Example:
      zsa-sim validate processes/hundehaltung.bpmn processes/wohngeld.bpmn
    """
    any_findings = False
    for file in files:
        findings = findings_for(file)
        for finding in findings:
            click.echo(str(finding))
        click.echo(f"{file}: {_summary(findings)}")
        any_findings = any_findings or bool(findings)
    if any_findings:
        ctx.exit(1)


def findings_for(path: Path) -> list[Finding]:
    """Validate one file, by its suffix: a BPMN model or a scenario file."""
    from zsa_sim.bpmn import read_bpmn, validate_model

    suffix = path.suffix.lower()
    if suffix in BPMN_SUFFIXES:
        return validate_model(read_bpmn(path))
    if suffix in SCENARIO_SUFFIXES:
        try:
            from zsa_sim.scenario import validate_scenario_file
        except ImportError as err:
            raise ZsaError("scenario validation not available", source=path) from err
        return list(validate_scenario_file(path))
    raise ZsaError(
        f"cannot validate a '{path.suffix}' file: expected .bpmn or .xml (BPMN model) "
        "or .yaml or .yml (scenario)",
        source=path,
    )


def _summary(findings: list[Finding]) -> str:
    if not findings:
        return "no findings"
    errors = sum(1 for f in findings if f.severity == "error")
    warnings = len(findings) - errors
    return f"{_count(errors, 'error')}, {_count(warnings, 'warning')}"


def _count(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


COMMANDS: list[click.Command] = [inspect, validate]
