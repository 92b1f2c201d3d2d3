"""The what-if form's values <-> :class:`~zsa_sim.web.whatif.WhatIf` (no Dash here).

Browsers send what the user typed: numbers or None for an empty or unreadable field,
table cells as text. Reading them is the only checking done here; each problem is a
one-line :class:`~zsa_sim.errors.ScenarioError` naming the scenario key, like every other
scenario message, and everything else is left to
:func:`~zsa_sim.scenario.apply_changes`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from zsa_sim.errors import ScenarioError
from zsa_sim.web.whatif import Level, WhatIf, is_ramp, scaled_level

_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)$")
#: "×1.5", "x 1,5", "*1.5": every FTE of the scenario's value times the factor
_FACTOR = re.compile(r"^[×xX*]\s*(?P<factor>.+)$")
#: a ramp's step "2026-03-01: 2" (or "01.03.2026: 2,5")
_STEP = re.compile(r"^(?P<since>[0-9.\-]+)\s*:\s*(?P<fte>.+)$")
#: how the form writes a ramp and what it reads (the hint in messages)
RAMP_HINT = "DATE: FTE; DATE: FTE, e.g. 2026-01-01: 2; 2026-07-01: 8"


@dataclass(frozen=True)
class FormValues:
    """What the page sends: the fields of the what-if form as the browser has them."""

    name: Any
    municipalities: Sequence[str] | None
    services: Sequence[str] | None
    zsa_staff: Any
    #: rows {"team": key, "fte": value} when the ZSA has teams
    zsa_teams: Sequence[Mapping[str, Any]]
    #: rows {"municipality", "role", "base", "with"}
    staff: Sequence[Mapping[str, Any]]
    volume: Mapping[str, Any]
    handover: Any
    effort: Any
    replications: Any


def number(value: Any, key: str, *, blank_ok: bool = False) -> float | None:
    """A form value as a float; '' or None is None when allowed, else a one-line error."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if blank_ok:
            return None
        raise ScenarioError(f"{key}: a number is needed")
    if isinstance(value, bool):
        raise ScenarioError(f"{key}: a number is needed, got {value!r}")
    if isinstance(value, int | float):
        return float(value)
    text = str(value).strip()
    if not _NUMBER.fullmatch(text):
        raise ScenarioError(f"{key}: a number is needed, got {text!r}")
    return float(text.replace(",", "."))


def staff_text(level: Level | None) -> str | None:
    """A level as the form shows it: '8', or a ramp's steps '2026-01-01: 2; 2026-07-01: 8'."""
    if level is None:
        return None
    if is_ramp(level):
        return "; ".join(f"{since.isoformat()}: {fte:g}" for since, fte in level)  # type: ignore[union-attr]
    return f"{level:g}"


def staff_level(
    value: Any, key: str, scenario: Level | None, *, blank_ok: bool = False
) -> Level | None:
    """What the user wrote in a staff field: a number, a ramp's steps, or a factor.

    ``scenario`` is the value the scenario states there (what a factor ``×1.5`` scales).
    A plain number where the scenario has a ramp is refused, not taken as a constant:
    the form shows the ramp, and a number would silently drop its dates.
    """
    if isinstance(value, str) and value.strip():
        text = value.strip()
        factor = _FACTOR.match(text)
        if factor:
            times = number(factor["factor"], key)
            assert times is not None
            if scenario is None:
                raise ScenarioError(f"{key}: no FTE to scale by {times:g}; give a number")
            return scaled_level(scenario, times)
        if ":" in text:
            parts = [part for part in re.split(r"[;\n]+", text) if part.strip()]
            return tuple(_parse_step(part, key) for part in parts)
    fte = number(value, key, blank_ok=blank_ok)
    if fte is not None and is_ramp(scenario):
        raise ScenarioError(
            f"{key}: is a staff ramp (FTE from dates); write its steps ({RAMP_HINT}) "
            "or a factor for every step (×1.5)"
        )
    return fte


def _parse_step(text: str, key: str) -> tuple[date, float]:
    match = _STEP.fullmatch(text.strip())
    if not match:
        raise ScenarioError(f"{key}: a step is 'DATE: FTE', got {text.strip()!r} ({RAMP_HINT})")
    since = match["since"]
    for pattern in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            day = datetime.strptime(since, pattern).date()
            break
        except ValueError:
            continue
    else:
        raise ScenarioError(f"{key}: {since!r} is not a date (YYYY-MM-DD or DD.MM.YYYY)")
    fte = number(match["fte"], key)
    assert fte is not None
    return (day, fte)


