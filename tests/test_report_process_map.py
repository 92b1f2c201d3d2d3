"""Process map: waits per task, ZSA tasks, drawing from the BPMN diagram coordinates."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import pytest
from matplotlib.patches import Circle, FancyBboxPatch, Polygon

from tests.report_fixture import DATA, cached_results, copy_results
from zsa_sim.bpmn import SubProcess, Task, read_bpmn
from zsa_sim.experiment.activities import ActivityRow
from zsa_sim.report.loaders import ServiceInfo, load_results
from zsa_sim.report.process_map import (
    MAP_DPI,
    _all_processes,
    central_tasks,
    load_model,
    mean_waits,
    process_map_chart,
    process_map_charts,
)
from zsa_sim.report.style import SEQUENTIAL_CMAP

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def results():
    return load_results(cached_results().run_dir)


def _row(
    activity: str,
    wait: float,
    started: int,
    org_unit: str = "Halle",
    variant: str = "dezentral",
    replication: int = 0,
) -> ActivityRow:
    return ActivityRow(
        variant,
        replication,
        "hundehaltung",
        "Halle",
        activity,
        activity,
        "userTask",
        org_unit,
        started,
        started,
        started,
        wait,
        1.0,
    )


def test_mean_wait_is_weighted_by_started_instances(results) -> None:
    rows = [_row("T1", 60.0, 1), _row("T1", 120.0, 3, replication=1), _row("T2", 5.0, 0)]
    waits = mean_waits(dataclasses.replace(results, activities=rows), "hundehaltung")
    assert waits == {"dezentral": {"T1": pytest.approx((60 + 3 * 120) / 4)}}


def test_tasks_done_mostly_by_the_central_unit(results) -> None:
    rows = [
        _row("T1", 1.0, 5, org_unit="ZSA", variant="zentral"),
        _row("T1", 1.0, 2, org_unit="Halle", variant="zentral"),
        _row("T2", 1.0, 5, org_unit="Halle", variant="zentral"),
    ]
    assert central_tasks(dataclasses.replace(results, activities=rows), "hundehaltung") == {
        "zentral": {"T1"}
    }
    model = read_bpmn(DATA / "wohngeld_mini.bpmn").main_process
    centralisable = {t.id for t in model.tasks() if t.centralisable}
    assert central_tasks(results, "wohngeld")["zentral"] == centralisable
    assert "dezentral" not in central_tasks(results, "wohngeld")


def test_map_draws_every_shape_of_the_diagram(results) -> None:
    definitions = read_bpmn(DATA / "wohngeld_mini.bpmn")
    chart = process_map_chart(results, "wohngeld", definitions, "de")
    panels = [ax for ax in chart.figure.axes if ax.get_label() != "<colorbar>"][:2]
    model = definitions.main_process
    tasks = [n for n in model.nodes.values() if isinstance(n, Task)]
    for ax in panels:
        boxes = [p for p in ax.patches if isinstance(p, FancyBboxPatch)]
        circles = [p for p in ax.patches if isinstance(p, Circle)]
        diamonds = [p for p in ax.patches if isinstance(p, Polygon)]
        assert len(boxes) == len(tasks)
        assert len(diamonds) == 2  # the two exclusive gateways
        assert len(circles) >= 3  # start, end, catch event (plus markers)
        assert ax.yaxis_inverted()  # diagram y grows downwards
    # the task with the longest wait has the colour map's brightest colour
    waits = mean_waits(results, "wohngeld")
    longest = max(
        (v, a)
        for variant in waits.values()
        for a, v in variant.items()
        if a in {t.id for t in tasks}
    )
    top = matplotlib.colormaps[SEQUENTIAL_CMAP](1.0)
    filled = [
        p.get_facecolor() for ax in panels for p in ax.patches if isinstance(p, FancyBboxPatch)
    ]
    assert any(tuple(round(c, 3) for c in f) == tuple(round(c, 3) for c in top) for f in filled)
    assert longest[0] > 0
    assert "Vollständigkeit prüfen" in chart.title
    plt.close(chart.figure)


@pytest.mark.parametrize(
    "path",
    [ROOT / "tests/data/bpmn/camunda_antrag.bpmn", *sorted((ROOT / "processes").glob("*.bpmn"))],
    ids=lambda p: p.name,
)
def test_any_model_with_a_diagram_can_be_drawn(results, path: Path) -> None:
    """Camunda's element zoo and the shipped models draw without data (all hatched)."""
    definitions = read_bpmn(path)
    bare = dataclasses.replace(
        results,
        activities=[],
        services=(ServiceInfo("x", "Modell", path.name, ""),),
    )
    chart = process_map_chart(bare, "x", definitions, "en")
    boxes = [p for p in chart.figure.axes[0].patches if isinstance(p, FancyBboxPatch)]
    assert boxes and all(p.get_hatch() for p in boxes if p.get_facecolor()[:3] == (1, 1, 1))
    assert chart.title == "Modell: process model"
    plt.close(chart.figure)


