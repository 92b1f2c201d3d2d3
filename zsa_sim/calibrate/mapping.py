"""Which log activity is which BPMN element: by id, by name, or by hand.

A log activity matches a flow node when it equals the node's id, or its name with line
breaks and spaces folded and case ignored. ``--map "Antrag prüfen=Task_Pruefen"`` maps
by hand (and wins). What matches nothing is listed on both sides: log activities the
model lacks (their rows are left out of the calibration and named in the report), and
tasks the log never shows (their effort stays a TODO).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np

from zsa_sim.calibrate.table import CalibrationError, LogTable
from zsa_sim.scenario.service_model import ServiceModel, normal_name


def _key(text: str) -> str:
    return normal_name(text).casefold()


@dataclass(frozen=True)
class ActivityMap:
    """Log activity code -> BPMN node id ('' when unmatched)."""

    node_of: tuple[str, ...]
    unmatched_log: tuple[str, ...]
    unseen_tasks: tuple[str, ...]

    def node_ids(self, table: LogTable) -> np.ndarray:
        """The BPMN node id of every row ('' where unmatched), as an object array."""
        lookup = np.array(self.node_of, dtype=object)
        return lookup[table.activity]


def parse_manual(pairs: Iterable[str]) -> dict[str, str]:
    """``["Log name=Task_id", ...]`` -> {log name: node id}."""
    out = {}
    for pair in pairs:
        name, sep, node = pair.rpartition("=")
        if not sep or not name.strip() or not node.strip():
            raise CalibrationError(f"--map {pair!r}: write 'Log activity=BPMN id'")
        out[name.strip()] = node.strip()
    return out


def map_activities(
    table: LogTable, model: ServiceModel, manual: Mapping[str, str] | None = None
) -> ActivityMap:
    """Match every activity of the log to a flow node of the model."""
    by_id = {node_id: node_id for node_id in model.nodes}
    by_name: dict[str, str] = {}
    for node_id, node in model.nodes.items():
        if node.name:
            by_name.setdefault(_key(node.name), node_id)
    manual = dict(manual or {})
    for name, node_id in manual.items():
        if node_id not in model.nodes:
            raise CalibrationError(
                f"--map {name}={node_id}: the model has no element {node_id!r}",
                source=model.definitions.source,
            )
    node_of = []
    unmatched = []
    for name in table.activity_names:
        node = manual.get(name) or by_id.get(name) or by_name.get(_key(name), "")
        node_of.append(node)
        if not node:
            unmatched.append(name)
    seen = set(node_of)
    unseen = tuple(t for t in model.tasks if t not in seen)
    return ActivityMap(tuple(node_of), tuple(unmatched), unseen)
