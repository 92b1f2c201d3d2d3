"""Staff pools: on-duty dispatch, wake-ups, part-time speed, absences."""

from datetime import date, datetime

import pytest
import simpy
from engine_models import EPOCH, arrivals_at, linear, pool, run, setup_for, times
from scipy.stats import binom

from zsa_sim.engine.calendar import WorkingCalendar
from zsa_sim.engine.setup import StaffPoolSpec
from zsa_sim.engine.staff import INF, StaffMember, StaffPool, build_members
from zsa_sim.errors import SimulationError

OFFICE = WorkingCalendar(epoch=EPOCH)  # Mon-Thu 7:30-16:00, Fri 7:30-12:30; EPOCH is a Monday


def at(day: int, hour: float) -> float:
    return day * 1440 + hour * 60


def test_request_after_hours_starts_next_morning_and_work_runs_over_closing():
    setup = setup_for(
        linear("A"), {"A": 600}, arrivals_at([at(0, 20)]), pools=[pool("p", calendar=OFFICE)]
    )
    rows, _ = run(setup)
    # Tuesday 7:30-16:00 is 510 minutes, the other 90 on Wednesday from 7:30
    assert times(rows, "A") == (at(0, 20), at(1, 7.5), at(2, 9))


def test_queue_waits_overnight_when_the_member_finishes_at_closing_time():
    setup = setup_for(
        linear("A"),
        {"A": 60},
        arrivals_at([at(0, 15), at(0, 15)]),
        pools=[pool("p", calendar=OFFICE)],
    )
    rows, _ = run(setup)
    assert times(rows, "A", 0) == (at(0, 15), at(0, 15), at(0, 16))
    assert times(rows, "A", 1) == (at(0, 15), at(1, 7.5), at(1, 8.5))


def test_friday_afternoon_request_waits_for_monday():
    setup = setup_for(
        linear("A"),
        {"A": 30},
        arrivals_at([at(4, 13)]),
        pools=[pool("p", calendar=OFFICE)],
        horizon=at(8, 0),
    )
    rows, _ = run(setup)
    assert times(rows, "A") == (at(4, 13), at(7, 7.5), at(7, 8))


def member(number: int, calendar: WorkingCalendar, speed: float = 1.0) -> StaffMember:
    return StaffMember("p", number, speed, calendar)


def make_pool(env, members):
    spec = StaffPoolSpec("p", "clerk", "unit", float(len(members)), OFFICE)
    return StaffPool(env, spec, members)


def test_work_is_not_given_to_an_absent_member_while_a_present_one_may_get_free():
    env = simpy.Environment(at(0, 9))
    present = member(1, OFFICE)
    absent = member(2, OFFICE.without_days([date(2026, 1, 5)]))  # absent on Monday
    staff = make_pool(env, [present, absent])
    got = []

    def worker(name, effort):
        m = None if staff.waiting else staff.acquire()
        if m is None:
            m = yield staff.enqueue(0)[2]
        got.append((name, m.id, env.now))
        yield env.timeout(effort)
        staff.release(m)

    env.process(worker("first", 60))
    env.process(worker("second", 60))
    env.run()
    assert got == [("first", "p#1", at(0, 9)), ("second", "p#1", at(0, 10))]


def test_wake_up_when_an_off_duty_member_comes_on_duty():
    env = simpy.Environment(at(0, 9))
    busy = member(1, OFFICE)
    absent = member(2, OFFICE.without_days([date(2026, 1, 5)]))
    staff = make_pool(env, [busy, absent])
    got = []

    def worker(name, effort):
        m = None if staff.waiting else staff.acquire()
        if m is None:
            m = yield staff.enqueue(0)[2]
        got.append((name, m.id, env.now))
        yield env.timeout(effort)
        staff.release(m)

    env.process(worker("long", 3 * 1440))
    env.process(worker("short", 10))
    env.run()
    # member 2 is back on Tuesday 7:30, long before member 1 is free
    assert got == [("long", "p#1", at(0, 9)), ("short", "p#2", at(1, 7.5))]


