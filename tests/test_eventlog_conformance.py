"""Token replay of event-log traces on process models (zsa_sim.eventlog.conformance).

Two kinds of test: hand-made traces on small models, fitting and not fitting (a misfit
must name the activity where the trace leaves the model), and logs the engine writes
for models with every construct it executes, which must all fit.
"""

from __future__ import annotations

import math

import pytest
from engine_models import (
    SERVICE,
    ModelBuilder,
    arrivals_at,
    construct_models,
    construct_setup,
    definitions,
    run,
)

from zsa_sim.bpmn import model as bpmn
from zsa_sim.eventlog.conformance import Deviation, check_log, replay
from zsa_sim.eventlog.schema import ActivityRecord

NAN = math.nan
TYPES = {"Start": "startEvent", "End": "endEvent", "End2": "endEvent"}


def trace(*steps, case="c1", types=None):
    """Rows from (activity, complete) pairs or activity ids (completing at 1, 2, ...).

    ``complete`` NaN makes an open row; ``(activity, complete, start)`` sets the start.
    """
    rows = []
    for i, step in enumerate(steps, start=1):
        if isinstance(step, str):
            step = (step, float(i))
        activity, complete, *rest = step
        start = rest[0] if rest else (0.0 if math.isnan(complete) else complete)
        kind = {**TYPES, **(types or {})}.get(activity, "userTask")
        rows.append(
            ActivityRecord(
                case, SERVICE, "town", "", 0, activity, f"name of {activity}", kind,
                "", "", "", "", 0.0, start, complete, 0.0, (),
            )
        )  # fmt: skip
    return rows


def order_model():
    """Start -> A -> XOR (B | C) -> merge -> AND (D, E) -> join -> F -> End."""
    b = ModelBuilder().start().task("A").gateway("X").task("B").task("C").gateway("M")
    b.gateway("P", "and").task("D").task("E").gateway("J", "and").task("F").end()
    b.chain("Start", "A", "X", "B", "M", "P", "D", "J", "F", "End")
    b.chain("X", "C", "M").chain("P", "E", "J")
    return definitions(b.build())


@pytest.mark.parametrize(
    "steps",
    [
        ["Start", "A", "B", "D", "E", "F", "End"],
        ["Start", "A", "C", "E", "D", "F", "End"],
    ],
    ids=["one branch", "parallel tasks interleave"],
)
def test_a_trace_the_model_allows_fits_and_ends(steps):
    assert replay(order_model(), trace(*steps)) == (True, "", True)


@pytest.mark.parametrize(
    ("steps", "culprit"),
    [
        (["Start", "A", "B", "C", "D", "E", "F", "End"], "'C'"),
        (["Start", "A", "D", "E", "F", "End"], "'D'"),
        (["Start", "A", "B", "D", "F", "E", "End"], "'F'"),
        (["Start", "A", "A", "B", "D", "E", "F", "End"], "'A'"),
        (["Start", "B", "A", "D", "E", "F", "End"], "'B'"),
        (["A", "B", "D", "E", "F", "End"], "'A'"),
    ],
    ids=["both exclusive branches", "skipped branch", "join fired early", "twice", "swapped",
         "no start"],
)  # fmt: skip
def test_a_trace_the_model_forbids_is_rejected_naming_the_activity(steps, culprit):
    fits, problem, _ = replay(order_model(), trace(*steps))
    assert not fits
    assert problem.startswith(f"activity {culprit} (name of {culprit[1:-1]})")
    assert "is not enabled" in problem


def test_the_problem_says_what_the_model_expected():
    _, problem, _ = replay(order_model(), trace("Start", "A", "D"))
    assert problem == (
        "activity 'D' (name of D) at 3 is not enabled after 'A'; the model allows 'B' (B), 'C' (C)"
    )


def test_an_activity_not_in_the_model_is_named():
    result = replay(order_model(), trace("Start", "A", "Z"))
    assert result == (False, "activity 'Z' is not in the model", False)


