"""The live job table and the history browser fit the screen, in cells, at every size the README speaks of, with
Japanese prompts, in English and in Japanese: the columns promised at that size are on screen with their titles,
the prompt takes what is left, no line is wider than the screen, there is no horizontal scrollbar, and the selected
row is in view. Read off the screen the app draws, not off the table's own idea of itself."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from pilot_helpers import wait_until
from rich.cells import cell_len

from sora_tui.core.i18n import _
from sora_tui.core.job import Job
from sora_tui.core.params import GenerationParams
from sora_tui.core.status import JobStatus
from sora_tui.core.text import PROMPT_FLOOR, Col, plan_columns
from sora_tui.store import HistoryStore
from sora_tui.tui.app import SoraApp
from sora_tui.tui.screens.history import HistoryScreen, HistoryTable
from sora_tui.tui.widgets import job_table

SIZES = [(80, 24), (100, 30), (120, 36), (160, 45), (200, 50)]
JA = "夕暮れの海辺を走る柴犬、カメラはゆっくり左へパン、波の音"
EN = "a red kite climbs over a windswept beach at golden hour, slow dolly left, cinematic 35 mm, gulls"
# The widest status words in either language (ダウンロード済み, キャンセル済み) among the rows.
STATUSES = [JobStatus.DOWNLOADED, JobStatus.CANCELED, JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.EXPIRED]
ROWS = 40  # more than any of these screens shows: the selected (newest) row must be scrolled to

# What the README promises: at 80 columns these; at 160 (and wider) every column.
LIVE_ALWAYS = ("id", "prompt", "status", "progress", "eta", "files")
HISTORY_ALWAYS = ("when", "prompt", "status", "files")


def seed(home: Path) -> list[Job]:
    """ROWS finished jobs, Japanese and English prompts in turn, the widest statuses among them, oldest first."""
    now = time.time()
    jobs = []
    for i in range(ROWS):
        prompt = (JA if i % 2 == 0 else EN) + f" {i}"
        job = Job.new(GenerationParams(prompt, size="1792x1024", seconds="12", model="sora-2-pro"),
                      status=STATUSES[i % len(STATUSES)], video_id=f"video_fit{i:028x}", tags=["海", "kite"])
        job.created_at = job.updated_at = now - 3600 + i * 10
        jobs.append(job)
    store = HistoryStore(home / "history.json")
    try:
        for job in jobs:
            store.add(job)
    finally:
        store.close()
    return jobs


def screen_lines(app: SoraApp) -> list[str]:
    return ["".join(segment.text for segment in strip) for strip in app.screen._compositor.render_strips()]


def check_fits(app: SoraApp, table, always: tuple[str, ...], wide: bool, japanese: bool = True) -> None:
    """The table's promises, read off the screen."""
    width, _height = app.size
    lines = screen_lines(app)
    assert all(cell_len(line) == width for line in lines)  # the screen itself: nothing drawn past its edge
    # every column promised is shown, with its title on the header row
    keys = [column.key.value for column in table.ordered_columns]
    assert set(always) <= set(keys), keys
    if wide:
        assert set(keys) == {c.key for c in table.COLUMNS}, keys
    titles = {c.key: _(c.title) for c in table.COLUMNS}
    top = table.region.y
    header = lines[top]
    for key in keys:
        assert f" {titles[key]} " in header, (titles[key], header)
    # the columns take no more than the table's width: no horizontal scrollbar, nothing off to the right
    assert table.virtual_size.width <= table.scrollable_content_region.width
    assert not table.show_horizontal_scrollbar
    assert table.region.right <= width
    # the prompt takes what is left: with it, the columns fill the table's width less the scrollbar's
    available = table._available(table.size.width)
    assert sum(column.get_render_width(table) for column in table.ordered_columns) == available
    assert table.columns["prompt"].width >= PROMPT_FLOOR
    # the selected row is on screen, below the header, above any scrollbar
    selected = table.selected_local_id
    assert selected is not None
    short = table.jobs[selected].short_id
    visible = lines[top + 1:top + table.scrollable_content_region.height]
    assert any(line[table.region.x:].lstrip().startswith(short) or f" {short} " in line for line in visible), short
    if japanese:  # Japanese prompts among the rows shown, cut by cells: every line is exactly as wide as the screen
        assert any(JA[:4] in line for line in visible)


