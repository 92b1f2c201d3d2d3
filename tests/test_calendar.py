"""Working calendars: effort is working time, waiting is calendar time."""

import bisect
import math
from datetime import date, datetime, timedelta

import holidays
import numpy as np
import pytest

from zsa_sim.engine.calendar import WorkingCalendar

EPOCH = datetime(2026, 1, 1)  # a Thursday, New Year's Day
ST_HOLIDAYS = frozenset(holidays.Germany(subdiv="ST", years=2026))
OFFICE = WorkingCalendar(epoch=EPOCH, closed_days=ST_HOLIDAYS)  # Mo-Th 7:30-16, Fr 7:30-12:30


def t(*args: int) -> float:
    """Simulation minutes of a datetime in 2026."""
    return (datetime(2026, *args) - EPOCH).total_seconds() / 60


def test_whit_monday_is_a_holiday_in_saxony_anhalt():
    assert date(2026, 5, 25) in ST_HOLIDAYS
    assert date(2026, 5, 22).weekday() == 4  # the Friday before


def test_six_hour_task_at_14_on_the_friday_before_whit_monday():
    # Friday 22 May 2026, 14:00: the office closed at 12:30. Saturday, Sunday and Whit
    # Monday are closed, so the work begins on Tuesday 26 May at 7:30 and six working
    # hours later it is 13:30.
    assert OFFICE.add_work(t(5, 22, 14), 6 * 60) == t(5, 26, 13, 30)


def test_work_begun_on_friday_continues_after_the_long_weekend():
    # begun Friday 11:00: 1.5 h until 12:30, the other 4.5 h on Tuesday from 7:30 -> 12:00
    assert OFFICE.add_work(t(5, 22, 11), 6 * 60) == t(5, 26, 12)


def test_work_continues_next_working_day():
    # Thursday 21 May 14:00: 2 h until 16:00, 4 h on Friday from 7:30 -> 11:30
    assert OFFICE.add_work(t(5, 21, 14), 6 * 60) == t(5, 22, 11, 30)


def test_weekend_is_skipped():
    # Friday 9 Jan 12:00, one hour: 30 min on Friday, 30 min on Monday 12 Jan
    assert OFFICE.add_work(t(1, 9, 12), 60) == t(1, 12, 8)


def test_work_ending_at_closing_time_ends_then():
    assert OFFICE.add_work(t(1, 8, 15), 60) == t(1, 8, 16)


def test_zero_work_waits_for_opening():
    assert OFFICE.add_work(t(1, 8, 6), 0) == t(1, 8, 7, 30)
    with pytest.raises(ValueError, match="negative"):
        OFFICE.add_work(0, -1)


def test_next_open_and_is_open():
    assert OFFICE.next_open(t(1, 1, 10)) == t(1, 2, 7, 30)  # New Year's Day is closed
    assert OFFICE.next_open(t(1, 2, 9)) == t(1, 2, 9)
    assert OFFICE.next_open(t(1, 2, 12, 30)) == t(1, 5, 7, 30)  # Friday closing -> Monday
    assert OFFICE.next_open(t(1, 5, 16)) == t(1, 7, 7, 30)  # Epiphany (Tue 6 Jan) closed
    assert OFFICE.is_open(t(1, 2, 7, 30))
    assert not OFFICE.is_open(t(1, 2, 12, 30))


def test_work_between():
    assert OFFICE.work_between(t(1, 5), t(1, 12)) == 3 * 510 + 300  # Tue 6 Jan closed
    assert OFFICE.work_between(t(1, 8, 15), t(1, 9, 8)) == 60 + 30
    assert OFFICE.work_between(t(1, 9), t(1, 8)) == 0.0


def test_open_minutes_by_day():
    minutes = OFFICE.open_minutes_by_day(7)
    np.testing.assert_array_equal(minutes, [0, 300, 0, 0, 510, 0, 510])


def test_always_open():
    cal = WorkingCalendar.always_open(EPOCH)
    assert cal.add_work(100, 50) == 150
    assert cal.next_open(123.4) == 123.4
    assert cal.work_between(0, 1440) == 1440


def test_absence_days_close_an_always_open_calendar():
    cal = WorkingCalendar.always_open(EPOCH).without_days([date(2026, 1, 2)])
    assert cal.work_between(0, 3 * 1440) == 2 * 1440
    assert cal.add_work(1000, 1000) == 1440 + 1440 + 560  # 440 on day 0, the rest on day 2
    assert cal.next_open(1440 + 5) == 2 * 1440


