"""Chart style: colour-blind and greyscale safety, label helpers, reproducible files."""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest
from PIL import Image

from zsa_sim.experiment.stats import Estimate
from zsa_sim.report.png import MAX_ERROR
from zsa_sim.report.style import (
    RC_PARAMS,
    SEQUENTIAL_CMAP,
    Chart,
    chart_style,
    error_extent,
    label_overlaps,
    new_figure,
    relative_luminance,
    save_chart,
    text_color_on,
    tick_formatter,
    variant_patches,
    variant_style,
    width_for,
    wrap,
    wrap_title,
)

# Machado, Oliveira & Fernandes (2009), severity 1.0, applied to linear RGB: how people
# with protanopia, deuteranopia and tritanopia see a colour.
CVD = {
    "protanopia": np.array(
        [
            [0.152286, 1.052583, -0.204868],
            [0.114503, 0.786281, 0.099216],
            [-0.003882, -0.048116, 1.051998],
        ]
    ),
    "deuteranopia": np.array(
        [
            [0.367322, 0.860646, -0.227968],
            [0.280085, 0.672501, 0.047413],
            [-0.011820, 0.042940, 0.968881],
        ]
    ),
    "tritanopia": np.array(
        [
            [1.255528, -0.076749, -0.178779],
            [-0.078411, 0.930809, 0.147602],
            [0.004733, 0.691367, 0.303900],
        ]
    ),
}


def _linear(color: str) -> np.ndarray:
    c = np.array(matplotlib.colors.to_rgb(color))
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def _lab(linear_rgb: np.ndarray) -> np.ndarray:
    """CIE L*a*b* (D65) of a linear RGB colour, to measure perceived differences."""
    m = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]])
    xyz = m @ np.clip(linear_rgb, 0, 1) / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > 216 / 24389, np.cbrt(xyz), (24389 / 27 * xyz + 16) / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def _delta_e(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.linalg.norm(_lab(a) - _lab(b)))


def test_the_two_main_variants_differ_in_greyscale() -> None:
    base, treatment = variant_style(0).color, variant_style(1).color
    # lightness alone (a greyscale print) must tell them apart: WCAG contrast >= 3
    lighter, darker = sorted([relative_luminance(base), relative_luminance(treatment)])[::-1]
    assert (lighter + 0.05) / (darker + 0.05) >= 3.0


@pytest.mark.parametrize("kind", sorted(CVD))
def test_variant_colours_stay_distinct_for_colour_blind_readers(kind: str) -> None:
    matrix = CVD[kind]

    def seen(i: int) -> np.ndarray:
        return matrix @ _linear(variant_style(i).color)

    # Delta E (CIE76) of about 10 is a difference seen at a glance; the two variants of
    # every chart are far apart, hybrids' extra variants still clearly apart
    assert _delta_e(seen(0), seen(1)) > 50
    for i, j in itertools.combinations(range(6), 2):
        assert _delta_e(seen(i), seen(j)) > 15, (kind, i, j)


def test_variants_also_differ_without_colour() -> None:
    styles = [variant_style(i) for i in range(6)]
    for attribute in ("hatch", "marker", "linestyle"):
        values = [str(getattr(s, attribute)) for s in styles]
        assert len(set(values)) == len(values), attribute


def test_sequential_colour_map_lightness_rises_monotonically() -> None:
    cmap = matplotlib.colormaps[SEQUENTIAL_CMAP]
    lightness = [
        relative_luminance(matplotlib.colors.to_hex(cmap(x))) for x in np.linspace(0, 1, 21)
    ]
    assert all(b > a for a, b in itertools.pairwise(lightness))


def test_text_colour_is_legible_on_dark_and_light_fills() -> None:
    assert text_color_on("#00204D") == "white"  # cividis' dark end
    assert text_color_on("#FFEA46") == "black"  # cividis' bright end
    assert relative_luminance("#FFFFFF") == pytest.approx(1.0)
    assert relative_luminance("#000000") == pytest.approx(0.0)
    # issue 16: white text on mid-grey boxes; black has the higher contrast there
    assert relative_luminance("#7F7F7F") == pytest.approx(0.212, abs=0.002)
    assert text_color_on("#7F7F7F") == "black"
    assert text_color_on("#6E6E6E") == "white"  # luminance 0.156: white wins (just)


def test_width_grows_with_categories_within_page_limits() -> None:
    assert width_for(1) == 6.3
    assert width_for(4) < width_for(8) < width_for(12)
    assert width_for(100) == 16.0


def test_wrap_breaks_long_names_at_spaces_and_hyphens() -> None:
    assert wrap("Halle (Saale)") == "Halle (Saale)"
    assert wrap("Verbandsgemeinde Elbe-Heideland") == "Verbandsgemeinde\nElbe-Heideland"
    # a 6.3 in figure holds ~68 characters of the 11.5 pt title
    assert all(len(line) <= 70 for line in wrap_title("x " * 100, 6.3).splitlines())


def test_tick_formatter_writes_german_and_english_numbers() -> None:
    de, en = tick_formatter("de"), tick_formatter("en")
    assert (de(2.0), de(2.5), de(1234.0), de(0.25)) == ("2", "2,5", "1.234", "0,25")
    assert (en(2.0), en(2.5), en(1234.0)) == ("2", "2.5", "1,234")
    assert tick_formatter("de", scale=100, suffix=" %")(0.85) == "85 %"
    assert de(float("nan")) == ""