def test_cancelled_request_is_skipped_and_granted_one_returns_the_member():
    env = simpy.Environment()
    staff = make_pool(env, [member(1, WorkingCalendar.always_open(EPOCH))])
    m = staff.acquire()
    first, second = staff.enqueue(0), staff.enqueue(0)
    staff.cancel(first)
    assert staff.waiting == 1
    staff.release(m)
    assert second[2].triggered and second[2].value is m
    staff.cancel(second)  # granted but the requester went away: the member is idle again
    assert list(staff.idle) == [m]


def test_absences_reduce_available_minutes_by_the_absence_rate():
    spec = pool("p", fte=10, absence_rate=0.2)
    members, available = build_members(spec, seed=3, replication=0, horizon=100 * 1440)
    assert len(members) == 10
    member_days = 10 * 100
    absent = member_days - available.sum() / 1440
    assert absent == int(absent)
    assert binom.ppf(0.0005, member_days, 0.2) <= absent <= binom.ppf(0.9995, member_days, 0.2)
    # each member's calendar is closed exactly on her absent days
    closed = sum(len(m.calendar.closed_days) for m in members)
    assert closed == absent


def test_absences_only_on_working_days_and_reproducible():
    spec = pool("p", fte=3, absence_rate=0.3, calendar=OFFICE)
    a, avail_a = build_members(spec, seed=1, replication=0, horizon=70 * 1440)
    b, avail_b = build_members(spec, seed=1, replication=0, horizon=70 * 1440)
    assert [m.calendar.closed_days for m in a] == [m.calendar.closed_days for m in b]
    assert all(d.weekday() < 5 for m in a for d in m.calendar.closed_days)
    assert (avail_a == avail_b).all()
    c, _ = build_members(spec, seed=1, replication=1, horizon=70 * 1440)
    assert [m.calendar.closed_days for m in a] != [m.calendar.closed_days for m in c]


def test_no_task_starts_while_its_member_is_off_duty():
    spec = pool("p", fte=2, absence_rate=0.3, calendar=OFFICE)
    n = 300
    setup = setup_for(
        linear("A"),
        {"A": 45},
        arrivals_at([i * 97.0 for i in range(n)]),
        pools=[spec],
        horizon=60 * 1440,
    )
    from zsa_sim.engine import Simulation
    from zsa_sim.eventlog.schema import ListSink

    sink = ListSink()
    sim = Simulation(setup, sink)
    sim.run()
    calendars = {m.id: m.calendar for m in sim.pools["p"].members}
    starts = [(r.resource, r.start) for r in sink.rows if r.activity_id == "A" and r.resource]
    assert len(starts) > 200
    assert all(calendars[res].is_open(start) for res, start in starts)


def test_available_minutes_cover_the_horizon_and_cut_the_last_day():
    members, available = build_members(pool("p", fte=1.5, calendar=OFFICE), 0, 0, at(1, 12))
    assert len(members) == 2
    # Monday: 510 + 255 (her own hours 7:30-11:45); Tuesday until noon: 270 + 255
    assert list(available) == [765.0, 525.0]
    assert datetime(2026, 1, 5).weekday() == 0


def test_a_stale_wake_up_does_not_delay_a_later_request():
    # Monday 9:00: member 1 is busy until 20:00, member 2 is absent Monday and Tuesday.
    # A first request waits (wake-up planned for Wednesday 7:30, member 2's return) and
    # is withdrawn. A second request at 21:00 must be served by member 1 on Tuesday 7:30,
    # not on Wednesday.
    env = simpy.Environment(at(0, 9))
    busy = member(1, OFFICE)
    away = member(2, OFFICE.without_days([date(2026, 1, 5), date(2026, 1, 6)]))
    staff = make_pool(env, [busy, away])
    assert staff.acquire() is busy
    first = staff.enqueue(0)
    got = []

    def scenario():
        yield env.timeout(60)
        staff.cancel(first)
        yield env.timeout(at(0, 20) - env.now)
        staff.release(busy)
        yield env.timeout(60)
        m = None if staff.waiting else staff.acquire()
        assert m is None
        m = yield staff.enqueue(0)[2]
        got.append((m.id, env.now))

    env.process(scenario())
    env.run()
    assert got == [("p#1", at(1, 7.5))]


