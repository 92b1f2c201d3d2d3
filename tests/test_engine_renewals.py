"""Renewal applications after approval (issue 17, item 2): exact times on a tiny model."""

from __future__ import annotations

from dataclasses import replace

import pytest
from engine_models import arrivals_at, fixed, linear, run, setup_for

from zsa_sim.engine.renewals import RENEWAL_STRIDE, generation, renewal_case_id
from zsa_sim.engine.setup import RenewalRule


def renewing(rule: RenewalRule, attributes=None, times=(0.0,), **kw):
    setup = setup_for(linear("A"), {"A": 10}, arrivals_at(times, attributes), **kw)
    service = replace(setup.services["svc"], renewal=rule)
    return replace(setup, services={"svc": service})


def test_every_approval_renews_after_the_delay_until_the_arrivals_end() -> None:
    rule = RenewalRule(end_event="End", share=1.0, delay=fixed(100.0), until=1000.0)
    rows, result = run(renewing(rule))
    starts = [(r.case_id, r.enabled) for r in rows if r.activity_id == "Start"]
    # case 0 ends at 10, renews at 110, ends at 120, renews at 220, ... 990; 1100 is late
    assert starts == [("svc:town:0", 0.0)] + [(f"svc:town:0R{g}", 110.0 * g) for g in range(1, 10)]
    assert (result.cases_started, result.cases_completed) == (10, 10)


def test_condition_and_end_event_decide_what_is_an_approval() -> None:
    rule = RenewalRule("End", 1.0, fixed(100.0), 1000.0, condition="entitled == true")
    rows, _ = run(renewing(rule, [{"entitled": False}, {"entitled": True}], times=(0.0, 1.0)))
    renewed = sorted({r.case_id for r in rows if "R" in r.case_id})
    assert renewed[0] == "svc:town:1R1"
    assert not any(c.startswith("svc:town:0R") for c in renewed)
    other_end = RenewalRule("Nowhere", 1.0, fixed(100.0), 1000.0)
    rows, result = run(renewing(other_end))
    assert result.cases_started == 1


def test_renewal_share_is_drawn_per_case_and_the_same_in_every_variant() -> None:
    rule = RenewalRule(end_event="End", share=0.5, delay=fixed(5000.0), until=9000.0)
    times = [float(t) for t in range(0, 4000, 20)]
    a, _ = run(renewing(rule, times=times, variant="dezentral"))
    b, _ = run(renewing(rule, times=times, variant="zentral", seed=1))
    renewed_a = {r.case_id for r in a if "R" in r.case_id}
    renewed_b = {r.case_id for r in b if "R" in r.case_id}
    assert renewed_a == renewed_b
    # 200 cases, share 0.5: binomial 99.9% band (z = 3.29) around 100
    assert abs(len(renewed_a) - 100) <= 3.29 * (200 * 0.25) ** 0.5


@pytest.mark.parametrize("index", [0, 17, -3])
def test_renewal_numbers_decode_to_parent_and_generation(index: int) -> None:
    assert generation(index) == (index, 0)
    assert generation(index + 2 * RENEWAL_STRIDE) == (index, 2)
    assert renewal_case_id("s", "m", index + RENEWAL_STRIDE).endswith("R1")
    assert renewal_case_id("s", "m", -3 + RENEWAL_STRIDE) == "s:m:B3R1"
