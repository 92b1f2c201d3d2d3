"""How every chart looks: print-friendly defaults, colour-blind-safe colours, saving.

Decision-makers print reports in black and white and some of them do not tell red from
green, so a variant is never told apart by hue alone:

- colours are from the Okabe-Ito palette (distinguishable under the common forms of
  colour blindness), and the two main variants also differ strongly in lightness
  (orange vs dark blue), so they stay apart in greyscale;
- on top of colour each variant has its own hatching, marker and line style;
- continuous values (waiting time on the process map) use ``cividis``, a colour map
  whose lightness rises monotonically and which was designed for colour-blind readers.

Charts are drawn with the Agg backend (no display needed, never ``plt.show``), saved as
PNG and SVG with fixed metadata and a fixed SVG hash salt, so the same results give the
same files, and every figure is closed after saving so memory does not grow.
"""

from __future__ import annotations

import functools
import io
import math
import textwrap
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, ParamSpec, TypeVar

import matplotlib

matplotlib.use("Agg")  # the report never opens a window

import matplotlib.pyplot as plt
from matplotlib.artist import Artist
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter

from zsa_sim.experiment.formatting import Lang, format_number

if TYPE_CHECKING:
    from zsa_sim.experiment.comparison import KpiSummary
    from zsa_sim.experiment.stats import Estimate

P = ParamSpec("P")
R = TypeVar("R")

#: Okabe & Ito (2008), "Color Universal Design": safe for the common colour blindnesses.
OKABE_ITO: dict[str, str] = {
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
    "black": "#000000",
}
#: Okabe-Ito blue darkened (same hue): against the orange baseline it keeps a lightness
#: contrast above 3:1, so the two main variants stay apart in a greyscale print.
DARK_BLUE = "#005A96"
#: Colour map for continuous values: monotone lightness, colour-blind safe.
SEQUENTIAL_CMAP = "cividis"
#: Grey for "no data", frames and reference lines.
GREY = "#6E6E6E"
LIGHT_GREY = "#D9D9D9"
#: The utilisation above which a team has no reserve for peaks (the issue's 85 % line).
UTILISATION_LIMIT = 0.85


class VariantStyle(NamedTuple):
    """How one organisation variant is drawn: colour plus greyscale-proof cues."""

    color: str
    hatch: str
    marker: str
    linestyle: str


#: baseline (dezentral) orange with hatching and dashes, treatment dark blue solid;
#: further variants (hybrids) follow. Lightness differs between consecutive entries.
_VARIANT_STYLES: tuple[VariantStyle, ...] = (
    VariantStyle(OKABE_ITO["orange"], "////", "o", "--"),
    VariantStyle(DARK_BLUE, "", "s", "-"),
    VariantStyle(OKABE_ITO["bluish_green"], "....", "^", "-."),
    VariantStyle(OKABE_ITO["reddish_purple"], "xxx", "D", ":"),
    VariantStyle(OKABE_ITO["vermillion"], "\\\\\\\\", "v", (0, (5, 1, 1, 1))),  # type: ignore[arg-type]
    VariantStyle(OKABE_ITO["sky_blue"], "++", "P", (0, (1, 2))),  # type: ignore[arg-type]
)


def variant_style(index: int) -> VariantStyle:
    """The style of the variant at this position (0 = baseline); cycles after six."""
    return _VARIANT_STYLES[index % len(_VARIANT_STYLES)]


def variant_patches(labels: Sequence[str]) -> list[Artist]:
    """Legend entries for the variants in order: each one's colour and hatching."""
    return [
        Patch(
            facecolor=variant_style(i).color,
            hatch=variant_style(i).hatch,
            edgecolor="black",
            label=label,
        )
        for i, label in enumerate(labels)
    ]


def error_extent(est: Estimate | KpiSummary) -> list[list[float]]:
    """``yerr``/``xerr`` of a mean's confidence interval; a missing end draws no whisker."""
    low = est.mean - est.ci_low if math.isfinite(est.ci_low) else 0.0
    high = est.ci_high - est.mean if math.isfinite(est.ci_high) else 0.0
    return [[max(low, 0.0)], [max(high, 0.0)]]


