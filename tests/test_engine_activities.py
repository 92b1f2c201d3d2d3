"""Tasks, catch events, event-based gateways, boundary events, subprocesses, call activities."""

import math
from dataclasses import replace

import pytest
from engine_models import (
    ModelBuilder,
    arrivals_at,
    definitions,
    fixed,
    linear,
    pool,
    row_of,
    run,
    setup_for,
    times,
    trace,
)

from zsa_sim.engine.setup import TaskRouting, WaitRule

DAY = 1440.0


def reminder_model():
    """Start -> Request -> EventGw -> (Reply msg | Deadline P14D -> Remind) -> End."""
    b = ModelBuilder().start().task("Request").gateway("Wait", "event")
    b.message("Reply").timer("Deadline", "P14D").task("Remind").end("End").end("End2")
    b.chain("Start", "Request", "Wait", "Reply", "End").chain("Wait", "Deadline", "Remind", "End2")
    return definitions(b.build())


@pytest.mark.parametrize(
    ("rule", "path", "fired"),
    [
        (WaitRule(fixed(3 * DAY)), ["Start", "Request", "Reply", "End"], 10 + 3 * DAY),
        (
            WaitRule(fixed(20 * DAY)),
            ["Start", "Request", "Deadline", "Remind", "End2"],
            10 + 14 * DAY,
        ),
        (
            WaitRule(fixed(1.0), never=1.0),
            ["Start", "Request", "Deadline", "Remind", "End2"],
            10 + 14 * DAY,
        ),
    ],
    ids=["message wins", "timer wins", "never replies"],
)
def test_event_based_gateway_first_event_wins(rule, path, fired):
    setup = setup_for(
        reminder_model(),
        {"Request": 10, "Remind": 5},
        arrivals_at([0]),
        waits={"Reply": rule},
        horizon=30 * DAY,
    )
    rows, _ = run(setup)
    assert trace(rows) == path
    winner = path[2]
    assert times(rows, winner) == (10, 10, fired)
    assert rows[-1].activity_type == "endEvent"


def test_timer_override_from_the_scenario():
    setup = setup_for(
        reminder_model(),
        {"Request": 10, "Remind": 5},
        arrivals_at([0]),
        waits={"Reply": WaitRule(fixed(20 * DAY))},
        timers={"Deadline": fixed(7 * DAY)},
        horizon=30 * DAY,
    )
    rows, _ = run(setup)
    assert times(rows, "Deadline") == (10, 10, 10 + 7 * DAY)


def test_waiting_forever_is_flushed_as_open_catch_events():
    setup = setup_for(
        reminder_model(),
        {"Request": 10, "Remind": 5},
        arrivals_at([0]),
        waits={"Reply": WaitRule(fixed(1.0), never=1.0)},
        timers={"Deadline": fixed(1e9)},
        horizon=DAY,
    )
    rows, result = run(setup)
    open_rows = [r for r in rows if math.isnan(r.complete)]
    assert [r.activity_id for r in open_rows] == ["Reply", "Deadline"]
    assert all(r.enabled == r.start == 10 for r in open_rows)
    assert result.cases_open == 1


def test_intermediate_timer_and_message_catch():
    b = ModelBuilder().start().task("A").timer("T", "PT4H").message("M").task("B").end()
    b.chain("Start", "A", "T", "M", "B", "End")
    setup = setup_for(
        definitions(b.build()),
        {"A": 10, "B": 10},
        arrivals_at([0]),
        waits={"M": WaitRule(fixed(90))},
    )
    rows, _ = run(setup)
    assert times(rows, "T") == (10, 10, 250)
    assert times(rows, "M") == (250, 250, 340)
    assert times(rows, "B") == (340, 340, 350)
    assert rows[1].activity_type == "userTask"
    assert [r.activity_type for r in rows if r.activity_id in ("T", "M")] == [
        "intermediateCatchEvent"
    ] * 2


