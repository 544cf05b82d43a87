"""TitleBar: the screen's top line — the palette's icon, the title and sub-title — drawn as one widget's text.

It shows what Textual's Header shows, cell for cell (the snapshot tests hold it to that), but Header is a container
of three widgets (icon, title, the clock's space), each with its own stylesheet to parse, styles to apply and
region to lay out and paint: 10-18 ms of the cold start for one line of text. Here the line is one render, and a
new title or sub-title repaints that line only. The icon still opens the command palette on a click and lights up
under the mouse; a click elsewhere no longer makes the bar three lines tall (nothing here wants the taller bar).
"""

from __future__ import annotations

from textual import events
from textual.content import Content
from textual.widget import Widget

from ...core.i18n import _

ICON = "⭘"
ICON_WIDTH = 8  # as Header's icon: eight cells, the icon one cell in from the left
RIGHT_WIDTH = 10  # the space Header keeps for its clock


class TitleBar(Widget, can_focus=False):
    ALLOW_SELECT = False
    COMPONENT_CLASSES = {"title-bar--hover"}
    DEFAULT_CSS = """
    TitleBar {
        dock: top;
        width: 100%;
        height: 1;
        background: $panel;
        color: $foreground;
        .title-bar--hover {
            background: $foreground 10%;
        }
    }
    """

    _hover = False

    def on_mount(self) -> None:
        for node in (self.app, self.screen):
            self.watch(node, "title", self._retitle, init=False)
            self.watch(node, "sub_title", self._retitle, init=False)

    def _retitle(self) -> None:
        self.refresh()  # the same line, new text: no layout

    def render(self) -> Content:
        width = self.size.width
        screen, app = self.screen, self.app
        title = screen.title if screen.title is not None else app.title
        sub_title = screen.sub_title if screen.sub_title is not None else app.sub_title
        icon = Content(f" {ICON}").pad_right(max(0, min(width, ICON_WIDTH) - 2))
        if self._hover:
            icon = icon.stylize(self.get_visual_style("title-bar--hover", partial=True))
        middle = max(0, width - ICON_WIDTH - RIGHT_WIDTH)
        text = app.format_title(title, sub_title).truncate(middle, ellipsis=True)
        left = (middle - text.cell_length) // 2
        return Content.assemble(icon, text.pad(left, middle - text.cell_length - left)).truncate(width)

    # --- the icon: the command palette ------------------------------------------------------------
    def _on_icon(self, x: int) -> bool:
        return x < ICON_WIDTH and self.app.ENABLE_COMMAND_PALETTE

    def on_mouse_move(self, event: events.MouseMove) -> None:
        hover = self._on_icon(event.x)
        if hover != self._hover:
            self._hover = hover
            self.tooltip = _("Open the command palette") if hover else None
            self.refresh()

    def on_leave(self) -> None:
        if self._hover:
            self._hover = False
            self.tooltip = None
            self.refresh()

    async def on_click(self, event: events.Click) -> None:
        if self._on_icon(event.x):
            event.stop()
            await self.run_action("app.command_palette")
