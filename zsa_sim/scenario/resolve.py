"""From a scenario's service section to the engine's :class:`ServiceSetup`.

A scenario names tasks, gateways and events by id or by name; the engine wants ids. This
module resolves every key against the BPMN model, converts distributions to minutes,
joins the BPMN's branch conditions with the scenario's overrides and checks expressions
against the attributes the applicants will have. Every problem becomes a
:class:`~zsa_sim.bpmn.validate.Finding` whose ``element_id`` is the scenario key path
(``services.wohngeld.efforts.Task_Foo``), so ``zsa-sim validate`` can list them all and
the loader can refuse the file with the first ones.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from zsa_sim.bpmn.conditions import PROBABILITY_PROPERTY, feel_to_expression, number_of
from zsa_sim.bpmn.model import Event, InclusiveGateway
from zsa_sim.bpmn.validate import Finding
from zsa_sim.engine.expressions import compile_expression
from zsa_sim.engine.nodes import MI_VARIABLES, completion_condition
from zsa_sim.engine.setup import BranchRule, ServiceSetup, WaitRule
from zsa_sim.engine.timers import TimerSyntaxError, parse_cycle, parse_date, parse_duration
from zsa_sim.errors import SimulationError
from zsa_sim.eventlog.schema import CORE_FIELDS
from zsa_sim.scenario.adapt import process_id_for
from zsa_sim.scenario.condition_types import flag_misuse
from zsa_sim.scenario.schema import Scenario, ServiceSpec
from zsa_sim.scenario.service_model import ServiceModel

#: Tolerance for "probabilities sum to 1".
SUM_TOLERANCE = 1e-6


def attribute_names(spec: ServiceSpec) -> tuple[str, ...]:
    """The case attributes of a service's applicants: ``channel`` and the generator's."""
    return ("channel", *spec.applicants.attribute_names())


@dataclass
class _Collector:
    prefix: str
    findings: list[Finding] = field(default_factory=list)

    def error(self, key: str, message: str) -> None:
        self.findings.append(Finding("error", _join(self.prefix, key), message))

    def warning(self, key: str, message: str) -> None:
        self.findings.append(Finding("warning", _join(self.prefix, key), message))


def _join(prefix: str, key: str) -> str:
    return f"{prefix}.{key}" if key else prefix


def resolve_service(scenario: Scenario, key: str) -> tuple[ServiceSetup, list[Finding]]:
    """The engine's view of service ``key`` and the problems found on the way.

    Reading the BPMN file may raise :class:`ScenarioError` (missing or unreadable file);
    everything else is reported as findings. The returned setup is only meaningful when
    no finding is an error.
    """
    spec = scenario.services[key]
    model = ServiceModel(scenario.definitions(key))
    out = _Collector(f"services.{key}")
    attributes = set(attribute_names(spec))
    _attribute_columns(spec, out)
    _process_choice(spec, model, out)
    _roles(spec, model, out)
    efforts = _efforts(spec, model, out)
    decision = _decision_task(spec, model, out)
    branches = _branches(spec, model, out, attributes)
    waits = _waits(spec, model, out)
    timers = _by_id(spec.timers, model, model.timer_events(), "timer event", "timers", out)
    _timer_durations(model, timers, out)
    errors = _by_id(spec.errors, model, model.error_events(), "error boundary event", "errors", out)
    for event_id in list(errors):
        host = model.error_events()[event_id].attached_to
        if host not in model.tasks or host in model.loop_activities:
            out.error(
                f"errors.{event_id}",
                f"boundary event {model.label(event_id)} is attached to {model.label(host)}, "
                "which is not a task worked once: an error end event inside it triggers the "
                "boundary, so drop the probability",
            )
            del errors[event_id]
    for event_id, event in model.escalation_tasks().items():
        if event_id not in errors:
            out.error(
                "errors",
                f"no probability for escalation boundary event {model.label(event_id)} on task "
                f"'{event.attached_to}' (add e.g. '{event_id}: 0.05')",
            )
    instances = _instances(spec, model, out, attributes)
    multipliers: dict[str, str] = {}
    for task_key, text in spec.effort_multipliers.items():
        path = f"effort_multipliers.{task_key}"
        task_id = _resolve(model, task_key, model.tasks, "task", path, out)
        if task_id is not None and _expression_ok(text, path, attributes, out):
            multipliers[task_id] = text
    # arrival_day: see zsa_sim.synth.applicants.ARRIVAL_DAY
    priority_names = attributes | {"arrival_day"}
    if spec.priority is not None and _expression_ok(spec.priority, "priority", priority_names, out):
        _priority_values_ok(spec, out)
    setup = ServiceSetup(
        name=key,
        definitions=model.definitions,
        efforts={i: d.minutes() for i, d in efforts.items()},
        branches=branches,
        waits=waits,
        timers={i: d.minutes() for i, d in timers.items()},
        errors=dict(errors),
        effort_multipliers=multipliers,
        decision_task=decision,
        instances=instances,
    )
    return setup, out.findings


def _resolve(
    model: ServiceModel,
    key: str,
    among: Mapping,
    what: str,
    path: str,
    out: _Collector,
) -> str | None:
    try:
        return model.resolve(key, among, what)
    except LookupError as err:
        out.error(path, str(err))
        return None


def yes_no_attributes(spec: ServiceSpec) -> set[str]:
    """The applicants' attributes that are yes/no, whichever generator makes them.

    Read from a draw of two applicants with a generator of its own (no shared random
    state): a boolean column is a yes/no attribute.
    """
    import numpy as np

    sample = spec.applicants.draw(np.random.default_rng(0), 2)
    return {name for name, values in sample.items() if np.asarray(values).dtype == bool}


def _attribute_columns(spec: ServiceSpec, out: _Collector) -> None:
    """Case attributes become event-log columns; a core column's name would clash."""
    for name in spec.applicants.attribute_names():
        if name in CORE_FIELDS:
            out.error(
                f"applicants.flags.{name}",
                f"attribute {name!r} clashes with the event log column {name!r}; rename it "
                "(in the conditions too, under conditions:) or give the gateway branch "
                "probabilities",
            )


