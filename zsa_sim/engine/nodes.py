"""The engine's runtime graph: compiled flow nodes, flows, delays and graphs.

:mod:`zsa_sim.engine.graph` builds these from the frozen BPMN model before a run; the
token flow (:mod:`zsa_sim.engine.tokens`) and the activity behaviour
(:mod:`zsa_sim.engine.activities`) walk them. Plain classes with ``__slots__``: a token
step reads a few attributes and never looks anything up by id.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from zsa_sim.bpmn import model as bpmn
from zsa_sim.engine.expressions import Expression, compile_expression
from zsa_sim.errors import SimulationError

if TYPE_CHECKING:  # the scenario layer imports this module; SimPy only at run time
    from zsa_sim.engine.staff import StaffPool

INF = math.inf

# Node kinds (ints: the token loop dispatches on them).
START, END, TASK, SUB, XOR, AND, OR, EVENT_GW, CATCH, THROW, BOUNDARY, MULTI = range(12)
# Decision modes of exclusive/inclusive gateways.
PASS, CONDITIONS, PROBABILITIES = range(3)

Draw = Callable[..., float]
WAIT_KINDS = ("message", "signal", "conditional")


def uniform(rng: np.random.Generator, size: int) -> np.ndarray:
    """Sampler of U(0, 1) blocks for branch, error and 'never' decisions."""
    return rng.random(size)


class Flow:
    """A sequence flow as a token follows it: its id and the node it leads to."""

    __slots__ = ("id", "target")

    def __init__(self, flow_id: str, target: Node) -> None:
        self.id = flow_id
        self.target = target


class Delay:
    """How long after arming a timer or a message event fires (calendar minutes)."""

    __slots__ = ("at", "cycle", "draw", "fixed", "key", "never", "never_key", "sampler")

    def __init__(
        self,
        draw: Draw,
        fixed: float = 0.0,
        key: tuple | None = None,
        sampler: Callable | None = None,
        at: float | None = None,
        never: float = 0.0,
        never_key: tuple | None = None,
        cycle: int | None = 1,
    ) -> None:
        self.draw = draw
        self.fixed = fixed
        self.key = key
        self.sampler = sampler
        self.at = at
        self.never = never
        self.never_key = never_key if never > 0 else None
        #: how often a boundary timer cycle fires (None: until the activity ends)
        self.cycle = cycle

    def __call__(self, now: float, index: int, iteration: int) -> float:
        """The delay for the ``index``-th case on its ``iteration``-th arming (inf: never)."""
        if self.never_key is not None and (
            self.draw(self.never_key, iteration, index, uniform) < self.never
        ):
            return INF
        if self.at is not None:
            return max(self.at - now, 0.0)
        if self.key is None:
            return self.fixed
        return self.draw(self.key, iteration, index, self.sampler)


class Node:
    """A flow node as the engine runs it; attributes beyond the first block per kind."""

    __slots__ = (
        "body",
        "branch_key",
        "catches",
        "completion",
        "conds",
        "count",
        "cumulative",
        "default",
        "delay",
        "effort_key",
        "effort_sampler",
        "error_ref",
        "errors",
        "escalate",
        "escalations",
        "factor",
        "handover_key",
        "handover_sampler",
        "id",
        "in_index",
        "inner",
        "interrupting",
        "join",
        "kind",
        "label",
        "log",
        "mode",
        "multiplier",
        "n_in",
        "name",
        "next",
        "org_unit",
        "out",
        "pool",
        "probabilities",
        "sequential",
        "static",
        "terminate",
        "timed",
        "trigger",
        "type_name",
        "upstream",
    )

    def __init__(self, source: bpmn.FlowNode, kind: int) -> None:
        self.id = source.id
        self.name = source.name
        self.label = source.label
        self.type_name = source.kind
        self.kind = kind
        self.log = True
        self.out: tuple[Flow, ...] = ()
        self.next: Flow | None = None
        self.static: tuple = ()
        self.join = False
        self.n_in = 0
        self.in_index: dict[str, int] = {}
        self.upstream: tuple[frozenset[Node], ...] = ()
        self.mode = PASS
        self.conds: tuple[tuple[Flow, Expression], ...] = ()
        self.default: Flow | None = None
        self.cumulative: tuple[tuple[Flow, float], ...] = ()
        self.probabilities: tuple[tuple[Flow, float, tuple], ...] = ()
        self.branch_key: tuple = ()
        #: the staff pool of a task (unset for other kinds)
        self.pool: StaffPool = None  # type: ignore[assignment]
        self.org_unit = ""
        self.effort_key: tuple = ()
        self.effort_sampler: Callable | None = None
        self.factor = 1.0
        self.multiplier: Expression | None = None
        self.handover_key: tuple | None = None
        self.handover_sampler: Callable | None = None
        #: timer/message boundary events (BOUNDARY nodes with a delay)
        self.timed: tuple[Node, ...] = ()
        #: error boundary events: (node, probability, draw key) on tasks
        self.errors: tuple[tuple[Node, float, tuple], ...] = ()
        self.delay: Delay | None = None
        self.interrupting = True
        self.catches: tuple[Node, ...] = ()
        self.terminate = False
        #: for an error end event: its errorRef ("" = any); for an error boundary: its ref
        self.error_ref: str | None = None
        self.body: Graph | None = None
        #: escalation boundary events of a subprocess (their error_ref is the escalationRef)
        self.escalations: tuple[Node, ...] = ()
        #: throw or end event: the escalationRef it throws ("" = any), else None
        self.escalate: str | None = None
        #: MULTI: the node doing one instance, the instance count, in sequence or parallel
        self.inner: Node | None = None
        self.count: Callable[..., int] | None = None
        self.sequential = False
        #: MULTI: a completionCondition that ends the activity early, or None
        self.completion: Expression | None = None
        #: event subprocess: its start trigger ("timer", "message", "error", ...)
        self.trigger = ""

    def __repr__(self) -> str:
        return f"Node({self.id!r})"


class Graph:
    """A compiled process (or subprocess body): its start node and all reachable nodes."""

    __slots__ = ("event_subs", "nodes", "process", "source", "start")

    def __init__(
        self, process: bpmn.Process, start: Node, nodes: dict[str, Node], source: str
    ) -> None:
        self.process = process
        self.start = start
        self.nodes = nodes
        #: the BPMN file, for error messages
        self.source = source
        #: event subprocesses of this level (SUB nodes with a ``trigger``)
        self.event_subs: tuple[Node, ...] = ()


#: What a multi-instance completionCondition may read besides the case attributes
#: (the names Camunda and the BPMN specification use).
MI_VARIABLES = frozenset(
    {"nrOfInstances", "nrOfCompletedInstances", "nrOfActiveInstances", "loopCounter"}
)


def completion_condition(
    loop: bpmn.LoopCharacteristics, attributes: frozenset[str] | set[str]
) -> Expression | None:
    """A multi-instance activity's completionCondition, if the engine can evaluate it
    (an expression over the case attributes and :data:`MI_VARIABLES`); else None, and
    the instance count alone decides (validate says so)."""
    if loop.kind == "standard" or not loop.condition:
        return None
    try:
        expression = compile_expression(loop.condition, "completionCondition")
    except SimulationError:
        return None
    return expression if expression.names <= (MI_VARIABLES | set(attributes)) else None
