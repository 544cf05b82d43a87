"""PicturePreview: a finished job's thumbnail, or its spritesheet as a flipbook, drawn in half blocks ("▀");
GraphicPreview: the same flipbook drawn by the terminal itself (Kitty's protocol or Sixel, via textual-image).

Half blocks are the default and the fallback: they work over SSH, in tmux and under Pilot, with identical,
deterministic output everywhere. textual-image is used only where tui/graphics.py, having asked the terminal,
found that it draws pictures the way textual-image places them (Kitty's Unicode placeholders, or Sixel);
graphics.py loads it without the terminal queries its import would make, and names the widget class itself,
as textual-image's own choice off a TTY is a greyscale renderer.

The frames come from widgets/frames.py (thumbnails, spritesheets, video decoding) and are drawn in cells by
widgets/cell_drawing.py; this module holds only the widgets that show them.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.style import Style
from textual.binding import Binding, BindingType
from textual.geometry import Region
from textual.strip import Strip
from textual.timer import Timer
from textual.widget import Widget

from ...core.i18n import N_, _
from .cell_drawing import fit, image_strips, message_strips

if TYPE_CHECKING:
    from PIL.Image import Image


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

    def __init__(self, *, name: str | None = None, id: str | None = None, classes: str | None = None,
                 own_clock: bool = True) -> None:
        """own_clock=False: the flipbook never advances by itself; whoever holds the clock shows each frame with
        show_index (the compare view keeps several in step that way), and the preview takes no keys of its own."""
        super().__init__(name=name, id=id, classes=classes)
        self._frames: list[Image] = []
        self._message, self._index, self._paused, self._fps = "", 0, False, 4.0
        self._own_clock = own_clock
        self._base_for: object = None
        self._base = Style()
        if not own_clock:
            self.can_focus = False  # its keys would move this one alone, out of step with the others
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

    def _show(self, frame_only: bool = False) -> None:
        """The frame or message changed: draw it. frame_only: another frame of the same flipbook, so only the lines
        the picture covers are drawn again (the blank lines around it stay: with four flipbooks in step, most of
        each one's lines)."""
        region = self._picture_region() if frame_only else None
        self.refresh(*(region,) if region is not None else ())

    def _picture_region(self) -> Region | None:
        width, height = self.size
        if not self._frames or width < 1 or height < 1:
            return None
        _pw, ph = fit(self._frames[self._index].size, (width, height))
        rows = ph // 2
        return Region(0, (height - rows) // 2, width, rows)

    def _base_style(self) -> Style:
        """The widget's Rich style, worked out again only when its styles changed (it walks every ancestor: a line
        drawn asked for it each time)."""
        visual = self.visual_style
        if visual is not self._base_for:
            self._base_for, self._base = visual, self.rich_style
        return self._base

    def show_index(self, index: int) -> None:
        """Show frame `index` (the last one for an index past it: a shorter clip has ended) without pausing
        anything: for a flipbook on someone else's clock."""
        if not self._frames:
            return
        index = max(0, min(index, len(self._frames) - 1))
        if index != self._index:
            self._index = index
            self._show(frame_only=True)

    def _start(self, mounting: bool = False) -> None:
        if not self._own_clock:
            return
        if (mounting or self.is_mounted) and len(self._frames) > 1 and self._timer is None:
            self._timer = self.set_interval(1.0 / self._fps, self._advance)

    def _stop(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None

    def _advance(self) -> None:
        if self._frames:
            self._index = (self._index + 1) % len(self._frames)
            self._show(frame_only=True)

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
        self._show(frame_only=True)

    def action_step(self, delta: int) -> None:
        self.seek(self._index + delta)

    def render_line(self, y: int) -> Strip:
        width, height = self.size
        base = self._base_style()
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

    def __init__(self, widget_class: type[Widget], *, id: str | None = None, classes: str | None = None,
                 own_clock: bool = True) -> None:
        super().__init__(id=id, classes=classes, own_clock=own_clock)
        self.picture = widget_class(classes="picture")
        self.picture.display = False

    def compose(self):  # type: ignore[override]
        yield self.picture

    def _show(self, frame_only: bool = False) -> None:
        if self._frames:
            self.picture.image = self._frames[self._index]  # type: ignore[attr-defined]
        self.picture.display = bool(self._frames)
        self.refresh()

    def render_line(self, y: int) -> Strip:
        if self._frames:  # the picture widget covers this; keep the background plain under it
            return Strip.blank(max(0, self.size.width), self.rich_style)
        return super().render_line(y)


def picture_preview(*, id: str | None = None, classes: str | None = None, own_clock: bool = True) -> PicturePreview:
    """The preview for this terminal: drawn by the terminal where tui/graphics.py found it can, else in cells."""
    from .. import graphics

    widget_class = graphics.image_widget()
    if widget_class is not None:
        return GraphicPreview(widget_class, id=id, classes=classes, own_clock=own_clock)
    return PicturePreview(id=id, classes=classes, own_clock=own_clock)
