"""Scenario keys for office reality on the capacity side: ramps, closures, overtime,
queue disciplines, other work (zsa_sim/scenario/office.py)."""

from datetime import date
from pathlib import Path

import pytest

from zsa_sim.engine.setup import QueueDiscipline
from zsa_sim.errors import ScenarioError
from zsa_sim.planning.keys import staffing_key
from zsa_sim.scenario import build_setup, load_scenario

DATA = Path(__file__).parent / "data" / "scenarios"
DAY = 1440.0


@pytest.fixture(scope="module")
def mini():
    return load_scenario(DATA / "mini.yaml")


def day_of(d: date) -> int:
    return (d - date(2025, 12, 22)).days  # mini's epoch: 10 warm-up days before 2026-01-01


RAMP = [{"from": "2026-02-01", "fte": 1}, {"from": "2026-03-01", "fte": 3}]


def test_a_zsa_ramp_becomes_an_fte_timeline(mini):
    setup = build_setup(mini.with_changes({"zsa.staff": RAMP}), "zentral", 0)
    spec = setup.pools["ZSA/team"]
    assert spec.fte == 3.0
    assert spec.fte_timeline == (
        (0.0, 0.0),
        (day_of(date(2026, 2, 1)) * DAY, 1.0),
        (day_of(date(2026, 3, 1)) * DAY, 3.0),
    )
    # a plain number stays constant
    assert build_setup(mini, "zentral", 0).pools["ZSA/team"].fte_timeline == ()


def test_ramps_for_municipal_roles_and_variant_staff(mini):
    changed = mini.with_changes(
        {
            "municipalities.Adorf.staff.clerk": [{"from": "2025-01-01", "fte": 2}],
            "variants.zentral.staff": {
                "Adorf": {"front_office": [{"from": "2026-02-01", "fte": 0.5}]}
            },
        }
    )
    dez = build_setup(changed, "dezentral", 0).pools["Adorf/clerk"]
    assert dez.fte_timeline == ((0.0, 2.0),)  # a step before the epoch applies from 0
    zen = build_setup(changed, "zentral", 0).pools["Adorf/front_office"]
    assert zen.fte == 0.5 and zen.fte_timeline[-1] == (day_of(date(2026, 2, 1)) * DAY, 0.5)


def test_bad_ramps_are_refused_with_the_key_path(mini):
    with pytest.raises(ScenarioError, match="increasing 'from' dates"):
        mini.with_changes({"zsa.staff": list(reversed(RAMP))})
    with pytest.raises(ScenarioError, match="fte > 0"):
        mini.with_changes({"zsa.staff": [{"from": "2026-02-01", "fte": 0}]})


def test_planner_and_sweep_refuse_to_flatten_a_ramp_but_vary_one_step(mini):
    ramped = mini.with_changes({"zsa.staff": RAMP})
    with pytest.raises(
        ScenarioError, match=r"zsa\.staff: is a staff ramp .*--key zsa\.staff\.<n>\.fte"
    ):
        staffing_key(ramped, "zentral")
    with pytest.raises(ScenarioError, match=r"zsa\.staff: is a staff ramp .*zsa\.staff\.0\.fte"):
        ramped.with_changes({"zsa.staff": 4})
    assert staffing_key(ramped, "zentral", key="zsa.staff.1.fte") == "zsa.staff.1.fte"
    bigger = ramped.with_changes({"zsa.staff.1.fte": 5})
    assert build_setup(bigger, "zentral", 0).pools["ZSA/team"].fte_timeline[-1][1] == 5.0


def test_closure_for_all_work_closes_the_calendar_and_overtime_lengthens_the_days(mini):
    changed = mini.with_changes(
        {
            "calendars.rathaus.closures": [
                {"from": "2026-02-02", "to": "2026-02-06", "closed_to": "all"}
            ],
            "calendars.rathaus.overtime": [
                {"from": "2026-03-02", "to": "2026-03-08", "hours_per_week": 5}
            ],
        }
    )
    calendar = build_setup(changed, "dezentral", 0).pools["Adorf/clerk"].calendar
    base = build_setup(mini, "dezentral", 0).pools["Adorf/clerk"].calendar

    def week(cal, monday: date) -> float:
        d = day_of(monday) * DAY
        return cal.work_between(d, d + 7 * DAY)

    assert week(calendar, date(2026, 2, 2)) == 0.0
    assert week(base, date(2026, 2, 2)) == 4 * 510 + 300
    # 5 extra hours spread over the five working days (60 minutes each)
    assert week(calendar, date(2026, 3, 2)) == week(base, date(2026, 3, 2)) + 300
    assert week(calendar, date(2026, 3, 9)) == week(base, date(2026, 3, 9))


def test_closure_to_the_public_defers_the_counter_applications_to_the_reopening(mini):
    window = {
        "from": "2026-02-02",
        "to": "2026-02-13",
        "closed_to": "public",
        "channels": ["paper"],
    }
    changed = mini.with_changes({"municipalities.Adorf.closures": [window]})
    begin, end = day_of(date(2026, 2, 2)) * DAY, day_of(date(2026, 2, 14)) * DAY
    reopen = day_of(date(2026, 2, 16)) * DAY + 7 * 60  # Monday 7:00

    def arrivals(scenario):
        setup = build_setup(scenario, "dezentral", 0)
        source = next(s for s in setup.sources if s.municipality == "Adorf")
        return list(source.arrivals())

    before, after = arrivals(mini), arrivals(changed)
    assert sorted(a.index for a in before) == sorted(a.index for a in after)
    assert [a.time for a in after] == sorted(a.time for a in after)
    moved = {
        a.index for a in before if begin <= a.time < end and a.attributes["channel"] == "paper"
    }
    assert len(moved) > 10
    times = {a.index: a.time for a in after}
    assert all(times[i] == reopen for i in moved)
    assert not any(begin <= a.time < end and a.attributes["channel"] == "paper" for a in after)
    # staff keep working: the calendar is unchanged
    assert (
        build_setup(changed, "dezentral", 0).pools["Adorf/clerk"].calendar.work_between(begin, end)
        == 8 * 510 + 2 * 300
    )


