"""Event definitions: what an event waits for or throws, and which the engine supports.

An event's behaviour lies in its one event definition child (``timerEventDefinition``,
``messageEventDefinition``, ...); no child means a "none" event. Each event type
accepts only some definitions: a message start event is fine, an escalation throw or a
compensation boundary event is not simulated and is refused by name rather than
quietly treated as a plain event. A link event's ``ref`` is its link name: a throw jumps
to the catch of the same name in the same process.
"""

from __future__ import annotations

import re
from xml.etree.ElementTree import Element

from zsa_sim.bpmn.context import ReadContext, bpmn_children, element_label, unsupported
from zsa_sim.bpmn.model import EventDefinition, TimerDefinition

#: event definition element -> the kind the model uses.
_KINDS = {
    "timerEventDefinition": "timer",
    "messageEventDefinition": "message",
    "signalEventDefinition": "signal",
    "errorEventDefinition": "error",
    "conditionalEventDefinition": "conditional",
    "terminateEventDefinition": "terminate",
    "escalationEventDefinition": "escalation",
    "compensateEventDefinition": "compensation",
    "linkEventDefinition": "link",
    "cancelEventDefinition": "cancel",
}

#: kinds no event type supports, with the reason given to the user.
_NEVER = {
    "compensation": "compensation is not supported",
    "cancel": "cancel events belong to transactions, which are not supported",
}

#: event type -> the kinds of definition the engine can simulate for it.
ALLOWED_KINDS: dict[str, frozenset[str]] = {
    "startEvent": frozenset({"none", "timer", "message", "signal", "conditional"}),
    "endEvent": frozenset({"none", "message", "signal", "error", "terminate", "escalation"}),
    "intermediateCatchEvent": frozenset(
        {"none", "timer", "message", "signal", "conditional", "link"}
    ),
    "intermediateThrowEvent": frozenset({"none", "message", "signal", "escalation", "link"}),
    "boundaryEvent": frozenset(
        {"timer", "message", "error", "signal", "escalation", "conditional"}
    ),
    #: the start event of an event subprocess
    "eventSubProcessStart": frozenset(
        {"timer", "message", "signal", "conditional", "error", "escalation"}
    ),
}

_REF_ATTRIBUTE = {
    "message": "messageRef",
    "signal": "signalRef",
    "error": "errorRef",
    "escalation": "escalationRef",
}
_TIMER_ELEMENTS = ("timeDuration", "timeCycle", "timeDate")


def read_event_definition(ctx: ReadContext, event: Element, event_type: str) -> EventDefinition:
    """The event's definition, or an error naming the event if it cannot be simulated."""
    children = bpmn_children(event)
    definitions = [(local, el) for local, el in children if local.endswith("EventDefinition")]
    definitions += _referenced_definitions(ctx, event, children)
    if len(definitions) > 1:
        raise unsupported(
            ctx, event, "events with several event definitions (multiple events) are not supported"
        )
    if not definitions:
        kind = "none"
        definition = None
    else:
        local, definition = definitions[0]
        if local not in _KINDS:
            raise unsupported(ctx, event, f"unknown event definition {local}")
        kind = _KINDS[local]
    if kind in _NEVER:
        raise unsupported(ctx, event, _NEVER[kind])
    if kind not in ALLOWED_KINDS[event_type]:
        if event_type == "eventSubProcessStart":
            raise unsupported(
                ctx, event, f"the start event of an event subprocess cannot have a {kind} trigger"
            )
        raise unsupported(ctx, event, f"{kind} triggers are not supported on {event_type}s")
    if definition is None:
        return EventDefinition()
    if kind == "timer":
        return EventDefinition(kind="timer", timer=_timer(ctx, event, definition))
    if kind == "conditional":
        condition = definition.find(f"{{{_ns(definition)}}}condition")
        text = (condition.text or "").strip() if condition is not None else ""
        return EventDefinition(kind="conditional", condition=text or None)
    if kind == "link":
        name = (definition.get("name") or event.get("name") or "").strip()
        if not name:
            raise ctx.error(f"link event {element_label(event)} has no link name")
        return EventDefinition(kind="link", ref=name)
    ref = definition.get(_REF_ATTRIBUTE.get(kind, ""), None)
    return EventDefinition(kind=kind, ref=ref or None)  # type: ignore[arg-type]


def _referenced_definitions(
    ctx: ReadContext, event: Element, children: list[tuple[str, Element]]
) -> list[tuple[str, Element]]:
    """Event definitions declared at the top level and named by ``eventDefinitionRef``."""
    found = []
    for local, child in children:
        if local != "eventDefinitionRef":
            continue
        ref = (child.text or "").strip()
        shared = ctx.shared_definitions.get(ctx.known_ref(ref) or ref)
        if shared is None:
            raise ctx.error(
                f"event {element_label(event)}: eventDefinitionRef '{ref}' names no event "
                "definition of the file"
            )
        found.append((_local(shared), shared))
    return found


def _timer(ctx: ReadContext, event: Element, definition: Element) -> TimerDefinition:
    """The timer's kind and expression; a timer without one has an empty expression.

    Many tools write the duration only into the label ("7 Tage"); the scenario's
    ``timers:`` then gives it (the checks insist). FEEL (``=PT5M``) and quoted
    (``'P7D'``) durations are unwrapped.
    """
    for local, child in bpmn_children(definition):
        if local in _TIMER_ELEMENTS and (child.text or "").strip():
            return TimerDefinition(kind=local, expression=_unwrap(child.text or ""))  # type: ignore[arg-type]
    return TimerDefinition(kind="timeDuration", expression="")


def _unwrap(text: str) -> str:
    value = text.strip()
    if value.startswith("="):  # FEEL, Camunda 8
        value = value[1:].strip()
    match = re.fullmatch(r"duration\(\s*(.+?)\s*\)", value)  # FEEL duration("P14D")
    if match:
        value = match.group(1)
    while len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        value = value[1:-1].strip()
    return value


def _local(element: Element) -> str:
    return element.tag.rpartition("}")[2]


def _ns(element: Element) -> str:
    return element.tag[1:].partition("}")[0]
