"""Chart PNGs in 256 colours where nobody can tell, full colour where one could.

A chart is flat colours, lines and text. Besides its few dozen flat colours it has only
the shades that anti-aliasing blends along edges, some hundreds to a few thousand, so a
palette of 256 colours shows it as drawn: every colour that covers a noticeable area is
kept exactly, and an edge pixel moves by a few levels of 255 at most. Such a PNG takes
about a third of the bytes of a full-colour one (issue 19: the pilot's charts, which
``report.html`` embeds as well, went from 3.1 to ~1.1 MB; the results folder must stay
under 30 MB).

The palette: the colours covering at least :data:`EXACT_SHARE` of the pixels each, most
frequent first (at most :data:`MAX_EXACT` of them), then Pillow's "maximum coverage"
quantisation for the rest. Each colour of the chart is shown as its nearest palette
colour (no dithering, which would add noise to flat areas and bytes to the file). A
chart for which that is not invisible keeps its full-colour RGBA PNG: one with
transparent pixels, with more than :data:`MAX_COLOURS` distinct colours (a picture, not
a chart), or whose palette would move some pixel by more than :data:`MAX_ERROR` levels
or more than :data:`MAX_MOVED_SHARE` of the pixels by more than 2 levels (a smooth
gradient, which 256 colours would show as bands).

Same pixels, same Pillow version: same bytes (no text chunks, no time).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

#: A colour covering at least this share of the pixels is kept exactly.
EXACT_SHARE = 0.0005
#: At most this many colours are kept exactly; the rest of the 256 are quantised.
MAX_EXACT = 128
#: More distinct colours than this: a picture, kept in full colour.
MAX_COLOURS = 50_000
#: Largest move of a pixel, in levels of 255 in any of red, green, blue.
MAX_ERROR = 24
#: Largest share of pixels that may move by more than 2 levels.
MAX_MOVED_SHARE = 0.10


def write_png(rgba: bytes | memoryview, width: int, height: int, path: Path, dpi: float) -> bool:
    """Write RGBA pixels (as Agg draws them) as a PNG; True if it is a palette PNG."""
    pixels = np.frombuffer(rgba, dtype=np.uint8).reshape(height, width, 4)
    palette = palette_image(pixels) if bool((pixels[..., 3] == 255).all()) else None
    if palette is None:
        Image.frombuffer("RGBA", (width, height), rgba, "raw", "RGBA", 0, 1).save(
            path, format="png", dpi=(dpi, dpi)
        )
        return False
    palette.save(path, format="png", dpi=(dpi, dpi))
    return True


def palette_image(pixels: np.ndarray) -> Image.Image | None:
    """Opaque RGBA ``pixels`` (height x width x 4, uint8) as a 256-colour image, or None
    when the palette would show them visibly otherwise (see the module docstring)."""
    pixels = np.ascontiguousarray(pixels, dtype=np.uint8)
    height, width = pixels.shape[:2]
    # one 24-bit key per pixel, red in the low byte (the RGBA bytes read as one number)
    keys = pixels.view("<u4")[..., 0] & 0xFFFFFF
    found = Image.frombuffer("RGBA", (width, height), pixels, "raw", "RGBA", 0, 1).getcolors(
        MAX_COLOURS
    )
    if found is None:  # more colours than that: a picture
        return None
    counts = np.array([count for count, _ in found], dtype=np.int64)
    colours = np.array([colour[:3] for _, colour in found], dtype=np.int32).reshape(-1, 3)
    # most frequent first; equal counts by colour, so the palette does not depend on the
    # order getcolors happens to list them in
    order = np.lexsort((colours[:, 2], colours[:, 1], colours[:, 0], -counts))
    counts, colours = counts[order], colours[order]
    if len(colours) <= 256:
        palette = colours
    else:
        exact = int(min(MAX_EXACT, np.count_nonzero(counts >= EXACT_SHARE * keys.size)))
        palette = np.vstack([colours[:exact], _quantised(colours, counts, 256 - exact)])
    nearest = _nearest(colours, palette)
    moved = np.abs(colours - palette[nearest]).max(axis=1)
    if moved.max() > MAX_ERROR or counts[moved > 2].sum() > MAX_MOVED_SHARE * keys.size:
        return None
    lookup = np.zeros(1 << 24, dtype=np.uint8)
    lookup[colours[:, 0] | (colours[:, 1] << 8) | (colours[:, 2] << 16)] = nearest
    indices = np.ascontiguousarray(lookup[keys])
    out = Image.frombuffer("P", (width, height), indices, "raw", "P", 0, 1)
    out.putpalette(palette.astype(np.uint8).tobytes())
    return out


def _quantised(colours: np.ndarray, counts: np.ndarray, size: int) -> np.ndarray:
    """``size`` colours by maximum coverage of the distinct colours, each counted up to
    16 times: the same palette as from every pixel (the pilot's charts), ~25x faster."""
    sample = np.ascontiguousarray(np.repeat(colours, np.minimum(counts, 16), axis=0), np.uint8)
    strip = Image.frombuffer("RGB", (len(sample), 1), sample, "raw", "RGB", 0, 1)
    quantised = strip.quantize(size, method=Image.Quantize.MAXCOVERAGE, dither=Image.Dither.NONE)
    return np.asarray(quantised.getpalette()[: 3 * size], dtype=np.int32).reshape(-1, 3)


def _nearest(colours: np.ndarray, palette: np.ndarray) -> np.ndarray:
    """Index of the nearest palette colour (squared RGB distance) of each colour; the
    first of equally near ones. In blocks, so that memory stays bounded."""
    out = np.empty(len(colours), dtype=np.uint8)
    for lo in range(0, len(colours), 4096):
        block = colours[lo : lo + 4096]
        distance = ((block[:, None, :] - palette[None, :, :]) ** 2).sum(axis=2)
        out[lo : lo + 4096] = distance.argmin(axis=1)
    return out
