"""A what-if: the handful of organisation levers a workshop changes, as scenario changes.

The workbench form shows a scenario through :class:`WhatIf` (which municipalities and
services join the ZSA in the variant under discussion, ZSA and municipal staff, volume per
service, hand-over delay, effort factor, replications) and turns the edited form back into
dotted-key changes for :func:`zsa_sim.scenario.apply_changes`, the same validation the CLI
and the sweeps use, so a bad value gets the same one-line message. The changed scenario is
then written as a complete YAML file (a *scenario version*) that ``zsa-sim run`` runs to
the same numbers: the workbench runs exactly that file.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any, TypeAlias

import yaml

from zsa_sim.errors import ScenarioError
from zsa_sim.scenario import Scenario, apply_changes, load_scenario

#: the form shows the hand-over mean in days with two decimals; smaller edits are none
HANDOVER_RESOLUTION = 0.01
#: distribution parameters that are not a scale (multiplying them would change the shape)
_SHAPE_PARAMS = frozenset({"shape"})

#: staff from a date on: (first day, FTE)
Step: TypeAlias = tuple[date, float]
#: FTE as the scenario states it: a number, or a ramp of steps (staff that change over
#: time); a ramp stays a ramp through the form, so nothing is flattened to one number
Level: TypeAlias = float | tuple[Step, ...]


def level_of(value: Any) -> Level:
    """A scenario's staff value (a number or a list of steps) as a :data:`Level`."""
    if isinstance(value, list | tuple):
        return tuple(_step(s) for s in value)
    return float(value)


def _step(step: Any) -> Step:
    if isinstance(step, tuple):
        return (step[0], float(step[1]))
    if isinstance(step, Mapping):
        since = step.get("since", step.get("from"))
        return (date.fromisoformat(str(since)), float(step["fte"]))
    return (step.since, float(step.fte))


def is_ramp(level: Any) -> bool:
    """True for a ramp (steps from dates) rather than one number."""
    return isinstance(level, tuple)


def level_value(level: Level) -> float | list[dict[str, Any]]:
    """A level as a scenario value: the number, or the steps ``[{from, fte}, ...]``."""
    if is_ramp(level):
        return [{"from": since.isoformat(), "fte": fte} for since, fte in level]
    return level


def scaled_level(level: Level, factor: float) -> Level:
    """Every FTE of a level multiplied by ``factor`` (a ramp keeps its dates)."""
    if is_ramp(level):
        return tuple((since, fte * factor) for since, fte in level)
    return level * factor


def levels_differ(a: Level | None, b: Level | None) -> bool:
    """Whether two levels differ (FTE compared with a relative tolerance of 1e-12)."""
    if is_ramp(a) or is_ramp(b):
        if not (is_ramp(a) and is_ramp(b)) or len(a) != len(b):  # type: ignore[arg-type]
            return True
        return any(
            sa != sb or _differs(fa, fb)
            for (sa, fa), (sb, fb) in zip(a, b, strict=True)  # type: ignore[arg-type]
        )
    if a is None or b is None:
        return a is not b
    return _differs(a, b)


@dataclass(frozen=True)
class WhatIf:
    """The levers of one what-if, as the form shows them (FTE, factors, days)."""

    #: the version's name: the scenario name of the run (results/<name>/<stamp>/)
    name: str
    #: the variant whose ZSA is edited ('' if the scenario has no ZSA variant)
    variant: str
    #: municipalities joining the ZSA in that variant
    municipalities: tuple[str, ...]
    #: services the ZSA takes over in that variant
    services: tuple[str, ...]
    #: ZSA FTE: one pooled team (a number or a ramp) or FTE per role or service key
    zsa_staff: Level | dict[str, Level] | None
    #: municipality -> role -> FTE (without the ZSA: the baseline's staff)
    staff: dict[str, dict[str, Level]]
    #: municipality -> role -> FTE remaining with the ZSA (missing: as without it)
    remaining: dict[str, dict[str, Level]] = field(default_factory=dict)
    #: service -> factor on the volume
    volume: dict[str, float] = field(default_factory=dict)
    #: mean hand-over delay between municipality and ZSA in days (None: no ZSA)
    handover_days: float | None = None
    effort_factor: float | None = None
    replications: int = 10


