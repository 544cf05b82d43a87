"""JobTable under a live load: only cells that changed are touched, and a column is re-fitted only when a cell
outgrows it (DataTable re-measures a whole column when a cell narrows: with 1,000 live rows that froze the UI)."""

from __future__ import annotations

import time

import pytest
from textual.app import App, ComposeResult

from sora_tui.core.job import Job
from sora_tui.core.params import GenerationParams
from sora_tui.core.status import JobStatus
from sora_tui.tui.app import styles_dir
from sora_tui.tui.widgets.job_table import JobTable


class CountingTable(JobTable):
    def __init__(self) -> None:
        super().__init__(id="jobs")
        self.updates: list[tuple[str, str, bool]] = []

    def update_cell(self, row_key, column_key, value, *, update_width: bool = False) -> None:
        self.updates.append((str(getattr(row_key, "value", row_key)), str(getattr(column_key, "value", column_key)),
                             update_width))
        super().update_cell(row_key, column_key, value, update_width=update_width)


class TableApp(App[None]):
    def compose(self) -> ComposeResult:
        yield CountingTable()


def live(i: int) -> Job:
    return Job.new(GenerationParams(f"live job {i}: a kite over dunes"), status=JobStatus.IN_PROGRESS,
                   video_id=f"video_{i:032x}", progress=5, submitted_at=time.time() - 5)


async def loaded(app: App[None], pilot, count: int) -> tuple[CountingTable, list[Job]]:  # type: ignore[no-untyped-def]
    """The table filled with `count` live jobs, cursor on the first."""
    table = app.query_one(CountingTable)
    jobs = [live(i) for i in range(count)]
    table.load(jobs)
    table.move_cursor(row=0)
    await pilot.pause()
    return table, jobs


async def test_live_updates_touch_only_what_changed(monkeypatch) -> None:
    from sora_tui.tui.widgets import job_list

    now = time.time()
    monkeypatch.setattr(job_list, "clock", lambda: now)  # elapsed and ETA follow the clock: hold it still
    app = TableApp()
    async with app.run_test(size=(160, 30)) as pilot:
        table, jobs = await loaded(app, pilot, 200)
        table.updates.clear()
        # the same state again: nothing to redraw
        for job in jobs:
            table.upsert(job)
        await pilot.pause()
        assert table.updates == []
        # one tracker round of progress: the rows on screen are redrawn (progress and the ETA that follows it),
        # no column is re-fitted, and the 170-odd rows off screen wait until they are seen
        for job in jobs:
            job.progress = 6
            table.upsert(job)
        await pilot.pause()
        assert {key for _, key, _ in table.updates} == {"progress", "eta"}
        assert all(not refit for *_, refit in table.updates)
        redrawn = {local_id for local_id, _, _ in table.updates}
        assert jobs[0].local_id in redrawn and jobs[-1].local_id not in redrawn
        assert 10 < len(redrawn) < 60
        # reading a cell of a row off screen reads the job's latest state
        assert "  6%" in table.get_cell(jobs[-1].local_id, "progress").plain
        # scrolling to the bottom brings the rows there up to date
        jobs[-2].progress = 7
        table.upsert(jobs[-2])
        table.move_cursor(row=199)
        await pilot.pause()
        await pilot.pause()
        assert "  7%" in str(table.get_row_at(198))
        # a prompt longer or shorter than the column is drawn without re-measuring any column: the columns have
        # the widths the table's own width gave them (a longer prompt is cut to its column as it is drawn)
        from dataclasses import replace

        widths = {key: column.width for key, column in table.columns.items()}
        for prompt in ("a much longer prompt about a red kite over the dunes at dusk " * 4, "short"):
            table.updates.clear()
            jobs[190].params = replace(jobs[190].params, prompt=prompt)
            table.upsert(jobs[190])
            await pilot.pause()
            assert (jobs[190].local_id, "prompt", False) in table.updates
            await pilot.pause()
            assert {key: column.width for key, column in table.columns.items()} == widths


async def test_a_style_only_change_is_drawn() -> None:
    from rich.text import Text

    app = TableApp()
    async with app.run_test(size=(120, 20)) as pilot:
        table = app.query_one(CountingTable)
        job = live(1)
        table.load([job])
        await pilot.pause()
        table.updates.clear()
        table.set_cell(job.local_id, "id", Text(job.short_id, style="bold"))  # the same as drawn
        assert table.updates == []
        table.set_cell(job.local_id, "id", Text(job.short_id, style="red"))  # same text, new colour
        assert [(u[1], u[2]) for u in table.updates] == [("id", False)]


