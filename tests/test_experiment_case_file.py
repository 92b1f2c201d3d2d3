import gzip
import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from zsa_sim.experiment import case_file
from zsa_sim.experiment.case_file import _minutes_cell, _minutes_cells, case_member, write_cases
from zsa_sim.experiment.cases import CaseColumns

NAN = math.nan


def numbered_columns() -> CaseColumns:
    """Two runs' streams as the case table makes them: ids are prefix + number."""
    streams = [
        ("dezentral", 0, "hund", "Halle", "hund:Halle:"),
        ("zentral", 1, "wg", "Ort, Nord", "wg:Ort:"),
    ]
    data = {
        "stream": np.array([0, 0, 1], dtype=np.int32),
        "number": np.array([0, 17, 3], dtype=np.int64),
        "arrival": np.array([0.0, 815.3842215018645, -4320.000000004]),
        "first_start": np.array([1.5, 19140.0, NAN]),
        "decision": np.array([NAN, 29246.06666949727, NAN]),
        "end": np.array([100.25, 49391.6875953549, NAN]),
        "applicant_time": np.array([0.0, -0.0, 2.5e-7]),
        "effort_minutes": np.array([1 / 3, 1e9, 0.0001]),
        "caseworker_start": np.array([NAN, 19158.094199609513, math.inf]),
        "outcome": np.array([0, 1, -1], dtype=np.int32),
        "is_open": np.array([False, False, True]),
    }
    return CaseColumns(streams, [], ["End_A", "End,B"], data)


def test_numbered_cases_are_written_exactly():
    text = "".join(case_file._case_texts(numbered_columns()))
    assert text.splitlines() == [
        "dezentral,0,hund:Halle:0,hund,Halle,0.0,1.5,,100.25,0.0,0.333333,End_A,false,",
        "dezentral,0,hund:Halle:17,hund,Halle,815.384222,19140.0,29246.066669,49391.687595,0.0,"
        '1000000000.0,"End,B",false,19158.0942',
        'zentral,1,wg:Ort:3,wg,"Ort, Nord",-4320.0,,,,0.0,0.0001,,true,inf',
    ]


def test_numbered_cases_are_written_as_their_records_are(tmp_path):
    columns = numbered_columns()
    by_columns, by_records = tmp_path / "columns.csv.gz", tmp_path / "records.csv.gz"
    assert write_cases(by_columns, [columns]) == 3
    assert write_cases(by_records, list(columns)) == 3
    assert gzip.decompress(by_columns.read_bytes()) == gzip.decompress(by_records.read_bytes())


def test_a_prefix_that_needs_quotes_quotes_every_id_of_its_stream():
    columns = numbered_columns()
    columns.streams[1] = ("zentral", 1, "wg", "Ort, Nord", "wg:Ort, Nord:")
    lines = "".join(case_file._case_texts(columns)).splitlines()
    assert lines[0].startswith("dezentral,0,hund:Halle:0,")
    assert lines[2].startswith('zentral,1,"wg:Ort, Nord:3",wg,"Ort, Nord",')


def test_a_member_has_the_bytes_of_its_records_lines():
    # the columns' text in the same pieces (4,096 cases) as the records' lines: the same
    # gzip bytes (the compressor's output depends on the pieces)
    n = 9000
    times = np.random.default_rng(7).exponential(500.0, size=(4, n)).cumsum(axis=1)
    data = {
        "stream": np.zeros(n, dtype=np.int32),
        "number": np.arange(n, dtype=np.int64),
        "arrival": times[0],
        "first_start": times[1],
        "decision": np.full(n, NAN),
        "end": times[2],
        "applicant_time": np.zeros(n),
        "effort_minutes": times[3] / 100,
        "caseworker_start": np.full(n, NAN),
        "outcome": np.zeros(n, dtype=np.int32),
        "is_open": np.zeros(n, dtype=bool),
    }
    columns = CaseColumns([("dezentral", 0, "hund", "Halle", "hund:Halle:")], [], ["End"], data)
    member = case_member(columns)
    assert int.from_bytes(member[:4], "little") == n
    lines = case_file._record_lines(list(columns))
    assert member[4:] == case_file._compress(case_file._batches(lines))


def test_minutes_of_every_kind_are_written_as_one_by_one():
    values = [0.0, -0.0, NAN, math.inf, -math.inf, 1e-300, -2.5e-7, 1.5e-6, 0.0001,
              0.00009999996, -0.0001, 999999999.9999995, 1e9, -1e9, 1e16, 12.5, 100.0,
              0.1 + 0.2, 1 / 3]  # fmt: skip
    cells = _minutes_cells(np.array(values))
    assert cells == [_minutes_cell(v) for v in values]
    # zero (also a negative value rounded to it) is 0.0, never -0.0; NaN is empty;
    # tiny and huge values in Python's repr of the rounded value
    assert cells == ["0.0", "0.0", "", "inf", "-inf", "0.0", "0.0", "2e-06", "0.0001", "0.0001",
                     "-0.0001", "1000000000.0", "1000000000.0", "-1000000000.0", "1e+16", "12.5",
                     "100.0", "0.3", "0.333333"]  # fmt: skip
    # a column of other numbers (ints) goes one by one too
    assert _minutes_cells(np.array([3, -1])) == ["3.0", "-1.0"]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.floats(allow_nan=True, allow_infinity=True),
            st.floats(-2e9, 2e9),
            # ties and near-ties of the sixth decimal
            st.integers(-(10**15), 10**15).map(lambda k: (k + 0.5) / 1e6),
            st.integers(-(10**12), 10**12).map(lambda k: k / 1e6),
        ),
        min_size=1,
        max_size=40,
    )
)
def test_a_column_of_minutes_gives_each_values_own_cell(values):
    assert _minutes_cells(np.array(values, dtype=float)) == [_minutes_cell(v) for v in values]
