"""Checks of a SimulationSetup that need no compiled model: fail before anything runs.

:func:`check_setup` looks at the setup as a whole (horizon, sources, routing tables,
staff pools, calendars); :func:`check_service_keys` makes sure every id a
:class:`~zsa_sim.engine.setup.ServiceSetup` names (efforts, branch rules, wait rules,
timers, error probabilities, effort multipliers) is an element of the right kind in its
BPMN model, so that a typo in a scenario is an error rather than a silently unused
number. The model-level checks (a task without effort, an undecidable gateway, a bad
condition or timer) happen while compiling, in :mod:`zsa_sim.engine.graph`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

from zsa_sim.bpmn import model as bpmn
from zsa_sim.engine.graph import WAIT_KINDS
from zsa_sim.engine.setup import ServiceSetup, SimulationSetup
from zsa_sim.errors import SimulationError


def check_setup(setup: SimulationSetup) -> None:
    """Setup-level checks; the model-level ones happen while compiling."""
    if not (isinstance(setup.horizon, int | float) and math.isfinite(setup.horizon)):
        raise SimulationError(f"horizon must be a finite number of minutes, got {setup.horizon!r}")
    if setup.horizon <= 0:
        raise SimulationError(f"horizon must be positive, got {setup.horizon!r}")
    if not isinstance(setup.max_visits, int) or setup.max_visits < 1:
        raise SimulationError(f"max_visits must be a positive integer, got {setup.max_visits!r}")
    seen: set[tuple[str, str]] = set()
    for source in setup.sources:
        pair = (source.service, source.municipality)
        if source.service not in setup.services:
            raise SimulationError(
                f"arrival source ({source.service!r}, {source.municipality!r}): no service "
                f"{source.service!r} in the setup"
            )
        if pair not in setup.routing:
            raise SimulationError(
                f"service {source.service!r}, municipality {source.municipality!r}: no task routing"
            )
        if pair in seen:
            raise SimulationError(
                f"service {source.service!r}, municipality {source.municipality!r}: two "
                "arrival sources (case ids would clash)"
            )
        seen.add(pair)
    uses_calendar = False
    for pool_id, spec in setup.pools.items():
        where = f"staff pool {pool_id!r}"
        if spec.id != pool_id:
            raise SimulationError(f"{where}: its spec has id {spec.id!r}")
        if not (math.isfinite(spec.fte) and spec.fte >= 0):
            raise SimulationError(f"{where}: fte must be a number >= 0, got {spec.fte!r}")
        if not 0.0 <= spec.absence_rate < 1.0:
            raise SimulationError(
                f"{where}: absence_rate must be within [0, 1), got {spec.absence_rate!r}"
            )
        if not (math.isfinite(spec.cost_per_hour) and spec.cost_per_hour >= 0):
            raise SimulationError(f"{where}: cost_per_hour must be >= 0")
        if not spec.calendar.always:
            uses_calendar = True
            if spec.calendar.epoch != setup.epoch:
                raise SimulationError(
                    f"{where}: calendar epoch {spec.calendar.epoch} differs from the "
                    f"setup's epoch {setup.epoch}"
                )
    if uses_calendar and (setup.epoch.hour, setup.epoch.minute, setup.epoch.second) != (0, 0, 0):
        raise SimulationError(f"the epoch must be midnight, got {setup.epoch}")


def check_service_keys(service_key: str, service: ServiceSetup) -> None:
    """Every id a ServiceSetup names must be an element of the right kind in its model."""
    elements: dict[str, bpmn.FlowNode] = {}
    definitions = service.definitions
    for process in [*definitions.processes.values(), *definitions.called_processes.values()]:
        for node in process.walk():
            elements.setdefault(node.id, node)
    where = f"service {service_key!r}"

    def check(table: Mapping[str, Any], what: str, ok: Callable[[bpmn.FlowNode], bool]) -> None:
        for key in table:
            node = elements.get(key)
            if node is None or not ok(node):
                raise SimulationError(
                    f"{where}: {what} {key!r} is not {_ARTICLE[what]} in the model",
                    source=definitions.source,
                )

    def kind_of(node: bpmn.FlowNode) -> str:
        return getattr(getattr(node, "definition", None), "kind", "")

    def is_task(node: bpmn.FlowNode) -> bool:
        # a black box (call activity to no process, empty subprocess) is worked as a task
        return isinstance(node, bpmn.Task) or definitions.black_box_reason(node) is not None

    check(service.efforts, "effort for task", is_task)
    check(service.effort_multipliers, "effort multiplier for task", is_task)
    check(
        service.instances,
        "instance count for activity",
        lambda n: isinstance(n, bpmn.Activity) and n.loop is not None,
    )
    check(
        service.branches,
        "branch rule for gateway",
        lambda n: isinstance(n, bpmn.ExclusiveGateway | bpmn.InclusiveGateway),
    )
    check(
        service.waits,
        "wait rule for event",
        lambda n: (
            isinstance(n, bpmn.IntermediateCatchEvent | bpmn.BoundaryEvent | bpmn.StartEvent)
            and kind_of(n) in WAIT_KINDS
        ),
    )
    check(service.timers, "timer for event", lambda n: kind_of(n) == "timer")
    check(
        service.errors,
        "error probability for boundary event",
        lambda n: isinstance(n, bpmn.BoundaryEvent) and kind_of(n) in ("error", "escalation"),
    )
    if service.decision_task is not None:
        check({service.decision_task: None}, "decision task", is_task)


_ARTICLE = {
    "effort for task": "a task",
    "effort multiplier for task": "a task",
    "branch rule for gateway": "an exclusive or inclusive gateway",
    "wait rule for event": "a message, signal or conditional event",
    "timer for event": "a timer event",
    "error probability for boundary event": "an error or escalation boundary event",
    "instance count for activity": "a loop or multi-instance activity",
    "decision task": "a task",
}
