import gc
import math
from datetime import datetime

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zsa_sim.errors import ResultsError
from zsa_sim.eventlog import csv_rows
from zsa_sim.eventlog.csv_rows import RowText
from zsa_sim.eventlog.schema import ActivityRecord

EPOCH = datetime(2026, 1, 5, 7, 30)  # a Monday, 07:30: times of day are offset
NAMES = ("channel", "list_dog", "count", "income")
NAN = math.nan
ONLINE = ("online", True, 0, 1234.5)


def row(
    case_id: str = "c1",
    enabled: float = 0.0,
    start: float = 0.0,
    complete: float = 0.0,
    effort: float = 0.0,
    attributes: tuple = ONLINE,
    *,
    activity_name: str = "Prüfen",
    resource: str = "ZSA/clerk#1",
) -> ActivityRecord:
    return ActivityRecord(
        case_id, "hund", "Halle", "zentral", 0, "Task_P", activity_name, "userTask",
        "Lane_P", "clerk", "ZSA", resource, enabled, start, complete, effort, attributes,
    )  # fmt: skip


def text_of(rows, names=NAMES, *, column_wise: bool = True) -> str:
    """The batch's text, checked against the row path's (and that the batch was
    formatted column-wise, not passed on row by row, unless said otherwise)."""
    text = RowText(EPOCH, names, "e.csv")
    batch = text.lines(rows)
    assert (text._batch(rows) is not None) is column_wise
    one_by_one = RowText(EPOCH, names, "e.csv")
    assert batch == "".join(one_by_one.line(r) for r in rows)
    return batch


def test_a_batch_is_formatted_exactly():
    missing = (None, False, -5, NAN)
    rows = [
        # an event: one time for all three, effort 0
        row("c1", 0.0, 0.0, 0.0, 0.0),
        # work begun 1.5 min after it was ready, still open at the end
        row("c1", 0.0, 1.5, NAN, 14.75),
        # before the epoch; across midnight; 0.025 min = 1.5 s rounds half to even (2 s)
        row("c,2", -1.0, 1000.0, 1000.025, 3.0, missing, activity_name='Prüfen "kurz", gut'),
        # 4.5 s rounds to 4 s, 0.5 s to 0 s; efforts below a millionth are 0, not -0
        row("c3", 0.075, 1 / 120, 1470.0, -1e-9, missing, resource=""),
        row("c3", -451.0, NAN, NAN, 0.1234567, missing, resource=""),
        row("c3", 0.0, 0.0, 0.0, NAN, missing, resource=""),
    ]
    middle = "hund,Halle,zentral,0,Task_P,{name},userTask,Lane_P,clerk,ZSA,{res}"
    tail = ",online,true,0,1234.5\n"
    plain = middle.format(name="Prüfen", res="ZSA/clerk#1")
    assert text_of(rows).split("\n") == [
        f"c1,{plain},2026-01-05T07:30:00,2026-01-05T07:30:00,2026-01-05T07:30:00,0{tail}"[:-1],
        f"c1,{plain},2026-01-05T07:30:00,2026-01-05T07:31:30,,14.75{tail}"[:-1],
        '"c,2",'
        + middle.format(name='"Prüfen ""kurz"", gut"', res="ZSA/clerk#1")
        + ",2026-01-05T07:29:00,2026-01-06T00:10:00,2026-01-06T00:10:02,3,,false,-5,",
        f"c3,{middle.format(name='Prüfen', res='')},"
        "2026-01-05T07:30:04,2026-01-05T07:30:00,2026-01-06T08:00:00,0,,false,-5,",
        f"c3,{middle.format(name='Prüfen', res='')},2026-01-04T23:59:00,,,0.123457,,false,-5,",
        # NaN effort: an empty cell
        f"c3,{middle.format(name='Prüfen', res='')},"
        "2026-01-05T07:30:00,2026-01-05T07:30:00,2026-01-05T07:30:00,,,false,-5,",
        "",
    ]


def test_an_empty_batch_is_no_text():
    assert RowText(EPOCH, NAMES, None).lines([]) == ""


def test_without_attributes_a_line_ends_after_the_effort():
    assert text_of([row(effort=2.5, attributes=())], names=()).endswith(",2.5\n")


def test_a_case_whose_attributes_change_gets_its_new_cells():
    text = text_of([row("c1"), row("c1", attributes=("paper", False, 2, 0.5)), row("c1")])
    assert [line.split(",", 16)[-1] for line in text.splitlines()] == [
        "online,true,0,1234.5",
        "paper,false,2,0.5",
        "online,true,0,1234.5",
    ]