def zsa_variants(scenario: Scenario) -> list[str]:
    """The variants in which a ZSA works (the ones a what-if can reshape)."""
    return [name for name, v in scenario.variants.items() if v.zsa is not None]


def _selection(value: Any, every: list[str]) -> tuple[str, ...]:
    return tuple(every) if value == "all" else tuple(value)


def whatif_of(scenario: Scenario, variant: str | None = None) -> WhatIf:
    """The scenario's current levers (the form's starting values)."""
    candidates = zsa_variants(scenario)
    variant = variant if variant is not None else (candidates[0] if candidates else "")
    if variant and variant not in candidates:
        raise ScenarioError(
            f"variants.{variant}: not a variant with a ZSA "
            f"(with a ZSA: {', '.join(candidates) or 'none'})",
            source=scenario.source or None,
        )
    spec = scenario.variants[variant].zsa if variant else None
    zsa = scenario.zsa
    zsa_staff: Level | dict[str, Level] | None = None
    if spec is not None and zsa is not None:
        value = spec.staff if spec.staff is not None else zsa.staff
        zsa_staff = (
            {k: level_of(v) for k, v in value.items()}
            if isinstance(value, Mapping)
            else level_of(value)
        )
    return WhatIf(
        name=scenario.name,
        variant=variant,
        municipalities=_selection(spec.municipalities, list(scenario.municipalities))
        if spec
        else (),
        services=_selection(spec.services, list(scenario.services)) if spec else (),
        zsa_staff=zsa_staff,
        staff={m: _levels(spec_m.staff) for m, spec_m in scenario.municipalities.items()},
        remaining={m: _levels(r) for m, r in scenario.variants[variant].staff.items()}
        if variant
        else {},
        volume={s: spec_s.volume for s, spec_s in scenario.services.items()},
        handover_days=_mean_days(zsa.handover) if zsa is not None and zsa.handover else None,
        effort_factor=zsa.effort_factor if zsa is not None else None,
        replications=scenario.replications,
    )


def _levels(staff: Mapping[str, Any]) -> dict[str, Level]:
    return {role: level_of(value) for role, value in staff.items()}


def _mean_days(spec: Any) -> float:
    return float(spec.mean_minutes) / 1440.0


def scaled_distribution(dumped: Mapping[str, Any], factor: float) -> dict[str, Any]:
    """A dumped distribution ``{kind: params, unit: u}`` with its scale multiplied.

    Every kind the scenarios use is a scale family in its named parameters (means,
    standard deviations, bounds, samples; gamma's ``scale``), so multiplying them
    scales the distribution and keeps its shape; a ``shape`` parameter stays.
    """
    out: dict[str, Any] = {}
    for key, value in dumped.items():
        if key == "unit":
            out[key] = value
        elif isinstance(value, Mapping):
            out[key] = {k: v if k in _SHAPE_PARAMS else v * factor for k, v in value.items()}
        elif isinstance(value, list | tuple):
            out[key] = [v * factor for v in value]
        else:
            out[key] = value * factor
    return out


def _differs(a: Any, b: Any) -> bool:
    if isinstance(a, float | int) and isinstance(b, float | int):
        return not math.isclose(float(a), float(b), rel_tol=1e-12, abs_tol=0.0)
    return bool(a != b)


def changes_of(scenario: Scenario, whatif: WhatIf) -> dict[str, Any]:
    """The dotted-key changes that turn ``scenario`` into the what-if (only real changes)."""
    now = whatif_of(scenario, whatif.variant or None)
    changes: dict[str, Any] = {}
    if whatif.name != now.name:
        changes["name"] = whatif.name
    if whatif.replications != now.replications:
        changes["replications"] = whatif.replications
    for service, factor in whatif.volume.items():
        if _differs(factor, now.volume.get(service)):
            changes[f"services.{service}.volume"] = factor
    for municipality, roles in whatif.staff.items():
        for role, fte in roles.items():
            if levels_differ(fte, now.staff.get(municipality, {}).get(role)):
                changes[f"municipalities.{municipality}.staff.{role}"] = level_value(fte)
    if whatif.variant:
        changes.update(_zsa_changes(scenario, whatif, now))
    return changes