@pytest.fixture
def rendered(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, int]]:
    """(row, column) of every cell drawn from now on, by our one-line path or DataTable's; the clock stands still."""
    from textual.widgets import DataTable

    from sora_tui.tui.widgets import job_list

    now = time.time()
    monkeypatch.setattr(job_list, "clock", lambda: now)
    drawn: list[tuple[int, int]] = []
    real, short = DataTable._render_cell, job_list.JobList._cell_segments

    def counting(self, row_index, column_index, *args, **kwargs):  # type: ignore[no-untyped-def]
        drawn.append((row_index, column_index))
        return real(self, row_index, column_index, *args, **kwargs)

    def place(table, cell) -> tuple[int, int]:  # type: ignore[no-untyped-def]
        """Where a cell being drawn is: found by identity among the rows' cells and the column labels."""
        for column_index, column in enumerate(table.ordered_columns):
            if column.label is cell:
                return -1, column_index
        for row_key, cells in table._data.items():
            for column_index, column in enumerate(table.ordered_columns):
                if cells.get(column.key) is cell:
                    return table._row_locations.get(row_key), column_index
        raise AssertionError(f"a cell drawn that is not in the table: {cell!r}")

    def counting_short(self, cell, *args):  # type: ignore[no-untyped-def]
        line = short(self, cell, *args)
        if line is not None:  # drawn here; None goes on to DataTable's path, counted there
            drawn.append(place(self, cell))
        return line

    monkeypatch.setattr(DataTable, "_render_cell", counting)
    monkeypatch.setattr(job_list.JobList, "_cell_segments", counting_short)
    return drawn


async def test_a_changed_cell_is_redrawn_alone_and_shows_its_new_value(rendered: list[tuple[int, int]]) -> None:
    """DataTable re-renders every visible cell after any update; ours re-renders only the changed row's cells,
    and what is on screen is always the latest value (a stale cell here would be a wrong progress shown)."""
    app = TableApp()
    async with app.run_test(size=(160, 30)) as pilot:
        table, jobs = await loaded(app, pilot, 40)
        rendered.clear()
        jobs[3].progress = 64
        table.upsert(jobs[3])
        await pilot.pause()
        body = {row for row, _ in rendered if row >= 0}
        assert all(row >= 0 for row, _ in rendered)  # the header, unchanged, is not drawn again either
        assert body == {3}  # only the changed row, not the 20-odd on screen
        assert len([r for r in rendered if r[0] == 3]) <= 3  # and of it only the cells that changed (progress, ETA)
        line = "".join(segment.text for segment in table.render_line(3 + 1))  # +1: the header
        assert "64%" in line
        # moving the cursor redraws the two rows it leaves and reaches, from cache or not, never stale
        table.move_cursor(row=3)
        await pilot.pause()
        assert "64%" in "".join(segment.text for segment in table.render_line(3 + 1))
        # a new style (theme) redraws everything
        rendered.clear()
        app.theme = "textual-light"
        await pilot.pause()
        assert len({row for row, _ in rendered}) > 10


class TypingApp(App[None]):
    def compose(self) -> ComposeResult:
        from textual.widgets import Input

        yield Input(id="prompt")
        yield CountingTable()


class FocusApp(TypingApp):
    CSS_PATH = [str(styles_dir() / "app.tcss")]  # the app's own styles: how the focused table looks is set there


async def test_a_focus_change_redraws_the_cursor_row_only(rendered: list[tuple[int, int]]) -> None:
    """Into the table and out of it: the cursor row changes colour, nothing else does, so nothing else is drawn again
    (DataTable's focus tint recoloured every cell, and our cells were thrown away on every restyle: with 1,000 live
    jobs that full redraw was the event loop's longest stall)."""
    app = FocusApp()
    async with app.run_test(size=(160, 30)) as pilot:
        app.query_one("#prompt").focus()
        table, _ = await loaded(app, pilot, 40)
        table.move_cursor(row=2)
        await pilot.pause()
        blurred = list(table.render_line(2 + 1))  # +1: the header
        rendered.clear()
        table.focus()
        await pilot.pause()
        assert {row for row, _ in rendered if row >= 0} == {2}
        focused = list(table.render_line(2 + 1))
        assert "".join(s.text for s in focused) == "".join(s.text for s in blurred) and focused != blurred  # lit up
        rendered.clear()
        app.query_one("#prompt").focus()
        await pilot.pause()
        assert {row for row, _ in rendered if row >= 0} <= {2}  # drawn again or taken from before: nothing else
        assert list(table.render_line(2 + 1)) == blurred