def test_members_share_the_date_objects_of_their_absence_days():
    # issue 8: absences are dates of one shared table, not new objects per member
    spec = pool("p", fte=4, absence_rate=0.5, calendar=OFFICE)
    members, _ = build_members(spec, seed=2, replication=0, horizon=400 * 1440)
    by_value: dict[date, date] = {}
    for member in members:
        for day in member.calendar.closed_days:
            assert by_value.setdefault(day, day) is day
    shared = sum(len(m.calendar.closed_days) for m in members) - len(by_value)
    assert shared > 0
    # and they are the absence days: the member's minutes are the office's minus them
    for member in members:
        assert member.calendar.work_between(0, 400 * 1440) == OFFICE.work_between(
            0, 400 * 1440
        ) - sum(OFFICE.work_between(d * 1440, (d + 1) * 1440) for d in _day_numbers(member))


def _day_numbers(member: StaffMember) -> list[int]:
    return [(day - EPOCH.date()).days for day in member.calendar.closed_days]


# -- issue 17: part-time as her own hours, staff that change over time ------------------


def test_part_time_hours_rule_mornings_and_a_weekly_block_for_tiny_shares():
    from zsa_sim.engine.staff import part_time_hours

    weekly = OFFICE.weekly  # Mon-Thu 450-960 (510 min), Fri 450-750 (300 min): 2,340 a week
    half = part_time_hours(weekly, 0.5)
    assert half[0] == ((450.0, 705.0),) and half[4] == ((450.0, 600.0),)
    assert sum(e - s for iv in half.values() for s, e in iv) == 1170.0
    # 0.1 FTE: 234 minutes as one block on Monday morning
    assert part_time_hours(weekly, 0.1) == {0: ((450.0, 684.0),)}
    # 0.018 FTE: 42.12 minutes a week
    tiny = part_time_hours(weekly, 0.018)
    assert list(tiny) == [0] and tiny[0][0][1] - 450.0 == pytest.approx(42.12)
    assert part_time_hours(weekly, 1.0) == dict(weekly)
    assert part_time_hours(weekly, 0.0) == {}


def test_a_task_of_a_half_time_member_takes_its_effort_in_working_time():
    # 0.5 FTE in the office: Monday 7:30-11:45; 6 hours of work begun Monday 9:00 are
    # 2.75 h on Monday and 3.25 h on Tuesday: done Tuesday 10:45, and the logged
    # working time is the effort (the speed model would have needed 12 office hours).
    rows, result = run(
        setup_for(
            linear("A"),
            {"A": 360},
            arrivals_at([at(0, 9)]),
            pools=[pool("p", fte=0.5, calendar=OFFICE)],
            horizon=at(7, 0),
        )
    )
    assert times(rows, "A") == (at(0, 9), at(0, 9), at(1, 10.75))
    assert OFFICE.work_between(at(0, 9), at(1, 10.75)) > 360  # office hours in between
    assert result.pools["p"].available_minutes_by_day[:2] == (255.0, 255.0)


def test_the_speed_model_is_kept_for_comparison():
    from dataclasses import replace

    spec = replace(pool("p", fte=0.5, calendar=OFFICE), part_time="speed")
    rows, _ = run(
        setup_for(linear("A"), {"A": 360}, arrivals_at([at(0, 9)]), pools=[spec], horizon=at(7, 0))
    )
    # 720 office minutes: Monday 9:00-16:00 (420) and Tuesday 7:30-12:30 (300)
    assert times(rows, "A") == (at(0, 9), at(0, 9), at(1, 12.5))


