"""Simulation runs: setup checks, results, determinism and common random numbers."""

import itertools
import math
from collections import Counter
from dataclasses import replace
from datetime import datetime

import numpy as np
import pytest
from engine_models import (
    EPOCH,
    ModelBuilder,
    arrivals_at,
    definitions,
    linear,
    pool,
    run,
    setup_for,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zsa_sim.engine import Simulation, SimulationResult, case_id, simulate
from zsa_sim.engine.calendar import WorkingCalendar
from zsa_sim.engine.distributions import Distribution
from zsa_sim.engine.setup import (
    ArrivalBatch,
    BranchRule,
    CaseArrival,
    CaseSource,
    TaskRouting,
    WaitRule,
)
from zsa_sim.errors import SimulationError
from zsa_sim.eventlog.schema import ListSink

EXP = Distribution.exponential


def test_public_api_shape():
    rows, result = run(setup_for(linear("A"), {"A": 5}, arrivals_at([0, 1])))
    assert isinstance(result, SimulationResult)
    assert (result.cases_started, result.cases_completed, result.cases_open) == (2, 2, 0)
    assert result.rows_written == len(rows) == 6
    assert result.events_processed > 0
    stats = result.pools["pool"]
    assert (stats.pool, stats.role, stats.org_unit, stats.fte) == ("pool", "clerk", "unit", 1.0)
    assert stats.available_minutes == 10_000.0
    with pytest.raises(AttributeError):
        result.cases_started = 3  # type: ignore[misc]


def test_case_id_format_and_row_columns():
    setup = setup_for(
        linear("A"),
        {"A": 5},
        arrivals_at([0], {"channel": "online", "secret": 1}),
        variant="zentral",
        attribute_names=("channel", "missing"),
    )
    setup = replace(setup, replication=3)
    rows, _ = run(setup)
    assert case_id("svc", "town", 0) == "svc:town:0"
    first = rows[0]
    assert first[:8] == ("svc:town:0", "svc", "town", "zentral", 3, "Start", "", "startEvent")
    assert first.attributes == ("online", "")
    assert rows[1].resource == "pool#1" and rows[1].effort == 5.0
    assert all(isinstance(v, float) for r in rows for v in (r.enabled, r.start, r.complete))


def test_arrivals_at_or_after_the_horizon_are_not_started():
    _rows, result = run(setup_for(linear("A"), {"A": 5}, arrivals_at([0, 50, 100]), horizon=100))
    assert result.cases_started == 2


def test_run_only_once():
    sim = Simulation(setup_for(linear("A"), {"A": 5}, arrivals_at([0])), ListSink())
    sim.run()
    with pytest.raises(SimulationError, match="runs once"):
        sim.run()


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"horizon": 0.0}, "horizon must be positive"),
        ({"horizon": float("inf")}, "horizon must be a finite number"),
        ({"max_visits": 0}, "max_visits must be a positive integer"),
        ({"routing": {}}, "service 'svc', municipality 'town': no task routing"),
        ({"services": {}}, r"arrival source \('svc', 'town'\): no service 'svc'"),
        ({"pools": {"other": pool("pool")}}, "staff pool 'other': its spec has id 'pool'"),
        ({"pools": {"pool": pool(fte=-1)}}, "fte must be a number >= 0"),
        ({"pools": {"pool": pool(absence_rate=1.0)}}, r"absence_rate must be within \[0, 1\)"),
        (
            {"pools": {"pool": pool(calendar=WorkingCalendar(epoch=datetime(2025, 1, 1)))}},
            "calendar epoch 2025-01-01 00:00:00 differs from the setup's epoch",
        ),
    ],
)
def test_setup_errors(change, match):
    setup = replace(setup_for(linear("A"), {"A": 5}, arrivals_at([0])), **change)
    with pytest.raises(SimulationError, match=match):
        run(setup)


def test_epoch_must_be_midnight_with_office_calendars():
    noon = datetime(2026, 1, 5, 12)
    setup = setup_for(
        linear("A"), {"A": 5}, arrivals_at([0]), pools=[pool(calendar=WorkingCalendar(epoch=noon))]
    )
    with pytest.raises(SimulationError, match="the epoch must be midnight"):
        run(replace(setup, epoch=noon))


