"""The event log as XES (IEEE 1849-2016), the exchange format of process-mining tools.

XES groups events by case: a ``<trace>`` per case holding its ``<event>`` elements. Each
activity instance (one :class:`~zsa_sim.eventlog.schema.ActivityRecord`) becomes up to
two events of the standard lifecycle model: ``start`` when work began and ``complete``
when it finished. An instance that never started (still queued at the end of the run)
gives no event; one that started but did not finish gives only ``start``. The CSV keeps
the full picture, including when each instance was enabled.

The log declares the Concept, Lifecycle, Time and Organizational extensions, global
attributes and two classifiers (activity; activity and transition).

* ``concept:name`` of a trace is the case id. When the same case id occurs in several
  variants or replications (common random numbers reuse ids on purpose) it is qualified
  as ``variant/replication/case id`` (adding service and municipality if still needed),
  because tools key cases by name alone. The raw id is kept in ``case_id``.
* ``concept:name`` of an event is the activity name (its id when it has none);
  ``concept:instance`` numbers the activity instances within the trace; ``org:resource``,
  ``org:role`` and ``org:group`` (organisational unit) are left out when empty;
  ``activity_id``, ``activity_type``, ``lane`` and, on ``complete`` events, ``effort``
  (working minutes) are plain attributes.
* ``time:timestamp`` is an ``xs:dateTime`` with the offset of Europe/Berlin for the
  simulated wall-clock time (+01:00 in winter, +02:00 in summer), rounded to the second
  like the CSV. Wall times that do not exist or occur twice at the daylight-saving
  switch take the offset in force before the switch (zoneinfo's ``fold=0``).
* Traces are ordered by variant, replication and arrival; events by time, then
  instance (by enabled, start and completion time), then start before complete. The
  same rows give the same bytes whatever their order (gzip with mtime 0 and no file
  name for ``.gz`` names).

Memory: XES needs every event of a case in one place, so rows are grouped in memory
(proportional to the log). For very large runs the streamed CSV is the format to keep;
the XES export is for the sizes process-mining tools handle anyway.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import zsa_sim
from zsa_sim.errors import ResultsError
from zsa_sim.eventlog.csv_log import (
    SYNTHETIC_NOTICE,
    WallClock,
    check_attribute_names,
    open_text_writer,
)
from zsa_sim.eventlog.schema import ActivityRecord

#: The XES standard extensions this log uses: (name, prefix, uri).
EXTENSIONS: tuple[tuple[str, str, str], ...] = (
    ("Concept", "concept", "http://www.xes-standard.org/concept.xesext"),
    ("Lifecycle", "lifecycle", "http://www.xes-standard.org/lifecycle.xesext"),
    ("Time", "time", "http://www.xes-standard.org/time.xesext"),
    ("Organizational", "org", "http://www.xes-standard.org/org.xesext"),
)
XES_NAMESPACE = "http://www.xes-standard.org/"
#: (classifier name, keys); names are xs:NCName as the schema requires.
CLASSIFIERS: tuple[tuple[str, str], ...] = (
    ("Activity", "concept:name"),
    ("Activity_Lifecycle", "concept:name lifecycle:transition"),
)
TIME_ZONE = "Europe/Berlin"

_INVALID_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_XS_NAME = re.compile(r"(?:[^\W\d]|:)[\w.\-:]*")
_ESCAPES = str.maketrans(
    {
        "&": "&amp;",
        "<": "&lt;",
        ">": "&gt;",
        '"': "&quot;",
        "\t": "&#9;",
        "\n": "&#10;",
        "\r": "&#13;",
    }
)


# -- time ---------------------------------------------------------------------------


def _last_sunday(year: int, month: int) -> date:
    last = date(year, month, 31)
    return last - timedelta(days=(last.weekday() - 6) % 7)


def eu_rule_offset(wall: datetime) -> timedelta:
    """UTC offset of German wall-clock time by the EU rule in force since 1996.

    Summer time runs from 03:00 on the last Sunday of March to 03:00 on the last Sunday
    of October (wall clock); the gap and the repeated hour get the offset before the
    switch. Used when the system has no time-zone database (Windows without tzdata).
    """
    spring = datetime.combine(_last_sunday(wall.year, 3), datetime.min.time()) + timedelta(hours=3)
    autumn = datetime.combine(_last_sunday(wall.year, 10), datetime.min.time()) + timedelta(hours=3)
    return timedelta(hours=2) if spring <= wall < autumn else timedelta(hours=1)


def _zone() -> ZoneInfo | None:
    try:
        return ZoneInfo(TIME_ZONE)
    except ZoneInfoNotFoundError:
        return None


def berlin_utc_offset(wall: datetime) -> timedelta:
    """UTC offset of a Europe/Berlin wall-clock time (fold=0 at the switches)."""
    zone = _zone()
    if zone is None:
        return eu_rule_offset(wall)
    offset = zone.utcoffset(wall.replace(tzinfo=None, fold=0))
    assert offset is not None
    return offset


def _format_offset(offset: timedelta) -> str:
    minutes = round(offset.total_seconds() / 60)
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


class _XesClock:
    """Minutes since the epoch -> ``2026-01-05T07:30:00.000+01:00``.

    The offset is cached per day unless the day has a daylight-saving switch.
    """

    def __init__(self, epoch: datetime, source: Path) -> None:
        self._wall = WallClock(epoch, source)
        self._day_offsets: dict[str, str | None] = {}

    def _offset(self, wall: datetime) -> str:
        return _format_offset(berlin_utc_offset(wall))

    def format(self, t: float) -> str:
        text = self._wall.format(t)
        day = text[:10]
        offset = self._day_offsets.get(day, "")
        if offset == "":
            midnight = datetime.fromisoformat(day)
            first = self._offset(midnight)
            last = self._offset(midnight + timedelta(hours=23, minutes=59, seconds=59))
            offset = self._day_offsets[day] = first if first == last else None
        if offset is None:
            offset = self._offset(datetime.fromisoformat(text))
        return f"{text}.000{offset}"


# -- values -------------------------------------------------------------------------


def _text(value: str, where: str) -> str:
    if _INVALID_XML.search(value):
        raise ValueError(f"{where}: text {value!r} holds a character XML cannot carry")
    return value.translate(_ESCAPES)


def _typed(key: str, value: Any, where: str) -> str | None:
    """One XES attribute element, or None for a missing value (None, NaN)."""
    if hasattr(value, "item") and not isinstance(value, str):  # numpy scalars
        value = value.item()
    if value is None:
        return None
    if isinstance(value, bool):
        return f'<boolean key="{key}" value="{"true" if value else "false"}"/>'
    if isinstance(value, int):
        return f'<int key="{key}" value="{value}"/>'
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if math.isinf(value):
            return f'<float key="{key}" value="{"INF" if value > 0 else "-INF"}"/>'
        return f'<float key="{key}" value="{float.__repr__(value)}"/>'
    if isinstance(value, str):
        return f'<string key="{key}" value="{_text(value, where)}"/>'
    raise ValueError(f"{where}: attribute {key!r} has a value of type {type(value).__name__}")


def check_xes_attribute_names(
    attribute_names: Sequence[str], source: str | Path | None = None
) -> tuple[str, ...]:
    """Attribute names must be XES keys (xs:Name) outside the declared extensions."""
    names = check_attribute_names(attribute_names, source)
    prefixes = tuple(f"{prefix}:" for _, prefix, _ in EXTENSIONS)
    for name in names:
        if not _XS_NAME.fullmatch(name):
            raise ResultsError(
                f"case attribute {name!r} is not a valid XES key (letters, digits, _ - . :)",
                source=source,
            )
        if name.startswith(prefixes):
            raise ResultsError(
                f"case attribute {name!r} uses the prefix of a standard XES extension",
                source=source,
            )
    return names


# -- structure ----------------------------------------------------------------------

_CaseKey = tuple[str, int, str, str, str]  # variant, replication, service, municipality, case


def _group(rows: Iterable[ActivityRecord]) -> dict[_CaseKey, list[ActivityRecord]]:
    cases: dict[_CaseKey, list[ActivityRecord]] = {}
    for row in rows:
        key = (row.variant, row.replication, row.service, row.municipality, row.case_id)
        group = cases.get(key)
        if group is None:
            cases[key] = [row]
        else:
            group.append(row)
    return cases


def _trace_names(keys: Iterable[_CaseKey]) -> dict[_CaseKey, str]:
    """The shortest qualification of case ids that makes every trace name unique."""
    keys = list(keys)
    for qualify in (
        lambda k: k[4],
        lambda k: f"{k[0]}/{k[1]}/{k[4]}",
        lambda k: f"{k[0]}/{k[1]}/{k[2]}/{k[3]}/{k[4]}",
    ):
        names = {key: qualify(key) for key in keys}
        if len(set(names.values())) == len(names):
            return names
    raise AssertionError("case keys are unique, so the full qualification is")  # pragma: no cover


def _arrival(rows: list[ActivityRecord]) -> float:
    times = [r.enabled for r in rows if not math.isnan(r.enabled)]
    return min(times) if times else math.inf


def _or_inf(t: float) -> float:
    return math.inf if math.isnan(t) else t


def _instance_order(rows: list[ActivityRecord]) -> list[ActivityRecord]:
    """A case's activity instances in the order they were enabled, started, completed.

    Independent of the order the rows arrived in, except for instances that agree in
    all of these, their activity and their resource (those keep their arrival order).
    """
    return sorted(
        rows,
        key=lambda r: (_or_inf(r.enabled), _or_inf(r.start), _or_inf(r.complete),
                       r.activity_id, r.resource),
    )  # fmt: skip


def _events(instances: list[ActivityRecord]) -> list[tuple[float, int, int, ActivityRecord]]:
    """(time, instance number, transition, row) of every event of a case, in log order."""
    events = []
    for instance, row in enumerate(instances, start=1):
        if math.isnan(row.start):
            continue  # never began: no lifecycle event happened
        events.append((row.start, instance, 0, row))
        if not math.isnan(row.complete):
            events.append((row.complete, instance, 1, row))
    events.sort(key=lambda e: e[:3])
    return events


class _Writer:
    def __init__(self, out: IO[str], clock: _XesClock, attribute_names: tuple[str, ...]) -> None:
        self.out = out
        self.clock = clock
        self.attribute_names = attribute_names
        self._activity: dict[tuple[str, ...], tuple[str, str]] = {}

    def header(self, log_name: str) -> None:
        w = self.out.write
        w('<?xml version="1.0" encoding="UTF-8"?>\n')
        w(f"<!-- {SYNTHETIC_NOTICE} -->\n")
        w(f'<log xes.version="1849-2016" xes.features="" xmlns="{XES_NAMESPACE}">\n')
        for name, prefix, uri in EXTENSIONS:
            w(f'  <extension name="{name}" prefix="{prefix}" uri="{uri}"/>\n')
        w('  <global scope="trace">\n')
        w('    <string key="concept:name" value="__INVALID__"/>\n')
        w("  </global>\n")
        w('  <global scope="event">\n')
        w('    <string key="concept:name" value="__INVALID__"/>\n')
        w('    <string key="lifecycle:transition" value="complete"/>\n')
        w('    <date key="time:timestamp" value="1970-01-01T00:00:00.000+00:00"/>\n')
        w("  </global>\n")
        for name, keys in CLASSIFIERS:
            w(f'  <classifier name="{name}" keys="{keys}"/>\n')
        w(f'  <string key="concept:name" value="{_text(log_name, "log name")}"/>\n')
        w('  <string key="lifecycle:model" value="standard"/>\n')
        w(f'  <string key="notice" value="{_text(SYNTHETIC_NOTICE, "notice")}"/>\n')
        w(f'  <string key="creator" value="zsa-sim {zsa_sim.__version__}"/>\n')

    def trace(self, name: str, rows: list[ActivityRecord]) -> None:
        rows = _instance_order(rows)
        first = rows[0]
        where = f"case {first.case_id!r}"
        lines = ["  <trace>\n"]
        fixed = (
            ("concept:name", name),
            ("case_id", first.case_id),
            ("service", first.service),
            ("municipality", first.municipality),
            ("variant", first.variant),
            ("replication", first.replication),
        )
        attributes = first.attributes
        if len(attributes) != len(self.attribute_names):
            raise ValueError(
                f"{where}: {len(attributes)} attribute values for "
                f"{len(self.attribute_names)} attribute names"
            )
        for key, value in (*fixed, *zip(self.attribute_names, attributes, strict=True)):
            element = _typed(key, value, where)
            if element is not None:
                lines.append(f"    {element}\n")
        for time, instance, transition, row in _events(rows):
            lines.append(self._event(time, instance, transition, row, where))
        lines.append("  </trace>\n")
        self.out.write("".join(lines))

    def _event(
        self, time: float, instance: int, transition: int, row: ActivityRecord, where: str
    ) -> str:
        key = (row.activity_id, row.activity_name, row.activity_type, row.lane, row.role,
               row.org_unit, row.resource)  # fmt: skip
        activity = self._activity.get(key)
        if activity is None:
            activity = self._activity_text(key, where)
        stamp = self.clock.format(time)
        if transition == 0:
            return (
                f"    <event>\n      {activity[0]}\n"
                f'      <string key="concept:instance" value="{instance}"/>\n'
                f'      <string key="lifecycle:transition" value="start"/>\n'
                f'      <date key="time:timestamp" value="{stamp}"/>\n'
                f"{activity[1]}    </event>\n"
            )
        # Effort at the CSV's resolution (1e-6 minutes); + 0.0 turns -0.0 into 0.0.
        effort = _typed("effort", round(row.effort, 6) + 0.0, where)
        effort_line = f"      {effort}\n" if effort else ""
        return (
            f"    <event>\n      {activity[0]}\n"
            f'      <string key="concept:instance" value="{instance}"/>\n'
            f'      <string key="lifecycle:transition" value="complete"/>\n'
            f'      <date key="time:timestamp" value="{stamp}"/>\n'
            f"{activity[1]}{effort_line}    </event>\n"
        )

    def _activity_text(self, key: tuple[str, ...], where: str) -> tuple[str, str]:
        activity_id, name, activity_type, lane, role, org_unit, resource = key
        where = f"{where}, activity {activity_id!r}"
        name_line = f'<string key="concept:name" value="{_text(name or activity_id, where)}"/>'
        rest = [
            (key_, value)
            for key_, value in (
                ("org:resource", resource),
                ("org:role", role),
                ("org:group", org_unit),
                ("activity_id", activity_id),
                ("activity_type", activity_type),
                ("lane", lane),
            )
            if value
        ]
        tail = "".join(f"      {_typed(k, v, where)}\n" for k, v in rest)
        if len(self._activity) > 4096:
            self._activity.clear()
        text = self._activity[key] = (name_line, tail)
        return text

    def footer(self) -> None:
        self.out.write("</log>\n")


def write_xes(
    rows: Iterable[ActivityRecord],
    path: str | Path,
    epoch: datetime,
    attribute_names: Sequence[str],
    log_name: str,
) -> int:
    """Write rows as an XES log (gzip for ``.gz`` names); return the number of traces.

    Rows may come in any order; they are grouped by case in memory. The file appears
    under its name only when complete.
    """
    path = Path(path)
    names = check_xes_attribute_names(attribute_names, path)
    clock = _XesClock(epoch, path)
    cases = _group(rows)
    order = sorted(
        cases,
        key=lambda k: (k[0], k[1], _arrival(cases[k]), k[2], k[3], k[4]),
    )
    trace_names = _trace_names(order)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as raw:
            text, zipped = open_text_writer(raw, path.suffix == ".gz")
            try:
                writer = _Writer(text, clock, names)
                writer.header(log_name)
                for key in order:
                    writer.trace(trace_names[key], cases[key])
                writer.footer()
                text.flush()
            finally:
                text.detach()
                if zipped is not None:
                    zipped.close()
        os.replace(tmp, path)
    except BaseException as err:
        tmp.unlink(missing_ok=True)
        if isinstance(err, ValueError | OverflowError | OSError):
            raise ResultsError(f"cannot write the XES log: {err}", source=path) from err
        raise
    return len(order)
