from pathlib import Path

import numpy as np
import pytest

from zsa_sim.experiment.kpis import KpiValue
from zsa_sim.planning.economics import (
    cost_neutral_fte,
    cost_per_case,
    municipality_economics,
    summarise_costs,
)
from zsa_sim.scenario import load_scenario

MINI = Path(__file__).parent / "data" / "scenarios" / "mini.yaml"


def pool(variant, rep, org, role, kpi, value, service="all"):
    return KpiValue(variant, rep, service, org, role, kpi, "", value)


def case(variant, rep, kpi, value, service="all", municipality="all"):
    return KpiValue(variant, rep, service, municipality, "", kpi, "", value)


def baseline_rows():
    rows = []
    for rep, arrivals in ((0, 100.0), (1, 125.0)):
        rows += [
            pool("dezentral", rep, "Adorf", "front_office", "capacity_cost", 400.0),
            pool("dezentral", rep, "Adorf", "clerk", "capacity_cost", 200.0),
            pool("dezentral", rep, "Bdorf", "clerk", "capacity_cost", 400.0),
            pool("dezentral", rep, "Adorf", "front_office", "cost", 100.0),
            # per-service rows repeat the pool's work and must not be counted twice
            pool("dezentral", rep, "Adorf", "front_office", "cost", 100.0, service="antrag"),
            case("dezentral", rep, "arrivals", arrivals),
            case("dezentral", rep, "arrivals", arrivals, municipality="Adorf"),
        ]
    return rows


def variant_rows():
    rows = []
    for rep, arrivals in ((0, 100.0), (1, 125.0)):
        rows += [
            pool("zentral", rep, "Adorf", "clerk", "capacity_cost", 300.0),
            pool("zentral", rep, "Bdorf", "clerk", "capacity_cost", 400.0),
            pool("zentral", rep, "ZSA", "team", "capacity_cost", 400.0),
            pool("zentral", rep, "ZSA", "team", "cost", 50.0),
            case("zentral", rep, "arrivals", arrivals),
        ]
    return rows


def test_cost_per_case_is_all_pools_over_the_window_arrivals():
    # 1000 EUR capacity over 100 and 125 arrivals
    assert cost_per_case(baseline_rows(), 2) == pytest.approx([10.0, 8.0])
    assert cost_per_case(baseline_rows(), 2, "cost") == pytest.approx([1.0, 0.8])
    assert cost_per_case(variant_rows(), 2) == pytest.approx([11.0, 8.8])


def test_costs_per_variant_and_paired_difference():
    capacity, work, diff = summarise_costs(
        baseline_rows(), variant_rows(), "dezentral", "zentral", 2
    )
    assert capacity["dezentral"].mean == pytest.approx(9.0)
    assert capacity["zentral"].mean == pytest.approx(9.9)
    assert work["zentral"].mean == pytest.approx((0.5 + 0.4) / 2)
    # paired differences 1.0 and 0.8
    assert diff.mean == pytest.approx(0.9) and diff.n == 2


def test_cost_neutral_fte_balances_capacity_costs():
    # baseline 1000; variant 1100 of which the team 400 at 2 FTE (200 per FTE):
    # the team may cost 1000 - 700 = 300, i.e. 1.5 FTE
    assert cost_neutral_fte(baseline_rows(), variant_rows(), ("ZSA", "team"), 2.0) == 1.5
    assert np.isnan(cost_neutral_fte(baseline_rows(), variant_rows(), ("ZSA", "x"), 2.0))


def test_fte_and_hours_freed_per_municipality():
    scenario = load_scenario(MINI)
    rows_b, rows_v = [], []
    for rep, (before, after) in enumerate(((300.0, 250.0), (310.0, 250.0))):
        rows_b += [
            pool("dezentral", rep, "Adorf", "front_office", "staff_hours", before - 200),
            pool("dezentral", rep, "Adorf", "clerk", "staff_hours", 200.0),
            pool("dezentral", rep, "Adorf", "clerk", "available_hours", 600.0),
        ]
        rows_v += [pool("zentral", rep, "Adorf", "clerk", "staff_hours", after)]
    adorf, bdorf = municipality_economics(
        scenario, scenario, "dezentral", "zentral", rows_b, rows_v, 2
    )
    # mini: Adorf keeps 0.2 of its 1.0 front office FTE in zentral; Bdorf keeps all
    assert (adorf.fte_baseline, adorf.fte_variant, adorf.fte_freed) == (3.0, 2.2, 0.8)
    assert bdorf.fte_freed == 0.0
    assert adorf.hours_freed.mean == pytest.approx(55.0)
    # 600 present hours for 3 FTE: 200 per FTE
    assert adorf.hours_freed_fte == pytest.approx(55.0 / 200.0)
