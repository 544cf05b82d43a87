"""The workbench under a whole screen (the history browser) does not redraw its live table on every tracker round:
the jobs changed meanwhile are shown, each as it last was, when it is in sight again. Under a dialog, which leaves
it in sight, it keeps updating."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from pilot_helpers import connected, wait_until

from sora_tui.core.job import Job
from sora_tui.core.params import GenerationParams
from sora_tui.core.status import JobStatus
from sora_tui.service.events import JobProgressed
from sora_tui.tui.app import SoraApp
from sora_tui.tui.screens.help import HelpScreen
from sora_tui.tui.screens.history import HistoryScreen
from sora_tui.tui.screens.main import MainScreen


def _live(n: int) -> list[Job]:
    return [Job.new(GenerationParams(f"covered job {i}: a kite over dunes"), status=JobStatus.IN_PROGRESS,
                    video_id=f"video_{i:032x}", progress=5, submitted_at=time.time()) for i in range(n)]


async def _covered(app: SoraApp, pilot: Any, key: str, over: type) -> tuple[Any, int]:
    """Connected, then the workbench covered by the screen `key` opens: its live table and its row count then."""
    await wait_until(pilot, lambda: connected(app), what="the local engine")
    table = app.main.jobs_table
    before = table.row_count
    await pilot.press(key)
    await wait_until(pilot, lambda: isinstance(app.screen, over), what=over.__name__)
    return table, before


async def test_the_live_table_catches_up_when_the_history_closes(home: Path, engine_daemon: Path) -> None:
    app = SoraApp()
    async with app.run_test(size=(160, 45)) as pilot:
        table, before = await _covered(app, pilot, "ctrl+o", HistoryScreen)
        jobs = _live(450)
        for job in jobs:
            app._on_service_event(JobProgressed(job))
        for job in jobs[:10]:  # a later report of the same job: the table shows this one, not the first
            job.progress = 60
            app._on_service_event(JobProgressed(job))
        await pilot.pause(0.5)
        assert table.row_count == before  # nothing drawn under the history
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, MainScreen), what="the workbench")
        await wait_until(pilot, lambda: table.row_count == before + 450, what="every job shown")
        assert table.jobs[jobs[0].local_id].progress == 60
        assert [row.value for row in list(table.rows)[before:]] == [job.local_id for job in jobs]


async def test_under_a_dialog_the_live_table_keeps_updating(home: Path, engine_daemon: Path) -> None:
    app = SoraApp()
    async with app.run_test(size=(160, 45)) as pilot:
        table, before = await _covered(app, pilot, "f1", HelpScreen)
        for job in _live(3):
            app._on_service_event(JobProgressed(job))
        await wait_until(pilot, lambda: table.row_count == before + 3, what="the rows under the help")


async def test_nothing_under_the_history_is_drawn_and_it_is_all_there_when_back(home: Path) -> None:
    """Textual counts the screen under the top one as showing through it whatever the top one's background: every
    change on the workbench (its status line, its clock) was drawn again on the history browser over it. Under an
    opaque screen nothing is; under a dialog's translucent one the workbench still shows through."""
    from rich.text import Text

    app = SoraApp(base_url="http://127.0.0.1:9/v1")
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_until(pilot, lambda: app.session is not None, what="the session")
        await pilot.press("ctrl+o")
        await wait_until(pilot, lambda: isinstance(app.screen, HistoryScreen), what="the history")
        assert app.screen.styles.background.a == 1
        assert app._background_screens == []  # nothing shows through: nothing below is drawn on it
        app.main.set_status(Text("changed while covered"))
        await pilot.pause(0.2)
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, MainScreen), what="the workbench")
        await pilot.pause(0.2)
        lines = app.screen._compositor.render_strips(app.size)  # what the terminal is given now
        assert any("changed while covered" in "".join(s.text for s in line) for line in lines)
        await pilot.press("f1")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen), what="the help")
        assert app.screen.styles.background.a < 1 and app._background_screens == [app.main]
