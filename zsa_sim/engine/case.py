"""A case (one applicant's application) and the tokens that carry it through the process.

In BPMN terms a *case* is a process instance; Ciw calls it an "individual". It keeps the
applicant's attributes (read by gateway conditions), how often it has reached each flow
node (``visit`` in expressions, the loop cap, and the iteration index of its random
draws), and which organisational unit did its last task (hand-over delays).

A *token* marks where the case is. A parallel split makes several tokens; an embedded
subprocess or call activity opens a nested *scope* whose tokens must all end before the
activity completes. Scopes also hold the tokens that wait at joins, which is what the
engine needs to decide an inclusive join and to report a deadlock instead of silently
losing a case.

These are runtime objects with ``__slots__``; the frozen process model is never changed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import simpy

    from zsa_sim.engine.graph import Graph, Node


def case_id(service: str, municipality: str, index: int) -> str:
    """The case id written to the event log: ``service:municipality:index``.

    Cases of the initial backlog have negative indices and the ids ``...:B1``, ``...:B2``.
    The one place that decides the format, so a scenario that needs another one changes
    only this function.
    """
    if index < 0:
        return f"{service}:{municipality}:B{-index}"
    return f"{service}:{municipality}:{index}"


def case_ids(service: str, municipality: str, first: int, count: int) -> list[str]:
    """``case_id`` of ``count`` consecutive indices from ``first`` (>= 0), made at once."""
    if first < 0:
        return [case_id(service, municipality, index) for index in range(first, first + count)]
    stem = case_id(service, municipality, 0)[:-1]  # "service:municipality:"
    return [f"{stem}{index}" for index in range(first, first + count)]


class Case:
    """One applicant's case in one service and municipality."""

    __slots__ = (
        "arrival",
        "attributes",
        "deadline",
        "id",
        "index",
        "last_org",
        "municipality",
        "prefix",
        "priority",
        "root",
        "row_attributes",
        "service",
        "visits",
    )

    def __init__(
        self,
        service: str,
        municipality: str,
        index: int,
        attributes: Mapping[str, Any],
        priority: float,
        prefix: tuple,
        row_attributes: tuple,
    ) -> None:
        self.id = prefix[0]
        self.service = service
        self.municipality = municipality
        self.index = index
        self.attributes = attributes
        self.priority = priority
        #: (case_id, service, municipality, variant, replication): the rows' first fields
        self.prefix = prefix
        #: attribute values in the event log's column order
        self.row_attributes = row_attributes
        #: compiled node -> number of times this case reached it
        self.visits: dict[Node, int] = {}
        #: org unit of the case's last finished task (None before the first)
        self.last_org: str | None = None
        self.root: Scope | None = None
        #: when the application arrived (set by the arrival process; NaN if unknown)
        self.arrival = math.nan
        #: due time for earliest-deadline-first queues (set on the first such queue)
        self.deadline = math.nan


class Scope:
    """The tokens of one process level of a case: the case itself or a subprocess body."""

    __slots__ = (
        "active",
        "armed",
        "cancelled",
        "case",
        "done",
        "finished",
        "graph",
        "interrupted",
        "joins",
        "node",
        "or_waiting",
        "parent",
        "parked",
        "tokens",
    )

    def __init__(
        self,
        case: Case,
        graph: Graph,
        parent: Scope | None = None,
        node: Node | None = None,
        done: simpy.Event | None = None,
    ) -> None:
        self.case = case
        self.graph = graph
        self.parent = parent
        #: the subprocess / call activity node in the parent scope (None for the case)
        self.node = node
        #: triggered when the scope completes; its value is an error boundary or None
        self.done = done
        #: live tokens (an ordered set, for deterministic iteration)
        self.tokens: dict[Token, None] = {}
        #: tokens that are running (not parked at a join)
        self.active = 0
        #: tokens parked at joins, waiting for other branches
        self.parked = 0
        #: join node -> number of parked tokens per incoming flow
        self.joins: dict[Node, list[int]] = {}
        #: number of inclusive joins with parked tokens (their rule needs re-checking)
        self.or_waiting = 0
        self.cancelled = False
        self.finished = False
        #: an interrupting event subprocess has taken over the scope
        self.interrupted = False
        #: boundary timers of the subprocess activity that owns this scope
        self.armed: Armed | None = None


class Token:
    """A token's position and what it waits for (for cancellation and the final flush)."""

    __slots__ = (
        "armed_catches",
        "cancelled",
        "case",
        "child",
        "node",
        "pending",
        "process",
        "scope",
        "started",
    )

    def __init__(self, case: Case, scope: Scope) -> None:
        self.case = case
        self.scope = scope
        self.node: Node | None = None
        self.process: simpy.Process | None = None
        self.started = False
        self.cancelled = False
        #: the open activity instance: (node, enabled, start, resource, effort) or None
        self.pending: tuple | None = None
        #: (catch nodes, since) while waiting at an event-based gateway
        self.armed_catches: tuple | None = None
        #: the nested scope while the token waits on a subprocess or call activity
        self.child: Scope | None = None


class Armed:
    """The boundary timers/messages of one activity instance; inactive once it ends."""

    __slots__ = ("active", "since", "token")

    def __init__(self, token: Token, since: float) -> None:
        self.active = True
        self.token = token
        self.since = since
