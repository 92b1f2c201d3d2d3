"""Read an event log for calibration: CSV (any delimiter) or XES (also gzipped), streamed.

Which column holds what is found from the header: zsa-sim's own logs are recognised by
their columns (``case_id``, ``activity_id``, ``complete``), other exports by common names
(``case``, ``activity``, ``start``, ``end``, ``resource``, German ``Vorgang``,
``Tätigkeit``, ``Beginn``, ``Ende``, ``Bearbeiter``, ``Kommune`` ...), and anything else
through an explicit mapping, e.g. ``case=Vorgang,activity=Taetigkeit,end=Ende``.
The fields are:

``case`` (required), ``activity`` (required), ``end`` (required: when the step was
done), ``start`` (optional: when work on it began; without it effort can only be
estimated, see :mod:`zsa_sim.calibrate.effort`), ``resource`` (the clerk, pseudonymous),
``org`` (municipality or office), ``role``, ``service``. Every further column is read as
a case attribute (its first value per case).

Rows stream through ``csv`` or ``iterparse`` and are stored as compact columns
(:class:`~zsa_sim.calibrate.table.LogTable`); an XES trace is cleared as soon as it is
read, so memory grows with the number of events, not with the file's text.
"""

from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import IO

import numpy as np

from zsa_sim.calibrate.table import CalibrationError, Codes, LogTable
from zsa_sim.calibrate.times import TimeParser

FIELDS = ("case", "activity", "start", "end", "resource", "org", "role", "service")
#: Header names recognised without a mapping (compared lower-case, without umlauts).
GUESSES: Mapping[str, tuple[str, ...]] = {
    "case": ("case", "case_id", "caseid", "case:concept:name", "vorgang", "fall", "akte"),
    "activity": ("activity", "concept:name", "task", "taetigkeit", "tatigkeit", "aktivitaet"),
    "start": ("start", "start_time", "starttime", "start_timestamp", "beginn", "begin"),
    "end": ("end", "complete", "end_time", "endtime", "end_timestamp", "timestamp", "ende"),
    "resource": ("resource", "org:resource", "clerk", "user", "bearbeiter", "sachbearbeiter"),
    "org": ("org", "municipality", "org:group", "kommune", "gemeinde", "behoerde"),
    "role": ("role", "org:role", "rolle"),
    "service": ("service", "leistung", "verfahren"),
}
#: Columns of zsa-sim's own CSV log that are not case attributes.
OWN_COLUMNS = {
    "case_id": "case",
    "activity_id": "activity",
    "start": "start",
    "complete": "end",
    "resource": "resource",
    "municipality": "org",
    "role": "role",
    "service": "service",
}
_OWN_IGNORED = {
    "variant",
    "replication",
    "activity_name",
    "activity_type",
    "lane",
    "org_unit",
    "enabled",
    "effort",
}


def parse_columns(text: str | None) -> dict[str, str]:
    """``case=Vorgang,activity=Taetigkeit`` -> {field: header}; unknown fields refused."""
    out: dict[str, str] = {}
    for part in (text or "").split(","):
        if not part.strip():
            continue
        name, sep, header = part.partition("=")
        name = name.strip()
        if not sep or name not in FIELDS or not header.strip():
            raise CalibrationError(
                f"--columns: {part.strip()!r} is not FIELD=HEADER with a field of "
                f"{', '.join(FIELDS)}"
            )
        out[name] = header.strip()
    return out


def _normal(name: str) -> str:
    return (
        name.strip()
        .lower()
        .replace("ä", "ae")
        .replace("ö", "oe")
        .replace("ü", "ue")
        .replace("ß", "ss")
        .replace(" ", "_")
    )


def read_log(
    path: str | Path,
    columns: Mapping[str, str] | None = None,
    service: str | None = None,
    variant: str | None = None,
    replication: int | None = None,
) -> LogTable:
    """Read a CSV or XES event log (see the module docstring)."""
    path = Path(path)
    if not path.is_file():
        raise CalibrationError("event log not found", source=path)
    name = path.name.lower()
    if name.endswith((".xes", ".xes.gz")):
        return _read_xes(path, service, variant, replication)
    return _read_csv(path, dict(columns or {}), service, variant, replication)


def _open_text(path: Path) -> IO[str]:
    raw: IO[bytes] = gzip.open(path, "rb") if path.name.endswith(".gz") else open(path, "rb")  # noqa: SIM115
    return io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")


