import gzip
import math
import random
import re
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import defusedxml.ElementTree as SafeET
import pytest

from tests.test_eventlog_csv import NAMES, make_row
from zsa_sim.errors import ResultsError
from zsa_sim.eventlog.xes import (
    EXTENSIONS,
    berlin_utc_offset,
    eu_rule_offset,
    write_xes,
)

NS = "{http://www.xes-standard.org/}"
EPOCH = datetime(2026, 1, 5)
NAN = math.nan
ATTRIBUTE_TAGS = {"string", "date", "int", "float", "boolean", "id", "list"}


def parse(path: Path):
    data = path.read_bytes()
    if path.suffix == ".gz":
        data = gzip.decompress(data)
    return SafeET.fromstring(data)


def local(tag: str) -> str:
    assert tag.startswith(NS), f"element {tag} is outside the XES namespace"
    return tag[len(NS) :]


def attributes(element) -> dict[str, tuple[str, str]]:
    """key -> (type, value) of an element's attribute children."""
    return {
        child.get("key"): (local(child.tag), child.get("value"))
        for child in element
        if local(child.tag) in ATTRIBUTE_TAGS
    }


def traces(root) -> list:
    return root.findall(f"{NS}trace")


def events(trace) -> list[dict[str, str]]:
    return [{k: v for k, (_, v) in attributes(e).items()} for e in trace.findall(f"{NS}event")]


# -- a hand-written check of the IEEE 1849-2016 schema's rules ------------------------
# lxml is not a dependency, so the rules of the standard's XML schema that matter for
# this writer are checked by hand: element order, attribute types and lexical forms.

_NAME = re.compile(r"(?:[^\W\d]|:)[\w.\-:]*")
_NCNAME = re.compile(r"[^\W\d][\w.\-]*")
_LONG = re.compile(r"[+-]?\d+")
_DOUBLE = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?|[+-]?INF|NaN")
_DATETIME = re.compile(r"-?\d{4,}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)?")


def check_attribute(element) -> None:
    kind = local(element.tag)
    assert kind in ATTRIBUTE_TAGS, kind
    key, value = element.get("key"), element.get("value")
    assert key is not None and _NAME.fullmatch(key), key
    assert value is not None
    if kind == "int":
        assert _LONG.fullmatch(value) and -(2**63) <= int(value) < 2**63, value
    elif kind == "float":
        assert _DOUBLE.fullmatch(value), value
    elif kind == "boolean":
        assert value in {"true", "false", "1", "0"}, value
    elif kind == "date":
        assert _DATETIME.fullmatch(value), value
        datetime.fromisoformat(value)
    keys = [child.get("key") for child in element]
    assert len(keys) == len(set(keys))
    for child in element:
        check_attribute(child)


def check_attributes_then(element, allowed_after: list[str]) -> None:
    """Attribute children first (unique keys), then only the allowed elements in order."""
    children = list(element)
    i = 0
    keys = []
    while i < len(children) and local(children[i].tag) in ATTRIBUTE_TAGS:
        check_attribute(children[i])
        keys.append(children[i].get("key"))
        i += 1
    assert len(keys) == len(set(keys)), f"duplicate keys {keys}"
    rank = -1
    for child in children[i:]:
        tag = local(child.tag)
        assert tag in allowed_after, f"<{tag}> not allowed here"
        assert allowed_after.index(tag) >= rank, f"<{tag}> out of order"
        rank = allowed_after.index(tag)


def check_xes_structure(root) -> None:
    assert local(root.tag) == "log"
    assert root.get("xes.version")
    sections = ["extension", "global", "classifier"]
    children = list(root)
    i, rank = 0, 0
    while i < len(children) and local(children[i].tag) in sections:
        tag = local(children[i].tag)
        assert sections.index(tag) >= rank, f"<{tag}> out of order"
        rank = sections.index(tag)
        child = children[i]
        if tag == "extension":
            assert _NCNAME.fullmatch(child.get("name")) and _NCNAME.fullmatch(child.get("prefix"))
            assert child.get("uri")
        elif tag == "global":
            assert child.get("scope") in {"trace", "event"}
            for attribute in child:
                check_attribute(attribute)
        else:
            assert _NCNAME.fullmatch(child.get("name")), child.get("name")
            assert child.get("keys").split()
        i += 1
    rest = children[i:]
    fake = SafeET.fromstring("<x/>")
    fake.extend(rest)
    check_attributes_then(fake, ["trace", "event"])
    for trace in traces(root):
        check_attributes_then(trace, ["event"])
        for event in trace.findall(f"{NS}event"):
            check_attributes_then(event, [])