def test_queue_disciplines_and_other_work_reach_the_pools(mini):
    changed = mini.with_changes(
        {
            "municipalities.Adorf.queues": {
                "clerk": {"discipline": "per_clerk", "ranges": ["A-K", "L-Z"]},
                "front_office": {"discipline": "edf", "due": "10"},
            },
            "municipalities.Adorf.other_work": {
                "clerk": [
                    {"name": "change_notices", "hours_per_week": 4},
                    {"name": "objections", "per_year": 100, "effort": {"fixed": 2, "unit": "h"}},
                ]
            },
        }
    )
    pools = build_setup(changed, "dezentral", 0).pools
    assert pools["Adorf/clerk"].discipline == QueueDiscipline("per_clerk", ranges=("A-K", "L-Z"))
    assert pools["Adorf/front_office"].discipline == QueueDiscipline("edf", due="10")
    notices, objections = pools["Adorf/clerk"].other_work
    assert notices.interval == 7 * DAY / 4 and notices.effort.mean == 60.0
    assert objections.interval is None and objections.rate == 100 / (365 * DAY)
    assert objections.effort.mean == 120.0


def test_contact_with_the_public_pauses_during_a_closure_to_the_public(mini):
    window = {"from": "2026-02-02", "to": "2026-02-13", "closed_to": "public"}
    changed = mini.with_changes(
        {
            "municipalities.Adorf.closures": [window],
            "municipalities.Adorf.other_work": {
                "clerk": [
                    {"name": "enquiries", "hours_per_week": 5, "public": True},
                    {"name": "change_notices", "hours_per_week": 5},
                ]
            },
        }
    )
    enquiries, notices = build_setup(changed, "dezentral", 0).pools["Adorf/clerk"].other_work
    begin, end = day_of(date(2026, 2, 2)) * DAY, day_of(date(2026, 2, 14)) * DAY
    assert enquiries.paused == ((begin, end),)
    assert notices.paused == ()


def test_queue_and_other_work_keys_are_checked_against_the_staff(mini):
    with pytest.raises(
        ScenarioError, match=r"municipalities\.Adorf\.queues\.nobody: .*no staff of role 'nobody'"
    ):
        mini.with_changes({"municipalities.Adorf.queues": {"nobody": {"discipline": "fifo"}}})
    with pytest.raises(ScenarioError, match=r"2 clerks but 3 letter ranges"):
        mini.with_changes(
            {
                "municipalities.Adorf.queues": {
                    "clerk": {"discipline": "per_clerk", "ranges": ["A-H", "I-P", "Q-Z"]}
                }
            }
        )
    with pytest.raises(ScenarioError, match="no clerk for the letters Z"):
        mini.with_changes(
            {
                "municipalities.Adorf.queues": {
                    "clerk": {"discipline": "per_clerk", "ranges": ["A-H", "I-Y"]}
                }
            }
        )
    with pytest.raises(ScenarioError, match=r"queues\.clerk: due: cannot parse expression"):
        mini.with_changes(
            {"municipalities.Adorf.queues": {"clerk": {"discipline": "edf", "due": "10 +* x"}}}
        )
    with pytest.raises(ScenarioError, match="needs 'due'"):
        mini.with_changes({"municipalities.Adorf.queues": {"clerk": {"discipline": "edf"}}})
    with pytest.raises(ScenarioError, match="either 'hours_per_week' or 'per_year'"):
        mini.with_changes({"municipalities.Adorf.other_work": {"clerk": [{"name": "x"}]}})


def test_every_task_of_the_office_scenario_takes_its_effort_in_its_clerks_hours():
    # issue 17: with part-time as own hours the working time between a task's start and
    # completion, on the member's own calendar, is the effort written in the log
    from zsa_sim.engine import Simulation
    from zsa_sim.eventlog.schema import ListSink

    scenario = load_scenario(DATA / "mini_office.yaml")
    for variant in ("dezentral", "zentral"):
        setup = build_setup(scenario, variant, 0)
        sink = ListSink()
        sim = Simulation(setup, sink)
        result = sim.run()
        calendars = {m.id: m.calendar for pool in sim.pools.values() for m in pool.members}
        done = [r for r in sink.rows if r.resource and r.complete == r.complete]
        assert len(done) > 300
        for r in done:
            assert calendars[r.resource].work_between(r.start, r.complete) == pytest.approx(
                r.effort, abs=1e-6
            )
        assert sum(result.pools["Adorf/clerk"].other_work_minutes_by_day) > 0
    # the ramp: nobody at the ZSA works before 2026-01-01, the second member not
    # before 2026-02-15
    zsa_rows = [r for r in sink.rows if r.resource.startswith("ZSA/")]
    assert min(r.start for r in zsa_rows) >= day_of(date(2026, 1, 1)) * DAY
    second = [r.start for r in zsa_rows if r.resource == "ZSA/team#2"]
    assert second and min(second) >= day_of(date(2026, 2, 15)) * DAY
