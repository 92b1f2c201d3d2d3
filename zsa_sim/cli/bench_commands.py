"""``zsa-sim bench``: run the benchmarks of a source checkout (benchmarks/run.py).

The benchmarks are not part of the installed package (they need Prosimos in a venv of
their own and minutes of machine time), so this command finds ``benchmarks/run.py`` in
the current directory or next to the package and runs it with this Python.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click

from zsa_sim.errors import ZsaError

HARNESS = Path("benchmarks") / "run.py"


def find_harness() -> Path:
    """benchmarks/run.py of the current directory, else of the checkout holding zsa_sim."""
    for root in (Path.cwd(), Path(__file__).resolve().parents[2]):
        if (root / HARNESS).is_file():
            return root / HARNESS
    raise ZsaError(f"{HARNESS} not found; run 'zsa-sim bench' in a source checkout of zsa-sim")


@click.command()
@click.option("--quick", is_flag=True, help="Smaller sizes: a few minutes instead of ~45.")
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=Path("benchmarks") / "results.md",
    show_default=True,
    help="Markdown file whose results section is replaced.",
)
@click.option("--no-prosimos", is_flag=True, help="Skip the comparison with Prosimos.")
@click.option("--scaling", help="Case counts for the scaling runs, e.g. 10000,100000; 'none'.")
def bench(quick: bool, out: Path, no_prosimos: bool, scaling: str | None) -> None:
    """Measure throughput (vs hand-written SimPy and Prosimos) and scaling; write a table.

    Prosimos is installed on first use into benchmarks/_work/prosimos-venv (never into
    this environment).

    \b
    Examples:
      zsa-sim bench --quick
      zsa-sim bench --out /tmp/results.md --scaling 10000,100000
    """
    args = [sys.executable, str(find_harness()), "--out", str(out)]
    if quick:
        args.append("--quick")
    if no_prosimos:
        args.append("--no-prosimos")
    if scaling:
        args += ["--scaling", scaling]
    code = subprocess.run(args).returncode
    if code:
        raise ZsaError(f"the benchmark harness failed with exit code {code}")


COMMANDS: list[click.Command] = [bench]
