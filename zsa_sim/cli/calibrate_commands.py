"""``zsa-sim calibrate`` and ``zsa-sim check-fit``: scenarios from data, and the evidence.

Thin commands over :mod:`zsa_sim.calibrate`: from an event log
(:func:`zsa_sim.calibrate.writer.calibrate_to_file`), from monthly counts
(:func:`zsa_sim.calibrate.counts.calibrate_counts`), and the fit report
(:func:`zsa_sim.calibrate.fitcheck.check_fit`).
"""

from __future__ import annotations

from pathlib import Path

import click


@click.command("calibrate")
@click.argument("log", required=False, type=click.Path(path_type=Path))
@click.option(
    "--model", "bpmn", type=click.Path(path_type=Path), help="BPMN model of the log's process."
)
@click.option("--service", default=None, help="Service key (and filter of a 'service' column).")
@click.option(
    "--columns",
    default=None,
    help="Header names, e.g. case=Vorgang,activity=Taetigkeit,start=Beginn,end=Ende,"
    "resource=Bearbeiter,org=Kommune",
)
@click.option("--calendar", default=None, help="Office hours from a scenario: FILE.yaml#KEY.")
@click.option("--map", "manual", multiple=True, help="'Log activity=BPMN_id' (repeatable).")
@click.option(
    "--max-nonconforming",
    type=click.FloatRange(0, 1),
    default=0.05,
    show_default=True,
    help="Share of cases that may not fit the model (they are left out); more stops.",
)
@click.option("--counts", type=click.Path(path_type=Path), default=None, help="Monthly counts CSV.")
@click.option(
    "--scenario", type=click.Path(path_type=Path), default=None, help="Scenario to fit to --counts."
)
@click.option("--check", is_flag=True, help="Simulate the result and write a fit report beside it.")
@click.option(
    "-n",
    "--replications",
    type=click.IntRange(min=2),
    default=5,
    show_default=True,
    help="Replications for --check / --counts.",
)
@click.option(
    "-o",
    "--out",
    type=click.Path(path_type=Path),
    required=True,
    help="Scenario YAML (or folder for --counts) to write.",
)
def calibrate(
    log: Path | None,
    bpmn: Path | None,
    service: str | None,
    columns: str | None,
    calendar: str | None,
    manual: tuple[str, ...],
    max_nonconforming: float,
    counts: Path | None,
    scenario: Path | None,
    check: bool,
    replications: int,
    out: Path,
) -> None:
    """Estimate a scenario from an event log (CSV or XES) or from monthly counts.

    From a log: arrivals per month, efforts as working time (fitted, chosen by AIC),
    branch probabilities by replay on the model, reaction times, staff in FTE and the
    office hours seen; every figure commented with sample size and fit quality.

    \b
    Examples:
      zsa-sim calibrate log.csv --model processes/wohngeld.bpmn -o scenarios/cal.yaml
      zsa-sim calibrate export.csv --model m.bpmn -o cal.yaml \
          --columns case=Vorgang,activity=Taetigkeit,end=Ende,resource=Bearbeiter
      zsa-sim calibrate --counts monthly.csv --scenario scenarios/x.yaml -o results/counts
    """
    if counts is not None:
        from zsa_sim.calibrate.counts import calibrate_counts

        if scenario is None:
            raise click.UsageError("--counts needs --scenario")
        for line in calibrate_counts(counts, scenario, out, replications=replications):
            click.echo(line)
        return
    if log is None or bpmn is None:
        raise click.UsageError("give LOG and --model (or --counts with --scenario)")
    from zsa_sim.calibrate.mapping import parse_manual
    from zsa_sim.calibrate.reader import parse_columns
    from zsa_sim.calibrate.writer import calibrate_to_file, summary

    cal = calibrate_to_file(
        log,
        bpmn,
        out,
        service=service,
        columns=parse_columns(columns),
        calendar=calendar,
        manual_map=parse_manual(manual),
        max_nonconforming=max_nonconforming,
    )
    for line in summary(cal):
        click.echo(line)
    click.echo(f"wrote {out}: review every TODO, then: zsa-sim validate {out}")
    if check:
        from zsa_sim.calibrate.fitcheck import check_scenario

        report = check_scenario(
            out,
            log,
            replications=replications,
            columns=parse_columns(columns),
            manual_map=parse_manual(manual),
        )
        click.echo(f"fit report: {report}")


@click.command("check-fit")
@click.argument("run_dir", type=click.Path(path_type=Path))
@click.argument("log", type=click.Path(path_type=Path))
@click.option("--columns", default=None, help="Header names of LOG, as for calibrate.")
@click.option("--map", "manual", multiple=True, help="'Log activity=BPMN_id' (repeatable).")
@click.option("--service", default=None, help="Compare this service only.")
@click.option(
    "-o",
    "--out",
    type=click.Path(path_type=Path),
    default=None,
    help="Folder [default: RUN_DIR/fit].",
)
def check_fit_command(
    run_dir: Path,
    log: Path,
    columns: str | None,
    manual: tuple[str, ...],
    service: str | None,
    out: Path | None,
) -> None:
    """Compare a simulation run with an observed log: fit.html and fit.csv.

    Cycle time, waiting before the first step, activity frequencies, arrivals,
    throughput and work in progress per week: observed against simulated with the
    replications' 95 % interval and a distance (Wasserstein for distributions,
    relative error for counts).

    \b
    Example:
      zsa-sim run scenarios/cal.yaml -n 5 --eventlog all
      zsa-sim check-fit results/cal/<timestamp> log.csv
    """
    from zsa_sim.calibrate.fitcheck import check_fit
    from zsa_sim.calibrate.mapping import parse_manual
    from zsa_sim.calibrate.reader import parse_columns

    report = check_fit(
        run_dir,
        log,
        out=out,
        columns=parse_columns(columns),
        service=service,
        manual_map=parse_manual(manual),
    )
    click.echo(f"fit report: {report}")


COMMANDS = [calibrate, check_fit_command]
