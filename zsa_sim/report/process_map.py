"""The process map: each BPMN model drawn from its diagram coordinates, tasks coloured
by their mean waiting time.

The model is read from the copy kept in the results folder (``inputs/``), so the map
shows exactly the model that was simulated, laid out as its author drew it in the
modelling tool (the BPMNDI bounds and waypoints): pools and lanes as frames, tasks as
rounded rectangles, events as circles (end events bold, intermediate ones doubled),
gateways as diamonds with their marker, sequence flows as solid polylines with filled
arrowheads and message flows dashed.

Each task is filled by the mean time work waited there before it began
(``activities.csv``: over municipalities and replications, weighted by the number of
started instances), on one ``cividis`` scale shared by the variants, which are drawn one
above the other. Tasks a central unit did in a variant get a dashed frame and a "ZSA"
tag, so the map also shows *what* moved. A diagram-less file gives no map.
"""

from __future__ import annotations

import itertools
import math
import textwrap
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import Normalize
from matplotlib.patches import Circle, FancyBboxPatch, Patch, Polygon, Rectangle

from zsa_sim.bpmn.model import (
    TASK_KINDS,
    Activity,
    BoundaryEvent,
    Bounds,
    CallActivity,
    Definitions,
    EndEvent,
    Event,
    EventBasedGateway,
    ExclusiveGateway,
    FlowNode,
    Gateway,
    InclusiveGateway,
    ParallelGateway,
    Process,
    StartEvent,
    SubProcess,
)
from zsa_sim.bpmn.reader import read_bpmn
from zsa_sim.errors import ZsaError
from zsa_sim.experiment.formatting import Lang
from zsa_sim.report.i18n import compact, number, tr, variant_label
from zsa_sim.report.loaders import RunResults
from zsa_sim.report.style import (
    GREY,
    SEQUENTIAL_CMAP,
    Chart,
    new_figure,
    set_title,
    styled,
    text_color_on,
    tick_formatter,
)

#: inches per diagram pixel at most (a 100 px task is then 0.85 in wide)
MAX_SCALE = 0.0085
#: widest map in inches: wide models (the pilot's are ~3,700 px) get small print, so the
#: PNG is saved at a higher resolution and the SVG can be zoomed
MAX_WIDTH = 22.0
#: PNG resolution of process maps (other charts use the default of the style)
MAP_DPI = 200
_TASKS = frozenset(TASK_KINDS)


def mean_waits(results: RunResults, service: str) -> dict[str, dict[str, float]]:
    """variant -> activity id -> mean wait (minutes), weighted by started instances."""
    total: dict[tuple[str, str], float] = defaultdict(float)
    count: dict[tuple[str, str], int] = defaultdict(int)
    for row in results.activities:
        if row.service != service or row.started == 0 or not math.isfinite(row.mean_wait_minutes):
            continue
        key = (row.variant, row.activity_id)
        total[key] += row.mean_wait_minutes * row.started
        count[key] += row.started
    out: dict[str, dict[str, float]] = defaultdict(dict)
    for (variant, activity), minutes in total.items():
        out[variant][activity] = minutes / count[(variant, activity)]
    return dict(out)


def central_tasks(results: RunResults, service: str) -> dict[str, set[str]]:
    """variant -> ids of activities most of whose instances a central unit did."""
    central = set(results.central_units)
    done: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for row in results.activities:
        if row.service != service or not row.org_unit:
            continue
        tally = done[(row.variant, row.activity_id)]
        tally[0 if row.org_unit in central else 1] += row.instances
    out: dict[str, set[str]] = defaultdict(set)
    for (variant, activity), (by_central, by_others) in done.items():
        if by_central > by_others:
            out[variant].add(activity)
    return dict(out)


def _all_processes(definitions: Definitions) -> list[Process]:
    found: list[Process] = []

    def visit(process: Process) -> None:
        found.append(process)
        for node in process.nodes.values():
            if isinstance(node, SubProcess):
                visit(node.body)

    for process in definitions.processes.values():
        visit(process)
    return found


