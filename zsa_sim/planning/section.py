"""A plan for readers: the CLI's text table and an HTML section for report.html.

Both read the plan as ``plan.json`` holds it (a :class:`PlanResult`, its dict, a plan
folder or the file itself), so a report can be rebuilt from the folder alone.
:func:`planning_section` returns one ``<section>`` fragment with the answer, the
confirmation per municipality and service, the staff freed, the cost per case and the
break-even volume; it uses the report's table classes (``td.num``) and no scripts,
styles or images of its own, so it drops into the self-contained report page.
"""

from __future__ import annotations

import html
import json
import math
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from zsa_sim.errors import ResultsError
from zsa_sim.experiment.formatting import Lang, format_number, format_value, unit_name
from zsa_sim.planning.targets import Target
from zsa_sim.planning.texts import fte, has_text, text

if TYPE_CHECKING:  # the report reads plans without importing the planner (and the runner)
    from zsa_sim.planning.planner import PlanResult

PLAN_FILE = "plan.json"
_PLAN_DIR = re.compile(r"plan-(\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d)(?:-(\d+))?")


def latest_plan(root: str | Path, scenario: str) -> Path | None:
    """The newest complete plan folder ``<root>/<scenario>/plan-<timestamp>``, or None.

    For the report: ``planning_section(latest_plan("results", "pilot"))`` when not None.
    """
    found = []
    folder = Path(root) / scenario
    if folder.is_dir():
        for path in folder.iterdir():
            match = _PLAN_DIR.fullmatch(path.name)
            if match and (path / PLAN_FILE).is_file():
                found.append(((match[1], int(match[2] or 1)), path))
    return max(found)[1] if found else None


def load_plan(source: PlanResult | Mapping[str, Any] | str | Path) -> dict[str, Any]:
    """The plan as plan.json holds it, from a result, a dict, a plan folder or the file."""
    if hasattr(source, "to_dict"):  # a PlanResult
        return json.loads(_dumps(source.to_dict()))
    if isinstance(source, Mapping):
        return dict(source)
    path = Path(source)
    if path.is_dir():
        path = path / PLAN_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ResultsError("no plan.json: not a plan folder", source=path) from None
    except (OSError, ValueError) as err:
        raise ResultsError(f"cannot read the plan: {err}", source=path) from err
    if not isinstance(data, dict) or data.get("kind") != "zsa-sim plan":
        raise ResultsError("not a plan written by zsa-sim plan", source=path)
    return data


def _dumps(data: Any) -> str:
    from zsa_sim.experiment.results import dumps_json

    return dumps_json(data)


def _num(value: Any, lang: Lang, digits: int = 1) -> str:
    return format_number(math.nan if value is None else float(value), lang, digits)


def _target(plan: Mapping[str, Any]) -> Target:
    return Target.from_dict(plan["target"])


def _name(plan: Mapping[str, Any], municipality: str) -> str:
    return plan.get("municipality_names", {}).get(municipality, municipality)


def _notes(plan: Mapping[str, Any], lang: Lang) -> list[str]:
    out = []
    for note in plan.get("notes", []):
        code, params = note["code"], dict(note.get("params", {}))
        if code == "infeasible":
            code = f"infeasible.{params.get('reason', 'cap')}"
        for k, v in params.items():
            if isinstance(v, float):
                params[k] = fte(v, lang)
        key = f"note.{code}"
        out.append(text(key, lang, **params) if has_text(key) else code)
    return out


def summary_lines(plan: Mapping[str, Any], lang: Lang = "de") -> list[str]:
    """The plan's answer in a few sentences (the head of both views)."""
    target = _target(plan)
    lines = [
        text("plan.heading", lang, scenario=plan["scenario"]["name"], variant=plan["variant"]),
        text("plan.target", lang, target=target.describe(lang), replications=plan["replications"]),
    ]
    if plan["fte"] is None:
        lines.append(text("plan.no_answer", lang, key=plan["key"]))
        last = plan["evaluations"][-1] if plan.get("evaluations") else None
        if last and last["groups"]:
            worst = max(last["groups"], key=lambda g: _nan(g["shortfall"]))
            lines.append(
                text("plan.worst", lang, fte=fte(last["value"], lang), service=worst["service"],
                     municipality=_name(plan, worst["municipality"]),
                     bound=_amount(worst["bound"], target.unit, lang))
            )  # fmt: skip
    else:
        lines += _answer_lines(plan, lang)
    if plan.get("baseline_check") is not None:
        verdict = "plan.met" if plan["baseline_check"]["meets"] else "plan.missed"
        lines.append(
            text("plan.baseline", lang, baseline=plan["baseline"], verdict=text(verdict, lang))
        )
    return lines


