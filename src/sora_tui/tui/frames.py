"""The next frame on time: a correction to Textual's interval timer, which its screens draw by.

A screen draws on a 60 Hz interval timer that pauses when nothing changed and resumes at the next change. After a
pause the timer is behind its schedule and skips the ticks it missed, but Textual 8.2.8 skips one too many
(textual/timer.py, Timer._run: `count = int((now - start) / _interval + 1)`, then the next tick is at count + 1): the
first change after a quiet spell is drawn at once, the next one not at the next frame time but at the one after,
17-33 ms later at 60 Hz where 0-17 ms is meant. Whatever arrives just after a key — a search's results, a
download's progress, a job's new status — reached the screen a frame late: typing in the history browser's search
box took 33-37 ms a character to its results with an empty history, 10-18 ms with this (bench/keys.py).

`install()` replaces Timer._run with the same loop, the skip corrected. Textual is pinned exactly (pyproject.toml);
tests/tui/test_frames.py checks both that the pinned Textual still has the off-by-one and that the corrected loop
ticks on schedule, so an upgrade that fixes it upstream says this can go.
"""

from __future__ import annotations

from typing import Any

from textual import _time
from textual.timer import EventTargetGone, Timer

_stock_run = Timer._run


async def _run(self: Any) -> None:
    """Timer._run with the skip after a late tick going to the next tick due, not the one after it."""
    count = 0
    repeat, interval = self._repeat, self._interval
    self._active  # noqa: B018 (creates the event in this thread, as Textual's own loop does)
    await self._active.wait()
    start = _time.get_time()
    while repeat is None or count <= repeat:
        next_timer = start + (count + 1) * interval
        now = _time.get_time()
        if self._skip and next_timer < now:
            count = int((now - start) / interval)  # the ticks due by now are missed: the next is count + 1
            continue
        await _time.sleep(max(0.0, next_timer - now))
        count += 1
        await self._active.wait()
        if self._reset:
            start, count, self._reset = _time.get_time(), 0, False
            continue
        try:
            await self._tick(next_timer=next_timer, count=count)
        except EventTargetGone:
            break


def install() -> None:
    Timer._run = _run  # type: ignore[method-assign]


def stock_run() -> Any:
    """Textual's own loop, for the test that checks it still needs this."""
    return _stock_run
