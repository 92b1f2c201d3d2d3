"""Write a calibration as a scenario YAML a person can review line by line.

Same layout as ``zsa-sim template``: every figure sits on its own line with a comment
saying where it came from: sample size and fit quality for estimates, ``TODO`` with the
reason where the log cannot tell (a placeholder value keeps the file valid, so that it
runs at once, but the TODO must be resolved before results are quoted).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

from zsa_sim.calibrate.pipeline import Calibration

#: without a population in the log, volumes are written as this rate per 1,000
REFERENCE_RATE = 10.0
_PLAIN = re.compile(r"^[A-Za-z_][A-Za-z0-9_\-]*$")


def _key(text: str) -> str:
    return (
        text
        if _PLAIN.match(text)
        and text.lower() not in ("true", "false", "null", "yes", "no", "on", "off")
        else json.dumps(text, ensure_ascii=False)
    )


def inline(value: Any) -> str:
    """YAML flow style: ``{lognormal: {mean: 9.95, sd: 3.95}, unit: min}``."""
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{_key(str(k))}: {inline(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(inline(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(round(value, 6)) if value != int(value) else str(int(value))
    if isinstance(value, int):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if value in ("min", "h", "d"):
        return str(value)
    return json.dumps(str(value), ensure_ascii=False)


def _org_key(name: str) -> str:
    key = name.replace(".", "").replace("/", "-").strip()
    return key or "Kommune"


def _unit(mean_minutes: float) -> str:
    return "h" if mean_minutes >= 120 else "min"


def _shares(values: Mapping[str, float], digits: int = 4) -> dict[str, float]:
    """Rounded shares that sum to exactly 1 (the largest takes the remainder)."""
    rounded = {k: round(v, digits) for k, v in values.items()}
    largest = max(rounded, key=rounded.__getitem__)
    rounded[largest] = round(1.0 - sum(v for k, v in rounded.items() if k != largest), digits)
    return rounded


def render(cal: Calibration, out_path: Path) -> str:
    """The scenario YAML text."""
    base = _base_municipalities(cal.base)
    key = cal.service
    demand = cal.demand
    days = (demand.last.date() - demand.first.date()).days + 1
    cases = len(cal.routing.fitting)
    lines = [
        f"# Kalibriert mit `zsa-sim calibrate` aus {Path(cal.log).name} und {cal.bpmn.name}.",
        "# Calibrated from an event log: every figure is an ESTIMATE; the comment beside it",
        "# gives the sample size (n) and the fit quality (AIC ranking, Kolmogorov-Smirnov D).",
        "# TODO marks what the log cannot tell; its placeholder keeps the file runnable but",
        "# must be replaced before results are quoted.",
        f"# Log: {len(cal.table):,} rows, {cases:,} cases replayed on the model, "
        f"{len(cal.routing.misfits):,} left out (do not fit).",
    ]
    lines += [f"# Note: {w}" for w in cal.warnings]
    if cal.mapping.unseen_tasks:
        lines.append(
            f"# Tasks the log never shows: {', '.join(cal.mapping.unseen_tasks)} (efforts TODO)"
        )
    lines += [
        "",
        f"name: {_key(key + '_calibrated')}",
        f"description: {json.dumps(f'Calibrated from {Path(cal.log).name}', ensure_ascii=False)}",
        "period:",
        f"  start: {demand.first.date().isoformat()}   # first arrival in the log",
        f"  days: {days}           # first to last arrival in the log",
        "  warmup_days: 30     # the simulated office fills up before the observed period",
        "  cooldown_days: 90   # open cases finish after it",
        "replications: 10",
        "seed: 1",
        "",
        "calendars:",
    ]
    lines += _calendar(cal)
    lines += ["", "services:", f"  {_key(key)}:"]
    bpmn_ref = os.path.relpath(cal.bpmn.resolve(), out_path.resolve().parent)
    lines.append(f"    bpmn: {json.dumps(bpmn_ref, ensure_ascii=False)}")
    lines += _volume(cal, base)
    lines += _efforts(cal)
    lines += _branches(cal)
    lines += _waits(cal)
    lines += _errors(cal)
    lines += _applicants(cal)
    lines += _municipalities(cal, base)
    lines += [
        "",
        "variants:",
        "  dezentral:",
        "    description: As observed in the log.",
        "  # A ZSA variant needs a zsa: block (staff, costs); see `zsa-sim template`.",
    ]
    return "\n".join(lines) + "\n"


def write_scenario(cal: Calibration, out_path: str | Path) -> Path:
    """Write the YAML; it loads with :func:`zsa_sim.scenario.load_scenario`."""
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(render(cal, out_path), encoding="utf-8")
    return out_path


# -- sections --------------------------------------------------------------------------


def _calendar_key(cal: Calibration) -> str:
    return cal.office.source_key or "beobachtet"


def _calendar(cal: Calibration) -> list[str]:
    office = cal.office
    lines = [f"  {_calendar_key(cal)}:   # {office.note}"]
    lines.append(f"    holidays: {office.holidays or 'null'}")
    lines.append("    hours:")
    lines += [f"      {day}: {inline(spans)}" for day, spans in office.hours.items()]
    lines.append(f"    closed: {inline(list(office.closed))}")
    return lines


def _volume(cal: Calibration, base: dict[str, dict]) -> list[str]:
    demand = cal.demand
    orgs = list(demand.yearly)
    total = sum(demand.yearly.values())
    known = all(_org_key(o) in base for o in orgs)
    if known:
        population = sum(base[_org_key(o)]["population"] for o in orgs)
        rate = total / population * 1000
        note = (
            f"estimated: {total:,.0f} a year over a population of {population:,} (from {cal.base})"
        )
    else:
        rate = REFERENCE_RATE
        note = (
            f"{total:,.0f} applications a year estimated; TODO: the log does not give "
            "the population, so each municipality's population is set to reproduce its "
            "volume at this rate; put in the real population and rate"
        )
    seen = demand.months_seen
    months = (
        "all 12 months seen"
        if len(seen) == 12
        else (f"months seen: {', '.join(map(str, seen))}; TODO: the others are set to the mean")
    )
    lines = [
        f"    cases_per_1000: {_round4(rate)}   # {note}",
        "    volume: 1.0",
        f"    seasonality: {inline([round(f, 3) for f in demand.seasonality])}   # "
        f"arrivals per month / their mean ({months}; n={sum(demand.counted.values()):,} cases)",
    ]
    if cal.channels:
        lines.append(
            f"    channels: {inline(_shares(cal.channels))}   # from the log's channel attribute"
        )
    else:
        lines.append(
            "    channels: {paper: 1.0}   # TODO: the log has no channel attribute; placeholder"
        )
    written = set(cal.channels) or {"paper"}
    profiles = {c: p for c, p in cal.profiles.items() if c in written}
    if profiles:
        lines.append("    arrival_profiles:   # when in the week applications arrive, per channel")
        for channel, (profile, n, inside) in profiles.items():
            how = (
                "within office hours"
                if profile == "office_hours"
                else "weekday and hour weights (count / mean)"
            )
            lines.append(
                f"      {_key(channel)}: {inline(profile)}   # n={n:,} cases, "
                f"{inside:.1%} inside office hours: {how}"
            )
    return lines


def _round4(value: float) -> float:
    from zsa_sim.calibrate.fitting import _round

    return _round(value)


def _efforts(cal: Calibration) -> list[str]:
    lines = ["    efforts:   # working time per execution (start to end minus closed hours)"]
    for task_id in cal.model.tasks:
        estimate = cal.efforts.get(task_id)
        label = cal.model.label(task_id)
        if estimate is None:
            lines.append(
                f"      {_key(task_id)}: {{fixed: 0, unit: min}}   # TODO {label}: not in the "
                "log, placeholder"
            )
            continue
        fit = estimate.fit
        spec = fit.spec(_unit(fit.mean))
        notes = [fit.quality(), f"sample mean {fit.mean:.2f} min"]
        if estimate.spanning:
            notes.append(f"{estimate.spanning} spanned closed hours")
        if estimate.estimated_starts:
            notes.append("starts estimated (log has end times only): an upper bound")
        lines.append(f"      {_key(task_id)}: {inline(spec)}   # {label}: {'; '.join(notes)}")
    return lines


def _branches(cal: Calibration) -> list[str]:
    model = cal.model
    body: list[str] = []
    entries = False
    for gw_id, gateway in model.branching_gateways().items():
        flows = [model.flows[f] for f in gateway.outgoing if f in model.flows]
        counts = cal.routing.flows.get(gw_id, {})
        passes = sum(counts.values())
        shares = cal.routing.probabilities(gw_id)
        if any(f.condition for f in flows):
            body.append(
                f"      # {model.label(gw_id)} decides by BPMN conditions; observed over "
                f"{passes:,} passages:"
            )
            body += [
                f"      #   {f.id} -> {model.label(f.target)}: {shares.get(f.id, 0):.3f} "
                f"({counts.get(f.id, 0)}); condition {f.condition or '-'}"
                for f in flows
            ]
            continue
        entries = True
        if not passes:
            body.append(
                f"      {_key(gw_id)}:   # TODO {model.label(gw_id)}: never passed; equal shares"
            )
            equal = _shares({f.id: 1 / len(flows) for f in flows})
            body += [f"        {_key(fid)}: {p}" for fid, p in equal.items()]
            continue
        body.append(
            f"      {_key(gw_id)}:   # {model.label(gw_id)}: replayed, n={passes:,} passages"
        )
        rounded = _shares({f.id: shares.get(f.id, 0.0) for f in flows})
        for f in flows:
            body.append(
                f"        {_key(f.id)}: {rounded[f.id]}   # -> {model.label(f.target)}, "
                f"{counts.get(f.id, 0):,} times"
            )
    head = "    branches:" if entries else "    branches: {}"
    return [f"{head}   # probabilities from replaying the log on the model", *body]


def _waits(cal: Calibration) -> list[str]:
    if not cal.waits:
        return ["    waits: {}   # no message events in the model"]
    lines = ["    waits:   # applicants' reaction time (calendar days) and share never answering"]
    for event_id, wait in cal.waits.items():
        label = cal.model.label(event_id)
        if wait.fit is None:
            lines.append(
                f"      {_key(event_id)}: {{delay: {{fixed: 7, unit: d}}, never: 0}}   # TODO "
                f"{label}: {wait.note}; placeholder"
            )
            continue
        spec = wait.fit.spec("d")
        never = round(min(max(wait.never, 0.0), 0.999), 4)
        lines.append(
            f"      {_key(event_id)}: {{delay: {inline(spec)}, never: {never}}}   # {label}: "
            f"{wait.note}"
        )
    return lines


def _errors(cal: Calibration) -> list[str]:
    events = cal.model.error_events()
    if not events:
        return []
    lines = ["    errors:   # share of executions ending in the error"]
    node_ids = cal.mapping.node_ids(cal.table)
    for event_id, event in events.items():
        n_task = int((node_ids == event.attached_to).sum())
        n_error = int((node_ids == event_id).sum())
        share = n_error / n_task if n_task else 0.0
        todo = "" if n_task else "TODO not in the log; "
        lines.append(
            f"      {_key(event_id)}: {round(share, 4)}   # {todo}{n_error} of {n_task} executions"
        )
    return lines


def _applicants(cal: Calibration) -> list[str]:
    own = cal.service in ("hundehaltung", "wohngeld")
    lines = ["    applicants:"]
    if own:
        lines.append(f"      generator: {cal.service}   # its defaults unless given below")
    else:
        lines.append("      generator: generic")
    if cal.rounds is not None and cal.rounds[1] and _takes_rounds(cal.service, own):
        probabilities, n = cal.rounds
        shares = _shares({str(i): p for i, p in enumerate(probabilities)})
        lines.append(
            f"      missing_documents: {inline(list(shares.values()))}   # P(0, 1, ... request "
            f"rounds) from the loop, n={n:,} cases (Kaplan-Meier for unanswered requests)"
        )
    elif not own:
        lines.append("      missing_documents: [1.0]   # no request loop seen")
    lines += _attribute_notes(cal)
    if cal.flags and not own:
        lines.append("      flags:")
        lines += [
            f"        {_key(name)}: {round(share, 4)}   # share true, n={n:,} cases"
            for name, (share, n) in cal.flags.items()
        ]
    return lines


def _takes_rounds(service: str, own: bool) -> bool:
    """Whether the service's applicant generator has a ``missing_documents`` list."""
    if not own:
        return True
    from zsa_sim.synth.hundehaltung import HundehaltungApplicants
    from zsa_sim.synth.wohngeld import WohngeldApplicants

    model = WohngeldApplicants if service == "wohngeld" else HundehaltungApplicants
    return "missing_documents" in model.model_fields


