"""Staff charts: totals per replication, FTE freed, teams shown, titles, readable labels."""

from __future__ import annotations

import dataclasses
import math

import matplotlib.pyplot as plt
import numpy as np
import pytest

from tests.report_fixture import MANY_MUNICIPALITIES, cached_results
from zsa_sim.experiment.comparison import KpiSummary
from zsa_sim.experiment.kpis import KpiValue
from zsa_sim.experiment.stats import paired_difference
from zsa_sim.report.charts_staff import (
    freed_fte,
    hours_freed_chart,
    hours_per_fte,
    needed_fte,
    pool_totals,
    staff_charts,
    staff_cost_chart,
    utilisation_chart,
    utilisation_teams,
)
from zsa_sim.report.loaders import load_results
from zsa_sim.report.style import UTILISATION_LIMIT, label_overlaps


@pytest.fixture(scope="module")
def results():
    return load_results(cached_results().run_dir)


def _hand_sum(variant: str, kpi: str, unit: str, replication: int) -> float:
    return sum(
        v.value
        for v in cached_results().kpi_values
        if v.variant == variant
        and v.kpi == kpi
        and v.municipality == unit
        and v.pool
        and v.service == "all"
        and v.replication == replication
    )


def test_pool_totals_sum_the_teams_per_replication(results) -> None:
    totals = pool_totals(results, "dezentral", "staff_hours", {"Halle (Saale)"})
    assert sorted(totals) == [0, 1, 2]
    for rep, value in totals.items():
        assert value == pytest.approx(_hand_sum("dezentral", "staff_hours", "Halle (Saale)", rep))


def test_freed_fte_is_the_paired_difference_over_net_hours_per_fte(results) -> None:
    unit = "Dessau-Roßlau"
    base = [_hand_sum("dezentral", "staff_hours", unit, r) for r in range(3)]
    central = [_hand_sum("zentral", "staff_hours", unit, r) for r in range(3)]
    fte = sum(p.fte for p in results.pools if p.variant == "dezentral" and p.org_unit == unit)
    available = np.mean([_hand_sum("dezentral", "available_hours", unit, r) for r in range(3)])
    per_fte = available / fte
    assert hours_per_fte(results, "dezentral", unit) == pytest.approx(per_fte)
    expected = paired_difference(base, central)
    got = freed_fte(results, unit)
    assert got.mean == pytest.approx(expected.mean / per_fte)
    assert (got.ci_low, got.ci_high) == pytest.approx(
        (expected.ci_low / per_fte, expected.ci_high / per_fte)
    )
    assert got.mean > 0  # the ZSA takes work off the municipality
    assert needed_fte(results, "ZSA").mean > 0


def test_unknown_cost_makes_the_total_unknown(results) -> None:
    rows = list(results.kpis_by_replication)
    i = next(
        k
        for k, v in enumerate(rows)
        if v.kpi == "capacity_cost"
        and v.variant == "zentral"
        and v.replication == 1
        and v.pool
        and v.service == "all"
    )
    rows[i] = rows[i]._replace(value=math.nan)
    broken = dataclasses.replace(results, kpis_by_replication=rows)
    totals = pool_totals(broken, "zentral", "capacity_cost", set(results.municipalities) | {"ZSA"})
    assert math.isnan(totals[1]) and not math.isnan(totals[0])
    chart = staff_cost_chart(broken, "de")
    assert "nicht bestimmbar" in chart.title
    plt.close(chart.figure)


def test_teams_without_any_utilisation_are_left_out(results) -> None:
    ghost = KpiSummary(
        "zentral",
        "all",
        "ZSA",
        "records",
        "utilisation",
        "share",
        math.nan,
        math.nan,
        math.nan,
        0,
        math.nan,
    )
    with_ghost = dataclasses.replace(results, kpis=[*results.kpis, ghost])
    assert "records" not in utilisation_teams(with_ghost)["ZSA"]
    assert utilisation_teams(with_ghost) == utilisation_teams(results)