def _process_choice(spec: ServiceSpec, model: ServiceModel, out: _Collector) -> None:
    defs = model.definitions
    if spec.process is not None and process_id_for(defs, spec.process) is None:
        known = [*defs.processes, *(p.id for p in defs.participants if p.process_ref)]
        out.error("process", f"names no process or pool of the file (known: {', '.join(known)})")


def _roles(spec: ServiceSpec, model: ServiceModel, out: _Collector) -> None:
    """Every task key names a task, and every task ends up with a staff role."""
    for section, keys in (("roles", spec.roles), ("centralisable", spec.centralisable)):
        for task_key in keys:
            _resolve(model, task_key, model.tasks, "task", f"{section}.{task_key}", out)
    for task_id in model.tasks:
        if model.role_of(task_id) is None:
            out.error(
                "roles",
                f"task {model.label(task_id)} lies in no lane and has no role (add "
                f"'default_role: clerk' for all such tasks, or 'roles: {{{task_id}: clerk}}')",
            )


def _timer_durations(model: ServiceModel, given: Mapping[str, object], out: _Collector) -> None:
    """Timers without a usable duration in the model need one from the scenario."""
    for event_id, event in model.timer_events().items():
        if event_id in given or not isinstance(event, Event) or event.definition.timer is None:
            continue
        timer = event.definition.timer
        hint = f"'timers: {{{event_id}: {{fixed: 7, unit: d}}}}'"
        if not timer.expression:
            label = f" (its label says {event.name!r})" if event.name else ""
            out.error(
                "timers",
                f"timer {model.label(event_id)} has no duration in the model{label}; "
                f"give it, e.g. {hint}",
            )
            continue
        try:
            if timer.kind == "timeDuration":
                parse_duration(timer.expression)
            elif timer.kind == "timeCycle":
                parse_cycle(timer.expression)
            else:
                parse_date(timer.expression, datetime(2000, 1, 1))
        except TimerSyntaxError as err:
            out.error(
                "timers",
                f"timer {model.label(event_id)}: {err}; give its duration instead, e.g. {hint}",
            )


