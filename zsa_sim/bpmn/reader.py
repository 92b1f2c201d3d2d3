"""Read a BPMN 2.0 file into a frozen :class:`~zsa_sim.bpmn.model.Definitions`.

Works with the files Camunda Modeler, bpmn.io and Signavio write: elements are matched
by namespace URI (``bpmn:task`` and a default-namespace ``<task>`` are the same), vendor
extensions are kept as properties, and a file without a diagram section or with several
processes is fine. The XML is parsed safely (:mod:`zsa_sim.bpmn.safe_xml`).

Everything that cannot be read or simulated raises a one-line
:class:`~zsa_sim.errors.BpmnError` naming the file and the element id: duplicate BPMN
ids, sequence flows to ids that do not exist or between processes, elements the engine
does not simulate. What does not change how a case runs is tolerated and noted in
:attr:`Definitions.notes` (``validate`` shows the notes as warnings): a lane or message
flow naming a missing element, a pool whose process is not in the file, BPSim
parameters for a missing element, a shape with broken coordinates. A call activity's
``calledElement`` is looked up in the same file first, then in the sibling ``*.bpmn``
files of the same folder.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from xml.etree.ElementTree import Element

from zsa_sim.bpmn.conditions import normalise_conditions
from zsa_sim.bpmn.context import (
    ReadContext,
    bpmn_children,
    clean_name,
    require_id,
    require_ref,
)
from zsa_sim.bpmn.diagram import read_diagram
from zsa_sim.bpmn.elements import read_process
from zsa_sim.bpmn.extensions import bpsim_parameters
from zsa_sim.bpmn.model import (
    CallActivity,
    Definitions,
    MessageFlow,
    Participant,
    Process,
    frozen_mapping,
)
from zsa_sim.bpmn.namespaces import BPMN, BPMNDI, DC, DI, split_tag
from zsa_sim.bpmn.safe_xml import DEFAULT_MAX_BYTES, parse_xml_file
from zsa_sim.errors import BpmnError

#: namespaces whose ids count: BPMN's own and its diagram interchange. Vendor
#: extension elements (ADONIS, Signavio stencils, Visual Paradigm, ``principal``)
#: repeat ids freely and are never referred to by BPMN references.
_ID_NAMESPACES = frozenset({BPMN, BPMNDI, DC, DI})

#: elements whose children are flow elements of a scope of their own.
_SCOPES = frozenset({"process", "subProcess", "transaction", "adHocSubProcess"})


def read_bpmn(path: str | Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Definitions:
    """Read a BPMN 2.0 file, resolving call activities against sibling files.

    ``max_bytes`` limits the size of every file read (this one and its siblings).
    """
    definitions = _read_file(path, max_bytes)
    unreadable: list[str] = []
    called = _resolve_calls(definitions, Path(path), max_bytes, unreadable)
    return replace(
        definitions,
        called_processes=frozen_mapping(called),
        unreadable_siblings=tuple(unreadable),
    )


def _read_file(path: str | Path, max_bytes: int) -> Definitions:
    source = str(path)
    root = parse_xml_file(path, max_bytes=max_bytes)
    _normalise_namespaces(root)
    namespace, local = split_tag(root.tag)
    if (namespace, local) != (BPMN, "definitions"):
        raise BpmnError(
            f"not a BPMN 2.0 file: the root element is {local!r} in namespace "
            f"{namespace or '(none)'!r}, expected 'definitions' in {BPMN!r}",
            source=source,
        )
    notes: list[str] = []
    ctx = ReadContext(
        source=source,
        ids=_index_ids(root, source),
        scope_of=_index_scopes(root),
        extras=bpsim_parameters(root),
        diagram=read_diagram(root, source, notes),
        notes=notes,
        shared_definitions={
            child.get("id", ""): child
            for local, child in bpmn_children(root)
            if local.endswith("EventDefinition") and child.get("id")
        },
    )
    for ref in ctx.extras:
        if ref not in ctx.ids:
            ctx.note(f"BPSim ElementParameters: elementRef '{ref}' refers to no element (ignored)")
    processes: dict[str, Process] = {}
    for local_name, child in bpmn_children(root):
        if local_name == "process":
            process = normalise_conditions(read_process(ctx, child), ctx.notes)
            processes[process.id] = process
    participants, message_flows = _read_collaborations(ctx, root, processes)
    return Definitions(
        source=source,
        processes=frozen_mapping(processes),
        participants=participants,
        message_flows=message_flows,
        diagram=ctx.diagram,
        exporter=(root.get("exporter") or "").strip(),
        notes=tuple(ctx.notes),
    )


#: namespaces of BPMN 2.0 drafts that older tools still write -> the final ones.
_DRAFT_NAMESPACES = {
    "http://www.omg.org/spec/BPMN/20100501/MODEL": BPMN,
    "http://schema.omg.org/spec/BPMN/2.0": BPMN,
    "http://www.omg.org/spec/BPMN/20100501/DI": BPMNDI,
    "http://www.omg.org/spec/DD/20100501/DC": DC,
    "http://www.omg.org/spec/DD/20100501/DI": DI,
}


def _normalise_namespaces(root: Element) -> None:
    """Rename elements of BPMN 2.0 draft namespaces to the final ones, in place."""
    namespace, _ = split_tag(root.tag)
    if namespace not in _DRAFT_NAMESPACES:
        return
    for element in root.iter():
        namespace, local = split_tag(element.tag)
        if namespace in _DRAFT_NAMESPACES:
            element.tag = f"{{{_DRAFT_NAMESPACES[namespace]}}}{local}"


def _index_ids(root: Element, source: str) -> dict[str, str]:
    """Every BPMN and DI id of the document -> its element's local name.

    Duplicates are errors; ids on vendor extension elements, and on anything inside an
    ``extensionElements`` (whatever its namespace), do not count.
    """
    ids: dict[str, str] = {}
    stack = [root]
    while stack:  # depth first without recursion, skipping extension subtrees
        element = stack.pop()
        namespace, local = split_tag(element.tag)
        if namespace == BPMN and local == "extensionElements":
            continue
        stack.extend(reversed(list(element)))
        element_id = element.get("id")
        if not element_id or namespace not in _ID_NAMESPACES:
            continue
        if element_id in ids:
            raise BpmnError(
                f"duplicate id '{element_id}' (on a {ids[element_id]} and a {local})",
                source=source,
            )
        ids[element_id] = local
    return ids


def _index_scopes(root: Element) -> dict[str, str]:
    """Every flow element id -> the id of the process or subprocess it lies in."""
    scope_of: dict[str, str] = {}
    stack = [(p.get("id", ""), p) for local, p in bpmn_children(root) if local == "process"]
    while stack:
        scope_id, scope = stack.pop()
        for local, child in bpmn_children(scope):
            child_id = child.get("id")
            if child_id:
                scope_of[child_id] = scope_id
                if local in _SCOPES:
                    stack.append((child_id, child))
    return scope_of


def _read_collaborations(
    ctx: ReadContext, root: Element, processes: dict[str, Process]
) -> tuple[tuple[Participant, ...], tuple[MessageFlow, ...]]:
    participants: list[Participant] = []
    message_flows: list[MessageFlow] = []
    for local, collaboration in bpmn_children(root):
        if local != "collaboration":
            continue
        for kind, child in bpmn_children(collaboration):
            if kind == "participant":
                participant_id = require_id(ctx, child)
                ref = (child.get("processRef") or "").strip() or None
                if ref is not None and ref not in processes:
                    ref = ctx.known_ref(ref) or ref
                if ref is not None and ref not in processes:
                    ctx.note(
                        f"participant '{participant_id}': processRef '{ref}' names no process "
                        "of the file (a black-box pool)"
                    )
                    ref = None
                participants.append(Participant(participant_id, clean_name(child), ref))
            elif kind == "messageFlow":
                try:
                    message_flows.append(
                        MessageFlow(
                            id=require_id(ctx, child),
                            source=require_ref(ctx, child, "sourceRef"),
                            target=require_ref(ctx, child, "targetRef"),
                            name=clean_name(child),
                        )
                    )
                except BpmnError as err:  # message flows only document: never refuse
                    ctx.note(f"{err.detail} (message flow ignored)")
    return tuple(participants), tuple(message_flows)


def _resolve_calls(
    definitions: Definitions, path: Path, max_bytes: int, unreadable: list[str]
) -> dict[str, Process]:
    """Processes from sibling files that call activities (transitively) refer to; a
    call to a process in no file stays a black box (``Definitions.black_box_reason``)."""
    known: dict[str, Process] = dict(definitions.processes)
    found: dict[str, Process] = {}
    pending = [(call, "") for call in _calls(known.values()) if call.called_element]
    siblings: list[tuple[Path, Definitions]] | None = None
    while pending:
        call, _origin = pending.pop(0)
        if call.called_element in known:
            continue
        if siblings is None:
            siblings = _load_siblings(path, max_bytes, unreadable)
        match = next(
            ((file, d) for file, d in siblings if call.called_element in d.processes), None
        )
        if match is None:
            # a black box with an effort of its own (Definitions.black_box_reason);
            # validate warns about it
            continue
        file, sibling = match
        process = sibling.processes[call.called_element]
        known[process.id] = found[process.id] = process
        pending.extend((inner, file.name) for inner in _calls([process]) if inner.called_element)
    return found


def _calls(processes: Iterable[Process]) -> list[CallActivity]:
    return [
        node for process in processes for node in process.walk() if isinstance(node, CallActivity)
    ]


def _load_siblings(
    path: Path, max_bytes: int, unreadable: list[str]
) -> list[tuple[Path, Definitions]]:
    """The other *.bpmn files of the folder, by name; unreadable ones are noted."""
    loaded = []
    here = path.resolve()
    for sibling in sorted(path.parent.glob("*.bpmn")):
        if sibling.resolve() == here:
            continue
        try:
            loaded.append((sibling, _read_file(sibling, max_bytes)))
        except BpmnError:
            unreadable.append(sibling.name)
    return loaded
