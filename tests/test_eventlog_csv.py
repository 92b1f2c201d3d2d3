import csv
import gzip
import json
import math
import random
import tracemalloc
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zsa_sim.errors import ResultsError
from zsa_sim.eventlog.csv_log import (
    SYNTHETIC_NOTICE,
    CsvEventLogWriter,
    header_member,
    join_event_logs,
    metadata_path,
    read_event_log,
    read_event_log_rows,
)
from zsa_sim.eventlog.schema import CORE_FIELDS, ActivityRecord

EPOCH = datetime(2026, 1, 5)  # a Monday
NAMES = ("channel", "list_dog", "missing_documents", "income")
NAN = math.nan


def make_row(
    case_id: str = "hundehaltung/Halle/1",
    *,
    activity_id: str = "Task_Pruefen",
    activity_name: str = "Vollständigkeit prüfen",
    enabled: float = 450.0,
    start: float = 455.5,
    complete: float = 470.25,
    effort: float = 14.75,
    attributes: tuple = ("online", True, 0, 1234.5),
    replication: int = 1,
    variant: str = "zentral",
) -> ActivityRecord:
    return ActivityRecord(
        case_id=case_id,
        service="hundehaltung",
        municipality="Halle (Saale)",
        variant=variant,
        replication=replication,
        activity_id=activity_id,
        activity_name=activity_name,
        activity_type="userTask",
        lane="Lane_Steueramt",
        role="tax_clerk",
        org_unit="ZSA",
        resource="ZSA/tax_clerk#2",
        enabled=enabled,
        start=start,
        complete=complete,
        effort=effort,
        attributes=attributes,
    )


def write(path: Path, rows, names=NAMES, epoch=EPOCH) -> None:
    with CsvEventLogWriter(path, epoch, names) as writer:
        for row in rows:
            writer.record(row)


def lines(path: Path) -> list[str]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8", newline="") as f:
        return f.read().split("\n")


def cells(path: Path) -> list[list[str]]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8", newline="") as f:
        return list(csv.reader(f))


def same(a: ActivityRecord, b: ActivityRecord) -> bool:
    """Equality that treats NaN as equal to NaN."""

    def eq(x, y) -> bool:
        if isinstance(x, float) and isinstance(y, float) and math.isnan(x) and math.isnan(y):
            return True
        if isinstance(x, tuple):
            return len(x) == len(y) and all(eq(i, j) for i, j in zip(x, y, strict=True))
        return type(x) is type(y) and x == y

    return all(eq(x, y) for x, y in zip(a, b, strict=True))


# -- layout -----------------------------------------------------------------------


def test_header_is_core_fields_then_plain_attribute_names(tmp_path):
    path = tmp_path / "eventlog.csv"
    write(path, [make_row()])
    assert cells(path)[0] == [*CORE_FIELDS, *NAMES]


def test_row_cells_are_formatted_exactly(tmp_path):
    path = tmp_path / "eventlog.csv"
    write(path, [make_row()])
    row = cells(path)[1]
    assert row == [
        "hundehaltung/Halle/1",
        "hundehaltung",
        "Halle (Saale)",
        "zentral",
        "1",
        "Task_Pruefen",
        "Vollständigkeit prüfen",
        "userTask",
        "Lane_Steueramt",
        "tax_clerk",
        "ZSA",
        "ZSA/tax_clerk#2",
        "2026-01-05T07:30:00",
        "2026-01-05T07:35:30",
        "2026-01-05T07:50:15",
        "14.75",
        "online",
        "true",
        "0",
        "1234.5",
    ]


def test_times_are_rounded_to_the_second_and_cross_midnight(tmp_path):
    path = tmp_path / "eventlog.csv"
    # 1439.9999 min rounds to 24:00:00 -> next day; 0.499 s rounds down, 0.51 s up.
    write(
        path,
        [make_row(enabled=1439.9999, start=2 * 1440 + 0.499 / 60, complete=0.51 / 60)],
    )
    enabled, start, complete = cells(path)[1][12:15]
    assert enabled == "2026-01-06T00:00:00"
    assert start == "2026-01-07T00:00:00"
    assert complete == "2026-01-05T00:00:01"


def test_epoch_with_time_of_day_and_times_before_it(tmp_path):
    path = tmp_path / "eventlog.csv"
    write(path, [make_row(enabled=-30.0, start=0.0, complete=60.0)], epoch=datetime(2026, 1, 5, 8))
    assert cells(path)[1][12:15] == [
        "2026-01-05T07:30:00",
        "2026-01-05T08:00:00",
        "2026-01-05T09:00:00",
    ]


