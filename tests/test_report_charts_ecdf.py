"""Lead-time ECDF: the curves, the target, and the count of municipalities meeting it."""

from __future__ import annotations

import dataclasses

import matplotlib.pyplot as plt
import numpy as np
import pytest

from tests.report_fixture import cached_results
from zsa_sim.experiment.stats import upper_bound
from zsa_sim.report.charts_ecdf import ecdf_chart, ecdf_charts, lead_times, target_label
from zsa_sim.report.i18n import variant_label
from zsa_sim.report.loaders import load_results
from zsa_sim.report.style import label_overlaps
from zsa_sim.report.targets import replication_values


@pytest.fixture(scope="module")
def results():
    return load_results(cached_results().run_dir)


def test_lead_times_are_sorted_working_days_of_decided_cases(results) -> None:
    days = lead_times(results, "hundehaltung", "Halle (Saale)", "dezentral", True)
    decided = [
        r
        for r in cached_results().cases
        if r.variant == "dezentral"
        and r.service == "hundehaltung"
        and r.municipality == "Halle (Saale)"
        and not np.isnan(r.decision)
        and results.window_start <= r.arrival < results.window_end
    ]
    assert len(days) == len(decided)
    assert np.all(np.diff(days) >= 0)
    assert np.all(days == np.round(days))  # whole working days
    calendar_days = lead_times(results, "hundehaltung", "Halle (Saale)", "dezentral", False)
    assert calendar_days.max() > days.max()  # weekends count only in calendar days


def test_target_line_and_title_count_municipalities_meeting_it(results) -> None:
    chart = ecdf_chart(results, "wohngeld", "de")
    first = chart.figure.axes[0]
    assert any(list(line.get_xdata()) == [15, 15] for line in first.lines)
    assert any(list(line.get_ydata()) == [0.9, 0.9] for line in first.lines)
    # "met" is the planner's rule: the one-sided 95 % upper bound of the mean <= 15
    met = {
        v: sum(
            upper_bound(replication_values(results, v, "wohngeld", m, "lead_time_workdays_p90"))
            <= 15
            for m in results.municipalities_of("wohngeld")
        )
        for v in results.variants
    }
    assert chart.title == (
        "Wohngeld, Ziel p90 der Durchlaufzeit ≤ 15 Arbeitstage: erreicht in "
        f"{met['zentral']} von 3 Kommunen zentral, in {met['dezentral']} dezentral"
    )
    for ax in chart.figure.axes:
        if ax.get_visible():
            for line in ax.lines[:2]:  # the variants' step curves end at 100 %
                assert line.get_ydata()[-1] == pytest.approx(1.0)
    assert label_overlaps(chart.figure) == []
    plt.close(chart.figure)


def test_without_a_target_the_title_gives_the_p90_in_calendar_days(results) -> None:
    untargeted = dataclasses.replace(results, targets={})
    chart = ecdf_chart(untargeted, "hundehaltung", "en")
    assert chart.title.startswith("Hundehaltung: p90 lead time central ")
    assert chart.title.endswith(" days (all municipalities)")
    assert "working" not in chart.title
    plt.close(chart.figure)


def test_target_label_and_one_chart_per_service(results) -> None:
    assert target_label(results.targets["wohngeld"], "en") == "p90 lead time"
    charts = list(ecdf_charts(results, "de"))
    assert [c.name for c in charts] == ["ecdf_hundehaltung", "ecdf_wohngeld"]
    for chart in charts:
        plt.close(chart.figure)


def test_a_municipality_without_any_decided_case_draws_without_error(results) -> None:
    # issue 14 item 1: the first panel had no line, the legend got ncol=0, matplotlib
    # raised and the whole run was lost; now the legend comes from every panel
    first = results.municipalities_of("wohngeld")[0]
    cases = dict(results.cases)
    decision = cases["decision"].copy()
    decision[cases["municipality"] == first] = np.nan
    cases["decision"] = decision
    chart = ecdf_chart(dataclasses.replace(results, cases=cases), "wohngeld", "de")
    first_panel = chart.figure.axes[0]
    assert first_panel.get_title(loc="left") == results.name(first)
    assert not [line for line in first_panel.lines if len(line.get_xdata()) > 2]  # no curve
    (legend,) = chart.figure.legends
    labels = [t.get_text() for t in legend.get_texts()]
    assert {variant_label(v, "de") for v in results.variants} <= set(labels)
    assert "abgeschlossen ohne Bescheid-Aufgabe" in chart.caption
    plt.close(chart.figure)


def test_no_legend_when_no_panel_has_a_line(results) -> None:
    cases = dict(results.cases)
    cases["decision"] = np.full(len(cases["decision"]), np.nan)
    chart = ecdf_chart(dataclasses.replace(results, cases=cases, targets={}), "hundehaltung")
    assert chart.figure.legends == []
    plt.close(chart.figure)
