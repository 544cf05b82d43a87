"""Four patches to Textual 8.2.8 for two problems, each measured, each with a test that the pinned Textual still needs
it (tests/tui/test_fixes.py): when an upgrade fixes one upstream, its test says that patch can go. docs/TEXTUAL.md
describes both problems with a reproduction.

**The next frame on time** (Timer._run). A screen draws on a 60 Hz interval timer that pauses when nothing changed
and resumes at the next change. After a pause the timer is behind its schedule and skips the ticks it missed, but one
too many (Timer._run: `count = int((now - start) / _interval + 1)`, then it waits for tick count + 1): the first
change after a quiet spell is drawn at once, the next one not at the next frame time but at the one after, 17-33 ms
later where 0-17 ms is meant. Whatever arrives just after a key (a search's results, a download's progress, a job's
new status) reached the screen a frame late: a keystroke in the history's search box to its results took 33-37 ms
with an empty history, 10-18 ms with this (bench/keys.py). `run_on_time` is the same loop with the skip corrected.

**Caches that leave no cycles behind** (LRUCache.clear, Strip.divide, Strip.crop_extend). LRUCache keeps its entries
in a ring (each [prev, next, key, value]; the first refers to itself), and clear() drops the ring whole: every entry
becomes garbage that only a full collection of the cyclic garbage collector frees. DataTable clears its render caches
whenever its rows change, so each search in the history browser left thousands of them; and Strip caches itself in
its own divide and crop_extend caches when the result is itself (most lines of a frame). Typing 40 characters in the
history's search left 170,000 objects of cyclic garbage, whose full collections held the event loop 60-160 ms
(bench/keys.py, gc.callbacks); 12,000 with these. clear() unlinks the ring first; divide and crop_extend answer the
trivial case without caching it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from rich.style import Style
from textual import _time
from textual.cache import LRUCache
from textual.strip import Strip
from textual.timer import EventTargetGone, Timer

STOCK: dict[str, Any] = {"Timer._run": Timer._run, "LRUCache.clear": LRUCache.clear, "Strip.divide": Strip.divide,
         "Strip.crop_extend": Strip.crop_extend}
OWNERS = {"Timer": Timer, "LRUCache": LRUCache, "Strip": Strip}


async def run_on_time(self: Any) -> None:
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
            # The ticks due by now are missed: the next is count + 1. At least one on from the last: the division
            # can round down to a tick just past, and counting it again would loop here without ever awaiting.
            count = max(count + 1, int((now - start) / interval))
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


def clear_unlinked(self: Any) -> None:
    """LRUCache.clear, the ring unlinked first so its entries are freed as soon as they are dropped."""
    for entry in self._cache.values():
        entry.clear()
    self._cache.clear()
    self._full = False
    self._head = []


_divide = STOCK["Strip.divide"]
_crop_extend = STOCK["Strip.crop_extend"]


def divide_uncycled(self: Strip, cuts: Iterable[int]) -> Sequence[Strip]:
    cuts = [cut for cut in cuts if cut <= self.cell_length]
    if cuts == [self.cell_length]:
        return [self]  # what Textual caches in the strip itself
    return _divide(self, cuts)


def crop_extend_uncycled(self: Strip, start: int, end: int, style: Style | None) -> Strip:
    if start <= 0 and end == self.cell_length:
        return self  # what Textual caches in the strip itself
    return _crop_extend(self, start, end, style)


# Each patch: what it replaces ("Owner.method", as in STOCK) and what with.
PATCHES = {"Timer._run": run_on_time, "LRUCache.clear": clear_unlinked, "Strip.divide": divide_uncycled,
           "Strip.crop_extend": crop_extend_uncycled}


def install() -> None:
    """All four patches, for the rest of the process."""
    for name, ours in PATCHES.items():
        owner, method = name.split(".")
        setattr(OWNERS[owner], method, ours)