def test_two_sources_for_one_municipality():
    setup = setup_for(linear("A"), {"A": 5}, arrivals_at([0]))
    with pytest.raises(SimulationError, match="two arrival sources"):
        run(replace(setup, sources=setup.sources * 2))


def test_unsorted_arrivals():
    with pytest.raises(SimulationError, match=r"not sorted by time: case 1 at 5\.0"):
        run(setup_for(linear("A"), {"A": 5}, arrivals_at([10, 5])))


def _batched(source: CaseSource, sizes: list[int]) -> CaseSource:
    """The source's arrivals as ArrivalBatch columns of the given sizes (the backlog and
    any leftover one by one)."""
    arrivals = list(source.arrivals())

    def batches():
        at = 0
        for size in sizes:
            rows = arrivals[at : at + size]
            names = list(rows[0].attributes)
            yield ArrivalBatch(
                rows[0].index,
                [a.time for a in rows],
                {name: [a.attributes[name] for a in rows] for name in names},
                [a.priority for a in rows],
            )
            at += size
        yield from arrivals[at:]

    return replace(source, batches=batches)


def test_batches_give_the_rows_of_the_same_arrivals_one_by_one():
    # issue 19: the engine starts new applications from columns; the cases, their rows
    # and the order of events are those of the arrivals one at a time
    times = [0.0, 0.0, 3.0, 7.5, 7.5, 8.0, 20.0, 31.0, 9_999.0, 10_000.0, 12_000.0]
    attributes = [{"channel": "online" if i % 3 else "paper", "n": i} for i in range(11)]
    source = arrivals_at(times, attributes, priorities=[float(i % 2) for i in range(11)])
    setup = setup_for(
        linear("A", "B"),
        {"A": EXP(6.0), "B": 4.0},
        source,
        attribute_names=("n", "missing", "channel"),
        variant="v",
    )
    rows, result = run(setup)
    for sizes in ([11], [2, 3, 6], [1] * 11, [4]):
        batched = replace(setup, sources=(_batched(source, sizes),))
        rows_b, result_b = run(batched)
        assert rows_b == rows
        assert result_b == result
    assert result.cases_started == 9  # the arrivals at and after the horizon never start
    assert rows[0].attributes == (0, "", "paper")


def test_unsorted_batch():
    source = _batched(arrivals_at([0, 10, 5]), [3])
    with pytest.raises(SimulationError, match=r"not sorted by time: case 2 at 5\.0"):
        run(setup_for(linear("A"), {"A": 5}, source))


def test_arrival_of_another_service():
    bad = CaseArrival("other", "town", 0, 0.0)
    source = CaseSource("svc", "town", lambda: iter([bad]))
    with pytest.raises(SimulationError, match=r"yielded a case of \('other', 'town'\)"):
        run(setup_for(linear("A"), {"A": 5}, source))


def stochastic_setup(seed=1, variant="", central=False, n=300):
    """Start -> A -> Gw (30 % loop back to A via Fix) -> B -> wait for reply -> End."""
    b = ModelBuilder().start().gateway("Merge").task("A").gateway("Gw", default="F_Ok")
    b.task("Fix").task("B").message("Reply").end()
    b.chain("Start", "Merge", "A", "Gw").flow("Gw", "Fix", "F_Fix").chain("Fix", "Merge")
    b.flow("Gw", "B", "F_Ok").chain("B", "Reply", "End")
    pools = [pool("town", fte=1.0, org_unit="Town")]
    routing = None
    if central:
        pools.append(pool("zsa", fte=2.5, org_unit="ZSA"))
        routing = {
            "A": TaskRouting("zsa", handover=Distribution("uniform", {"low": 60, "high": 600})),
            "Fix": "zsa",
            "B": "town",
        }
    return setup_for(
        definitions(b.build()),
        {"A": EXP(40), "Fix": EXP(10), "B": Distribution("lognormal", {"mean": 30, "sd": 20})},
        arrivals_at([i * 50.0 for i in range(n)], [{"k": i} for i in range(n)]),
        pools=pools,
        routing=routing,
        branches={"Gw": BranchRule(probabilities={"F_Fix": 0.3})},
        waits={"Reply": WaitRule(EXP(2000), never=0.1)},
        seed=seed,
        variant=variant,
        horizon=60_000,
    )


def test_same_seed_same_event_log():
    rows1, result1 = run(stochastic_setup())
    rows2, result2 = run(stochastic_setup())
    assert [repr(r) for r in rows1] == [repr(r) for r in rows2]
    assert result1 == result2
    rows3, _ = run(stochastic_setup(seed=2))
    assert [repr(r) for r in rows1] != [repr(r) for r in rows3]


def test_a_sink_that_takes_batches_gets_every_row_in_order_by_the_end_of_the_run():
    # issue 19: rows go to a sink with record_many in batches of ROW_BATCH, the last
    # one when the run ends; a sink without it gets them one by one, the same rows
    from zsa_sim.engine.tokens import ROW_BATCH

    class Batches:
        def __init__(self) -> None:
            self.sizes: list[int] = []
            self.rows: list = []

        def record(self, row) -> None:
            raise AssertionError("a sink with record_many is handed batches")

        def record_many(self, rows) -> None:
            self.sizes.append(len(rows))
            self.rows.extend(rows)

    class OneByOne:
        def __init__(self) -> None:
            self.rows: list = []

        def record(self, row) -> None:
            self.rows.append(row)

    batches, one = Batches(), OneByOne()
    result = simulate(stochastic_setup(), batches)
    assert simulate(stochastic_setup(), one) == result
    assert batches.rows == one.rows and result.rows_written == len(one.rows) > ROW_BATCH
    assert all(size == ROW_BATCH for size in batches.sizes[:-1]) and batches.sizes[-1] > 0


def per_case(rows):
    """(case, activity, visit) -> effort, and each case's path as a multiset."""
    efforts, seen = {}, {}
    for r in rows:
        k = (r.case_id, r.activity_id)
        seen[k] = seen.get(k, 0) + 1
        if r.activity_type == "userTask":
            efforts[(*k, seen[k])] = r.effort
    return efforts, seen


def test_common_random_numbers_across_variants():
    dec_rows, _dec = run(stochastic_setup(variant="dezentral"))
    cen_rows, _cen = run(stochastic_setup(variant="zentral", central=True))
    # the organisation changes the timing...
    dec_times = [(r.case_id, r.activity_id, r.complete) for r in dec_rows]
    assert dec_times != [(r.case_id, r.activity_id, r.complete) for r in cen_rows]
    # ...but not what each applicant needs: same efforts per task visit, same decisions
    finished = {r.case_id for r in dec_rows if r.activity_id == "End"} & {
        r.case_id for r in cen_rows if r.activity_id == "End"
    }
    assert len(finished) > 100
    dec_eff, dec_path = per_case(dec_rows)
    cen_eff, cen_path = per_case(cen_rows)
    for case in finished:
        assert {k: v for k, v in dec_eff.items() if k[0] == case} == {
            k: v for k, v in cen_eff.items() if k[0] == case
        }
        assert {k: v for k, v in dec_path.items() if k[0] == case} == {
            k: v for k, v in cen_path.items() if k[0] == case
        }
    assert {r.variant for r in cen_rows} == {"zentral"}


def test_reply_never_comes_for_about_the_never_share():
    _rows, result = run(stochastic_setup(n=300))
    assert result.cases_open == result.cases_started - result.cases_completed
    assert result.cases_open > 0