#: Matplotlib settings for print: white background, moderate font sizes, light grid.
RC_PARAMS: dict[str, Any] = {
    "font.family": "DejaVu Sans",  # ships with matplotlib; has ä, ö, ü, ß, –, ≤
    "font.size": 9.0,
    "axes.titlesize": 10.0,
    "axes.titleweight": "bold",
    "axes.labelsize": 9.0,
    "xtick.labelsize": 8.5,
    "ytick.labelsize": 8.5,
    "legend.fontsize": 8.5,
    "legend.frameon": False,
    "figure.titlesize": 11.5,
    "figure.titleweight": "bold",
    "figure.facecolor": "white",
    "axes.facecolor": "white",
    "savefig.facecolor": "white",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.grid.axis": "y",
    "grid.color": LIGHT_GREY,
    "grid.linewidth": 0.6,
    "axes.axisbelow": True,
    "hatch.linewidth": 0.8,
    "hatch.color": "black",
    "lines.linewidth": 1.6,
    "savefig.dpi": 150,
    "figure.dpi": 100,
    "svg.hashsalt": "zsa-sim",  # fixed ids in SVG files: same results, same bytes
    "svg.fonttype": "path",  # text as outlines: looks the same without the fonts
    "path.simplify": True,
}
#: Metadata written into the files: no dates, no version strings, so files reproduce.
PNG_METADATA: dict[str, str | None] = {"Software": None}
SVG_METADATA: dict[str, str | None] = {"Date": None, "Creator": None, "Format": None}


class Chart(NamedTuple):
    """A drawn chart, not yet saved: its file stem, the finding and how to read it."""

    name: str
    #: the finding, also drawn as the figure's title
    title: str
    #: what is shown and how to read it (the report prints it below the chart)
    caption: str
    figure: Figure
    #: PNG resolution; None for the style's default (150 dpi)
    dpi: float | None = None


class ChartFile(NamedTuple):
    """A saved chart: the PNG and SVG files and the texts that go with them."""

    name: str
    title: str
    caption: str
    png: Path
    svg: Path


@contextmanager
def chart_style() -> Iterator[None]:
    """Use the report's matplotlib settings inside the block (restored afterwards)."""
    with plt.rc_context(RC_PARAMS):  # type: ignore[arg-type]  # keys are valid rcParams
        yield


def styled(func: Callable[P, R]) -> Callable[P, R]:
    """Draw inside :func:`chart_style`: fonts, grid and spines are fixed when artists are made."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with chart_style():
            return func(*args, **kwargs)

    return wrapper


def new_figure(width: float, height: float, **subplots: Any) -> tuple[Figure, Any]:
    """A figure with subplots, in inches, in constrained layout (labels never clipped)."""
    fig, axes = plt.subplots(figsize=(width, height), layout="constrained", **subplots)
    return fig, axes


def save_chart(chart: Chart, directory: Path) -> ChartFile:
    """Save a chart as PNG and SVG (reproducible bytes) and close its figure.

    The PNG has 256 colours when that changes nothing visibly (:mod:`zsa_sim.report.png`).
    """
    directory.mkdir(parents=True, exist_ok=True)
    png = directory / f"{chart.name}.png"
    svg = directory / f"{chart.name}.svg"
    try:
        with chart_style():
            _save_png(chart.figure, png, chart.dpi or RC_PARAMS["savefig.dpi"])
            # The layout is settled by the first save; keep it rather than solve it again.
            chart.figure.set_layout_engine("none")
            chart.figure.savefig(svg, format="svg", metadata=SVG_METADATA)
    finally:
        plt.close(chart.figure)
    return ChartFile(chart.name, chart.title, chart.caption, png, svg)


def _save_png(figure: Figure, path: Path, dpi: float) -> None:
    """Save the figure as PNG: 256 colours where that is invisible (:mod:`.png`)."""
    from zsa_sim.report.png import write_png

    buffer = io.BytesIO()
    figure.savefig(buffer, format="rgba", dpi=dpi)
    # the size in pixels is that of the Agg renderer that drew it (matplotlib rounds
    # figure size times dpi its own way)
    renderer = getattr(figure.canvas, "renderer", None)
    shape = memoryview(renderer.buffer_rgba()).shape if renderer is not None else None
    data = buffer.getvalue()
    if not shape or len(shape) != 3 or len(data) != shape[0] * shape[1] * 4:  # pragma: no cover
        figure.savefig(path, format="png", metadata=PNG_METADATA, dpi=dpi)
        return
    write_png(data, shape[1], shape[0], path, dpi)


def figure_legend(fig: Figure, axes: Iterable[Any], **options: Any) -> None:
    """One legend below the panels with every label any panel has (once each).

    Collected from all panels, not the first: a panel may have no line (a municipality
    without decided cases). No legend at all when no panel has a labelled artist
    (matplotlib refuses ``ncol=0``).
    """
    seen: dict[str, Artist] = {}
    for ax in axes:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            seen.setdefault(label, handle)
    if seen:
        ncol = options.pop("ncol", len(seen))
        fig.legend(
            list(seen.values()), list(seen), loc="outside lower center", ncol=ncol, **options
        )


def close_chart(chart: Chart) -> None:
    """Close a chart's figure without saving it (frees its memory)."""
    plt.close(chart.figure)