def test_wall_clock_ignores_daylight_saving_time(tmp_path):
    # 2026-03-29 is the spring-forward Sunday in Berlin; the simulated day has 1440
    # minutes, so 180 minutes after midnight is 03:00 on the office clock.
    path = tmp_path / "eventlog.csv"
    write(
        path, [make_row(enabled=120.0, start=180.0, complete=1440.0)], epoch=datetime(2026, 3, 29)
    )
    assert cells(path)[1][12:15] == [
        "2026-03-29T02:00:00",
        "2026-03-29T03:00:00",
        "2026-03-30T00:00:00",
    ]


def test_nan_is_an_empty_cell_and_booleans_are_lowercase(tmp_path):
    path = tmp_path / "eventlog.csv"
    write(
        path,
        [make_row(start=NAN, complete=NAN, attributes=("paper", False, 2, NAN))],
    )
    row = cells(path)[1]
    assert row[13:15] == ["", ""]
    assert row[16:] == ["paper", "false", "2", ""]


@pytest.mark.parametrize(
    ("effort", "text"),
    [
        (14.75, "14.75"),
        (5.0, "5"),
        (0.0, "0"),
        (-0.0, "0"),
        (11.623456789, "11.623457"),
        (1e-7, "0"),
        (2.0000004, "2"),
    ],
)
def test_effort_is_rounded_to_a_millionth_of_a_minute(tmp_path, effort, text):
    path = tmp_path / "eventlog.csv"
    write(path, [make_row(effort=effort)])
    assert cells(path)[1][15] == text


def test_float_attributes_use_the_shortest_round_trip_repr(tmp_path):
    path = tmp_path / "eventlog.csv"
    write(path, [make_row(attributes=("x", True, 1, 0.1 + 0.2))])
    assert cells(path)[1][-1] == "0.30000000000000004"


def test_negative_zero_is_written_as_zero(tmp_path):
    path = tmp_path / "eventlog.csv"
    write(path, [make_row(attributes=("x", True, 1, v)) for v in (0.0, -0.0)])
    assert [r[-1] for r in cells(path)[1:]] == ["0.0", "0.0"]


def test_numpy_scalars_are_written_like_python_values(tmp_path):
    path = tmp_path / "eventlog.csv"
    row = make_row(attributes=(np.str_("x"), np.bool_(True), np.int64(3), np.float64(2.5)))
    write(path, [row])
    assert cells(path)[1][16:] == ["x", "true", "3", "2.5"]


def test_equal_values_of_different_types_print_by_their_own_type(tmp_path):
    # 1, 1.0 and True are equal (and hash alike) but must not share a cached cell.
    path = tmp_path / "eventlog.csv"
    rows = [make_row(attributes=("x", True, 1, value)) for value in (1, 1.0, True, 1)]
    write(path, rows)
    assert [r[-1] for r in cells(path)[1:]] == ["1", "1.0", "true", "1"]


def test_text_with_commas_quotes_and_line_breaks_is_quoted(tmp_path):
    path = tmp_path / "eventlog.csv"
    name = 'Bescheid "Hundesteuer", erstellen\nund senden'
    write(path, [make_row(activity_name=name, attributes=('a,"b"', True, 0, 1.0))])
    row = cells(path)[1]
    assert row[6] == name
    assert row[16] == 'a,"b"'


def test_no_comment_or_blank_lines_and_unix_line_ends(tmp_path):
    path = tmp_path / "eventlog.csv.gz"
    write(path, [make_row(), make_row("c2")])
    text = lines(path)
    assert text[0].startswith("case_id,")
    assert text[-1] == ""  # the file ends with one newline
    assert all(line and not line.startswith("#") for line in text[:-1])
    assert "\r" not in "".join(text)


# -- determinism and gzip -----------------------------------------------------------


def test_same_rows_give_identical_bytes(tmp_path):
    rows = [
        make_row(f"c{i}", enabled=i * 7.3, start=i * 7.3 + 1, complete=i * 8.1) for i in range(500)
    ]
    write(tmp_path / "a.csv.gz", rows)
    write(tmp_path / "b.csv.gz", rows)
    assert (tmp_path / "a.csv.gz").read_bytes() == (tmp_path / "b.csv.gz").read_bytes()


def test_gzip_header_has_no_time_and_no_file_name(tmp_path):
    path = tmp_path / "eventlog.csv.gz"
    write(path, [make_row()])
    head = path.read_bytes()[:10]
    assert head[:2] == b"\x1f\x8b"
    assert head[3] & 0x08 == 0  # FNAME flag not set
    assert head[4:8] == b"\x00\x00\x00\x00"  # MTIME = 0


