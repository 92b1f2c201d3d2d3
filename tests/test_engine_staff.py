"""Staff pools: on-duty dispatch, wake-ups, part-time speed, absences."""

from datetime import date, datetime

import simpy
from engine_models import EPOCH, arrivals_at, linear, pool, run, setup_for, times
from scipy.stats import binom

from zsa_sim.engine.calendar import WorkingCalendar
from zsa_sim.engine.setup import StaffPoolSpec
from zsa_sim.engine.staff import StaffMember, StaffPool, build_members

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
