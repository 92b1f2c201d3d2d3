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

from zsa_sim.lazy import lazy_exports

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

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())
