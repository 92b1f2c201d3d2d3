"""Which scenario key holds the ZSA's staff, and who takes part in the ZSA.

The central unit's staff of a variant is ``variants.<variant>.zsa.staff`` if the variant
states it (that overrides the scenario's), else ``zsa.staff``. A number there is one
pooled team (pool ``ZSA/team``, as in the pilot); a map is a team per service or role
(``zsa.staff.wohngeld`` -> pool ``ZSA/wohngeld``). Planner and sweeps change values by
these dotted key paths (:meth:`zsa_sim.scenario.Scenario.with_changes`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from zsa_sim.errors import ScenarioError
from zsa_sim.scenario import Scenario, centralised
from zsa_sim.scenario.build import POOLED_TEAM, variant_of


def value_at(scenario: Scenario, key: str) -> Any:
    """The scenario's current value at a dotted key path (ScenarioError if there is none)."""
    node: Any = scenario.model_dump()
    for depth, part in enumerate(key.split(".")):
        if isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]  # a step of a staff ramp: zsa.staff.1.fte
            continue
        if not isinstance(node, Mapping) or part not in node or node[part] is None:
            where = ".".join(key.split(".")[: depth + 1])
            raise ScenarioError(f"{where}: no such key (planning {key!r})", source=scenario.source)
        node = node[part]
    return node


#: ``<staff key>.<n>.fte``: the FTE of step n of a staff ramp (``zsa.staff.1.fte``)
_RAMP_STEP = re.compile(r"^(?P<staff>.+)\.(?P<index>\d+)\.fte$")


def ramp_step(key: str) -> tuple[str, int] | None:
    """The ramp's key and the step's index when ``key`` names one step of a staff ramp."""
    match = _RAMP_STEP.match(key)
    return None if match is None else (match["staff"], int(match["index"]))


def planned_ramp(scenario: Scenario, key: str, fte: float) -> list[dict[str, Any]] | None:
    """The whole ramp with step ``key`` at ``fte`` (for the plan's answer); None if no ramp."""
    step = ramp_step(key)
    if step is None:
        return None
    steps = value_at(scenario, step[0])
    return [
        {"from": s["since"].isoformat(), "fte": fte if i == step[1] else float(s["fte"])}
        for i, s in enumerate(steps)
    ]


def zsa_staff_key(scenario: Scenario, variant: str) -> str:
    """Where the ZSA's staff of a variant is stated: the variant's override or ``zsa.staff``."""
    spec = variant_of(scenario, variant)
    if spec.zsa is None:
        raise ScenarioError(
            f"variants.{variant}: has no zsa section, so the ZSA's staffing does not matter "
            "there (plan a variant with a ZSA, e.g. --variant zentral)",
            source=scenario.source,
        )
    if scenario.zsa is None:
        raise ScenarioError("zsa: the scenario has no central unit", source=scenario.source)
    return f"variants.{variant}.zsa.staff" if spec.zsa.staff is not None else "zsa.staff"


def staffing_key(
    scenario: Scenario, variant: str, key: str | None = None, service: str | None = None
) -> str:
    """The key the planner varies (see the module docstring); checked to hold a number.

    Without ``key``: the pooled team's key, or the team of ``service`` when the ZSA has
    teams. With ``key``: any key holding a number, but not ``zsa.staff`` when the variant
    overrides it (changing it would change nothing).
    """
    base = zsa_staff_key(scenario, variant) if key is None or key.startswith("zsa.") else None
    if key is None:
        assert base is not None
        staff = value_at(scenario, base)
        if isinstance(staff, Mapping):
            if service is not None and service in staff:
                return f"{base}.{service}"
            teams = ", ".join(staff)
            raise ScenarioError(
                f"{base}: the ZSA has teams ({teams}); choose one with --key {base}.<team>",
                source=scenario.source,
            )
        if isinstance(staff, list):
            raise ScenarioError(
                f"{base}: is a staff ramp (FTE from dates); the planner varies one number: "
                f"choose the step with --key {base}.<n>.fte (n = 0 for the first step)",
                source=scenario.source,
            )
        return base
    if base is not None and base != "zsa.staff" and key.startswith("zsa.staff"):
        raise ScenarioError(
            f"{key}: variant '{variant}' states its own ZSA staff ({base}), which overrides "
            f"this key; use --key {base}{key[len('zsa.staff') :]}",
            source=scenario.source,
        )
    current = value_at(scenario, key)
    if isinstance(current, bool) or not isinstance(current, int | float):
        raise ScenarioError(
            f"{key}: holds {current!r}, not a number of FTE (for ZSA teams use {key}.<team>)",
            source=scenario.source,
        )
    step = ramp_step(key)
    if step is not None:
        _check_step_in_run(scenario, key, value_at(scenario, f"{step[0]}.{step[1]}"))
    return key


def _check_step_in_run(scenario: Scenario, key: str, step: Mapping[str, Any]) -> None:
    """Refuse a ramp step that starts when the run is over: varying it changes nothing
    (e.g. a reinforcement from July against a backlog target for June)."""
    period = scenario.period
    end = period.start + timedelta(days=period.days + period.cooldown_days)
    if step["since"] >= end:
        last = end - timedelta(days=1)
        raise ScenarioError(
            f"{key}: this step starts on {step['since']}, after the simulated period "
            f"(last day {last}), so its FTE cannot change the result; plan an earlier step",
            source=scenario.source,
        )


def team_pool(scenario: Scenario, key: str) -> tuple[str, str] | None:
    """The (org_unit, role) pool whose FTE a ZSA staff key sets, or None for other keys.

    A step of a ramp (``zsa.staff.1.fte``) sets the pool of the ramp (``zsa.staff``).
    """
    if scenario.zsa is None:
        return None
    step = ramp_step(key)
    if step is not None:
        key = step[0]
    parts = key.split(".")
    if parts[-1] == "staff" and (key == "zsa.staff" or key.endswith(".zsa.staff")):
        return (scenario.zsa.name, POOLED_TEAM)
    if (
        len(parts) >= 2
        and parts[-2] == "staff"
        and (key.startswith("zsa.staff.") or ".zsa.staff." in key)
    ):
        return (scenario.zsa.name, parts[-1])
    return None


def participating_groups(
    scenario: Scenario, variant: str, service: str | None = None
) -> list[tuple[str, str]]:
    """The (service, municipality) pairs whose tasks the ZSA does in a variant.

    With ``service``, only that service's pairs; a ScenarioError if there are none.
    """
    if service is not None and service not in scenario.services:
        known = ", ".join(scenario.services)
        raise ScenarioError(
            f"services: unknown service {service!r} (known: {known})", source=scenario.source
        )
    pairs = sorted(
        (s, m) for s, m in centralised(scenario, variant) if service is None or s == service
    )
    if not pairs:
        what = f"service {service!r}" if service else "any service"
        raise ScenarioError(
            f"variants.{variant}.zsa: no municipality hands tasks of {what} to the ZSA",
            source=scenario.source,
        )
    return pairs