def _answer_lines(plan: Mapping[str, Any], lang: Lang) -> list[str]:
    lines = []
    lines.append(
        text("plan.answer", lang, fte=fte(plan["fte"], lang), key=plan["key"],
             start=fte(plan["start_fte"], lang))
    )  # fmt: skip
    if plan.get("ramp"):
        steps = [text("plan.ramp_step", lang, day=_day(s["from"], lang), fte=fte(s["fte"], lang))
                 for s in plan["ramp"]]  # fmt: skip
        lines.append(text("plan.ramp", lang, steps=", ".join(steps)))
    below = plan["confirmation"]["below"]
    if not plan["confirmed"]:
        lines.append(text("plan.unconfirmed", lang))
    elif below is None:
        lines.append(
            text("plan.confirmed_floor", lang, replications=plan["confirm_replications"],
                 fte=fte(plan["fte"], lang))
        )  # fmt: skip
    else:
        lines.append(
            text("plan.confirmed", lang, replications=plan["confirm_replications"],
                 fte=fte(plan["fte"], lang), below=fte(below["value"], lang))
        )  # fmt: skip
    return lines


def _day(iso: str, lang: Lang) -> str:
    """A date of plan.json as its reader writes it (``01.03.2026`` in German)."""
    return ".".join(reversed(iso.split("-"))) if lang == "de" else iso


def _check_rows(plan: Mapping[str, Any], lang: Lang) -> list[list[str]]:
    target = _target(plan)
    rows = []
    for label in ("above", "below"):
        check = plan["confirmation"][label]
        if check is None:
            continue
        for g in check["groups"]:
            verdict = text("plan.met" if g["meets"] else "plan.missed", lang)
            rows.append(
                [
                    f"{fte(check['value'], lang)} {'VZÄ' if lang == 'de' else 'FTE'}",
                    g["service"],
                    _name(plan, g["municipality"]),
                    _amount(g["mean"], target.unit, lang),
                    _amount(g["bound"], target.unit, lang),
                    verdict,
                ]
            )
    return rows


def _amount(value: Any, unit: str, lang: Lang) -> str:
    """A KPI value with two decimals (verdicts hinge on them) and its unit."""
    return f"{_num(value, lang, 2)} {unit_name(unit, lang)}"


def _nan(value: Any) -> float:
    return math.nan if value is None else float(value)


def _staff_rows(plan: Mapping[str, Any], lang: Lang) -> list[list[str]]:
    econ = plan["economics"]
    rows = []
    for m in econ["municipalities"]:
        hours = m["hours_freed"]
        rows.append(
            [
                _name(plan, m["municipality"]),
                fte(m["fte_baseline"], lang),
                fte(m["fte_variant"], lang),
                fte(m["fte_freed"], lang),
                f"{_num(hours['mean'], lang, 0)} {_interval(hours, lang, 0)}",
                fte(_nan(m["hours_freed_fte"]), lang),
            ]
        )
    return rows


def _interval(estimate: Mapping[str, Any], lang: Lang, digits: int) -> str:
    low, high = (_num(estimate[k], lang, digits) for k in ("ci_low", "ci_high"))
    return f"[{low}; {high}]" if lang == "de" else f"[{low}, {high}]"


def _staff_header(plan: Mapping[str, Any], lang: Lang) -> list[str]:
    return [
        text("col.municipality", lang),
        text("col.fte_baseline", lang, baseline=plan["baseline"]),
        text("col.fte_variant", lang, variant=plan["variant"]),
        text("col.fte_freed", lang),
        text("col.hours_freed", lang),
        text("col.hours_freed_fte", lang),
    ]


def _check_header(lang: Lang) -> list[str]:
    keys = ("col.staffing", "col.service", "col.municipality", "col.mean", "col.bound")
    return [*(text(k, lang) for k in keys), text("col.verdict", lang)]


def _eur(estimate: Mapping[str, Any], lang: Lang) -> str:
    return format_value(_nan(estimate["mean"]), "EUR", lang)


