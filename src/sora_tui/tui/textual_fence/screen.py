"""Screens drawn sooner: not styled twice before their first frame (Screen._on_screen_resume is where Textual
restyles), and a change drawn when it is ready rather than at the next 60 Hz tick (Screen._on_idle)."""

from __future__ import annotations

import time
from typing import ClassVar, TypeVar

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


class PromptFramesScreen(Screen[ResultType]):
    """A Screen that draws a change as soon as it is ready when no frame was drawn in the last FRAME_GAP.

    Textual draws on a 60 Hz interval timer that pauses when nothing changed: the first change after a pause is drawn
    at once (the tick due has passed), the next one waits for the timer's next tick. A history search's results come
    4-6 ms after the typed character was drawn, then waited 8-12 ms for that tick (bench/keys.py). A change that
    comes after a frame drawn more than FRAME_GAP ago is drawn when the screen goes idle, as the tick would draw it;
    changes closer together than that still go to the tick, so a stream of changes is drawn at 60 Hz as before and
    no more than 120 frames a second are drawn. Both hooks are private: Screen._on_idle resumes the timer, and
    Screen._on_timer_update is the timer's frame."""

    FRAME_GAP: ClassVar[float] = 1 / 120  # a change this soon after a frame waits for the 60 Hz tick
    _drawn_at = 0.0

    async def _on_idle(self, event: events.Idle) -> None:
        # Dispatched before Screen._on_idle (Textual calls each class's handler down the MRO until one prevents the
        # default); this one prevents it only when it draws the frame itself.
        if (self.is_current and not self.app._batch_count and time.perf_counter() - self._drawn_at >= self.FRAME_GAP
                and (self._layout_required or self._scroll_required or self._repaint_required
                     or self._recompose_required or self._dirty_widgets)):
            event.prevent_default()
            self._on_timer_update()

    def _compositor_refresh(self) -> None:
        super()._compositor_refresh()
        self._drawn_at = time.perf_counter()
