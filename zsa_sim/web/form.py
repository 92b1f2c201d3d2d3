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
from pathlib import Path
from typing import Any

from zsa_sim.errors import ScenarioError
from zsa_sim.web.whatif import WhatIf

_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)$")


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


def whatif_from_form(base: WhatIf, form: FormValues) -> WhatIf:
    """The what-if the form describes (``base`` supplies the variant and unchanged parts)."""
    name = str(form.name or "").strip()
    if not name:
        raise ScenarioError("name: give the scenario version a name")
    replications = number(form.replications, "replications")
    assert replications is not None
    if replications != int(replications):
        raise ScenarioError(f"replications: a whole number is needed, got {replications:g}")
    staff: dict[str, dict[str, float]] = {m: dict(r) for m, r in base.staff.items()}
    remaining: dict[str, dict[str, float]] = {}
    for row in form.staff:
        municipality, role = str(row["municipality"]), str(row["role"])
        fte = number(row.get("base"), f"municipalities.{municipality}.staff.{role}")
        assert fte is not None
        staff.setdefault(municipality, {})[role] = fte
        with_zsa = number(
            row.get("with"), f"variants.{base.variant}.staff.{municipality}.{role}", blank_ok=True
        )
        if with_zsa is not None:
            remaining.setdefault(municipality, {})[role] = with_zsa
    zsa_staff: float | dict[str, float] | None = base.zsa_staff
    if isinstance(base.zsa_staff, dict):
        zsa_staff = {
            str(row["team"]): _required(number(row.get("fte"), f"zsa.staff.{row['team']}"))
            for row in form.zsa_teams
        }
    elif base.zsa_staff is not None:
        zsa_staff = number(form.zsa_staff, "zsa.staff")
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


def _required(value: float | None) -> float:
    assert value is not None  # number() without blank_ok never returns None
    return value


def staff_rows(whatif: WhatIf) -> list[dict[str, Any]]:
    """The staff table's rows: one per municipality and role, FTE without and with the ZSA."""
    return [
        {
            "municipality": municipality,
            "role": role,
            "base": fte,
            "with": whatif.remaining.get(municipality, {}).get(role),
        }
        for municipality, roles in whatif.staff.items()
        for role, fte in roles.items()
    ]


def team_rows(whatif: WhatIf) -> list[dict[str, Any]]:
    """The ZSA team table's rows (empty for one pooled team)."""
    if not isinstance(whatif.zsa_staff, dict):
        return []
    return [{"team": k, "fte": v} for k, v in whatif.zsa_staff.items()]


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
        return "[" + ", ".join(map(str, value)) + "]"
    if isinstance(value, dict):
        return "{…}"
    return str(value)