def test_member_absence_on_top_of_holidays():
    cal = OFFICE.without_days([date(2026, 1, 5)])
    assert cal.next_open(t(1, 2, 13)) == t(1, 7, 7, 30)


def test_beyond_the_precomputed_layout_closed_days_still_count():
    short = WorkingCalendar(epoch=EPOCH, closed_days=frozenset({date(2026, 1, 12)}), horizon_days=7)
    # Friday 9 Jan 12:00 + 1 h -> 30 min Friday; Mon 12 Jan is closed -> Tue 13 Jan 8:00
    assert short.add_work(t(1, 9, 12), 60) == t(1, 13, 8)


def test_bad_office_hours_are_rejected():
    with pytest.raises(ValueError, match="weekday"):
        WorkingCalendar(epoch=EPOCH, weekly={7: ((0.0, 60.0),)})
    with pytest.raises(ValueError, match="ordered intervals"):
        WorkingCalendar(epoch=EPOCH, weekly={0: ((600.0, 500.0),)})
    with pytest.raises(ValueError, match="at least one weekday"):
        WorkingCalendar(epoch=EPOCH, weekly={})


def _list_layout(cal: WorkingCalendar) -> tuple[list[float], list[float], list[float]]:
    """The layout as it was before it was shared: open intervals only, in lists."""
    starts, ends, before = [], [], []
    total = 0.0
    for day_no in range(cal.horizon_days):
        day = cal.epoch.date() + timedelta(days=day_no)
        if day in cal.closed_days:
            continue
        for start, end in cal.weekly.get(day.weekday(), ()):
            starts.append(day_no * 1440.0 + start)
            ends.append(day_no * 1440.0 + end)
            before.append(total)
            total += end - start
    return starts, ends, before


def _reference_add_work(cal: WorkingCalendar, layout, t0: float, minutes: float) -> float:
    """add_work over the list layout (the algorithm before the layout was shared)."""
    starts, ends, before = layout
    i = bisect.bisect_right(ends, t0)
    if t0 >= cal.horizon_days * 1440.0 or i == len(starts):
        return cal._beyond(max(t0, cal.horizon_days * 1440.0), minutes)
    begin = max(t0, starts[i])
    target = before[i] + (begin - starts[i]) + minutes
    j = max(bisect.bisect_left(before, target) - 1, i)
    end_j = starts[j] + (target - before[j])
    if end_j > ends[j] + 1e-9:
        overflow = target - (before[-1] + (ends[-1] - starts[-1]))
        return cal._beyond(cal.horizon_days * 1440.0, overflow)
    return end_j


def _reference_cumulative(cal: WorkingCalendar, layout, t0: float) -> float:
    starts, ends, before = layout
    if not starts:
        return 0.0
    end = cal.horizon_days * 1440.0
    if t0 >= end:
        total = before[-1] + ends[-1] - starts[-1]
        return total + (t0 - end) / (7 * 1440.0) * cal._weekly_minutes
    i = bisect.bisect_right(starts, t0) - 1
    return 0.0 if i < 0 else before[i] + min(t0, ends[i]) - starts[i]


def test_members_share_the_office_layout_and_keep_only_their_closed_days():
    # the memory fix of issue 8: interval starts and ends are one shared layout
    a = OFFICE.without_days([date(2026, 1, 5)])
    b = OFFICE.without_days([date(2026, 1, 7), date(2026, 1, 8)])
    assert a._layout[0] is b._layout[0] is OFFICE._layout[0]
    assert a._layout[1] is b._layout[1]
    assert a._layout[2] is not b._layout[2]


