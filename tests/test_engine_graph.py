"""Compiling the model validates the setup before the first event: clear, one-line errors."""

import pytest
from engine_models import (
    ModelBuilder,
    arrivals_at,
    definitions,
    linear,
    pool,
    run,
    setup_for,
)

from zsa_sim.bpmn.model import Process
from zsa_sim.engine.distributions import Distribution
from zsa_sim.engine.setup import BranchRule, TaskRouting, WaitRule
from zsa_sim.errors import SimulationError

ONE = Distribution.fixed(1.0)


def xor_model(cond_a=None, default=None):
    b = ModelBuilder().start().gateway("Gw", default=default).task("A").task("B").end()
    b.flow("Start", "Gw").flow("Gw", "A", "F_A", cond_a).flow("Gw", "B", "F_B")
    b.chain("A", "End").chain("B", "End")
    return definitions(b.build())


def check(setup, match):
    with pytest.raises(SimulationError, match=match):
        run(setup)


def test_task_without_effort():
    check(
        setup_for(linear("A", "B"), {"A": 1}, arrivals_at([0]), routing={"B": "pool"}),
        r"^test.bpmn: service 'svc': task 'B' \(B\) has no effort distribution$",
    )


def test_task_without_routing():
    setup = setup_for(linear("A"), {"A": 1}, arrivals_at([0]))
    setup.routing[("svc", "town")].clear()  # type: ignore[attr-defined]
    check(setup, r"service 'svc', municipality 'town': task 'A' \(A\) is not routed")


def test_task_routed_to_unknown_or_empty_pool():
    check(
        setup_for(linear("A"), {"A": 1}, arrivals_at([0]), routing={"A": "nobody"}),
        r"task 'A' \(A\) is routed to unknown pool 'nobody'",
    )
    check(
        setup_for(linear("A"), {"A": 1}, arrivals_at([0]), pools=[pool("p", fte=0)]),
        r"routed to pool 'p', which has no staff",
    )
    check(
        setup_for(
            linear("A"), {"A": 1}, arrivals_at([0]), routing={"A": TaskRouting("pool", -1.0)}
        ),
        "effort factor",
    )


def test_message_catch_without_wait_rule():
    b = ModelBuilder().start().message("Reply").end()
    b.chain("Start", "Reply", "End")
    check(
        setup_for(definitions(b.build()), {}, arrivals_at([0])),
        r"message event 'Reply' has no wait rule",
    )


def test_wait_rule_never_out_of_range():
    b = ModelBuilder().start().message("Reply").end()
    b.chain("Start", "Reply", "End")
    check(
        setup_for(
            definitions(b.build()),
            {},
            arrivals_at([0]),
            waits={"Reply": WaitRule(ONE, never=1.5)},
        ),
        r"'never' must be within \[0, 1\]",
    )


def test_exclusive_split_that_cannot_decide():
    check(
        setup_for(xor_model(), {"A": 1, "B": 1}, arrivals_at([0])),
        r"gateway 'Gw' has 2 outgoing flows but no conditions and no branch probabilities",
    )


def test_probabilities_must_sum_to_one():
    rule = BranchRule(probabilities={"F_A": 0.5, "F_B": 0.7})
    check(
        setup_for(xor_model(), {"A": 1, "B": 1}, arrivals_at([0]), branches={"Gw": rule}),
        r"gateway 'Gw': branch probabilities sum to 1.2, not 1",
    )
    rule = BranchRule(probabilities={"F_A": 0.5})
    check(
        setup_for(xor_model(), {"A": 1, "B": 1}, arrivals_at([0]), branches={"Gw": rule}),
        r"sum to 0.5, not 1",
    )
    rule = BranchRule(probabilities={"F_A": -0.5, "F_B": 1.5})
    check(
        setup_for(xor_model(), {"A": 1, "B": 1}, arrivals_at([0]), branches={"Gw": rule}),
        r"probability of flow 'F_A' must be in \[0, 1\]",
    )


def test_branch_rule_naming_an_unknown_flow():
    rule = BranchRule(probabilities={"F_X": 1.0})
    check(
        setup_for(xor_model(), {"A": 1, "B": 1}, arrivals_at([0]), branches={"Gw": rule}),
        r"gateway 'Gw': 'F_X' is not one of its outgoing flows \(F_A, F_B\)",
    )


def test_conditions_and_probabilities_together():
    rule = BranchRule(probabilities={"F_A": 0.5, "F_B": 0.5})
    check(
        setup_for(
            xor_model("${x}", default="F_B"),
            {"A": 1, "B": 1},
            arrivals_at([0]),
            branches={"Gw": rule},
        ),
        "has conditions and branch probabilities",
    )


def test_flow_without_condition_that_is_not_default():
    check(
        setup_for(xor_model("${x}"), {"A": 1, "B": 1}, arrivals_at([0])),
        r"flow 'F_B' has no condition and is not the default flow",
    )


