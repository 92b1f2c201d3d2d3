"""``zsa-sim cache info|clear``: the result cache of finished replications."""

from __future__ import annotations

import click


@click.group()
def cache() -> None:
    """The result cache: replications whose inputs and code did not change are not
    simulated again (see `zsa-sim run --no-cache`, ZSA_SIM_CACHE=off|FOLDER).

    \b
    Examples:
      zsa-sim cache info
      zsa-sim cache clear
    """


@cache.command()
def info() -> None:
    """Show the cache folder, its entries, their size and the size bound.

    \b
    Example:
      zsa-sim cache info
    """
    from zsa_sim.experiment.cache import cache_summary

    for line in cache_summary():
        click.echo(line)


@cache.command()
def clear() -> None:
    """Remove every cached replication (the next runs simulate everything again).

    \b
    Example:
      zsa-sim cache clear
    """
    from zsa_sim.experiment.cache import clear_cache

    click.echo(clear_cache())


COMMANDS: list[click.Command] = [cache]
