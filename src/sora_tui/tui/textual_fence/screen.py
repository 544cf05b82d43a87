"""A Screen not styled twice before its first frame (Screen._on_screen_resume is where Textual restyles)."""

from __future__ import annotations

from typing import TypeVar

from textual import events
from textual.screen import Screen

ResultType = TypeVar("ResultType")


class StyledOnceScreen(Screen[ResultType]):
    """The first time a screen is shown Textual restyles all its widgets again, straight after styling each as it was
    mounted: the workbench's 95 style applications of the cold start's 258; for the history browser half of the
    57 ms its first frame held the event loop (bench/keys.py). Nothing changed in between, so the first resume skips
    it; later ones (back from a dialog, a theme changed meanwhile) restyle as Textual decides. The snapshot tests
    show the first frames drawn the same. The event's flag is public; the handler that reads it and restyles is not."""

    _shown = False

    def _on_screen_resume(self, event: events.ScreenResume) -> None:
        if not self._shown:
            self._shown = True
            event.refresh_styles = False
        super()._on_screen_resume(event)