class _Builder:
    """Collects rows into compact columns."""

    def __init__(self, source: Path) -> None:
        self.source = source
        self.parser = TimeParser()
        self.cases, self.activities = Codes(), Codes()
        self.resources, self.orgs, self.roles = Codes(), Codes(), Codes()
        for codes in (self.resources, self.orgs, self.roles):
            codes.code("")
        self.columns: dict[str, list] = {
            k: [] for k in ("case", "activity", "start", "end", "resource", "org", "role", "line")
        }
        self.attributes: dict[str, dict[int, str]] = {}

    def time(self, text: str, where: str, field: str) -> float:
        value = self.parser.minutes(text)
        if value is None:
            raise CalibrationError(
                f"{where}: cannot read the {field} time {text!r} (expected e.g. "
                "2026-01-05T07:30:00 or 05.01.2026 07:30)",
                source=self.source,
            )
        return value

    def add(
        self,
        case: str,
        activity: str,
        start: float,
        end: float,
        resource: str,
        org: str,
        role: str,
        line: int,
        where: str,
    ) -> int:
        if start == start and end == end and end < start:
            raise CalibrationError(
                f"{where}: case {case!r}, activity {activity!r} ends before it starts",
                source=self.source,
            )
        code = self.cases.code(case)
        c = self.columns
        c["case"].append(code)
        c["activity"].append(self.activities.code(activity))
        c["start"].append(start)
        c["end"].append(end)
        c["resource"].append(self.resources.code(resource))
        c["org"].append(self.orgs.code(org))
        c["role"].append(self.roles.code(role))
        c["line"].append(line)
        return code

    def attribute(self, case_code: int, name: str, value: str) -> None:
        self.attributes.setdefault(name, {}).setdefault(case_code, value)

    def table(self) -> LogTable:
        c = self.columns
        if not c["case"]:
            raise CalibrationError(
                "the event log has no rows to calibrate from", source=self.source
            )
        start = np.array(c["start"], dtype=float)
        end = np.array(c["end"], dtype=float)
        both = np.concatenate([start[~np.isnan(start)], end[~np.isnan(end)]])
        if not len(both):
            raise CalibrationError("the event log has no times", source=self.source)
        day0 = int(np.floor(both.min() / 1440.0))
        epoch = datetime.fromordinal(day0)
        offset = day0 * 1440.0
        return LogTable(
            source=str(self.source),
            epoch=epoch,
            case=np.array(c["case"], dtype=np.int32),
            case_names=self.cases.names,
            activity=np.array(c["activity"], dtype=np.int32),
            activity_names=self.activities.names,
            start=start - offset,
            end=end - offset,
            resource=np.array(c["resource"], dtype=np.int32),
            resource_names=self.resources.names,
            org=np.array(c["org"], dtype=np.int32),
            org_names=self.orgs.names,
            role=np.array(c["role"], dtype=np.int32),
            role_names=self.roles.names,
            attributes=self.attributes,
            line=np.array(c["line"], dtype=np.int64),
        )


# -- CSV ----------------------------------------------------------------------------


def _sniff(sample: str) -> str:
    first = sample.splitlines()[0] if sample else ""
    try:
        return csv.Sniffer().sniff(first, delimiters=",;\t|").delimiter
    except csv.Error:
        return ","


def _resolve(header: list[str], columns: dict[str, str], path: Path) -> tuple[dict[str, int], bool]:
    """Field -> column index, and whether this is zsa-sim's own log."""
    position = {name: i for i, name in enumerate(header)}
    own = {"case_id", "activity_id", "complete"} <= set(header) and not columns
    found: dict[str, int] = {}
    if own:
        for column, field in OWN_COLUMNS.items():
            if column in position:
                found[field] = position[column]
    normal = {_normal(name): i for i, name in enumerate(header)}
    for field, column in columns.items():
        if column not in position:
            raise CalibrationError(
                f"--columns {field}={column}: no column {column!r} in the header "
                f"({', '.join(header)})",
                source=path,
            )
        found[field] = position[column]
    for field, names in GUESSES.items():
        if field not in found:
            for guess in names:
                if guess in normal and normal[guess] not in found.values():
                    found[field] = normal[guess]
                    break
    for field in ("case", "activity", "end"):
        if field not in found:
            raise CalibrationError(
                f"no {field} column found in the header ({', '.join(header)}); name it "
                f"with --columns {field}=HEADER",
                source=path,
            )
    return found, own


