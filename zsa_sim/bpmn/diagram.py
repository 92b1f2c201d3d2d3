"""Diagram interchange (BPMNDI): where shapes and edges are drawn.

The engine never needs the drawing, but two things do: charts and reports that show the
model, and lane membership of nodes inside an embedded subprocess, which BPMN tools do
not always list in the lane's ``flowNodeRef`` but always draw inside the lane (see
:func:`zsa_sim.bpmn.lanes.lane_containing`).
"""

from __future__ import annotations

from xml.etree.ElementTree import Element

from zsa_sim.bpmn.model import Bounds, Diagram, frozen_mapping
from zsa_sim.bpmn.namespaces import BPMNDI, DC, DI, qname
from zsa_sim.errors import BpmnError


def read_diagram(root: Element, source: str, notes: list[str] | None = None) -> Diagram | None:
    """Shapes and edges of all BPMNDiagram sections; None if the file has none.

    A shape or edge with coordinates that are not numbers is left out and noted in
    ``notes`` (the drawing is not needed to simulate); without ``notes`` it is an error.
    """
    diagrams = root.findall(qname(BPMNDI, "BPMNDiagram"))
    if not diagrams:
        return None
    shapes: dict[str, Bounds] = {}
    edges: dict[str, tuple[tuple[float, float], ...]] = {}
    for diagram in diagrams:
        for shape in diagram.iter(qname(BPMNDI, "BPMNShape")):
            element_id = _local_ref(shape.get("bpmnElement"))
            bounds = shape.find(qname(DC, "Bounds"))
            if element_id and bounds is not None and element_id not in shapes:
                try:
                    shapes[element_id] = Bounds(
                        *(
                            _number(bounds, name, shape, source)
                            for name in ("x", "y", "width", "height")
                        )
                    )
                except BpmnError as err:
                    _tolerate(err, notes)
        for edge in diagram.iter(qname(BPMNDI, "BPMNEdge")):
            element_id = _local_ref(edge.get("bpmnElement"))
            if element_id and element_id not in edges:
                try:
                    edges[element_id] = tuple(
                        (_number(point, "x", edge, source), _number(point, "y", edge, source))
                        for point in edge.findall(qname(DI, "waypoint"))
                    )
                except BpmnError as err:
                    _tolerate(err, notes)
    return Diagram(shapes=frozen_mapping(shapes), edges=frozen_mapping(edges))


def _tolerate(err: BpmnError, notes: list[str] | None) -> None:
    if notes is None:
        raise err
    notes.append(f"{err.detail} (left out of the drawing)")


def _local_ref(ref: str | None) -> str | None:
    """A bpmnElement reference without a QName prefix (``tns:Task_1`` -> ``Task_1``)."""
    return ref.strip().rpartition(":")[2] if ref else ref


def _number(element: Element, name: str, owner: Element, source: str) -> float:
    text = element.get(name)
    try:
        return float(text)  # type: ignore[arg-type]
    except (TypeError, ValueError) as err:
        raise BpmnError(
            f"diagram element '{owner.get('id', owner.get('bpmnElement', '?'))}': "
            f"{name}={text!r} is not a number",
            source=source,
        ) from err