_LOG = '<log xes.version="1849-2016" xmlns="http://www.xes-standard.org/">{}</log>'


@pytest.mark.parametrize(
    "body",
    [
        '<trace/><extension name="Concept" prefix="concept" uri="u"/>',  # order
        '<classifier name="A" keys="k"/><global scope="event"/>',  # order
        '<classifier name="Activity + Lifecycle" keys="k"/>',  # not an NCName
        '<trace><event/><string key="k" value="v"/></trace>',  # attribute after event
        '<trace><int key="n" value="1.5"/></trace>',  # not xs:long
        '<trace><float key="x" value="nan"/></trace>',  # xs:double spells NaN
        '<trace><date key="t" value="2026-01-05 07:30:00"/></trace>',  # not xs:dateTime
        '<trace><boolean key="b" value="True"/></trace>',  # not xs:boolean
        '<trace><string key="has space" value="v"/></trace>',  # key not xs:Name
        '<trace><string key="k" value="a"/><string key="k" value="b"/></trace>',  # twice
        "<trace><event><trace/></event></trace>",  # events hold attributes only
    ],
)
def test_the_structure_check_rejects_what_the_schema_rejects(body):
    with pytest.raises(AssertionError):
        check_xes_structure(SafeET.fromstring(_LOG.format(body)))


# -- fixtures ---------------------------------------------------------------------


def case_rows(
    case_id: str = "c1", variant: str = "zentral", replication: int = 1, t0: float = 450.0
):
    """A case: start event, a task done, a task started but open, a task never started."""
    return [
        make_row(case_id, activity_id="Start_Antrag", activity_name="Anmeldung eingegangen",
                 enabled=t0, start=t0, complete=t0, effort=0.0, variant=variant,
                 replication=replication),
        make_row(case_id, activity_id="Task_Pruefen", activity_name="Vollständigkeit prüfen",
                 enabled=t0, start=t0 + 5.5, complete=t0 + 20.25, effort=14.75,
                 variant=variant, replication=replication),
        make_row(case_id, activity_id="Task_Bescheid", activity_name="",
                 enabled=t0 + 20.25, start=t0 + 30.0, complete=NAN, effort=30.0,
                 variant=variant, replication=replication),
        make_row(case_id, activity_id="Task_Versand", activity_name="Versand",
                 enabled=t0 + 40.0, start=NAN, complete=NAN, effort=5.0,
                 variant=variant, replication=replication),
    ]  # fmt: skip


def write(path: Path, rows, names=NAMES, epoch=EPOCH, log_name="Hundehaltung") -> int:
    return write_xes(rows, path, epoch, names, log_name)


# -- the log element ----------------------------------------------------------------


def test_the_file_is_xml_in_the_xes_namespace_with_the_version(tmp_path):
    path = tmp_path / "eventlog.xes"
    assert write(path, case_rows()) == 1
    root = parse(path)
    assert root.tag == f"{NS}log"
    assert root.get("xes.version") == "1849-2016"
    check_xes_structure(root)


def test_the_four_standard_extensions_are_declared(tmp_path):
    path = tmp_path / "eventlog.xes"
    write(path, case_rows())
    declared = {
        (e.get("name"), e.get("prefix"), e.get("uri"))
        for e in parse(path).findall(f"{NS}extension")
    }
    assert declared == {
        ("Concept", "concept", "http://www.xes-standard.org/concept.xesext"),
        ("Lifecycle", "lifecycle", "http://www.xes-standard.org/lifecycle.xesext"),
        ("Time", "time", "http://www.xes-standard.org/time.xesext"),
        ("Organizational", "org", "http://www.xes-standard.org/org.xesext"),
    }
    assert {prefix for _, prefix, _ in EXTENSIONS} == {"concept", "lifecycle", "time", "org"}


