"""The local engine charges nothing, and the TUI says so: the composer's estimate, the job table's cost cell and the
details screen read "free (local render)" (「無料（ローカルレンダー）」), never a dollar amount."""

from __future__ import annotations

from pathlib import Path

from pilot_helpers import connected, history, wait_until
from textual.widgets import DataTable, Static, TextArea

from sora_tui.core.status import JobStatus
from sora_tui.tui.app import SoraApp
from sora_tui.tui.screens.detail import JobDetailScreen

PROMPT = "a paper boat drifting down a rain gutter, close up"
WIDE = (160, 40)  # wide enough for the job table's cost column


def estimate_line(app: SoraApp) -> str:
    return str(app.main.query_one("#estimate", Static).render())


async def _generate_and_open(pilot, app: SoraApp, home: Path) -> tuple[str, str, str]:
    """The estimate line, the table's cost cell and the details screen's text, for one job on the local engine."""
    await wait_until(pilot, lambda: connected(app), what="the local engine")
    # Before anything is typed: the line is redrawn at the profile's prices once they are known
    await wait_until(pilot, lambda: "once connected" not in estimate_line(app) and "接続後" not in estimate_line(app),
                     what="the estimate at the profile's prices")
    assert "$" not in estimate_line(app)
    area = app.main.query_one("#prompt", TextArea)
    area.focus()
    area.text = PROMPT
    await pilot.pause()
    line = estimate_line(app)
    await pilot.press("ctrl+g")
    await wait_until(pilot, lambda: [j.status for j in history(home)] == [JobStatus.DOWNLOADED], what="the job")
    job = history(home)[0]
    table = app.main.query_one(DataTable)
    await wait_until(pilot, lambda: job.local_id in table.rows, what="the row")
    cell = str(table.get_cell(job.local_id, "cost"))
    table.focus()
    await pilot.press("enter")
    await wait_until(pilot, lambda: isinstance(app.screen, JobDetailScreen), what="the detail screen")
    detail = str(app.screen.query_one("#detail-text", Static).render())
    return line, cell, detail


async def test_the_local_engine_is_free_everywhere_a_cost_is_shown(home: Path, engine_daemon: Path) -> None:
    app = SoraApp()
    async with app.run_test(size=WIDE) as pilot:
        line, cell, detail = await _generate_and_open(pilot, app, home)
    assert "free (local render)" in line and "$" not in line
    assert cell.strip() == "free"
    assert "free (local render)" in detail and "$" not in detail
    assert history(home)[0].cost_estimate == 0  # the history keeps the estimate it was sent with: nothing


async def test_the_composer_says_free_in_japanese(home: Path, engine_daemon: Path, ja: None) -> None:
    app = SoraApp()
    async with app.run_test(size=WIDE) as pilot:
        line, cell, detail = await _generate_and_open(pilot, app, home)
    assert "無料（ローカルレンダー）" in line and "$" not in line
    assert cell.strip() == "無料"
    assert "無料（ローカルレンダー）" in detail and "$" not in detail