def test_utilisation_chart_marks_85_percent_and_counts_teams_over_it(results) -> None:
    chart = utilisation_chart(results, "de")
    ax = chart.figure.axes[0]
    assert any(
        list(line.get_xdata()) == [UTILISATION_LIMIT, UTILISATION_LIMIT] for line in ax.lines
    )
    over = {
        v: sum(
            1
            for k in results.kpis
            if k.variant == v
            and k.kpi == "utilisation"
            and k.service == "all"
            and k.pool
            and np.isfinite(k.mean)
            and k.mean > UTILISATION_LIMIT
        )
        for v in results.variants
    }
    assert chart.title.startswith(
        f"Über 85 % ausgelastet: {over['dezentral']} von 14 Teams dezentral, "
        f"{over['zentral']} von 17 zentral; ZSA "
    )
    assert label_overlaps(chart.figure) == []
    plt.close(chart.figure)


def test_staff_cost_title_states_the_paired_change(results) -> None:
    units = set(results.municipalities) | {"ZSA"}
    base = pool_totals(results, "dezentral", "capacity_cost", units)
    central = pool_totals(results, "zentral", "capacity_cost", units)
    diff = paired_difference([central[r] for r in range(3)], [base[r] for r in range(3)])
    chart = staff_cost_chart(results, "en")
    assert diff.excludes_zero()
    word = "lower" if diff.mean < 0 else "higher"
    assert chart.title.startswith(
        f"Central (ZSA): staff cost (paid capacity) {abs(diff.mean):,.0f} EUR"
    )
    assert word in chart.title and "utilisation" in chart.title
    plt.close(chart.figure)


def test_the_cost_headline_and_the_cost_bars_are_one_number(results) -> None:
    # issue 16: the headline said "3 % lower" (hours worked x rate) while the chart's
    # paid-capacity markers showed the central variant more expensive
    units = set(results.municipalities) | {"ZSA"}
    chart = staff_cost_chart(results, "de")
    cost_panel = chart.figure.axes[1]
    tops = {}
    for patch in cost_panel.patches:
        x = round(patch.get_x() + patch.get_width() / 2)
        tops[x] = max(tops.get(x, 0.0), patch.get_y() + patch.get_height())
    for i, variant in enumerate(results.variants):
        total = pool_totals(results, variant, "capacity_cost", units)
        assert tops[i] == pytest.approx(sum(total.values()) / len(total))
    base = pool_totals(results, results.baseline, "capacity_cost", units)
    treat = pool_totals(results, results.treatment, "capacity_cost", units)
    change = sum(treat.values()) / 3 - sum(base.values()) / 3
    word = "niedriger" if change < 0 else "höher"
    shown = f"{abs(change):,.0f}".replace(",", ".")
    assert f"Personalkosten (bezahlte Kapazität) {shown} EUR" in chart.title
    assert word in chart.title
    plt.close(chart.figure)


def test_hours_freed_bars_and_title(results) -> None:
    chart = hours_freed_chart(results, "de")
    ax = chart.figure.axes[0]
    heights = [p.get_height() for p in ax.patches]
    expected = [freed_fte(results, m).mean for m in results.municipalities]
    assert heights[:4] == pytest.approx(expected)
    assert heights[4] == pytest.approx(needed_fte(results, "ZSA").mean)
    total = sum(expected)
    assert f"Kommunen gewinnen {total:.2f}".replace(".", ",") in chart.title
    assert label_overlaps(chart.figure) == []
    plt.close(chart.figure)


def test_eight_municipalities_keep_labels_apart() -> None:
    many = load_results(cached_results(replications=2, municipalities=MANY_MUNICIPALITIES).run_dir)
    for make in (hours_freed_chart, utilisation_chart):
        chart = make(many, "en")
        assert label_overlaps(chart.figure) == []
        plt.close(chart.figure)


def test_all_three_staff_charts(results) -> None:
    charts = list(staff_charts(results, "de"))
    assert [c.name for c in charts] == ["utilisation", "staff_cost", "hours_freed"]
    for chart in charts:
        plt.close(chart.figure)


def test_unused_kpi_value_type_is_the_experiment_one() -> None:
    # the loader hands the charts the experiment's own row type (no copy of it)
    row = load_results(cached_results().run_dir).kpis_by_replication[0]
    assert isinstance(row, KpiValue)
