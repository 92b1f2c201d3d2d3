"""Start-up cost: the light commands must not import the heavy libraries (issue 19).

``zsa-sim --help``, ``inspect`` and ``validate`` are what a designer runs over and over;
importing matplotlib, scipy, simpy or dask costs seconds of CPU there. The check is on
what gets imported (deterministic), not on a timing.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: SimPy is not among them: it imports in ~40 ms, and `validate SCENARIO` builds each
#: variant's engine once (without running it) so that it refuses what `run` would.
HEAVY = (
    "matplotlib",
    "scipy",
    "dask",
    "distributed",
    "faker",
    "pandas",
    "pyarrow",
    "dash",
    # its registry of ~250 countries costs ~0.14 s; zsa_sim.public_holidays serves instead
    "holidays",
)

PROBE = """
import json, sys
HEAVY_JSON = {heavy!r}
from zsa_sim.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
heavy = sorted(set(m.split('.')[0] for m in sys.modules) & set(json.loads(HEAVY_JSON)))
print('HEAVY=' + json.dumps(heavy), file=sys.stderr)
"""


def _heavy_imported(*args: str) -> list[str]:
    code = PROBE.format(heavy=json.dumps(HEAVY))
    proc = subprocess.run(
        [sys.executable, "-c", code, *args], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    line = [x for x in proc.stderr.splitlines() if x.startswith("HEAVY=")]
    assert line, proc.stderr
    return json.loads(line[-1].removeprefix("HEAVY="))


@pytest.mark.parametrize(
    "args",
    [
        ("--help",),
        ("inspect", "processes/wohngeld.bpmn"),
        ("validate", "processes/hundehaltung.bpmn"),
        ("validate", "scenarios/pilot.yaml"),
        ("run", "--help"),
        ("plan", "--help"),
    ],
)
def test_light_commands_import_no_heavy_library(args: tuple[str, ...]) -> None:
    assert _heavy_imported(*args) == []


def test_validate_scenario_cross_checks_once_and_builds_every_variant(monkeypatch) -> None:
    """`validate SCENARIO` builds each variant's engine (so it refuses what `run` would)
    but does not repeat the cross-checks for each build (issue 19: < 0.5 s CPU)."""
    import zsa_sim.engine.simulation as simulation
    import zsa_sim.scenario.checks as checks
    from zsa_sim.scenario import validate_scenario_file

    checked: list[object] = []
    built: list[str] = []
    real_check, real_init = checks.check_scenario, simulation.Simulation.__init__
    monkeypatch.setattr(
        checks, "check_scenario", lambda s, **kw: checked.append(s) or real_check(s, **kw)
    )

    def init(self, setup, sink):
        built.append(setup.variant)
        real_init(self, setup, sink)

    monkeypatch.setattr(simulation.Simulation, "__init__", init)
    assert validate_scenario_file(ROOT / "scenarios" / "pilot.yaml") == []
    assert len(checked) == 1
    assert built == ["dezentral", "zentral"]
