"""ActivityStats: hand-made event-log rows give hand-computed waits, durations and counts."""

from __future__ import annotations

import math
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zsa_sim.errors import ResultsError
from zsa_sim.eventlog.schema import ActivityRecord
from zsa_sim.experiment.activities import (
    ACTIVITY_FIELDS,
    ActivityRow,
    ActivityStats,
    read_activities,
    write_activities,
)

NAN = math.nan


def row(
    activity_id: str,
    enabled: float,
    start: float,
    complete: float,
    *,
    case_id: str = "c1",
    org_unit: str = "Halle",
    variant: str = "dezentral",
    replication: int = 0,
    activity_type: str = "userTask",
) -> ActivityRecord:
    return ActivityRecord(
        case_id=case_id,
        service="hund",
        municipality="Halle",
        variant=variant,
        replication=replication,
        activity_id=activity_id,
        activity_name=f"Name {activity_id}",
        activity_type=activity_type,
        lane="Lane_A",
        role="clerk",
        org_unit=org_unit,
        resource="Halle/clerk#1",
        enabled=enabled,
        start=start,
        complete=complete,
        effort=10.0,
        attributes=(),
    )


def test_means_over_started_and_completed_instances() -> None:
    stats = ActivityStats()
    stats.record(row("T1", 0, 30, 40, case_id="a"))  # wait 30, duration 10
    stats.record(row("T1", 100, 110, 150, case_id="b"))  # wait 10, duration 40
    stats.record(row("T1", 200, 260, NAN, case_id="c"))  # wait 60, still running
    stats.record(row("T1", 300, NAN, NAN, case_id="d"))  # never started: censored
    (only,) = stats.rows()
    assert only.instances == 4
    assert only.started == 3
    assert only.completed == 2
    assert only.mean_wait_minutes == pytest.approx((30 + 10 + 60) / 3)
    assert only.mean_duration_minutes == pytest.approx((10 + 40) / 2)
    assert only[:8] == ("dezentral", 0, "hund", "Halle", "T1", "Name T1", "userTask", "Halle")


def test_no_started_instance_gives_nan_not_zero() -> None:
    stats = ActivityStats()
    stats.record(row("T1", 0, NAN, NAN))
    (only,) = stats.rows()
    assert (only.instances, only.started, only.completed) == (1, 0, 0)
    assert math.isnan(only.mean_wait_minutes)
    assert math.isnan(only.mean_duration_minutes)


def test_window_counts_instances_by_enabled_time() -> None:
    stats = ActivityStats(window_start=100, window_end=200)
    stats.record(row("T1", 99.9, 150, 160))  # warm-up: left out
    stats.record(row("T1", 100, 120, 130))  # first minute of the window
    stats.record(row("T1", 199, 300, 310))  # ready in the window, started after: counts
    stats.record(row("T1", 200, 200, 210))  # window end is exclusive
    (only,) = stats.rows()
    assert only.instances == 2
    assert only.mean_wait_minutes == pytest.approx((20 + 101) / 2)


def test_empty_window_is_refused() -> None:
    with pytest.raises(ValueError, match=r"window must not be empty"):
        ActivityStats(window_start=5, window_end=5)


def test_rows_split_by_org_unit_variant_and_replication_and_are_sorted() -> None:
    stats = ActivityStats()
    stats.record(row("T2", 0, 1, 2, variant="zentral", org_unit="ZSA"))
    stats.record(row("T1", 0, 1, 2, variant="zentral", org_unit="Halle"))
    stats.record(row("T1", 0, 1, 2, replication=1))
    stats.record(row("T1", 0, 1, 2))
    keys = [(r.variant, r.replication, r.activity_id, r.org_unit) for r in stats.rows()]
    assert keys == [
        ("dezentral", 0, "T1", "Halle"),
        ("dezentral", 1, "T1", "Halle"),
        ("zentral", 0, "T1", "Halle"),
        ("zentral", 0, "T2", "ZSA"),
    ]