@pytest.mark.parametrize("horizon", [30, 400])
def test_shared_layout_gives_the_answers_of_the_list_layout_bit_for_bit(horizon):
    # absences on the first days (nothing open at the start), in runs, on the last
    # days (trailing closed intervals) and a lunch break (two intervals a day)
    rng = np.random.default_rng(3)
    weekly = {0: ((450.0, 720.0), (750.5, 960.25)), 2: ((480.0, 900.0),), 4: ((450.0, 750.0),)}
    first = EPOCH.date()
    absent = [first + timedelta(days=int(d)) for d in np.flatnonzero(rng.random(horizon) < 0.3)]
    absent += [first, first + timedelta(days=1), first + timedelta(days=horizon - 1)]
    absent += [first + timedelta(days=horizon - d) for d in range(2, 9)]
    cal = WorkingCalendar(
        epoch=EPOCH, weekly=weekly, closed_days=ST_HOLIDAYS, horizon_days=horizon
    ).without_days(absent)
    layout = _list_layout(cal)
    starts, ends, _ = layout
    times = list(rng.random(400) * (horizon + 10) * 1440.0) + starts + ends
    for t0 in times:
        i = bisect.bisect_right(ends, t0)
        expected_next = max(t0, starts[i]) if i < len(starts) else cal._beyond(t0, 0.0)
        assert cal.next_open(t0) == expected_next
        assert cal.is_open(t0) == (expected_next == t0)
        for minutes in (0.0, 1.0, 37.5, 300.0, 2000.0, 20000.0):
            assert cal.add_work(t0, minutes) == _reference_add_work(cal, layout, t0, minutes)
        for width in (0.5, 90.0, 1440.0, 10000.0):
            expected = _reference_cumulative(cal, layout, t0 + width) - _reference_cumulative(
                cal, layout, t0
            )
            assert cal.work_between(t0, t0 + width) == expected


def test_work_within_an_open_span_ends_exactly_where_add_work_ends():
    # issue 19: a staff member keeps the span she works in and asks add_work_in; its
    # answer must be add_work's, bit for bit, and None whenever the work leaves the span
    rng = np.random.default_rng(19)
    weekly = {0: ((450.0, 720.0), (750.5, 960.25)), 1: ((450.0, 960.0),), 4: ((450.0, 750.0),)}
    cal = WorkingCalendar(
        epoch=EPOCH, weekly=weekly, closed_days=ST_HOLIDAYS, horizon_days=40
    ).without_days([date(2026, 1, 13)])
    answered = 0
    for t0 in rng.random(3000) * 45 * 1440.0:
        span = cal.open_span(t0)
        if span is None:
            assert not cal.is_open(t0) or t0 >= 40 * 1440.0
            continue
        start, end, _before, _following = span
        assert start <= t0 < end and cal.is_open(t0)
        for minutes in (0.0, 0.001, 7.3, 55.0, rng.random() * 600, 900.0, -1.0):
            done = WorkingCalendar.add_work_in(span, t0, minutes)
            if done is None:
                last = span[3] == -math.inf  # the layout's last interval: always add_work
                assert minutes < 0 or last or cal.add_work(t0, minutes) > end - 1e-6
            else:
                answered += 1
                assert done == cal.add_work(t0, minutes) and done <= end + 1e-9
    assert answered > 1000
    # the last interval of the layout has no following one: always add_work
    last = cal.open_span(cal._layout[0][-1])
    assert last is not None and last[3] == -math.inf
    assert WorkingCalendar.add_work_in(last, last[0], 1.0) is None
    assert WorkingCalendar.always_open(EPOCH).open_span(100.0) is None


# -- periods: hours that change over time (issue 17) ------------------------------------


def test_periods_change_the_hours_from_a_day_on_and_the_last_goes_on_beyond_the_layout():
    # from Monday 5 January (day 4) 8:00-10:00 every weekday, from Monday 12 January
    # (day 11) no hours at all, then from day 18 on Mondays 9:00-11:00 only
    two_hours = {d: ((480.0, 600.0),) for d in range(5)}
    base = WorkingCalendar(epoch=EPOCH, horizon_days=30)
    cal = base.with_periods([(4, two_hours), (11, {}), (18, {0: ((540.0, 660.0),)})])
    assert cal.hours_on(3) == base.weekly and cal.hours_on(4) == two_hours
    assert cal.hours_on(12) == {} and cal.pattern_changes == (4, 11, 18)
    # 3 hours of work begun Thursday 1 January 15:00 (the base hours, no holidays here):
    # 1 h that day, 2 h on Friday from 7:30
    assert cal.add_work(t(1, 1, 15), 180) == t(1, 2, 9, 30)
    # begun after Friday's closing: Monday 8:00-10:00 and Tuesday 8:00-9:00
    assert cal.add_work(t(1, 2, 15), 180) == t(1, 6, 9)
    # work begun on Friday 9 January 9:00 (1 h left that day) waits through the empty week
    assert cal.add_work(t(1, 9, 9), 120) == t(1, 19, 10)
    assert cal.next_open(t(1, 12, 9)) == t(1, 19, 9)
    assert cal.work_between(t(1, 5), t(1, 12)) == 5 * 120
    # beyond the 30 laid-out days the last pattern repeats: Mondays 9:00-11:00
    assert cal.add_work(t(2, 2, 12), 180) == t(2, 16, 10)