def test_throw_event_passes_and_is_logged():
    b = ModelBuilder().start().task("A").throw("Send").end()
    b.chain("Start", "A", "Send", "End")
    rows, _ = run(setup_for(definitions(b.build()), {"A": 7}, arrivals_at([0])))
    assert times(rows, "Send") == (7, 7, 7)


def boundary_model(interrupting=True, kind="timer", expression="PT30M"):
    """Start -> Work (boundary B -> Escalate -> End2) -> End."""
    b = ModelBuilder().start().task("Work").task("Escalate").end().end("End2")
    b.boundary("B", "Work", kind=kind, expression=expression, interrupting=interrupting)
    b.chain("Start", "Work", "End").chain("B", "Escalate", "End2")
    return definitions(b.build())


def test_interrupting_boundary_timer_cancels_task_and_frees_staff():
    setup = setup_for(
        boundary_model(),
        {"Work": 100, "Escalate": 5},
        arrivals_at([0, 0]),
        pools=[pool("p"), pool("q")],
        routing={"Escalate": "q"},
    )
    rows, result = run(setup)
    assert trace(rows, 0) == ["Start", "B", "Work", "Escalate", "End2"]
    work = next(r for r in rows if r.case_id == "svc:town:0" and r.activity_id == "Work")
    assert (work.start, work.complete, work.effort) == (0, 30, 30)
    assert times(rows, "B", 0) == (0, 0, 30)
    # case 1 waited for the member; its own timer (armed at 0) fires at 30 too, while it
    # is still queued: its task is cancelled without ever starting
    work1 = next(r for r in rows if r.case_id == "svc:town:1" and r.activity_id == "Work")
    assert work1.enabled == 0 and math.isnan(work1.start) and work1.complete == 30
    assert result.cases_completed == 2


def test_freed_member_takes_the_next_case_at_the_cancellation_time():
    setup = setup_for(
        boundary_model(expression="PT30M"),
        {"Work": 100, "Escalate": 5},
        arrivals_at([0, 20]),
        pools=[pool("p"), pool("q")],
        routing={"Escalate": "q"},
    )
    rows, _ = run(setup)
    # case 1 arrived at 20 and waited for the member freed at 30; its timer fires at 50
    work1 = next(r for r in rows if r.case_id == "svc:town:1" and r.activity_id == "Work")
    assert (work1.enabled, work1.start, work1.complete) == (20, 30, 50)


def test_non_interrupting_boundary_timer_spawns_a_token():
    setup = setup_for(
        boundary_model(interrupting=False),
        {"Work": 100, "Escalate": 5},
        arrivals_at([0]),
        pools=[pool("p"), pool("q")],
        routing={"Escalate": "q"},
    )
    rows, result = run(setup)
    assert times(rows, "Work") == (0, 0, 100)
    assert times(rows, "Escalate") == (30, 30, 35)
    assert times(rows, "End") == (100, 100, 100)
    assert result.cases_completed == 1


def test_boundary_timer_cycle_fires_repeatedly():
    b = ModelBuilder().start().task("Work").task("Escalate").end().end("End2")
    b.boundary("B", "Work", expression="R3/PT10M", timer_kind="timeCycle", interrupting=False)
    b.chain("Start", "Work", "End").chain("B", "Escalate", "End2")
    setup = setup_for(
        definitions(b.build()),
        {"Work": 100, "Escalate": 0},
        arrivals_at([0]),
        pools=[pool("p"), pool("q")],
        routing={"Escalate": "q"},
    )
    rows, _ = run(setup)
    fired = [(r.enabled, r.complete) for r in rows if r.activity_id == "B"]
    assert fired == [(0, 10), (10, 20), (20, 30)]
    assert sum(1 for r in rows if r.activity_id == "End2") == 3


def test_message_boundary_uses_its_wait_rule():
    setup = setup_for(
        boundary_model(kind="message"),
        {"Work": 100, "Escalate": 5},
        arrivals_at([0]),
        waits={"B": WaitRule(fixed(40))},
    )
    rows, _ = run(setup)
    assert trace(rows) == ["Start", "B", "Work", "Escalate", "End2"]
    assert times(rows, "Work") == (0, 0, 40)