def _extent(definitions: Definitions) -> tuple[float, float, float, float]:
    diagram = definitions.diagram
    assert diagram is not None
    xs: list[float] = []
    ys: list[float] = []
    for b in diagram.shapes.values():
        xs += [b.x, b.x + b.width]
        ys += [b.y, b.y + b.height]
    for points in diagram.edges.values():
        xs += [p[0] for p in points]
        ys += [p[1] for p in points]
    return min(xs), min(ys), max(xs), max(ys)


class _Painter:
    """Draws one diagram into one axes (a variant's panel)."""

    def __init__(
        self,
        ax: Axes,
        definitions: Definitions,
        scale: float,
        waits: dict[str, float],
        central: set[str],
        norm: Normalize,
        unit_minutes: float,
        lang: Lang,
    ) -> None:
        self.ax = ax
        self.definitions = definitions
        assert definitions.diagram is not None
        self.shapes = definitions.diagram.shapes
        self.edges = definitions.diagram.edges
        self.waits = waits
        self.central = central
        self.norm = norm
        self.cmap = matplotlib.colormaps[SEQUENTIAL_CMAP]
        self.unit_minutes = unit_minutes
        self.lang = lang
        # font size in points from the drawing scale: ~15 characters fit a 100 px task
        self.font = float(np.clip(scale * 800, 3.0, 7.5))
        self.line = float(np.clip(scale * 120, 0.4, 1.1))
        # diagram pixels per character at that size (DejaVu Sans: ~0.6 em per character)
        self.char_px = 0.6 * self.font / 72 / scale
        self.line_px = 1.15 * self.font / 72 / scale
        self.scale = scale
        #: node id -> box (x0, y0, x1, y1) of every drawn task, event and gateway
        self.obstacles: dict[str, _Box] = {}
        #: boxes of the free-standing labels placed so far
        self.placed: list[_Box] = []
        #: boxes around the segments of all flows (a label may cross one, at a cost)
        self.segments: list[_Box] = []

    def draw(self) -> None:
        processes = _all_processes(self.definitions)
        nodes: dict[str, FlowNode] = {n.id: n for p in processes for n in p.nodes.values()}
        self.obstacles = {
            node_id: _box(b)
            for node_id, b in self.shapes.items()
            if node_id in nodes
            and not (isinstance(nodes[node_id], SubProcess) and self._expanded(b))
        }
        self.placed = []
        self.segments = [
            (min(a[0], b[0]) - 1, min(a[1], b[1]) - 1, max(a[0], b[0]) + 1, max(a[1], b[1]) + 1)
            for points in self.edges.values()
            for a, b in itertools.pairwise(points)
        ]
        for participant in self.definitions.participants:
            if participant.id in self.shapes:
                self._pool(
                    self.shapes[participant.id],
                    participant.name,
                    collapsed=participant.process_ref is None,
                )
        lanes = {lane.id: lane for process in processes for lane in process.lanes}
        for lane in lanes.values():  # a subprocess's body lists its parent's lanes again
            if lane.id in self.shapes:
                self._lane(self.shapes[lane.id], lane.name)
        for node in nodes.values():  # expanded subprocesses behind their content
            bounds = self.shapes.get(node.id)
            if isinstance(node, SubProcess) and bounds is not None and self._expanded(bounds):
                self._subprocess(bounds, node.name)
        for process in processes:
            for flow in process.flows.values():
                if flow.id in self.edges:
                    self._edge(self.edges[flow.id], flow.name, message=False)
        for message in self.definitions.message_flows:
            if message.id in self.edges:
                self._edge(self.edges[message.id], message.name, message=True)
        for node in nodes.values():
            bounds = self.shapes.get(node.id)
            if bounds is None:
                continue
            if isinstance(node, SubProcess) and self._expanded(bounds):
                continue
            if isinstance(node, Activity):
                self._task(node, bounds)
            elif isinstance(node, Event):
                self._event(node, bounds)
            elif isinstance(node, Gateway):
                self._gateway(node, bounds)

    # -- frames ----------------------------------------------------------------------

    def _pool(self, b: Bounds, name: str, collapsed: bool) -> None:
        self._frame(b, facecolor="white", linewidth=self.line * 1.2, zorder=1)
        if collapsed or b.height < 80:
            self.ax.text(
                b.x + b.width / 2,
                b.y + b.height / 2,
                name,
                ha="center",
                va="center",
                fontsize=self.font + 0.5,
                zorder=2,
            )
        else:
            self._name_band(b, name, linewidth=self.line, fontsize=self.font + 0.5)

    def _lane(self, b: Bounds, name: str) -> None:
        self._frame(b, facecolor="none", linewidth=self.line * 0.8, zorder=2)
        self._name_band(b, name, linewidth=self.line * 0.6, fontsize=self.font, linespacing=1.0)

    def _frame(self, b: Bounds, facecolor: str, linewidth: float, zorder: int) -> None:
        self.ax.add_patch(
            Rectangle(
                (b.x, b.y),
                b.width,
                b.height,
                facecolor=facecolor,
                edgecolor="black",
                linewidth=linewidth,
                zorder=zorder,
            )
        )

    def _name_band(self, b: Bounds, name: str, linewidth: float, **text: float) -> None:
        """The 30-px band at the left of a pool or lane, its name written upwards (as
        the modelling tools draw it)."""
        self.ax.plot(
            [b.x + 30, b.x + 30],
            [b.y, b.y + b.height],
            color="black",
            linewidth=linewidth,
            zorder=2,
        )
        self.ax.text(
            b.x + 15,
            b.y + b.height / 2,
            _wrap(name, int((b.height - 10) / self.char_px)),
            rotation=90,
            ha="center",
            va="center",
            zorder=2,
            **text,
        )

    @staticmethod
    def _expanded(b: Bounds) -> bool:
        return b.width > 160 and b.height > 110

    def _subprocess(self, b: Bounds, name: str) -> None:
        self.ax.add_patch(
            FancyBboxPatch(
                (b.x, b.y),
                b.width,
                b.height,
                boxstyle="round,pad=0,rounding_size=10",
                facecolor="#F7F7F7",
                edgecolor="black",
                linewidth=self.line,
                zorder=3,
            )
        )
        if name:
            self._label(
                name,
                [
                    (b.x + 8, b.y + 6, "left", "top"),
                    (b.x + b.width - 8, b.y + 6, "right", "top"),
                    (b.x + 8, b.y + b.height - 6, "left", "bottom"),
                    (b.x + b.width - 8, b.y + b.height - 6, "right", "bottom"),
                ],
                self.font,
                zorder=4,
            )

    # -- flows -----------------------------------------------------------------------

    def _edge(self, points: tuple[tuple[float, float], ...], name: str, message: bool) -> None:
        if len(points) < 2:
            return
        xs, ys = [p[0] for p in points], [p[1] for p in points]
        color = GREY if message else "black"
        style = (0, (4, 3)) if message else "-"
        self.ax.plot(
            xs,
            ys,
            color=color,
            linewidth=self.line,
            linestyle=style,
            zorder=5,
            solid_joinstyle="miter",
        )
        self.ax.annotate(
            "",
            xy=points[-1],
            xytext=points[-2],
            zorder=6,
            arrowprops={
                "arrowstyle": "-|>",
                "edgecolor": color,
                "linewidth": self.line,
                "mutation_scale": self.font * 1.6,
                "shrinkA": 0,
                "shrinkB": 0,
                "facecolor": color if not message else "white",
            },
        )
        if message:
            self.ax.add_patch(
                Circle(
                    points[0],
                    3.5,
                    facecolor="white",
                    edgecolor=color,
                    linewidth=self.line,
                    zorder=6,
                )
            )
        if name:
            (x0, y0), (x1, y1) = points[0], points[1]
            anchors = [((x0 + x1) / 2, (y0 + y1) / 2)]
            anchors += [_along(points, f) for f in (0.5, 0.3, 0.7, 0.15, 0.85)]
            offsets = [(3, -3, "left", "bottom"), (3, 3, "left", "top")]
            offsets += [(-3, -3, "right", "bottom"), (-3, 3, "right", "top")]
            self._label(
                name,
                [(x + dx, y + dy, ha, va) for x, y in anchors for dx, dy, ha, va in offsets],
                self.font * 0.9,
                zorder=7,
            )

    # -- nodes -----------------------------------------------------------------------

    def _task(self, node: Activity, b: Bounds) -> None:
        minutes = self.waits.get(node.id)
        is_task = node.kind in _TASKS or isinstance(node, CallActivity | SubProcess)
        fill: Any = "white"
        hatch: str | None = "////" if is_task else None
        if minutes is not None and is_task:
            fill, hatch = self.cmap(self.norm(minutes / self.unit_minutes)), None
        central = node.id in self.central
        self.ax.add_patch(
            FancyBboxPatch(
                (b.x, b.y),
                b.width,
                b.height,
                boxstyle="round,pad=0,rounding_size=9",
                facecolor=fill,
                edgecolor="black",
                hatch=hatch,
                linewidth=self.line * (2.2 if central else 1.0),
                linestyle=(0, (3, 1.5)) if central else "-",
                zorder=8,
            )
        )
        ink = text_color_on(fill)
        if isinstance(node, CallActivity | SubProcess):
            self.ax.text(
                b.x + b.width / 2,
                b.y + b.height - 3,
                "+",
                ha="center",
                va="bottom",
                fontsize=self.font,
                color=ink,
                zorder=9,
            )
        size, lines = self._fit(node.name or node.id, b)
        value = (
            f"{number(minutes / self.unit_minutes, self.lang, 1)}" if minutes is not None else "–"
        )
        self.ax.text(
            b.x + b.width / 2,
            b.y + b.height * 0.42,
            "\n".join(lines),
            ha="center",
            va="center",
            fontsize=size,
            color=ink,
            zorder=9,
            linespacing=1.05,
        )
        self.ax.text(
            b.x + b.width / 2,
            b.y + b.height - 5,
            value,
            ha="center",
            va="bottom",
            fontsize=self.font,
            fontweight="bold",
            color=ink,
            zorder=9,
        )
        if central:
            self.ax.text(
                b.x + 5,
                b.y + 4,
                tr("map.central", self.lang),
                ha="left",
                va="top",
                fontsize=self.font * 0.85,
                fontweight="bold",
                color=ink,
                zorder=9,
            )

    def _fit(self, name: str, b: Bounds) -> tuple[float, list[str]]:
        """Font size and lines so a task's name fits its box without breaking words.

        A word too long for the box, or more lines than the box has room for above the
        value, shrinks the font instead of being cut.
        """
        chars = max(6, int((b.width - 8) / self.char_px))
        room = max(2, int((b.height - 6) / self.line_px) - 1)  # lines above the value line
        longest = max((len(word) for word in name.split()), default=1)
        size = self.font * min(1.0, chars / longest)
        lines = textwrap.wrap(name, int(chars * self.font / size), break_long_words=False)
        if len(lines) > room:
            size *= room / len(lines)
            lines = textwrap.wrap(name, int(chars * self.font / size), break_long_words=False)
        return size, lines

    def _event(self, node: Event, b: Bounds) -> None:
        cx, cy = b.x + b.width / 2, b.y + b.height / 2
        r = min(b.width, b.height) / 2
        width = self.line * (2.6 if isinstance(node, EndEvent) else 1.0)
        dashed = isinstance(node, BoundaryEvent) and not node.cancel_activity
        style = (0, (2, 1.5)) if dashed else "-"
        self.ax.add_patch(
            Circle(
                (cx, cy),
                r,
                facecolor="white",
                edgecolor="black",
                linewidth=width,
                linestyle=style,
                zorder=10,
            )
        )
        if not isinstance(node, StartEvent | EndEvent):
            self.ax.add_patch(
                Circle(
                    (cx, cy),
                    r * 0.8,
                    facecolor="none",
                    edgecolor="black",
                    linewidth=self.line * 0.8,
                    linestyle=style,
                    zorder=10,
                )
            )
        self._event_marker(node, cx, cy, r)
        if node.name and not isinstance(node, BoundaryEvent):
            self._node_name(node.name, b, below_first=True)

    def _event_marker(self, node: Event, cx: float, cy: float, r: float) -> None:
        kind = node.definition.kind
        lw = self.line * 0.8
        if kind == "message":
            w, h = r * 0.95, r * 0.65
            filled = isinstance(node, EndEvent)
            self.ax.add_patch(
                Rectangle(
                    (cx - w / 2, cy - h / 2),
                    w,
                    h,
                    facecolor="black" if filled else "white",
                    edgecolor="black",
                    linewidth=lw,
                    zorder=11,
                )
            )
            self.ax.plot(
                [cx - w / 2, cx, cx + w / 2],
                [cy - h / 2, cy, cy - h / 2],
                color="white" if filled else "black",
                linewidth=lw,
                zorder=12,
            )
        elif kind == "timer":
            self.ax.add_patch(
                Circle(
                    (cx, cy),
                    r * 0.55,
                    facecolor="white",
                    edgecolor="black",
                    linewidth=lw,
                    zorder=11,
                )
            )
            self.ax.plot(
                [cx, cx, cx + r * 0.3],
                [cy - r * 0.4, cy, cy],
                color="black",
                linewidth=lw,
                zorder=12,
            )
        elif kind == "terminate":
            self.ax.add_patch(Circle((cx, cy), r * 0.55, facecolor="black", zorder=11))

    def _gateway(self, node: Gateway, b: Bounds) -> None:
        cx, cy = b.x + b.width / 2, b.y + b.height / 2
        hw, hh = b.width / 2, b.height / 2
        self.ax.add_patch(
            Polygon(
                [(cx, cy - hh), (cx + hw, cy), (cx, cy + hh), (cx - hw, cy)],
                closed=True,
                facecolor="white",
                edgecolor="black",
                linewidth=self.line,
                zorder=10,
            )
        )
        m = min(hw, hh) * 0.42
        lw = self.line * 2.2
        if isinstance(node, ExclusiveGateway):
            self.ax.plot([cx - m, cx + m], [cy - m, cy + m], color="black", linewidth=lw, zorder=11)
            self.ax.plot([cx - m, cx + m], [cy + m, cy - m], color="black", linewidth=lw, zorder=11)
        elif isinstance(node, ParallelGateway):
            self.ax.plot(
                [cx - m * 1.2, cx + m * 1.2], [cy, cy], color="black", linewidth=lw, zorder=11
            )
            self.ax.plot(
                [cx, cx], [cy - m * 1.2, cy + m * 1.2], color="black", linewidth=lw, zorder=11
            )
        elif isinstance(node, InclusiveGateway):
            self.ax.add_patch(
                Circle(
                    (cx, cy), m * 1.1, facecolor="none", edgecolor="black", linewidth=lw, zorder=11
                )
            )
        elif isinstance(node, EventBasedGateway):
            for radius in (m * 1.25, m * 1.0):
                self.ax.add_patch(
                    Circle(
                        (cx, cy),
                        radius,
                        facecolor="none",
                        edgecolor="black",
                        linewidth=self.line * 0.7,
                        zorder=11,
                    )
                )
        if node.name:
            self._node_name(node.name, b, below_first=False)

    # -- labels ----------------------------------------------------------------------

    def _node_name(self, name: str, b: Bounds, below_first: bool) -> None:
        """An event's or gateway's name outside its shape, on the first free side."""
        cx, cy = b.x + b.width / 2, b.y + b.height / 2
        below = (cx, b.y + b.height + 4, "center", "top")
        above = (cx, b.y - 4, "center", "bottom")
        sides = [below, above] if below_first else [above, below]
        sides += [
            (b.x + b.width + 4, cy, "left", "center"),
            (b.x - 4, cy, "right", "center"),
            (b.x + b.width + 2, b.y + b.height + 2, "left", "top"),
            (b.x + b.width + 2, b.y - 2, "left", "bottom"),
            (b.x - 2, b.y + b.height + 2, "right", "top"),
            (b.x - 2, b.y - 2, "right", "bottom"),
        ]
        text = _wrap(name, int(max(b.width * 2.2, 60) / self.char_px))
        self._label(text, sides, self.font * 0.9, zorder=11, linespacing=1.0)

    def _label(
        self,
        text: str,
        candidates: list[tuple[float, float, str, str]],
        fontsize: float,
        zorder: int,
        linespacing: float = 1.2,
    ) -> None:
        """Write a free-standing label at the first candidate position whose text box
        covers no task, event or gateway, no label placed before and no flow (else where
        it covers least, a flow counting far less than a shape), on a half-transparent
        white ground so a crossing line never makes it unreadable.

        The size is measured with the figure's renderer in points and converted to
        diagram pixels with the drawing scale; a margin covers the few percent the
        constrained layout may shrink the panel by.
        """
        artist = self.ax.text(
            0,
            0,
            text,
            fontsize=fontsize,
            zorder=zorder,
            linespacing=linespacing,
            color="black",
            bbox={
                "boxstyle": "square,pad=0.1",
                "facecolor": "white",
                "edgecolor": "none",
                "alpha": 0.8,
            },
        )
        renderer = self.ax.figure.canvas.get_renderer()
        extent = artist.get_window_extent(renderer)
        to_px = 72 / self.ax.figure.dpi / 72 / self.scale * 1.12
        w, h = extent.width * to_px + 2, extent.height * to_px + 2
        best: tuple[float, _Box, tuple[float, float, str, str]] | None = None
        for x, y, ha, va in candidates:
            x0 = {"left": x, "center": x - w / 2, "right": x - w}[ha]
            y0 = {"top": y, "center": y - h / 2, "bottom": y - h}[va]
            box = (x0, y0, x0 + w, y0 + h)
            cost = sum(_overlap(box, o) for o in [*self.obstacles.values(), *self.placed])
            cost += 0.1 * sum(_overlap(box, o) for o in self.segments)
            if best is None or cost < best[0]:
                best = (cost, box, (x, y, ha, va))
            if cost == 0:
                break
        assert best is not None
        x, y, ha, va = best[2]
        artist.set_position((x, y))
        artist.set_horizontalalignment(ha)
        artist.set_verticalalignment(va)
        self.placed.append(best[1])


