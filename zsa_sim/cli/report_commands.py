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
def report(run_dir: Path, lang: str) -> None:
    """Write the charts (PNG, SVG) and the self-contained report.html of a results folder.

    German: charts/ and report.html; English: charts/en/ and report.en.html.

    \b
    Example:
      zsa-sim report results/pilot/2026-11-25T11-20-58
      zsa-sim report results/pilot/2026-11-25T11-20-58 --lang en
    """
    from zsa_sim.report import build_report

    files = build_report(run_dir, lang=lang)
    click.echo(
        f"{len(files.charts)} charts in {files.charts[0].png.parent}"
        if files.charts
        else "no charts"
    )
    click.echo(f"report: {files.report}")


COMMANDS: list[click.Command] = [report]