@pytest.mark.parametrize(
    ("probability", "path"),
    [(1.0, ["Start", "Work", "B", "Escalate", "End2"]), (0.0, ["Start", "Work", "End"])],
)
def test_error_boundary_on_task(probability, path):
    setup = setup_for(
        boundary_model(kind="error"),
        {"Work": 100, "Escalate": 5},
        arrivals_at([0]),
        errors={"B": probability},
    )
    rows, _ = run(setup)
    assert trace(rows) == path
    assert times(rows, "Work") == (0, 0, 100)


def sub_body(process_id="Body", terminate=False, error=False):
    b = ModelBuilder(process_id).start("SStart").task("S1").task("S2")
    b.end("SEnd", kind="error" if error else "terminate" if terminate else "none")
    b.chain("SStart", "S1", "S2", "SEnd")
    return b.build()


def test_embedded_subprocess_runs_its_body():
    b = ModelBuilder().start().subprocess("Sub", sub_body()).task("A").end()
    b.chain("Start", "Sub", "A", "End")
    setup = setup_for(definitions(b.build()), {"S1": 10, "S2": 20, "A": 5}, arrivals_at([0]))
    rows, result = run(setup)
    # body start/end events are not logged; the subprocess is a row of its own
    assert trace(rows) == ["Start", "S1", "S2", "Sub", "A", "End"]
    assert times(rows, "S2") == (10, 10, 30)
    assert times(rows, "Sub") == (0, 0, 30)
    assert [r.activity_type for r in rows if r.activity_id == "Sub"] == ["subProcess"]
    assert times(rows, "A") == (30, 30, 35)
    assert result.cases_completed == 1


def test_call_activity_runs_the_called_process():
    called = sub_body("Called")
    b = ModelBuilder().start().call("Call", "Called").end()
    b.chain("Start", "Call", "End")
    setup = setup_for(definitions(b.build(), called), {"S1": 10, "S2": 20}, arrivals_at([0]))
    rows, _ = run(setup)
    assert trace(rows) == ["Start", "S1", "S2", "Call", "End"]
    assert times(rows, "Call") == (0, 0, 30)


def test_interrupting_boundary_on_subprocess_cancels_its_tokens():
    b = ModelBuilder().start().subprocess("Sub", sub_body()).task("A").task("Late").end().end("E2")
    b.boundary("B", "Sub", expression="PT15M")
    b.chain("Start", "Sub", "A", "End").chain("B", "Late", "E2")
    setup = setup_for(
        definitions(b.build()), {"S1": 10, "S2": 20, "A": 5, "Late": 1}, arrivals_at([0])
    )
    rows, result = run(setup)
    # same instant: the subprocess row is written first, then its cancelled task's row
    assert trace(rows) == ["Start", "S1", "B", "Sub", "S2", "Late", "E2"]
    s2 = next(r for r in rows if r.activity_id == "S2")
    assert (s2.start, s2.complete, s2.effort) == (10, 15, 5)
    assert times(rows, "Sub") == (0, 0, 15)
    assert times(rows, "Late") == (15, 15, 16)
    assert result.cases_completed == 1


def test_non_interrupting_boundary_on_subprocess():
    b = ModelBuilder().start().subprocess("Sub", sub_body()).task("Note").end().end("E2")
    b.boundary("B", "Sub", expression="PT15M", interrupting=False)
    b.chain("Start", "Sub", "End").chain("B", "Note", "E2")
    setup = setup_for(
        definitions(b.build()),
        {"S1": 10, "S2": 20, "Note": 1},
        arrivals_at([0]),
        pools=[pool("p"), pool("q")],
        routing={"Note": "q"},
    )
    rows, _ = run(setup)
    assert times(rows, "Note") == (15, 15, 16)
    assert times(rows, "Sub") == (0, 0, 30)