def test_staff_ramp_up_members_start_when_their_posts_are_filled():
    # 1 FTE from day 0, 2.5 FTE from day 2 (Wednesday): member 2 full-time and member 3
    # half-time from Wednesday on, nobody but member 1 before.
    spec = StaffPoolSpec(
        "p", "clerk", "unit", 2.5, OFFICE, fte_timeline=((0.0, 1.0), (at(2, 0), 2.5))
    )
    members, available = build_members(spec, 0, 0, at(5, 0))
    assert [m.id for m in members] == ["p#1", "p#2", "p#3"]
    assert list(available) == [510.0, 510.0, 510 + 510 + 255.0, 1275.0, 300 + 300 + 150.0]
    assert members[1].next_duty(at(0, 9)) == at(2, 7.5)
    # three cases on Monday 9:00: member 1 takes one, the others wait for Wednesday
    rows, _ = run(
        setup_for(
            linear("A"),
            {"A": 30},
            arrivals_at([at(0, 9)] * 3),
            pools=[spec],
            horizon=at(5, 0),
        )
    )
    starts = sorted((r.start, r.resource) for r in rows if r.activity_id == "A")
    assert starts == [(at(0, 9), "p#1"), (at(0, 9.5), "p#1"), (at(0, 10), "p#1")]
    rows, _ = run(
        setup_for(
            linear("A"),
            {"A": 600},
            arrivals_at([at(0, 9)] * 3),
            pools=[spec],
            horizon=at(5, 0),
        )
    )
    starts = sorted((r.start, r.resource) for r in rows if r.activity_id == "A")
    assert starts == [(at(0, 9), "p#1"), (at(1, 10.5), "p#1"), (at(2, 7.5), "p#2")]


def test_a_leaver_finishes_her_task_but_takes_no_new_one():
    # 2 FTE until Tuesday midnight, then 1: member 2 begins 10 h of work Tuesday 9:00,
    # finishes it on Wednesday 10:30 (her last hours go on for it) and takes nothing
    # else: the case of Wednesday 8:00 waits for member 1.
    timeline = ((0.0, 2.0), (at(2, 0), 1.0))
    spec = StaffPoolSpec("p", "clerk", "unit", 2.0, OFFICE, fte_timeline=timeline)
    members, available = build_members(spec, 0, 0, at(4, 0))
    assert members[1].until == at(2, 0)
    assert list(available) == [1020.0, 1020.0, 510.0, 510.0]
    rows, _ = run(
        setup_for(
            linear("A"),
            {"A": 600},
            arrivals_at([at(1, 9), at(1, 9), at(2, 8)]),
            pools=[spec],
            horizon=at(6, 0),
        )
    )
    work = sorted((r.resource, r.start, r.complete) for r in rows if r.activity_id == "A")
    assert work == [
        ("p#1", at(1, 9), at(2, 10.5)),
        ("p#1", at(2, 10.5), at(3, 12)),
        ("p#2", at(1, 9), at(2, 10.5)),
    ]


def test_a_member_answers_duty_and_finish_times_as_her_calendar_does():
    # issue 19: StaffMember keeps the open span she was last seen in; every answer must
    # still be her calendar's (bit for bit), wherever the clock is asked from
    import numpy as np

    calendar = WorkingCalendar(
        epoch=datetime(2026, 1, 1),
        weekly={0: ((450.0, 720.0), (750.0, 960.0)), 2: ((450.0, 960.0),), 4: ((450.0, 750.0),)},
        horizon_days=30,
    ).without_days([date(2026, 1, 7)])
    member = StaffMember("p", 1, 1.0, calendar, until=20 * 1440.0)
    rng = np.random.default_rng(5)
    now = 0.0
    for _ in range(4000):
        now += rng.exponential(30.0)  # forward, as the clock runs
        for t in (now, now + rng.exponential(10.0)):  # and once more within the stretch
            assert member.on_duty(t) == (t < member.until and calendar.is_open(t))
            expected_next = calendar.next_open(t)
            assert member.next_duty(t) == (expected_next if expected_next < member.until else INF)
        effort = rng.exponential(60.0)
        assert member.finish_time(now, effort) == calendar.add_work(now, effort)
        if now > 35 * 1440.0:  # past the layout too
            break
    half = StaffMember("q", 2, 0.5, calendar)
    assert half.finish_time(500.0, 30.0) == calendar.add_work(500.0, 60.0)


