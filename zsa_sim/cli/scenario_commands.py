"""``zsa-sim template`` and ``zsa-sim synth``: start a scenario, look at its applicants.

Thin commands: the skeleton is :func:`zsa_sim.scenario.write_template`, the CSV files
are :func:`zsa_sim.synth.export.write_synthetic_data`. (``zsa-sim validate`` checks
scenario files too; it lives with the BPMN commands.)
"""

from __future__ import annotations

from pathlib import Path

import click


@click.command("template")
@click.argument("bpmn_file", type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--out",
    type=click.Path(path_type=Path),
    default=None,
    help="Scenario file to write [default: scenarios/<bpmn name>.yaml].",
)
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
def template(bpmn_file: Path, out: Path | None, force: bool) -> None:
    """Write a scenario skeleton listing every figure a BPMN model needs.

    Every task gets an effort placeholder (with its lane, role and whether the central
    unit may do it), every gateway without conditions a probability per flow, every
    message event a reaction time; timers are listed with their BPMN values. The
    placeholders are empty (null): `zsa-sim validate` reports each until filled in.

    \b
    Example:
      zsa-sim template processes/wohngeld.bpmn -o scenarios/wohngeld_neu.yaml
      zsa-sim validate scenarios/wohngeld_neu.yaml
    """
    target = out or Path("scenarios") / f"{bpmn_file.stem}.yaml"
    if target.exists() and not force:
        raise click.UsageError(f"{target} exists; use --force to overwrite it")
    from zsa_sim.scenario import write_template

    written = write_template(bpmn_file, target)
    click.echo(f"wrote {written}: fill in every TODO, then run: zsa-sim validate {written}")


@click.command("synth")
@click.argument("scenario_file", type=click.Path(path_type=Path))
@click.option(
    "-r",
    "--replication",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Which replication's applicants to write.",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=Path("synthetic_data"),
    show_default=True,
    help="Folder; files go to <out>/<scenario name>/.",
)
def synth(scenario_file: Path, replication: int, out: Path) -> None:
    """Write the synthetic applicants of a scenario as CSV files.

    One file per service and municipality, <service>_<municipality>.csv, with arrival
    time, channel, the attributes that drive the process and invented names and
    addresses (Faker, de_DE). The first line of every file says the data are synthetic.
    Same scenario seed and replication: identical files.

    \b
    Example:
      zsa-sim synth scenarios/pilot.yaml
      zsa-sim synth scenarios/pilot.yaml --replication 3 --out /tmp/applicants
    """
    from zsa_sim.scenario import load_scenario
    from zsa_sim.synth.export import write_synthetic_data

    scenario = load_scenario(scenario_file)
    paths = write_synthetic_data(scenario, out, replication=replication)
    for path in paths:
        click.echo(str(path))


COMMANDS: list[click.Command] = [template, synth]