def test_plain_name_is_not_compressed(tmp_path):
    path = tmp_path / "eventlog.csv"
    write(path, [make_row()])
    assert path.read_bytes().startswith(b"case_id,")


# -- atomic file, errors ------------------------------------------------------------


def test_file_and_metadata_appear_only_when_closed(tmp_path):
    path = tmp_path / "eventlog.csv.gz"
    writer = CsvEventLogWriter(path, EPOCH, NAMES)
    writer.record(make_row())
    assert not path.exists()
    writer.close()
    assert path.exists()
    assert metadata_path(path).exists()
    assert writer.rows_written == 1


def test_an_exception_leaves_no_file_behind(tmp_path):
    path = tmp_path / "eventlog.csv.gz"
    with (
        pytest.raises(RuntimeError, match="engine failed"),
        CsvEventLogWriter(path, EPOCH, NAMES) as writer,
    ):
        writer.record(make_row())
        raise RuntimeError("engine failed")
    assert list(tmp_path.iterdir()) == []


def test_record_after_close_is_refused(tmp_path):
    writer = CsvEventLogWriter(tmp_path / "e.csv", EPOCH, NAMES)
    writer.close()
    with pytest.raises(ResultsError, match="already closed"):
        writer.record(make_row())


@pytest.mark.parametrize(
    ("names", "message"),
    [
        (("channel", "service"), r"case attribute 'service' clashes with the event log column"),
        (("channel", "channel"), r"case attribute 'channel' is listed twice"),
        (("channel", " "), r"case attribute name ' ' is empty"),
    ],
)
def test_bad_attribute_names_are_refused_naming_the_file(tmp_path, names, message):
    path = tmp_path / "eventlog.csv"
    with pytest.raises(ResultsError, match=message) as info:
        CsvEventLogWriter(path, EPOCH, names)
    assert str(path) in str(info.value)
    assert not path.exists()


def test_a_row_with_the_wrong_number_of_attributes_is_refused(tmp_path):
    with (
        pytest.raises(ResultsError, match=r"case 'c1': 2 attribute values for 4 attribute columns"),
        CsvEventLogWriter(tmp_path / "e.csv", EPOCH, NAMES) as writer,
    ):
        writer.record(make_row("c1", attributes=("x", True)))


def test_an_unwritable_value_names_case_and_activity(tmp_path):
    with (
        pytest.raises(ResultsError, match=r"case 'c1', activity 'Task_Pruefen'.*list"),
        CsvEventLogWriter(tmp_path / "e.csv", EPOCH, NAMES) as writer,
    ):
        writer.record(make_row("c1", attributes=("x", True, [1], 1.0)))


def test_an_aware_epoch_is_refused(tmp_path):
    from datetime import UTC

    with pytest.raises(ResultsError, match="must be a local"):
        CsvEventLogWriter(tmp_path / "e.csv", datetime(2026, 1, 1, tzinfo=UTC), NAMES)


# -- metadata ---------------------------------------------------------------------


def test_metadata_says_synthetic_and_records_epoch_and_types(tmp_path):
    path = tmp_path / "eventlog.csv.gz"
    rows = [
        make_row("c1", attributes=("online", True, 0, 1)),
        make_row("c2", attributes=("paper", False, 2, 2.5)),
    ]
    write(path, rows)
    meta_file = tmp_path / "eventlog.meta.json"
    assert metadata_path(path) == meta_file
    meta = json.loads(meta_file.read_text(encoding="utf-8"))
    assert meta["notice"] == SYNTHETIC_NOTICE
    assert "no real personal data" in meta["notice"]
    assert meta["epoch"] == "2026-01-05T00:00:00"
    assert meta["rows"] == 2
    # int then float in one column widens to float
    assert meta["attribute_types"] == {
        "channel": "str",
        "list_dog": "bool",
        "missing_documents": "int",
        "income": "float",
    }
    assert meta["columns"] == [*CORE_FIELDS, *NAMES]


def test_mixed_text_and_numbers_are_recorded_as_text(tmp_path):
    path = tmp_path / "e.csv"
    write(
        path, [make_row(attributes=("x", True, 1, 1.0)), make_row(attributes=("x", True, "2", 1.0))]
    )
    meta = json.loads(metadata_path(path).read_text(encoding="utf-8"))
    assert meta["attribute_types"]["missing_documents"] == "str"


# -- reading ----------------------------------------------------------------------