def cost_lines(plan: Mapping[str, Any], lang: Lang = "de") -> list[str]:
    """Cost per case in both variants and the break-even volume, one sentence each."""
    econ = plan.get("economics")
    if not econ:
        return []
    base, variant = plan["baseline"], plan["variant"]
    diff = econ["cost_per_case_difference"]
    sign = "+" if _nan(diff["mean"]) > 0 else ""
    lines = [
        text(
            "plan.cost_capacity", lang, baseline=base, variant=variant,
            base=_eur(econ["cost_per_case"][base], lang),
            treat=_eur(econ["cost_per_case"][variant], lang),
            diff=sign + format_value(_nan(diff["mean"]), "EUR", lang, difference=True),
            interval=_interval(diff, lang, 0),
        ),
        text(
            "plan.cost_work", lang, baseline=base, variant=variant,
            base=_eur(econ["work_cost_per_case"][base], lang),
            treat=_eur(econ["work_cost_per_case"][variant], lang),
        ),
    ]  # fmt: skip
    be = econ.get("break_even")
    if be:
        volume = be["volume"] if be["volume"] is not None else 0.05
        sentence = text(
            f"be.{be['status']}",
            lang,
            volume=format_number(volume, lang, 2),
            fte=fte(be["fte"], lang),
        )
        lines.append(f"{text('plan.break_even', lang)}: {sentence}")
    return lines


def format_plan(source: PlanResult | Mapping[str, Any] | str | Path, lang: Lang = "de") -> str:
    """The plan as plain text: answer, confirmation table, staff, costs, notes."""
    plan = load_plan(source)
    out = summary_lines(plan, lang)
    rows = _check_rows(plan, lang)
    if rows:
        out += ["", text("plan.check_heading", lang), *_table(_check_header(lang), rows, 3)]
    if plan.get("economics"):
        staff = _staff_rows(plan, lang)
        header = _staff_header(plan, lang)
        out += ["", text("plan.staff_heading", lang), *_table(header, staff, 1)]
        out += ["", *cost_lines(plan, lang)]
    notes = _notes(plan, lang)
    if notes:
        out += ["", f"{text('plan.notes', lang)}:", *(f"- {n}" for n in notes)]
    return "\n".join(out)


def _table(header: list[str], rows: list[list[str]], numeric_from: int) -> list[str]:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        return "  ".join(
            c.ljust(w) if i < numeric_from else c.rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    return [line(header), line(["-" * w for w in widths]), *(line(r) for r in rows)]


def planning_section(source: PlanResult | Mapping[str, Any] | str | Path, lang: Lang = "de") -> str:
    """The plan as an HTML ``<section>`` for report.html (escaped, self-contained)."""
    plan = load_plan(source)
    e = html.escape
    parts = [f'<section id="planning" class="planning" lang="{e(lang)}">']
    parts.append(f"<h2>{e(text('plan.title', lang))}</h2>")
    parts += [f"<p>{e(line)}</p>" for line in summary_lines(plan, lang)[1:]]
    rows = _check_rows(plan, lang)
    if rows:
        parts.append(f"<h3>{e(text('plan.check_heading', lang))}</h3>")
        parts.append(_html_table(_check_header(lang), rows, numeric_from=3))
    if plan.get("economics"):
        parts.append(f"<h3>{e(text('plan.staff_heading', lang))}</h3>")
        parts.append(_html_table(_staff_header(plan, lang), _staff_rows(plan, lang), 1))
        parts.append(f"<h3>{e(text('plan.cost_heading', lang))}</h3>")
        parts.append("<ul>" + "".join(f"<li>{e(x)}</li>" for x in cost_lines(plan, lang)) + "</ul>")
        if plan["economics"].get("break_even"):
            parts.append(f"<p>{e(text('be.definition', lang))}</p>")
    notes = _notes(plan, lang)
    if notes:
        parts.append(f"<h3>{e(text('plan.notes', lang))}</h3>")
        parts.append("<ul>" + "".join(f"<li>{e(n)}</li>" for n in notes) + "</ul>")
    parts.append(f"<p><em>{e(text('plan.synthetic', lang))}</em></p>")
    parts.append("</section>")
    return "\n".join(parts)


def _html_table(header: list[str], rows: list[list[str]], numeric_from: int) -> str:
    e = html.escape
    head = "".join(f"<th>{e(h)}</th>" for h in header)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="num">{e(c)}</td>' if i >= numeric_from else f"<td>{e(c)}</td>"
            for i, c in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