def _read_csv(
    path: Path,
    columns: dict[str, str],
    service: str | None,
    variant: str | None,
    replication: int | None,
) -> LogTable:
    builder = _Builder(path)
    with _open_text(path) as text:
        sample = text.read(65536)
        text.seek(0)
        reader = csv.reader(text, delimiter=_sniff(sample))
        try:
            header = next(reader)
        except StopIteration:
            raise CalibrationError("the event log is empty", source=path) from None
        found, own = _resolve(header, columns, path)
        ignored = set(found.values())
        if own:
            ignored |= {i for i, name in enumerate(header) if name in _OWN_IGNORED}
        extra = [(i, header[i]) for i in range(len(header)) if i not in ignored]
        get = {f: found.get(f) for f in FIELDS}
        filters = []
        if service is not None and get["service"] is not None:
            filters.append((get["service"], service))
        if own and "variant" in header:
            filters.append((header.index("variant"), variant))
        if own and "replication" in header:
            filters.append(
                (header.index("replication"), None if replication is None else str(replication))
            )
        chosen: dict[int, str] = {}
        width = len(header)
        for number, cells in enumerate(reader, start=2):
            if not cells:
                continue
            if len(cells) < width:
                cells = cells + [""] * (width - len(cells))
            skip = False
            for index, wanted in filters:
                value = cells[index]
                if wanted is None:  # first value seen wins (one variant / replication)
                    wanted = chosen.setdefault(index, value)
                if value != wanted:
                    skip = True
                    break
            if skip:
                continue
            where = f"line {number}"
            end = builder.time(cells[get["end"]], where, "end")  # type: ignore[index]
            start = (
                builder.time(cells[get["start"]], where, "start")
                if get["start"] is not None
                else float("nan")
            )
            case = cells[get["case"]]  # type: ignore[index]
            if not case:
                raise CalibrationError(f"{where}: the case id is empty", source=path)
            code = builder.add(
                case,
                cells[get["activity"]],  # type: ignore[index]
                start,
                end,
                cells[get["resource"]] if get["resource"] is not None else "",
                cells[get["org"]] if get["org"] is not None else "",
                cells[get["role"]] if get["role"] is not None else "",
                number,
                where,
            )
            for index, name in extra:
                if cells[index]:
                    builder.attribute(code, name, cells[index])
    return builder.table()


# -- XES ----------------------------------------------------------------------------

_XES_KEYS = {
    "concept:name": "activity",
    "time:timestamp": "time",
    "org:resource": "resource",
    "org:group": "org",
    "org:role": "role",
    "lifecycle:transition": "transition",
    "activity_id": "activity_id",
}


def _events(path: Path) -> Iterator[tuple[int, dict[str, str], list[dict[str, str]]]]:
    """(trace number, trace attributes, its events) per trace, clearing as it goes."""
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import iterparse

    raw = gzip.open(path, "rb") if path.name.endswith(".gz") else open(path, "rb")  # noqa: SIM115
    number = 0
    try:
        with raw:
            context = iterparse(
                raw,
                events=("start", "end"),
                forbid_dtd=True,
                forbid_entities=True,
                forbid_external=True,
            )
            root = None
            for kind, element in context:
                if kind == "start":
                    root = element if root is None else root
                    continue
                if _local(element.tag) != "trace":
                    continue
                number += 1
                attributes = {
                    child.get("key", ""): child.get("value", "")
                    for child in element
                    if _local(child.tag) != "event"
                }
                events = [
                    {child.get("key", ""): child.get("value", "") for child in event}
                    for event in element
                    if _local(event.tag) == "event"
                ]
                # drop the trace, and its empty shell from the log element
                element.clear()
                if root is not None:
                    root.clear()
                yield number, attributes, events
    except DefusedXmlException as err:
        raise CalibrationError(
            "DTDs and entities are not allowed in XES files", source=path
        ) from err
    except (SyntaxError, OSError, EOFError) as err:  # ParseError is a SyntaxError
        raise CalibrationError(f"cannot read the XES file: {err}", source=path) from err


#: trace attributes that are not case attributes
_TRACE_KEYS = ("concept:name", "case_id", "municipality", "service", "variant", "replication")


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _read_xes(
    path: Path, service: str | None, variant: str | None, replication: int | None
) -> LogTable:
    """Pair lifecycle start and complete events per activity instance."""
    builder = _Builder(path)
    chosen: dict[str, str] = {}
    for number, trace, events in _events(path):
        if service is not None and trace.get("service", service) != service:
            continue
        skip = False
        for key, wanted in (("variant", variant), ("replication", replication)):
            if key in trace:
                want = chosen.setdefault(key, trace[key]) if wanted is None else str(wanted)
                skip = skip or trace[key] != want
        if skip:
            continue
        case = trace.get("case_id") or trace.get("concept:name") or f"trace {number}"
        org = trace.get("municipality", "")
        open_starts: dict[tuple[str, str], tuple[float, dict[str, str]]] = {}
        where = f"trace {number} ({case})"
        rows: list[tuple[str, float, float, dict[str, str]]] = []
        for event in events:
            activity = event.get("activity_id") or event.get("concept:name", "")
            t = builder.time(event.get("time:timestamp", ""), where, "event")
            transition = event.get("lifecycle:transition", "complete").lower()
            key = (activity, event.get("concept:instance", ""))
            if transition == "start":
                open_starts[key] = (t, event)
            elif transition == "complete":
                begun = open_starts.pop(key, None)
                rows.append((activity, begun[0] if begun else float("nan"), t, event))
        rows.extend((a, t, float("nan"), e) for (a, _), (t, e) in open_starts.items())
        code = -1
        for activity, start, end, event in rows:
            code = builder.add(
                case,
                activity,
                start,
                end,
                event.get("org:resource", ""),
                org or event.get("org:group", ""),
                event.get("org:role", ""),
                number,
                where,
            )
        if code >= 0:
            for key, value in trace.items():
                if key not in _TRACE_KEYS:
                    builder.attribute(code, key, value)
    return builder.table()