@pytest.mark.parametrize("lang", ["en", "ja"])
@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
async def test_the_live_table_and_the_history_fit_the_screen(home: Path, lang: str, size: tuple[int, int],
                                                              request: pytest.FixtureRequest) -> None:
    if lang == "ja":
        request.getfixturevalue("ja")
    jobs = seed(home)
    app = SoraApp(base_url="http://127.0.0.1:9/v1")  # no server: the history is what these tables show
    async with app.run_test(size=size) as pilot:
        table = app.main.jobs_table
        await wait_until(pilot, lambda: table.row_count == ROWS, what="the recent jobs in the table")
        await pilot.pause()
        app.clear_notifications()
        await pilot.pause()
        assert table.selected_local_id == jobs[-1].local_id  # the newest, at the bottom
        check_fits(app, table, LIVE_ALWAYS, wide=size[0] >= 160)

        await pilot.press("ctrl+o")
        await wait_until(pilot, lambda: isinstance(app.screen, HistoryScreen), what="the history screen")
        results = app.screen.query_one(HistoryTable)
        await wait_until(pilot, lambda: results.row_count > 0, what="the history's rows")
        results.focus()
        results.move_cursor(row=results.row_count - 1)  # the oldest row shown, at the bottom
        await pilot.pause()
        app.clear_notifications()
        await pilot.pause()
        check_fits(app, results, HISTORY_ALWAYS, wide=size[0] >= 160)


@pytest.mark.parametrize("lang", ["en", "ja"])
async def test_resizing_refits_the_columns_and_keeps_the_selection_in_view(home: Path, lang: str,
                                                                           request: pytest.FixtureRequest) -> None:
    """From wide to small and back: the columns follow the width, the selected row (one far from the newest)
    stays selected and in view, and the table never scrolls sideways."""
    if lang == "ja":
        request.getfixturevalue("ja")
    jobs = seed(home)
    app = SoraApp(base_url="http://127.0.0.1:9/v1")
    async with app.run_test(size=(200, 50)) as pilot:
        table = app.main.jobs_table
        await wait_until(pilot, lambda: table.row_count == ROWS, what="the recent jobs in the table")
        table.focus()
        table.move_cursor(row=ROWS - 12)
        await pilot.pause()
        chosen = table.selected_local_id
        assert chosen == jobs[ROWS - 12].local_id
        for size in [(80, 24), (120, 36), (100, 30), (160, 45), (80, 24)]:
            await pilot.resize_terminal(*size)
            await pilot.pause()
            await pilot.pause()
            app.clear_notifications()
            await pilot.pause()
            assert table.selected_local_id == chosen
            check_fits(app, table, LIVE_ALWAYS, wide=size[0] >= 160)


