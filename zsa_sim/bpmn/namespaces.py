"""XML namespaces of BPMN 2.0 and of the modelling tools' extensions.

Elements are always matched by namespace URI, never by prefix: Camunda Modeler writes
``bpmn:task``, Signavio writes ``<task>`` in the default namespace, and both mean
``{http://www.omg.org/spec/BPMN/20100524/MODEL}task``.
"""

from __future__ import annotations

#: BPMN 2.0 semantic model (processes, flow nodes, collaborations).
BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
#: BPMN 2.0 diagram interchange (shapes and edges).
BPMNDI = "http://www.omg.org/spec/BPMN/20100524/DI"
#: OMG diagram definitions: bounds of shapes.
DC = "http://www.omg.org/spec/DD/20100524/DC"
#: OMG diagram interchange: waypoints of edges.
DI = "http://www.omg.org/spec/DD/20100524/DI"
#: XML Schema instance (``xsi:type`` on condition expressions).
XSI = "http://www.w3.org/2001/XMLSchema-instance"
#: Camunda 7 extensions (``camunda:properties``) written by Camunda Modeler.
CAMUNDA = "http://camunda.org/schema/1.0/bpmn"
#: Camunda 8 extensions (``zeebe:properties``) written by Camunda Modeler for Camunda 8.
ZEEBE = "http://camunda.org/schema/zeebe/1.0"
#: Signavio Process Editor's meta data (``signavio:signavioMetaData``).
SIGNAVIO = "http://www.signavio.com"
#: BPSim 1.0 simulation parameters (``bpsim:ElementParameters``).
BPSIM = "http://www.bpsim.org/schemas/1.0"
#: zsa-sim's own extension attributes and elements (``zsa:centralisable="true"``).
ZSA = "urn:zsa-sim:bpmn:1.0"


def qname(namespace: str, local: str) -> str:
    """The ElementTree tag of an element: ``{namespace}local``."""
    return f"{{{namespace}}}{local}"


def split_tag(tag: object) -> tuple[str, str]:
    """Split an ElementTree tag into (namespace URI, local name); comments give ('', '')."""
    if not isinstance(tag, str):
        return "", ""
    if tag.startswith("{"):
        namespace, _, local = tag[1:].partition("}")
        return namespace, local
    return "", tag
