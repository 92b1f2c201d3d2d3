"""``zsa-sim plan`` and ``zsa-sim sweep``: thin wrappers over zsa_sim.planning."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import click

from zsa_sim.cli.run_commands import default_scenario

if TYPE_CHECKING:
    from zsa_sim.planning import CandidateCheck

Lang = Literal["de", "en"]

_COMMON = [
    click.option("-j", "--jobs", type=int, help="Worker processes (default: all cores)."),
    click.option(
        "--scheduler", help="Dask scheduler address, e.g. tcp://host:8786 (extra 'distributed')."
    ),
    click.option(
        "-o",
        "--out",
        type=click.Path(path_type=Path),
        default=Path("results"),
        show_default=True,
        help="Root folder of results.",
    ),
    click.option(
        "--lang",
        type=click.Choice(["de", "en"]),
        default="de",
        show_default=True,
        help="Language of tables and charts.",
    ),
    click.option("--quiet", "-q", is_flag=True, help="Print only the folder written."),
]


def _common(command):  # type: ignore[no-untyped-def]
    for option in reversed(_COMMON):
        command = option(command)
    return command


def _candidate_line(check: CandidateCheck, lang: Lang) -> str:
    """One progress line per verdict: staffing (or volume), replications, verdict, worst group."""
    from zsa_sim.experiment.formatting import format_number

    de = lang == "de"
    number = format_number(check.value, lang, 2)
    if check.kind == "volume":
        value = f"{'Volumen' if de else 'volume'} {number}"
    else:
        value = f"{number} {'VZÄ' if de else 'FTE'}"
    verdict = ("erfüllt" if de else "met") if check.meets else ("verfehlt" if de else "missed")
    worst = check.worst
    where = ""
    if worst is not None:
        bound = format_number(worst.bound, lang, 2)
        where = f" ({worst.service}/{worst.municipality}: {bound})"
    return f"  {value}, {check.replications} Repl.: {verdict}{where}"


@click.command()
@click.argument("scenario", required=False, type=click.Path(path_type=Path))
@click.option(
    "-t", "--target", required=True,
    help="Service level, e.g. 'p90 lead time <= 15 working days' or 'p90 Wartezeit <= 3 Tage'.",
)  # fmt: skip
@click.option("--service", help="Check the target for this service only (default: all).")
@click.option("--variant", default="zentral", show_default=True, help="Variant with the ZSA.")
@click.option("--key", help="Key to vary (default: the variant's ZSA staff, e.g. zsa.staff).")
@click.option("--step", type=float, default=0.25, show_default=True, help="FTE grid step.")
@click.option("--lo", type=float, help="Smallest staffing to consider (default: one step).")
@click.option("--hi", type=float, help="Largest staffing to consider (default: no limit).")
@click.option("-n", "--replications", type=int, help="Replications (scenario's if unset).")
@click.option(
    "--max-replications", type=int, help="Replications for close verdicts (default: twice -n)."
)
@click.option("--no-break-even", is_flag=True, help="Skip the break-even volume (faster).")
@_common
def plan(
    scenario: Path | None,
    target: str,
    service: str | None,
    variant: str,
    key: str | None,
    step: float,
    lo: float | None,
    hi: float | None,
    replications: int | None,
    max_replications: int | None,
    no_break_even: bool,
    jobs: int | None,
    scheduler: str | None,
    out: Path,
    lang: Lang,
    quiet: bool,
) -> None:
    """Find the smallest ZSA staffing (FTE) that meets a service-level TARGET.

    Searches in steps of --step FTE (doubling, then bisection), confirms the answer
    (meets the target in every participating municipality and service with 95%
    confidence; one step below misses), and reports FTE freed per municipality, cost
    per case in both variants and the break-even volume. Writes
    results/<scenario>/plan-<timestamp>/ (plan.json, plan.txt, candidates.csv).

    \b
    Examples:
      zsa-sim plan --target "p90 waiting time <= 3 days"
      zsa-sim plan scenarios/pilot.yaml -t "p90 Durchlaufzeit <= 20 Arbeitstage" -n 10 -j 4
      zsa-sim plan -t "lead_time_workdays_p90<=20" --service wohngeld --no-break-even
    """
    from zsa_sim.planning import format_plan, parse_target, plan_staffing, write_plan

    parsed = parse_target(target)
    shown: list[CandidateCheck] = []

    def show(check: CandidateCheck) -> None:
        if not shown:  # the header once the search runs (not before an input error)
            click.echo(parsed.describe(lang), err=True)
        shown.append(check)
        click.echo(_candidate_line(check, lang), err=True)

    result = plan_staffing(
        scenario or default_scenario(), parsed, service=service, variant=variant, step=step,
        lo=lo, hi=hi, replications=replications, jobs=jobs, scheduler=scheduler,
        progress=None if quiet else show, key=key, max_replications=max_replications,
        break_even=not no_break_even,
    )  # fmt: skip
    folder = write_plan(result, out, lang=lang, jobs=jobs, scheduler=scheduler)
    if not quiet:
        click.echo(format_plan(result, lang))
    click.echo(str(folder))


@click.command()
@click.argument("scenario", required=False, type=click.Path(path_type=Path))
@click.option(
    "--vary", "varies", multiple=True, required=True,
    help="KEY=START:STOP:STEP (inclusive), KEY=V1,V2 or KEY=V; repeat for a grid.",
)  # fmt: skip
@click.option("--variant", "variants", multiple=True, help="Only this variant (repeatable).")
@click.option("-n", "--replications", type=int, help="Replications (scenario's if unset).")
@click.option(
    "--kpi", "kpis", multiple=True,
    help="KPI id to tabulate and chart (repeatable; 'all'). Default: waiting_time_p90, "
    "lead_time_workdays_p90, utilisation.",
)  # fmt: skip
@click.option("-t", "--target", help="Draw this target on the charts, e.g. 'p90 lead time <= 15'.")
@click.option("--no-charts", is_flag=True, help="Write the table only.")
@_common
def sweep(
    scenario: Path | None,
    varies: tuple[str, ...],
    variants: tuple[str, ...],
    replications: int | None,
    kpis: tuple[str, ...],
    target: str | None,
    no_charts: bool,
    jobs: int | None,
    scheduler: str | None,
    out: Path,
    lang: Lang,
    quiet: bool,
) -> None:
    """Run SCENARIO over a grid of parameter values; write one table and charts.

    Every combination of the --vary values x variant x replication is simulated
    (no event logs). Writes results/<scenario>/sweep-<timestamp>/: sweep.csv (one row
    per grid point, variant, service, municipality or pool and KPI: mean and 95% CI),
    sweep.json, and charts/ (KPI against the first key with confidence bands; with two
    keys also a heat map).

    \b
    Examples:
      zsa-sim sweep --vary zsa.staff=6:14:1 --variant zentral -n 5
      zsa-sim sweep scenarios/pilot.yaml --vary zsa.staff=8:14:2 \\
          --vary services.wohngeld.volume=0.8:1.4:0.2 --kpi waiting_time_p90
    """
    from zsa_sim.planning import parse_target, parse_vary, run_sweep, write_sweep

    parsed = [parse_vary(v) for v in varies]
    goal = parse_target(target) if target else None
    interactive = sys.stderr.isatty() and not quiet

    def progress(done: int, total: int) -> None:
        click.echo(f"\r  {done}/{total}", err=True, nl=done == total)

    result = run_sweep(
        scenario or default_scenario(), parsed, variants=variants or None,
        replications=replications, jobs=jobs, scheduler=scheduler, kpis=kpis or None,
        target=goal, progress=progress if interactive else None,
    )  # fmt: skip
    folder = write_sweep(
        result, out, lang=lang, charts=not no_charts, jobs=jobs, scheduler=scheduler
    )
    if not quiet:
        points = len(result.points)
        click.echo(
            f"{points} grid points x {len(result.variants)} variants x "
            f"{result.replications} replications: {result.simulated_runs} runs, "
            f"{len(result.rows)} rows",
            err=True,
        )
    click.echo(str(folder))


COMMANDS: list[click.Command] = [plan, sweep]
