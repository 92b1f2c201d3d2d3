"""Reading event logs for calibration: layouts, timestamps, and one-line errors."""

from __future__ import annotations

import gzip
import math
from pathlib import Path

import pytest

from zsa_sim.calibrate.reader import parse_columns, read_log
from zsa_sim.calibrate.table import CalibrationError
from zsa_sim.calibrate.times import TimeParser, parse_number

FOREIGN = Path("tests/data/calibrate/fremd_export.csv")
COLUMNS = "case=Vorgang,activity=Tätigkeit,start=Beginn,end=Ende,resource=Bearbeiter,org=Kommune"


def _write(tmp_path: Path, text: str, name: str = "log.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_time_formats() -> None:
    parser = TimeParser()
    iso = parser.minutes("2026-01-05T07:30:00")
    assert parser.minutes("2026-01-05 07:30") == iso
    assert parser.minutes("05.01.2026 07:30") == iso
    assert parser.minutes("5.1.2026 07:30:30") == iso + 0.5
    assert parser.minutes("2026-01-05T07:30:00.000+01:00") == iso
    assert parser.minutes("2026-01-05") == iso - 450
    assert math.isnan(parser.minutes(""))
    assert parser.minutes("05/01/2026") is None
    assert parser.minutes("31.02.2026 10:00") is None


def test_decimal_comma() -> None:
    assert parse_number("1.234,5") == 1234.5
    assert parse_number("25,50") == 25.5
    assert parse_number("3.25") == 3.25
    assert parse_number("abc") is None


def test_foreign_layout_with_columns() -> None:
    table = read_log(FOREIGN, columns=parse_columns(COLUMNS))
    assert table.n_cases == 18
    assert len(table) == 93
    assert set(table.org_names) == {"", "Musterstadt", "Beispielhausen"}
    assert "SB-07" in table.resource_names
    assert set(table.attributes) == {"Kanal", "Gebühr"}
    assert table.epoch.isoformat() == "2026-01-07T00:00:00"
    # 'Unterlagen eingegangen' has an end time only
    row = table.activity_names.index("Unterlagen eingegangen")
    assert all(math.isnan(s) for s in table.start[table.activity == row])


def test_header_guesses_without_columns(tmp_path: Path) -> None:
    path = _write(tmp_path, "case\tactivity\tend\nA\tX\t2026-01-05 08:00\n")
    table = read_log(path)
    assert table.case_names == ["A"] and table.activity_names == ["X"]
    assert math.isnan(table.start[0]) and table.end[0] == 480


def test_unknown_column_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(
        CalibrationError, match=r"--columns case=Akte: no column 'Akte' in the header"
    ):
        read_log(FOREIGN, columns={"case": "Akte"})
    with pytest.raises(CalibrationError, match="FIELD=HEADER"):
        parse_columns("fall=Vorgang")


def test_missing_required_column(tmp_path: Path) -> None:
    path = _write(tmp_path, "Vorgang;Wann\n1;05.01.2026 08:00\n")
    with pytest.raises(CalibrationError, match="no activity column found"):
        read_log(path, columns={"case": "Vorgang", "end": "Wann"})


def test_bad_timestamp_names_the_line(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "case;activity;start;end\n1;A;05.01.2026 08:00;05.01.2026 08:10\n"
        "1;B;gestern;05.01.2026 09:00\n",
    )
    with pytest.raises(CalibrationError, match=r"line 3: cannot read the start time 'gestern'"):
        read_log(path)


def test_end_before_start(tmp_path: Path) -> None:
    path = _write(tmp_path, "case,activity,start,end\nK1,A,2026-01-05 09:00,2026-01-05 08:00\n")
    with pytest.raises(
        CalibrationError, match=r"line 2: case 'K1', activity 'A' ends before it starts"
    ):
        read_log(path)


def test_missing_file() -> None:
    with pytest.raises(CalibrationError, match="event log not found"):
        read_log("does/not/exist.csv")


XES = """<?xml version="1.0" encoding="UTF-8"?>
<log xes.version="1849-2016" xmlns="http://www.xes-standard.org/">
  <trace><string key="concept:name" value="c1"/><string key="Kanal" value="online"/>
    <event><string key="concept:name" value="A"/><string key="lifecycle:transition" value="start"/>
      <date key="time:timestamp" value="2026-01-05T08:00:00.000+01:00"/>
      <string key="org:resource" value="R1"/></event>
    <event><string key="concept:name" value="A"/>
      <string key="lifecycle:transition" value="complete"/>
      <date key="time:timestamp" value="2026-01-05T08:10:00.000+01:00"/>
      <string key="org:resource" value="R1"/></event>
    <event><string key="concept:name" value="B"/>
      <date key="time:timestamp" value="2026-01-05T09:00:00.000+01:00"/></event>
  </trace>
</log>
"""


def test_xes_gz_pairs_start_and_complete(tmp_path: Path) -> None:
    path = tmp_path / "log.xes.gz"
    path.write_bytes(gzip.compress(XES.encode()))
    table = read_log(path)
    assert table.activity_names == ["A", "B"]
    assert list(table.start[:1]) == [480.0] and list(table.end) == [490.0, 540.0]
    assert math.isnan(table.start[1])
    assert table.attributes["Kanal"] == {0: "online"}


def test_xes_with_dtd_is_refused(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        '<?xml version="1.0"?><!DOCTYPE log [<!ENTITY a "x">]><log><trace/></log>',
        "bad.xes",
    )
    with pytest.raises(CalibrationError, match="DTDs and entities are not allowed"):
        read_log(path)