def test_requests_are_served_by_priority_then_in_order_whether_in_line_or_heap():
    # issue 19: while all waiting requests have one key they wait in a deque; a request
    # with another key turns the queue into the heap. The order served must be the
    # heap's: larger priority first, first come first served within a priority.
    env = simpy.Environment()
    m = member(1, WorkingCalendar.always_open(EPOCH))
    staff = make_pool(env, [m])
    assert staff.acquire() is m
    priorities = [0, 0, 0, 5, 0, 5, 1, 0]
    entries = [staff.enqueue(p) for p in priorities[:3]]
    assert len(staff.line) == 3 and not staff.queue
    staff.cancel(entries[1])
    entries += [staff.enqueue(p) for p in priorities[3:]]
    assert not staff.line and len(staff.queue) == 8
    served = []
    for _ in range(staff.waiting):
        staff.release(m)
        granted = next(i for i, e in enumerate(entries) if e[2] is not None and e[2].triggered)
        served.append(granted)
        entries[granted][2] = None  # as if the requester took it
    assert served == [3, 5, 6, 0, 2, 4, 7]
    # emptied, the queue is a line again
    staff.release(m)
    assert list(staff.idle) == [m]
    assert staff.acquire() is m
    staff.enqueue(2)
    assert len(staff.line) == 1 and not staff.queue


@pytest.mark.parametrize(
    "spec",
    [
        pool("p", fte=3.4, absence_rate=0.3, calendar=OFFICE),
        pool("p", fte=2, absence_rate=0.2),  # always open: absences make 24-hour days
        StaffPoolSpec(
            "p", "clerk", "unit", 2.5, OFFICE, 0.25, fte_timeline=((0.0, 1.0), (at(2, 0), 2.5))
        ),
        StaffPoolSpec("p", "clerk", "unit", 1.5, OFFICE, 0.25, part_time="speed"),
        pool("p", fte=0.01, absence_rate=0.5, calendar=OFFICE),  # a weekly block
    ],
)
def test_members_for_checking_are_those_of_a_run_without_their_absences(spec):
    # validate (check_buildable) builds members without absences: the same members,
    # hours and leaving days; only the absence days and the minutes are left out
    full, available = build_members(spec, 5, 1, at(40, 0))
    lean, zeros = build_members(spec, 5, 1, at(40, 0), absences=False)
    assert [(m.id, m.speed, m.until) for m in lean] == [(m.id, m.speed, m.until) for m in full]
    for a, b in zip(lean, full, strict=True):
        assert a.calendar.closed_days == spec.calendar.closed_days
        # a run's member: this one with her absence days closed
        absent = a.calendar.without_days(b.calendar.closed_days)
        fields = ("epoch", "weekly", "closed_days", "always", "horizon_days", "periods")
        assert [getattr(absent, f) for f in fields] == [getattr(b.calendar, f) for f in fields]
    assert len(zeros) == len(available) and not zeros.any()
    assert sum(len(m.calendar.closed_days) for m in full) > 0  # absences were drawn


def test_members_for_checking_refuse_what_a_run_refuses():
    spec = StaffPoolSpec(
        "p", "clerk", "unit", 2.0, OFFICE, part_time="speed", fte_timeline=((0.0, 1.0), (60, 2))
    )
    for absences in (True, False):
        with pytest.raises(SimulationError, match="speed model of part-time work"):
            build_members(spec, 0, 0, at(5, 0), absences=absences)
