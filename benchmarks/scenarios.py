"""Large scenarios for the benchmarks: the pilot's municipalities copied k times.

A state-wide run has many municipalities, each with its own staff, rather than one huge
town: :func:`state_wide` takes the pilot scenario and copies each municipality ``k``
times (``Halle~2``, ``Halle~3``, ...) with the same population and staff, so each copy
is as loaded as the original and the run stays stable (no backlog that grows with k).
The ZSA team grows with k too. One replication of the pilot has about 11,800 cases, so
k = 1, 9 and 85 give about 10k, 100k and 1M cases.
"""

from __future__ import annotations

import copy
from pathlib import Path

from zsa_sim.scenario import Scenario, load_scenario, scenario_from_data

ROOT = Path(__file__).resolve().parents[1]
PILOT = ROOT / "scenarios" / "pilot.yaml"
#: cases per copy of the pilot's municipalities in one replication (seed 20260101)
CASES_PER_COPY = 11_809


def copies_for(cases: int) -> int:
    """How many copies of the pilot's municipalities give about ``cases`` cases."""
    return max(1, round(cases / CASES_PER_COPY))


def state_wide(copies: int, pilot: Path = PILOT) -> Scenario:
    """The pilot with every municipality ``copies`` times (one replication)."""
    base = load_scenario(pilot)
    data = base.model_dump(mode="json")
    data["name"] = f"state-wide-x{copies}"
    data["replications"] = 1
    municipalities = {}
    for key, spec in data["municipalities"].items():
        for n in range(1, copies + 1):
            name = key if n == 1 else f"{key}~{n}"
            municipalities[name] = copy.deepcopy(spec)
    data["municipalities"] = municipalities
    if data.get("zsa") and isinstance(data["zsa"].get("staff"), int | float):
        data["zsa"]["staff"] = data["zsa"]["staff"] * copies
    for variant in data["variants"].values():
        staff = variant.get("staff") or {}
        variant["staff"] = {
            (key if n == 1 else f"{key}~{n}"): roles
            for key, roles in staff.items()
            for n in range(1, copies + 1)
        }
    for service in data["services"].values():
        service["bpmn"] = str((pilot.parent / service["bpmn"]).resolve())
    return scenario_from_data(data, source=str(pilot), base_dir=pilot.parent)