def test_error_end_event_in_subprocess_triggers_error_boundary():
    b = ModelBuilder().start().subprocess("Sub", sub_body(error=True)).task("A")
    b.task("Fix").end().end("E2")
    b.boundary("Err", "Sub", kind="error")
    b.chain("Start", "Sub", "A", "End").chain("Err", "Fix", "E2")
    setup = setup_for(
        definitions(b.build()), {"S1": 10, "S2": 20, "A": 5, "Fix": 2}, arrivals_at([0])
    )
    rows, result = run(setup)
    assert trace(rows) == ["Start", "S1", "S2", "Sub", "Err", "Fix", "E2"]
    assert times(rows, "Err") == (30, 30, 30)
    assert times(rows, "Fix") == (30, 30, 32)
    assert result.cases_completed == 1


def test_terminate_inside_subprocess_ends_only_the_subprocess():
    body = ModelBuilder("Body").start("SStart").gateway("P", "and").task("S1").task("S2")
    body.end("Stop", kind="terminate").end("SEnd")
    body.chain("SStart", "P", "S1", "Stop").chain("P", "S2", "SEnd")
    b = ModelBuilder().start().subprocess("Sub", body.build()).task("A").end()
    b.chain("Start", "Sub", "A", "End")
    setup = setup_for(
        definitions(b.build()),
        {"S1": 10, "S2": 50, "A": 5},
        arrivals_at([0]),
        pools=[pool("p"), pool("q")],
        routing={"S2": "q"},
    )
    rows, result = run(setup)
    assert times(rows, "Sub") == (0, 0, 10)
    assert times(rows, "S2") == (0, 0, 10)  # cancelled after 10 minutes
    assert times(rows, "A") == (10, 10, 15)
    assert result.cases_completed == 1


def two_unit_setup(handover=None, same_unit=False, arrivals=None, **kw):
    pools = [
        pool("town_clerk", org_unit="Town"),
        pool("zsa", org_unit="Town" if same_unit else "ZSA"),
    ]
    routing = {
        "A": "town_clerk",
        "B": TaskRouting("zsa", handover=handover, **kw),
        "C": "town_clerk",
    }
    return setup_for(
        linear("A", "B", "C"),
        {"A": 10, "B": 20, "C": 5},
        arrivals or arrivals_at([0]),
        pools=pools,
        routing=routing,
    )


def test_handover_delay_between_units_in_calendar_time():
    rows, _ = run(two_unit_setup(handover=fixed(60)))
    assert times(rows, "B") == (70, 70, 90)  # enabled after the hand-over
    assert times(rows, "C") == (90, 90, 95)  # back to the town: no hand-over routed for C
    assert [r.org_unit for r in rows if r.activity_id in "ABC"] == ["Town", "ZSA", "Town"]


def test_a_handover_in_transit_at_the_horizon_is_written_open():
    """The case is open, and the log shows where: task B, not yet enabled."""
    rows, result = run(replace(two_unit_setup(handover=fixed(60)), horizon=40))
    b = next(r for r in rows if r.activity_id == "B")
    assert all(math.isnan(t) for t in times(rows, "B"))
    assert (b.resource, b.org_unit, b.effort) == ("", "ZSA", 20)
    assert result.cases_open == 1


def test_no_handover_within_the_same_unit():
    rows, _ = run(two_unit_setup(handover=fixed(60), same_unit=True))
    assert times(rows, "B") == (10, 10, 30)


def test_effort_factor_scales_the_drawn_effort():
    rows, _ = run(two_unit_setup(effort_factor=0.5))
    r = next(r for r in rows if r.activity_id == "B")
    assert (r.start, r.complete, r.effort) == (10, 20, 10)


def test_effort_multiplier_expression():
    setup = setup_for(
        linear("A"),
        {"A": 100},
        arrivals_at([0, 1000], [{"household_size": 1}, {"household_size": 5}]),
        multipliers={"A": "1 + 0.25 * (household_size - 1)"},
    )
    rows, _ = run(setup)
    assert times(rows, "A", 0) == (0, 0, 100)
    assert times(rows, "A", 1) == (1000, 1000, 1200)


