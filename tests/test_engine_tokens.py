"""Token flow: exclusive, parallel and inclusive gateways, joins, loops, deadlocks."""

import gc
import math

import pytest
from engine_models import (
    ModelBuilder,
    arrivals_at,
    definitions,
    pool,
    run,
    setup_for,
    times,
    trace,
)
from scipy.stats import binom

from zsa_sim.engine.setup import BranchRule
from zsa_sim.errors import SimulationError


def xor_model(conditions=None, default=None):
    """Start -> Gw -> A | B -> Merge -> End."""
    conditions = conditions or {}
    b = ModelBuilder().start().gateway("Gw", default=default).task("A").task("B")
    b.gateway("Merge").end()
    b.flow("Start", "Gw").flow("Gw", "A", "F_A", conditions.get("F_A"))
    b.flow("Gw", "B", "F_B", conditions.get("F_B"))
    b.chain("A", "Merge").chain("B", "Merge", "End")
    return definitions(b.build())


def test_exclusive_by_probability_matches_binomial():
    n, p = 2000, 0.3
    setup = setup_for(
        xor_model(),
        {"A": 0, "B": 0},
        arrivals_at(range(n)),
        horizon=n + 10,
        branches={"Gw": BranchRule(probabilities={"F_A": p, "F_B": 1 - p})},
    )
    rows, result = run(setup)
    taken_a = sum(1 for r in rows if r.activity_id == "A")
    assert taken_a + sum(1 for r in rows if r.activity_id == "B") == n
    lo, hi = binom.ppf(0.0005, n, p), binom.ppf(0.9995, n, p)
    assert lo <= taken_a <= hi
    assert result.cases_completed == n


def test_exclusive_probability_rest_goes_to_default_flow():
    n = 1000
    setup = setup_for(
        xor_model(default="F_B"),
        {"A": 0, "B": 0},
        arrivals_at(range(n)),
        horizon=n + 10,
        branches={"Gw": BranchRule(probabilities={"F_A": 0.1})},
    )
    rows, _ = run(setup)
    taken_a = sum(1 for r in rows if r.activity_id == "A")
    assert binom.ppf(0.0005, n, 0.1) <= taken_a <= binom.ppf(0.9995, n, 0.1)


def test_exclusive_by_condition_and_default():
    defs = xor_model({"F_A": '${channel == "online"}'}, default="F_B")
    attrs = [{"channel": "online"}, {"channel": "paper"}]
    rows, _ = run(setup_for(defs, {"A": 1, "B": 2}, arrivals_at([0, 0], attrs)))
    assert trace(rows, 0) == ["Start", "A", "End"]
    assert trace(rows, 1) == ["Start", "B", "End"]


def test_scenario_condition_overrides_the_model():
    defs = xor_model({"F_A": "${channel == 'online'}"}, default="F_B")
    setup = setup_for(
        defs,
        {"A": 1, "B": 2},
        arrivals_at([0], {"channel": "online"}),
        branches={"Gw": BranchRule(conditions={"F_A": "channel == 'fax'"})},
    )
    rows, _ = run(setup)
    assert trace(rows) == ["Start", "B", "End"]


def test_exclusive_without_a_holding_condition_and_default_stops():
    defs = xor_model({"F_A": "x == 1", "F_B": "x == 2"})
    with pytest.raises(SimulationError, match=r"gateway 'Gw'.*no condition holds.*svc:town:0"):
        run(setup_for(defs, {"A": 1, "B": 1}, arrivals_at([0], {"x": 3})))


def test_unknown_attribute_names_attribute_and_gateway():
    defs = xor_model({"F_A": "${list_dog}"}, default="F_B")
    with pytest.raises(SimulationError, match=r"gateway 'Gw'.*unknown attribute 'list_dog'"):
        run(setup_for(defs, {"A": 1, "B": 1}, arrivals_at([0], {"channel": "x"})))


def parallel_model():
    b = ModelBuilder().start().gateway("Split", "and").task("A").task("B").gateway("Join", "and")
    b.task("C").end()
    b.chain("Start", "Split", "A", "Join", "C", "End").chain("Split", "B", "Join")
    return definitions(b.build())


def test_parallel_split_and_join_times_are_exact():
    pools = [pool("pa"), pool("pb"), pool("pc")]
    setup = setup_for(
        parallel_model(),
        {"A": 10, "B": 30, "C": 5},
        arrivals_at([100]),
        pools=pools,
        routing={"A": "pa", "B": "pb", "C": "pc"},
    )
    rows, result = run(setup)
    assert times(rows, "A") == (100, 100, 110)
    assert times(rows, "B") == (100, 100, 130)
    assert times(rows, "C") == (130, 130, 135)
    assert times(rows, "End") == (135, 135, 135)
    assert result.cases_completed == 1