def test_a_case_that_stops_before_its_end_event_does_not_fit():
    fits, problem, _ = replay(order_model(), trace("Start", "A", "B", "D", "E", "F"))
    assert not fits
    assert problem == "the case stops with tokens left before 'End'"


def test_a_case_cut_off_before_a_task_is_open_not_ended():
    # the hand-over delay before a task is not a row: the run may end during it
    assert replay(order_model(), trace("Start", "A", "B", "D")) == (True, "", False)


def test_open_rows_must_be_enabled():
    open_ok = trace("Start", "A", "B", ("D", NAN), ("E", NAN))
    assert replay(order_model(), open_ok) == (True, "", False)
    early = trace("Start", "A", "B", "D", ("F", NAN))
    fits, problem, _ = replay(order_model(), early)
    assert not fits and problem == "open activity 'F' (name of F) is not enabled"


def test_rows_are_replayed_in_order_of_completion():
    rows = trace("Start", "A", "B", "D", "E", "F", "End")
    assert replay(order_model(), rows[::-1]).fits


def loop_model():
    """Start -> Merge -> Check -> Gw (again: Fix -> Merge | ok: End)."""
    b = ModelBuilder().start().gateway("Merge").task("Check").gateway("Gw").task("Fix").end()
    b.chain("Start", "Merge", "Check", "Gw", "End").chain("Gw", "Fix", "Merge")
    return definitions(b.build())


def test_loops_repeat_and_must_close():
    assert replay(loop_model(), trace("Start", "Check", "Fix", "Check", "Fix", "Check", "End"))[0]
    fits, problem, _ = replay(loop_model(), trace("Start", "Check", "Fix", "End"))
    assert not fits and problem.startswith("activity 'End'")
    assert "the model allows 'Check' (Check)" in problem


def event_gateway_model():
    b = ModelBuilder().start().task("Request").gateway("Wait", "event")
    b.message("Reply").timer("Deadline", "P14D").task("Remind").end().end("End2")
    b.chain("Start", "Request", "Wait", "Reply", "End").chain("Wait", "Deadline", "Remind", "End2")
    return definitions(b.build())


def test_event_based_gateway_one_event_wins_and_both_may_be_open():
    catches = {"Reply": "intermediateCatchEvent", "Deadline": "intermediateCatchEvent"}
    defs = event_gateway_model()
    assert replay(defs, trace("Start", "Request", "Reply", "End", types=catches)).ended
    both = trace("Start", "Request", "Reply", "Deadline", types=catches)
    fits, problem, _ = replay(defs, both)
    assert not fits and problem.startswith("activity 'Deadline'")
    waiting = trace("Start", "Request", ("Reply", NAN), ("Deadline", NAN), types=catches)
    assert replay(defs, waiting) == (True, "", False)


def boundary_model(interrupting=True):
    b = ModelBuilder().start().task("Work").task("Escalate").end().end("End2")
    b.boundary("B", "Work", expression="PT30M", interrupting=interrupting)
    b.chain("Start", "Work", "End").chain("B", "Escalate", "End2")
    return definitions(b.build())


def test_interrupting_boundary_takes_the_token_and_excuses_the_cut_row():
    kinds = {"B": "boundaryEvent"}
    defs = boundary_model()
    cut = trace("Start", ("B", 30.0), ("Work", 30.0, NAN), ("Escalate", 35.0), ("End2", 35.0),
                types=kinds)  # fmt: skip
    assert replay(defs, cut) == (True, "", True)
    # the task row at another time than the boundary is not a cut row: it cannot happen
    late = trace("Start", ("B", 30.0), ("Work", 50.0, 0.0), ("Escalate", 55.0), ("End2", 55.0),
                 types=kinds)  # fmt: skip
    fits, problem, _ = replay(defs, late)
    assert not fits and problem.startswith("activity 'Work' (name of Work) at 50")
    # a boundary event after its task finished cannot fire
    after = trace("Start", ("Work", 20.0), ("B", 30.0), ("End", 30.0), types=kinds)
    fits, problem, _ = replay(defs, after)
    assert not fits and problem.startswith("activity 'B'")


