"""The event log: flat rows per activity instance, and its CSV and XES exports.

Public API::

    ActivityRecord                      # one row (schema.py)
    CsvEventLogWriter(path, epoch, attribute_names)   # streamed gzip CSV sink
    read_event_log_rows(path, epoch, attribute_names) # rows back
    write_xes(rows, path, epoch, attribute_names, log_name)   # IEEE 1849 XES
    check_log(definitions_by_service, rows)            # conformance: replay on BPMN

Names are imported on first use (PEP 562): the schema imports the engine's setup types,
and the engine imports the schema.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "ActivityRecord": "zsa_sim.eventlog.schema",
    "EventLogSink": "zsa_sim.eventlog.schema",
    "ListSink": "zsa_sim.eventlog.schema",
    "Tee": "zsa_sim.eventlog.schema",
    "CsvEventLogWriter": "zsa_sim.eventlog.csv_log",
    "read_event_log": "zsa_sim.eventlog.csv_log",
    "read_event_log_rows": "zsa_sim.eventlog.csv_log",
    "write_xes": "zsa_sim.eventlog.xes",
    "replay": "zsa_sim.eventlog.conformance",
    "check_log": "zsa_sim.eventlog.conformance",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    """Import a public name on first use."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'zsa_sim.eventlog' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