def test_parallel_branches_share_one_pool_in_fifo_order():
    setup = setup_for(parallel_model(), {"A": 10, "B": 30, "C": 5}, arrivals_at([0]))
    rows, _ = run(setup)
    assert times(rows, "A") == (0, 0, 10)
    assert times(rows, "B") == (0, 10, 40)
    assert times(rows, "C") == (40, 40, 45)


def inclusive_model(default=None):
    """Start -> Or -> (A | B | A and B) -> OrJoin -> C -> End."""
    b = ModelBuilder().start().gateway("Or", "or", default=default).task("A").task("B")
    b.task("B2").gateway("OrJoin", "or").task("C").end()
    b.flow("Start", "Or").flow("Or", "A", "F_A", "${x}").flow("Or", "B", "F_B", "${y}")
    b.chain("A", "OrJoin").chain("B", "B2", "OrJoin").chain("OrJoin", "C", "End")
    return definitions(b.build())


def test_inclusive_join_waits_only_for_branches_taken():
    pools = [pool("pa"), pool("pb"), pool("pc")]
    attrs = [{"x": True, "y": False}, {"x": False, "y": True}, {"x": True, "y": True}]
    setup = setup_for(
        inclusive_model(),
        {"A": 10, "B": 20, "B2": 20, "C": 1},
        arrivals_at([0, 1000, 2000], attrs),
        pools=pools,
        routing={"A": "pa", "B": "pb", "B2": "pb", "C": "pc"},
    )
    rows, result = run(setup)
    assert trace(rows, 0) == ["Start", "A", "C", "End"]
    assert times(rows, "C", 0) == (10, 10, 11)
    assert times(rows, "C", 1) == (1040, 1040, 1041)
    # both taken: A is done at 2010 but B's token can still reach the join (via B2)
    assert times(rows, "C", 2) == (2040, 2040, 2041)
    assert [r.activity_id for r in rows if r.activity_id == "C"] == ["C"] * 3
    assert result.cases_completed == 3


def test_inclusive_split_without_condition_holding_takes_default():
    defs = inclusive_model(default="F_B")
    # the default flow carries no condition; A by condition only
    rows, _ = run(
        setup_for(defs, {"A": 1, "B": 1, "B2": 1, "C": 1}, arrivals_at([0], {"x": False, "y": 0}))
    )
    assert trace(rows) == ["Start", "B", "B2", "C", "End"]


def test_inclusive_by_probability_takes_each_flow_independently_and_at_least_one():
    b = ModelBuilder().start().gateway("Or", "or").task("A").task("B")
    b.gateway("OrJoin", "or").end()
    b.flow("Start", "Or").flow("Or", "A", "F_A").flow("Or", "B", "F_B")
    b.chain("A", "OrJoin").chain("B", "OrJoin", "End")
    n = 2000
    setup = setup_for(
        definitions(b.build()),
        {"A": 0, "B": 0},
        arrivals_at(range(n)),
        horizon=n + 5,
        branches={"Or": BranchRule(probabilities={"F_A": 0.5, "F_B": 0.2})},
    )
    rows, result = run(setup)
    a = {r.case_id for r in rows if r.activity_id == "A"}
    b_ = {r.case_id for r in rows if r.activity_id == "B"}
    assert result.cases_completed == n
    # none drawn (prob 0.4) -> the most likely flow, A: P(A) = 0.5 + 0.4 = 0.9
    assert binom.ppf(0.0005, n, 0.9) <= len(a) <= binom.ppf(0.9995, n, 0.9)
    assert binom.ppf(0.0005, n, 0.2) <= len(b_) <= binom.ppf(0.9995, n, 0.2)
    assert len(a | b_) == n


def loop_model():
    """Start -> Merge -> Check -> Gw -(missing_documents >= visit)-> Request -> Merge."""
    b = ModelBuilder().start().gateway("Merge").task("Check").gateway("Gw", default="F_Done")
    b.task("Request").end()
    b.chain("Start", "Merge", "Check", "Gw")
    b.flow("Gw", "Request", "F_Again", "${missing_documents >= visit}")
    b.flow("Gw", "End", "F_Done")
    b.chain("Request", "Merge")
    return definitions(b.build())


def test_loop_ends_after_the_visit_counter_passes_the_attribute():
    attrs = [{"missing_documents": 0}, {"missing_documents": 2}]
    rows, _ = run(
        setup_for(loop_model(), {"Check": 10, "Request": 5}, arrivals_at([0, 1000], attrs))
    )
    assert trace(rows, 0) == ["Start", "Check", "End"]
    assert trace(rows, 1) == ["Start", "Check", "Request", "Check", "Request", "Check", "End"]
    assert [r.complete for r in rows if r.case_id == "svc:town:1"][-1] == 1000 + 3 * 10 + 2 * 5


