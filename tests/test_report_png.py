"""Palette PNGs: exact where a chart has few colours, invisible loss where it has more,
full colour where 256 colours would show (issue 19: results folder size)."""

from __future__ import annotations

import numpy as np
from PIL import Image

from zsa_sim.report.png import MAX_COLOURS, MAX_ERROR, palette_image, write_png


def _rgba(rgb: np.ndarray) -> np.ndarray:
    alpha = np.full((*rgb.shape[:2], 1), 255, dtype=np.uint8)
    return np.concatenate([rgb.astype(np.uint8), alpha], axis=2)


FLAT = np.array([[255, 255, 255], [221, 221, 221], [0, 90, 150], [230, 159, 0], [0, 0, 0]])


def _chart_like(size: int = 300) -> np.ndarray:
    """Areas of five flat colours and 3,000 pixels blended between two of them, as
    anti-aliased edges are (1,374 colours)."""
    rng = np.random.default_rng(5)
    rgb = np.full((size, size, 3), 255, dtype=np.uint8)
    for k in range(1, 5):
        rgb[:, k * size // 5 : (k + 1) * size // 5] = FLAT[k]
    a, b = FLAT[rng.integers(5, size=3000)], FLAT[rng.integers(5, size=3000)]
    t = rng.random((3000, 1))
    blends = np.round(a * t + b * (1 - t)).astype(np.uint8)
    rgb.reshape(-1, 3)[rng.choice(size * size, 3000, replace=False)] = blends
    return rgb


def _shown(image: Image.Image) -> np.ndarray:
    return np.asarray(image.convert("RGB"), dtype=np.int16)


def test_few_colours_are_kept_exactly() -> None:
    rgb = np.zeros((50, 80, 3), dtype=np.uint8)
    rgb[:, :40] = (230, 159, 0)
    rgb[10:20] = (0, 90, 150)
    image = palette_image(_rgba(rgb))
    assert image is not None and image.mode == "P"
    assert np.array_equal(_shown(image), rgb)


def test_flat_colours_exact_and_edges_within_the_bound() -> None:
    rgb = _chart_like()
    assert len(Image.fromarray(rgb).getcolors(10_000)) > 256
    image = palette_image(_rgba(rgb))
    assert image is not None
    error = np.abs(_shown(image) - rgb).max(axis=2)
    assert error.max() <= MAX_ERROR
    for colour in FLAT:  # every pixel of a flat colour is exact, only blends move
        assert error[np.all(rgb == colour, axis=2)].max() == 0, colour
    assert np.count_nonzero(error) <= 3000


def test_colours_far_from_any_other_are_not_moved() -> None:
    rgb = _chart_like()
    rng = np.random.default_rng(11)
    odd = rng.integers(0, 256, (400, 3), dtype=np.uint8)  # 0.4 % of the pixels
    rgb.reshape(-1, 3)[rng.choice(rgb.shape[0] * rgb.shape[1], 400, replace=False)] = odd
    assert palette_image(_rgba(rgb)) is None


def test_a_smooth_gradient_is_not_banded() -> None:
    # 150 x 150 shades: fewer than MAX_COLOURS, so the palette is tried and refused
    y, x = np.mgrid[0:1:150j, 0:1:150j]
    rgb = np.round(np.dstack([x, y, (x + y) / 2]) * 255).astype(np.uint8)
    assert palette_image(_rgba(rgb)) is None


def test_a_picture_of_many_colours_is_not_quantised() -> None:
    side = int(np.sqrt(MAX_COLOURS)) + 10
    rgb = np.random.default_rng(1).integers(0, 256, (side, side, 3), dtype=np.uint8)
    assert palette_image(_rgba(rgb)) is None


def test_write_png_keeps_transparent_pixels_in_full_colour(tmp_path) -> None:
    rgba = _rgba(_chart_like())
    rgba[0, 0, 3] = 128
    path = tmp_path / "t.png"
    assert write_png(rgba.tobytes(), 300, 300, path, 150) is False
    with Image.open(path) as image:
        assert image.mode == "RGBA"
        assert np.array_equal(np.asarray(image), rgba)


def test_write_png_same_pixels_same_bytes_and_dpi(tmp_path) -> None:
    rgba = _rgba(_chart_like()).tobytes()
    assert write_png(rgba, 300, 300, tmp_path / "a.png", 150) is True
    assert write_png(rgba, 300, 300, tmp_path / "b.png", 150) is True
    assert (tmp_path / "a.png").read_bytes() == (tmp_path / "b.png").read_bytes()
    with Image.open(tmp_path / "a.png") as image:
        assert image.mode == "P" and image.size == (300, 300)
        assert abs(image.info["dpi"][0] - 150) < 0.05  # stored as pixels a metre
        assert not {"Software", "Creation Time"} & set(image.info)
