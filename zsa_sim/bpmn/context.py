"""What the reader knows about the whole file while it reads one element.

Reading one process needs facts about the whole document: every id (to tell a dangling
reference from one to an element that is simply not executable), which process or
subprocess each flow element lies in (sequence flows must not cross), BPSim parameters
addressed by id from elsewhere in the file, and the diagram (lane membership by
drawing). :class:`ReadContext` carries them, and the helpers here build the one-line
errors every reader module raises.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import field
from xml.etree.ElementTree import Element

from zsa_sim.bpmn.model import Diagram
from zsa_sim.bpmn.namespaces import BPMN, split_tag
from zsa_sim.errors import BpmnError
from zsa_sim.records import frozen_record


@frozen_record()
class ReadContext:
    """Document-wide facts for reading one element of a BPMN file."""

    source: str
    #: every id in the document -> the local name of the element that carries it.
    ids: Mapping[str, str]
    #: every flow element id -> id of the process or subprocess it lies in.
    scope_of: Mapping[str, str]
    #: BPSim parameters by elementRef (see :func:`extensions.bpsim_parameters`).
    extras: Mapping[str, Mapping[str, str]]
    diagram: Diagram | None
    #: event definitions declared at the top level (for ``eventDefinitionRef``), by id.
    shared_definitions: Mapping[str, Element] = field(default_factory=dict)
    #: what the reader tolerated and the designer should hear of (``validate`` shows it).
    notes: list[str] = field(default_factory=list)

    def error(self, message: str) -> BpmnError:
        """A BpmnError for this file."""
        return BpmnError(message, source=self.source)

    def note(self, message: str) -> None:
        """Remember something tolerated, e.g. a lane listing an element that is not there."""
        if message not in self.notes:
            self.notes.append(message)

    def known_ref(self, ref: str) -> str | None:
        """The id a reference names, or None: ``ns:Task_1`` names ``Task_1`` (QName).

        BPMN's references are QNames; most tools write the bare id, some (ARIS,
        Enterprise Architect, several XSLT exports) prefix it with a namespace prefix.
        """
        ref = ref.strip()
        if ref in self.ids:
            return ref
        _, colon, local = ref.partition(":")
        if colon and local in self.ids:
            return local
        return None


def element_label(element: Element) -> str:
    """``'Gw_7' (Prüfung)`` for messages; ``(Prüfung)`` alone when the id is missing."""
    element_id = element.get("id")
    name = " ".join((element.get("name") or "").split())
    if element_id is None:
        return f"without id ({name})" if name else "without id"
    return f"'{element_id}' ({name})" if name else f"'{element_id}'"


def unsupported(ctx: ReadContext, element: Element, reason: str) -> BpmnError:
    """The error for an element the engine cannot simulate, naming its id and type."""
    _, local = split_tag(element.tag)
    return ctx.error(
        f"element {element_label(element)} of type {local} cannot be simulated: {reason}"
    )


def require_id(ctx: ReadContext, element: Element) -> str:
    """The element's id; an element that other elements cannot refer to is an error."""
    element_id = element.get("id")
    if not element_id:
        _, local = split_tag(element.tag)
        name = clean_name(element)
        raise ctx.error(f"a {local} element" + (f" named {name!r}" if name else "") + " has no id")
    return element_id


def require_ref(ctx: ReadContext, element: Element, attribute: str) -> str:
    """An id-valued attribute that must be present and name an element of the file."""
    ref = (element.get(attribute) or "").strip()
    _, local = split_tag(element.tag)
    if not ref:
        raise ctx.error(f"{local} {element_label(element)} has no {attribute}")
    known = ctx.known_ref(ref)
    if known is None:
        raise ctx.error(
            f"{local} {element_label(element)}: {attribute} '{ref}' refers to no element "
            "of the file"
        )
    return known


def optional_ref(ctx: ReadContext, element: Element, attribute: str) -> str | None:
    """An optional id-valued attribute (e.g. ``default``), a QName prefix removed."""
    ref = (element.get(attribute) or "").strip()
    if not ref:
        return None
    return ctx.known_ref(ref) or ref


def bpmn_children(element: Element) -> list[tuple[str, Element]]:
    """(local name, child) for the element's children in the BPMN namespace, in order."""
    found = []
    for child in element:
        namespace, local = split_tag(child.tag)
        if namespace == BPMN:
            found.append((local, child))
    return found


def clean_name(element: Element) -> str:
    """The element's name with line breaks and runs of blanks made single spaces."""
    return " ".join((element.get("name") or "").split())