def test_round_trip_gives_the_same_rows(tmp_path):
    rows = [
        make_row("c1"),
        make_row("c1", activity_id="End", start=NAN, complete=NAN, effort=0.0),
        make_row(
            "c2",
            enabled=10 * 1440 + 1 / 60,
            start=10 * 1440 + 2.0,
            complete=NAN,
            attributes=("paper", False, 3, NAN),
        ),
    ]
    path = tmp_path / "eventlog.csv.gz"
    write(path, rows)
    back = list(read_event_log_rows(path, EPOCH, NAMES))
    assert len(back) == len(rows)
    for original, read in zip(rows, back, strict=True):
        assert same(original, read), (original, read)


def test_read_event_log_gives_typed_dicts_using_the_metadata_epoch(tmp_path):
    path = tmp_path / "eventlog.csv"
    write(path, [make_row(start=NAN)])
    (record,) = read_event_log(path)
    assert list(record) == [*CORE_FIELDS, *NAMES]
    assert record["replication"] == 1
    assert record["enabled"] == 450.0
    assert math.isnan(record["start"])
    assert record["complete"] == 470.25
    assert record["effort"] == 14.75
    assert (
        record["channel"],
        record["list_dog"],
        record["missing_documents"],
        record["income"],
    ) == (
        "online",
        True,
        0,
        1234.5,
    )


def test_an_explicit_epoch_shifts_the_minutes(tmp_path):
    path = tmp_path / "eventlog.csv"
    write(path, [make_row()])
    (record,) = read_event_log(path, datetime(2026, 1, 4))
    assert record["enabled"] == 450.0 + 1440.0


def test_without_metadata_attributes_are_text_and_the_epoch_is_needed(tmp_path):
    path = tmp_path / "eventlog.csv"
    write(path, [make_row()])
    metadata_path(path).unlink()
    with pytest.raises(ResultsError, match="pass the epoch"):
        read_event_log(path)
    (record,) = read_event_log(path, EPOCH)
    assert record["list_dog"] == "true"
    assert record["enabled"] == 450.0


def test_an_empty_log_reads_as_no_rows(tmp_path):
    path = tmp_path / "eventlog.csv.gz"
    write(path, [])
    assert list(read_event_log_rows(path, EPOCH, NAMES)) == []


def test_reading_with_other_attribute_names_is_refused(tmp_path):
    path = tmp_path / "eventlog.csv"
    write(path, [])
    with pytest.raises(ResultsError, match="differ from the expected"):
        read_event_log_rows(path, EPOCH, ("channel",))


def test_a_bad_timestamp_names_file_and_line(tmp_path):
    path = tmp_path / "eventlog.csv"
    write(path, [make_row(), make_row()])
    text = path.read_text(encoding="utf-8").replace("2026-01-05T07:30:00", "05.01.2026 07:30", 1)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ResultsError, match=r"eventlog.csv: line 2: not a datetime"):
        list(read_event_log(path))


def test_a_short_row_names_the_line(tmp_path):
    path = tmp_path / "eventlog.csv"
    write(path, [make_row()])
    with path.open("a", encoding="utf-8") as f:
        f.write("c9,hundehaltung\n")
    with pytest.raises(ResultsError, match=r"line 3: 2 cells for 20 columns"):
        list(read_event_log(path))


def test_missing_file_and_truncated_gzip_are_results_errors(tmp_path):
    with pytest.raises(ResultsError, match="cannot read the event log"):
        read_event_log(tmp_path / "nope.csv", EPOCH)
    path = tmp_path / "eventlog.csv.gz"
    write(path, [make_row(f"c{i}", attributes=(f"x{i}", True, i, 1.0)) for i in range(3000)])
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ResultsError, match="unreadable event log"):
        list(read_event_log(path))


def test_pandas_reads_the_file_if_available(tmp_path):
    pd = pytest.importorskip("pandas")
    path = tmp_path / "eventlog.csv.gz"
    write(path, [make_row(), make_row("c2", start=NAN)])
    frame = pd.read_csv(path, parse_dates=["enabled", "start", "complete"])
    assert list(frame.columns) == [*CORE_FIELDS, *NAMES]
    assert frame["start"].isna().tolist() == [False, True]
    assert str(frame.loc[0, "enabled"]) == "2026-01-05 07:30:00"


# -- streaming --------------------------------------------------------------------


def _peak_memory_writing(path: Path, n_rows: int) -> int:
    def rows():
        for i in range(n_rows):
            case = i // 10
            yield make_row(
                f"case{case}",
                enabled=i * 1.5,
                start=i * 1.5 + 1,
                complete=i * 1.5 + 2,
                attributes=("online", bool(case % 2), case % 4, case * 0.5),
            )

    tracemalloc.start()
    try:
        write(path, rows())
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_stays_flat_while_streaming(tmp_path):
    # 40,000 rows are ~10 MB of text; the writer holds one batch of lines and bounded
    # caches, so four times the rows must not need noticeably more memory.
    small = _peak_memory_writing(tmp_path / "small.csv.gz", 10_000)
    large = _peak_memory_writing(tmp_path / "large.csv.gz", 40_000)
    assert large < 1.2 * small
    assert large < 12_000_000


