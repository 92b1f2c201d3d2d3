import dataclasses

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.collections import PolyCollection
from PIL import Image

from tests.planning_fixture import hand_sweep
from zsa_sim.planning.charts import heat_chart, key_label, line_chart, sweep_charts
from zsa_sim.report.style import close_chart, save_chart

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def assert_valid_png(path):
    assert path.read_bytes()[:8] == PNG_MAGIC
    with Image.open(path) as image:
        image.verify()
    with Image.open(path) as image:
        width, height = image.size
    assert width >= 600 and height >= 300


def test_one_key_gives_line_charts_only_and_files_are_valid(tmp_path):
    charts = list(sweep_charts(hand_sweep(), "de"))
    assert [c.name for c in charts] == [
        "sweep-line-waiting_time_p90-zentral-antrag",
        "sweep-line-utilisation-zentral",
    ]
    for chart in charts:
        saved = save_chart(chart, tmp_path)
        assert_valid_png(saved.png)
        assert saved.svg.read_text(encoding="utf-8").lstrip().startswith("<?xml")


def test_two_keys_add_heat_maps(tmp_path):
    names = []
    for chart in sweep_charts(hand_sweep(two_keys=True), "en"):
        names.append(chart.name)
        close_chart(chart)
    assert names == [
        "sweep-line-waiting_time_p90-zentral-antrag",
        "sweep-heat-waiting_time_p90-zentral-antrag",
        "sweep-line-utilisation-zentral",
        "sweep-heat-utilisation-zentral-ZSA-team",
    ]


def test_line_chart_draws_a_band_per_line_and_the_target():
    chart = line_chart(hand_sweep(), "waiting_time_p90", "zentral", "antrag", "de")
    ax = chart.figure.axes[0]
    lines = [line for line in ax.get_lines() if line.get_label().startswith(("Adorf", "Bdorf"))]
    assert [line.get_label() for line in lines] == ["Adorf", "Bdorf (Elbe)"]
    assert np.allclose(lines[0].get_xdata(), [1.0, 1.5, 2.0, 2.5])
    assert np.allclose(lines[0].get_ydata(), [2 + 6 / s for s in (1.0, 1.5, 2.0, 2.5)])
    assert sum(isinstance(c, PolyCollection) for c in ax.collections) == 2  # CI bands
    target = [line for line in ax.get_lines() if np.allclose(line.get_ydata(), 5.0)]
    assert target, "the target (5 days) is drawn as a horizontal line"
    assert chart.caption.endswith("Gestrichelte Linie: Ziel.")
    assert ax.get_xlabel() == "ZSA-Personal (VZÄ)" and ax.get_ylabel() == "Wartezeit p90 (Tage)"
    # German ticks use a decimal comma
    chart.figure.canvas.draw()
    assert "1,2" in [t.get_text() for t in ax.get_xticklabels()]
    close_chart(chart)


def test_heat_map_shows_the_worst_municipality_and_hatches_misses():
    chart = heat_chart(hand_sweep(two_keys=True), "waiting_time_p90", "zentral", "antrag", "en")
    ax = chart.figure.axes[0]
    image = ax.get_images()[0].get_array()
    # Bdorf is 0.4 worse everywhere: cell (volume 1.2, staff 1.0) = (2 + 6) * 1.2 + 0.4
    assert image.shape == (3, 4)
    assert image[2, 0] == pytest.approx(8 * 1.2 + 0.4)
    assert image[0, 3] == pytest.approx((2 + 6 / 2.5) * 0.8 + 0.4)
    hatched = [p for p in ax.patches if p.get_hatch()]
    # the target (<= 5 days) is missed where the one-sided bound of Bdorf exceeds 5
    misses = sum(1 for s in (1.0, 1.5, 2.0, 2.5) for v in (0.8, 1.0, 1.2)
                 if (2 + 6 / s) * v + 0.4 + 2.92 * 0.2 / 3**0.5 > 5)  # fmt: skip
    assert len(hatched) == misses and 0 < misses < 12
    close_chart(chart)


def test_no_figure_is_left_open():
    assert plt.get_fignums() == []


def test_key_labels():
    assert key_label("zsa.staff", "en") == "ZSA staff (FTE)"
    assert key_label("variants.zentral.zsa.staff") == "ZSA-Personal (VZÄ)"
    assert key_label("zsa.staff.wohngeld") == "ZSA-Team wohngeld (VZÄ)"
    assert key_label("services.wohngeld.volume", "en") == "volume factor wohngeld"
    assert key_label("municipalities.Halle.staff.tax_clerk") == "Halle: tax_clerk (VZÄ)"
    assert key_label("zsa.effort_factor") == "zsa.effort_factor"


def test_a_wide_interval_never_draws_a_band_below_zero():
    # issue 16: a waiting-time band reached -2.3 days
    sweep = hand_sweep()
    wide = tuple(
        dataclasses.replace(r, summary=r.summary._replace(ci_low=r.summary.mean - 20.0))
        for r in sweep.rows
    )
    chart = line_chart(dataclasses.replace(sweep, rows=wide), "waiting_time_p90", "zentral",
                       "antrag", "de")  # fmt: skip
    ax = chart.figure.axes[0]
    bands = [c for c in ax.collections if isinstance(c, PolyCollection)]
    assert bands
    for band in bands:
        assert min(v[1] for path in band.get_paths() for v in path.vertices) >= 0.0
    close_chart(chart)


def test_titles_and_legends_name_services_variants_and_teams_not_ids():
    # issue 16: "Halle/housing_lead", "ZSA/team" and service keys in sweep charts
    chart = line_chart(hand_sweep(), "utilisation", "zentral", None, "de")
    labels = [t.get_text() for t in chart.figure.legends[0].get_texts()]
    assert "gemeinsames Team, ZSA" in labels
    assert not any("/" in label for label in labels)
    assert "Zentral (ZSA)" in chart.title and ", zentral" not in chart.title
    close_chart(chart)
    chart = line_chart(hand_sweep(), "waiting_time_p90", "zentral", "antrag", "de")
    assert "antrag" not in chart.title
    close_chart(chart)
