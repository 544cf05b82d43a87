"""Whole body lines of the job tables, put together from cells drawn wherever they were (FastDataTable._body_line),
against DataTable's own way of making the line from the same cells: the same segments, styles and click places, for
every row, with the cursor and the hover anywhere, focused or not, scrolled sideways or not, the widget wider than the
table or narrower, and after a reload that moved every row."""

from __future__ import annotations

from dataclasses import replace

import pytest
from rich.text import Text
from textual.app import App, ComposeResult
from textual.widgets import DataTable

from sora_tui.core.job import FileRecord, Job
from sora_tui.core.params import GenerationParams
from sora_tui.core.status import JobStatus
from sora_tui.tui.app import styles_dir
from sora_tui.tui.widgets.history_table import HistoryTable

PROMPTS = ["a kite over dunes", "風の中の凧、ゆっくりパン 🪁", "x" * 300, "[bold]not markup[/]", "  spaced  ", "é", "a",
           "夕暮れの海辺を走る柴犬、" * 10, "e\u0301" * 40, "a lighthouse at dusk"]


def jobs(count: int) -> list[Job]:
    made = []
    statuses = list(JobStatus)
    for i in range(count):
        job = Job.new(GenerationParams(PROMPTS[i % len(PROMPTS)]), status=statuses[i % len(statuses)],
                      video_id=f"video_{i:032x}", progress=i * 7 % 100)
        job = replace(job, starred=i % 3 == 0, tags=["keep"] if i % 4 == 0 else [], cost_estimate=i * 0.1)
        job.created_at = 1_700_000_000 + i
        if job.status == JobStatus.DOWNLOADED:
            job.files = [FileRecord("video", "/tmp/x.mp4", 10, "")]
        made.append(job)
    return made


class LinesApp(App[None]):
    CSS_PATH = [str(styles_dir() / "app.tcss"), str(styles_dir() / "screens.tcss")]

    def compose(self) -> ComposeResult:
        yield HistoryTable(id="history-table")


def compare_every_line(table: HistoryTable) -> int:
    """Each body line both ways (DataTable's own caches cleared first); how many were made the short way."""
    base = table.rich_style
    table._pseudo_class_state = table.get_pseudo_class_state()
    width = table.size.width
    made = 0
    for x1 in (0, 7):
        for y in range(table.header_height, table.header_height + table.row_count):
            fast = table._body_line(y, x1, x1 + width, base)
            table._line_cache.clear()
            table._row_render_cache.clear()
            slow = DataTable._render_line(table, y, x1, x1 + width, base)
            assert fast is not None, y
            assert list(fast) == list(slow), (y, x1)
            assert [s.style.meta for s in fast] == [s.style.meta for s in slow]  # where a click lands
            made += 1
    return made


@pytest.mark.parametrize("size", [(80, 24), (160, 45), (240, 30)])  # narrower than the table, wider than it
async def test_body_lines_are_datatable_s_own(size: tuple[int, int]) -> None:
    app = LinesApp()
    async with app.run_test(size=size) as pilot:
        table = app.query_one(HistoryTable)
        first = jobs(30)
        table.load(first)
        table.add_row(*[Text("r", justify="right")] * len(table.columns), key="right-aligned")
        await pilot.pause()
        made = 0
        for focused in (True, False):
            table.focus() if focused else table.blur()
            await pilot.pause()
            for cursor in (0, 5, table.row_count - 1):
                table.move_cursor(row=cursor)
                for hover, shown in ((3, True), (cursor, True), (3, False)):
                    table.hover_coordinate = table.hover_coordinate._replace(row=hover)
                    table._show_hover_cursor = shown
                    made += compare_every_line(table)
        # a reload that moves every row: the cells drawn before are used at their new places
        table.load(list(reversed(first[:25])) + jobs(40)[30:])
        await pilot.pause()
        made += compare_every_line(table)
        assert made > 300


async def test_a_line_the_short_way_cannot_make_goes_datatable_s_way() -> None:
    app = LinesApp()
    async with app.run_test(size=(160, 30)) as pilot:
        table = app.query_one(HistoryTable)
        table.load(jobs(5))
        table.add_row(*[Text("c", justify="center")] * len(table.columns), key="centred")
        table.add_row(*[Text("two\nlines")] * len(table.columns), key="two-lines", height=2)
        await pilot.pause()
        base = table.rich_style
        assert table._body_line(table.header_height + 5, 0, 160, base) is None  # centred cells
        assert table._body_line(table.header_height + 6, 0, 160, base) is None  # a taller row
        assert table._body_line(0, 0, 160, base) is None  # the header
        lines = [table._render_line(y, 0, 160, base) for y in range(table.header_height + 8)]
        assert "lines" in "".join(s.text for s in lines[table.header_height + 7])  # drawn DataTable's way
        table.fixed_columns = 1
        assert table._body_line(table.header_height, 0, 160, base) is None


