"""``zsa-sim run`` and ``zsa-sim compare``: thin wrappers over zsa_sim.experiment."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import click

from zsa_sim.cli import EXIT_REPORT_FAILED, collector_paused, libraries_first
from zsa_sim.errors import ZsaError

if TYPE_CHECKING:
    from zsa_sim.experiment.runner import PhaseCallback, ProgressCallback

PILOT = Path("scenarios") / "pilot.yaml"


def default_scenario() -> Path:
    """The built-in pilot scenario: ./scenarios/pilot.yaml, else the one next to the package."""
    if PILOT.is_file():
        return PILOT
    bundled = Path(__file__).resolve().parents[2] / PILOT
    if bundled.is_file():
        return bundled
    raise ZsaError(f"no scenario given and {PILOT} not found; pass a scenario file")


@contextmanager
def progress_display(
    interactive: bool, quiet: bool
) -> Iterator[tuple[ProgressCallback | None, PhaseCallback | None]]:
    """Progress of a run: a bar with phase and ETA on a terminal, a line per phase if not.

    ``quiet`` shows nothing. Phases: simulating, writing results, drawing charts and report.
    """
    if quiet:
        yield None, None
        return
    if not interactive:

        def announce(name: str) -> None:
            click.echo(f"{name} ...", err=True)

        yield None, announce
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        "ETA",
        TimeRemainingColumn(),
        transient=True,
    ) as bar:
        task = bar.add_task("simulating", total=None)
        current = {"phase": "simulating"}

        def update(done: int, total: int, variant: str, replication: int) -> None:
            bar.update(
                task,
                completed=done,
                total=total,
                description=f"{current['phase']}: {variant} #{replication + 1}",
            )

        def phase(name: str) -> None:
            current["phase"] = name
            bar.update(task, description=name)

        yield update, phase


@click.command()
@click.argument("scenario", required=False, type=click.Path(path_type=Path))
@click.option(
    "-n", "--replications", type=int, help="Replications per variant (scenario's if unset)."
)
@click.option("--seed", type=int, help="Seed of all random streams (scenario's if unset).")
@click.option("-j", "--jobs", type=int, help="Worker processes (default: all cores).")
@click.option(
    "--scheduler", help="Dask scheduler address, e.g. tcp://host:8786 (extra 'distributed')."
)
@click.option(
    "-o",
    "--out",
    type=click.Path(path_type=Path),
    default=Path("results"),
    show_default=True,
    help="Root folder of results.",
)
@click.option("--variant", "variants", multiple=True, help="Run only this variant (repeatable).")
@click.option(
    "--eventlog",
    type=click.Choice(["first", "all", "none"]),
    default="first",
    show_default=True,
    help="Runs in eventlog.csv.gz: first replication of each variant, all, none.",
)
@click.option(
    "--xes",
    type=click.Choice(["first", "all", "none"]),
    default="none",
    show_default=True,
    help="Runs in eventlog.xes.gz (IEEE 1849): first replication, all, none.",
)
@click.option(
    "--no-eventlog", is_flag=True, help="No event log files (--eventlog none --xes none)."
)
@click.option("--no-report", is_flag=True, help="Skip charts and report.html.")
@click.option(
    "--lang",
    type=click.Choice(["de", "en"]),
    default="de",
    show_default=True,
    help="Language of charts and report.",
)
@click.option(
    "--cache/--no-cache",
    default=None,
    help="Take unchanged replications from the result cache (default: on, unless "
    "ZSA_SIM_CACHE=off); --no-cache simulates every replication.",
)
@click.option("--quiet", "-q", is_flag=True, help="No progress bar and no verdicts.")
def run(
    scenario: Path | None,
    replications: int | None,
    seed: int | None,
    jobs: int | None,
    scheduler: str | None,
    out: Path,
    variants: tuple[str, ...],
    eventlog: str,
    xes: str,
    no_eventlog: bool,
    no_report: bool,
    lang: str,
    cache: bool | None,
    quiet: bool,
) -> None:
    """Run every variant x replication of SCENARIO (default: the pilot) and write results.

    Ends with the results folder and the path of report.html. If the run finished but
    its report failed, the results are kept, the reason is printed and the exit code is
    3; `zsa-sim report RUN_DIR` retries. Replications whose inputs and code are
    unchanged since an earlier run come from the result cache (same bytes).

    \b
    Examples:
      zsa-sim run                                  # scenarios/pilot.yaml
      zsa-sim run scenarios/hybrid.yaml -n 20 -j 4 --out /tmp/results
    """
    with collector_paused():
        libraries_first()
        from zsa_sim.experiment.runner import RunOptions
        from zsa_sim.pipeline import run_and_report

    options = RunOptions(
        replications=replications,
        seed=seed,
        jobs=jobs,
        scheduler=scheduler,
        out_root=out,
        variants=variants or None,
        eventlog="none" if no_eventlog else eventlog,  # type: ignore[arg-type]
        xes=xes if not no_eventlog else "none",  # type: ignore[arg-type]
        report=not no_report,
        lang=lang,
        cache=cache,
    )
    with progress_display(sys.stderr.isatty(), quiet) as (progress, phase):
        outcome = run_and_report(scenario or default_scenario(), options, progress, phase)
    from zsa_sim.experiment.overload import run_warnings

    # the scenario as the run loaded it: loading it again cost ~0.5 s (issue 19)
    ran = outcome.run.scenario or scenario or default_scenario()
    for line in run_warnings(ran, outcome.run.outputs):
        click.echo(line, err=True)
    if outcome.run.from_cache and not quiet:
        total = len(outcome.run.outputs)
        click.echo(
            f"{outcome.run.from_cache} of {total} replications from the result cache "
            "(unchanged inputs; --no-cache simulates them again)",
            err=True,
        )
    if not quiet:
        for municipality, lines in outcome.run.summary["verdicts"].items():
            click.echo(f"{municipality}:")
            for line in lines[lang]:
                click.echo(f"  {line}")
    click.echo(str(outcome.run_dir))
    if outcome.report_error is not None:
        click.echo(
            f"report failed: {outcome.report_error}; retry with zsa-sim report {outcome.run_dir}",
            err=True,
        )
        raise click.exceptions.Exit(EXIT_REPORT_FAILED)
    if outcome.excel is not None:
        click.echo(str(outcome.excel))
    if outcome.report is not None:
        click.echo(str(outcome.report))


@click.command()
@click.argument("run_a", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.argument("run_b", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--csv", "csv_out", type=click.Path(path_type=Path), help="Write all differences.")
@click.option("--lang", type=click.Choice(["de", "en"]), default="de", show_default=True)
def compare(run_a: Path, run_b: Path, csv_out: Path | None, lang: str) -> None:
    """Compare two earlier runs: RUN_B minus RUN_A per KPI with 95% confidence intervals.

    \b
    Example:
      zsa-sim compare results/pilot/2026-11-25T10-00-00 results/pilot/2026-11-25T11-00-00
    """
    from zsa_sim.experiment.compare_runs import compare_notes, compare_runs, headline

    differences = compare_runs(run_a, run_b)
    for note in compare_notes(run_a, run_b, differences, lang):
        click.echo(note, err=True)
    for municipality, lines in headline(differences, lang).items():
        click.echo(f"{municipality}:")
        for line in lines:
            click.echo(f"  {line}")
    if csv_out is not None:
        from zsa_sim.experiment.results import write_csv

        write_csv(csv_out, (d._asdict() for d in differences), differences[0]._fields)
        click.echo(str(csv_out))


COMMANDS: list[click.Command] = [run, compare]
