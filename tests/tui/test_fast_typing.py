"""Keys that arrive faster than a dialog opens: text typed into the job table in a burst (the user thought the
prompt had focus). It stopped the app: each key's action ran at once, a second dialog was pushed over the first
and 'p' closed one while it was still being built (NoMatches in its on_mount)."""

from __future__ import annotations

from pathlib import Path

from pilot_helpers import connected, wait_until
from textual import events
from textual.screen import ModalScreen

from sora_tui.core.params import GenerationParams
from sora_tui.tui.app import SoraApp


async def test_a_burst_of_text_typed_into_the_job_table_opens_at_most_one_dialog(home: Path, engine_daemon: Path) -> None:
    app = SoraApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: connected(app), what="the session")
        [job] = await app.session.service.generate(GenerationParams("a kite over dunes", size="1280x720"),
                                                   auto_download=["video"])
        await app.session.service.wait([job])
        await pilot.pause(0.5)
        app.main.action_focus_jobs()
        await pilot.pause(0.2)
        for ch in "forbidden-topic again, editing the note; copy":  # posted at once, as a terminal delivers a paste
            key = {" ": "space", "-": "minus", ",": "comma", ";": "semicolon"}.get(ch, ch)
            app.post_message(events.Key(key, ch))
        await pilot.pause(1.5)
        dialogs = [s for s in app.screen_stack if isinstance(s, ModalScreen)]
        assert len(dialogs) <= 1, app.screen_stack
        assert app.return_code is None and app.is_running  # still here
        if dialogs:
            await pilot.press("escape")
            await pilot.pause(0.2)
        assert not [s for s in app.screen_stack if isinstance(s, ModalScreen)]
