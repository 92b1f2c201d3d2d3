"""Open cases over the year: hand-counted backlog, smoothing, month ticks, the chart."""

from __future__ import annotations

import dataclasses
from datetime import date

import matplotlib.pyplot as plt
import numpy as np
import pytest

from tests.report_fixture import cached_results
from zsa_sim.engine.calendar import MINUTES_PER_DAY
from zsa_sim.report.charts_backlog import backlog_chart, month_ticks, open_cases, smooth
from zsa_sim.report.loaders import load_results
from zsa_sim.report.style import label_overlaps

DAY = MINUTES_PER_DAY
NAN = np.nan


@pytest.fixture(scope="module")
def results():
    return load_results(cached_results().run_dir)


def _with_cases(results, arrival, end, replication):
    n = len(arrival)
    cases = {
        "variant": np.array(["dezentral"] * n, dtype=object),
        "replication": np.array(replication, dtype=np.int64),
        "case_id": np.array([f"c{i}" for i in range(n)], dtype=object),
        "service": np.array(["hundehaltung"] * n, dtype=object),
        "municipality": np.array(["Halle (Saale)"] * n, dtype=object),
        "arrival": np.array(arrival, dtype=float) * DAY,
        "first_start": np.full(n, NAN),
        "decision": np.full(n, NAN),
        "end": np.array(end, dtype=float) * DAY,
        "applicant_time": np.zeros(n),
        "effort_minutes": np.zeros(n),
        "outcome": np.array([""] * n, dtype=object),
        "is_open": np.isnan(np.array(end, dtype=float)),
    }
    return dataclasses.replace(results, cases=cases, window_start=0.0, window_end=4 * DAY)


def test_open_cases_at_the_end_of_each_day_by_hand(results) -> None:
    small = _with_cases(
        results,
        arrival=[0.5, 1.2, 3.1, 0.2],
        end=[2.5, NAN, 3.9, 0.3],
        replication=[0, 0, 0, 1],
    )
    counts = open_cases(small, "Halle (Saale)", "dezentral")
    assert counts.tolist() == [[1, 2, 1, 1], [0, 0, 0, 0]]
    assert open_cases(small, "Halle (Saale)", "zentral").shape == (0, 4)


def test_moving_average_over_a_week() -> None:
    x = np.array([[7.0] * 3 + [14.0] * 7])
    out = smooth(x)
    assert out[0, :3].tolist() == [7.0, 7.0, 7.0]
    assert out[0, 6] == pytest.approx((3 * 7 + 4 * 14) / 7)
    assert out[0, -1] == 14.0
    assert smooth(x, 1) is x


def test_month_ticks_start_on_the_first_and_name_the_year_in_january() -> None:
    positions, labels = month_ticks(date(2025, 12, 2), 70, "de")
    assert positions == [30, 61]  # 1 January, 1 February
    assert labels == ["Jan\n2026", "Feb"]
    positions, labels = month_ticks(date(2026, 1, 1), 31, "en")
    assert (positions, labels) == ([0, 31], ["Jan\n2026", "Feb"])


def test_chart_has_a_panel_per_municipality_and_a_finding(results) -> None:
    chart = backlog_chart(results, "de")
    visible = [ax for ax in chart.figure.axes if ax.get_visible()]
    assert [ax.get_title(loc="left") for ax in visible] == list(results.municipalities)
    assert all(len(ax.lines) == 2 for ax in visible)  # one line per variant
    # the fixture's Dessau-Roßlau is overloaded decentrally: its backlog grows
    assert chart.title.startswith("Dezentral: offene Fälle in Dessau-Roßlau wachsen auf ")
    assert label_overlaps(chart.figure) == []
    plt.close(chart.figure)


def test_observed_open_cases_come_from_the_scenario_parameters() -> None:
    from datetime import datetime
    from types import SimpleNamespace

    from zsa_sim.report.charts_backlog import observed_open_cases

    summary = {"scenario": {"parameters": {"observed": {"open_cases": {
        "Magdeburg": {"2023-09-30": 14000, "2022-10-01": 4000}}}}}}  # fmt: skip
    results = SimpleNamespace(summary=summary, epoch=datetime(2022, 10, 1))
    # the end of a day is the chart's x = days since the epoch + 1
    assert observed_open_cases(results, "Magdeburg") == [(1, 4000), (365, 14000)]
    assert observed_open_cases(results, "Halle") == []
    assert observed_open_cases(SimpleNamespace(summary={}, epoch=results.epoch), "X") == []


def test_title_of_a_one_variant_run_names_the_variant_once() -> None:
    from types import SimpleNamespace

    from zsa_sim.report.charts_backlog import _backlog_title

    results = SimpleNamespace(baseline="dezentral", treatment="dezentral", name=lambda m: m)
    ends = {("Magdeburg", "dezentral"): 14974.0}
    title = _backlog_title(results, ["Magdeburg"], dict(ends), ends, "en")
    assert title == "Open cases on the last day of the evaluation window: Magdeburg 14,974"