def test_bad_condition_fails_at_setup():
    check(
        setup_for(xor_model("${x.y}", default="F_B"), {"A": 1, "B": 1}, arrivals_at([0])),
        r"gateway 'Gw', flow 'F_A': expression '\$\{x.y\}' uses attribute access",
    )


def test_bad_effort_multiplier_fails_at_setup():
    check(
        setup_for(linear("A"), {"A": 1}, arrivals_at([0]), multipliers={"A": "max(1, 2)"}),
        r"effort multiplier of task 'A' \(A\).*function call",
    )


def test_bad_timer_text():
    b = ModelBuilder().start().timer("T", "14 days").end()
    b.chain("Start", "T", "End")
    check(
        setup_for(definitions(b.build()), {}, arrivals_at([0])),
        r"timer event 'T': not an ISO 8601 duration: '14 days'",
    )
    b = ModelBuilder().start().timer("T", "").end()
    b.chain("Start", "T", "End")
    check(
        setup_for(definitions(b.build()), {}, arrivals_at([0])),
        "timer event 'T' has no timer duration",
    )


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"waits": {"A": WaitRule(ONE)}}, "wait rule for event 'A' is not a message"),
        ({"timers": {"Nope": ONE}}, "timer for event 'Nope' is not a timer event"),
        ({"errors": {"A": 0.1}}, "error probability for boundary event 'A'"),
        ({"branches": {"A": BranchRule()}}, "branch rule for gateway 'A'"),
        ({"multipliers": {"Gw": "2"}}, "effort multiplier for task 'Gw' is not a task"),
    ],
)
def test_unknown_ids_in_the_service_setup(kwargs, match):
    check(setup_for(linear("A"), {"A": 1}, arrivals_at([0]), **kwargs), match)


def test_effort_for_an_unknown_task():
    check(
        setup_for(linear("A"), {"A": 1, "Task_Typo": 1}, arrivals_at([0])),
        "effort for task 'Task_Typo' is not a task in the model",
    )


def test_call_activity_to_unknown_or_recursive_process():
    b = ModelBuilder().start().call("Call", "Missing").end()
    b.chain("Start", "Call", "End")
    check(
        setup_for(definitions(b.build()), {}, arrivals_at([0])),
        r"callActivity 'Call' \(Call\) \(calls process 'Missing', which is in no file, worked "
        r"as a task\) has no effort distribution",
    )
    inner = ModelBuilder("Inner").start("S").call("Again", "Inner").end("E")
    inner.chain("S", "Again", "E")
    b = ModelBuilder().start().call("Call", "Inner").end()
    b.chain("Start", "Call", "End")
    check(
        setup_for(definitions(b.build(), inner.build()), {}, arrivals_at([0])),
        "calls process 'Inner' recursively",
    )


def test_event_gateway_must_lead_to_catch_events():
    b = ModelBuilder().start().gateway("Ev", "event").task("A").timer("T", "P1D").end()
    b.chain("Start", "Ev", "A", "End").chain("Ev", "T", "End")
    check(
        setup_for(definitions(b.build()), {"A": 1}, arrivals_at([0])),
        r"event-based gateway 'Ev' leads to 'A' \(A\), which is not an intermediate catch",
    )


def test_unsupported_boundary_kind():
    b = ModelBuilder().start().task("A").end().end("E2")
    b.boundary("Lk", "A", kind="link")
    b.chain("Start", "A", "End").chain("Lk", "E2")
    check(
        setup_for(definitions(b.build()), {"A": 1}, arrivals_at([0])),
        "link boundary event 'Lk' cannot be simulated",
    )


def test_escalation_boundary_on_a_task_needs_a_probability():
    b = ModelBuilder().start().task("A").end().end("E2")
    b.boundary("Esc", "A", kind="escalation")
    b.chain("Start", "A", "End").chain("Esc", "E2")
    check(
        setup_for(definitions(b.build()), {"A": 1}, arrivals_at([0])),
        r"escalation boundary event 'Esc' on task 'A' \(A\) has no probability \(set one "
        r"under errors:\)",
    )


def test_conditional_flows_out_of_a_task():
    b = ModelBuilder().start().task("A").end().end("E2")
    b.flow("Start", "A").flow("A", "End", condition="${x}").flow("A", "E2")
    check(
        setup_for(definitions(b.build()), {"A": 1}, arrivals_at([0])),
        "activity 'A' .* has conditional outgoing flows; use a gateway",
    )


def test_inclusive_default_flow_takes_no_probability():
    b = ModelBuilder().start().gateway("Or", "or", default="F_B").task("A").task("B").end()
    b.flow("Start", "Or").flow("Or", "A", "F_A").flow("Or", "B", "F_B")
    b.chain("A", "End").chain("B", "End")
    rule = BranchRule(probabilities={"F_A": 0.5, "F_B": 0.5})
    check(
        setup_for(
            definitions(b.build()), {"A": 1, "B": 1}, arrivals_at([0]), branches={"Or": rule}
        ),
        "default flow 'F_B' of an inclusive gateway",
    )


