"""Reading a results folder's files without trusting them: bounded and checked.

A results folder may come from elsewhere (a colleague's share, an archive) and be
corrupt or hostile. What a reader gets is a complete, well-shaped value or one
:class:`~zsa_sim.errors.ResultsError` line, within bounded memory (issue 14: a
``summary.json`` whose ``scenario`` was no mapping or that nested 100,000 levels deep
gave tracebacks; a gzip bomb as ``cases.csv.gz`` took 5.9 GB before it was refused):

- :func:`load_summary`: size and nesting bounded before parsing, the entries readers
  use checked for their JSON types;
- :func:`~zsa_sim.eventlog.bounded.open_results_text` and
  :func:`~zsa_sim.eventlog.bounded.bounded_lines` (re-exported here) for the CSV files.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from zsa_sim.errors import ResultsError
from zsa_sim.eventlog.bounded import bounded_lines, open_results_text

__all__ = ["SUMMARY_FILE", "bounded_lines", "load_summary", "open_results_text"]

SUMMARY_FILE = "summary.json"

#: Largest summary.json read (a state-wide run's is a few MB).
MAX_SUMMARY_BYTES = 256 * 2**20
#: Deepest nesting of JSON in summary.json (the written one nests about six levels).
MAX_SUMMARY_DEPTH = 64
#: The top-level entries of summary.json that readers use, and their JSON types.
SUMMARY_SHAPE: Mapping[str, type] = {
    "scenario": dict,
    "window": dict,
    "runs": list,
    "pools": list,
    "kpis": list,
    "comparison": list,
    "verdicts": dict,
}


def load_summary(run_dir: Path) -> dict[str, Any]:
    """The ``summary.json`` of a run, as a dict, checked for its shape.

    A corrupt or hostile file is a one-line ResultsError (issue 14: a ``scenario`` that
    was no mapping, or JSON nested 100,000 deep, gave tracebacks): the size and the
    nesting are bounded before parsing, and the entries readers use must have their
    JSON types (a mapping of mappings where the readers expect them).
    """
    path = Path(run_dir) / SUMMARY_FILE
    try:
        if path.stat().st_size > MAX_SUMMARY_BYTES:
            raise ResultsError(
                f"summary is larger than {MAX_SUMMARY_BYTES // 2**20} MB: not one zsa-sim wrote",
                source=path,
            )
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ResultsError("no summary.json: not a complete results folder", source=path) from None
    except (OSError, UnicodeDecodeError) as err:
        raise ResultsError(f"cannot read the summary: {err}", source=path) from err
    if _json_depth(text) > MAX_SUMMARY_DEPTH:
        raise ResultsError(
            f"summary nests deeper than {MAX_SUMMARY_DEPTH} levels: not one zsa-sim wrote",
            source=path,
        )
    try:
        summary = json.loads(text)
    except (ValueError, RecursionError) as err:
        raise ResultsError(f"summary is not valid JSON: {str(err)[:120]}", source=path) from err
    if not isinstance(summary, dict):
        raise ResultsError("summary is not a JSON object", source=path)
    for key, kind in SUMMARY_SHAPE.items():
        value = summary.get(key)
        if value is not None and not isinstance(value, kind):
            what = "a mapping" if kind is dict else "a list"
            raise ResultsError(f"summary: {key!r} is not {what}", source=path)
        if kind is list and value and not all(isinstance(item, dict) for item in value):
            raise ResultsError(f"summary: {key!r} holds entries that are no mappings", source=path)
    return summary


def _json_depth(text: str) -> int:
    """How deep brackets nest in JSON text, ignoring those inside strings (no recursion)."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest
