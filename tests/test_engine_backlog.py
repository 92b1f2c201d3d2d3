"""Cases of the initial backlog start mid-process (issue 17, item 1): exact times."""

from __future__ import annotations

import pytest
from engine_models import SERVICE, TOWN, linear, run, setup_for

from zsa_sim.engine import case_id
from zsa_sim.engine.setup import CaseArrival, CaseSource
from zsa_sim.errors import SimulationError


def source(*arrivals: CaseArrival) -> CaseSource:
    return CaseSource(SERVICE, TOWN, lambda: iter(arrivals))


def backlog(index: int, time: float, node: str) -> CaseArrival:
    return CaseArrival(SERVICE, TOWN, index, time, {"from_backlog": True}, 0.0, node)


def test_backlog_cases_stand_at_their_node_and_keep_their_application_date() -> None:
    # A 10 min, B 20 min, one clerk always on duty. Two backlog cases wait for B (the
    # older first), a new case arrives at 0: the backlog is served first (FIFO, oldest
    # first), the new case's A starts when B2 is done.
    new = CaseArrival(SERVICE, TOWN, 0, 0.0, {"from_backlog": False})
    setup = setup_for(
        linear("A", "B"),
        {"A": 10, "B": 20},
        source(backlog(-1, -100.0, "B"), backlog(-2, -50.0, "B"), new),
        attribute_names=("from_backlog",),
    )
    rows, result = run(setup)
    by_case: dict[str, list[tuple]] = {}
    for r in rows:
        by_case.setdefault(r.case_id, []).append(
            (r.activity_id, r.enabled, r.start, r.complete, r.attributes)
        )
    assert by_case["svc:town:B1"] == [
        ("Start", -100.0, -100.0, -100.0, (True,)),
        ("B", 0.0, 0.0, 20.0, (True,)),
        ("End", 20.0, 20.0, 20.0, (True,)),
    ]
    assert by_case["svc:town:B2"][1] == ("B", 0.0, 20.0, 40.0, (True,))
    assert by_case["svc:town:0"] == [
        ("Start", 0.0, 0.0, 0.0, (False,)),
        ("A", 0.0, 40.0, 50.0, (False,)),
        ("B", 50.0, 50.0, 70.0, (False,)),
        ("End", 70.0, 70.0, 70.0, (False,)),
    ]
    assert (result.cases_started, result.cases_completed) == (3, 3)


def test_backlog_case_ids() -> None:
    assert case_id("wohngeld", "Halle", -1) == "wohngeld:Halle:B1"
    assert case_id("wohngeld", "Halle", 7) == "wohngeld:Halle:7"


@pytest.mark.parametrize(
    "arrival",
    [
        backlog(-1, -10.0, "Nowhere"),
        backlog(1, -10.0, "B"),  # a backlog case needs a negative index
        backlog(-1, 5.0, "B"),  # ... and an application date before now
    ],
)
def test_bad_backlog_arrivals_are_refused(arrival: CaseArrival) -> None:
    setup = setup_for(linear("A", "B"), {"A": 10, "B": 20}, source(arrival))
    with pytest.raises(SimulationError, match="backlog case"):
        run(setup)