async def test_many_new_rows_move_the_cursor_once() -> None:
    """New jobs arriving while the user types elsewhere: the cursor follows the newest, once per batch."""
    app = TypingApp()
    async with app.run_test(size=(160, 30)) as pilot:
        table = app.query_one(CountingTable)
        app.query_one("#prompt").focus()
        await pilot.pause()
        moves: list[int] = []
        real = table.move_cursor
        table.move_cursor = lambda **kw: (moves.append(kw.get("row", -1)), real(**kw))[1]  # type: ignore[method-assign]
        for i in range(300):
            table.upsert(live(i))
        await pilot.pause()
        assert moves == [299] and table.cursor_row == 299


async def test_a_row_added_again_under_its_old_key_shows_the_new_cells() -> None:
    """Removed and added back (same key, same place): the drawing cache must not hand back the old row."""
    app = TableApp()
    async with app.run_test(size=(160, 30)) as pilot:
        table, jobs = await loaded(app, pilot, 5)
        last = jobs[-1]
        assert "  5%" in "".join(s.text for s in table.render_line(4 + 1))  # +1: the header
        table.remove_row(last.local_id)
        last.progress = 77
        table.add_row(*table.cells(last, time.time()), key=last.local_id)
        await pilot.pause()
        assert table.get_row_index(last.local_id) == 4
        assert "77%" in "".join(s.text for s in table.render_line(4 + 1))


async def test_one_line_cells_draw_exactly_as_datatable_draws_them() -> None:
    """The short path for one-line cells (JobList._one_line_cell) against DataTable's own Rich rendering, over every
    kind of cell the tables show: statuses, marks, wide characters, right-aligned costs, empty and full columns,
    with and without the cursor, on even and odd rows, focused or not; a cell wider than its column against
    DataTable's drawing of it cut by cells."""
    from dataclasses import replace

    from rich.cells import cell_len
    from rich.segment import Segment
    from rich.text import Text
    from textual.widgets import DataTable

    from sora_tui.core.job import FileRecord
    from sora_tui.core.text import cut

    jobs = []
    for i, status in enumerate([JobStatus.QUEUED, JobStatus.IN_PROGRESS, JobStatus.COMPLETED, JobStatus.DOWNLOADED,
                                JobStatus.FAILED, JobStatus.EXPIRED, JobStatus.UNCERTAIN, JobStatus.CANCELED]):
        job = Job.new(GenerationParams(["a kite over dunes", "風の中の凧、ゆっくりパン 🪁", "x" * 300, "tab\tin it",
                                        "[bold]not markup[/]", "  spaced  ", "é", "a"][i]),
                      status=status, video_id=f"video_{i:032x}", progress=i * 13, submitted_at=time.time() - 50 * i)
        job = replace(job, starred=i % 2 == 0, kind=["generate", "remix", "extend", "edit", "retry", "variation", "generate", "remix"][i],
                      cost_estimate=None if i == 3 else i * 0.4)
        if status == JobStatus.DOWNLOADED:
            job.files = [FileRecord("video", "/tmp/x.mp4", 10, "")]
        jobs.append(job)
    app = TableApp()
    async with app.run_test(size=(160, 30)) as pilot:
        table = app.query_one(CountingTable)
        table.load(jobs)
        table.add_row(Text("right", justify="right"), Text.assemble(("sp", "bold"), ("ans", "red on blue"), style="italic"),
                      *[Text("")] * (len(table.columns) - 2), key="extra-right")
        table.add_row(Text("left", justify="left", style="on red"), *[Text("c", justify="center")] * (len(table.columns) - 1), key="extra-left")
        table.add_row(Text("右", justify="right"), Text("夕暮れの海辺を走る柴犬、" * 20, style="bold"),
                      *[Text("e\u0301" * 30)] * (len(table.columns) - 2), key="extra-wide")
        await pilot.pause()
        compared, short, cut_short = 0, set(), 0
        for focused in (True, False):
            if focused:
                table.focus()
            else:
                table.blur()
            await pilot.pause()
            table._pseudo_class_state = table.get_pseudo_class_state()
            for row_index in range(-1, table.row_count):  # -1: the header
                header = row_index == -1
                row_key = table._header_row_key if header else table._row_locations.get_key(row_index)
                base = table._get_row_style(row_index, table.rich_style)
                for column_index, column in enumerate(table.ordered_columns):
                    width = column.get_render_width(table)
                    cell, height = ((column.label, table.header_height) if header else
                                    (table._data[row_key][column.key], table.rows[row_key].height))
                    for cursor in (False, True):
                        component, post = table._get_styles_to_render_cell(
                            header, False, False, False, cursor, table.show_cursor, table._show_hover_cursor,
                            table.cursor_foreground_priority == "css", table.cursor_background_priority == "css")
                        fast = table._one_line_cell(cell, height, row_index, column_index, base + component, post, width)
                        table._cell_render_cache.clear()
                        # wider than its column, the cell is cut by cells with '…': DataTable's drawing of it cut so
                        inner = width - 2 * table.cell_padding
                        wide = isinstance(cell, Text) and cell.cell_len > inner
                        if wide:
                            fitted = cell.copy()
                            fitted.plain = cut(cell.plain, inner)
                            if header:
                                column.label = fitted
                            else:
                                table._data[row_key][column.key] = fitted
                            table._row_renderable_cache.clear()
                        slow = DataTable._render_cell(table, row_index, column_index, base, width, cursor, False)
                        if wide:
                            if header:
                                column.label = cell
                            else:
                                table._data[row_key][column.key] = cell
                            table._row_renderable_cache.clear()
                            table._cell_render_cache.clear()
                        if fast is None:
                            continue
                        compared += 1
                        a = [list(Segment.simplify(line)) for line in fast]
                        assert a == [list(Segment.simplify(line)) for line in slow], (row_index, column.key.value, cursor, focused)
                        assert sum(cell_len(segment.text) for segment in fast[0]) == width
                        short.add((row_key.value, column_index))
                        cut_short += wide
        assert compared > 100
        assert cut_short >= 4  # the long prompts, focused or not, with the cursor or not
        assert ("extra-right", 1) in short  # spans
        assert ("extra-right", 0) in short and ("extra-left", 0) in short  # right- and left-aligned, a background
        assert ("extra-left", 1) not in short  # centred: DataTable's own path
        assert ("extra-wide", 1) in short  # a Japanese prompt cut mid-glyph
        assert {(j.local_id, 0) for j in jobs} <= short
        assert {(table._header_row_key.value, i) for i in range(len(table.columns))} <= short  # every column label