def test_priority_queue_order():
    setup = setup_for(
        linear("A"),
        {"A": 10},
        arrivals_at([0, 1, 2, 3], priorities=[0, 5, 1, 3]),
    )
    rows, _ = run(setup)
    starts = {r.case_id[-1]: r.start for r in rows if r.activity_id == "A"}
    # larger priority first (issue 14: it was served smallest first)
    assert starts == {"0": 0, "1": 10, "3": 20, "2": 30}


def test_fifo_without_priorities():
    rows, _ = run(setup_for(linear("A"), {"A": 10}, arrivals_at([0, 1, 2, 3])))
    assert [r.start for r in rows if r.activity_id == "A"] == [0, 10, 20, 30]


def test_part_time_member_works_at_full_speed_in_her_own_hours():
    # 0.5 FTE on a round-the-clock calendar: 0:00-12:00 each day (issue 17, hours model)
    rows, result = run(
        setup_for(linear("A"), {"A": 10}, arrivals_at([0, 780]), pools=[pool("p", fte=0.5)])
    )
    work = sorted((r.start, r.complete) for r in rows if r.activity_id == "A")
    assert work == [(0, 10), (1440, 1450)]
    assert rows[1].resource == "p#1"
    assert result.pools["p"].available_minutes_by_day[0] == 720


def test_fractional_fte_gives_a_part_time_last_member():
    rows, _ = run(
        setup_for(linear("A"), {"A": 10}, arrivals_at([0, 0]), pools=[pool("p", fte=1.5)])
    )
    work = sorted((r.resource, r.complete) for r in rows if r.activity_id == "A")
    assert work == [("p#1", 10), ("p#2", 10)]


def test_task_rows_name_the_pool_role_and_events_the_lane_role():
    # A task's (org_unit, role) names the pool that worked it (a central team may have a
    # role of its own); events keep the role of their lane (or of a zsa:role property).
    from zsa_sim.bpmn.model import Lane

    lanes = [
        Lane("Lane_Front", "Front", ("A", "B", "Wait"), properties={"zsa:role": "front_office"})
    ]
    b = ModelBuilder(lanes=lanes).start().task("A", lane="Lane_Front")
    b.timer("Wait", "PT1M", lane="Lane_Front").task("B", lane="Lane_Front").end()
    b.chain("Start", "A", "Wait", "B", "End")
    setup = setup_for(
        definitions(b.build()),
        {"A": 1, "B": 1},
        arrivals_at([0]),
        pools=[pool("p", role="team", org_unit="ZSA")],
    )
    rows, _ = run(setup)
    cols = [(r.activity_id, r.lane, r.role, r.org_unit) for r in rows]
    assert cols == [
        ("Start", "", "", ""),
        ("A", "Lane_Front", "team", "ZSA"),
        ("Wait", "Lane_Front", "front_office", ""),
        ("B", "Lane_Front", "team", "ZSA"),
        ("End", "", "", ""),
    ]


def test_boundary_firing_as_the_member_is_granted_gives_the_member_back():
    # case 0: Pre (10) -> Post (10); case 1: Work with a 10-minute interrupting timer,
    # queued behind Pre. At 10 Pre ends and the member is granted to Work, and in the
    # same instant Work's timer cancels it: the member must go on to case 0's Post.
    b = ModelBuilder().start().gateway("Gw", default="F_W").task("Pre").task("Post")
    b.task("Work").end().end("End2").end("End3")
    b.boundary("B", "Work", expression="PT10M")
    b.flow("Start", "Gw").flow("Gw", "Pre", "F_P", "${kind == 'a'}").flow("Gw", "Work", "F_W")
    b.chain("Pre", "Post", "End").chain("Work", "End2").chain("B", "End3")
    setup = setup_for(
        definitions(b.build()),
        {"Pre": 10, "Post": 10, "Work": 50},
        arrivals_at([0, 0], [{"kind": "a"}, {"kind": "b"}]),
    )
    rows, result = run(setup)
    assert times(rows, "Post", 0) == (10, 10, 20)
    work = row_of(rows, "Work", 1)
    assert math.isnan(work.start) and work.complete == 10
    assert result.cases_completed == 2
