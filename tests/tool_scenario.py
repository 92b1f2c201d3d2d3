"""Fill a scenario template as a process designer would, for tests of foreign models."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import yaml

from zsa_sim.scenario import write_template

TOOLS = Path(__file__).parent / "data" / "bpmn" / "tools"

#: What a designer types in for each kind of placeholder, by the last key of its path.
FIGURES: dict[str, Any] = {
    "cases_per_1000": 30.0,
    "population": 20_000,
    "cost_per_hour": 55.0,
}


def fill(node: Any, path: tuple[str, ...] = ()) -> Any:
    """Every null placeholder of the template with a figure for its key path."""
    if isinstance(node, dict):
        if path and path[-1] == "channels":
            return {"online": 0.4, "paper": 0.6}
        if len(path) >= 2 and path[-2] == "branches":
            return {
                k: round(1.0 / len(node), 6)
                if i
                else 1 - round(1.0 / len(node), 6) * (len(node) - 1)
                for i, k in enumerate(node)
            }
        if path and path[-1] == "centralisable":
            return {k: i == 0 for i, k in enumerate(node)}  # the first task: intake
        return {k: fill(v, (*path, str(k))) for k, v in node.items()}
    if isinstance(node, list):
        if path[-1] == "missing_documents":
            return [0.7, 0.3]
        return [fill(v, (*path, str(i))) for i, v in enumerate(node)]
    if node is not None:
        return node
    if "efforts" in path:
        return {"lognormal": {"mean": 20, "sd": 8}, "unit": "min"}
    if "waits" in path:
        return {"delay": {"lognormal": {"mean": 5, "sd": 2}, "unit": "d"}, "never": 0.05}
    if "errors" in path:
        return 0.05
    if "instances" in path:
        return 2
    if "timers" in path:
        return {"fixed": 10, "unit": "d"}
    if "flags" in path:
        return 0.5
    if "postcodes" in path:
        return "39261"
    if "staff" in path:
        return 1.0
    if path[-1] == "decision_task":
        return None
    return FIGURES[path[-1]]


def filled_scenario(bpmn: Path, folder: Path, **changes: Any) -> Path:
    """Copy the model into ``folder``, write its template filled in, with a short period.

    ``changes`` replace service keys (``default_role=...``) after filling.
    """
    model = folder / bpmn.name
    shutil.copy(bpmn, model)
    path = write_template(model, folder / "scenario.yaml")
    data = fill(yaml.safe_load(path.read_text(encoding="utf-8")))
    data["period"] = {"start": "2026-01-05", "days": 40, "warmup_days": 0, "cooldown_days": 60}
    data["replications"] = 1
    data["zsa"]["staff"] = 1.0
    service = next(iter(data["services"].values()))
    service.update(changes)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path