def test_simulate_with_lazy_arrivals_does_not_materialise_them():
    pulled = []

    def arrivals():
        for i in range(10**9):
            pulled.append(i)
            yield CaseArrival("svc", "town", i, float(i * 10))

    setup = setup_for(linear("A"), {"A": 1}, CaseSource("svc", "town", arrivals), horizon=95)
    result = simulate(setup, ListSink())
    assert result.cases_started == 10
    assert len(pulled) == 11  # the one at 100 is read and not started
    assert EPOCH.weekday() == 0


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    gaps=st.lists(st.floats(0, 600), min_size=1, max_size=25),
    fte=st.sampled_from([0.5, 1.0, 1.5, 2.0, 3.0]),
    office=st.booleans(),
    absence=st.sampled_from([0.0, 0.3]),
    seed=st.integers(0, 2**31 - 1),
    horizon_days=st.integers(1, 30),
)
def test_invariants_hold_for_random_runs(gaps, fte, office, absence, seed, horizon_days):
    b = ModelBuilder().start().task("A").gateway("Split", "and").task("B").task("C")
    b.gateway("Join", "and").gateway("Gw", default="F_End").end()
    b.chain("Start", "A", "Split", "B", "Join", "Gw").chain("Split", "C", "Join")
    b.flow("Gw", "A", "F_Again").flow("Gw", "End", "F_End")
    times = np.cumsum(gaps).tolist()
    calendar = WorkingCalendar(epoch=EPOCH) if office else None
    setup = setup_for(
        definitions(b.build()),
        {"A": EXP(60), "B": EXP(120), "C": Distribution("uniform", {"low": 0, "high": 90})},
        arrivals_at(times),
        pools=[pool("p", fte=fte, calendar=calendar, absence_rate=absence)],
        branches={"Gw": BranchRule(probabilities={"F_Again": 0.2})},
        seed=seed,
        horizon=horizon_days * 1440.0,
    )
    rows, result = run(setup)
    assert result.cases_started == result.cases_completed + result.cases_open
    assert result.cases_started == sum(1 for t in times if t < setup.horizon)
    starts = Counter(r.case_id for r in rows if r.activity_type == "startEvent")
    ends = {r.case_id for r in rows if r.activity_type == "endEvent"}
    assert set(starts.values()) <= {1} and len(starts) == result.cases_started
    assert len(ends) == result.cases_completed
    busy: dict[str, list[tuple[float, float]]] = {}
    for r in rows:
        assert r.enabled >= 0
        if not math.isnan(r.start):
            assert r.enabled <= r.start
            if not math.isnan(r.complete):
                assert r.start <= r.complete
        if r.resource:
            end = r.complete if not math.isnan(r.complete) else math.inf
            busy.setdefault(r.resource, []).append((r.start, end))
    for intervals in busy.values():
        intervals.sort()
        for (_, end), (start, _) in itertools.pairwise(intervals):
            assert end <= start + 1e-9, "a staff member did two tasks at once"


def test_pool_minutes_by_day_share_one_float_per_value() -> None:
    from zsa_sim.engine.simulation import _shared_floats

    values = np.array([480.0, 480.0, 0.0, -0.0, 240.5, 480.0])
    shared = _shared_floats(values)
    assert shared == (480.0, 480.0, 0.0, -0.0, 240.5, 480.0)
    assert all(type(v) is float for v in shared)
    assert shared[0] is shared[1] is shared[5]
    # the exact bits are kept: -0.0 is not folded into 0.0
    assert [math.copysign(1.0, v) for v in shared[2:4]] == [1.0, -1.0]


def test_pool_minutes_are_shared_as_a_dict_of_their_bits_would_share_them() -> None:
    from zsa_sim.engine.simulation import _shared_floats

    rng = np.random.default_rng(3)
    values = rng.choice([0.0, -0.0, 480.0, 240.5, 1e-300, 7.25], 500)
    shared = _shared_floats(values)
    by_bits: dict[str, float] = {}
    expected = [by_bits.setdefault(v.hex(), v) for v in map(float, values)]
    assert [v.hex() for v in shared] == [v.hex() for v in expected]
    assert len({id(v) for v in shared}) == len(by_bits)
    assert _shared_floats(np.zeros(0)) == ()


def test_pool_stats_are_made_when_the_run_starts() -> None:
    spec = pool("p", fte=2, absence_rate=0.3)
    setup = setup_for(linear("A"), {"A": 30}, arrivals_at([0.0]), pools=[spec], horizon=3 * 1440)
    simulation = Simulation(setup, ListSink())
    assert simulation.pool_stats == {}
    stats = simulation.run().pools["p"]
    from zsa_sim.engine.staff import build_members

    _, available = build_members(spec, setup.seed, setup.replication, setup.horizon)
    assert stats.available_minutes_by_day == tuple(available.tolist())
