"""textual_fence/fixes.py: each of the four patches does what it says, and the pinned Textual still needs each one
(when one of the `..._still_...` tests fails after an upgrade, that patch can go)."""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Callable, Iterator

import pytest
from rich.segment import Segment
from textual.app import App
from textual.cache import LRUCache
from textual.strip import Strip
from textual.timer import Timer

from sora_tui.tui.textual_fence import fixes

INTERVAL = 0.1


async def _delay_after_a_quiet_spell() -> float:
    """A paused interval timer, as a screen's frame timer is between changes: resumed half way between two of its
    ticks after a quiet spell, it ticks at once for the change; resumed again straight away (the next change), how
    long until it ticks? Due: the rest of that interval, ~0.5 x INTERVAL."""
    ticks: list[float] = []
    app = App()
    async with app.run_test():
        timer: Timer

        def tick() -> None:
            ticks.append(time.monotonic())
            timer.pause()  # as Screen._on_timer_update does

        timer = app.set_interval(INTERVAL, tick, pause=True)
        timer.resume()
        began = time.monotonic()  # the timer's schedule starts here
        while not ticks:
            await asyncio.sleep(0.001)
        await asyncio.sleep(began + 5.5 * INTERVAL - time.monotonic())  # quiet, then a change half way to a tick
        timer.resume()
        while len(ticks) < 2:
            await asyncio.sleep(0.001)
        timer.resume()  # the next change, straight after
        while len(ticks) < 3:
            await asyncio.sleep(0.001)
        return ticks[2] - ticks[1]


async def test_the_frame_after_a_quiet_spell_comes_when_due(monkeypatch) -> None:
    monkeypatch.setattr(Timer, "_run", fixes.run_on_time)
    delay = await _delay_after_a_quiet_spell()
    assert 0.3 * INTERVAL < delay < 0.8 * INTERVAL


async def test_a_late_tick_whose_count_rounds_down_does_not_spin(monkeypatch) -> None:
    """Resumed 34 minutes after it started, at a time where (now - start) / interval rounds down to a tick already
    past: the skip must still move on to a tick to come. Counting that tick again never awaited, and held the event
    loop for ever (the stock timer's extra + 1 hid it)."""
    from textual import _time

    start, interval, resumed = 1260.44059446484, 1 / 30, 3313.14059446484
    assert start + (int((resumed - start) / interval) + 1) * interval < resumed  # the rounding this is about
    reads = iter([start, *[resumed] * 1000])
    slept: list[float] = []

    def clock() -> float:
        try:
            return next(reads)
        except StopIteration:
            raise AssertionError("the timer read the clock 1,000 times without waiting: it spins") from None

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    class Ended(Exception):
        pass

    class Stopped:  # a Timer's state as _run reads it
        _repeat, _interval, _skip, _reset = None, interval, True, False

        def __init__(self) -> None:
            self._active = asyncio.Event()
            self._active.set()

        async def _tick(self, next_timer: float, count: int) -> None:
            raise Ended

    monkeypatch.setattr(_time, "get_time", clock)
    monkeypatch.setattr(_time, "sleep", sleep)
    with pytest.raises(Ended):
        await fixes.run_on_time(Stopped())
    assert len(slept) == 1 and 0 <= slept[0] <= interval  # it waited, for the next tick to come


async def test_the_pinned_textual_still_skips_a_frame_too_many(monkeypatch) -> None:
    monkeypatch.setattr(Timer, "_run", fixes.STOCK["Timer._run"])
    delay = await _delay_after_a_quiet_spell()
    assert delay > 1.2 * INTERVAL  # ~1.5 x INTERVAL: the tick after the one due


@pytest.fixture
def collector_off() -> Iterator[Callable[[], int]]:
    """The cyclic collector off; the function collects and says how many unreachable objects it found."""
    gc.collect()
    gc.disable()
    try:
        yield gc.collect
    finally:
        gc.enable()


def _cache_cleared() -> object:
    cache: LRUCache[int, list[int]] = LRUCache(100)
    for n in range(50):
        cache.set(n, [n])
    cache.clear()
    cache.set(1, [1])  # and it still works after
    if cache.get(1) != [1] or len(cache) != 1:
        raise AssertionError("the cleared cache does not work")
    return cache  # kept by the caller: a cache dropped whole is a ring still (a screen's, when it closes)


def _strip_divided() -> object:
    strip = Strip([Segment("a kite over the dunes")], 21)
    if strip.divide([21]) != [strip] or strip.divide([5, 21])[1].cell_length != 16:
        raise AssertionError("divide")
    return None


def _strip_cropped() -> object:
    strip = Strip([Segment("a kite over the dunes")], 21)
    if strip.crop_extend(0, 21, None) is not strip or strip.crop_extend(0, 25, None).cell_length != 25:
        raise AssertionError("crop_extend")
    return None


# Each patch against cyclic garbage, and what shows it.
CYCLES = {"LRUCache.clear": _cache_cleared, "Strip.divide": _strip_divided, "Strip.crop_extend": _strip_cropped}


def _patched(monkeypatch, name: str, how: Callable[..., object]) -> None:
    owner, method = name.split(".")
    monkeypatch.setattr(fixes.OWNERS[owner], method, how)


def _cyclic_garbage_left(collector_off: Callable[[], int], drawing: Callable[[], object]) -> int:
    drawing()  # once for what is made once a process (Rich's and Textual's own caches)
    collector_off()
    kept = drawing()
    found = collector_off()
    del kept
    return found


@pytest.mark.parametrize("name", sorted(CYCLES))
def test_cleared_caches_and_drawn_strips_leave_no_cyclic_garbage(collector_off, monkeypatch, name) -> None:
    for patched in CYCLES:
        _patched(monkeypatch, patched, fixes.PATCHES[patched])
    assert _cyclic_garbage_left(collector_off, CYCLES[name]) == 0


@pytest.mark.parametrize("name", sorted(CYCLES))
def test_the_pinned_textual_still_leaves_cycles(collector_off, monkeypatch, name) -> None:
    """Each patch on its own: with the others in place and this one stock, its drawing leaves cyclic garbage."""
    for patched in CYCLES:
        _patched(monkeypatch, patched, fixes.PATCHES[patched] if patched != name else fixes.STOCK[patched])
    assert _cyclic_garbage_left(collector_off, CYCLES[name]) > 0


def test_install_puts_every_patch_in_place(monkeypatch) -> None:
    for name, stock in fixes.STOCK.items():
        _patched(monkeypatch, name, stock)
    fixes.install()
    for name, ours in fixes.PATCHES.items():
        owner, method = name.split(".")
        assert getattr(fixes.OWNERS[owner], method) is ours, name
    assert set(fixes.PATCHES) == set(fixes.STOCK)
