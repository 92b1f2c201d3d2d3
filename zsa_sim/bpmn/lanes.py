"""Lanes: who works where.

A process's ``laneSet`` holds lanes, and a lane may hold a ``childLaneSet`` of lanes
nested in it (e.g. "Steueramt" split into two teams). A lane lists its flow nodes with
``flowNodeRef``; modelling tools list a node in a nested lane *and* in every lane
around it, so a node's lane is the innermost (deepest) lane that lists it. Lanes carry
their staff role as the extension property ``zsa:role``; without it the role is the
lane's name (see :attr:`zsa_sim.bpmn.model.Lane.role`). A ``flowNodeRef`` to an element
that is not in the file is noted and skipped.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from xml.etree.ElementTree import Element

from zsa_sim.bpmn.context import ReadContext, bpmn_children, clean_name, require_id
from zsa_sim.bpmn.extensions import properties_of
from zsa_sim.bpmn.model import Bounds, Diagram, Lane, frozen_mapping


def read_lanes(ctx: ReadContext, scope: Element, parent: str | None = None) -> tuple[Lane, ...]:
    """All lanes of the scope's lane sets, parents before their children (file order).

    ``parent`` is the lane the scope itself lies in (for a subprocess with lanes of its
    own), so role lookups that climb the lane hierarchy end in the enclosing lane.
    """
    lanes: list[Lane] = []
    stack: list[tuple[Element, str | None]] = [
        (lane, parent)
        for local, lane_set in reversed(bpmn_children(scope))
        if local == "laneSet"
        for lane in reversed(_lanes_in(lane_set))
    ]
    while stack:  # depth first without recursion
        element, parent = stack.pop()
        lane = _read_lane(ctx, element, parent)
        lanes.append(lane)
        for local, child_set in reversed(bpmn_children(element)):
            if local == "childLaneSet":
                stack.extend((child, lane.id) for child in reversed(_lanes_in(child_set)))
    return tuple(lanes)


def _lanes_in(lane_set: Element) -> list[Element]:
    return [lane for local, lane in bpmn_children(lane_set) if local == "lane"]


def _read_lane(ctx: ReadContext, element: Element, parent: str | None) -> Lane:
    lane_id = require_id(ctx, element)
    node_ids = []
    for local, ref in bpmn_children(element):
        if local != "flowNodeRef":
            continue
        text = (ref.text or "").strip()
        node_id = ctx.known_ref(text)
        if node_id is None:
            # tools leave such references behind when an element is deleted; the lane
            # is still right about the others, so this is a warning, not a refusal
            ctx.note(f"lane '{lane_id}': flowNodeRef '{text}' refers to no element (ignored)")
            continue
        node_ids.append(node_id)
    properties = properties_of(element)
    properties.update(ctx.extras.get(lane_id, {}))
    return Lane(
        id=lane_id,
        name=clean_name(element),
        node_ids=tuple(node_ids),
        parent=parent,
        properties=frozen_mapping(properties),
    )


def innermost_listed(ctx: ReadContext, node_id: str, lanes: Iterable[Lane]) -> str | None:
    """The deepest lane whose flowNodeRef lists the node, or None.

    Two lanes at the same depth listing one node contradict each other: the lane the
    node is drawn in decides (noted); without a drawing that is an error, since the
    node's staff role would be a guess.
    """
    lanes = tuple(lanes)
    parents = {lane.id: lane.parent for lane in lanes}
    listed = [lane.id for lane in lanes if node_id in lane.node_ids]
    if not listed:
        return None
    depth = {lane_id: _depth(lane_id, parents) for lane_id in listed}
    deepest = max(depth.values())
    candidates = [lane_id for lane_id in listed if depth[lane_id] == deepest]
    if len(candidates) > 1:
        drawn = lane_containing(node_id, [x for x in lanes if x.id in candidates], ctx.diagram)
        if drawn is not None:
            ctx.note(
                f"flow node '{node_id}' is listed in lanes "
                + " and ".join(f"'{c}'" for c in candidates)
                + f"; it is drawn in '{drawn}', which is taken"
            )
            return drawn
        raise ctx.error(
            f"flow node '{node_id}' is listed in lanes "
            + " and ".join(f"'{c}'" for c in candidates)
            + "; it can lie in one lane only"
        )
    return candidates[0]


def _depth(lane_id: str, parents: Mapping[str, str | None]) -> int:
    depth, current, seen = 0, parents.get(lane_id), {lane_id}
    while current is not None and current not in seen:
        seen.add(current)
        depth += 1
        current = parents.get(current)
    return depth


def lane_containing(node_id: str, lanes: Iterable[Lane], diagram: Diagram | None) -> str | None:
    """The innermost lane whose shape contains the centre of the node's shape, if any.

    Innermost means deepest in the lane hierarchy; among equally deep lanes (which
    should not overlap) the smallest one wins.
    """
    if diagram is None or node_id not in diagram.shapes:
        return None
    node = diagram.shapes[node_id]
    cx, cy = node.x + node.width / 2, node.y + node.height / 2
    lanes = tuple(lanes)
    parents = {lane.id: lane.parent for lane in lanes}
    best: tuple[int, float, str] | None = None
    for lane in lanes:
        box = diagram.shapes.get(lane.id)
        if box is None or not _contains(box, cx, cy):
            continue
        rank = (-_depth(lane.id, parents), box.width * box.height, lane.id)
        if best is None or rank < best:
            best = rank
    return best[2] if best else None


def _contains(box: Bounds, x: float, y: float) -> bool:
    return box.x <= x <= box.x + box.width and box.y <= y <= box.y + box.height