_Box = tuple[float, float, float, float]


def _box(b: Bounds) -> _Box:
    return (b.x, b.y, b.x + b.width, b.y + b.height)


def _overlap(a: _Box, b: _Box) -> float:
    """Area two boxes share (0 if they only touch)."""
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return w * h if w > 0 and h > 0 else 0.0


def _along(points: tuple[tuple[float, float], ...], fraction: float) -> tuple[float, float]:
    """The point at a fraction of a polyline's length."""
    lengths = [math.dist(a, b) for a, b in itertools.pairwise(points)]
    left = fraction * sum(lengths)
    for (a, b), length in zip(itertools.pairwise(points), lengths, strict=True):
        if left <= length and length > 0:
            t = left / length
            return a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])
        left -= length
    return points[-1]


def _wrap(text: str, width: int) -> str:
    return "\n".join(textwrap.wrap(text, max(6, width), break_long_words=False))


def load_model(results: RunResults, service: str) -> Definitions | None:
    """The service's BPMN model from ``inputs/``; None if it is missing or has no diagram."""
    name = results.service(service).bpmn
    if not name:
        return None
    path: Path = results.input_file(name)
    if not path.exists():
        return None
    try:
        definitions = read_bpmn(path)
    except ZsaError:
        return None
    if definitions.diagram is None or not definitions.diagram.shapes:
        return None
    return definitions


