"""Token-game places and the replay moves of the richer BPMN constructs.

:mod:`zsa_sim.eventlog.conformance` replays a case's rows as a token game; this module
holds its state helpers (a state is a sorted tuple of places) and the moves for loops
and multi-instance activities, event subprocesses, escalations and link events, so the
replay's core stays readable. See the conformance module's docstring for what each
place means.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from zsa_sim.bpmn.model import (
    BoundaryEvent,
    CallActivity,
    FlowNode,
    IntermediateCatchEvent,
    IntermediateThrowEvent,
    Process,
    StartEvent,
    SubProcess,
    Task,
)

Path = tuple[str, ...]
Place = tuple
State = tuple[Place, ...]


class ConstructMoves:
    """Replay moves of loops, event subprocesses, escalations and links (a mixin of the
    replay model, which provides ``scopes``, ``where``, ``node`` and ``_body_end``)."""

    scopes: dict[Path, Process]
    where: Mapping[str, list[Path]]
    _rows_of: dict[str, int]

    def node(self, path: Path, node_id: str) -> FlowNode:
        """The flow node ``node_id`` of the scope at ``path``."""
        return self.scopes[path].nodes[node_id]

    def _event_scope(self, start_id: str) -> Path:
        """The path of the scope an event subprocess (by its start event) lies in."""
        for path in self.where[start_id]:
            if path:
                return path[:-1]
        return ()

    def _loop(self, path: Path, node_id: str) -> bool:
        node = self.scopes[path].nodes.get(node_id)
        return isinstance(node, Task | SubProcess | CallActivity) and node.loop is not None

    def _ends_case(self, path: Path) -> bool:
        """True for the body of an interrupting event subprocess of the main process:
        its end events are rows, as the main process's are."""
        if len(path) != 1:
            return False
        node = self.scopes[()].nodes.get(path[0])
        if not (isinstance(node, SubProcess) and node.triggered_by_event):
            return False
        starts = node.body.start_events
        return bool(starts) and starts[0].interrupting

    def _has_body(self, path: Path, node_id: str) -> bool:
        """True for a subprocess or call activity with a body (not a black box)."""
        body = (*path, node_id)
        return body in self.scopes and bool(self.scopes[body].start_events)

    def _link_catch(self, path: Path, throw: IntermediateThrowEvent) -> str:
        for node in self.scopes[path].nodes.values():
            if (
                isinstance(node, IntermediateCatchEvent)
                and node.definition.kind == "link"
                and node.definition.ref == throw.definition.ref
            ):
                return node.id
        return ""

    def _instance(self, state: State, path: Path, node: FlowNode) -> Iterator[State]:
        """One instance of a loop or multi-instance activity completes."""
        if not self._has_body(path, node.id):
            if ("m", path, node.id) in state:
                yield state
            return
        running = ("r", path, node.id)
        count = state.count(running)
        if count > 1 or (count == 1 and not _inside(state, (*path, node.id))):
            yield _take(state, running)
        for place in set(state):  # an instance ended in an error its boundary caught
            if place[0] == "c" and place[1] == path and place[2] == node.id:
                yield _put(_take(state, place), [("x", path, node.id, place[3])])

    def _event_start(self, state: State, path: Path, start: StartEvent) -> Iterator[State]:
        """The start event of an event subprocess fires (its row), in scope path[:-1]."""
        scope, esp = path[:-1], path[-1]
        if start.interrupting and ("r", scope, esp) in state:
            return
        due = ("e", scope, esp)
        if start.definition.kind in ("error", "escalation"):
            if due not in state:
                return
            state = _take(state, due)
        elif scope and not any(p[0] == "r" and (*p[1], p[2]) == scope for p in state):
            return  # its enclosing subprocess does not run
        elif not scope and not state:
            return
        if start.interrupting:
            state = _clear(state, scope)
        yield _put(state, [("r", scope, esp), *_flows(path, start.outgoing)])

    def _loop_moves(self, state: State, place: Place) -> Iterator[State]:
        """A running loop activity starts its next subprocess instance, or completes."""
        _, path, node_id = place
        node = self.node(path, node_id)
        body = (*path, node_id)
        running = state.count(("r", path, node_id))
        if not running and not _inside(state, body):
            yield _put(_take(state, place), _flows(path, node.outgoing))
        if not self._has_body(path, node_id) or running >= self._rows_of.get(node_id, 0):
            return
        sequential = node.loop is not None and node.loop.kind != "parallel"  # type: ignore[attr-defined]
        if sequential and running:
            return
        starts = self.scopes[body].start_events if body in self.scopes else ()
        inner = _flows(body, starts[0].outgoing) if starts else []
        yield _put(state, [("r", path, node_id), *inner])

    def _handler(self, path: Path, kind: str, ref: str) -> str | None:
        """The event subprocess of this scope an error/escalation ``ref`` starts, if any."""
        for node in self.scopes[path].nodes.values():
            if isinstance(node, SubProcess) and node.triggered_by_event:
                starts = node.body.start_events
                definition = starts[0].definition if starts else None
                if (
                    definition is not None
                    and definition.kind == kind
                    and (not definition.ref or not ref or definition.ref == ref)
                ):
                    return node.id
        return None

    def _escalation_due(self, path: Path, ref: str) -> list[Place]:
        """An escalation thrown in ``path``: the event subprocess start it makes due (none
        if a boundary event catches it first; the boundary's row is then free)."""
        while True:
            handler = self._handler(path, "escalation", ref)
            if handler is not None:
                return [("e", path, handler)]
            if not path:
                return []
            parent, container = path[:-1], path[-1]
            for boundary in self.scopes[parent].nodes.values():
                if (
                    isinstance(boundary, BoundaryEvent)
                    and boundary.attached_to == container
                    and boundary.definition.kind == "escalation"
                    and (not boundary.definition.ref or not ref or boundary.definition.ref == ref)
                ):
                    return []
            path = parent


def _flows(path: Path, flow_ids: Iterable[str]) -> list[Place]:
    return [("f", path, f) for f in flow_ids]


def _incoming_tokens(state: State, path: Path, node: FlowNode) -> list[Place]:
    found = [("f", path, f) for f in dict.fromkeys(node.incoming) if ("f", path, f) in state]
    if ("l", path, node.id) in state:  # a link catch, reached by its throw
        found.append(("l", path, node.id))
    return found


def _take(state: State, place: Place) -> State:
    i = state.index(place)
    return state[:i] + state[i + 1 :]


def _put(state: State, places: Iterable[Place]) -> State:
    return tuple(sorted((*state, *places)))


def _inside(state: State, path: Path) -> bool:
    n = len(path)
    return any(place[1][:n] == path for place in state)


def _clear(state: State, path: Path) -> State:
    n = len(path)
    return tuple(place for place in state if place[1][:n] != path)