def test_no_model_file_or_no_diagram_means_no_map(tmp_path, results) -> None:
    run_dir = copy_results(tmp_path)
    (run_dir / "inputs" / "wohngeld_mini.bpmn").unlink()
    copied = load_results(run_dir)
    assert load_model(copied, "wohngeld") is None
    assert [c.name for c in process_map_charts(copied, "de")] == ["process_map_hundehaltung"]
    plt.close("all")
    text = (DATA / "hundehaltung_mini.bpmn").read_text(encoding="utf-8")
    no_di = text[: text.index("<bpmndi:BPMNDiagram")] + "</bpmn:definitions>\n"
    (run_dir / "inputs" / "hundehaltung_mini.bpmn").write_text(no_di, encoding="utf-8")
    assert load_model(load_results(run_dir), "hundehaltung") is None
    shutil.rmtree(run_dir)


def _pixel_box(ax, b) -> tuple[float, float, float, float]:
    (x0, y0), (x1, y1) = ax.transData.transform([(b.x, b.y), (b.x + b.width, b.y + b.height)])
    return min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)


def _overlap(a, b, tolerance: float) -> bool:
    return (
        min(a[2], b[2]) - max(a[0], b[0]) > tolerance
        and min(a[3], b[3]) - max(a[1], b[1]) > tolerance
    )


@pytest.mark.parametrize("name", ["wohngeld.bpmn", "hundehaltung.bpmn"])
def test_labels_of_the_shipped_models_cover_no_shape_and_no_other_label(results, name) -> None:
    """As drawn at full size: each text lies clear of every task, event and gateway but
    the one it belongs to (the name inside a task), and no two texts overlap."""
    definitions = read_bpmn(ROOT / "processes" / name)
    bare = dataclasses.replace(
        results, activities=[], services=(ServiceInfo("x", "Modell", name, ""),)
    )
    chart = process_map_chart(bare, "x", definitions, "de")
    fig = chart.figure
    fig.set_dpi(MAP_DPI)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    nodes = {n.id: n for p in _all_processes(definitions) for n in p.nodes.values()}
    shapes = definitions.diagram.shapes
    ax = fig.axes[0]
    boxes = {
        node_id: _pixel_box(ax, b)
        for node_id, b in shapes.items()
        if node_id in nodes
        and not (isinstance(nodes[node_id], SubProcess) and b.width > 160 and b.height > 110)
    }
    texts = [t for t in ax.texts if t.get_text().strip()]
    assert len(texts) > 40
    extents = []
    for text in texts:
        e = text.get_window_extent(renderer)
        box = (e.x0, e.y0, e.x1, e.y1)
        centre = ((e.x0 + e.x1) / 2, (e.y0 + e.y1) / 2)
        own = {
            i for i, b in boxes.items() if b[0] <= centre[0] <= b[2] and b[1] <= centre[1] <= b[3]
        }
        hit = [i for i, b in boxes.items() if i not in own and _overlap(box, b, 2.0)]
        assert not hit, f"{text.get_text()!r} covers {hit}"
        extents.append((text.get_text(), box))
    for k, (first, a) in enumerate(extents):
        for second, b in extents[k + 1 :]:
            assert not _overlap(a, b, 2.0), f"{first!r} overlaps {second!r}"
    plt.close(fig)
