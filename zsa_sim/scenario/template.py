"""A scenario skeleton for a BPMN model, for process designers who bring a new model.

``zsa-sim template processes/new.bpmn -o scenarios/new.yaml`` writes a complete
scenario file in which every figure the model needs is listed with its BPMN id, name,
lane and role: an effort for every task, a probability for every branch that the model
does not decide by a condition, a reaction time for every message event, and the
timers with their BPMN values. Placeholders are ``null``: the file does **not** validate
until they are filled in, and the error names the first gap, e.g.
``services.new.efforts.Task_Pruefen: effort missing (fill in the template)``. That is
deliberate: a made-up default would slip into results unnoticed.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from zsa_sim.bpmn.conditions import PROBABILITY_PROPERTY, number_of
from zsa_sim.bpmn.extensions import CANDIDATE_GROUPS
from zsa_sim.bpmn.model import Definitions, Gateway, SequenceFlow, role_key
from zsa_sim.engine.expressions import compile_expression
from zsa_sim.errors import SimulationError
from zsa_sim.eventlog.schema import CORE_FIELDS
from zsa_sim.scenario.condition_types import usable_with_flags
from zsa_sim.scenario.service_model import ServiceModel, normal_name

#: Attributes every generator makes, or the engine supplies.
_BUILT_IN = {"channel", "missing_documents", "visit"}
#: Role the template proposes for tasks in no lane (a name, not a figure: rename freely).
DEFAULT_ROLE = "sachbearbeitung"
#: Timer labels the template reads a duration from: "7 Tage", "2 weeks", "48 h".
_LABEL_UNITS = {
    "d": ("d", 1),
    "day": ("d", 1),
    "days": ("d", 1),
    "tag": ("d", 1),
    "tage": ("d", 1),
    "tagen": ("d", 1),
    "werktage": ("d", 1),
    "w": ("d", 7),
    "wo": ("d", 7),
    "week": ("d", 7),
    "weeks": ("d", 7),
    "woche": ("d", 7),
    "wochen": ("d", 7),
    "month": ("d", 30),
    "months": ("d", 30),
    "monat": ("d", 30),
    "monate": ("d", 30),
    "monaten": ("d", 30),
    "h": ("h", 1),
    "hour": ("h", 1),
    "hours": ("h", 1),
    "std": ("h", 1),
    "stunde": ("h", 1),
    "stunden": ("h", 1),
    "min": ("min", 1),
    "minute": ("min", 1),
    "minutes": ("min", 1),
    "minuten": ("min", 1),
}
#: Service keys with a generator of their own.
_GENERATORS = ("hundehaltung", "wohngeld")

_HEADER = """\
# Szenario-Vorlage für {file} (Prozess {process}), erzeugt mit `zsa-sim template`.
# Scenario template: fill in every TODO. Empty values (null) are reported as missing
# by `zsa-sim validate`, so nothing made up slips into results.
#
# Alle Kennzahlen sind ANNAHMEN, bis sie durch Daten der Pilotkommune ersetzt sind:
# bitte die Quelle jeweils im Kommentar angeben.
#
# Verteilungen (Bearbeitungs- und Wartezeiten) stehen immer in dieser Form:
#   {{<Verteilung>: <Parameter>, unit: min|h|d}}
#   {{lognormal: {{mean: 20, sd: 8}}, unit: min}}     {{triangular: [10, 15, 30], unit: min}}
#   {{fixed: 14, unit: d}}   {{exponential: 30, unit: min}}   {{empirical: [5, 8, 13], unit: min}}
#   Verteilungen: fixed [value], uniform [low, high], triangular [low, mode, high],
#   normal {{mean, sd}}, lognormal {{mean, sd}}, gamma {{mean, sd}} oder {{shape, scale}},
#   exponential [mean], empirical [Stichprobe].
#   Einheiten: min und h (Arbeitszeit), d (Kalendertage: nur für Warte- und Fristzeiten).
"""


def template_for(
    definitions: Definitions, service: str | None = None, bpmn_ref: str | None = None
) -> str:
    """The skeleton scenario (YAML text with comments) for one BPMN model.

    ``service`` is the service key (default: from the file name); ``bpmn_ref`` the path
    written into ``services.<key>.bpmn`` (default: the file's path as read).
    """
    model = ServiceModel(definitions)
    process = definitions.main_process
    key = service or _service_key(definitions.source)
    ref = bpmn_ref or definitions.source
    lines = _HEADER.format(file=Path(definitions.source).name, process=process.label).splitlines()
    lines += [
        "",
        f"name: {key}",
        'description: "TODO: what this scenario is for"',
        "period:",
        "  start: 2026-01-01",
        "  days: 365           # observed period",
        "  warmup_days: 30     # before start: the system fills up; not counted",
        "  cooldown_days: 90   # after the period: no new cases, open ones finish",
        "replications: 10",
        "seed: 1",
        "",
        "calendars:",
        "  rathaus:",
        "    holidays: ST      # Feiertage Sachsen-Anhalt (holidays-Paket)",
        "    hours:            # 39 h/Woche (TVöD), ANNAHME",
        '      mon: ["07:00-12:00", "12:30-16:00"]',
        '      tue: ["07:00-12:00", "12:30-16:00"]',
        '      wed: ["07:00-12:00", "12:30-16:00"]',
        '      thu: ["07:00-12:00", "12:30-16:00"]',
        '      fri: ["07:00-12:00"]',
        "    closed: []        # weitere Schließtage, z. B. 2026-12-24",
        "",
        "services:",
        f"  {key}:",
        f"    bpmn: {json.dumps(ref, ensure_ascii=False)}",
        "    cases_per_1000: null   # TODO Anträge je 1.000 Einwohner und Jahr (Quelle?)",
        "    volume: 1.0            # Was-wäre-wenn-Faktor auf die Menge",
        "    seasonality: [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]   # Jan..Dez, relativ",
        "    channels: {online: null, paper: null}   # TODO Anteile, Summe 1",
    ]
    lines += _process(definitions)
    lines += _decision(model)
    lines += _roles(model)
    lines += _efforts(model)
    lines += _branches(model, generic=key not in _GENERATORS)
    lines += _waits(model)
    lines += _timers(model)
    lines += _errors(model)
    lines += _instances(model, generic=key not in _GENERATORS)
    lines += _applicants(model, key)
    lines += _organisation(model, key)
    return "\n".join(lines) + "\n"


def write_template(bpmn_path: str | Path, out_path: str | Path) -> Path:
    """Read a BPMN file and write its skeleton scenario; the BPMN path is made relative."""
    from zsa_sim.bpmn.reader import read_bpmn

    bpmn_path, out_path = Path(bpmn_path), Path(out_path)
    definitions = read_bpmn(bpmn_path)
    ref = os.path.relpath(bpmn_path.resolve(), out_path.resolve().parent)
    text = template_for(definitions, _service_key(str(bpmn_path)), Path(ref).as_posix())
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(text, encoding="utf-8")
    return out_path


def yaml_key(text: str) -> str:
    """``text`` as a YAML mapping key: plain if YAML reads it back as the same string."""
    import yaml

    try:
        plain = yaml.safe_load(f"{text}: 1")
    except yaml.YAMLError:
        plain = None
    if isinstance(plain, dict) and list(plain) == [text] and "#" not in text:
        return text
    return json.dumps(text, ensure_ascii=False)


def _service_key(source: str) -> str:
    stem = Path(source).stem.lower()
    key = re.sub(r"[^a-z0-9_]+", "_", stem).strip("_")
    return key or "service"


def _yes(flag: bool) -> str:
    return "ja" if flag else "nein"


def _process(definitions: Definitions) -> list[str]:
    process, why = definitions.main_process_choice
    others = [p.id for p in definitions.processes.values() if p.id != process.id and p.nodes]
    if not others:
        return []
    return [
        f"    process: {yaml_key(process.id)}   # gewählt: {why}; "
        f"andere Pools: {', '.join(others)}",
    ]


def _decision(model: ServiceModel) -> list[str]:
    marked = model.decision_tasks()
    if len(marked) == 1:
        return [f"    decision_task: {yaml_key(marked[0])}   # zsa:decision=true im BPMN"]
    return ["    decision_task: null    # TODO: id of the task that is the decision (Bescheid)"]


def _roles(model: ServiceModel) -> list[str]:
    """Roles for tasks in no lane, and which tasks the ZSA may do."""
    lines: list[str] = []
    laneless = [t for t in model.tasks if model.role_of(t) is None]
    if laneless:
        lines.append(
            f"    default_role: {DEFAULT_ROLE}   # Rolle der Aufgaben ohne Lane (frei wählbar)"
        )
        groups = {t: _candidate_role(model, t) for t in laneless}
        named = {t: g for t, g in groups.items() if g}
        if named:
            lines.append("    roles:   # aus den Kandidatengruppen (candidateGroups) im BPMN")
            lines += [f"      {yaml_key(t)}: {yaml_key(g)}" for t, g in named.items()]
        else:
            lines.append(
                f"    roles: {{}}   # optional je Aufgabe, z. B. {{{laneless[0]}: sachbearbeitung}}"
            )
    if _marked(model):
        lines.append(
            "    centralisable: {}   # zsa:centralisable im BPMN; hier abweichend je Aufgabe: "
            "true/false"
        )
        return lines
    lines.append("    centralisable:   # darf die ZSA die Aufgabe übernehmen? true/false")
    lines += [
        f"      {yaml_key(task_id)}: null   # TODO {model.label(task_id)}"
        for task_id in model.tasks
    ]
    return lines


def _candidate_role(model: ServiceModel, task_id: str) -> str | None:
    """The first candidate group of a user task, as a role key, or None."""
    groups = model.tasks[task_id].properties.get(CANDIDATE_GROUPS, "")
    first = groups.split(",")[0].strip()
    if not first or first.startswith(("$", "#", "=")):  # an expression, not a name
        return None
    return role_key(first) or None


def _marked(model: ServiceModel) -> bool:
    """True when the BPMN says for some task whether the ZSA may do it."""
    return any(
        model.tasks[t].properties.get("zsa:centralisable") is not None
        or any(lane.properties.get("zsa:centralisable") for lane in model.lane_chain(t))
        for t in model.tasks
    )


def _efforts(model: ServiceModel) -> list[str]:
    lines = ["    efforts:   # Arbeitszeit je Ausführung einer Aufgabe"]
    marked = _marked(model)
    for task_id, task in model.tasks.items():
        central = _yes(model.centralisable(task_id)) if marked else "siehe centralisable"
        role = (
            model.role_of(task_id)
            or (f"{c} (roles)" if (c := _candidate_role(model, task_id)) else None)
            or f"{DEFAULT_ROLE} (default_role)"
        )
        lane = model.lane_chain(task_id)
        lane_name = normal_name(lane[0].name) if lane else "-"
        lines.append(
            f"      # {model.label(task_id)} – Lane '{lane_name}' (Rolle {role}), "
            f"zentralisierbar: {central}"
            + (", Entscheidung" if task.is_decision else "")
            + (f", Blackbox: {model.black_boxes[task_id]}" if task_id in model.black_boxes else "")
        )
        lines.append(
            f"      {yaml_key(task_id)}: null   # TODO z. B. "
            "{lognormal: {mean: 15, sd: 5}, unit: min}"
        )
    return lines


def _conditions_usable(gateway: Gateway, flows: list[SequenceFlow], generic: bool) -> bool:
    """True when the engine can decide the gateway by its conditions with these applicants.

    Every flow but the default needs a condition that parses; with the generic
    generator, every attribute it reads must be able to be a yes/no flag whose name is
    no event-log column.
    """
    for flow in flows:
        if flow.id == gateway.default_flow:
            continue
        if not flow.condition or number_of(flow.condition) is not None:
            return False
        try:
            names = compile_expression(flow.condition, flow.id).names
        except SimulationError:
            return False
        if not generic:
            continue
        if names & set(CORE_FIELDS) or not usable_with_flags(flow.condition):
            return False
    return True


def _branches(model: ServiceModel, generic: bool = True) -> list[str]:
    body: list[str] = []
    entries = False
    for gw_id, gateway in model.branching_gateways().items():
        flows = [model.flows[f] for f in gateway.outgoing if f in model.flows]
        targets = [
            model.label(f.target) + (" (default)" if f.id == gateway.default_flow else "")
            for f in flows
        ]
        if any(PROBABILITY_PROPERTY in f.properties for f in flows):
            body.append(
                f"      # {model.label(gw_id)}: Wahrscheinlichkeiten aus dem BPMN: "
                + ", ".join(
                    f"{f.id} {f.properties.get(PROBABILITY_PROPERTY, 'Rest')}" for f in flows
                )
            )
            continue
        if any(f.condition for f in flows) and _conditions_usable(gateway, flows, generic):
            body.append(f"      # {model.label(gw_id)} entscheidet nach Bedingungen im BPMN:")
            body += [
                f"      #   {f.id} -> {target}: {f.condition or '-'}"
                for f, target in zip(flows, targets, strict=True)
            ]
            continue
        entries = True
        kind = "je Fluss unabhängig" if gateway.kind == "inclusiveGateway" else "Summe 1"
        body.append(f"      # {model.label(gw_id)}: Wahrscheinlichkeiten ({kind})")
        if any(f.condition for f in flows):
            body.append(
                "      #   die Bedingungen im BPMN sind hier nicht auswertbar und werden durch "
                "die Wahrscheinlichkeiten ersetzt: "
                + "; ".join(f"{f.id}: {f.condition}" for f in flows if f.condition)
            )
        body.append(f"      {yaml_key(gw_id)}:")
        body += [
            f"        {yaml_key(f.id)}: null   # TODO -> {target}"
            for f, target in zip(flows, targets, strict=True)
        ]
    head = "    branches:" if entries else "    branches: {}"
    return [
        f"{head}   # Verzweigungen: Wahrscheinlichkeiten, wo das BPMN keine Bedingung hat",
        *body,
    ]


def _waits(model: ServiceModel) -> list[str]:
    events = model.wait_events()
    if not events:
        return ["    waits: {}   # keine Nachrichten-, Signal- oder Bedingungsereignisse im Modell"]
    lines = [
        "    waits:   # Reaktionszeit der Antragsteller (Kalendertage) und Anteil ohne Reaktion"
    ]
    for event_id in events:
        races = " (wettläuft mit einer Frist)" if model.after_event_gateway(event_id) else ""
        lines.append(f"      # {model.label(event_id)}{races}")
        lines.append(
            f"      {yaml_key(event_id)}: null   # TODO z. B. "
            "{delay: {lognormal: {mean: 7, sd: 4}, unit: d}, never: 0.1}"
        )
    return lines


def _timers(model: ServiceModel) -> list[str]:
    timers = model.timer_events()
    if not timers:
        return ["    timers: {}"]
    needed, optional = [], []
    for event_id, event in timers.items():
        expression = event.definition.timer.expression if event.definition.timer else ""
        if expression and _parses(event.definition.timer):
            optional.append(
                f"    #   {event_id}: {_timer_example(expression)}   # BPMN: {expression}"
            )
            continue
        from_label = duration_from_label(event.name)
        why = f"BPMN: {expression!r} nicht lesbar" if expression else "keine Dauer im BPMN"
        if from_label:
            needed.append(
                f"      {yaml_key(event_id)}: {from_label}   # {why}; "
                f"aus der Beschriftung {event.name!r}"
            )
        else:
            needed.append(
                f"      {yaml_key(event_id)}: null   # TODO {why} ({model.label(event_id)}), "
                "z. B. {fixed: 7, unit: d}"
            )
    if needed:
        lines = ["    timers:   # Fristen, die das BPMN nicht (lesbar) angibt"]
        lines += needed
        if optional:
            lines.append("      # optional abweichend vom BPMN, z. B.")
            lines += [line.replace("    #", "      #", 1) for line in optional]
        return lines
    return ["    timers: {}   # optional: Fristen abweichend vom BPMN, z. B.", *optional]


def _parses(timer: object) -> bool:
    from zsa_sim.engine.timers import TimerSyntaxError, parse_cycle, parse_duration

    kind = getattr(timer, "kind", "")
    expression = getattr(timer, "expression", "")
    try:
        if kind == "timeDuration":
            parse_duration(expression)
        elif kind == "timeCycle":
            parse_cycle(expression)
        else:
            return True  # dates are checked against the period by the engine
    except TimerSyntaxError:
        return False
    return True


def duration_from_label(label: str) -> str | None:
    """``{fixed: 7, unit: d}`` for a label like "7 Tage", "2 Wochen", "48 h"; else None."""
    match = re.search(r"(\d+(?:[.,]\d+)?)\s*-?\s*([A-Za-zÄÖÜäöü]+)", label or "")
    if match is None:
        return None
    unit = _LABEL_UNITS.get(match.group(2).lower())
    if unit is None:
        return None
    value = float(match.group(1).replace(",", ".")) * unit[1]
    return f"{{fixed: {value:g}, unit: {unit[0]}}}"


def _timer_example(expression: str) -> str:
    match = re.fullmatch(r"P(\d+)D", expression.strip())
    if match:
        return f"{{fixed: {match.group(1)}, unit: d}}"
    match = re.fullmatch(r"PT(\d+)H", expression.strip())
    if match:
        return f"{{fixed: {match.group(1)}, unit: h}}"
    return "{fixed: 1, unit: d}"


def _errors(model: ServiceModel) -> list[str]:
    events = model.error_events()
    if not events:
        return []
    required = model.escalation_tasks()
    if not required:
        lines = [
            "    errors: {}   # optional: Wahrscheinlichkeit, dass eine Aufgabe mit Fehler endet"
        ]
        lines += [f"    #   {event_id}: 0.05   # {model.label(event_id)}" for event_id in events]
        return lines
    # an escalation boundary on a task has no other trigger: its probability is required
    lines = ["    errors:   # Wahrscheinlichkeit, dass eine Aufgabe mit Fehler/Eskalation endet"]
    for event_id in events:
        if event_id in required:
            lines.append(
                f"      {yaml_key(event_id)}: null   # TODO z. B. 0.05 – {model.label(event_id)}"
            )
        else:
            lines.append(f"      # {event_id}: 0.05   # optional – {model.label(event_id)}")
    return lines


def _instances(model: ServiceModel, generic: bool = True) -> list[str]:
    """Instance counts of loop and multi-instance activities (h15b's hook): a placeholder
    where the BPMN has no loopCardinality the applicants can feed, else the BPMN's as an
    optional override."""
    loops = model.loop_activities
    if not loops:
        return []
    body: list[str] = []
    needed = False
    for activity_id, activity in loops.items():
        loop = activity.loop
        assert loop is not None
        body.append(f"      # {model.label(activity_id)} – {loop.kind}")
        if loop.cardinality and _cardinality_usable(loop.cardinality, generic):
            example = loop.cardinality if loop.cardinality.isdigit() else "3"
            body.append(
                f"      #   {activity_id}: {example}   # optional; BPMN loopCardinality: "
                f"{loop.cardinality}"
            )
        else:
            needed = True
            if loop.cardinality:
                body.append(
                    f"      #   BPMN loopCardinality {loop.cardinality!r} liest Merkmale, die "
                    "die Antragsteller nicht haben"
                )
            body.append(
                f"      {yaml_key(activity_id)}: null   # TODO z. B. 3, {{uniform: [1, 4]}} "
                "oder ein Ausdruck"
            )
    head = "    instances:" if needed else "    instances: {}"
    return [f"{head}   # Anzahl Instanzen/Durchläufe je Schleifen-/Mehrfachaktivität", *body]


def _cardinality_usable(text: str, generic: bool) -> bool:
    """A number, or (with the generic applicants) an expression over what they have."""
    if text.strip().isdigit() or not generic:
        return True
    try:
        names = compile_expression(text, "loopCardinality").names
    except SimulationError:
        return False
    return names <= _BUILT_IN


def _condition_names(model: ServiceModel) -> list[str]:
    """Yes/no attributes the conditions of gateways decided by conditions read."""
    names: set[str] = set()
    for gateway in model.branching_gateways().values():
        flows = [model.flows[f] for f in gateway.outgoing if f in model.flows]
        if not any(f.condition for f in flows) or not _conditions_usable(gateway, flows, True):
            continue
        for flow in flows:
            if flow.condition:
                names |= compile_expression(flow.condition, flow.id).names
    return sorted(names - _BUILT_IN - set(CORE_FIELDS))


def _applicants(model: ServiceModel, key: str) -> list[str]:
    lines = ["    applicants:   # synthetische Antragsteller"]
    if key in _GENERATORS:
        return [
            *lines,
            f"      generator: {key}   # Parameter und Standardwerte: zsa_sim/synth/{key}.py",
        ]
    lines += [
        "      generator: generic",
        "      missing_documents: [null]   # TODO P(0, 1, 2, ... Nachforderungsrunden), Summe 1",
    ]
    names = _condition_names(model)
    if names:
        lines.append("      flags:   # Ja/Nein-Merkmale aus den Bedingungen: Anteil 'ja'")
        lines += [f"        {yaml_key(name)}: null   # TODO" for name in names]
    return lines


def _organisation(model: ServiceModel, key: str) -> list[str]:
    laneless = [t for t in model.tasks if model.role_of(t) is None]
    proposed = [_candidate_role(model, t) for t in laneless]
    extra = {r if r else DEFAULT_ROLE for r in proposed}
    roles = tuple(sorted({*model.roles, *extra}))
    lines = [
        "",
        "municipalities:",
        "  Musterstadt:   # TODO: Name der Kommune (ohne '.' und '/')",
        "    population: null      # TODO Einwohner (Quelle, Stichtag)",
        '    postcodes: [null]     # TODO z. B. ["06108"]',
        f"    services: [{key}]",
        "    staff:                # VZÄ je Rolle (zsa:role oder Name der Lane, default_role)",
    ]
    lines += [f"      {yaml_key(role)}: null   # TODO" for role in roles]
    lines += [
        "    calendar: rathaus",
        "    absence_rate: 0.12    # ANNAHME: Urlaub, Krankheit, Fortbildung",
        "    cost_per_hour: null   # TODO EUR je Stunde (z. B. KGSt-Kostensätze)",
        "",
        "zsa:   # zentrale Serviceeinheit (Verwaltungshelfer)",
        "  name: ZSA",
        "  calendar: rathaus",
        "  absence_rate: 0.12",
        "  cost_per_hour: null     # TODO",
        "  staff: null             # TODO VZÄ (eine Zahl: ein gemeinsames Team)",
        "  effort_factor: 1.0      # < 1: spezialisiertes Team ist schneller",
        "  # handover: {triangular: [0, 1, 2], unit: d}   # optional: Übergabezeit",
        "",
        "variants:",
        "  dezentral:",
        "    description: Jede Kommune bearbeitet ihre Fälle selbst.",
        "  zentral:",
        "    description: Zentralisierbare Aufgaben übernimmt die ZSA.",
        "    zsa: {municipalities: all, services: all}",
        "    staff: {}   # verbleibende VZÄ je Kommune und Rolle, z. B.",
        "    #   Musterstadt: {front_office: 0.5}",
    ]
    return lines