def test_every_prefixed_key_belongs_to_a_declared_extension(tmp_path):
    path = tmp_path / "eventlog.xes"
    write(path, case_rows())
    root = parse(path)
    prefixes = {e.get("prefix") for e in root.findall(f"{NS}extension")}
    used = {el.get("key").split(":")[0] for el in root.iter() if ":" in (el.get("key") or "")}
    assert used <= prefixes


def test_classifiers_use_global_event_attributes(tmp_path):
    path = tmp_path / "eventlog.xes"
    write(path, case_rows())
    root = parse(path)
    globals_ = {g.get("scope"): attributes(g) for g in root.findall(f"{NS}global")}
    assert set(globals_["event"]) == {"concept:name", "lifecycle:transition", "time:timestamp"}
    assert set(globals_["trace"]) == {"concept:name"}
    classifiers = {c.get("name"): c.get("keys") for c in root.findall(f"{NS}classifier")}
    assert classifiers == {
        "Activity": "concept:name",
        "Activity_Lifecycle": "concept:name lifecycle:transition",
    }
    for keys in classifiers.values():
        assert set(keys.split()) <= set(globals_["event"])


def test_log_attributes_name_the_log_and_say_synthetic(tmp_path):
    path = tmp_path / "eventlog.xes"
    write(path, case_rows(), log_name='Pilot "ZSA" & Co')
    log = attributes(parse(path))
    assert log["concept:name"] == ("string", 'Pilot "ZSA" & Co')
    assert log["lifecycle:model"] == ("string", "standard")
    assert "no real personal data" in log["notice"][1]


# -- traces and events --------------------------------------------------------------


def test_trace_attributes_carry_case_fields_and_typed_case_attributes(tmp_path):
    path = tmp_path / "eventlog.xes"
    rows = [make_row("c1", attributes=("online", True, 2, 1234.5)),
            make_row("c2", enabled=500.0, attributes=("paper", False, 0, NAN))]  # fmt: skip
    write(path, rows)
    first, second = traces(parse(path))
    assert attributes(first) == {
        "concept:name": ("string", "c1"),
        "case_id": ("string", "c1"),
        "service": ("string", "hundehaltung"),
        "municipality": ("string", "Halle (Saale)"),
        "variant": ("string", "zentral"),
        "replication": ("int", "1"),
        "channel": ("string", "online"),
        "list_dog": ("boolean", "true"),
        "missing_documents": ("int", "2"),
        "income": ("float", "1234.5"),
    }
    assert "income" not in attributes(second)  # NaN: no value, so no attribute


def test_events_are_start_and_complete_of_what_happened_in_order(tmp_path):
    path = tmp_path / "eventlog.xes"
    write(path, case_rows())
    (trace,) = traces(parse(path))
    got = [
        (e["concept:name"], e["lifecycle:transition"], e["time:timestamp"]) for e in events(trace)
    ]
    assert got == [
        ("Anmeldung eingegangen", "start", "2026-01-05T07:30:00.000+01:00"),
        ("Anmeldung eingegangen", "complete", "2026-01-05T07:30:00.000+01:00"),
        ("Vollständigkeit prüfen", "start", "2026-01-05T07:35:30.000+01:00"),
        ("Vollständigkeit prüfen", "complete", "2026-01-05T07:50:15.000+01:00"),
        # no name: the id stands in; started but open: start only
        ("Task_Bescheid", "start", "2026-01-05T08:00:00.000+01:00"),
        # Task_Versand never started: no event
    ]


def test_event_attributes_are_typed_and_complete(tmp_path):
    path = tmp_path / "eventlog.xes"
    write(path, case_rows())
    (trace,) = traces(parse(path))
    complete = trace.findall(f"{NS}event")[3]
    assert attributes(complete) == {
        "concept:name": ("string", "Vollständigkeit prüfen"),
        "concept:instance": ("string", "2"),
        "lifecycle:transition": ("string", "complete"),
        "time:timestamp": ("date", "2026-01-05T07:50:15.000+01:00"),
        "org:resource": ("string", "ZSA/tax_clerk#2"),
        "org:role": ("string", "tax_clerk"),
        "org:group": ("string", "ZSA"),
        "activity_id": ("string", "Task_Pruefen"),
        "activity_type": ("string", "userTask"),
        "lane": ("string", "Lane_Steueramt"),
        "effort": ("float", "14.75"),
    }
    start = attributes(trace.findall(f"{NS}event")[2])
    assert "effort" not in start
    assert start["concept:instance"] == ("string", "2")