def test_periods_must_be_ordered_and_leave_hours_at_the_end():
    base = WorkingCalendar(epoch=EPOCH)
    with pytest.raises(ValueError, match="increasing day numbers"):
        base.with_periods([(5, {}), (3, dict(base.weekly))])
    with pytest.raises(ValueError, match="needs office hours"):
        base.with_periods([(5, {})])


def _minutes_day_by_day(cal: WorkingCalendar, days: int) -> np.ndarray:
    """The definition of open_minutes_by_day: work_between of each day."""
    return np.array([cal.work_between(d * 1440.0, (d + 1) * 1440.0) for d in range(days)])


@pytest.mark.parametrize(
    ("name", "cal", "days"),
    [
        ("office, holidays", OFFICE, 400),
        (
            "odd hours, lunch break, part time from day 40, absences",
            WorkingCalendar(
                epoch=EPOCH,
                weekly={d: ((451.3, 720.7), (761.1, 990.9)) for d in range(5)},
                closed_days=ST_HOLIDAYS | {date(2026, 1, 2) + timedelta(days=k) for k in range(30)},
            ).with_periods([(40, {0: ((480.0, 600.5),), 3: ((480.0, 720.0),)})]),
            500,
        ),
        ("past the layout's end", WorkingCalendar(epoch=EPOCH, horizon_days=20), 45),
        (
            "24-hour days (intervals start at midnight), absences",
            WorkingCalendar.always_open(EPOCH).without_days([date(2026, 1, 3), date(2026, 1, 5)]),
            9,
        ),
        ("closed from the first day on", OFFICE.without_days([date(2026, 1, 2)]), 10),
        ("no days", OFFICE, 0),
    ],
)
def test_open_minutes_by_day_equal_work_between_bit_for_bit(name, cal, days):
    got = cal.open_minutes_by_day(days)
    expected = _minutes_day_by_day(cal, days)
    assert got.dtype == expected.dtype == np.float64
    assert got.tobytes() == expected.tobytes(), name


# -- the layout in numpy, the minutes by day once per distinct calendar (issue 19) ---


def _reference_layout(cal: WorkingCalendar):
    """The day-by-day loops the numpy layout replaced: starts, ends, before, closed."""
    first = cal.epoch.date()
    hours = dict(cal.weekly)
    changes = {day_no: dict(pattern) for day_no, pattern in cal.periods}
    starts, ends, lengths, day_numbers = [], [], [], []
    for day_no in range(cal.horizon_days):
        if day_no in changes:
            hours = changes[day_no]
        for start, end in hours.get((first.weekday() + day_no) % 7, ()):
            starts.append(day_no * 1440.0 + start)
            ends.append(day_no * 1440.0 + end)
            lengths.append(end - start)
            day_numbers.append(day_no)
    closed_numbers = {(d - first).days for d in cal.closed_days}
    before, closed, total = [], [], 0.0
    for length, day_no in zip(lengths, day_numbers, strict=True):
        before.append(total)
        closed.append(day_no in closed_numbers)
        if not closed[-1]:
            total += length
    return starts, ends, before, closed


def _random_week(rng: np.random.Generator) -> dict[int, tuple[tuple[float, float], ...]]:
    week = {}
    for day in range(7):
        if rng.random() < 0.7:
            cuts = np.sort(rng.choice(np.arange(0.0, 1440.5, 0.5), 4, replace=False)).tolist()
            week[day] = ((cuts[0], cuts[1]), (cuts[2], cuts[3]))
    return week or {0: ((450.0, 960.0),)}