def _attribute_notes(cal: Calibration) -> list[str]:
    """A comment per case attribute of the log: numbers (decimal commas read) or texts."""
    from zsa_sim.calibrate.times import parse_number

    notes = []
    for name, values in cal.table.attributes.items():
        texts = list(values.values())
        numbers = [parse_number(t) for t in texts]
        if numbers and all(x is not None for x in numbers):
            finite = [x for x in numbers if x == x]
            mean = sum(finite) / len(finite) if finite else float("nan")
            notes.append(f"{name} (number, n={len(finite)}, mean {mean:.4g})")
        else:
            notes.append(f"{name} (text, {len(set(texts))} values)")
    if not notes:
        return []
    return [
        "      # case attributes in the log: " + "; ".join(notes),
        "      # (use them in BPMN conditions or effort_multipliers; not estimated here)",
    ]


def _base_municipalities(base: str | None) -> dict[str, dict]:
    if not base:
        return {}
    from zsa_sim.scenario import load_scenario

    scenario = load_scenario(base)
    return {k: m.model_dump() for k, m in scenario.municipalities.items()}


def _municipalities(cal: Calibration, base: dict[str, dict]) -> list[str]:
    demand, staff = cal.demand, cal.staff
    known = all(_org_key(o) in base for o in demand.yearly)
    lines = ["", "municipalities:"]
    roles = cal.model.roles
    for org, yearly in demand.yearly.items():
        key = _org_key(org)
        spec = base.get(key, {}) if known else {}
        lines.append(
            f"  {_key(key)}:   # {demand.counted[org]:,} cases in the log, ~{yearly:,.0f} a year"
        )
        if spec:
            lines.append(f"    population: {spec['population']}   # from {cal.base}")
            lines.append(f"    postcodes: {inline(spec['postcodes'])}")
        else:
            population = max(1, round(yearly / REFERENCE_RATE * 1000))
            lines.append(
                f"    population: {population}   # TODO real population; set to give "
                f"~{yearly:,.0f} applications a year at cases_per_1000 = {REFERENCE_RATE:g}"
            )
            lines.append('    postcodes: ["00000"]   # TODO postcodes (synthetic addresses only)')
        lines.append(f"    services: [{_key(cal.service)}]")
        lines.append(
            "    staff:   # FTE per role: clerks seen x share of the office day they worked"
        )
        for role in roles:
            fte = staff.fte.get((org, role))
            if fte:
                lines.append(
                    f"      {_key(role)}: {fte}   # clerks seen: {staff.clerks[(org, role)]} "
                    "(a lower bound under light load)"
                )
            else:
                lines.append(f"      {_key(role)}: 1.0   # TODO no clerk of this role in the log")
        lines.append(f"    calendar: {_calendar_key(cal)}")
        absence = staff.absence.get(org)
        if absence is None:
            lines.append(
                "    absence_rate: 0.12   # TODO too few working dates per clerk; ASSUMPTION"
            )
        else:
            lines.append(
                f"    absence_rate: {round(min(absence, 0.9), 3)}   # median share of open dates "
                f"without work, {staff.absence_n[org]} clerks"
            )
        cost = spec.get("cost_per_hour")
        if cost:
            lines.append(f"    cost_per_hour: {cost}   # from {cal.base}")
        else:
            lines.append("    cost_per_hour: 60   # TODO EUR per staff hour; ASSUMPTION")
    return lines