def test_times_that_are_not_floats_go_row_by_row_with_the_same_text():
    rows = [row(enabled=1, start=np.float64(2.0), complete=3.5), row("c2", 7.0, 7.0, 7.0)]
    text = text_of(rows, column_wise=False)
    assert "2026-01-05T07:31:00,2026-01-05T07:32:00,2026-01-05T07:33:30" in text


def test_a_bad_row_in_a_batch_is_named_as_the_row_path_names_it():
    rows = [row("c1"), row("c2", complete=math.inf), row("c3", complete=math.inf)]
    with pytest.raises(ResultsError, match=r"case 'c2', activity 'Task_P': cannot write the row"):
        RowText(EPOCH, NAMES, "e.csv").lines(rows)
    rows = [row("c1"), row("c2", attributes=("x",))]
    with pytest.raises(ResultsError, match=r"case 'c2': 1 attribute values for 4 attribute"):
        RowText(EPOCH, NAMES, "e.csv").lines(rows)
    with pytest.raises(ResultsError, match=r"case 'c1', activity 'Task_P'.*list"):
        RowText(EPOCH, NAMES, "e.csv").lines([row(attributes=("x", True, [1], 1.0))])


def test_times_past_year_9999_are_refused_naming_the_row():
    with pytest.raises(ResultsError, match=r"case 'c1', activity 'Task_P'.*"):
        RowText(EPOCH, NAMES, None).lines([row(complete=1e13)])


def test_types_are_tracked_as_the_row_path_tracks_them():
    rows = [row(attributes=("a", True, 1, 1.5)), row("c2", attributes=("b", 1, 2.5, None))]
    batch, one_by_one = RowText(EPOCH, NAMES, None), RowText(EPOCH, NAMES, None)
    batch.lines(rows)
    for r in rows:
        one_by_one.line(r)
    assert batch.types == one_by_one.types == ["str", "str", "float", "float"]


def test_the_case_cache_is_bounded_and_its_tuples_are_not_mixed_up(monkeypatch):
    # the batch path keys a case's cells by the identity of its attribute tuple; the
    # tuples stay held while cached, so a new tuple never takes a cached one's id
    monkeypatch.setattr(csv_rows, "_CASE_CACHE_SIZE", 8)
    text = RowText(EPOCH, NAMES, None)
    for k in range(40):
        rows = [row(f"c{k}", attributes=("x", bool(k % 2), k, k / 4)) for _ in range(3)]
        lines = text.lines(rows).splitlines()
        assert lines == [lines[0]] * 3
        assert lines[0].endswith(f",x,{'true' if k % 2 else 'false'},{k},{k / 4!r}")
        del rows
        gc.collect()
        assert len(text._tails) <= 8 + 1
        assert len(text._held) == len(text._tails)


_floats = st.one_of(
    st.just(NAN),
    st.floats(-(10**6), 10**7, allow_nan=False),
    st.integers(-(10**8), 10**9).map(lambda s: s / 60),  # whole seconds
    st.integers(-(10**8), 10**9).map(lambda s: (s + 0.5) / 60),  # near half seconds
)
_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=6)


@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["c1", "c2", "c,3", 'c"4']),
            _text,
            _floats,
            _floats,
            _floats,
            st.one_of(st.just(0.0), st.just(-0.0), _floats),
            st.one_of(st.text(max_size=3), st.booleans(), st.integers(), st.floats(), st.none()),
        ),
        min_size=1,
        max_size=30,
    )
)
def test_a_batch_gives_the_text_of_its_rows_one_by_one(specs):
    rows = [
        row(case_id, e, s, c, effort, (value, True, 1, 2.0), activity_name=name)
        for case_id, name, e, s, c, effort, value in specs
    ]
    text_of(rows)


def test_times_spanning_many_days_get_their_own_dates(monkeypatch):
    # a batch spanning more days than the lookup table takes the dates it has (and with
    # a larger table, the same text)
    rows = [row("c1", 0.0, 1440.0 * 5000, NAN), row("c2", -1440.0 * 3, 12.0, 1440.0 * 9000.5)]
    text = text_of(rows)
    assert "2026-01-05T07:30:00,2039-09-14T07:30:00,," in text
    assert "2026-01-02T07:30:00,2026-01-05T07:42:00,2050-08-27T19:30:00," in text
    monkeypatch.setattr(csv_rows, "_DAY_SPAN", 10_000)
    assert text_of(rows) == text


def test_a_refused_batch_counts_only_the_types_of_the_rows_before_the_bad_one():
    text = RowText(EPOCH, NAMES, None)
    rows = [row("c1", attributes=("a", True, 1, 1.5)), row("c2", attributes=("x",)),
            row("c3", attributes=(7, "text", 2.5, "text"))]  # fmt: skip
    with pytest.raises(ResultsError, match=r"case 'c2': 1 attribute values"):
        text.lines(rows)
    assert text.types == ["str", "bool", "int", "float"]
