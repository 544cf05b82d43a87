"""The kept takes in the history browser (a filter, a mark on the row, kept/passed among the group's takes) and in
the details (the take's choice; a remix's prompt against its parent's, word by word), offline, in English and
Japanese, at 80x24 and 160x45."""

from __future__ import annotations

from pathlib import Path

import pytest
from pilot_helpers import wait_until
from rich.text import Text
from textual.geometry import Region
from textual.widgets import Static

from sora_tui.core.job import Job
from sora_tui.core.params import GenerationParams
from sora_tui.core.status import JobStatus
from sora_tui.service.keep import keep_take
from sora_tui.store import HistoryStore
from sora_tui.tui.app import SoraApp
from sora_tui.tui.messages import JobsChanged
from sora_tui.tui.screens.detail import JobDetailScreen
from sora_tui.tui.screens.history import HistoryScreen, HistoryTable
from sora_tui.tui.widgets.picker import Picker

OFFLINE = "http://127.0.0.1:9/v1"  # nothing listens there: the history is browsed without a server


def seed(home: Path) -> dict[str, Job]:
    """A kite and its remix, the same in Japanese, and three takes of a lighthouse with the second kept."""
    store = HistoryStore(home / "history.json")
    made: dict[str, Job] = {}
    at = 1_700_000_000.0

    def add(name: str, prompt: str, **fields: object) -> Job:
        nonlocal at
        at += 60
        job = Job.new(GenerationParams(prompt), status=JobStatus.COMPLETED, **fields)  # type: ignore[arg-type]
        job.created_at = at
        store.add(job)
        made[name] = job
        return job

    kite = add("kite", "a red kite over a windy beach at dusk, slow pan left")
    add("remix", "a blue kite over a windy beach at dawn, slow pan left", kind="remix", parent_id=kite.local_id)
    ja_kite = add("ja_kite", "夕暮れの海辺を走る赤い凧、ゆっくり左へパン")
    add("ja_remix", "夜明けの海辺を走る赤い凧、ゆっくり左へパン", kind="remix", parent_id=ja_kite.local_id)
    for n in range(3):
        add(f"take{n}", "a lighthouse in a storm, waves crashing, night", group_id="grp_light")
    keep_take(store, made["take1"])
    for name, job in made.items():
        made[name] = store.get(job.local_id)  # type: ignore[assignment]
    store.close()
    return made


def lines_of(widget) -> list[str]:  # type: ignore[no-untyped-def]
    """What a widget draws, line by line."""
    width, height = widget.size
    return ["".join(seg.text for seg in strip) for strip in widget.render_lines(Region(0, 0, width, height))]


def spans(text: Text) -> list[tuple[str, str]]:
    """Each styled piece of the text with its style, as written."""
    return [(text.plain[s.start:s.end], str(s.style)) for s in text.spans]


async def open_history(app: SoraApp, pilot) -> HistoryScreen:  # type: ignore[no-untyped-def]
    await pilot.press("ctrl+o")
    await wait_until(pilot, lambda: isinstance(app.screen, HistoryScreen), what="the history screen")
    screen = app.screen
    assert isinstance(screen, HistoryScreen)
    await wait_until(pilot, lambda: screen.query_one(HistoryTable).row_count == 7, what="the whole history")
    return screen


async def open_details(app: SoraApp, pilot, job: Job) -> Text:  # type: ignore[no-untyped-def]
    app.run_job_action("details", job.local_id)
    await wait_until(pilot, lambda: isinstance(app.screen, JobDetailScreen), what="the details")
    return app.screen.query_one("#detail-text", Static).content  # type: ignore[return-value]


async def remix_details(app: SoraApp, pilot, job: Job, said: str) -> Text:  # type: ignore[no-untyped-def]
    """The details of a remix once they say what it changed (`said`: how they say it): its parent's prompt is read
    after the details open."""
    await wait_until(pilot, lambda: app.session is not None, what="the history")
    await open_details(app, pilot, job)
    box = app.screen.query_one("#detail-text", Static)
    await wait_until(pilot, lambda: said in box.content.plain,  # type: ignore[union-attr]
                     what="the parent's prompt read")
    return box.content  # type: ignore[return-value]


@pytest.mark.parametrize("size", [(80, 24), (160, 45)])
async def test_the_kept_filter_shows_the_chosen_takes(home: Path, size: tuple[int, int]) -> None:
    made = seed(home)
    app = SoraApp(base_url=OFFLINE)
    async with app.run_test(size=size) as pilot:
        screen = await open_history(app, pilot)
        table = screen.query_one(HistoryTable)
        # the kept take is marked on its row, the passed ones dimmed, the undecided ones as they were
        kept_row = table.get_cell(made["take1"].local_id, "prompt")
        assert kept_row.plain.startswith("✓ ★ ")
        assert "dim" in str(table.get_cell(made["take0"].local_id, "prompt").style)
        assert "✓" not in table.get_cell(made["kite"].local_id, "prompt").plain
        marks = screen.query_one("#filter-starred", Picker)
        # a choice in the starred filter, not a seventh filter: the row of filters fits as before
        assert len(screen.query("#history-filters Picker")) == 6
        assert ("✓ kept", "kept") in [(str(prompt), value) for prompt, value in marks._options]
        marks.value = "kept"
        count = screen.query_one("#history-count", Static)
        await wait_until(pilot, lambda: str(count.render()) == "1 job", what="the kept takes")
        assert list(table.rows) == [made["take1"].local_id]
        await pilot.pause()
        # the choice's label is whole in its picker, and the picker on the screen, at either size
        assert any("✓ kept" in line for line in lines_of(marks))
        assert 0 < marks.region.right <= size[0] and marks.region.height == 1
        # the group's takes below, each with its choice (not at 80x24: there is no room for the lineage)
        if size[1] >= 30:
            await wait_until(pilot, lambda: "Takes in its group (3)" in str(screen.query_one("#lineage", Static).render()),
                             what="the group's takes")
            lineage = str(screen.query_one("#lineage", Static).render())
            assert "★ ✓ kept" in lineage and lineage.count("not chosen") == 2