def calibrate_to_file(
    log: str | Path, bpmn: str | Path, out: str | Path, **options: Any
) -> Calibration:
    """Calibrate from a log, write the scenario and load it back (it must validate).

    ``options`` are those of :func:`zsa_sim.calibrate.pipeline.calibrate_log`.
    """
    from zsa_sim.calibrate.pipeline import calibrate_log
    from zsa_sim.scenario import load_scenario

    calibration = calibrate_log(log, bpmn, **options)
    path = write_scenario(calibration, out)
    load_scenario(path)  # the written file must load and validate like any other
    return calibration


def summary(cal: Calibration) -> list[str]:
    """A few lines for the terminal: what was estimated from how much."""
    lines = [
        f"{len(cal.table):,} rows, {len(cal.routing.fitting):,} cases replayed"
        + (f", {len(cal.routing.misfits):,} left out (do not fit)" if cal.routing.misfits else ""),
        f"efforts fitted for {len(cal.efforts)} of {len(cal.model.tasks)} tasks; "
        f"~{sum(cal.demand.yearly.values()):,.0f} applications a year",
    ]
    if cal.mapping.unmatched_log:
        lines.append(
            "log activities without a BPMN element: " + ", ".join(cal.mapping.unmatched_log)
        )
    if cal.mapping.unseen_tasks:
        lines.append("BPMN tasks not in the log: " + ", ".join(cal.mapping.unseen_tasks))
    return lines