async def test_a_click_lands_on_the_row_the_line_shows() -> None:
    """The place in each segment is where the row is now, not where its cells were first drawn."""
    app = LinesApp()
    async with app.run_test(size=(160, 30)) as pilot:
        table = app.query_one(HistoryTable)
        first = jobs(12)
        table.load(first)
        await pilot.pause()
        table.load(first[6:])  # every row moves up six
        await pilot.pause()
        await pilot.click(HistoryTable, offset=(40, table.header_height + 2))
        await pilot.pause()
        assert table.selected_local_id == first[8].local_id


async def test_rows_added_at_once_make_the_table_add_row_makes() -> None:
    """A search's page is added in one go (FastDataTable.add_rows_at_once): the rows, their cells, their places, the
    new rows to measure, the cursor and the highlight said for the first row are add_row's, into an empty table and
    onto one with rows."""
    from textual.widgets import DataTable
    from textual.widgets._data_table import DuplicateKey

    def state(table: HistoryTable) -> tuple:
        return ({k.value: {c.value: v for c, v in row.items()} for k, row in table._data.items()},
                [(k.value, r.height, r.label, r.auto_height) for k, r in table.rows.items()],
                {k.value: table._row_locations.get(k) for k in table.rows}, {k.value for k in table._new_rows},
                table.cursor_coordinate, table.row_count, table._require_update_dimensions)

    highlighted: list[int] = []

    class Twice(App[None]):
        CSS_PATH = LinesApp.CSS_PATH

        def compose(self) -> ComposeResult:
            yield HistoryTable(id="one")
            yield HistoryTable(id="other")

        def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
            highlighted.append(event.cursor_row)

    app = Twice()
    async with app.run_test(size=(160, 40)) as pilot:
        one, other = app.query_one("#one", HistoryTable), app.query_one("#other", HistoryTable)
        made = jobs(20)
        for batch in (made[:12], made[12:]):  # into an empty table, then onto one with rows
            now = 1_800_000_000.0
            rows = [(job.local_id, one.cells(job, now)) for job in batch]
            for key, cells in rows:
                DataTable.add_row(one, *cells, key=key)
            other.add_rows_at_once(rows)
            assert state(one) == state(other)
        app.set_focus(None)  # both drawn alike: neither has the focus
        await pilot.pause()
        assert highlighted.count(0) == 2  # each table said its first row was highlighted, once
        assert [list(one.render_line(y)) for y in range(8)] == [list(other.render_line(y)) for y in range(8)]
        other.add_rows_at_once([])
        assert state(one) == state(other)
        with pytest.raises(DuplicateKey):
            other.add_rows_at_once([(made[0].local_id, [Text("again")])])
        with pytest.raises(ValueError, match="More values"):
            other.add_rows_at_once([("too-wide", [Text("x")] * (len(other.columns) + 1))])


@pytest.mark.parametrize("overflow", ["scroll", "auto"])  # the history's track always there (screens.tcss), or not
async def test_another_row_count_lays_the_screen_out_only_when_the_scrollbar_comes_or_goes(monkeypatch, overflow) -> None:
    from textual.widget import Widget

    asked: list[str] = []
    original = Widget.refresh

    def refresh(self, *regions, repaint=True, layout=False, recompose=False):  # type: ignore[no-untyped-def]
        if layout:
            asked.append(type(self).__name__)
        return original(self, *regions, repaint=repaint, layout=layout, recompose=recompose)

    monkeypatch.setattr(Widget, "refresh", refresh)
    app = LinesApp()
    async with app.run_test(size=(160, 20)) as pilot:
        table = app.query_one(HistoryTable)
        table.styles.overflow_y = overflow
        table.load(jobs(60))
        await pilot.pause()
        assert table.show_vertical_scrollbar
        asked.clear()
        table.load(jobs(45))  # fewer rows, still more than fit: nothing else on the screen moves
        await pilot.pause()
        assert "HistoryTable" not in asked, asked
        assert table.virtual_size.height == 45 + table.header_height
        assert table.max_scroll_y == table.virtual_size.height - table.scrollable_content_region.height
        table.scroll_end(animate=False)
        await pilot.pause()
        assert table.scroll_y == table.max_scroll_y  # scrolls as far as its rows go, and no further
        assert table.vertical_scrollbar.window_virtual_size == table.virtual_size.height  # the thumb follows
        asked.clear()
        table.load(jobs(5))  # all of them fit: the table back at its top, and its scrollbar gone unless it always shows
        await pilot.pause()
        assert table.scroll_y == 0
        if overflow == "scroll":
            assert table.show_vertical_scrollbar and "HistoryTable" not in asked, asked
        else:
            assert not table.show_vertical_scrollbar
        table.load(jobs(60))
        await pilot.pause()
        assert table.show_vertical_scrollbar