def test_merge_equals_one_accumulator_over_all_rows() -> None:
    rows = [
        row("T1", i * 10.0, i * 10.0 + i, i * 10.0 + 2 * i, replication=i % 2) for i in range(8)
    ]
    whole = ActivityStats()
    for r in rows:
        whole.record(r)
    left, right = ActivityStats(), ActivityStats()
    for r in rows:
        (left if r.replication == 0 else right).record(r)
    left.merge(right)
    assert left.rows() == whole.rows()


def test_merge_refuses_different_windows() -> None:
    with pytest.raises(ValueError, match=r"different windows"):
        ActivityStats(0, 10).merge(ActivityStats(0, 20))


def test_csv_round_trip_keeps_values_and_nan(tmp_path) -> None:
    stats = ActivityStats()
    stats.record(row("T1", 0, 1 / 3, 1.0))
    stats.record(row("E1", 0, NAN, NAN, activity_type="intermediateCatchEvent", org_unit=""))
    path = stats.write_csv(tmp_path / "activities.csv")
    text = path.read_text(encoding="utf-8")
    assert text.splitlines()[0] == ",".join(ACTIVITY_FIELDS)
    assert "0.333333" in text  # rounded to 1e-6 minutes
    back = read_activities(path)
    assert [r[:11] for r in back] == [r[:11] for r in stats.rows()]
    e1, t1 = back
    assert math.isnan(e1.mean_wait_minutes)
    assert t1.mean_wait_minutes == pytest.approx(1 / 3, abs=1e-6)


def test_same_rows_in_any_order_give_the_same_bytes(tmp_path) -> None:
    rows = [row("T1", i * 7.0, i * 7.0 + 3, i * 7.0 + 5, case_id=f"c{i}") for i in range(20)]
    rows += [row("T2", i * 7.0, i * 7.0 + 1, i * 7.0 + 9, case_id=f"c{i}") for i in range(20)]
    shuffled = list(rows)
    random.Random(3).shuffle(shuffled)
    paths = []
    for name, order in (("a.csv", rows), ("b.csv", shuffled)):
        stats = ActivityStats()
        for r in order:
            stats.record(r)
        paths.append(stats.write_csv(tmp_path / name))
    assert paths[0].read_bytes() == paths[1].read_bytes()


def test_bad_header_names_the_file(tmp_path) -> None:
    path = tmp_path / "activities.csv"
    path.write_text("variant,count\n", encoding="utf-8")
    with pytest.raises(ResultsError, match=r"activities\.csv: unexpected header"):
        read_activities(path)


def test_bad_cell_names_the_line(tmp_path) -> None:
    good = ActivityRow("v", 0, "s", "m", "T1", "n", "userTask", "o", 1, 1, 1, 2.0, 3.0)
    path = write_activities([good], tmp_path / "activities.csv")
    path.write_text(path.read_text(encoding="utf-8") + "v,x,s,m,T1,n,userTask,o,1,1,1,,\n")
    with pytest.raises(ResultsError, match=r"activities\.csv: line 3: invalid literal"):
        read_activities(path)


@settings(max_examples=50, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.floats(0, 1e5), st.floats(0, 1e4), st.floats(0, 1e4), st.booleans(), st.booleans()
        ),
        min_size=1,
        max_size=30,
    )
)
def test_counts_conserved_and_means_non_negative(instances) -> None:
    stats = ActivityStats()
    for i, (enabled, wait, duration, begun, done) in enumerate(instances):
        start = enabled + wait if begun else NAN
        complete = start + duration if begun and done else NAN
        stats.record(row("T1", enabled, start, complete, case_id=f"c{i}"))
    (only,) = stats.rows()
    assert only.instances == len(instances)
    assert only.instances >= only.started >= only.completed
    assert only.started == sum(1 for *_, begun, _ in instances if begun)
    if only.started:
        assert only.mean_wait_minutes >= 0
    if only.completed:
        assert only.mean_duration_minutes >= 0


def test_numpy_times_are_written_as_plain_numbers(tmp_path) -> None:
    import numpy as np

    stats = ActivityStats()
    stats.record(row("T1", np.float64(0.0), np.float64(2.5), np.float64(4.0)))
    text = stats.write_csv(tmp_path / "activities.csv").read_text(encoding="utf-8")
    assert text.splitlines()[1].endswith(",1,1,1,2.5,1.5")