def _simple_chart(name: str = "simple") -> Chart:
    with chart_style():
        fig, ax = new_figure(4, 3)
        ax.plot([0, 1, 2], [1, 3, 2], label="Linie ä")
        ax.set_title("Prüfung")
    return Chart(name, "Titel", "Beschriftung", fig)


def test_saved_files_are_reproducible_and_figures_closed(tmp_path) -> None:
    before = set(plt.get_fignums())
    first = save_chart(_simple_chart(), tmp_path / "a")
    second = save_chart(_simple_chart(), tmp_path / "b")
    assert set(plt.get_fignums()) == before
    assert first.png.read_bytes() == second.png.read_bytes()
    assert first.svg.read_bytes() == second.svg.read_bytes()
    with Image.open(first.png) as image:
        assert image.size == (4 * RC_PARAMS["savefig.dpi"], 3 * RC_PARAMS["savefig.dpi"])
        assert "Software" not in image.info
    svg = first.svg.read_text(encoding="utf-8")
    assert "<dc:date>" not in svg and "Matplotlib v" not in svg
    ET.fromstring(svg)  # well-formed XML


def _full_colour(chart: Chart) -> np.ndarray:
    """The chart's pixels as matplotlib draws them (RGB)."""
    import io

    buffer = io.BytesIO()
    with chart_style():
        chart.figure.savefig(buffer, format="png", dpi=RC_PARAMS["savefig.dpi"])
    plt.close(chart.figure)
    with Image.open(buffer) as image:
        return np.asarray(image.convert("RGB"), dtype=np.int16)


def _bar_chart(name: str = "bars") -> Chart:
    with chart_style():
        fig, ax = new_figure(5, 3)
        ax.bar(["a", "b", "c"], [3, 5, 2], color=["#E69F00", "#005A96", "#009E73"], hatch="//")
        ax.plot([0, 1, 2], [2.5, 4, 1], color="black", marker="o")
        ax.set_title("Wartezeit: höchste in „b“")
    return Chart(name, "Titel", "Beschriftung", fig)


def test_a_chart_is_saved_as_a_palette_png_without_visible_loss(tmp_path) -> None:
    saved = save_chart(_bar_chart(), tmp_path)
    with Image.open(saved.png) as image:
        assert image.mode == "P"
        assert image.info["dpi"] == pytest.approx((150, 150), abs=0.05)  # pixels a metre
        shown = np.asarray(image.convert("RGB"), dtype=np.int16)
    drawn = _full_colour(_bar_chart())
    assert shown.shape == drawn.shape
    error = np.abs(shown - drawn).max(axis=2)
    assert error.max() <= MAX_ERROR
    # flat colours are exact; blended edge and hatch pixels move by a level or two of 255
    assert (error > 2).mean() < 0.001


def test_a_smooth_gradient_keeps_its_full_colour_png(tmp_path) -> None:
    def gradient() -> Chart:
        with chart_style():
            fig, ax = new_figure(4, 3)
            y, x = np.mgrid[0:1:300j, 0:1:300j]
            ax.imshow(np.dstack([x, y, (x + y) / 2]), interpolation="bilinear")
        return Chart("gradient", "Titel", "Beschriftung", fig)

    saved = save_chart(gradient(), tmp_path)
    with Image.open(saved.png) as image:
        assert image.mode == "RGBA"  # 256 colours would show it in bands
        shown = np.asarray(image.convert("RGB"), dtype=np.int16)
    assert np.array_equal(shown, _full_colour(gradient()))


def test_label_overlaps_finds_crowded_and_passes_spread_labels() -> None:
    with chart_style():
        fig, ax = new_figure(3, 2)
        ax.set_xticks(range(4), ["Verbandsgemeinde Elbe-Heideland"] * 4)
        crowded = label_overlaps(fig)
        ax.set_xticks(range(4), [wrap(n, 8) for n in ("A", "B", "C", "D")])
        spread = label_overlaps(fig)
    plt.close(fig)
    assert crowded
    assert spread == []


def test_variant_patches_carry_each_variants_colour_hatch_and_label() -> None:
    patches = variant_patches(["Dezentral", "Zentral (ZSA)", "Hybrid"])
    assert [p.get_label() for p in patches] == ["Dezentral", "Zentral (ZSA)", "Hybrid"]
    for i, patch in enumerate(patches):
        assert matplotlib.colors.to_hex(patch.get_facecolor()) == variant_style(i).color.lower()
        assert (patch.get_hatch() or "") == variant_style(i).hatch
        assert matplotlib.colors.to_hex(patch.get_edgecolor()) == "#000000"


def test_error_extent_is_the_distance_to_each_end_of_the_interval() -> None:
    assert error_extent(Estimate(5.0, 4.0, 7.5, 3, 1.0)) == [[1.0], [2.5]]
    # no interval (one replication): no whiskers
    assert error_extent(Estimate(5.0, float("nan"), float("nan"), 1, float("nan"))) == [
        [0.0],
        [0.0],
    ]
    # an interval that (by rounding) misses the mean never gives a negative whisker
    assert error_extent(Estimate(5.0, 5.000001, 6.0, 3, 1.0)) == [[0.0], [1.0]]