def _efforts(spec: ServiceSpec, model: ServiceModel, out: _Collector) -> dict:
    efforts: dict = {}
    given_as: dict[str, str] = {}
    for task_key, effort in spec.efforts.items():
        path = f"efforts.{task_key}"
        task_id = _resolve(model, task_key, model.tasks, "task", path, out)
        if task_id is None:
            continue
        if task_id in given_as:
            out.error(path, f"task '{task_id}' already has an effort (under '{given_as[task_id]}')")
            continue
        given_as[task_id] = task_key
        efforts[task_id] = effort
    for task_id in model.tasks:
        if task_id not in efforts and task_id not in given_as:
            out.error(
                "efforts",
                f"no effort for task {model.label(task_id)} (add e.g. "
                f"'{task_id}: {{lognormal: {{mean: 15, sd: 5}}, unit: min}}')",
            )
    return efforts


def _decision_task(spec: ServiceSpec, model: ServiceModel, out: _Collector) -> str | None:
    if spec.decision_task is not None:
        return _resolve(model, spec.decision_task, model.tasks, "task", "decision_task", out)
    marked = model.decision_tasks()
    if len(marked) == 1:
        return marked[0]
    if marked:
        out.error(
            "decision_task",
            f"several tasks are marked zsa:decision=true ({', '.join(marked)}); name one",
        )
    else:
        out.warning(
            "decision_task",
            "no task is marked zsa:decision=true and none is named: lead times to the "
            "decision cannot be measured",
        )
    return None


def _branches(
    spec: ServiceSpec, model: ServiceModel, out: _Collector, attributes: set[str]
) -> dict[str, BranchRule]:
    gateways = model.branching_gateways()
    flags = yes_no_attributes(spec)
    probabilities: dict[str, dict[str, float]] = {}
    for gw_key, flows in spec.branches.items():
        path = f"branches.{gw_key}"
        if gw_key in model.nodes and gw_key not in gateways:
            out.error(path, "not an exclusive or inclusive gateway with several outgoing flows")
            continue
        gw_id = _resolve(model, gw_key, gateways, "branching gateway", path, out)
        if gw_id is None:
            continue
        chosen: dict[str, float] = {}
        for flow_key, p in flows.items():
            try:
                chosen[model.resolve_flow(gw_id, flow_key)] = p
            except LookupError as err:
                out.error(f"{path}.{flow_key}", str(err))
        total = sum(flows.values())
        exclusive = not isinstance(gateways[gw_id], InclusiveGateway)
        if exclusive and abs(total - 1.0) > SUM_TOLERANCE:
            out.error(
                path, f"probabilities of gateway {model.label(gw_id)} sum to {total:g}, must be 1"
            )
        probabilities[gw_id] = chosen

    overrides: dict[str, str] = {}
    for flow_id, written in spec.conditions.items():
        path = f"conditions.{flow_id}"
        text = feel_to_expression(written) or written  # FEEL as in Camunda 8 models
        flow = model.flows.get(flow_id)
        if flow is None:
            out.error(path, f"unknown sequence flow (known: {', '.join(model.flows)})")
        elif flow.source not in gateways:
            out.error(path, "only flows leaving an exclusive or inclusive gateway can have one")
        elif flow.source in probabilities:
            out.error(path, f"gateway '{flow.source}' is given probabilities; drop one of them")
        elif _expression_ok(text, path, attributes, out):
            misuse = flag_misuse(text, flags)
            if misuse:
                out.error(path, misuse)
            overrides[flow_id] = text

    rules: dict[str, BranchRule] = {}
    for gw_id, gateway in gateways.items():
        if gw_id in probabilities:
            rules[gw_id] = BranchRule(probabilities=probabilities[gw_id])
            continue
        overridden = any(f in overrides for f in gateway.outgoing)
        from_model = None if overridden else _model_probabilities(model, gw_id, out)
        if from_model is not None:
            rules[gw_id] = BranchRule(probabilities=from_model)
            continue
        conditions: dict[str, str] = {}
        hint = (
            f"or give the gateway branch probabilities instead ('branches: {{{gw_id}: "
            f"{{{gateway.outgoing[0]}: 0.5, ...}}}}')"
        )
        for flow_id in gateway.outgoing:
            flow = model.flows.get(flow_id)
            if flow is None:
                continue
            if flow_id in overrides:
                conditions[flow_id] = overrides[flow_id]
            elif flow.condition and number_of(flow.condition) is not None:
                out.error(
                    "bpmn",
                    f"bpmn (flow '{flow_id}' of {model.label(gw_id)}): the condition "
                    f"{flow.condition!r} is a number, which would always be true; {hint}",
                )
            elif flow.condition:
                where = f"bpmn (flow '{flow_id}' of {model.label(gw_id)})"
                if _expression_ok(
                    flow.condition, where, attributes, out, prefix_key="bpmn", hint=hint
                ):
                    conditions[flow_id] = flow.condition
                    misuse = flag_misuse(flow.condition, flags)
                    if misuse:
                        out.error("bpmn", f"{where}: {misuse}; {hint}")
        if not conditions:
            out.error(
                "branches",
                f"gateway {model.label(gw_id)} needs branch probabilities: its flows have "
                f"no conditions (add '{gw_id}: {{{gateway.outgoing[0]}: 0.5, ...}}')",
            )
        rules[gw_id] = BranchRule(conditions=conditions)
    return rules