# -- property ---------------------------------------------------------------------

_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=12)


@settings(max_examples=60, deadline=None)
@given(
    case_id=_text,
    name=_text,
    seconds=st.integers(-(10**7), 10**8),
    attr=_text,
    number=st.floats(allow_nan=True, allow_infinity=False),
)
def test_any_text_and_whole_second_times_round_trip(
    tmp_path_factory, case_id, name, seconds, attr, number
):
    path = tmp_path_factory.mktemp("prop") / "e.csv.gz"
    row = make_row(
        case_id,
        activity_name=name,
        enabled=seconds / 60,
        start=NAN,
        attributes=(attr, False, -5, number),
    )
    write(path, [row])
    (back,) = read_event_log_rows(path, EPOCH, NAMES)
    assert same(row, back), (row, back)


def test_reading_a_stream_of_text_written_by_hand(tmp_path):
    # What another tool could write: our own reader accepts CRLF line ends too.
    header = ",".join([*CORE_FIELDS])
    line = "c1,s,m,v,2,A,Act,task,,,,,2026-01-05T00:01:00,,,0"
    path = tmp_path / "hand.csv"
    path.write_bytes((header + "\r\n" + line + "\r\n").encode())
    (record,) = read_event_log(path, EPOCH)
    assert record["enabled"] == 1.0
    assert record["replication"] == 2


# -- gzip members: a header member and a rows member (issue 19) -----------------------


def test_a_gz_log_is_its_header_member_then_the_rows(tmp_path):
    path = tmp_path / "e.csv.gz"
    write(path, [make_row()])
    header = ",".join([*CORE_FIELDS, *NAMES]) + "\n"
    member = header_member(header)
    data = path.read_bytes()
    assert data.startswith(member)
    assert gzip.decompress(data[len(member) :]).decode().startswith("hundehaltung/Halle/1,")


def test_joining_logs_copies_the_parts_rows_after_one_header(tmp_path):
    first, second = tmp_path / "a.csv.gz", tmp_path / "b.csv.gz"
    write(first, [make_row("c1"), make_row("c2")])
    write(second, [make_row("c3")])
    # a part made elsewhere (one member) is decompressed and compressed again
    third = tmp_path / "c.csv.gz"
    with gzip.open(third, "wt", encoding="utf-8", newline="") as handle:
        handle.write(",".join([*CORE_FIELDS, *NAMES]) + "\nhand,made\n")
    target = tmp_path / "all.csv.gz"
    with open(target, "wb") as out:
        join_event_logs([first, second, third], out)
    text = gzip.decompress(target.read_bytes()).decode().split("\n")
    assert text[0] == ",".join([*CORE_FIELDS, *NAMES])
    assert [line.split(",")[0] for line in text[1:]] == ["c1", "c2", "c3", "hand", ""]
    member = header_member(text[0] + "\n")
    assert second.read_bytes()[len(member) :] in target.read_bytes()  # copied, not redone


def test_batches_of_any_size_give_the_bytes_of_rows_one_at_a_time(tmp_path):
    # the engine hands batches (record_many); the text, its gzip members and the row
    # count are those of record() per row, wherever the batches fall: the file is
    # compressed in pieces of the same rows (ISA-L's bytes depend on the pieces)
    rnd = random.Random(3)
    rows, t = [], 0.0
    for k in range(30_000):
        t += rnd.expovariate(0.1)
        attributes = ("online", bool(k % 2), k // 4, rnd.random())
        rows.append(make_row(f"c{k // 4}", enabled=t, start=t + rnd.random() * 5,
                             complete=t + 9 + rnd.random(), effort=rnd.random() * 30,
                             attributes=attributes))  # fmt: skip
    one = tmp_path / "one.csv.gz"
    write(one, rows)
    many = tmp_path / "many.csv.gz"
    with CsvEventLogWriter(many, EPOCH, NAMES) as writer:
        for lo in range(0, len(rows), 778):
            writer.record_many(rows[lo : lo + 777])
            writer.record_many(rows[lo + 777 : lo + 778])
        writer.record_many([])
    assert writer.rows_written == 30_000
    assert many.read_bytes() == one.read_bytes()
    meta = [json.loads(metadata_path(p).read_text()) for p in (many, one)]
    assert meta[0] == {**meta[1], "file": "many.csv.gz"}