def width_for(categories: int, per_category: float = 1.35, extra: float = 1.6) -> float:
    """Figure width in inches that gives each category (municipality) room for its label.

    At least 6.3 in (a printed half page); at most 16 in (a landscape page at 150 dpi).
    """
    return min(16.0, max(6.3, extra + per_category * categories))


def wrap(text: str, width: int = 16) -> str:
    """Break a label into lines of about ``width`` characters, at spaces and hyphens."""
    if len(text) <= width:
        return text
    return "\n".join(textwrap.wrap(text, width, break_long_words=False, break_on_hyphens=True))


def wrap_title(text: str, figure_width: float, fontsize: float = 11.5) -> str:
    """Wrap a figure title to the figure's width (DejaVu Sans is ~0.55 em per character)."""
    chars = max(20, int(figure_width * 72 / (fontsize * 0.64)))  # bold: ~0.64 em a character
    # never inside a hyphenated name ("Dessau-|Roßlau")
    return "\n".join(textwrap.wrap(text, chars, break_long_words=False, break_on_hyphens=False))


def set_title(fig: Figure, title: str) -> None:
    """The finding as the figure's bold title, left-aligned and wrapped to its width.

    What a panel shows goes into the axes' own (normal-weight) titles and labels.
    """
    fig.suptitle(wrap_title(title, fig.get_figwidth()), x=0.01, ha="left")


def number_formatter(lang: Lang, digits: int = 0, scale: float = 1.0, suffix: str = "") -> Any:
    """A tick formatter writing numbers the reader's way (``1.234,5`` in German)."""

    def fmt(value: float, _position: float | None = None) -> str:
        if not math.isfinite(value):
            return ""
        return format_number(value * scale, lang, digits) + suffix

    return FuncFormatter(fmt)


def tick_formatter(lang: Lang, scale: float = 1.0, suffix: str = "") -> Any:
    """A tick formatter with as few decimals as the tick needs (``2``, ``2,5``, ``0,25``)."""

    def fmt(value: float, _position: float | None = None) -> str:
        if not math.isfinite(value):
            return ""
        value *= scale
        for digits in (0, 1, 2):
            if abs(value - round(value, digits)) < 1e-9 * max(1.0, abs(value)):
                break
        return format_number(value, lang, digits) + suffix

    return FuncFormatter(fmt)


def percent_suffix(lang: Lang) -> str:
    """How a percent sign follows a number: ``85 %`` in German, ``85%`` in English."""
    return " %" if lang == "de" else "%"


def label_overlaps(fig: Figure) -> list[tuple[str, str]]:
    """Pairs of tick labels (on the same axis) whose boxes overlap once the figure is drawn.

    Draws the figure with its Agg renderer and compares the window extents of the visible,
    non-empty tick labels of every axis; an empty list means the labels are readable.
    Used by the tests for every chart with category labels (municipality names).
    """
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    found: list[tuple[str, str]] = []
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            labels = [t for t in axis.get_ticklabels() if t.get_visible() and t.get_text()]
            boxes = [t.get_window_extent(renderer) for t in labels]
            for i in range(len(labels)):
                for j in range(i + 1, len(labels)):
                    if boxes[i].overlaps(boxes[j]):
                        found.append((labels[i].get_text(), labels[j].get_text()))
    return found


def relative_luminance(color: str) -> float:
    """WCAG relative luminance of a colour (0 black .. 1 white), for text contrast."""
    rgb = matplotlib.colors.to_rgb(color)
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def text_color_on(color: Any) -> str:
    """Black or white, whichever has the higher WCAG contrast ratio on a fill colour.

    The ratios are equal at a luminance of about 0.18; above it black text wins (on a
    mid grey of luminance 0.2-0.3, white text has a contrast of only ~3:1).
    """
    luminance = relative_luminance(matplotlib.colors.to_hex(color))
    on_black = (luminance + 0.05) / 0.05
    on_white = 1.05 / (luminance + 0.05)
    return "black" if on_black >= on_white else "white"