def _model_probabilities(
    model: ServiceModel, gw_id: str, out: _Collector
) -> dict[str, float] | None:
    """Branch probabilities the model wrote as conditions (``0.2``), or None."""
    gateway = model.nodes[gw_id]
    flows = [model.flows[f] for f in gateway.outgoing if f in model.flows]
    given: dict[str, float] = {}
    for flow in flows:
        text = flow.properties.get(PROBABILITY_PROPERTY)
        if text is None:
            continue
        try:
            value = float(text)
        except ValueError:
            value = -1.0
        if not 0.0 <= value <= 1.0:
            out.error(
                "bpmn",
                f"flow '{flow.id}' of {model.label(gw_id)}: {PROBABILITY_PROPERTY} {text!r} is "
                "not a probability between 0 and 1",
            )
            return None
        given[flow.id] = value
    if not given:
        return None
    rest = [f.id for f in flows if f.id not in given and f.id != gateway.default_flow]
    total = sum(given.values())
    if isinstance(gateway, InclusiveGateway):
        return given
    if len(rest) == 1 and gateway.default_flow is None:
        given[rest[0]] = max(0.0, 1.0 - total)
        total = 1.0
    if total > 1.0 + SUM_TOLERANCE or (gateway.default_flow is None and abs(total - 1) > 1e-6):
        out.error(
            "branches",
            f"gateway {model.label(gw_id)}: the probabilities written as its conditions sum "
            f"to {total:g}, not 1; give them under branches",
        )
    return given


def _waits(spec: ServiceSpec, model: ServiceModel, out: _Collector) -> dict[str, WaitRule]:
    events = model.wait_events()
    waits: dict[str, WaitRule] = {}
    for event_key, wait in spec.waits.items():
        event_id = _resolve(
            model,
            event_key,
            events,
            "message, signal or conditional event",
            f"waits.{event_key}",
            out,
        )
        if event_id is not None:
            waits[event_id] = WaitRule(delay=wait.delay.minutes(), never=wait.never)
    for event_id in events:
        if event_id not in waits:
            out.error(
                "waits",
                f"no reaction time for event {model.label(event_id)} (add e.g. "
                f"'{event_id}: {{delay: {{lognormal: {{mean: 7, sd: 4}}, unit: d}}, "
                "never: 0.1}')",
            )
    return waits


