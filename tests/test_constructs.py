"""BPMN constructs end to end: loops and multi-instance activities, black boxes, event
subprocesses, escalations, link and conditional events (tests/data/bpmn/constructs/).

Each construct is read from a file written in the style of a modelling tool, run with
fixed efforts and delays (exact timestamps), and its event log replayed on the model.
A run with random arrivals and efforts checks that every case ends or is open and that
every trace conforms. The last tests go the designer's way: template, filled figures,
validate, run.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import pytest
import yaml
from engine_models import (
    SERVICE,
    arrivals_at,
    fixed,
    pool,
    random_arrivals,
    run,
    setup_for,
)

from zsa_sim.bpmn import read_bpmn, validate_model
from zsa_sim.bpmn.table import inspect_model
from zsa_sim.engine.distributions import Distribution
from zsa_sim.engine.setup import WaitRule
from zsa_sim.errors import SimulationError
from zsa_sim.eventlog.conformance import check_log, replay
from zsa_sim.experiment.cases import CaseTable
from zsa_sim.scenario import build_setup, load_scenario, validate_scenario_file, write_template

DATA = Path(__file__).parent / "data" / "bpmn" / "constructs"
NAN = math.nan

MI_EFFORTS = {"Task_Parallel": 10, "Task_Seq": 20, "Task_Loop": 5, "Task_Inner": 7}
ESP_EFFORTS = {"Task_Work": 100, "Task_Check": 10, "Task_Fix": 15, "Task_Remind": 10}
ESC_EFFORTS = {
    "Task_A1": 10,
    "Task_A2": 20,
    "Task_Notify": 5,
    "Task_B": 30,
    "Task_Chief": 40,
    "Task_C": 8,
    "Task_Cond": 3,
}


def construct_run(name, efforts, *, fte=3, instances=None, arrivals=None, **kw):
    """Run one case (or ``arrivals``) of a construct file; rows, result, definitions."""
    defs = read_bpmn(DATA / name if isinstance(name, str) else name)
    setup = setup_for(defs, efforts, arrivals or arrivals_at([0.0]), pools=[pool(fte=fte)], **kw)
    service = dataclasses.replace(setup.services[SERVICE], instances=instances or {})
    rows, result = run(dataclasses.replace(setup, services={SERVICE: service}))
    return rows, result, defs


def setup_of(defs, efforts):
    return setup_for(defs, efforts, arrivals_at([0.0]))


def table(rows):
    """(activity, enabled, start, complete) per row, in log order."""
    return [(r.activity_id, r.enabled, r.start, r.complete) for r in rows]


def fits(defs, rows) -> None:
    assert check_log({SERVICE: defs}, rows) == []


# -- loops and multi-instance ----------------------------------------------------------------


def test_parallel_sequential_loop_and_subprocess_instances_have_exact_times():
    rows, result, defs = construct_run(
        "multi_instance.bpmn",
        MI_EFFORTS,
        instances={"Task_Seq": fixed(2), "Task_Loop": fixed(3)},
    )
    assert table(rows) == [
        ("Start", 0, 0, 0),
        # loopCardinality 3, parallel: three clerks at once, one row per instance
        ("Task_Parallel", 0, 0, 10),
        ("Task_Parallel", 0, 0, 10),
        ("Task_Parallel", 0, 0, 10),
        # sequential, 2 from the scenario: one after the other
        ("Task_Seq", 10, 10, 30),
        ("Task_Seq", 30, 30, 50),
        # standard loop, 3 iterations (loopMaximum 5 does not cut)
        ("Task_Loop", 50, 50, 55),
        ("Task_Loop", 55, 55, 60),
        ("Task_Loop", 60, 60, 65),
        # parallel multi-instance subprocess, loopCardinality 2
        ("Task_Inner", 65, 65, 72),
        ("Task_Inner", 65, 65, 72),
        ("Sub_Multi", 65, 65, 72),
        ("Sub_Multi", 65, 65, 72),
        ("End", 72, 72, 72),
    ]
    assert (result.cases_completed, result.cases_open) == (1, 0)
    fits(defs, rows)


def test_parallel_instances_queue_for_one_clerk_and_the_join_waits_for_the_last():
    rows, _, defs = construct_run(
        "multi_instance.bpmn",
        MI_EFFORTS,
        fte=1,
        instances={"Task_Seq": fixed(1), "Task_Loop": fixed(1), "Sub_Multi": fixed(0)},
    )
    assert table(rows)[1:6] == [
        ("Task_Parallel", 0, 0, 10),
        ("Task_Parallel", 0, 10, 20),
        ("Task_Parallel", 0, 20, 30),
        ("Task_Seq", 30, 30, 50),
        ("Task_Loop", 50, 50, 55),
    ]
    # zero instances of the subprocess: it passes at once, without a row
    assert table(rows)[6:] == [("End", 55, 55, 55)]
    fits(defs, rows)


def test_a_completion_condition_ends_the_instances_early(tmp_path):
    text = (DATA / "multi_instance.bpmn").read_text(encoding="utf-8")
    old = '<bpmn:loopCardinality xsi:type="bpmn:tFormalExpression">3</bpmn:loopCardinality>'
    condition = (
        '<bpmn:completionCondition xsi:type="bpmn:tFormalExpression">'
        "${nrOfCompletedInstances / nrOfInstances &gt;= 0.5}</bpmn:completionCondition>"
    )
    assert old in text
    path = tmp_path / "early.bpmn"
    path.write_text(text.replace(old, old + condition), encoding="utf-8")
    rows, _, defs = construct_run(
        path, MI_EFFORTS, fte=1, instances={"Task_Seq": fixed(5), "Task_Loop": fixed(1)}
    )
    got = table(rows)
    # parallel: after 2 of 3 (>= 50 %) the third is cancelled the moment it got the clerk
    assert got[1:4] == [
        ("Task_Parallel", 0, 0, 10),
        ("Task_Parallel", 0, 10, 20),
        ("Task_Parallel", 0, 20, 20),
    ]
    assert rows[3].effort == 0
    # sequential: completionCondition nrOfCompletedInstances == 2 stops 5 after 2
    assert got[4:6] == [("Task_Seq", 20, 20, 40), ("Task_Seq", 40, 40, 60)]
    assert got[6] == ("Task_Loop", 60, 60, 65)
    fits(defs, rows)


def test_inspect_marks_loops_multi_instance_and_event_subprocesses():
    sections = inspect_model(read_bpmn(DATA / "multi_instance.bpmn")).sections
    marks = {row[0]: row[-1] for section in sections for row in section.rows}
    assert [marks[t] for t in ("Task_Parallel", "Task_Seq", "Task_Loop", "Sub_Multi")] == [
        "multi-instance (parallel)",
        "multi-instance (sequential)",
        "loop",
        "multi-instance (parallel)",
    ]
    sections = inspect_model(read_bpmn(DATA / "event_subprocess.bpmn")).sections
    marks = {row[0]: row[-1] for section in sections for row in section.rows}
    assert marks["Esp_Remind"] == marks["Esp_Fix"] == "event subprocess"


def test_loop_maximum_caps_the_iterations():
    rows, _, _ = construct_run(
        "multi_instance.bpmn", MI_EFFORTS, instances={"Task_Seq": fixed(1), "Task_Loop": fixed(9)}
    )
    assert [r.activity_id for r in rows].count("Task_Loop") == 5


def test_instance_count_from_an_attribute_expression_and_a_distribution():
    uniform = Distribution("uniform", {"low": 0.6, "high": 1.4})  # always rounds to 1
    rows, _, defs = construct_run(
        "multi_instance.bpmn",
        MI_EFFORTS,
        instances={"Task_Parallel": "dogs + 1", "Task_Seq": uniform, "Task_Loop": "dogs"},
        arrivals=arrivals_at([0.0, 0.0], [{"dogs": 0}, {"dogs": 2}]),
        attribute_names=("dogs",),
    )
    counts = [
        [r.activity_id for r in rows if r.case_id == f"{SERVICE}:town:{case}"] for case in (0, 1)
    ]
    assert [c.count("Task_Parallel") for c in counts] == [1, 3]
    assert [c.count("Task_Seq") for c in counts] == [1, 1]
    assert [c.count("Task_Loop") for c in counts] == [0, 2]
    fits(defs, rows)


def test_a_boundary_timer_cancels_every_running_and_queued_instance():
    rows, result, defs = construct_run(
        "multi_instance_timer.bpmn",
        {"Task_Each": 10},
        fte=1,
        arrivals=arrivals_at([0.0], {"dogs": 3}),
        attribute_names=("dogs",),
    )
    got = table(rows)
    assert got[:3] == [("Start", 0, 0, 0), ("Task_Each", 0, 0, 10), ("Timer_Late", 0, 0, 15)]
    assert got[3] == ("End_Late", 15, 15, 15)
    # the cut instances, written as their tokens clean up at the same moment: one in
    # work since 10, one that never began (start NaN)
    assert got[4] == ("Task_Each", 0, 10, 15)
    assert got[5][0] == "Task_Each" and math.isnan(got[5][2]) and got[5][3] == 15
    assert result.cases_completed == 1
    fits(defs, rows)


def test_an_error_in_one_instance_cancels_the_others_and_leaves_on_the_boundary():
    rows, result, defs = construct_run(
        "multi_instance_error.bpmn", {"Task_Check": 10, "Task_Request": 5}, fte=1
    )
    got = table(rows)
    assert got[:4] == [
        ("Start", 0, 0, 0),
        ("Task_Check", 0, 0, 10),  # the first instance finds a defect: error end event
        ("Sub_Each", 0, 0, 10),
        ("Sub_Each", 0, 0, 10),  # the second instance is cancelled with it ...
    ]
    assert got[4][0] == "Task_Check" and math.isnan(got[4][2])  # ... before its work began
    assert got[5:] == [
        ("Boundary_Found", 10, 10, 10),
        ("Task_Request", 10, 10, 15),
        ("End_Request", 15, 15, 15),
    ]
    assert result.cases_completed == 1
    fits(defs, rows)


def test_more_instances_than_max_visits_stop_the_run_with_a_clear_error():
    with pytest.raises(SimulationError, match=r"1000 instances of 'Task_Seq' .* exceed max_visits"):
        construct_run(
            "multi_instance.bpmn",
            MI_EFFORTS,
            instances={"Task_Seq": fixed(1000), "Task_Loop": fixed(1)},
        )


def test_a_loop_without_an_instance_count_is_refused_before_the_run():
    with pytest.raises(SimulationError, match=r"activity 'Task_Seq' .* has no instance count"):
        construct_run("multi_instance.bpmn", MI_EFFORTS, instances={"Task_Loop": fixed(1)})


# -- black boxes --------------------------------------------------------------------------------


def test_call_activities_to_no_process_and_empty_subprocesses_are_worked_as_tasks():
    defs = read_bpmn(DATA / "black_box.bpmn")
    warnings = [str(f) for f in validate_model(defs)]
    assert warnings == [
        "warning: 'Call_NoRef' (Register abfragen): call activity without calledElement: "
        "simulated as one task with an effort from the scenario",
        "warning: 'Call_Missing' (Zahlung anweisen): calls process 'Process_Kasse', which is "
        "in no file: simulated as one task with an effort from the scenario",
        "warning: 'Sub_Empty' (Bescheid erstellen): collapsed subprocess without content: "
        "simulated as one task with an effort from the scenario",
    ]
    summary = dict(inspect_model(defs).summary)
    assert summary["Black boxes (worked as tasks)"] == (
        "Call_NoRef (call activity without calledElement); Call_Missing (calls process "
        "'Process_Kasse', which is in no file); Sub_Empty (collapsed subprocess without content)"
    )
    rows, _, _ = construct_run(
        "black_box.bpmn", {"Call_NoRef": 10, "Call_Missing": 20, "Sub_Empty": 5}, fte=1
    )
    assert [(r.activity_id, r.activity_type, r.start, r.complete) for r in rows] == [
        ("Start", "startEvent", 0, 0),
        ("Call_NoRef", "callActivity", 0, 10),
        ("Call_Missing", "callActivity", 10, 30),
        ("Sub_Empty", "subProcess", 30, 35),
        ("End", "endEvent", 35, 35),
    ]
    assert all(r.resource for r in rows[1:4])
    fits(defs, rows)


# -- event subprocesses ---------------------------------------------------------------------


def test_non_interrupting_timer_and_error_event_subprocesses():
    rows, result, defs = construct_run(
        "event_subprocess.bpmn",
        {**ESP_EFFORTS, "Task_Close": 5},
        waits={"Withdraw_Start": WaitRule(fixed(60), never=1.0)},
    )
    assert table(rows) == [
        ("Start", 0, 0, 0),
        # the timer start fires 30 min after the case began; the work goes on beside it
        ("Remind_Start", 30, 30, 30),
        ("Task_Remind", 30, 30, 40),
        ("Esp_Remind", 30, 30, 40),
        ("Task_Work", 0, 0, 100),
        ("Task_Check", 100, 100, 110),
        # the error end event in Sub_Check starts the error event subprocess of that scope
        ("Fix_Start", 110, 110, 110),
        ("Task_Fix", 110, 110, 125),
        ("Esp_Fix", 110, 110, 125),
        ("Sub_Check", 100, 100, 125),
        ("End", 125, 125, 125),
    ]
    assert result.cases_completed == 1
    fits(defs, rows)


def test_a_non_interrupting_timer_cycle_starts_its_event_subprocess_repeatedly(tmp_path):
    text = (DATA / "event_subprocess.bpmn").read_text(encoding="utf-8")
    old = '<bpmn:timeDuration xsi:type="bpmn:tFormalExpression">PT30M</bpmn:timeDuration>'
    new = '<bpmn:timeCycle xsi:type="bpmn:tFormalExpression">R3/PT30M</bpmn:timeCycle>'
    assert old in text
    path = tmp_path / "cycle.bpmn"
    path.write_text(text.replace(old, new), encoding="utf-8")
    rows, _, defs = construct_run(
        path,
        {**ESP_EFFORTS, "Task_Close": 5, "Task_Work": 200},
        waits={"Withdraw_Start": WaitRule(fixed(60), never=1.0)},
    )
    reminders = [(r.start, r.complete) for r in rows if r.activity_id == "Task_Remind"]
    assert reminders == [(30, 40), (60, 70), (90, 100)]  # R3: three times, then no more
    fits(defs, rows)
    # instances that overlap (a reminder takes longer than the cycle) replay too
    rows, _, _ = construct_run(
        path,
        {**ESP_EFFORTS, "Task_Close": 5, "Task_Work": 200, "Task_Remind": 45},
        waits={"Withdraw_Start": WaitRule(fixed(60), never=1.0)},
    )
    reminders = [(r.start, r.complete) for r in rows if r.activity_id == "Task_Remind"]
    assert reminders == [(30, 75), (60, 105), (90, 135)]
    fits(defs, rows)


def test_an_interrupting_message_event_subprocess_cancels_the_work_and_ends_the_case():
    rows, result, defs = construct_run(
        "event_subprocess.bpmn",
        {**ESP_EFFORTS, "Task_Close": 5},
        waits={"Withdraw_Start": WaitRule(fixed(60))},
    )
    assert table(rows) == [
        ("Start", 0, 0, 0),
        ("Remind_Start", 30, 30, 30),
        ("Task_Remind", 30, 30, 40),
        ("Esp_Remind", 30, 30, 40),
        ("Task_Work", 0, 0, 60),  # cut short when the withdrawal arrives
        ("Withdraw_Start", 60, 60, 60),
        ("Task_Close", 60, 60, 65),
        ("Withdraw_End", 65, 65, 65),  # it took over the case: its end ends the case
        ("Esp_Withdraw", 60, 60, 65),
    ]
    assert (result.cases_completed, result.cases_open) == (1, 0)
    fits(defs, rows)
    # the case reports as ended, with the event subprocess's end as its outcome
    table_ = CaseTable.from_services(setup_of(defs, ESP_EFFORTS).services)
    for row in rows:
        table_.record(row)
    (record,) = table_.records()
    assert (record.is_open, record.outcome, record.end) == (False, "Withdraw_End", 65.0)


def test_escalation_event_subprocesses_run_beside_or_instead_of_the_process():
    rows, result, defs = construct_run(
        "escalation_event_subprocess.bpmn",
        {"Task_A": 10, "Task_B": 20, "Task_Note": 5, "Task_Stop": 4},
    )
    assert table(rows) == [
        ("Start", 0, 0, 0),
        ("Task_A", 0, 0, 10),
        # non-interrupting: the note is written beside Task_B
        ("Throw_Note", 10, 10, 10),
        ("Note_Start", 10, 10, 10),
        ("Task_Note", 10, 10, 15),
        ("Esp_Note", 10, 10, 15),
        ("Task_B", 10, 10, 30),
        # the escalation end event starts the interrupting one, which ends the case
        ("End_Stop", 30, 30, 30),
        ("Stop_Start", 30, 30, 30),
        ("Task_Stop", 30, 30, 34),
        ("Stop_End", 34, 34, 34),
        ("Esp_Stop", 30, 30, 34),
    ]
    assert (result.cases_completed, result.cases_open) == (1, 0)
    fits(defs, rows)
    # without the throw, the escalation start row does not fit
    assert not replay(defs, [r for r in rows if r.activity_id != "End_Stop"]).fits


# -- escalation, link and conditional events ------------------------------------------------------


def test_escalations_links_and_conditional_events_have_exact_times():
    rows, result, defs = construct_run(
        "escalation_link.bpmn",
        ESC_EFFORTS,
        waits={"Boundary_Cond": WaitRule(fixed(1000)), "Catch_Cond": WaitRule(fixed(60))},
        errors={"Boundary_Chief": 1.0},
    )
    assert table(rows) == [
        ("Start", 0, 0, 0),
        ("Task_A1", 0, 0, 10),
        # the throw inside Sub_A is caught by its non-interrupting boundary: both go on
        ("Throw_Late", 10, 10, 10),
        ("Boundary_Late", 10, 10, 10),
        ("Task_Notify", 10, 10, 15),
        ("End_Notify", 15, 15, 15),
        ("Task_A2", 10, 10, 30),
        ("Sub_A", 0, 0, 30),
        # the task ends with its escalation (probability 1): interrupting, to Task_Chief
        ("Task_B", 30, 30, 60),
        ("Boundary_Chief", 60, 60, 60),
        ("Task_Chief", 60, 60, 100),
        # the link throw jumps to the catch of the same name
        ("Link_Throw", 100, 100, 100),
        ("Link_Catch", 100, 100, 100),
        ("Task_C", 100, 100, 108),
        # conditional catch: the condition holds 60 min later (scenario wait)
        ("Catch_Cond", 108, 108, 168),
        ("End", 168, 168, 168),
    ]
    assert result.cases_completed == 1
    fits(defs, rows)


def test_a_conditional_boundary_event_interrupts_its_task():
    rows, _, defs = construct_run(
        "escalation_link.bpmn",
        ESC_EFFORTS,
        waits={"Boundary_Cond": WaitRule(fixed(5)), "Catch_Cond": WaitRule(fixed(60))},
        errors={"Boundary_Chief": 0.0},
    )
    assert table(rows)[-6:] == [
        ("Link_Throw", 60, 60, 60),
        ("Link_Catch", 60, 60, 60),
        ("Boundary_Cond", 60, 60, 65),  # the condition holds 5 min after Task_C began
        ("Task_C", 60, 60, 65),  # cut short
        ("Task_Cond", 65, 65, 68),
        ("End_Cond", 68, 68, 68),
    ]
    fits(defs, rows)


# -- many cases: conservation and conformance ---------------------------------------------------


def exp(mean: float) -> Distribution:
    return Distribution("exponential", {"mean": mean})


RANDOM_RUNS = {
    "multi_instance.bpmn": dict(
        efforts={k: exp(v) for k, v in MI_EFFORTS.items()},
        instances={"Task_Seq": Distribution("uniform", {"low": 0, "high": 3}), "Task_Loop": "2"},
    ),
    "multi_instance_timer.bpmn": dict(
        efforts={"Task_Each": exp(8)},
        instances={"Task_Each": exp(2)},
        timers={"Timer_Late": exp(60)},
        horizon=285.0,
        fte=1,
    ),
    "multi_instance_error.bpmn": dict(
        efforts={"Task_Check": exp(25), "Task_Request": exp(5)},
        instances={"Sub_Each": Distribution("uniform", {"low": 0, "high": 3})},
        fte=1,
    ),
    "black_box.bpmn": dict(
        efforts={"Call_NoRef": exp(10), "Call_Missing": exp(5), "Sub_Empty": 4}, fte=1
    ),
    "event_subprocess.bpmn": dict(
        efforts={**{k: exp(v) for k, v in ESP_EFFORTS.items()}, "Task_Close": exp(5)},
        waits={"Withdraw_Start": WaitRule(exp(80), never=0.6)},
    ),
    "escalation_event_subprocess.bpmn": dict(
        efforts={"Task_A": exp(10), "Task_B": exp(20), "Task_Note": exp(5), "Task_Stop": exp(4)},
        fte=1,
    ),
    "escalation_link.bpmn": dict(
        efforts={k: exp(v) for k, v in ESC_EFFORTS.items()},
        waits={"Boundary_Cond": WaitRule(exp(30), 0.7), "Catch_Cond": WaitRule(exp(20))},
        errors={"Boundary_Chief": 0.3},
    ),
}


@pytest.mark.parametrize("name", RANDOM_RUNS)
def test_every_case_ends_or_is_open_and_every_trace_fits(name):
    spec = dict(RANDOM_RUNS[name])
    efforts = spec.pop("efforts")
    horizon = spec.pop("horizon", 400.0)
    rows, result, defs = construct_run(
        name,
        efforts,
        fte=spec.pop("fte", 2),
        arrivals=random_arrivals(40, 12.0),
        horizon=horizon,
        **spec,
    )
    cases = {}
    for r in rows:
        cases.setdefault(r.case_id, []).append(r)
    assert result.cases_started == len(cases) >= 20
    assert result.cases_completed + result.cases_open == result.cases_started
    assert result.cases_open > 0  # the horizon cuts some cases: open rows must fit too
    fits(defs, rows)
    ended = sum(replay(defs, case_rows).ended for case_rows in cases.values())
    assert ended == result.cases_completed


# -- the designer's way: template, figures, validate, run ----------------------------------------


def _fill(node, path=()):
    if isinstance(node, dict):
        if path and path[-1] == "channels":
            return {"online": 0.5, "paper": 0.5}
        return {k: _fill(v, (*path, str(k))) for k, v in node.items()}
    if isinstance(node, list):
        if path[-1] == "missing_documents":
            return [1.0]
        return [_fill(v, (*path, str(i))) for i, v in enumerate(node)]
    if node is not None or path[-1] == "decision_task":
        return node
    if "centralisable" in path:  # the template asks when the model does not say
        return False
    figures = {
        "efforts": {"fixed": 10, "unit": "min"},
        "instances": 2,
        "errors": 0.25,
        "waits": {"delay": {"fixed": 2, "unit": "d"}, "never": 0.5},
    }
    for key, value in figures.items():
        if key in path:
            return value
    if path[-1] == "postcodes" or path[-2:] == ("postcodes", "0"):
        return "39261"
    return {"cases_per_1000": 5.0, "population": 20_000, "cost_per_hour": 55.0}.get(path[-1], 2.0)


@pytest.mark.parametrize(
    "name",
    ["multi_instance.bpmn", "event_subprocess.bpmn", "black_box.bpmn", "escalation_link.bpmn"],
)
def test_template_asks_for_the_figures_and_the_filled_scenario_runs(tmp_path, name):
    from zsa_sim.engine import simulate
    from zsa_sim.eventlog.schema import ListSink

    out = write_template(DATA / name, tmp_path / "s.yaml")
    data = yaml.safe_load(out.read_text(encoding="utf-8"))
    (key, service), *_ = data["services"].items()
    if name == "multi_instance.bpmn":
        # asked for where the BPMN has no loopCardinality (the others are optional)
        assert set(service["instances"]) == {"Task_Seq", "Task_Loop"}
        assert "#   Sub_Multi: 2   # optional; BPMN loopCardinality: 2" in out.read_text(
            encoding="utf-8"
        )
        messages = {f"{f.element_id}: {f.message}" for f in validate_scenario_file(out)}
        assert (
            f"services.{key}.instances.Task_Seq: instance count missing (fill in the template)"
            in messages
        )
    if name == "event_subprocess.bpmn":
        assert set(service["waits"]) == {"Withdraw_Start"}
    if name == "black_box.bpmn":
        assert {"Call_NoRef", "Call_Missing", "Sub_Empty"} <= set(service["efforts"])
    if name == "escalation_link.bpmn":
        assert service["errors"] == {"Boundary_Chief": None}  # required: nothing else throws it
        assert set(service["waits"]) == {"Boundary_Cond", "Catch_Cond"}
    out.write_text(yaml.safe_dump(_fill(data), allow_unicode=True), encoding="utf-8")
    findings = [f for f in validate_scenario_file(out) if f.severity == "error"]
    assert findings == []
    scenario = load_scenario(out)
    setup = build_setup(scenario, next(iter(scenario.variants)), 0)
    sink = ListSink()
    result = simulate(setup, sink)
    assert result.cases_started > 0 and result.cases_completed > 0
    fits(read_bpmn(DATA / name), [r._replace(service=SERVICE) for r in sink.rows])


def test_validate_names_a_missing_instance_count_and_an_unreadable_cardinality(tmp_path):
    out = write_template(DATA / "multi_instance.bpmn", tmp_path / "s.yaml")
    data = _fill(yaml.safe_load(out.read_text(encoding="utf-8")))
    (key, service), *_ = data["services"].items()
    del service["instances"]["Task_Seq"]
    out.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    messages = [f"{f.element_id}: {f.message}" for f in validate_scenario_file(out)]
    assert (
        f"services.{key}.instances: no instance count for sequential multi-instance activity "
        "'Task_Seq' (Nachweise prüfen) (add e.g. 'Task_Seq: 3', a distribution without unit, "
        "or an expression over attributes)" in messages
    )
    assert (
        f"services.{key}.instances.Task_Loop: the loopCondition '${{!ok}}' of 'Task_Loop' "
        "(Nachbessern) is not evaluated; the instance count decides how often the loop runs"
        in messages
    )
    # Task_Seq's completionCondition reads nrOfCompletedInstances: the engine evaluates it
    assert not any(m.startswith(f"services.{key}.instances.Task_Seq: the") for m in messages)


def test_validate_refuses_an_error_probability_on_a_multi_instance_subprocess(tmp_path):
    out = write_template(DATA / "multi_instance_error.bpmn", tmp_path / "s.yaml")
    data = _fill(yaml.safe_load(out.read_text(encoding="utf-8")))
    (key, service), *_ = data["services"].items()
    service["errors"] = {"Boundary_Found": 0.1}
    out.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    messages = [f"{f.element_id}: {f.message}" for f in validate_scenario_file(out)]
    assert (
        f"services.{key}.errors.Boundary_Found: boundary event 'Boundary_Found' (Mangel) is "
        "attached to 'Sub_Each' (Je Unterlage prüfen), which is not a task worked once: an "
        "error end event inside it triggers the boundary, so drop the probability" in messages
    )
