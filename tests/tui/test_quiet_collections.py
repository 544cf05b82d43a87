"""The garbage collector's full pass (30-45 ms with 1,000 live jobs) runs when no key, click or paste came for a
moment, not on a keystroke; the collector runs one itself only when the user never stops for long."""

from __future__ import annotations

import asyncio
import gc
from pathlib import Path

from pilot_helpers import connected, wait_until

from sora_tui.runtime import FULL_PASS_EVERY, full_pass_if_due
from sora_tui.tui import app as app_module
from sora_tui.tui.app import SoraApp


def _due() -> None:
    """A full pass due: as many middle-generation collections since the last full one as the collector waits for."""
    gc.collect()
    for _ in range(FULL_PASS_EVERY):
        gc.collect(1)
    assert gc.get_count()[2] >= FULL_PASS_EVERY


def test_a_full_pass_runs_only_when_due_and_quiet() -> None:
    gc.collect()
    assert not full_pass_if_due(quiet=True)  # quiet, but none due
    _due()
    assert not full_pass_if_due(quiet=False)
    assert gc.get_count()[2] >= FULL_PASS_EVERY
    assert full_pass_if_due(quiet=True)
    assert gc.get_count()[2] == 0


async def test_the_app_holds_a_due_full_pass_while_keys_come(home: Path, engine_daemon: Path) -> None:
    app = SoraApp()
    async with app.run_test(size=(80, 24)) as pilot:
        # connected: opening the session froze what it loaded, which starts the collector's counts again
        await wait_until(pilot, lambda: connected(app), what="the local engine")
        await pilot.pause(0.2)
        _due()
        await pilot.press("down")
        app._collect_when_quiet()
        assert gc.get_count()[2] >= FULL_PASS_EVERY  # a key came just now
        await asyncio.sleep(app_module.QUIET_FOR)
        app._collect_when_quiet()
        assert gc.get_count()[2] < FULL_PASS_EVERY