def _instances(
    spec: ServiceSpec, model: ServiceModel, out: _Collector, attributes: set[str]
) -> dict:
    """Instance counts of loop and multi-instance activities: the scenario's, else a
    loopCardinality the engine can evaluate; a missing one is an error."""
    loops = model.loop_activities
    counts: dict = {}
    for key, value in spec.instances.items():
        path = f"instances.{key}"
        activity_id = _resolve(model, key, loops, "loop or multi-instance activity", path, out)
        if activity_id is None:
            continue
        if isinstance(value, str):
            if _expression_ok(value, path, attributes, out):
                counts[activity_id] = value
        else:
            counts[activity_id] = value.minutes()
    for activity_id, activity in loops.items():
        loop = activity.loop
        assert loop is not None
        if activity_id in counts or activity_id in spec.instances:
            continue
        if loop.cardinality is not None and _readable(loop.cardinality, attributes):
            counts[activity_id] = loop.cardinality
            continue
        given = (
            f" (its loopCardinality {loop.cardinality!r} is not an expression over the "
            "case attributes)"
        )
        out.error(
            "instances",
            f"no instance count for {_LOOP_NAMES[loop.kind]} activity"
            f" {model.label(activity_id)}"
            + (given if loop.cardinality is not None else "")
            + f" (add e.g. '{activity_id}: 3', a distribution without unit, or an "
            "expression over attributes)",
        )
    for activity_id, activity in loops.items():
        loop = activity.loop
        if loop is None or loop.condition is None:
            continue
        if loop.kind == "standard":
            out.warning(
                f"instances.{activity_id}",
                f"the loopCondition {loop.condition!r} of {model.label(activity_id)} is not "
                "evaluated; the instance count decides how often the loop runs",
            )
        elif completion_condition(loop, attributes) is None:
            out.warning(
                f"instances.{activity_id}",
                f"the completionCondition {loop.condition!r} of {model.label(activity_id)} "
                f"is not evaluated (it may read the case attributes and "
                f"{', '.join(sorted(MI_VARIABLES))}); the instance count decides",
            )
    return counts


_LOOP_NAMES = {
    "standard": "loop",
    "parallel": "parallel multi-instance",
    "sequential": "sequential multi-instance",
}


def _readable(text: str, attributes: set[str]) -> bool:
    try:
        expression = compile_expression(text, "loopCardinality")
    except SimulationError:
        return False
    return expression.names <= attributes


def _by_id(
    values: Mapping,
    model: ServiceModel,
    among: Mapping,
    what: str,
    section: str,
    out: _Collector,
) -> dict:
    resolved = {}
    for key, value in values.items():
        element_id = _resolve(model, key, among, what, f"{section}.{key}", out)
        if element_id is not None:
            resolved[element_id] = value
    return resolved


#: Applicants drawn to try a priority expression on (issue 14: text as a priority).
PRIORITY_PROBE = 200


def _priority_values_ok(spec: ServiceSpec, out: _Collector) -> None:
    """Evaluate the priority on sample applicants of every channel: it must be a number.

    The staff queue orders by the value, so text (``priority: channel``) cannot be
    served in any order; ``run`` refuses it only while it generates the applicants.
    """
    import numpy as np

    from zsa_sim.engine.expressions import as_priority

    expression = compile_expression(spec.priority or "", "priority")
    draws = spec.applicants.draw(np.random.default_rng(PRIORITY_PROBE), PRIORITY_PROBE)
    columns = {name: values.tolist() for name, values in draws.items()}
    for channel in spec.channels:
        for row in range(PRIORITY_PROBE):
            attributes = {name: values[row] for name, values in columns.items()}
            attributes["channel"] = channel
            attributes["arrival_day"] = row / 10 - 5.0  # backlog days are negative
            if expression.names - attributes.keys():
                return  # reads something only the run knows: the run checks it
            try:
                as_priority(expression(attributes), "priority")
            except SimulationError as err:
                out.error("priority", err.detail.removeprefix("priority: "))
                return


def _expression_ok(
    text: str,
    where: str,
    attributes: set[str],
    out: _Collector,
    prefix_key: str | None = None,
    hint: str = "",
) -> bool:
    """Compile an expression and check the attributes it reads exist."""
    path = prefix_key if prefix_key is not None else where
    detail = f"{where}: " if prefix_key is not None else ""
    tail = f"; {hint}" if hint else ""
    try:
        expression = compile_expression(text, where)
    except SimulationError as err:
        out.error(path, f"{detail}{err.detail.removeprefix(where + ': ')}{tail}")
        return False
    unknown = sorted(expression.names - attributes)
    if unknown:
        out.error(
            path,
            f"{detail}expression {text!r} reads {', '.join(map(repr, unknown))}, which the "
            f"applicants do not have (they have: {', '.join(sorted(attributes))}){tail}",
        )
        return False
    return True
