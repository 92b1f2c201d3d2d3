"""The BPMN model as a scenario sees it: what the designer did not draw, the scenario says.

Real models rarely carry zsa-sim's extension properties: they have no lanes (Camunda 8,
Bizagi), no ``zsa:centralisable`` marks, several pools, or conditions the engine cannot
evaluate. A designer should never have to edit the BPMN file to simulate it, so a
service's scenario entry can say it instead, and this module writes it into a copy of
the read model (the file itself and the cached read are untouched):

- ``process``: which process (or pool) a case runs through;
- ``roles`` (task -> role) and ``default_role`` (tasks in no lane) as the task's
  ``zsa:role``;
- ``centralisable`` (task -> yes/no) as the task's ``zsa:centralisable``;
- ``branches``: a gateway given branch probabilities loses its conditions, so
  probabilities override conditions the engine cannot evaluate (XPath, free text).

Keys that name nothing are left alone here; :mod:`zsa_sim.scenario.resolve` reports
them with their key path.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from zsa_sim.bpmn.model import (
    CENTRALISABLE_PROPERTY,
    ROLE_PROPERTY,
    Definitions,
    FlowNode,
    Process,
    SubProcess,
    frozen_mapping,
)
from zsa_sim.scenario.schema import ServiceSpec
from zsa_sim.scenario.service_model import ServiceModel, normal_name


def process_id_for(definitions: Definitions, key: str) -> str | None:
    """The id of the process ``key`` names: a process id or name, or a pool id or name."""
    if key in definitions.processes:
        return key
    wanted = normal_name(key)
    for participant in definitions.participants:
        named = participant.id == key or normal_name(participant.name) == wanted
        if named and participant.process_ref in definitions.processes:
            return participant.process_ref
    matches = [p.id for p in definitions.processes.values() if normal_name(p.name) == wanted]
    return matches[0] if len(matches) == 1 else None


def adapt_definitions(definitions: Definitions, spec: ServiceSpec) -> Definitions:
    """A copy of the model with the scenario's process, roles, marks and overrides."""
    if spec.process is not None:
        chosen = process_id_for(definitions, spec.process)
        if chosen is not None:
            definitions = replace(definitions, chosen_process=chosen)
    try:
        model = ServiceModel(definitions)
        model.tasks  # noqa: B018 - raises if no process has a start event
    except Exception:
        return definitions
    properties: dict[str, dict[str, str]] = {}
    for key, role in spec.roles.items():
        task_id = _lookup(model, key, model.tasks)
        if task_id is not None:
            properties.setdefault(task_id, {})[ROLE_PROPERTY] = role
    if spec.default_role is not None:
        for task_id in model.tasks:
            if task_id not in properties and model.role_of(task_id) is None:
                properties.setdefault(task_id, {})[ROLE_PROPERTY] = spec.default_role
    for key, flag in spec.centralisable.items():
        task_id = _lookup(model, key, model.tasks)
        if task_id is not None:
            properties.setdefault(task_id, {})[CENTRALISABLE_PROPERTY] = str(flag).lower()
    overridden: set[str] = set()
    for key in spec.branches:
        gateway_id = _lookup(model, key, model.branching_gateways())
        if gateway_id is not None:
            overridden.update(model.nodes[gateway_id].outgoing)
    if not properties and not overridden:
        return definitions
    return replace(
        definitions,
        processes=frozen_mapping(
            {k: _patched(p, properties, overridden) for k, p in definitions.processes.items()}
        ),
        called_processes=frozen_mapping(
            {
                k: _patched(p, properties, overridden)
                for k, p in definitions.called_processes.items()
            }
        ),
    )


def _lookup(model: ServiceModel, key: str, among: Mapping) -> str | None:
    try:
        return model.resolve(key, among, "element")
    except LookupError:
        return None


def _patched(
    process: Process, properties: Mapping[str, Mapping[str, str]], unconditioned: set[str]
) -> Process:
    nodes: dict[str, FlowNode] = {}
    for node_id, node in process.nodes.items():
        if isinstance(node, SubProcess):
            node = replace(node, body=_patched(node.body, properties, unconditioned))
        if node_id in properties:
            merged = {**node.properties, **properties[node_id]}
            node = replace(node, properties=frozen_mapping(merged))
        nodes[node_id] = node
    flows = {
        fid: replace(flow, condition=None) if fid in unconditioned and flow.condition else flow
        for fid, flow in process.flows.items()
    }
    return replace(process, nodes=frozen_mapping(nodes), flows=frozen_mapping(flows))