def test_empty_organisational_fields_are_left_out(tmp_path):
    path = tmp_path / "eventlog.xes"
    row = make_row()._replace(resource="", role="", org_unit="", lane="")
    write(path, [row])
    keys = set(events(traces(parse(path))[0])[0])
    assert not keys & {"org:resource", "org:role", "org:group", "lane"}


def test_simultaneous_events_keep_causal_order(tmp_path):
    # A finishes at 10; B and C are enabled then and start at once; B takes no time.
    # Whatever the row order: A complete, B start, B complete, C start.
    rows = [
        make_row(activity_id="C", activity_name="C", enabled=10.0, start=10.0, complete=12.0),
        make_row(activity_id="A", activity_name="A", enabled=0.0, start=1.0, complete=10.0),
        make_row(activity_id="B", activity_name="B", enabled=10.0, start=10.0, complete=10.0),
    ]
    path = tmp_path / "eventlog.xes"
    write(path, rows)
    got = [(e["concept:name"], e["lifecycle:transition"]) for e in events(traces(parse(path))[0])]
    assert got == [
        ("A", "start"),
        ("A", "complete"),
        ("B", "start"),
        ("B", "complete"),
        ("C", "start"),
        ("C", "complete"),
    ]


def test_instances_enabled_together_are_ordered_by_start_and_completion(tmp_path):
    rows = [
        make_row(activity_id="C", activity_name="C", enabled=10.0, start=10.0, complete=12.0),
        make_row(activity_id="B", activity_name="B", enabled=10.0, start=10.0, complete=10.0),
    ]
    path = tmp_path / "eventlog.xes"
    write(path, rows)
    got = [(e["concept:name"], e["lifecycle:transition"]) for e in events(traces(parse(path))[0])]
    assert got == [("B", "start"), ("B", "complete"), ("C", "start"), ("C", "complete")]


def test_text_is_escaped_and_survives_parsing(tmp_path):
    name = "Prüfen <& \"Nachweise\">\n\tund 'senden'"
    path = tmp_path / "eventlog.xes"
    write(path, [make_row(activity_name=name, attributes=("a&b<c>", True, 0, 1.0))])
    (trace,) = traces(parse(path))
    assert events(trace)[0]["concept:name"] == name
    assert attributes(trace)["channel"] == ("string", "a&b<c>")


def test_a_character_xml_cannot_carry_is_refused_naming_case_and_activity(tmp_path):
    path = tmp_path / "eventlog.xes"
    with pytest.raises(ResultsError, match=r"eventlog.xes: .*case 'c1', activity 'T1'.*XML"):
        write(path, [make_row("c1", activity_id="T1", activity_name="bad\x00name")])
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("concept:foo", "prefix of a standard XES extension"),
        ("has space", "not a valid XES key"),
        ("1st", "not a valid XES key"),
        ("variant", "clashes with the event log column"),
    ],
)
def test_attribute_names_that_are_not_xes_keys_are_refused(tmp_path, name, message):
    row = make_row(attributes=("x",))
    with pytest.raises(ResultsError, match=message):
        write(tmp_path / "eventlog.xes", [row], names=(name,))


# -- traces: grouping, names, order -----------------------------------------------


def test_cases_are_grouped_whatever_the_row_order(tmp_path):
    rows = case_rows("c1") + case_rows("c2", t0=300.0)
    random.Random(4).shuffle(rows)
    path = tmp_path / "eventlog.xes"
    assert write(path, rows) == 2
    names = [attributes(t)["concept:name"][1] for t in traces(parse(path))]
    assert names == ["c2", "c1"]  # by arrival
    assert [len(events(t)) for t in traces(parse(path))] == [5, 5]


def test_shuffled_rows_give_identical_bytes(tmp_path):
    rows = [r for i in range(20) for r in case_rows(f"c{i}", t0=100.0 * i)]
    shuffled = rows[:]
    random.Random(1).shuffle(shuffled)
    write(tmp_path / "a.xes.gz", rows)
    write(tmp_path / "b.xes.gz", shuffled)
    assert (tmp_path / "a.xes.gz").read_bytes() == (tmp_path / "b.xes.gz").read_bytes()


