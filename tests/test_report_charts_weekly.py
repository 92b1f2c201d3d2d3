"""Weekly utilisation and queue per team: means over replications, title from the data."""

from __future__ import annotations

import dataclasses

import matplotlib.pyplot as plt
import numpy as np
import pytest

from tests.report_fixture import cached_results
from zsa_sim.report.charts_weekly import weekly_chart, weekly_charts, weekly_means
from zsa_sim.report.loaders import load_results
from zsa_sim.report.style import label_overlaps


@pytest.fixture(scope="module")
def results():
    return load_results(cached_results().run_dir)


def test_weekly_utilisation_is_busy_over_available_averaged_over_replications(results) -> None:
    means = weekly_means(results, "utilisation")
    key = ("zentral", "ZSA", sorted(k[2] for k in means if k[1] == "ZSA")[0])
    rows = [r for r in results.weekly
            if (r.variant, r.org_unit, r.role) == key and r.week == 20]  # fmt: skip
    assert len(rows) == results.replications
    expected = np.mean([r.busy_hours / r.available_hours for r in rows])
    assert means[key][20] == pytest.approx(expected)


def test_one_panel_per_unit_and_the_title_names_the_highest_week(results) -> None:
    chart = weekly_chart(results, "queue", "de")
    panels = [ax for ax in chart.figure.axes if ax.get_visible()]
    assert len(panels) == len(results.municipalities) + len(results.central_units)
    top = max(float(np.nanmax(s)) for s in weekly_means(results, "queue").values())
    shown = f"{top:.1f}".replace(".", ",")
    assert f"bis zu {shown} wartende Aufgaben" in chart.title
    assert label_overlaps(chart.figure) == []
    plt.close(chart.figure)


def test_no_weekly_charts_for_folders_without_the_file(results) -> None:
    charts = list(weekly_charts(results))
    assert [c.name for c in charts] == ["weekly_utilisation", "weekly_queue"]
    for chart in charts:
        plt.close(chart.figure)
    assert list(weekly_charts(dataclasses.replace(results, weekly=()))) == []
