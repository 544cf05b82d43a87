"""Drawing in character cells: a picture in half blocks ("▀", two pixels a cell, the upper one the foreground),
and a short message wrapped and centred, each as one Strip per line of a widget.

The same output everywhere (over SSH, in tmux, under Pilot): the previews' default and their fallback where the
terminal cannot draw pictures itself.
"""
from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from rich.cells import cell_len
from rich.color import Color
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from .cell_wrap import wrap_cells

if TYPE_CHECKING:
    from PIL.Image import Image


@lru_cache(maxsize=4096)
def _pair(top: bytes, bottom: bytes) -> Style:
    return Style(color=Color.from_rgb(*top), bgcolor=Color.from_rgb(*bottom))


def fit(image_size: tuple[int, int], cells: tuple[int, int]) -> tuple[int, int]:
    """Pixel size of an image scaled to fit `cells` (columns, rows), aspect kept; a cell is 1 x 2 px."""
    (iw, ih), (cols, rows) = image_size, cells
    scale = min(cols / iw, 2 * rows / ih)
    return max(1, min(cols, round(iw * scale))), max(2, min(2 * rows, 2 * round(ih * scale / 2)))


def image_strips(image: Image, width: int, height: int, base: Style) -> list[Strip]:
    """The picture scaled to fit width x height cells, centred on `base`, as one Strip per line."""
    from PIL import Image as PILImage

    pw, ph = fit(image.size, (width, height))
    data = image.resize((pw, ph), PILImage.Resampling.LANCZOS).tobytes()
    left, top = (width - pw) // 2, (height - ph // 2) // 2
    blank = Strip.blank(width, base)
    strips = [blank] * top
    stride = 3 * pw
    for y in range(0, ph, 2):
        upper, lower = data[y * stride:(y + 1) * stride], data[(y + 1) * stride:(y + 2) * stride]
        segments = [Segment(" " * left, base)] if left else []
        run, prev = 0, (b"", b"")  # never drawn: a run starts before the first pair is drawn
        for x in range(0, stride, 3):
            key = (upper[x:x + 3], lower[x:x + 3])
            if key != prev and run:
                segments.append(Segment("▀" * run, _pair(*prev)))
                run = 0
            prev, run = key, run + 1
        segments.append(Segment("▀" * run, _pair(*prev)))
        if width - left - pw > 0:
            segments.append(Segment(" " * (width - left - pw), base))
        strips.append(Strip(segments, width))
    return strips + [blank] * (height - len(strips))


def message_strips(text: str, width: int, height: int, base: Style) -> list[Strip]:
    """Plain text (never markup), wrapped by cells and centred."""
    lines = [ln for para in text.splitlines() for ln in wrap_cells(para, width)]
    lines = lines[:height]
    top = (height - len(lines)) // 2
    blank = Strip.blank(width, base)
    body = [Strip([Segment(" " * max(0, (width - cell_len(ln)) // 2) + ln, base)]).adjust_cell_length(width, base)
            for ln in lines]
    return [blank] * top + body + [blank] * (height - top - len(body))
