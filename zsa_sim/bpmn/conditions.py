"""Gateway conditions as modelling tools write them, made readable for the engine.

The engine evaluates JUEL (``${x == true}``, Camunda 7) and Python-like expressions.
Real files bring more:

- **FEEL** (Camunda 8 / Zeebe): ``=amount > 500``, ``= status = "ok" and not(urgent)``.
  Simple comparisons (``=``, ``!=``, ``<``, ``>``, ``<=``, ``>=``), ``and``/``or``,
  ``not(...)``, string and number literals, ``true``/``false``/``null`` are translated;
  anything else stays as written and the scenario must give branch probabilities.
- **Probabilities written as conditions** (``0.2`` and ``0.8``, or ``20%``, as other
  simulators export them): evaluated as expressions they would always be true (an
  endless loop, silently). When every condition of a gateway is such a number, they
  are read as branch probabilities (property :data:`PROBABILITY_PROPERTY` on the
  flow) and the reader notes it; a number next to real conditions stays, and
  :mod:`zsa_sim.bpmn.validate` reports it as an error.
- **BPSim branch probabilities** (``bpsim:Probability`` on the flows of a split without
  conditions) are used as branch probabilities too, with a note.
- **A condition on some flows only**: an exclusive gateway whose flows all carry a
  condition but one, and no default flow, takes that one as its default flow (as
  Camunda does when it tries the flows in order), and the reader notes it.

The pass runs after a process is read and returns a new frozen :class:`Process`.
"""

from __future__ import annotations

import re
from dataclasses import replace

from zsa_sim.bpmn.model import (
    ExclusiveGateway,
    FlowNode,
    Gateway,
    InclusiveGateway,
    Process,
    SequenceFlow,
    SubProcess,
    frozen_mapping,
)

#: Flow property holding a branch probability read from the model (0..1).
PROBABILITY_PROPERTY = "zsa:probability"

_NUMBER = re.compile(r"^(?:\d+(?:[.,]\d*)?|[.,]\d+)\s*(%?)$")
_FEEL_EQUALS = re.compile(r"(?<![!<>=])=(?!=)")


def normalise_conditions(process: Process, notes: list[str]) -> Process:
    """The process (and its subprocess bodies) with conditions made engine-readable."""
    flows = {fid: _translated(flow) for fid, flow in process.flows.items()}
    nodes: dict[str, FlowNode] = {}
    for node_id, node in process.nodes.items():
        if isinstance(node, SubProcess):
            node = replace(node, body=normalise_conditions(node.body, notes))
        if isinstance(node, ExclusiveGateway | InclusiveGateway) and len(node.outgoing) > 1:
            node = _gateway(node, flows, notes)
        nodes[node_id] = node
    return replace(process, nodes=frozen_mapping(nodes), flows=frozen_mapping(flows))


def number_of(text: str | None) -> float | None:
    """The value of a condition that is only a number (``0.2``, ``${0.2}``, ``20 %``)."""
    if not text:
        return None
    core = _strip_wrapping(text)
    match = _NUMBER.match(core)
    if match is None:
        return None
    value = float(core.rstrip("% ").replace(",", "."))
    return value / 100.0 if match.group(1) else value


def _strip_wrapping(text: str) -> str:
    core = text.strip()
    if (core.startswith("${") or core.startswith("#{")) and core.endswith("}"):
        core = core[2:-1].strip()
    if core.startswith("="):
        core = core[1:].strip()
    return core


def feel_to_expression(text: str) -> str | None:
    """A FEEL condition (``=x > 5``) in the engine's syntax, or None if not FEEL."""
    stripped = text.strip()
    if not stripped.startswith("=") or stripped.startswith("=="):
        return None
    body = stripped[1:].strip()
    out: list[str] = []
    i = 0
    # translate outside string literals only: FEEL's '=' is equality
    for match in re.finditer(r'"(?:[^"\\]|\\.)*"', body):
        out.append(_FEEL_EQUALS.sub("==", body[i : match.start()]))
        out.append(match.group(0))
        i = match.end()
    out.append(_FEEL_EQUALS.sub("==", body[i:]))
    return "".join(out)


def _translated(flow: SequenceFlow) -> SequenceFlow:
    if flow.condition is None:
        return flow
    feel = feel_to_expression(flow.condition)
    if feel is None or number_of(flow.condition) is not None:
        return flow
    properties = dict(flow.properties)
    properties.setdefault("zsa:condition_as_written", flow.condition)
    return replace(flow, condition=feel, properties=frozen_mapping(properties))


def _gateway(gateway: Gateway, flows: dict[str, SequenceFlow], notes: list[str]) -> Gateway:
    outgoing = [flows[f] for f in gateway.outgoing if f in flows]
    conditioned = [f for f in outgoing if f.condition and f.id != gateway.default_flow]
    if not conditioned:
        _bpsim_probabilities(gateway, outgoing, flows, notes)
        return gateway
    numbers = {f.id: number_of(f.condition) for f in conditioned}
    if all(value is not None for value in numbers.values()):
        if all(0.0 <= v <= 1.0 for v in numbers.values()):  # type: ignore[operator]
            for flow in conditioned:
                properties = {**flow.properties, PROBABILITY_PROPERTY: f"{numbers[flow.id]:g}"}
                flows[flow.id] = replace(
                    flow, condition=None, properties=frozen_mapping(properties)
                )
            written = ", ".join(f"{f.id}: {f.condition!r}" for f in conditioned)
            notes.append(
                f"gateway {gateway.label}: the conditions ({written}) are numbers; they are "
                "read as branch probabilities"
            )
        return gateway
    if not isinstance(gateway, ExclusiveGateway) or gateway.default_flow is not None:
        return gateway
    bare = [f for f in outgoing if not f.condition]
    if len(bare) == 1:
        notes.append(
            f"gateway {gateway.label}: flow '{bare[0].id}' has no condition; it is taken as "
            "the default flow (when no other condition holds)"
        )
        return replace(gateway, default_flow=bare[0].id)
    return gateway


_BPSIM_VALUE = re.compile(r"^\w+Parameter\(value=([0-9.eE+-]+)\)$")


def _bpsim_probabilities(
    gateway: Gateway, outgoing: list[SequenceFlow], flows: dict[str, SequenceFlow], notes: list[str]
) -> None:
    """BPSim ``Probability`` control parameters of an unconditioned split, as probabilities."""
    found: dict[str, float] = {}
    for flow in outgoing:
        match = _BPSIM_VALUE.match(flow.properties.get("bpsim:Probability", ""))
        if match:
            value = float(match.group(1))
            found[flow.id] = value / 100.0 if value > 1.0 else value  # some tools write %
    if not found or not all(0.0 <= v <= 1.0 for v in found.values()):
        return
    for flow_id, value in found.items():
        flow = flows[flow_id]
        properties = {**flow.properties, PROBABILITY_PROPERTY: f"{value:g}"}
        flows[flow_id] = replace(flow, properties=frozen_mapping(properties))
    written = ", ".join(f"{fid}: {value:g}" for fid, value in found.items())
    notes.append(f"gateway {gateway.label}: BPSim branch probabilities ({written}) are used")
