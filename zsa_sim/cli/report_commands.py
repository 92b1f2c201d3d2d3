"""``zsa-sim report``: draw the charts and the decision report of an earlier run.

Thin: everything happens in :func:`zsa_sim.report.build_report`, which reads the results
folder only (so a report can be rebuilt, or made in the other language, at any time).
"""

from __future__ import annotations

from pathlib import Path

import click


@click.command("report")
@click.argument("run_dir", type=click.Path(path_type=Path, file_okay=False))
@click.option(
    "--lang",
    type=click.Choice(["de", "en"]),
    default="de",
    show_default=True,
    help="Language of the charts and the report (English goes beside the German one).",
)
@click.option(
    "--excel/--no-excel",
    default=True,
    show_default=True,
    help="Also write kpis.xlsx (sheets: verdicts, KPIs, staff, assumptions).",
)
@click.option(
    "--csv-de",
    is_flag=True,
    help="Also write kpis_de.csv for German spreadsheets (';' and decimal comma).",
)
def report(run_dir: Path, lang: str, excel: bool, csv_de: bool) -> None:
    """Write the charts (PNG, SVG) and the self-contained report.html of a results folder.

    German: charts/ and report.html; English: charts/en/ and report.en.html. All or
    nothing: an interrupted or failed report leaves the earlier one untouched. Retries
    a report that failed at the end of `zsa-sim run`.

    \b
    Example:
      zsa-sim report results/pilot/2026-11-25T11-20-58
      zsa-sim report results/pilot/2026-11-25T11-20-58 --lang en
    """
    from zsa_sim.report import build_report

    files = build_report(run_dir, lang=lang, with_excel=excel)
    click.echo(
        f"{len(files.charts)} charts in {files.charts[0].png.parent}"
        if files.charts
        else "no charts"
    )
    if csv_de:
        from zsa_sim.report.excel import write_csv_de

        click.echo(f"csv: {write_csv_de(run_dir)}")
    click.echo(f"report: {files.report}")


@click.command("show")
@click.argument("run_dir", type=click.Path(path_type=Path, file_okay=False))
@click.option("--lang", type=click.Choice(["de", "en"]), default="de", show_default=True)
def show(run_dir: Path, lang: str) -> None:
    """Print the conclusions and the verdict table of an earlier run (reads summary.json).

    \b
    Example:
      zsa-sim show results/pilot/2026-11-25T11-20-58
    """
    from zsa_sim.report import show_run

    click.echo(show_run(run_dir, lang))


COMMANDS: list[click.Command] = [report, show]