@styled
def process_map_chart(
    results: RunResults, service: str, definitions: Definitions, lang: Lang = "de"
) -> Chart:
    """The map of one service: one panel per variant, a shared colour bar."""
    variants = results.variants
    waits = mean_waits(results, service)
    central = central_tasks(results, service)
    task_ids = {
        n.id
        for p in _all_processes(definitions)
        for n in p.nodes.values()
        if isinstance(n, Activity)
    }
    values = [m for v in variants for a, m in waits.get(v, {}).items() if a in task_ids]
    longest = max(values, default=0.0)
    unit_minutes, unit_key = (1440.0, "days") if longest >= 1440 else (60.0, "hours")
    norm = Normalize(0.0, max(longest / unit_minutes, 1e-9))
    x0, y0, x1, y1 = _extent(definitions)
    pad = 12.0
    width_px, height_px = x1 - x0 + 2 * pad, y1 - y0 + 2 * pad
    scale = min(MAX_SCALE, MAX_WIDTH / width_px)
    panel_h = height_px * scale
    fig, axes = new_figure(
        width_px * scale + 0.4,
        len(variants) * (panel_h + 0.35) + 1.5,
        nrows=len(variants),
        squeeze=False,
    )
    for ax, variant in zip(axes[:, 0], variants, strict=True):
        ax.set_xlim(x0 - pad, x1 + pad)
        ax.set_ylim(y1 + pad, y0 - pad)  # diagram y grows downwards
        ax.set_aspect("equal")
        ax.axis("off")
        ax.set_title(
            variant_label(variant, lang), loc="left", fontsize=9.5, fontweight="bold", pad=8
        )
        _Painter(
            ax,
            definitions,
            scale,
            waits.get(variant, {}),
            central.get(variant, set()),
            norm,
            unit_minutes,
            lang,
        ).draw()
    mappable = matplotlib.cm.ScalarMappable(norm=norm, cmap=SEQUENTIAL_CMAP)
    bar = fig.colorbar(
        mappable,
        ax=axes[:, 0].tolist(),
        orientation="horizontal",
        fraction=0.05,
        shrink=0.6,
        aspect=40,
        location="bottom",
    )
    bar.set_label(tr("map.colorbar", lang, unit=tr(f"map.unit.{unit_key}", lang)))
    bar.ax.xaxis.set_major_formatter(tick_formatter(lang))
    handles = [
        Patch(
            facecolor="white",
            edgecolor="black",
            linestyle=(0, (3, 1.5)),
            linewidth=1.6,
            label=tr("map.legend.central", lang),
        ),
        Patch(
            facecolor="white", edgecolor="black", hatch="////", label=tr("map.legend.none", lang)
        ),
    ]
    fig.legend(handles=handles, loc="outside lower center", ncol=2)
    title = _map_title(results, service, waits, task_ids, definitions, unit_minutes, unit_key, lang)
    set_title(fig, title)
    caption = tr("map.caption", lang, file=Path(definitions.source).name)
    return Chart(f"process_map_{service}", title, caption, fig, dpi=MAP_DPI)


