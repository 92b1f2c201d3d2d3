"""The page's interactive charts (plotly): KPIs with intervals, runs side by side, maps.

Charts read results folders (``summary.json``) or the scenario's BPMN diagram only. The
report's static charts (matplotlib, in ``report.html``) stay the reference; here hovering
shows the exact values and the 95 % interval, which a workshop asks for.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from zsa_sim.experiment.formatting import Lang
from zsa_sim.report.i18n import kpi_label, kpi_unit, number, role_label, variant_label
from zsa_sim.web.runs import kpi_by_unit, read_entry, summary_of
from zsa_sim.web.texts import t

#: one colour per variant (baseline grey, then the report's blues and a contrast)
_COLOURS = ("#8c8c8c", "#1f5fa8", "#e08214", "#5aae61", "#7b3294")
_CENTRAL_FILL = "#d6e6f5"


def _go() -> Any:
    import plotly.graph_objects as go

    return go




def kpi_figure(run_dir: Path, kpi: str, lang: Lang = "de") -> Any:
    """Bars per municipality (per staff pool for utilisation), one per variant, with the
    95 % interval as error bars."""
    go = _go()
    summary = summary_of(Path(run_dir))
    variants = list(summary.get("scenario", {}).get("variants", {}))
    rows, labels = kpi_by_unit(summary, kpi, lang)
    fig = go.Figure()
    for i, variant in enumerate(variants):
        fig.add_trace(
            _bars(go, variant_label(variant, lang), labels, rows, variant, kpi, lang, i)
        )
    _style(fig, kpi, lang, 320)
    return fig


def _bars(
    go: Any,
    name: str,
    labels: dict[str, str],
    rows: dict[tuple[str, str], dict[str, Any]],
    variant: str,
    kpi: str,
    lang: Lang,
    colour: int,
) -> Any:
    """One bar trace: the variant's mean per unit, the 95 % interval as error bars and
    on hover (shares shown in percent, as the axis says)."""
    values = [rows.get((variant, unit)) for unit in labels]
    scale = 100.0 if any(r and r.get("unit") == "share" for r in values) else 1.0

    def at(r: dict[str, Any] | None, key: str) -> float | None:
        return r[key] * scale if r else None

    return go.Bar(
        name=name,
        x=list(labels.values()),
        y=[at(r, "mean") for r in values],
        marker_color=_COLOURS[colour % len(_COLOURS)],
        error_y={
            "type": "data",
            "symmetric": False,
            "array": [(r["ci_high"] - r["mean"]) * scale if r else 0 for r in values],
            "arrayminus": [(r["mean"] - r["ci_low"]) * scale if r else 0 for r in values],
        },
        customdata=[
            [number(r[key] * scale, lang) for key in ("ci_low", "ci_high", "mean")]
            if r
            else ["", "", ""]
            for r in values
        ],
        hovertemplate=(
            "%{x}<br>%{fullData.name}: %{customdata[2]} "
            + kpi_unit(kpi, lang)
            + "<br>95 %: [%{customdata[0]}; %{customdata[1]}]<extra></extra>"
        ),
    )


def _style(fig: Any, kpi: str, lang: Lang, height: int) -> None:
    fig.update_layout(
        title=kpi_label(kpi, lang),
        barmode="group",
        yaxis_title=kpi_unit(kpi, lang),
        margin={"l": 50, "r": 10, "t": 40, "b": 40},
        height=height,
        legend={"orientation": "h", "y": -0.2},
        separators=",." if lang == "de" else ".,",
    )


def compare_figure(run_dirs: Sequence[Path], kpi: str, lang: Lang = "de") -> Any:
    """Runs side by side: per municipality (or staff pool) the first treatment's mean of
    each run, with intervals."""
    go = _go()
    fig = go.Figure()
    for i, run_dir in enumerate(run_dirs):
        summary = summary_of(Path(run_dir))
        scenario = summary.get("scenario", {})
        baseline = scenario.get("baseline")
        treatments = [v for v in scenario.get("variants", {}) if v != baseline]
        if not treatments:
            continue
        rows, labels = kpi_by_unit(summary, kpi, lang)
        shown = {u: label for u, label in labels.items() if (treatments[0], u) in rows}
        label = read_entry(Path(run_dir)).label
        fig.add_trace(_bars(go, label, shown, rows, treatments[0], kpi, lang, i + 1))
    _style(fig, kpi, lang, 340)
    return fig


def process_map_figure(scenario: Any, service: str, central: bool, lang: Lang = "de") -> Any | None:
    """The service's BPMN diagram, centralisable tasks dashed and tagged; None without one.

    ``central``: whether the service's centralisable tasks go to the ZSA in the variant
    shown (then they are also filled).
    """
    from zsa_sim.bpmn.model import Activity, Event, Gateway
    from zsa_sim.scenario.service_model import ServiceModel

    go = _go()
    definitions = scenario.definitions(service)
    diagram = definitions.diagram
    if diagram is None or not diagram.shapes:
        return None
    model = ServiceModel(definitions)
    efforts = scenario.services[service].efforts
    fig = go.Figure()
    shapes: list[dict[str, Any]] = []
    annotations: list[dict[str, Any]] = []
    for participant in definitions.participants:
        b = diagram.shapes.get(participant.id)
        if b is not None:
            shapes.append(_rect(b, line={"color": "#444", "width": 1.2}))
            annotations.append(_label(b.x + 12, b.y + b.height / 2, participant.name, 90))
    for lane in model.lanes.values():
        b = diagram.shapes.get(lane.id)
        if b is not None:
            shapes.append(_rect(b, line={"color": "#999", "width": 0.8}))
            annotations.append(_label(b.x + 12, b.y + b.height / 2, lane.name, 90))
    xs: list[float | None] = []
    ys: list[float | None] = []
    for points in diagram.edges.values():
        for x, y in points:
            xs.append(x)
            ys.append(y)
        xs.append(None)
        ys.append(None)
    fig.add_scatter(
        x=xs,
        y=ys,
        mode="lines",
        line={"color": "#555", "width": 1},
        hoverinfo="skip",
        showlegend=False,
    )
    hover_x, hover_y, hover_text = [], [], []
    for node_id, node in model.nodes.items():
        b = diagram.shapes.get(node_id)
        if b is None:
            continue
        if isinstance(node, Activity):
            movable = node_id in model.tasks and model.centralisable(node_id)
            fill = _CENTRAL_FILL if movable and central else "white"
            dash = "dash" if movable else "solid"
            shapes.append(
                _rect(
                    b,
                    line={"color": "black", "width": 2 if movable else 1, "dash": dash},
                    fillcolor=fill,
                )
            )
            annotations.append(_label(b.x + b.width / 2, b.y + b.height / 2, node.name or node_id))
            if movable:
                annotations.append(_label(b.x + 4, b.y + 8, "ZSA", 0, size=8, anchor="left"))
            effort = _effort(efforts, node_id, node.name)
            role = model.role_of(node_id)
            hover_x.append(b.x + b.width / 2)
            hover_y.append(b.y + b.height / 2)
            hover_text.append(
                f"<b>{node.name or node_id}</b> ({node_id})<br>"
                f"{t('web.map.role', lang)}: {role_label(role, lang) if role else '–'}<br>"
                f"{t('web.map.effort', lang)}: {effort}<br>"
                + t("web.map.centralisable" if movable else "web.map.local", lang)
            )
        elif isinstance(node, Event):
            shapes.append(
                {
                    "type": "circle",
                    "x0": b.x,
                    "y0": b.y,
                    "x1": b.x + b.width,
                    "y1": b.y + b.height,
                    "line": {"color": "black", "width": 1},
                }
            )
        elif isinstance(node, Gateway):
            cx, cy = b.x + b.width / 2, b.y + b.height / 2
            path = f"M {cx} {b.y} L {b.x + b.width} {cy} L {cx} {b.y + b.height} L {b.x} {cy} Z"
            shapes.append({"type": "path", "path": path, "line": {"color": "black", "width": 1}})
    fig.add_scatter(
        x=hover_x,
        y=hover_y,
        mode="markers",
        marker={"size": 24, "opacity": 0},
        hovertext=hover_text,
        hoverinfo="text",
        showlegend=False,
    )
    x0 = min(b.x for b in diagram.shapes.values())
    x1 = max(b.x + b.width for b in diagram.shapes.values())
    y0 = min(b.y for b in diagram.shapes.values())
    y1 = max(b.y + b.height for b in diagram.shapes.values())
    fig.update_layout(
        shapes=shapes,
        annotations=annotations,
        xaxis={"visible": False, "range": [x0 - 10, x1 + 10]},
        yaxis={"visible": False, "range": [y1 + 10, y0 - 10], "scaleanchor": "x"},
        height=max(300, min(900, (y1 - y0) * 0.6 + 80)),
        margin={"l": 5, "r": 5, "t": 30, "b": 5},
        title=Path(str(scenario.services[service].bpmn)).name,
        plot_bgcolor="white",
    )
    return fig


def _effort(efforts: Any, node_id: str, name: str) -> str:
    spec = efforts.get(node_id) or efforts.get(name)
    return spec.describe() if spec is not None and hasattr(spec, "describe") else "–"


def _rect(b: Any, **style: Any) -> dict[str, Any]:
    return {
        "type": "rect",
        "x0": b.x,
        "y0": b.y,
        "x1": b.x + b.width,
        "y1": b.y + b.height,
        "layer": "below",
        **style,
    }


def _label(
    x: float, y: float, text: str, angle: float = 0, size: int = 9, anchor: str = "center"
) -> dict[str, Any]:
    wrapped = "<br>".join(textwrap.wrap(text, 16)) if angle == 0 else text
    return {
        "x": x,
        "y": y,
        "text": wrapped,
        "showarrow": False,
        "textangle": -angle,
        "font": {"size": size},
        "xanchor": anchor,
    }