async def test_new_rows_fit_the_columns_as_datatable_would() -> None:
    """JobList._update_dimensions takes a one-line cell's width from its length instead of measuring it with Rich:
    the column widths must come out the same as DataTable's own measuring."""
    from rich.text import Text
    from textual.widgets import DataTable

    app = TableApp()
    async with app.run_test(size=(160, 30)) as pilot:
        table = app.query_one(CountingTable)
        empty = {column.key: column.content_width for column in table.columns.values()}
        jobs = [live(i) for i in range(30)]
        jobs[4].params = GenerationParams("風の中の凧 " * 8)
        jobs[7].params = GenerationParams("")
        table.load(jobs)
        table.add_row(*[Text("two\nlines")] + [Text("")] * (len(table.columns) - 1), key="two-lines")
        await pilot.pause()
        ours = {column.key: column.content_width for column in table.columns.values()}
        for column in table.columns.values():
            column.content_width = empty[column.key]
        DataTable._update_dimensions(table, list(table.rows))
        assert ours == {column.key: column.content_width for column in table.columns.values()}
        assert ours != empty






async def test_the_table_is_sized_for_its_columns_as_it_is_mounted() -> None:
    """The first layout already knows how wide the columns are. DataTable works that out when it first idles,
    which in the workbench came after the first frame: the new size laid out and painted the whole screen again.
    Here it is done on mount, so the first idle finds nothing left to measure."""
    left_for_idle: list[bool] = []

    class Sized(JobTable):
        async def _on_idle(self, event) -> None:  # type: ignore[no-untyped-def]  (DataTable's own runs after it)
            if not left_for_idle:
                left_for_idle.append(self._require_update_dimensions)

    class SizedApp(App[None]):
        def compose(self) -> ComposeResult:
            yield Sized()

    app = SizedApp()
    async with app.run_test(size=(160, 30)) as pilot:
        await pilot.pause()
        table = app.query_one(Sized)
        width = sum(column.get_render_width(table) for column in table.columns.values())
        assert width > 0 and table.virtual_size == (width, table.header_height)
        assert left_for_idle == [False]


async def test_a_rate_limited_create_shows_when_it_is_sent_again_and_counts_down() -> None:
    now = time.time()
    waiting = Job.new(GenerationParams("a kite the server asked to wait for"), status=JobStatus.SUBMITTING,
                      extra={"retry_at": now + 600})
    app = TableApp()
    async with app.run_test(size=(160, 20)) as pilot:
        table = app.query_one(CountingTable)
        table.load([waiting])
        await pilot.pause()
        row = [cell.plain for cell in table.cells(waiting, now)]
        assert "rate limited" in row and "10m00s" in row
        assert "9m00s" in [cell.plain for cell in table.cells(waiting, now + 60)]
        waiting.extra["retry_at"] = now - 1  # its time has come (and gone): an ordinary 'submitting' again
        assert "submitting" in [cell.plain for cell in table.cells(waiting, now)]