def _map_title(
    results: RunResults,
    service: str,
    waits: dict[str, dict[str, float]],
    task_ids: set[str],
    definitions: Definitions,
    unit_minutes: float,
    unit_key: str,
    lang: Lang,
) -> str:
    label = results.service(service).label
    base = waits.get(results.baseline, {})
    candidates = {a: m for a, m in base.items() if a in task_ids}
    if not candidates:
        return tr("map.title.empty", lang, service=label)
    task_id = max(candidates, key=lambda a: (candidates[a], a))
    names = {n.id: n.name for p in _all_processes(definitions) for n in p.nodes.values()}
    unit = tr(f"map.unit.{unit_key}", lang)

    def show(minutes: float | None) -> str:
        if minutes is None:
            return "–"
        return f"{compact(round(minutes / unit_minutes, 1), lang)} {unit}"

    return tr(
        "map.title",
        lang,
        service=label,
        base=variant_label(results.baseline, lang, short=True),
        task=names.get(task_id) or task_id,
        base_wait=show(candidates[task_id]),
        treat=variant_label(results.treatment, lang, short=True),
        treat_wait=show(waits.get(results.treatment, {}).get(task_id)),
    )


def process_map_charts(results: RunResults, lang: Lang = "de") -> Iterator[Chart]:
    """One map per service whose model (with a diagram) is in ``inputs/``."""
    for service in results.services:
        definitions = load_model(results, service.key)
        if definitions is not None:
            yield process_map_chart(results, service.key, definitions, lang)