def test_the_layout_in_numpy_is_the_loop_bit_for_bit():
    rng = np.random.default_rng(7)
    for _ in range(60):
        horizon = int(rng.integers(1, 500))
        closed = frozenset(
            EPOCH.date() + timedelta(days=int(d)) for d in rng.integers(-5, horizon + 5, 30)
        )
        cal = WorkingCalendar(
            epoch=EPOCH, weekly=_random_week(rng), closed_days=closed, horizon_days=horizon
        )
        if rng.random() < 0.6:  # periods, some from day 0, some beyond the layout
            days = sorted({int(d) for d in rng.integers(0, horizon + 10, 3)})
            cal = cal.with_periods([(d, _random_week(rng)) for d in days])
        starts, ends, before, closed_mask = cal._layout
        want = _reference_layout(cal)
        assert list(starts) == want[0] and list(ends) == want[1]
        assert np.array(before).tobytes() == np.array(want[2], dtype=float).tobytes()
        assert list(closed_mask) == [*map(int, want[3]), 0]  # and the open sentinel
        days = int(rng.integers(1, horizon + 20))
        by_day = [cal.work_between(d * 1440.0, (d + 1) * 1440.0) for d in range(days)]
        assert cal.open_minutes_by_day(days).tobytes() == np.array(by_day).tobytes()


def test_minutes_by_day_are_computed_once_per_distinct_calendar():
    from zsa_sim.engine import calendar as module

    module._MINUTES_BY_DAY.clear()
    a = WorkingCalendar(epoch=EPOCH, closed_days=ST_HOLIDAYS)
    twin = WorkingCalendar(epoch=EPOCH, closed_days=frozenset(ST_HOLIDAYS))
    first = a.open_minutes_by_day(30)
    again = twin.open_minutes_by_day(30)
    assert len(module._MINUTES_BY_DAY) == 1  # equal fields: one entry
    # each caller gets an array of its own, writable, with the uncached values
    assert again is not first and again.flags.writeable
    again[:] = -1.0
    assert a.open_minutes_by_day(30).tobytes() == twin._open_minutes(30).tobytes()
    # no cross-talk: other days, closed days, hours or periods are other entries
    others = [
        a.open_minutes_by_day(31),
        a.without_days([date(2026, 1, 2)]).open_minutes_by_day(30),
        WorkingCalendar(epoch=EPOCH, weekly={0: ((0.0, 60.0),)}).open_minutes_by_day(30),
        a.with_periods([(3, {1: ((0.0, 30.0),)})]).open_minutes_by_day(30),
        WorkingCalendar.always_open(EPOCH).open_minutes_by_day(30),
    ]
    assert len(module._MINUTES_BY_DAY) == 6
    assert others[1][1] == 0.0 and first[1] == 300.0  # Friday 2 January closed, or open
    assert others[2].sum() == 4 * 60.0 and others[4].sum() == 30 * 1440.0  # 4 Mondays


def test_minutes_cache_keeps_its_size(monkeypatch):
    from zsa_sim.engine import calendar as module

    monkeypatch.setattr(module, "MINUTES_CACHE_SIZE", 3)
    module._MINUTES_BY_DAY.clear()
    for days in range(1, 8):
        assert len(OFFICE.open_minutes_by_day(days)) == days
    assert [key[1] for key in module._MINUTES_BY_DAY] == [5, 6, 7]  # the newest three


def test_a_calendar_without_days_is_one_made_with_them():
    # without_days copies the fields without checking the hours again
    fields = ("epoch", "weekly", "closed_days", "always", "horizon_days", "periods")
    part_time = OFFICE.with_periods([(0, {0: ((450.0, 600.0),)}), (9, {2: ((500.0, 700.0),)})])
    for cal in (OFFICE, part_time, WorkingCalendar.always_open(EPOCH)):
        if not cal.always:
            assert cal._layout  # a layout to pass on
        days = [date(2026, 1, 6), date(2026, 1, 14)]
        fewer = cal.without_days(days)
        made = WorkingCalendar(
            **{f: getattr(cal, f) for f in fields if f != "closed_days"},
            closed_days=cal.closed_days | frozenset(days),
        )
        if cal.always:  # an always-open calendar becomes 24-hour days to close some
            assert not fewer.always and fewer.closed_days == frozenset(days)
            continue
        assert [getattr(fewer, f) for f in fields] == [getattr(made, f) for f in fields]
        assert fewer._layout[0] is made._layout[0]
        assert fewer._layout[2] == made._layout[2] and fewer._layout[3] == made._layout[3]
        assert fewer.add_work(0.0, 3000.0) == made.add_work(0.0, 3000.0)
