"""PicturePreview: a finished job's thumbnail, or its spritesheet as a flipbook, drawn in half blocks ("▀");
GraphicPreview: the same flipbook drawn by the terminal itself (Kitty's protocol or Sixel, via textual-image).

Half blocks are the default and the fallback: they work over SSH, in tmux and under Pilot, with identical,
deterministic output everywhere. textual-image is used only where tui/graphics.py, having asked the terminal,
found that it draws pictures the way textual-image places them (Kitty's Unicode placeholders, or Sixel);
graphics.py loads it without the terminal queries its import would make, and names the widget class itself,
as textual-image's own choice off a TTY is a greyscale renderer.
"""
from __future__ import annotations

import math
import os
import re
from functools import lru_cache
from typing import TYPE_CHECKING, ClassVar

from rich.cells import cell_len, split_graphemes
from rich.color import Color
from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding, BindingType
from textual.strip import Strip
from textual.timer import Timer
from textual.widget import Widget

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
    sheet = _open(path, "spritesheet")
    cols, rows = grid or sprite_grid(sheet.size, video_size)
    tw, th = sheet.width // cols, sheet.height // rows
    if tw < 1 or th < 1:
        raise PreviewError(_("The spritesheet ({name}) is too small to split.").format(
            name=os.path.basename(os.fspath(path))))
    frames = [sheet.crop((c * tw, r * th, (c + 1) * tw, (r + 1) * th)) for r in range(rows) for c in range(cols)]
    while len(frames) > 1 and _blank(frames[-1]):
        frames.pop()
    return frames


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


# Japanese punctuation that never starts a line (kinsoku): the character before it goes down with it.
_NO_LINE_START = frozenset("、。，．,.）」』】〕〉》!?！？ー・：；ゃゅょっぁぃぅぇぉャュョッァィゥェォ")


def _chop(text: str, width: int) -> list[str]:
    """`text` cut into lines of at most `width` cells, between graphemes (a Japanese glyph is two cells, a
    combining mark goes with its base); a line never starts with closing punctuation."""
    graphemes, _length = split_graphemes(text)
    lines: list[list[tuple[str, int]]] = [[]]
    used = 0
    for start, end, cells in graphemes:
        piece = text[start:end]
        if used + cells > width and lines[-1]:
            carried: list[tuple[str, int]] = []
            if piece in _NO_LINE_START and len(lines[-1]) > 1:
                carried = [lines[-1].pop()]
            lines.append(carried)
            used = sum(c for _g, c in carried)
        lines[-1].append((piece, cells))
        used += cells
    return ["".join(g for g, _c in line) for line in lines]


def wrap_cells(paragraph: str, width: int, *, fill_wide: bool = False) -> list[str]:
    """`paragraph` in lines of at most `width` terminal cells: broken at spaces, and a run wider than a line (a
    long file name, a Japanese sentence, which has no spaces) cut where the line is full, never inside a
    character. fill_wide: Japanese is broken between any two of its characters too (_wrap_wide)."""
    width = max(2, width)  # a two-cell character needs two
    if fill_wide:
        return _wrap_wide(paragraph, width)
    lines: list[str] = []
    line = ""
    for word in re.findall(r"\S+", paragraph):
        joined = f"{line} {word}" if line else word
        if cell_len(joined) <= width:
            line = joined
            continue
        if line and cell_len(word) <= width:
            lines.append(line)
            line = word
            continue
        # wider than a line: fill this one first, then cut the rest by cells
        pieces = _chop(joined, width)
        lines.extend(piece.rstrip() for piece in pieces[:-1])
        line = pieces[-1].lstrip()
    if line:
        lines.append(line)
    return lines or [""]


_CLOSING = frozenset(":;,.)]}!?%")  # narrow punctuation that closes what comes before it


def _closes(piece: str) -> bool:
    """Whether a line may not start with this piece (it closes what comes before it)."""
    return piece in _NO_LINE_START or piece[0] in _CLOSING


def _wrap_wide(paragraph: str, width: int) -> list[str]:
    """Lines of at most `width` cells that break at spaces and before or after any wide (Japanese) character, so a
    Japanese sentence fills its lines even with spaced words in it ("… $1.50 を超えます。…"), while a run of narrow
    characters ("$1.00", a command) stays whole unless it is wider than a line. A line never starts with closing
    punctuation: what it closes goes down with it."""
    tokens: list[tuple[str, int, bool]] = []  # (text, cells, a space before it)
    for n, word in enumerate(re.findall(r"\S+", paragraph)):
        spaced, run = n > 0, ""
        graphemes, _length = split_graphemes(word)
        for start, end, cells in [*graphemes, (len(word), len(word), 2)]:  # a wide sentinel ends the last run
            if cells < 2:
                run += word[start:end]
                continue
            for piece in (_chop(run, width) if run else []):
                tokens.append((piece, cell_len(piece), spaced))
                spaced = False
            run = ""
            if end > start:
                tokens.append((word[start:end], cells, spaced))
                spaced = False
    lines: list[list[tuple[str, int, bool]]] = [[]]
    used = 0
    for token in tokens:
        piece, cells, spaced = token
        gap = 1 if spaced and lines[-1] else 0
        if used + gap + cells > width and lines[-1]:
            carried: list[tuple[str, int, bool]] = []
            first = token
            while not first[2] and _closes(first[0]) and len(lines[-1]) > 1:  # "）:" goes down with what it closes
                first = lines[-1].pop()
                carried.insert(0, first)
            lines.append(carried)
            used, gap = sum(c for _p, c, _s in carried), 0
        lines[-1].append(token)
        used += gap + cells
    return ["".join((" " if spaced and i else "") + piece for i, (piece, _c, spaced) in enumerate(line))
            for line in lines if line] or [""]