def _zsa_changes(scenario: Scenario, whatif: WhatIf, now: WhatIf) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    prefix = f"variants.{whatif.variant}"
    for what, every in (
        ("municipalities", list(scenario.municipalities)),
        ("services", list(scenario.services)),
    ):
        chosen = getattr(whatif, what)
        if tuple(chosen) != tuple(getattr(now, what)):
            ordered = [k for k in every if k in chosen]
            changes[f"{prefix}.zsa.{what}"] = "all" if ordered == every else ordered
    # a municipality that does not join keeps all its staff: drop its remaining-staff row
    joining = set(whatif.municipalities)
    remaining = {m: dict(r) for m, r in whatif.remaining.items() if m in joining}
    if _remaining_differs(remaining, now.remaining):
        changes[f"{prefix}.staff"] = {
            m: {role: level_value(v) for role, v in r.items()} for m, r in remaining.items()
        }
    if whatif.zsa_staff is not None and _staff_differs(whatif.zsa_staff, now.zsa_staff):
        spec = scenario.variants[whatif.variant].zsa
        own = spec is not None and spec.staff is not None
        changes[f"{prefix}.zsa.staff" if own else "zsa.staff"] = (
            {k: level_value(v) for k, v in whatif.zsa_staff.items()}
            if isinstance(whatif.zsa_staff, dict)
            else level_value(whatif.zsa_staff)
        )
    zsa = scenario.zsa
    if zsa is not None:
        if whatif.effort_factor is not None and _differs(whatif.effort_factor, zsa.effort_factor):
            changes["zsa.effort_factor"] = whatif.effort_factor
        if whatif.handover_days is not None and (
            now.handover_days is None
            or abs(whatif.handover_days - now.handover_days) > HANDOVER_RESOLUTION / 2
        ):
            changes["zsa.handover"] = _handover(zsa.handover, whatif.handover_days)
    return changes


def _remaining_differs(
    new: Mapping[str, Mapping[str, Level]], old: Mapping[str, Mapping[str, Level]]
) -> bool:
    if set(new) != set(old) or any(set(new[m]) != set(old[m]) for m in new):
        return True
    return any(levels_differ(new[m][r], old[m][r]) for m in new for r in new[m])


def _staff_differs(new: Level | dict[str, Level], old: Level | dict[str, Level] | None) -> bool:
    if isinstance(new, dict) or isinstance(old, dict):
        if not (isinstance(new, dict) and isinstance(old, dict)) or set(new) != set(old):
            return True
        return any(levels_differ(new[k], old[k]) for k in new)
    return old is None or levels_differ(new, old)


def _handover(current: Any, mean_days: float) -> dict[str, Any]:
    """The hand-over delay with a new mean: the current shape scaled, else a fixed delay."""
    if mean_days < 0:
        raise ScenarioError(f"zsa.handover: the mean delay must be >= 0 days, got {mean_days:g}")
    if current is None or current.mean_minutes <= 0 or mean_days == 0:
        return {"fixed": mean_days, "unit": "d"}
    return scaled_distribution(current.model_dump(), mean_days / _mean_days(current))


def apply_whatif(scenario: Scenario, whatif: WhatIf) -> Scenario:
    """The scenario with the what-if applied, validated like ``zsa-sim run`` validates."""
    changes = changes_of(scenario, whatif)
    return apply_changes(scenario, changes) if changes else scenario


def with_name(whatif: WhatIf, name: str) -> WhatIf:
    """The same what-if under another version name."""
    return replace(whatif, name=name)


def scenario_yaml(scenario: Scenario) -> str:
    """The whole scenario as YAML: loading it gives the same scenario (BPMN paths absolute)."""
    data = scenario.model_dump(mode="json")
    header = (
        f"# Scenario version {scenario.name!r}, written by the zsa-sim workbench.\n"
        "# Run it with: zsa-sim run <this file>\n"
    )
    return header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def write_version(scenario: Scenario, directory: Path) -> Path:
    """Write the scenario version to ``<directory>/<name>.yaml`` and check it loads back equal.

    The check guards the promise that the file reproduces the what-if: a value the YAML
    dump could not carry would fail here, before anything runs.
    """
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{scenario.name}.yaml"
    path.write_text(scenario_yaml(scenario), encoding="utf-8")
    if load_scenario(path).model_dump() != scenario.model_dump():
        raise ScenarioError("the written scenario version does not load back equal", source=path)
    return path
