"""Waiting and lead time per municipality: the data drawn, the finding, readable labels."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.container import ErrorbarContainer

from tests.report_fixture import MANY_MUNICIPALITIES, cached_results
from zsa_sim.engine.calendar import MINUTES_PER_DAY
from zsa_sim.report.charts_times import case_times, time_chart, time_charts
from zsa_sim.report.findings import comparison_finding
from zsa_sim.report.loaders import load_results
from zsa_sim.report.style import label_overlaps


@pytest.fixture(scope="module")
def results():
    return load_results(cached_results().run_dir)


def test_case_times_are_days_of_window_arrivals_that_got_there(results) -> None:
    built = cached_results()
    expected = sorted(
        (r.first_start - r.arrival) / MINUTES_PER_DAY
        for r in built.cases
        if r.variant == "zentral"
        and r.service == "wohngeld"
        and r.municipality == "Dessau-Roßlau"
        and results.window_start <= r.arrival < results.window_end
        and not np.isnan(r.first_start)
    )
    got = case_times(results, "wohngeld", "Dessau-Roßlau", "zentral", "waiting_time")
    assert sorted(got.tolist()) == pytest.approx(expected)


def test_chart_marks_the_mean_and_interval_of_every_box(results) -> None:
    chart = time_chart(results, "hundehaltung", "lead_time", "de")
    ax = chart.figure.axes[0]
    bars = [c for c in ax.containers if isinstance(c, ErrorbarContainer)]
    assert len(bars) == 4 * 2  # municipalities x variants
    means = sorted(float(c.lines[0].get_ydata()[0]) for c in bars)
    expected = sorted(
        results.kpi(v, "hundehaltung", m, "lead_time_mean").mean
        for v in results.variants
        for m in results.municipalities_of("hundehaltung")
    )
    assert means == pytest.approx(expected)
    assert ax.get_ylabel() == "Durchlaufzeit bis zum Bescheid (Kalendertage)"
    plt.close(chart.figure)


def test_title_is_the_finding_from_the_comparison(results) -> None:
    chart = time_chart(results, "wohngeld", "waiting_time", "en")
    expected = comparison_finding(
        "waiting_time_p90",
        results.comparisons("waiting_time_p90", "wohngeld"),
        "en",
        results.name,
    )
    assert chart.title == expected
    assert "Dessau-Roßlau" in chart.title
    assert chart.figure.texts[0].get_text().replace("\n", " ") == expected
    assert chart.name == "waiting_time_wohngeld"
    plt.close(chart.figure)


def test_one_chart_per_service_and_time(results) -> None:
    charts = list(time_charts(results, "de"))
    assert [c.name for c in charts] == [
        "waiting_time_hundehaltung",
        "lead_time_hundehaltung",
        "waiting_time_wohngeld",
        "lead_time_wohngeld",
    ]
    for chart in charts:
        plt.close(chart.figure)


@pytest.mark.parametrize("lang", ["de", "en"])
def test_municipality_labels_do_not_overlap(results, lang: str) -> None:
    chart = time_chart(results, "hundehaltung", "waiting_time", lang)
    assert label_overlaps(chart.figure) == []
    plt.close(chart.figure)


def test_eight_long_names_still_do_not_overlap() -> None:
    many = load_results(cached_results(replications=2, municipalities=MANY_MUNICIPALITIES).run_dir)
    chart = time_chart(many, "wohngeld", "lead_time", "de")
    assert len(chart.figure.axes[0].get_xticklabels()) == 8
    assert chart.figure.get_figwidth() > 10  # the figure widens with the categories
    assert label_overlaps(chart.figure) == []
    plt.close(chart.figure)


def test_the_mean_interval_is_distinct_from_the_whiskers_and_in_the_legend(results) -> None:
    # issue 16: the CI bar sat on the whisker line with identical caps, and the legend
    # showed only the circle although the central variant uses squares
    from matplotlib.colors import to_hex

    from zsa_sim.report.charts_times import CI_COLOR
    from zsa_sim.report.style import variant_style

    chart = time_chart(results, "wohngeld", "lead_time", "de")
    ax = chart.figure.axes[0]
    bars = [c for c in ax.containers if isinstance(c, ErrorbarContainer)]
    assert bars
    whisker_x = {
        round(float(line.get_xdata()[0]), 6)
        for line in ax.lines
        if len(line.get_xdata()) == 2 and line.get_xdata()[0] == line.get_xdata()[1]
    }
    for bar in bars:
        (segments,) = bar.lines[2]
        x = round(float(segments.get_segments()[0][0][0]), 6)
        assert x not in whisker_x  # beside the whisker, not on it
        assert to_hex(segments.get_color()[0]) == CI_COLOR.lower()
        assert bar.lines[1] == ()  # no caps
    (legend,) = chart.figure.legends
    markers = [h.get_marker() for h in legend.legend_handles if hasattr(h, "get_marker")]
    assert markers == [variant_style(i).marker for i in range(len(results.variants))]
    plt.close(chart.figure)