def message_strips(text: str, width: int, height: int, base: Style) -> list[Strip]:
    """Plain text (never markup), wrapped by cells and centred."""
    lines = [ln for para in text.splitlines() for ln in wrap_cells(para, width)]
    lines = lines[:height]
    top = (height - len(lines)) // 2
    blank = Strip.blank(width, base)
    body = [Strip([Segment(" " * max(0, (width - cell_len(ln)) // 2) + ln, base)]).adjust_cell_length(width, base)
            for ln in lines]
    return [blank] * top + body + [blank] * (height - top - len(body))


class PicturePreview(Widget, can_focus=True):
    """A still picture, a flipbook of frames (space plays/pauses) or a short message, fitted to the widget."""

    DEFAULT_CSS = """
    PicturePreview { width: 1fr; height: 1fr; min-height: 3; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "toggle_play", N_("Play/Pause"), tooltip=N_("Play or pause the spritesheet flipbook"),
                id="preview.play"),
        Binding("comma", "step(-1)", N_("Frame back"), tooltip=N_("Pause and show the previous frame"),
                id="preview.back", show=False),
        Binding("full_stop", "step(1)", N_("Frame on"), tooltip=N_("Pause and show the next frame"), id="preview.next",
                show=False),
    ]

    def __init__(self, *, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._frames: list[Image] = []
        self._message, self._index, self._paused, self._fps = "", 0, False, 4.0
        self._timer: Timer | None = None
        self._cache: dict[tuple[object, ...], list[Strip]] = {}

    @property
    def frame_index(self) -> int:
        return self._index

    @property
    def frame_count(self) -> int:
        return len(self._frames)

    @property
    def playing(self) -> bool:
        return self._timer is not None and not self._paused

    def show_frames(self, frames: list[Image], fps: float = 4.0) -> None:
        """Play `frames` in a loop at `fps` (UI thread). One frame is a still; none shows a message."""
        if not frames:
            self.show_message(_("No frames to show."))
            return
        self._set(frames, "")
        self._fps = max(0.1, fps)
        self._start()

    def show_still(self, image: Image) -> None:
        self._set([image], "")

    def show_message(self, text: str) -> None:
        self._set([], text)

    def _set(self, frames: list[Image], message: str) -> None:
        self._stop()
        self._frames, self._message, self._index, self._paused = list(frames), message, 0, False
        self._cache.clear()
        self._show()
        if self.is_mounted:
            self.refresh_bindings()

    def _show(self) -> None:
        """The frame or message changed: draw it."""
        self.refresh()

    def _start(self, mounting: bool = False) -> None:
        if (mounting or self.is_mounted) and len(self._frames) > 1 and self._timer is None:
            self._timer = self.set_interval(1.0 / self._fps, self._advance)

    def _stop(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None

    def _advance(self) -> None:
        if self._frames:
            self._index = (self._index + 1) % len(self._frames)
            self._show()

    def on_mount(self) -> None:
        self._start(mounting=True)  # frames given before mounting

    def on_unmount(self) -> None:
        self._stop()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return len(self._frames) > 1 if action in ("toggle_play", "step") else True

    def action_toggle_play(self) -> None:
        if self._timer is None:
            return
        self._paused = not self._paused
        if self._paused:
            self._timer.pause()
        else:
            self._timer.resume()

    def seek(self, index: int) -> None:
        """Pause and show frame `index` (wrapping)."""
        if not self._frames:
            return
        if self._timer is not None and not self._paused:
            self.action_toggle_play()
        self._index = index % len(self._frames)
        self._show()

    def action_step(self, delta: int) -> None:
        self.seek(self._index + delta)

    def render_line(self, y: int) -> Strip:
        width, height = self.size
        base = self.rich_style
        if width < 1 or height < 1:
            return Strip.blank(max(0, width), base)
        key = (width, height, base, self._index, self._message)
        if key not in self._cache:
            if len(self._cache) > 4 * max(1, len(self._frames)):  # sizes we left behind
                self._cache.clear()
            if self._frames:
                self._cache[key] = image_strips(self._frames[self._index], width, height, base)
            else:
                self._cache[key] = message_strips(self._message, width, height, base)
        lines = self._cache[key]
        return lines[y] if 0 <= y < len(lines) else Strip.blank(width, base)


class GraphicPreview(PicturePreview):
    """A PicturePreview whose frames the terminal draws itself (Kitty or Sixel): a textual-image widget inside,
    given each frame as it comes; messages are still drawn as text by PicturePreview."""

    DEFAULT_CSS = """
    GraphicPreview { align: center middle; }
    GraphicPreview > .picture { width: auto; height: auto; max-width: 100%; max-height: 100%; }
    """

    def __init__(self, widget_class: type[Widget], *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.picture = widget_class(classes="picture")
        self.picture.display = False

    def compose(self):  # type: ignore[override]
        yield self.picture

    def _show(self) -> None:
        if self._frames:
            self.picture.image = self._frames[self._index]  # type: ignore[attr-defined]
        self.picture.display = bool(self._frames)
        self.refresh()

    def render_line(self, y: int) -> Strip:
        if self._frames:  # the picture widget covers this; keep the background plain under it
            return Strip.blank(max(0, self.size.width), self.rich_style)
        return super().render_line(y)


def picture_preview(*, id: str | None = None) -> PicturePreview:
    """The preview for this terminal: drawn by the terminal where tui/graphics.py found it can, else in cells."""
    from .. import graphics

    widget_class = graphics.image_widget()
    return GraphicPreview(widget_class, id=id) if widget_class is not None else PicturePreview(id=id)
