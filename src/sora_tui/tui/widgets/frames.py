"""Frames from a finished job's pictures, for the previews to show: its thumbnail as one still, its spritesheet
split into its tiles (the grid inferred from the sheet's size), or the same frames decoded from the video itself.

Reading and decoding happen here, apart from the widgets that show the result, as both are slow: call these off the
UI thread. A picture that cannot be shown is a PreviewError, its message for the user as it is.
"""
from __future__ import annotations

import math
import os
from pathlib import Path
from typing import TYPE_CHECKING

from ...core.i18n import N_, _

if TYPE_CHECKING:
    from PIL.Image import Image

# The local engine's spritesheet (engine/render.py): up to 10 tiles, 5 per row, left to right then top to
# bottom, each the video's aspect with a 160 px long side, black padding after the last tile; the layout is
# not written anywhere (no sidecar). OpenAI documents only "image/jpeg". So the grid is inferred from sizes.
COMMON_ASPECTS = (16 / 9, 9 / 16, 7 / 4, 4 / 7, 1.0, 4 / 3, 3 / 4)
ENGINE_GRIDS = ((5, 1), (5, 2))  # engine/render.py: SPRITE_COLS = 5, SPRITE_FRAMES = 10
ASPECT_TOLERANCE = 0.04  # |log(tile aspect / expected)|: covers the engine's integer tile sizes
MAX_GRID = 10


class PreviewError(Exception):
    """A picture that cannot be shown; the message is for the user as it is."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _parse_size(size: tuple[int, int] | str | None) -> tuple[int, int] | None:
    if isinstance(size, str):
        w, _, h = size.lower().partition("x")
        size = (int(w), int(h)) if w.isdigit() and h.isdigit() else None
    return size if size and size[0] > 0 and size[1] > 0 else None


def sprite_grid(sheet_size: tuple[int, int], video_size: tuple[int, int] | str | None = None) -> tuple[int, int]:
    """(columns, rows) of a spritesheet: equal tiles of the video's aspect (or a usual one), the engine's
    5x1 / 5x2 first, then the fewest tiles (a 800x180 sheet is 5x2 of 16:9, not 8x1 of 9:16).

    (1, 1) when no grid fits: the sheet is then shown as one still picture.
    """
    width, height = sheet_size
    vs = _parse_size(video_size)
    targets = (vs[0] / vs[1],) if vs else COMMON_ASPECTS
    best: tuple[int, int, int] | None = None
    for cols in range(1, MAX_GRID + 1):
        for rows in range(1, MAX_GRID + 1):
            if width % cols or height % rows:
                continue
            aspect = (width / cols) / (height / rows)
            if min(abs(math.log(aspect / t)) for t in targets) > ASPECT_TOLERANCE:
                continue
            key = ((cols, rows) not in ENGINE_GRIDS, cols * rows, cols)
            if best is None or key < best:
                best = key
    return (best[2], best[1] // best[2]) if best else (1, 1)


# The pictures a preview reads, as its messages name them.
WHAT = {"thumbnail": N_("thumbnail"), "spritesheet": N_("spritesheet")}


def _open(path: str | os.PathLike[str], what: str) -> Image:
    from PIL import Image, UnidentifiedImageError

    said = {"what": _(WHAT[what]) if what in WHAT else what, "name": os.path.basename(os.fspath(path))}
    try:
        if os.path.getsize(path) == 0:
            raise PreviewError(_("The {what} ({name}) is empty; download it again.").format(**said))
        with Image.open(path) as img:
            img.load()
            return img.convert("RGB")
    except FileNotFoundError:
        raise PreviewError(_("The {what} ({name}) is missing; download it first.").format(**said)) from None
    except UnidentifiedImageError:
        raise PreviewError(_("The {what} ({name}) is not a picture.").format(**said)) from None
    except Image.DecompressionBombError:
        raise PreviewError(_("The {what} ({name}) is too large to preview.").format(**said)) from None
    except (OSError, ValueError, SyntaxError, EOFError):
        raise PreviewError(_("The {what} ({name}) is damaged or incomplete; download it again.").format(**said)) from None


def _blank(tile: Image) -> bool:
    """The engine's padding: plain black (JPEG noise allowed); a plain coloured frame is kept."""
    from PIL import ImageStat

    stat = ImageStat.Stat(tile.convert("L"))
    return stat.mean[0] < 16 and stat.stddev[0] < 4


def load_thumbnail(path: str | os.PathLike[str]) -> Image:
    """The decoded thumbnail as an RGB image (call it off the UI thread); PreviewError if unusable."""
    return _open(path, "thumbnail")


def load_frames(
    path: str | os.PathLike[str],
    video_size: tuple[int, int] | str | None = None,
    grid: tuple[int, int] | None = None,
) -> list[Image]:
    """A spritesheet's frames in order, blank trailing tiles dropped (call it off the UI thread).

    `video_size` ("1280x720" or (w, h)) pins the tile aspect; `grid` (columns, rows) skips the inference.
    """
    return split_frames(_open(path, "spritesheet"), video_size, grid, name=os.path.basename(os.fspath(path)))


def split_frames(sheet: Image, video_size: tuple[int, int] | str | None = None, grid: tuple[int, int] | None = None,
                 *, name: str = "") -> list[Image]:
    """A spritesheet already in memory, split as load_frames splits one read from a file."""
    cols, rows = grid or sprite_grid(sheet.size, video_size)
    tw, th = sheet.width // cols, sheet.height // rows
    if tw < 1 or th < 1:
        raise PreviewError(_("The spritesheet ({name}) is too small to split.").format(name=name))
    frames = [sheet.crop((c * tw, r * th, (c + 1) * tw, (r + 1) * th)) for r in range(rows) for c in range(cols)]
    while len(frames) > 1 and _blank(frames[-1]):
        frames.pop()
    return frames


def video_frames(path: str | os.PathLike[str], video_size: tuple[int, int] | str | None = None) -> list[Image]:
    """The frames a spritesheet of this video would hold (the same frames, decoded from the video itself), for a
    take downloaded without its pictures; made in memory, nothing written. Decoding: call it off the UI thread."""
    from ...service.pictures import PictureError, spritesheet

    name = os.path.basename(os.fspath(path))
    if not os.path.isfile(path):
        raise PreviewError(_("The video ({name}) is missing; download it again.").format(name=name))
    try:
        sheet = spritesheet(Path(path))
    except PictureError as exc:
        raise PreviewError(exc.message) from None
    return split_frames(sheet, video_size, name=name)  # laid out as the engine's: the same inference reads it