def test_process_without_start_event():
    body = ModelBuilder("Startless").task("X").build()
    b = ModelBuilder().start().subprocess("Sub", body).end()
    b.chain("Start", "Sub", "End")
    check(
        setup_for(definitions(b.build()), {"X": 1}, arrivals_at([0])),
        "process 'Startless' has no start event",
    )


def test_an_empty_subprocess_is_a_black_box_task():
    b = ModelBuilder().start().subprocess("Sub", Process(id="Empty")).end()
    b.chain("Start", "Sub", "End")
    rows, result = run(setup_for(definitions(b.build()), {"Sub": 7}, arrivals_at([0])))
    assert result.cases_completed == 1
    assert [(r.activity_id, r.activity_type, r.resource, r.complete) for r in rows][1] == (
        "Sub",
        "subProcess",
        "pool#1",
        7.0,
    )


def test_unreachable_tasks_need_no_effort():
    b = ModelBuilder().start().task("A").task("Orphan").end()
    b.chain("Start", "A", "End")
    _rows, result = run(setup_for(definitions(b.build()), {"A": 1}, arrivals_at([0])))
    assert result.cases_completed == 1


# -- check_buildable (validate): one compile per routing signature ------------------


def _towns(tables: dict[str, dict[str, TaskRouting]], pools):
    """The linear A-B model for several towns, each with its own routing table."""
    from dataclasses import replace

    from engine_models import SERVICE

    base = setup_for(linear("A", "B"), {"A": 1, "B": 1}, arrivals_at([0]), pools=pools)
    sources = tuple(arrivals_at([0], town=town) for town in tables)
    routing = {(SERVICE, town): table for town, table in tables.items()}
    return replace(base, sources=sources, routing=routing)


def _refusal(build) -> str | None:
    try:
        build()
    except SimulationError as err:
        return str(err)
    return None


def test_check_buildable_refuses_the_first_town_a_run_refuses():
    from zsa_sim.engine.simulation import Simulation, check_buildable
    from zsa_sim.eventlog.schema import ListSink

    pools = [pool("p"), pool("q"), pool("empty", fte=0)]
    good = {"A": TaskRouting("p"), "B": TaskRouting("p")}
    other = {"A": TaskRouting("q"), "B": TaskRouting("p")}
    # the same routing as good, but for an unstaffed pool, an unknown one, a bad factor
    bad = [
        {"A": TaskRouting("p"), "B": TaskRouting("empty")},
        {"A": TaskRouting("nobody"), "B": TaskRouting("p")},
        {"A": TaskRouting("p", float("nan")), "B": TaskRouting("p")},
        {"A": TaskRouting("p", -0.5), "B": TaskRouting("p")},
    ]
    for broken in bad:
        for where in range(4):
            tables = {f"t{k}": good if k % 2 else other for k in range(4)}
            tables[f"t{where}"] = broken
            tables["t9"] = broken  # a later town with the same signature
            setup = _towns(tables, pools)
            ran = _refusal(lambda s=setup: Simulation(s, ListSink()))
            checked = _refusal(lambda s=setup: check_buildable(s))
            assert ran is not None and f"municipality 't{where}'" in ran
            assert checked == ran
    # no refusal at all: none either way, and a Simulation built to check does not run
    setup = _towns({f"t{k}": good for k in range(3)}, pools)
    assert _refusal(lambda: check_buildable(setup)) is None
    simulation = Simulation(setup, ListSink(), _check_only=True)
    with pytest.raises(SimulationError, match="does not run"):
        simulation.run()


def test_routing_signature_holds_what_compiling_reads_of_a_town():
    from zsa_sim.engine.graph import routing_signature
    from zsa_sim.engine.queues import make_pool
    from zsa_sim.engine.staff import build_members

    def staff(spec):
        return make_pool(None, spec, build_members(spec, 1, 0, 1440.0)[0], 1, 0)

    pools = {p.id: staff(p) for p in (pool("p"), pool("q"), pool("empty", fte=0))}
    handover = Distribution.fixed(5.0)

    def signature(**routes):
        return routing_signature(routes, pools)

    same = signature(A=TaskRouting("p"), B=TaskRouting("q"))
    # another town with the same pools' facts: the same signature, in any order
    assert signature(B=TaskRouting("q"), A=TaskRouting("p")) == same
    assert signature(A=TaskRouting("q"), B=TaskRouting("p")) == same  # both staffed
    for changed in (
        signature(A=TaskRouting("p"), B=TaskRouting("empty")),
        signature(A=TaskRouting("p"), B=TaskRouting("nobody")),
        signature(A=TaskRouting("p", 0.5), B=TaskRouting("q")),
        signature(A=TaskRouting("p", handover=handover), B=TaskRouting("q")),
        signature(A=TaskRouting("p")),
        signature(A=TaskRouting("p"), C=TaskRouting("q")),
    ):
        assert changed != same
    # a NaN equals no other NaN: such towns are compiled each (and each refused)
    assert signature(A=TaskRouting("p", float("nan"))) != signature(
        A=TaskRouting("p", float("nan"))
    )