def test_loop_cap_stops_with_node_and_case():
    setup = setup_for(
        loop_model(),
        {"Check": 1, "Request": 1},
        arrivals_at([0], {"missing_documents": 10**6}),
        max_visits=20,
    )
    with pytest.raises(SimulationError, match=r"case svc:town:0 reached 'Merge' more than 20"):
        run(setup)


def test_a_run_leaves_the_garbage_collector_as_it_found_it():
    """The engine collects rarely while it runs (speed); the caller's settings come back
    afterwards, also when a run stops with an error in the middle (the loop cap)."""
    before = gc.get_threshold()
    attrs = [{"missing_documents": 1}]
    run(setup_for(loop_model(), {"Check": 1, "Request": 1}, arrivals_at([0], attrs)))
    assert (gc.get_threshold(), gc.get_freeze_count()) == (before, 0)
    setup = setup_for(
        loop_model(),
        {"Check": 1, "Request": 1},
        arrivals_at([0], {"missing_documents": 10**6}),
        max_visits=20,
    )
    with pytest.raises(SimulationError, match="more than 20"):
        run(setup)
    assert (gc.get_threshold(), gc.get_freeze_count()) == (before, 0)


def test_finished_cases_are_freed_without_the_cycle_collector():
    """The engine collects cycles rarely (speed), so a finished case must not sit in a
    reference cycle, or a large run keeps every case until the next full collection."""
    from zsa_sim.engine.case import Case

    attrs = [{"missing_documents": i % 3} for i in range(50)]
    setup = setup_for(loop_model(), {"Check": 1, "Request": 1}, arrivals_at(range(50), attrs))
    gc.collect()
    gc.disable()
    try:
        _, result = run(setup)
        gc.set_debug(gc.DEBUG_SAVEALL)
        gc.collect()
        leaked = [o for o in gc.garbage if isinstance(o, Case)]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()
    assert result.cases_completed == 50
    assert leaked == []


def test_deadlock_at_parallel_join_names_join_and_flows():
    b = ModelBuilder().start().gateway("Gw", default="F_B").task("A").task("B")
    b.gateway("Gw_Join", "and").end()
    b.flow("Start", "Gw").flow("Gw", "A", "F_A", "${x}").flow("Gw", "B", "F_B")
    b.flow("A", "Gw_Join", "F_A_Join").flow("B", "Gw_Join", "F_B_Join").chain("Gw_Join", "End")
    setup = setup_for(definitions(b.build()), {"A": 1, "B": 1}, arrivals_at([0], {"x": True}))
    with pytest.raises(
        SimulationError,
        match=r"test.bpmn: .*case svc:town:0 stuck at parallel join 'Gw_Join'.*F_B_Join",
    ):
        run(setup)


def test_terminate_end_cancels_other_tokens_and_frees_staff():
    b = ModelBuilder().start().gateway("Split", "and").task("A").task("B")
    b.end("Kill", kind="terminate").end("End")
    b.chain("Start", "Split", "A", "Kill").chain("Split", "B", "End")
    setup = setup_for(
        definitions(b.build()),
        {"A": 10, "B": 100},
        arrivals_at([0, 0]),
        pools=[pool("pa"), pool("pb")],
        routing={"A": "pa", "B": "pb"},
    )
    rows, result = run(setup)
    # case 0: B began at 0 and is cancelled at 10 with 10 minutes of work done
    assert trace(rows, 0) == ["Start", "A", "Kill", "B"]
    assert times(rows, "B", 0) == (0, 0, 10)
    assert [r.effort for r in rows if r.case_id == "svc:town:0" and r.activity_id == "B"] == [10]
    # case 1's B was queued behind it: it starts when the member is freed; case 1's A ran
    # 10..20, so case 1's B is cancelled at 20 after 10 minutes of work
    assert times(rows, "B", 1) == (0, 10, 20)
    assert result.cases_completed == 2 and result.cases_open == 0


def test_task_without_outgoing_flow_ends_its_token():
    b = ModelBuilder().start().task("A")
    b.chain("Start", "A")
    rows, result = run(setup_for(definitions(b.build()), {"A": 3}, arrivals_at([0])))
    assert trace(rows) == ["Start", "A"]
    assert result.cases_completed == 1


def test_open_work_at_the_horizon_is_flushed_with_nan():
    defs = parallel_model()
    setup = setup_for(defs, {"A": 10, "B": 30, "C": 5}, arrivals_at([0]), horizon=20)
    rows, result = run(setup)
    assert times(rows, "A") == (0, 0, 10)
    enabled, start, complete = times(rows, "B")
    assert (enabled, start) == (0, 10) and math.isnan(complete)
    assert result.cases_open == 1 and result.cases_completed == 0
