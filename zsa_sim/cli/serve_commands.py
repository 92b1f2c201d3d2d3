"""``zsa-sim serve``: the what-if workbench in the browser (a thin wrapper of zsa_sim.web)."""

from __future__ import annotations

from pathlib import Path

import click


@click.command()
@click.argument("scenario", required=False, type=click.Path(path_type=Path))
@click.option("--port", type=int, default=8050, show_default=True, help="Port to listen on.")
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to bind; any other than 127.0.0.1 requires the token printed at start.",
)
@click.option(
    "-o",
    "--out",
    type=click.Path(path_type=Path),
    default=Path("results"),
    show_default=True,
    help="Root folder of results (runs are kept there like those of 'zsa-sim run').",
)
@click.option("-j", "--jobs", type=int, help="Worker processes per run (default: all cores).")
def serve(scenario: Path | None, port: int, host: str, out: Path, jobs: int | None) -> None:
    """Start the what-if workbench: change the organisation, run, compare, export.

    \b
    Example:
      zsa-sim serve                        # the pilot, on http://127.0.0.1:8050/
      zsa-sim serve scenarios/hybrid.yaml --port 8060
    """
    from zsa_sim.cli.run_commands import default_scenario
    from zsa_sim.web.app import require_dash

    require_dash()
    from zsa_sim.web.app import serve as serve_workbench

    serve_workbench(
        scenario or default_scenario(),
        host=host,
        port=port,
        out_root=out,
        workers=jobs,
        announce=click.echo,
    )


COMMANDS = [serve]
