"""Compiling the richer BPMN constructs: loops, multi-instance, event subprocesses.

A mixin of :class:`zsa_sim.engine.graph.Compiler`, kept apart so the compiler's core
(tasks, gateways, boundary events) stays short. A loop or multi-instance activity becomes
a ``MULTI`` node around an inner node that does one instance, with a function that gives
the instance count for a case; an event subprocess becomes a ``SUB`` node with the
trigger of its start event.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING

from zsa_sim.bpmn import model as bpmn
from zsa_sim.engine.distributions import Distribution
from zsa_sim.engine.expressions import as_number, compile_expression
from zsa_sim.engine.nodes import (
    END,
    TASK,
    WAIT_KINDS,
    Graph,
    Node,
    completion_condition,
)

if TYPE_CHECKING:
    from zsa_sim.engine.graph import Compiler


class ConstructCompiler:
    """Loop, multi-instance and event subprocess compilation for the Compiler."""

    def _event_subprocess(self: Compiler, element: bpmn.SubProcess, main: bool) -> Node:
        """An event subprocess: its body, and when its start event's trigger fires."""
        node = self._make(element, False)
        node.body = self.process(element.body, main=False)
        node.body.start.log = True  # the moment it was triggered is a row
        start: bpmn.StartEvent = element.body.start_events[0]
        if main and start.interrupting:
            # it takes over the case: its end events end the case, as the main ones do
            for inner in node.body.nodes.values():
                inner.log = inner.log or inner.kind == END
        kind = start.definition.kind
        node.trigger = kind
        node.interrupting = start.interrupting
        if kind == "timer" or kind in WAIT_KINDS:
            # a non-interrupting timer cycle repeats, as on a non-interrupting boundary
            node.delay = self._delay(start, "event subprocess" if node.interrupting else "boundary")
        else:  # error or escalation thrown inside the enclosing scope
            node.error_ref = start.definition.ref or ""
        return node

    def _multi(self: Compiler, process: bpmn.Process, element: bpmn.FlowNode, node: Node) -> None:
        """A loop or multi-instance activity: an inner node per instance, and the count."""
        loop: bpmn.LoopCharacteristics = element.loop  # type: ignore[attr-defined]
        inner = self._make(element, False, inner=True)
        if inner.kind == TASK:
            self._task(element, inner)
        else:
            self._sub(element, inner)
        node.inner = inner
        node.body = Graph(process, inner, {inner.id: inner}, self.source)
        node.static = inner.static
        node.sequential = loop.kind != "parallel"
        node.count = self._count(element, loop)
        node.completion = completion_condition(loop, frozenset(self.setup.attribute_names))

    def _count(self: Compiler, element: bpmn.FlowNode, loop: bpmn.LoopCharacteristics) -> Callable:
        """How many instances (iterations) one arrival at the activity runs."""
        what = "loop" if loop.kind == "standard" else f"{loop.kind} multi-instance"
        where = f"{self.where}: {what} activity {element.label}"
        spec: Distribution | str | None = self.service.instances.get(element.id)
        if spec is None:
            spec = loop.cardinality
        if spec is None:
            raise self.error(f"{where} has no instance count (set one under instances:)")
        cap = loop.maximum if loop.maximum is not None else math.inf
        if isinstance(spec, str):
            expression = compile_expression(spec, f"{where}, instance count")
            label = f"{where}: instance count"

            def count(case, visit: int) -> int:
                value = as_number(expression(case.attributes, visit), f"{label}, case {case.id}")
                return int(min(round(value), cap))

            return count
        key = ("instances", self.service_key, self.municipality, element.id)
        sampler = spec.sample
        draw = self.draw

        def drawn(case, visit: int) -> int:
            return int(min(round(draw(key, visit - 1, case.index, sampler)), cap))

        return drawn