def test_gzip_output_is_deterministic_and_parses(tmp_path):
    path = tmp_path / "eventlog.xes.gz"
    write(path, case_rows())
    head = path.read_bytes()[:10]
    assert head[:2] == b"\x1f\x8b" and head[3] & 0x08 == 0 and head[4:8] == b"\0\0\0\0"
    check_xes_structure(parse(path))


def test_case_ids_reused_across_variants_and_replications_are_qualified(tmp_path):
    rows = (
        case_rows("c1", "dezentral", 1)
        + case_rows("c1", "zentral", 1)
        + case_rows("c1", "zentral", 2)
    )
    path = tmp_path / "eventlog.xes"
    assert write(path, rows) == 3
    found = [
        (attributes(t)["concept:name"][1], attributes(t)["case_id"][1]) for t in traces(parse(path))
    ]
    assert found == [
        ("dezentral/1/c1", "c1"),
        ("zentral/1/c1", "c1"),
        ("zentral/2/c1", "c1"),
    ]


def test_same_case_id_in_two_municipalities_stays_two_traces(tmp_path):
    rows = [make_row("1"), make_row("1")._replace(municipality="Zerbst/Anhalt")]
    path = tmp_path / "eventlog.xes"
    assert write(path, rows) == 2
    found = sorted(attributes(t)["concept:name"][1] for t in traces(parse(path)))
    assert found == [
        "zentral/1/hundehaltung/Halle (Saale)/1",
        "zentral/1/hundehaltung/Zerbst/Anhalt/1",
    ]


def test_an_empty_log_is_valid(tmp_path):
    path = tmp_path / "eventlog.xes"
    assert write(path, []) == 0
    root = parse(path)
    check_xes_structure(root)
    assert traces(root) == []


# -- time zone --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("epoch", "minutes", "stamp"),
    [
        (datetime(2026, 1, 5), 450.0, "2026-01-05T07:30:00.000+01:00"),
        (datetime(2026, 7, 6), 450.0, "2026-07-06T07:30:00.000+02:00"),
        # spring-forward day: 01:59 winter, 03:00 summer (the wall clock keeps 1440
        # minutes a day, so 02:30 exists in the simulation and takes the old offset)
        (datetime(2026, 3, 29), 119.0, "2026-03-29T01:59:00.000+01:00"),
        (datetime(2026, 3, 29), 150.0, "2026-03-29T02:30:00.000+01:00"),
        (datetime(2026, 3, 29), 180.0, "2026-03-29T03:00:00.000+02:00"),
        # fall-back day: 02:30 is taken as the first (summer) 02:30
        (datetime(2026, 10, 25), 150.0, "2026-10-25T02:30:00.000+02:00"),
        (datetime(2026, 10, 25), 180.0, "2026-10-25T03:00:00.000+01:00"),
    ],
)
def test_timestamps_carry_the_berlin_offset(tmp_path, epoch, minutes, stamp):
    path = tmp_path / "eventlog.xes"
    write(path, [make_row(enabled=minutes, start=minutes, complete=NAN)], epoch=epoch)
    assert events(traces(parse(path))[0])[0]["time:timestamp"] == stamp


def test_the_eu_rule_agrees_with_the_time_zone_database():
    zone = ZoneInfo("Europe/Berlin")
    t = datetime(2024, 1, 1)
    while t < datetime(2032, 1, 1):
        assert eu_rule_offset(t) == t.replace(tzinfo=zone).utcoffset(), t
        t += timedelta(hours=1)
    for year in range(2024, 2032):
        for month in (3, 10):
            day = max(
                datetime(year, month, d)
                for d in range(25, 32)
                if datetime(year, month, d).weekday() == 6
            )
            for minute in range(60, 240):
                wall = day + timedelta(minutes=minute)
                assert eu_rule_offset(wall) == berlin_utc_offset(wall), wall


# -- tools --------------------------------------------------------------------------


def test_pm4py_reads_the_log_if_installed(tmp_path):
    pm4py = pytest.importorskip("pm4py")
    path = tmp_path / "eventlog.xes"
    write(path, case_rows("c1") + case_rows("c2", t0=600.0))
    frame = pm4py.read_xes(str(path))
    assert sorted(frame["case:concept:name"].unique()) == ["c1", "c2"]
    assert len(frame) == 10
