"""The job tables' keys: marking, compare, moving as in vi and less, the filter on the live table, the lineage at
80x24, and derived rows that say what changed."""

from __future__ import annotations

import time

from textual.app import App, ComposeResult

from sora_tui.core.job import Job
from sora_tui.core.params import GenerationParams
from sora_tui.core.status import JobStatus
from sora_tui.tui.widgets.job_list import MARK, JobList
from sora_tui.tui.widgets.job_table import JobTable


def done(i: int, prompt: str = "") -> Job:
    job = Job.new(GenerationParams(prompt or f"job {i}: a kite over dunes"), status=JobStatus.COMPLETED,
                  video_id=f"video_{i:032x}", progress=100, submitted_at=time.time() - 50)
    job.created_at = 1_000_000 + i  # the live table is oldest first: row i is job i
    return job


class TableApp(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.actions: list[tuple[str, str]] = []

    def compose(self) -> ComposeResult:
        yield JobTable(id="jobs")

    def on_job_list_action(self, event: JobList.Action) -> None:
        self.actions.append((event.action, event.local_id))


async def table_with(pilot, count: int) -> tuple[JobTable, list[Job]]:  # type: ignore[no-untyped-def]
    table = pilot.app.query_one(JobTable)
    jobs = [done(i) for i in range(count)]
    table.load(jobs)
    table.focus()
    table.move_cursor(row=0)
    await pilot.pause()
    return table, jobs


def prompt_of(table: JobTable, job: Job) -> str:
    return table.get_cell(job.local_id, "prompt").plain


async def test_space_marks_and_unmarks_in_the_order_marked() -> None:
    app = TableApp()
    async with app.run_test(size=(120, 20)) as pilot:
        table, jobs = await table_with(pilot, 5)
        await pilot.press("j", "j", "space", "k", "k", "space")
        assert table.marked_local_ids == [jobs[2].local_id, jobs[0].local_id]
        assert prompt_of(table, jobs[2]).startswith(MARK) and prompt_of(table, jobs[0]).startswith(MARK)
        assert not prompt_of(table, jobs[1]).startswith(MARK)
        await pilot.press("j", "j", "space")  # again on a marked row: unmarked
        assert table.marked_local_ids == [jobs[0].local_id]
        assert not prompt_of(table, jobs[2]).startswith(MARK)
        # the mark stays as the row is updated and as the table is built again
        jobs[0].progress = 100
        jobs[0].status = JobStatus.DOWNLOADED
        table.update_job(jobs[0])
        table.refit(rebuild=True)
        assert prompt_of(table, jobs[0]).startswith(MARK)
        assert prompt_of(table, jobs[0]).count(MARK) == 1
        table.clear_marks()
        assert table.marked_local_ids == [] and not prompt_of(table, jobs[0]).startswith(MARK)


async def test_equals_asks_to_compare_the_selected_job() -> None:
    # What compare shows is the job actions' (they read marked_local_ids); the table only asks.
    app = TableApp()
    async with app.run_test(size=(120, 20)) as pilot:
        _, jobs = await table_with(pilot, 3)
        await pilot.press("j", "equals_sign")
        assert app.actions == [("compare", jobs[1].local_id)]
        binding = next(b for b in JobList.BINDINGS if getattr(b, "id", None) == "job.compare")
        assert binding.key == "equals_sign" and binding.key_display == "="


async def test_vi_keys_move_the_cursor() -> None:
    app = TableApp()
    async with app.run_test(size=(120, 24)) as pilot:
        table, _ = await table_with(pilot, 100)
        await pilot.press("j", "j", "j")
        assert table.cursor_row == 3
        await pilot.press("k")
        assert table.cursor_row == 2
        await pilot.press("G")
        assert table.cursor_row == 99
        await pilot.press("g")
        assert table.cursor_row == 0
        half = (table.scrollable_content_region.height - table.header_height) // 2
        assert half >= 5
        await pilot.press("ctrl+d")
        assert table.cursor_row == half
        await pilot.press("ctrl+d", "ctrl+u")
        assert table.cursor_row == half
        await pilot.press("ctrl+u", "ctrl+u")  # not past the first row
        assert table.cursor_row == 0
        await pilot.press("G", "ctrl+d")  # nor past the last
        assert table.cursor_row == 99


# --- the filter on the live table -------------------------------------------------------------------------------
def workbench_jobs() -> list[Job]:
    prompts = ["a red kite over a windy beach", "夕暮れの海辺を走る柴犬", "neon rain in a Tokyo alley",
               "a fox in snow, steady zoom-in", "Neon signs over a RED car"]
    jobs = [done(i, p) for i, p in enumerate(prompts)]
    jobs[3].status = JobStatus.FAILED
    return jobs


def row_ids(table: JobTable) -> list[str]:
    return [str(key.value) for key in table.rows]


async def open_workbench(pilot) -> tuple[object, JobTable, list[Job]]:  # type: ignore[no-untyped-def]
    from sora_tui.tui.messages import JobsChanged

    app = pilot.app
    while app.session is None:  # the history is open (no server: the table is all there is to drive)
        await pilot.pause(0.05)
    main = app.main
    table = main.query_one(JobTable)
    jobs = workbench_jobs()
    main.post_message(JobsChanged(jobs))
    await pilot.pause()
    table.focus()
    await pilot.pause()
    return main, table, jobs


async def test_slash_filters_the_live_table_as_you_type(home) -> None:  # type: ignore[no-untyped-def]
    from sora_tui.tui.app import SoraApp
    from sora_tui.tui.messages import JobsChanged
    from sora_tui.tui.widgets.job_table import JobFilter

    app = SoraApp(base_url="http://127.0.0.1:9/v1")
    async with app.run_test(size=(80, 24)) as pilot:
        main, table, jobs = await open_workbench(pilot)
        assert len(row_ids(table)) == 5
        await pilot.press("slash")
        await pilot.pause()
        box = main.query_one(JobFilter)
        assert box.has_focus
        await pilot.press(*"NEON")  # case-insensitive, every row whose prompt holds it
        assert row_ids(table) == [jobs[2].local_id, jobs[4].local_id]
        count = main.query_one("#jobs-filter-count")
        assert "2 of 5 jobs" in str(count.render())
        await pilot.press("space", "r", "e", "d")  # every word must match
        assert row_ids(table) == [jobs[4].local_id]
        # enter keeps the filter and goes back to the table; a new job arriving respects it
        await pilot.press("enter")
        assert table.has_focus and main.query_one("#jobs-filter-bar").display
        newer = [done(10, "a dog in a red NEON coat"), done(11, "a plain sunset")]
        main.post_message(JobsChanged(newer))
        await pilot.pause()
        assert row_ids(table) == [jobs[4].local_id, newer[0].local_id]
        assert "2 of 7 jobs" in str(count.render())
        # the filtered-out jobs are still kept up to date, and come back when the filter is cleared
        jobs[0].status = JobStatus.DOWNLOADED
        main.post_message(JobsChanged([jobs[0]]))
        await pilot.press("slash")
        assert box.has_focus and box.value == "NEON red"
        await pilot.press("escape")
        assert table.has_focus and not main.query_one("#jobs-filter-bar").display
        assert row_ids(table) == [j.local_id for j in jobs] + [j.local_id for j in newer]
        assert str(table.get_cell(jobs[0].local_id, "status")) == "downloaded"


async def test_the_filter_reads_status_ids_and_japanese(home) -> None:  # type: ignore[no-untyped-def]
    from sora_tui.tui.app import SoraApp
    from sora_tui.tui.messages import JobsChanged

    app = SoraApp(base_url="http://127.0.0.1:9/v1")
    async with app.run_test(size=(80, 24)) as pilot:
        main, table, jobs = await open_workbench(pilot)
        table.set_filter("海辺")
        assert row_ids(table) == [jobs[1].local_id]
        table.set_filter(jobs[0].short_id.upper())
        assert row_ids(table) == [jobs[0].local_id]
        table.set_filter("failed")
        assert row_ids(table) == [jobs[3].local_id]
        table.set_filter("sora-2")  # the model
        assert len(row_ids(table)) == 5
        # a job that comes into a status filter takes its place among the rows, once, not at the bottom
        jobs[1].status = JobStatus.FAILED
        table.set_filter("failed")
        main.post_message(JobsChanged([jobs[1]]))
        await pilot.pause()
        await pilot.pause(1.2)
        assert row_ids(table) == [jobs[1].local_id, jobs[3].local_id]


async def test_a_tracker_round_does_not_rebuild_a_filtered_table(home) -> None:  # type: ignore[no-untyped-def]
    from sora_tui.tui.app import SoraApp
    from sora_tui.tui.messages import JobsChanged

    app = SoraApp(base_url="http://127.0.0.1:9/v1")
    async with app.run_test(size=(80, 24)) as pilot:
        main, table, _ = await open_workbench(pilot)
        live = [done(100 + i, f"live {'kite' if i % 2 else 'fox'} {i}") for i in range(500)]
        for job in live:
            job.status, job.progress = JobStatus.IN_PROGRESS, 10
        main.post_message(JobsChanged(live))
        await pilot.pause()
        table.set_filter("kite")
        rebuilt: list[int] = []
        table.clear = lambda *a, **k: rebuilt.append(1) or type(table).clear(table, *a, **k)  # type: ignore[method-assign]
        for _ in range(3):
            for job in live:
                job.progress += 1
            main.post_message(JobsChanged(live))
            await pilot.pause()
        assert rebuilt == []
        assert len(row_ids(table)) == 251  # 250 live kites and the beach's


# --- derived rows and the lineage ---------------------------------------------------------------------------------
async def test_a_remix_row_shows_the_words_it_changed_first() -> None:
    app = TableApp()
    async with app.run_test(size=(80, 20)) as pilot:
        table, _ = await table_with(pilot, 0)
        parent = done(1, "a red kite over the sea at sunset, slow dolly left")
        remix = done(2, "a red kite over the sea in neon rain, slow dolly left")
        remix.kind, remix.parent_id = "remix", parent.local_id
        ja_parent = done(3, "夕暮れの海辺を走る柴犬")
        ja_edit = done(4, "夜明けの海辺を走る柴犬")
        ja_edit.kind, ja_edit.parent_id = "edit", ja_parent.local_id
        extend = done(5, "the kite string snaps and it drifts out over the waves")
        extend.kind, extend.parent_id = "extend", parent.local_id
        for job in (parent, remix, ja_parent, ja_edit, extend):
            table.upsert(job)
        await pilot.pause()
        assert prompt_of(table, remix).startswith("↻ +in neon rain -at sunset │ a red kite")
        assert prompt_of(table, ja_edit).startswith("✎ +夜明けの -夕暮れの │ ")
        # a prompt that is mostly new (an extend's next moment) is shown as it is, not as a heap of changes
        assert prompt_of(table, extend) == "⇥ the kite string snaps and it drifts out over the waves"
        assert prompt_of(table, parent).startswith("a red kite")
        # at 80 columns the prompt column is narrow: the change is what is left after the cut, not the same start
        assert table.widths["prompt"] < 40
        # the diff is worked out once per row, not at every update
        found = table._changes[remix.local_id][2]
        remix.progress = 100
        table.update_job(remix)
        assert table._changes[remix.local_id][2] is found
        # marked, the mark comes first
        table.set_marked(remix.local_id, True)
        assert prompt_of(table, remix).startswith(MARK + "↻ +in neon rain")


async def test_lineage_key_at_80x24_in_the_history_and_the_workbench(home, engine_daemon) -> None:  # type: ignore[no-untyped-def]
    # The README's first session, step 7, at 80x24: the remix in the lineage.
    from pilot_helpers import connected, history, wait_until
    from textual.widgets import Static, TextArea

    from sora_tui.tui.app import SoraApp
    from sora_tui.tui.screens.history import HistoryScreen, HistoryTable
    from sora_tui.tui.screens.modals import PromptScreen

    app = SoraApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: connected(app), what="the local engine")
        app.main.query_one("#prompt", TextArea).text = "a red kite over the sea at sunset"
        await pilot.press("ctrl+g")
        await wait_until(pilot, lambda: history(home) and history(home)[0].status == JobStatus.DOWNLOADED,
                         what="the job")
        await pilot.press("ctrl+j", "m")
        await wait_until(pilot, lambda: isinstance(app.screen, PromptScreen), what="the remix dialog")
        await pilot.press(*", neon rain", "ctrl+g")
        await wait_until(pilot, lambda: any(j.kind == "remix" for j in history(home)), what="the remix")
        remix = next(j for j in history(home) if j.kind == "remix")
        table = app.main.query_one(JobTable)
        await wait_until(pilot, lambda: remix.local_id in table.rows, what="the remix row")
        assert prompt_of(table, remix).startswith("↻ +neon rain │")
        # the workbench: L shows the lineage in the composer's place, and again brings the composer back
        table.focus()
        table.move_cursor(row=table.get_row_index(remix.local_id))
        await pilot.press("L")
        lineage = app.main.query_one("#lineage", Static)
        await wait_until(pilot, lambda: remix.short_id in str(lineage.render()), what="the lineage")
        assert lineage.region.height >= 4 and not app.main.query_one("#top").region.height
        await pilot.press("L")
        await pilot.pause()
        assert app.main.query_one("#top").region.height and not app.main.query_one("#lineage-box").region.height
        # the history at 80x24 hides the lineage; L shows it in place of the table but a few rows
        await pilot.press("ctrl+o")
        await wait_until(pilot, lambda: isinstance(app.screen, HistoryScreen), what="the history")
        screen = app.screen
        results = screen.query_one(HistoryTable)
        await wait_until(pilot, lambda: results.row_count == 2, what="the results")
        await pilot.press("ctrl+j")
        assert prompt_of(results, remix).startswith("↻ +neon rain")  # type: ignore[arg-type]
        box = screen.query_one("#lineage-box")
        assert not box.region.height
        await pilot.press("L")
        await pilot.pause()
        assert box.region.height >= 8 and results.region.height >= 3
        shown = screen.query_one("#lineage", Static)
        await wait_until(pilot, lambda: "remix" in str(shown.render()) or "↻" in str(shown.render()), what="lineage")
        assert remix.short_id in str(shown.render())
        await pilot.press("L")
        await pilot.pause()
        assert not box.region.height
