"""The search boxes (the history's search, the live table's filter) are typed into without laying the screen out again
at each key, and still keep the cursor in sight when what is typed is longer than the box; the history's lineage is
shown again only when the job selected or its family changes."""

from __future__ import annotations

from pathlib import Path

import pytest
from pilot_helpers import shown, wait_until
from textual.widget import Widget
from textual.widgets import Static

from sora_tui.core.job import Job
from sora_tui.core.params import GenerationParams
from sora_tui.store import HistoryStore
from sora_tui.tui.app import SoraApp
from sora_tui.tui.screens.history import HistoryScreen, HistoryTable
from sora_tui.tui.widgets.search_box import SearchBox

OFFLINE = "http://127.0.0.1:9/v1"  # nothing listens there: the history is browsed without a server
LONG = "a lighthouse on a cliff at dusk, slow dolly in, waves below, gulls crying, warm light in the lamp room"


def seed(home: Path) -> None:
    store = HistoryStore(home / "history.json")
    for i, prompt in enumerate([LONG, "a kite over dunes", "a lighthouse at night"]):
        job = Job.new(GenerationParams(prompt))
        job.created_at = 1_700_000_000 + i
        store.add(job)
    store.close()


@pytest.mark.parametrize("size", [(80, 24), (160, 45)])
async def test_typing_a_long_search_lays_nothing_out_and_keeps_the_cursor_in_sight(home: Path, size, monkeypatch) -> None:
    seed(home)
    layouts: list[str] = []  # who asked for the screen to be laid out again
    original = Widget.refresh

    def refresh(self, *regions, repaint=True, layout=False, recompose=False):  # type: ignore[no-untyped-def]
        if layout:
            layouts.append(self.id or type(self).__name__)
        return original(self, *regions, repaint=repaint, layout=layout, recompose=recompose)

    monkeypatch.setattr(Widget, "refresh", refresh)
    app = SoraApp(base_url=OFFLINE)
    async with app.run_test(size=size) as pilot:
        await pilot.press("ctrl+o")
        await wait_until(pilot, lambda: isinstance(app.screen, HistoryScreen), what="the history screen")
        screen = app.screen
        table = screen.query_one(HistoryTable)
        await wait_until(pilot, lambda: table.row_count == 3, what="the whole history")
        box = screen.query_one("#history-search", SearchBox)
        await pilot.pause(0.3)
        layouts.clear()
        await pilot.press(*[("space" if ch == " " else "comma" if ch == "," else ch) for ch in LONG])
        count = screen.query_one("#history-count", Static)
        await wait_until(pilot, lambda: "1 job matching" in shown(count), what="the search's count line")
        assert box.value == LONG
        assert "history-search" not in layouts, layouts
        # the lineage beside the results is shown again only when another job is selected: the newest of the three,
        # then the only one matching
        assert layouts.count("lineage") <= 2, layouts
        drawn = "".join(strip.text for strip in box.render_lines(box.region.reset_offset))
        assert box.region.width < len(LONG)  # the box is narrower than the search: it scrolled
        assert LONG[-12:] in drawn, drawn  # the end of what was typed, with the cursor after it, is in sight
        assert [table.jobs[table.selected_local_id or ""].params.prompt] == [LONG]


async def test_the_live_filter_is_a_search_box_too(home: Path) -> None:
    seed(home)
    app = SoraApp(base_url=OFFLINE)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.session is not None, what="the session")
        app.main.query_one("#jobs").focus()
        await pilot.press("slash")
        await wait_until(pilot, lambda: isinstance(app.focused, SearchBox), what="the filter box")


async def test_the_lineage_shows_a_remix_made_while_its_parent_is_selected(home: Path) -> None:
    """The lineage is not shown again while a search keeps the same job selected; a new member of its family is."""
    import time

    from sora_tui.tui.messages import JobsChanged

    seed(home)
    app = SoraApp(base_url=OFFLINE)
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.press("ctrl+o")
        await wait_until(pilot, lambda: isinstance(app.screen, HistoryScreen), what="the history screen")
        screen = app.screen
        table = screen.query_one(HistoryTable)
        await wait_until(pilot, lambda: table.row_count == 3, what="the whole history")
        await pilot.press(*"lighthouse")  # the newest lighthouse stays selected as the search narrows
        lineage = screen.query_one("#lineage", Static)
        parent = table.jobs[table.selected_local_id or ""]
        await wait_until(pilot, lambda: parent.short_id in shown(lineage), what="the lineage")
        store = HistoryStore(home / "history.json")
        remix = Job.new(GenerationParams(parent.params.prompt + ", in neon rain"), kind="remix", parent_id=parent.local_id)
        remix.created_at = time.time()
        store.add(remix)
        store.close()
        app.tell_screens(lambda: JobsChanged([remix]))
        await wait_until(pilot, lambda: remix.short_id in shown(lineage), what="the remix in the lineage")
        assert table.selected_local_id in (parent.local_id, remix.local_id)