def whatif_from_form(base: WhatIf, form: FormValues) -> WhatIf:
    """The what-if the form describes (``base`` supplies the variant and unchanged parts)."""
    name = str(form.name or "").strip()
    if not name:
        raise ScenarioError("name: give the scenario version a name")
    replications = number(form.replications, "replications")
    assert replications is not None
    if replications != int(replications):
        raise ScenarioError(f"replications: a whole number is needed, got {replications:g}")
    staff: dict[str, dict[str, Level]] = {m: dict(r) for m, r in base.staff.items()}
    remaining: dict[str, dict[str, Level]] = {}
    for row in form.staff:
        municipality, role = str(row["municipality"]), str(row["role"])
        before = base.staff.get(municipality, {}).get(role)
        fte = _required(
            staff_level(row.get("base"), f"municipalities.{municipality}.staff.{role}", before)
        )
        staff.setdefault(municipality, {})[role] = fte
        kept = base.remaining.get(municipality, {}).get(role)
        with_zsa = staff_level(
            row.get("with"),
            f"variants.{base.variant}.staff.{municipality}.{role}",
            kept if kept is not None else fte,
            blank_ok=True,
        )
        if with_zsa is not None:
            remaining.setdefault(municipality, {})[role] = with_zsa
    zsa_staff: Level | dict[str, Level] | None = base.zsa_staff
    if isinstance(base.zsa_staff, dict):
        teams = base.zsa_staff
        zsa_staff = {
            str(row["team"]): _required(
                staff_level(row.get("fte"), f"zsa.staff.{row['team']}", teams.get(str(row["team"])))
            )
            for row in form.zsa_teams
        }
    elif base.zsa_staff is not None:
        zsa_staff = staff_level(form.zsa_staff, "zsa.staff", base.zsa_staff)
    return WhatIf(
        name=name,
        variant=base.variant,
        municipalities=tuple(form.municipalities or ()),
        services=tuple(form.services or ()),
        zsa_staff=zsa_staff,
        staff=staff,
        remaining=remaining,
        volume={
            s: _required(number(form.volume.get(s), f"services.{s}.volume")) for s in base.volume
        },
        handover_days=number(form.handover, "zsa.handover", blank_ok=True)
        if base.handover_days is not None
        else None,
        effort_factor=number(form.effort, "zsa.effort_factor", blank_ok=True)
        if base.effort_factor is not None
        else None,
        replications=int(replications),
    )


def _required(value: Any) -> Any:
    assert value is not None  # number() without blank_ok never returns None
    return value


def staff_rows(whatif: WhatIf) -> list[dict[str, Any]]:
    """The staff table's rows: one per municipality and role, FTE without and with the ZSA."""
    return [
        {
            "municipality": municipality,
            "role": role,
            "base": staff_text(fte),
            "with": staff_text(whatif.remaining.get(municipality, {}).get(role)),
        }
        for municipality, roles in whatif.staff.items()
        for role, fte in roles.items()
    ]


def form_display(whatif: WhatIf, name: str) -> FormValues:
    """The form's fields showing a what-if (staff as text: a number or a ramp's steps)."""
    return FormValues(
        name=name,
        municipalities=list(whatif.municipalities),
        services=list(whatif.services),
        zsa_staff=None if isinstance(whatif.zsa_staff, dict) else staff_text(whatif.zsa_staff),
        zsa_teams=team_rows(whatif),
        staff=staff_rows(whatif),
        volume=dict(whatif.volume),
        handover=None if whatif.handover_days is None else round(whatif.handover_days, 2),
        effort=whatif.effort_factor,
        replications=whatif.replications,
    )


def team_rows(whatif: WhatIf) -> list[dict[str, Any]]:
    """The ZSA team table's rows (empty for one pooled team)."""
    if not isinstance(whatif.zsa_staff, dict):
        return []
    return [{"team": k, "fte": staff_text(v)} for k, v in whatif.zsa_staff.items()]


def next_version_name(base: str, out_root: Path) -> str:
    """The first ``<base>-vN`` without runs under the output root (N from 1)."""
    stem = re.sub(r"-v\d+$", "", base)
    n = 1
    while (Path(out_root) / f"{stem}-v{n}").exists():
        n += 1
    return f"{stem}-v{n}"


def describe_changes(changes: Mapping[str, Any]) -> str:
    """The changes as one line: 'zsa.staff = 8; services.wohngeld.volume = 2'."""
    return "; ".join(f"{key} = {_short(value)}" for key, value in changes.items())


def _short(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, list):
        if value and all(isinstance(v, Mapping) and "fte" in v for v in value):
            return "[" + "; ".join(f"{v['from']}: {v['fte']:g}" for v in value) + "]"
        return "[" + ", ".join(map(str, value)) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_short(v)}" for k, v in value.items()) + "}"
    return str(value)