async def test_a_language_switch_retitles_and_refits_the_columns(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The titles, status words and filters are said again in the new language, with the history open over the live
    table, and the wider Japanese ones still fit; the selection and what is typed stay."""
    from textual.widgets import Input

    from sora_tui.core import i18n
    from sora_tui.tui.widgets.picker import Picker

    seed(home)
    monkeypatch.delenv("SORA_TUI_LANG")
    app = SoraApp(base_url="http://127.0.0.1:9/v1")
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            i18n.set_language("en")
            app.relabel()
            table = app.main.jobs_table
            await wait_until(pilot, lambda: table.row_count == ROWS, what="the recent jobs in the table")
            assert table.columns["status"].label.plain == "Status"
            selected = table.selected_local_id
            await pilot.press("ctrl+o")
            await wait_until(pilot, lambda: isinstance(app.screen, HistoryScreen), what="the history screen")
            results = app.screen.query_one(HistoryTable)
            await wait_until(pilot, lambda: results.row_count > 0, what="the history's rows")
            app.screen.query_one("#history-search", Input).value = "golden"
            await wait_until(pilot, lambda: results.row_count == ROWS // 2, what="the search")
            i18n.set_language("ja")
            app.relabel()
            count = app.screen.query_one("#history-count")
            await wait_until(pilot, lambda: "件のジョブ" in str(count.render()), what="the count in Japanese")
            assert str(count.render()) == "「golden」に一致: 20件のジョブ"
            assert results.columns["status"].label.plain == "状態" and results.row_count == ROWS // 2
            assert app.screen.query_one("#history-search", Input).value == "golden"
            assert app.screen.query_one("#filter-status", Picker).value == ""
            app.clear_notifications()
            await pilot.pause()
            assert "全状態" in "".join(screen_lines(app))  # the status filter's choice, said again
            check_fits(app, results, HISTORY_ALWAYS, wide=False, japanese=False)  # the English prompts found
            await pilot.press("escape")
            await pilot.pause()
            app.clear_notifications()
            await pilot.pause()
            assert table.columns["status"].label.plain == "状態" and table.selected_local_id == selected
            assert "ダウンロード済み" in [str(table.get_row_at(i)[table.shown.index("status")]) for i in range(5)]
            check_fits(app, table, LIVE_ALWAYS, wide=False)
    finally:
        i18n.set_language("en")


# --- the planner alone ----------------------------------------------------------------------------------------
COLUMNS = (Col("id", "ID"), Col("prompt", "Prompt"), Col("a", "A", 1), Col("b", "B", 2), Col("c", "C", 3))


def test_columns_are_added_in_rank_order_while_the_prompt_keeps_its_room() -> None:
    needs = {"id": 8, "prompt": 0, "a": 10, "b": 30, "c": 4}
    # id 8+2, prompt 2: 12 used; each column adds its width and 2
    assert plan_columns(COLUMNS, needs, 36, 1, prompt_min=20) == {"id": 8, "prompt": 24}
    assert plan_columns(COLUMNS, needs, 44, 1, prompt_min=20) == {"id": 8, "prompt": 20, "a": 10}
    # the first column that does not fit ends the sequence: a narrower one after it is not shown without it
    assert plan_columns(COLUMNS, needs, 40, 1, prompt_min=20) == {"id": 8, "prompt": 28}
    assert plan_columns(COLUMNS, needs, 50, 1, prompt_min=20) == {"id": 8, "prompt": 26, "a": 10}
    assert plan_columns(COLUMNS, needs, 82, 1, prompt_min=20) == {"id": 8, "prompt": 20, "a": 10, "b": 30, "c": 4}
    # in display order, whatever the order they were added in
    assert list(plan_columns(COLUMNS, needs, 200, 1, prompt_min=20).items()) == [
        ("id", 8), ("prompt", 138), ("a", 10), ("b", 30), ("c", 4)]
    # narrower than the columns every size keeps: the prompt keeps its floor (and the table is wider than asked)
    assert plan_columns(COLUMNS, needs, 10, 1, prompt_min=20, prompt_floor=8) == {"id": 8, "prompt": 8}


def test_the_id_column_is_as_wide_as_a_short_id() -> None:
    from sora_tui.core.job import SHORT_ID_LENGTH
    from sora_tui.tui.widgets.job_list import ID_CELLS

    assert ID_CELLS == SHORT_ID_LENGTH


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_the_promised_columns_fit_80_cells_in_either_language(lang: str, request: pytest.FixtureRequest) -> None:
    """At 80 cells (less the scrollbar) the live table keeps its six columns and the history its four, with a
    prompt that is still worth reading."""
    if lang == "ja":
        request.getfixturevalue("ja")

    for table_class, always in ((job_table.JobTable, LIVE_ALWAYS), (HistoryTable, HISTORY_ALWAYS)):
        table = table_class.__new__(table_class)  # needs() reads only the columns and the language
        widths = plan_columns(table.COLUMNS, table.needs(), 78, 1)
        assert set(always) <= set(widths)
        assert widths["prompt"] >= 16, widths