async def test_back_to_all_after_the_kept_filter(home: Path) -> None:
    made = seed(home)
    app = SoraApp(base_url=OFFLINE)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_history(app, pilot)
        marks, table = screen.query_one("#filter-starred", Picker), screen.query_one(HistoryTable)
        marks.value = "kept"
        await wait_until(pilot, lambda: table.row_count == 1, what="the kept takes")
        marks.value = "starred"  # a kept take is starred: the starred ones include it
        await wait_until(pilot, lambda: table.row_count == 1 and str(screen.query_one("#history-count", Static)
                                                                     .render()) == "1 job", what="the starred")
        marks.value = ""
        await wait_until(pilot, lambda: table.row_count == len(made), what="every job again")
        # another take kept while the kept ones are shown (by the compare view, say): the list follows
        marks.value = "kept"
        await wait_until(pilot, lambda: list(table.rows) == [made["take1"].local_id], what="the kept take")
        store = HistoryStore(home / "history.json")
        changed = keep_take(store, made["take2"])
        store.close()
        app.tell_screens(lambda: JobsChanged(changed))
        await wait_until(pilot, lambda: list(table.rows) == [made["take2"].local_id], what="the newly kept take")
        assert table.get_cell(made["take2"].local_id, "prompt").plain.startswith("✓ ★ ")


async def test_details_show_a_remix_s_change_word_by_word(home: Path) -> None:
    made = seed(home)
    app = SoraApp(base_url=OFFLINE)
    async with app.run_test(size=(80, 24)) as pilot:
        text = await remix_details(app, pilot, made["remix"], "changed from")
        assert f"changed from {made['kite'].short_id}:" in text.plain
        styled = spans(text)
        assert ("red", "dim strike") in styled and ("dusk", "dim strike") in styled
        assert ("blue", "green") in styled and ("dawn", "green") in styled
        assert ("removed", "dim strike") in styled and ("added", "green") in styled  # the legend, drawn as it says
        # the words kept are plain, and the removed and added ones stand apart
        assert "a red blue kite over a windy beach at dusk dawn, slow pan left" in text.plain
        assert not any(style for part, style in styled if "windy" in part)
        await pilot.press("escape")
        # a job made from nothing has no change to show, a take its choice
        text = await open_details(app, pilot, made["kite"])
        assert "changed from" not in text.plain and "Choice" not in text.plain
        await pilot.press("escape")
        text = await open_details(app, pilot, made["take0"])
        assert any(line.split() == ["Choice", "not", "chosen"] for line in text.plain.splitlines())
        await pilot.press("escape")
        text = await open_details(app, pilot, made["take1"])
        assert any(line.split() == ["Choice", "✓", "kept"] for line in text.plain.splitlines())
        assert ("✓ kept", "green") in spans(text)


async def test_details_in_japanese(home: Path, ja: None) -> None:
    made = seed(home)
    app = SoraApp(base_url=OFFLINE)
    async with app.run_test(size=(80, 24)) as pilot:
        text = await remix_details(app, pilot, made["ja_remix"], "からの変更")
        styled = spans(text)
        # one run changed (夕暮れの -> 夜明けの), not every character; the rest untouched
        assert [part for part, style in styled if style == "dim strike" and part != "削除"] == ["夕暮れの"]
        assert [part for part, style in styled if style == "green" and part != "追加"] == ["夜明けの"]
        assert "夕暮れの 夜明けの海辺を走る赤い凧、ゆっくり左へパン" in text.plain
        await pilot.press("escape")
        text = await open_details(app, pilot, made["take1"])
        assert any(line.split() == ["選択", "✓", "採用"] for line in text.plain.splitlines())
        await pilot.press("escape")
        await pilot.press("ctrl+o")
        await wait_until(pilot, lambda: isinstance(app.screen, HistoryScreen), what="the history screen")
        marks = app.screen.query_one("#filter-starred", Picker)
        assert ("✓ 採用", "kept") in [(str(prompt), value) for prompt, value in marks._options]


def test_a_kept_remix_keeps_its_mark_beside_what_it_changed() -> None:
    """The prompt cell of a derived job is rebuilt with what it changed from its parent; a kept one must keep its ✓
    there too (and a take not chosen its dimming)."""
    from sora_tui.core.job import Job
    from sora_tui.core.params import GenerationParams
    from sora_tui.tui.widgets.prompt_cells import prompt_cell

    remix = Job.new(GenerationParams("a red kite over the dunes in neon rain"), kind="remix", parent_id="job_parent")
    remix.extra = {"choice": "kept"}
    cell = prompt_cell(remix, changes=(["at sunset"], ["in neon rain"]))
    assert cell.plain.startswith("✓ ") and "+in neon rain" in cell.plain
    remix.extra = {"choice": "passed"}
    assert str(prompt_cell(remix, changes=(["at sunset"], ["in neon rain"])).style) == "dim"
