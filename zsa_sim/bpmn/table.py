"""The process model as readable tables, for ``zsa-sim inspect``.

A process designer checks what zsa-sim understood from a BPMN file: which nodes, in
which lane, connected how; what each gateway decides on; which boundary events can
interrupt which activity; which tasks the central unit may do and which is the decision.
:func:`inspect_model` builds that as plain data (:class:`Section` rows of strings), and
two renderers print it: aligned plain text (deterministic, for pipes and tests) and
``rich`` tables for a terminal.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.console import Console
from rich.table import Table
from rich.text import Text

from zsa_sim.bpmn.model import (
    CENTRALISABLE_PROPERTY,
    Activity,
    BoundaryEvent,
    Definitions,
    Event,
    Gateway,
    Process,
    SubProcess,
    Task,
)
from zsa_sim.errors import BpmnError


@dataclass(frozen=True)
class Section:
    """One titled table."""

    title: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Inspection:
    """What ``inspect`` shows: a header of key/values, then tables."""

    summary: tuple[tuple[str, str], ...]
    sections: tuple[Section, ...]


def inspect_model(defs: Definitions) -> Inspection:
    """Summary and tables for every process of the file and its subprocesses."""
    try:
        process, why = defs.main_process_choice
        main = f"{process.id} ({why})"
        if why.startswith(("executable", "the only one", "most tasks", "first")):
            main += "; a scenario chooses another with services.<key>.process"
    except BpmnError:
        main = "(none: no process has a start event)"
    pools = [
        f"{p.id} ({p.name or '-'}) -> " + (p.process_ref or "black box") for p in defs.participants
    ]
    summary = [
        ("File", defs.source),
        ("Exporter", defs.exporter or "-"),
        ("Processes", ", ".join(_process_title(p) for p in defs.processes.values()) or "-"),
        ("Main process", main),
        ("Pools", "; ".join(pools) or "-"),
        ("Message flows", str(len(defs.message_flows))),
    ]
    if defs.called_processes:
        summary.append(("From sibling files", ", ".join(defs.called_processes)))
    for note in defs.notes:  # what the reader tolerated (validate lists them as warnings)
        summary.append(("Note", note))
    black_boxes = [
        f"{node.id} ({reason})"
        for process in defs.processes.values()
        for node in process.walk()
        if (reason := defs.black_box_reason(node)) is not None
    ]
    if black_boxes:
        # warned: they run as one task each, with an effort from the scenario
        summary.append(("Black boxes (worked as tasks)", "; ".join(black_boxes)))
    sections: list[Section] = []
    for process in (*defs.processes.values(), *defs.called_processes.values()):
        _scope_sections(process, f"Process {_process_title(process)}", sections)
    return Inspection(tuple(summary), tuple(sections))


def _process_title(process: Process) -> str:
    return f"{process.id} ({process.name})" if process.name else process.id


def _scope_sections(scope: Process, title: str, sections: list[Section]) -> None:
    if scope.lanes and not title.startswith("Subprocess"):
        sections.append(
            Section(
                f"{title}: lanes",
                ("lane", "name", "parent", "role", "marks"),
                tuple(
                    (lane.id, lane.name, lane.parent or "", lane.role, _mark(lane.centralisable))
                    for lane in scope.lanes
                ),
            )
        )
    sections.append(Section(f"{title}: nodes", _NODE_HEADERS, _node_rows(scope)))
    branches = _branch_rows(scope)
    if branches:
        sections.append(
            Section(f"{title}: branches", ("gateway", "flow", "to", "condition"), branches)
        )
    boundaries = _boundary_rows(scope)
    if boundaries:
        sections.append(
            Section(
                f"{title}: boundary events",
                ("event", "name", "attached to", "trigger", "interrupting", "timer"),
                boundaries,
            )
        )
    for node in scope.nodes.values():
        if isinstance(node, SubProcess):
            _scope_sections(node.body, f"Subprocess {node.id} in {scope.id}", sections)


_NODE_HEADERS = ("id", "name", "type", "lane", "from", "to", "marks")


def _node_rows(scope: Process) -> tuple[tuple[str, ...], ...]:
    rows = []
    for node in scope.nodes.values():
        kind = node.kind
        if isinstance(node, Event) and node.definition.timer is not None:
            kind = f"{kind} (timer {node.definition.timer.expression})"
        elif isinstance(node, Event) and node.definition.kind != "none":
            kind = f"{kind} ({node.definition.kind})"
        sources = ", ".join(scope.flows[f].source for f in node.incoming)
        targets = ", ".join(scope.flows[f].target for f in node.outgoing)
        marks = _marks(scope, node)
        rows.append((node.id, node.name, kind, node.lane or "", sources, targets, marks))
    return tuple(rows)


def _marks(scope: Process, node: object) -> str:
    marks = _construct_marks(node)
    if not isinstance(node, Task):
        return ", ".join(marks)
    if _centralisable(scope, node):
        marks.append("centralisable")
    if node.is_decision:
        marks.append("decision")
    return ", ".join(marks)


def _construct_marks(node: object) -> list[str]:
    """Loop, multi-instance and event subprocess markers (what the diagram draws)."""
    marks = []
    loop = getattr(node, "loop", None)
    if loop is not None:
        marks.append("loop" if loop.kind == "standard" else f"multi-instance ({loop.kind})")
    if getattr(node, "triggered_by_event", False):
        marks.append("event subprocess")
    return marks


def _centralisable(scope: Process, task: Task) -> bool:
    """The task's own ``zsa:centralisable`` if set, else its lane's or an enclosing one's
    (the same rule the scenario layer applies)."""
    if CENTRALISABLE_PROPERTY in task.properties:
        return task.centralisable
    lanes = {lane.id: lane for lane in scope.lanes}
    lane_id, seen = task.lane, set()
    while lane_id in lanes and lane_id not in seen:
        seen.add(lane_id)
        if lanes[lane_id].centralisable:
            return True
        lane_id = lanes[lane_id].parent
    return False


def _mark(flag: bool) -> str:
    return "centralisable" if flag else ""


def _branch_rows(scope: Process) -> tuple[tuple[str, ...], ...]:
    rows = []
    for node in scope.nodes.values():
        if not isinstance(node, Gateway | Activity) or len(node.outgoing) < 2:
            continue
        for flow in scope.outgoing_flows(node.id):
            condition = "default" if flow.id == node.default_flow else flow.condition or "-"
            rows.append((node.id, flow.id, flow.target, condition))
    return tuple(rows)


def _boundary_rows(scope: Process) -> tuple[tuple[str, ...], ...]:
    rows = []
    for node in scope.nodes.values():
        if isinstance(node, BoundaryEvent):
            timer = node.definition.timer
            rows.append(
                (
                    node.id,
                    node.name,
                    node.attached_to,
                    node.definition.kind,
                    "yes" if node.cancel_activity else "no",
                    f"{timer.kind} {timer.expression}" if timer else "",
                )
            )
    return tuple(rows)


def render_plain(inspection: Inspection) -> str:
    """Aligned plain text, the same on every machine (no colours, no box characters)."""
    width = max(len(key) for key, _ in inspection.summary) + 1
    lines = [f"{key + ':':<{width}} {value}" for key, value in inspection.summary]
    for section in inspection.sections:
        lines += ["", section.title, *_aligned(section.headers, section.rows)]
    return "\n".join(lines) + "\n"


def _aligned(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(str(r[i])) for r in (headers, *rows)) for i in range(len(headers))]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(f"{c:<{w}}" for c, w in zip(cells, widths, strict=True)).rstrip()

    return [line(headers), line(["-" * w for w in widths]), *(line(r) for r in rows)]


def render_rich(inspection: Inspection, console: Console) -> None:
    """Print the inspection as rich tables (for a terminal)."""
    summary = Table.grid(padding=(0, 2))
    for key, value in inspection.summary:
        summary.add_row(Text(key, style="bold"), Text(value))
    console.print(summary)
    for section in inspection.sections:
        table = Table(title=section.title, title_justify="left", show_lines=False)
        for i, header in enumerate(section.headers):
            table.add_column(header, overflow="fold", no_wrap=i == 0)  # ids stay whole
        for row in section.rows:
            table.add_row(*(Text(cell) for cell in row))  # no markup in model text
        console.print()
        console.print(table)