def test_non_interrupting_boundary_leaves_the_task_running():
    kinds = {"B": "boundaryEvent"}
    rows = trace("Start", ("B", 30.0), ("Escalate", 35.0), ("End2", 35.0), ("Work", 100.0),
                 ("End", 100.0), types=kinds)  # fmt: skip
    assert replay(boundary_model(interrupting=False), rows) == (True, "", True)
    assert not replay(boundary_model(interrupting=True), rows).fits


def test_check_log_groups_cases_and_reports_misfits_and_unknown_services():
    good = trace("Start", "A", "B", "D", "E", "F", "End", case="good")
    bad = trace("Start", "A", "F", case="bad")
    other = [r._replace(service="other") for r in trace("Start", case="x")]
    deviations = check_log({SERVICE: order_model()}, [*good, *bad, *other])
    assert [(d.case_id, d.service) for d in deviations] == [("bad", SERVICE), ("x", "other")]
    assert isinstance(deviations[0], Deviation)
    assert deviations[0].problem.startswith("activity 'F'")
    assert deviations[1].problem == "no model for the service"


# -- logs written by the engine ----------------------------------------------------------


CONSTRUCTS = {c.name: c for c in construct_models()}


@pytest.mark.parametrize("name", CONSTRUCTS)
def test_every_case_the_engine_writes_fits_its_model(name):
    construct = CONSTRUCTS[name]
    rows, result = run(construct_setup(construct))
    assert any(construct.must_occur in (r.activity_id, r.activity_type) for r in rows)
    assert result.cases_open > 0 or name == "event-based gateway"
    assert check_log({SERVICE: construct.definitions}, rows) == []
    cases = {c: [r for r in rows if r.case_id == c] for c in _cases(rows)}
    ended = sum(replay(construct.definitions, rs).ended for rs in cases.values())
    assert ended == result.cases_completed


def test_cancelled_rows_really_occur_in_the_engine_logs():
    """The excuse for cut rows is exercised: these logs contain task rows cut short."""
    construct = CONSTRUCTS["boundary timer on a task, interrupting=True"]
    # cases arriving together: the timers of those still queued fire before they begin
    together = arrivals_at([0.0] * 4 + [100.0] * 4)
    rows, _ = run(construct_setup(construct, together))
    boundary_times = {(r.case_id, r.complete) for r in rows if r.activity_id == "B"}
    cut = [r for r in rows if r.activity_id == "Work" and (r.case_id, r.complete) in boundary_times]
    assert cut and any(math.isnan(r.start) for r in cut)
    assert check_log({SERVICE: construct.definitions}, rows) == []


def test_a_misfit_in_an_engine_log_is_found():
    construct = CONSTRUCTS["xor, and, loop"]
    rows, _ = run(construct_setup(construct))
    # a finished case that passed the parallel block once: drop its row of D
    by_case = {c: [r for r in rows if r.case_id == c] for c in _cases(rows)}
    case = next(
        c
        for c, rs in by_case.items()
        if [r.activity_id for r in rs].count("D") == 1 and rs[-1].activity_id == "End"
    )
    ordered = [r.activity_id for r in by_case[case]]
    after_join = ordered[max(ordered.index("D"), ordered.index("E")) + 1]
    tampered = [r for r in rows if not (r.case_id == case and r.activity_id == "D")]
    deviations = check_log({SERVICE: construct.definitions}, tampered)
    assert [d.case_id for d in deviations] == [case]
    assert deviations[0].problem.startswith(f"activity '{after_join}'")


def _cases(rows):
    return dict.fromkeys(r.case_id for r in rows)


def test_models_without_a_start_event_fit_nothing():
    empty = bpmn.Definitions(
        source="x.bpmn",
        processes=bpmn.frozen_mapping({"P": bpmn.Process(id="P")}),
    )
    with pytest.raises(Exception, match="no process with a start event"):
        replay(empty, trace("Start"))
