"""The workbench driven by keyboard with Pilot, against the real local engine and a real history file.

The first test is the issue's walkthrough: compose with the tips' help, 3 variations, watch them, preview one,
star it, remix it, download it, copy its prompt, restart, find it all in the history. The others cover each
remaining action and its failure paths.
"""

from __future__ import annotations

import io
import os
import stat
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from pilot_helpers import connected, count_restyles, history, notifications, wait_until
from rich.console import Console
from textual.widgets import DataTable, Input, Select, Static, TextArea

from sora_tui.core.status import JobStatus
from sora_tui.core.tips import SNIPPETS
from sora_tui.tui.app import SoraApp
from sora_tui.tui.screens.detail import JobDetailScreen
from sora_tui.tui.screens.help import HelpScreen, key_groups
from sora_tui.tui.screens.history import HistoryScreen, HistoryTable
from sora_tui.tui.screens.modals import (
    ChoiceScreen,
    ConfirmScreen,
    NoteScreen,
    PictureConfirmScreen,
    PromptScreen,
    SnippetScreen,
)
from sora_tui.tui.widgets.job_table import JobTable
from sora_tui.tui.widgets.picker import Picker
from sora_tui.tui.widgets.preview import PicturePreview

WIDE = (160, 45)
SMALL = (80, 24)
PROMPT = "a red kite over a windy beach at golden hour, gulls crying"


@pytest.fixture(autouse=True)
def no_desktop(monkeypatch: pytest.MonkeyPatch) -> None:
    """As over SSH: no display, so copying goes through the terminal (OSC 52) and no player can open."""
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)


def notified(app: SoraApp, text: str) -> bool:
    return any(text in n.message for n in notifications(app))


async def generate_one(pilot, home: Path, prompt: str):
    """Type a prompt, generate, and wait until its video is downloaded; returns the job."""
    app = pilot.app
    await wait_until(pilot, lambda: connected(app), what="the local engine")
    app.main.query_one("#prompt", TextArea).text = prompt
    await pilot.press("ctrl+g")
    await wait_until(pilot, lambda: history(home) and history(home)[0].status == JobStatus.DOWNLOADED, what="the job")
    return history(home)[0]


async def select_row(pilot, table: DataTable, local_id: str) -> None:
    table.focus()
    table.move_cursor(row=table.get_row_index(local_id))
    await pilot.pause()


async def test_walkthrough_by_keyboard(home: Path, engine_daemon: Path) -> None:
    app = SoraApp()
    async with app.run_test(size=WIDE) as pilot:
        await wait_until(pilot, lambda: connected(app), what="the local engine")
        tips = app.main.query_one("#tips")
        # compose with the tips' help: typed keys reach the prompt and the checklist follows them
        await pilot.press(*"a kite")
        assert "○ Camera move" in str(tips.render_line(0).text + "".join(
            tips.render_line(y).text for y in range(1, 10)))
        area = app.main.query_one("#prompt", TextArea)
        area.text = PROMPT
        await pilot.pause()
        assert app.main.query_one("#tips").report.get("camera").state == "missing"
        await pilot.press("ctrl+n")
        await wait_until(pilot, lambda: isinstance(app.screen, SnippetScreen), what="the snippet list")
        snippet = SNIPPETS["camera"][0]
        await pilot.press(*snippet[:10], "enter")
        await wait_until(pilot, lambda: snippet in area.text, what="the snippet in the prompt")
        assert app.main.query_one("#tips").report.get("camera").state == "present"
        prompt = area.text
        # 3 variations, by keyboard: tab to the variations field
        app.main.query_one("#variations", Input).focus()
        await pilot.press("backspace", "3", "ctrl+g")
        await wait_until(pilot, lambda: len(history(home)) == 3, what="3 jobs")
        jobs = history(home)
        assert len({j.group_id for j in jobs}) == 1 and jobs[0].group_id
        # watch them progress to the end, in the table
        table = app.main.query_one(JobTable)
        await wait_until(pilot, lambda: all(j.status == JobStatus.DOWNLOADED for j in history(home)), what="downloads")
        await wait_until(pilot, lambda: all(str(table.get_cell(j.local_id, "status")) == "downloaded" for j in jobs),
                         what="the table")
        # preview one: details with the flipbook
        await pilot.press("ctrl+j")
        assert app.focused is table
        chosen = table.selected_local_id
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, JobDetailScreen), what="details")
        preview = app.screen.query_one(PicturePreview)
        await wait_until(pilot, lambda: preview.frame_count > 1, what="the flipbook")
        first = preview.frame_index
        await pilot.pause(0.6)
        assert preview.frame_index != first  # it plays
        await pilot.press("space")
        assert not preview.playing
        await pilot.press("escape")
        # star it
        await pilot.press("s")
        await wait_until(pilot, lambda: next(j for j in history(home) if j.local_id == chosen).starred, what="the star")
        # remix it: the new prompt starts as the old one
        await pilot.press("m")
        await wait_until(pilot, lambda: isinstance(app.screen, PromptScreen), what="the remix dialog")
        new_prompt = app.screen.query_one("#new-prompt", TextArea)
        assert new_prompt.text == prompt
        await pilot.press(*" at dusk", "ctrl+g")
        await wait_until(pilot, lambda: len(history(home)) == 4, what="the remix job")
        remix = next(j for j in history(home) if j.kind == "remix")
        assert remix.parent_id == chosen and remix.params.prompt == prompt + " at dusk"
        await wait_until(pilot, lambda: next(j for j in history(home) if j.kind == "remix").status == JobStatus.DOWNLOADED,
                         what="the remix downloaded")
        # download its thumbnail too, from the variant menu
        await select_row(pilot, table, chosen)
        await pilot.press("D")
        await wait_until(pilot, lambda: isinstance(app.screen, ChoiceScreen), what="the download menu")
        await pilot.press("t")
        await wait_until(pilot, lambda: next(j for j in history(home) if j.local_id == chosen).file("thumbnail") is not None,
                         what="the thumbnail")
        # copy its prompt: no clipboard over SSH, so OSC 52 through the terminal
        await pilot.press("c")
        await wait_until(pilot, lambda: isinstance(app.screen, ChoiceScreen), what="the copy menu")
        await pilot.press("p")
        await wait_until(pilot, lambda: app.clipboard == prompt, what="the prompt copied")
        assert notified(app, "OSC 52")
        for key, expected in (("i", next(j for j in history(home) if j.local_id == chosen).video_id),
                              ("f", next(j for j in history(home) if j.local_id == chosen).file("video").path)):
            await pilot.press("c")
            await wait_until(pilot, lambda: isinstance(app.screen, ChoiceScreen), what="the copy menu")
            await pilot.press(key)
            await wait_until(pilot, lambda e=expected: app.clipboard == e, what=f"copy {key}")

    # after a restart, all of it is in the history
    app2 = SoraApp()
    async with app2.run_test(size=WIDE) as pilot:
        await wait_until(pilot, lambda: connected(app2), what="the engine again")
        await pilot.press("ctrl+o")
        await wait_until(pilot, lambda: isinstance(app2.screen, HistoryScreen), what="the history")
        screen = app2.screen
        results = screen.query_one(HistoryTable)
        await wait_until(pilot, lambda: results.row_count == 4, what="4 jobs")
        await pilot.press(*"at dusk")
        await wait_until(pilot, lambda: results.row_count == 1, what="the search")
        assert results.selected_local_id == remix.local_id
        await wait_until(pilot, lambda: chosen[-6:] in str(screen.query_one("#lineage", Static).render())
                         or any(j.short_id in str(screen.query_one("#lineage", Static).render())
                                for j in history(home) if j.local_id == chosen), what="the lineage")
        screen.query_one("#history-search", Input).value = ""
        screen.query_one("#filter-starred", Picker).value = "starred"
        await wait_until(pilot, lambda: results.row_count == 1 and results.selected_local_id == chosen, what="starred")
        # send it back to the composer
        await pilot.press("ctrl+j", "p")
        await wait_until(pilot, lambda: app2.screen is app2.main, what="back to the composer")
        assert app2.main.query_one("#prompt", TextArea).text == prompt


async def test_retry_takes_extend_edit_note_and_delete(home: Path, engine_daemon: Path) -> None:
    app = SoraApp()
    async with app.run_test(size=WIDE) as pilot:
        source = await generate_one(pilot, home, "a paper boat drifts down a gutter, rain ambience")
        table = app.main.query_one(JobTable)
        await select_row(pilot, table, source.local_id)

        await pilot.press("r")
        await wait_until(pilot, lambda: any(j.kind == "retry" for j in history(home)), what="the retry")
        await select_row(pilot, table, source.local_id)
        await pilot.press("v")
        await wait_until(pilot, lambda: sum(j.kind == "variation" for j in history(home)) == 2, what="2 more takes")
        takes = [j for j in history(home) if j.kind == "variation"]
        grouped = next(j for j in history(home) if j.local_id == source.local_id)
        assert grouped.group_id and all(t.group_id == grouped.group_id for t in takes)

        await select_row(pilot, table, source.local_id)
        await pilot.press("x")
        await wait_until(pilot, lambda: isinstance(app.screen, PromptScreen), what="the extend dialog")
        app.screen.query_one("#new-prompt", TextArea).text = "the boat reaches a storm drain and tips over"
        app.screen.query_one("#extend-seconds", Select).value = "8"
        await pilot.press("ctrl+g")
        await wait_until(pilot, lambda: any(j.kind == "extend" for j in history(home)), what="the extension")
        ext = next(j for j in history(home) if j.kind == "extend")
        assert ext.params.seconds == "12" and ext.extra["extension_seconds"] == "8"

        await select_row(pilot, table, source.local_id)
        await pilot.press("e")
        await wait_until(pilot, lambda: isinstance(app.screen, PromptScreen), what="the edit dialog")
        await pilot.press("escape")  # cancel: nothing is sent
        assert app.screen is app.main and not any(j.kind == "edit" for j in history(home))
        await pilot.press("e")
        await wait_until(pilot, lambda: isinstance(app.screen, PromptScreen), what="the edit dialog")
        app.screen.query_one("#new-prompt", TextArea).text = "   "
        await pilot.press("ctrl+g")
        assert isinstance(app.screen, PromptScreen) and notified(app, "prompt is empty")
        app.screen.query_one("#new-prompt", TextArea).text = "same shot, the boat is red"
        await pilot.press("ctrl+g")
        await wait_until(pilot, lambda: any(j.kind == "edit" for j in history(home)), what="the edit")

        await select_row(pilot, table, source.local_id)
        await pilot.press("n")
        await wait_until(pilot, lambda: isinstance(app.screen, NoteScreen), what="the note dialog")
        app.screen.query_one("#tags", Input).value = "keeper, rain ,keeper"
        app.screen.query_one("#notes", TextArea).text = "best motion [b]so far[/b]"
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: next(j for j in history(home) if j.local_id == source.local_id).tags == ["keeper", "rain"],
                         what="the tags")
        assert next(j for j in history(home) if j.local_id == source.local_id).notes == "best motion [b]so far[/b]"

        await select_row(pilot, table, source.local_id)
        await pilot.press("delete")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the confirmation")
        await pilot.press("n")
        await pilot.pause()
        assert not next(j for j in history(home) if j.local_id == source.local_id).extra.get("deleted_on_server")
        await pilot.press("delete")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the confirmation")
        await pilot.press("y")
        await wait_until(pilot, lambda: next(j for j in history(home) if j.local_id == source.local_id).extra.get("deleted_on_server"),
                         what="deleted on the server")
        await wait_until(pilot, lambda: str(table.get_cell(source.local_id, "expires")) == "deleted", what="the row")
        # the server no longer has it: a remix is refused with the server's reason, not a traceback
        await pilot.press("m")
        await wait_until(pilot, lambda: isinstance(app.screen, PromptScreen), what="the remix dialog")
        await pilot.press("ctrl+g")
        await wait_until(pilot, lambda: any(n.severity == "error" for n in notifications(app)), what="the refusal")
        assert app.is_running


async def test_actions_on_unfinished_jobs_explain_what_to_do(home: Path, engine_daemon: Path, tmp_path: Path) -> None:
    app = SoraApp()
    async with app.run_test(size=WIDE) as pilot:
        await wait_until(pilot, lambda: connected(app), what="the local engine")
        table = app.main.query_one(JobTable)
        await pilot.press("ctrl+j", "r")
        assert notified(app, "No job selected")
        # a job the server refused (moderation) cannot be remixed, opened or copied as a file
        app.main.query_one("#prompt", TextArea).text = "pikachu naps in a box"
        await pilot.press("ctrl+g")
        await wait_until(pilot, lambda: history(home) and history(home)[0].status == JobStatus.FAILED, what="the failure")
        failed = history(home)[0]
        await select_row(pilot, table, failed.local_id)
        await pilot.press("m")
        await wait_until(pilot, lambda: isinstance(app.screen, PromptScreen), what="the remix dialog")
        await pilot.press("ctrl+g")
        await wait_until(pilot, lambda: notified(app, "only a completed video can be used"), what="the explanation")
        await pilot.press("o")
        await wait_until(pilot, lambda: notified(app, "no downloaded video yet"), what="open refused")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, JobDetailScreen), what="details")
        text = str(app.screen.query_one("#detail-text", Static).render())
        assert "What to do:" in text and "moderation" in text.lower()
        await pilot.press("escape")


async def test_open_uses_the_system_player_when_there_is_a_display(home: Path, engine_daemon: Path, tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    # The one stand-in here: a real player cannot run on this machine, so a script plays xdg-open's part.
    bindir = tmp_path / "bin"
    bindir.mkdir()
    opened = tmp_path / "opened.txt"
    script = bindir / "xdg-open"
    script.write_text(f"#!/bin/sh\necho \"$1\" > {opened}\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("DISPLAY", ":99")
    app = SoraApp()
    async with app.run_test(size=WIDE) as pilot:
        await generate_one(pilot, home, "a lighthouse at night, waves crashing")
        await pilot.press("ctrl+j", "o")
        await wait_until(pilot, lambda: opened.exists() and opened.read_text().strip(), what="the player")
        assert opened.read_text().strip() == history(home)[0].file("video").path


async def test_reference_image_mismatch_offers_a_fit_and_sends_the_fitted_image(home: Path, engine_daemon: Path,
                                                                                tmp_path: Path) -> None:
    picture = tmp_path / "photo.png"
    Image.new("RGB", (640, 480), (200, 40, 40)).save(picture)
    app = SoraApp()
    async with app.run_test(size=WIDE) as pilot:
        await wait_until(pilot, lambda: connected(app), what="the local engine")
        app.main.query_one("#prompt", TextArea).text = "the red wall cracks open and light pours through"
        image = app.main.query_one("#image", Input)
        fit = app.main.query_one("#image-fit", Picker)
        note = app.main.query_one("#image-note", Static)
        image.value = str(tmp_path / "nope.png")
        await wait_until(pilot, lambda: "does not exist" in str(note.render()), what="the missing-file note")
        image.value = str(picture)
        await wait_until(pilot, lambda: fit.display and "640x480" in str(note.render()), what="the fit offer")
        # generating as is is refused by the check, with what to do
        await pilot.press("ctrl+g")
        await wait_until(pilot, lambda: notified(app, "must match the video size"), what="the refusal")
        assert history(home) == []
        fit.value = "pad"
        await pilot.press("ctrl+g")
        # the fitted first frame is shown before anything is sent; cancelling sends nothing
        await wait_until(pilot, lambda: isinstance(app.screen, PictureConfirmScreen), what="the fitted preview")
        assert app.screen.query_one(PicturePreview).frame_count == 1
        await pilot.press("n")
        await pilot.pause(0.3)
        assert history(home) == []
        await pilot.press("ctrl+g")
        await wait_until(pilot, lambda: isinstance(app.screen, PictureConfirmScreen), what="the fitted preview")
        await pilot.press("y")
        await wait_until(pilot, lambda: history(home) and history(home)[0].video_id, what="the job")
        sent = Path(history(home)[0].params.image)
        assert sent != picture and sent.is_file()
        with Image.open(sent) as img:
            assert img.size == (720, 1280)
            assert img.getpixel((0, 0)) == (0, 0, 0) and img.getpixel((360, 640)) == (200, 40, 40)  # letterboxed


async def test_help_palette_and_theme(home: Path, engine_daemon: Path) -> None:
    app = SoraApp()
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("f1")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen), what="help")
        console = Console(width=120, file=io.StringIO(), record=True)
        console.print(app.screen.query_one("#help-keys", Static).content)
        shown = console.export_text()
        for _, bindings in key_groups():
            for b in bindings:
                assert (b.tooltip or b.description).split()[0] in shown
        await pilot.press("escape")
        assert app.theme == "textual-dark"
        await pilot.press("ctrl+t")
        assert app.theme == "textual-light"
        await wait_until(pilot, lambda: (home / "ui.json").is_file(), what="the theme saved")
        await wait_until(pilot, lambda: connected(app), what="the local engine")
        app.main.query_one("#prompt", TextArea).text = "a snail on a leaf, macro, dew drops, rain ambience"
        await pilot.press("ctrl+g")
        await wait_until(pilot, lambda: bool(history(home)), what="the job")
        await pilot.press("ctrl+j")
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert "job: Retry" in titles and "view: History" in titles and "theme: Switch to dark" in titles
    app2 = SoraApp()
    async with app2.run_test(size=WIDE) as pilot:
        await pilot.pause()
        assert app2.theme == "textual-light"  # remembered


async def test_small_terminal_keeps_everything_reachable(home: Path, engine_daemon: Path) -> None:
    app = SoraApp()
    async with app.run_test(size=SMALL) as pilot:
        await wait_until(pilot, lambda: connected(app), what="the local engine")
        table = app.main.query_one(JobTable)
        assert app.main.has_class("-narrow") and table.compact
        assert [c.label.plain for c in table.columns.values()] == ["ID", "Prompt", "Status", "Progress", "ETA", "Files"]
        app.main.query_one("#prompt", TextArea).text = "a fox in snow, steady zoom-in, wind ambience"
        await pilot.press("ctrl+g")
        await wait_until(pilot, lambda: bool(history(home)) and history(home)[0].status == JobStatus.DOWNLOADED, what="the job")
        # the table and the footer are on screen, not pushed off it
        assert table.region.bottom <= 23 and table.region.height >= 4
        await pilot.resize_terminal(*WIDE)
        await wait_until(pilot, lambda: not table.compact, what="the wide columns")
        assert "Expires" in [c.label.plain for c in table.columns.values()]
        assert str(table.get_cell(history(home)[0].local_id, "status")) == "downloaded"


async def _history_screen_waiting(pilot: Any) -> Static:
    """ctrl+o while the history is still being read (its lock held): the screen is up and says it is opening."""
    await pilot.press("ctrl+o")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, HistoryScreen), what="the history screen")
    count = pilot.app.screen.query_one("#history-count", Static)
    await wait_until(pilot, lambda: "Opening the history" in str(count.render()), what="the opening note")
    return count


async def test_a_history_opened_while_connecting_fills_in_and_down_reaches_the_results(home: Path, engine_daemon: Path) -> None:
    """ctrl+o pressed before the history is read (here another process holds its lock, as a CLI writing does): the
    screen says it is opening, then shows the jobs once the session opens. Down from the search box goes to the
    results, enter there opens the job."""
    import fcntl

    from sora_tui.core.job import Job
    from sora_tui.core.params import GenerationParams
    from sora_tui.store import HistoryStore

    store = HistoryStore(home / "history.json")
    for prompt in ("a kite over dunes, slow pan", "a paper boat in a gutter, rain"):
        store.add(Job.new(GenerationParams(prompt), status=JobStatus.FAILED))
    store.close()
    lock = os.open(home / "history.json.lock", os.O_RDWR)
    fcntl.flock(lock, fcntl.LOCK_EX)
    try:
        app = SoraApp()
        async with app.run_test(size=SMALL) as pilot:
            count = await _history_screen_waiting(pilot)
            screen = app.screen
            assert not connected(app)
            fcntl.flock(lock, fcntl.LOCK_UN)
            results = screen.query_one(HistoryTable)
            await wait_until(pilot, lambda: results.row_count == 2 and "2 jobs" in str(count.render()), what="the jobs")
            await pilot.press(*"boat")
            await wait_until(pilot, lambda: results.row_count == 1, what="the search")
            await pilot.press("down")
            assert app.focused is results
            await pilot.press("enter")
            await wait_until(pilot, lambda: isinstance(app.screen, JobDetailScreen), what="the job's details")
    finally:
        os.close(lock)


async def test_a_history_opened_while_connecting_fills_in_when_the_server_cannot_be_reached(
        home: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The same, but the session then fails on its server (a key nobody set): the history it opened still fills the
    screen that was waiting for it, rather than staying at 'Opening the history…'."""
    import fcntl

    from sora_tui.core.job import Job
    from sora_tui.core.params import GenerationParams
    from sora_tui.store import HistoryStore

    config = tmp_path / "config.toml"
    config.write_text('default_profile = "lab"\n[profiles.lab]\nbase_url = "http://127.0.0.1:9/v1"\n'
                      'api_key_env = "LAB_KEY_THAT_IS_NOT_SET"\n', encoding="utf-8")
    monkeypatch.setenv("SORA_TUI_CONFIG", str(config))
    store = HistoryStore(home / "history.json")
    store.add(Job.new(GenerationParams("a kite over dunes, slow pan"), status=JobStatus.FAILED))
    store.close()
    lock = os.open(home / "history.json.lock", os.O_RDWR)
    fcntl.flock(lock, fcntl.LOCK_EX)
    try:
        app = SoraApp()
        async with app.run_test(size=SMALL) as pilot:
            count = await _history_screen_waiting(pilot)
            fcntl.flock(lock, fcntl.LOCK_UN)
            await wait_until(pilot, lambda: app.sub_title == "not connected", what="the failed connection")
            await wait_until(pilot, lambda: str(count.render()).startswith("1 job"), what="the job")
            assert app.screen.query_one(HistoryTable).row_count == 1
    finally:
        os.close(lock)


async def test_a_history_opened_while_connecting_says_so_when_the_history_then_cannot_open(home: Path) -> None:
    """While the screen waits for the history, its file turns into something the store cannot read (here a
    directory): the session fails, and the screen says the history could not open instead of 'Opening…' forever."""
    import fcntl
    import shutil

    from sora_tui.store import HistoryStore

    HistoryStore(home / "history.json").close()
    lock = os.open(home / "history.json.lock", os.O_RDWR)
    fcntl.flock(lock, fcntl.LOCK_EX)
    try:
        app = SoraApp()
        async with app.run_test(size=SMALL) as pilot:
            count = await _history_screen_waiting(pilot)
            for leftover in home.glob("history.json*"):
                if leftover.name != "history.json.lock":
                    shutil.rmtree(leftover) if leftover.is_dir() else leftover.unlink()
            (home / "history.json").mkdir()
            fcntl.flock(lock, fcntl.LOCK_UN)
            await wait_until(pilot, lambda: app.sub_title == "not connected", what="the failed session")
            await wait_until(pilot, lambda: "could not open; escape shows why" in str(count.render()), what="the note")
    finally:
        os.close(lock)


def test_readme_key_table_lists_every_key() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index("### Keys"):readme.index("### A first session")]
    missing = []
    for where, bindings in key_groups():
        for b in bindings:
            first = (b.key_display or b.key).split(",")[0].strip()
            if f"`{first}`" not in table and f"`{first} " not in table and f" `{first}`" not in table:
                missing.append(f"{where}: {first} ({b.description})")
    assert not missing, f"README's key table lacks: {missing}"


async def test_generate_pressed_before_the_engine_is_up_is_sent_once_it_is(home: Path, engine_daemon: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """The first keys of a session often beat the engine's start: the request is held, not refused, and sent
    once (pressing again while it waits does not make a second job)."""
    import asyncio

    from sora_tui import session as session_module

    gate = asyncio.Event()
    real = session_module.local_engine_url

    async def engine_url_after_the_gate(paths, profile):  # the real start, held back until the test says
        await gate.wait()
        return await real(paths, profile)

    monkeypatch.setattr(session_module, "local_engine_url", engine_url_after_the_gate)
    app = SoraApp()
    async with app.run_test(size=WIDE) as pilot:
        await wait_until(pilot, lambda: app.connecting, what="the session opening")
        await pilot.press("ctrl+g")  # an empty prompt is refused at once, not held for the server
        assert notified(app, "The prompt is empty") and app.main._held is None
        app.main.query_one("#prompt", TextArea).text = PROMPT
        await pilot.press("ctrl+g")
        await pilot.press("ctrl+g")
        assert not connected(app) and notified(app, "sent as soon as it answers")
        assert history(home) == []
        gate.set()
        await wait_until(pilot, lambda: len(history(home)) == 1, what="the held job sent")
        await pilot.pause(0.5)
        assert len(history(home)) == 1 and history(home)[0].params.prompt == PROMPT


async def test_generate_without_a_server_keeps_the_prompt_and_says_why(home: Path, monkeypatch: pytest.MonkeyPatch,
                                                                     tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('default_profile = "lab"\n[profiles.lab]\nbase_url = "http://127.0.0.1:9/v1"\n'
                      'api_key_env = "LAB_KEY_THAT_IS_NOT_SET"\n', encoding="utf-8")
    monkeypatch.setenv("SORA_TUI_CONFIG", str(config))
    app = SoraApp()
    async with app.run_test(size=WIDE) as pilot:
        await wait_until(pilot, lambda: app.sub_title == "not connected", what="the failed connection")
        app.main.query_one("#prompt", TextArea).text = PROMPT
        await pilot.press("ctrl+g")
        await wait_until(pilot, lambda: notified(app, "the prompt is kept"), what="the explanation")
        assert app.main.query_one("#prompt", TextArea).text == PROMPT and history(home) == []


async def test_the_composer_border_shows_where_the_focus_is_without_restyling_the_composer(home: Path, engine_daemon: Path) -> None:
    """Bright while the focus is inside the composer, dimmed outside it, in either theme; and a focus change restyles
    the widgets it concerns, not the composer's 30-odd (a `:focus-within` rule did: 24-33 ms each time)."""
    from textual.color import Color

    from sora_tui.tui.widgets.composer import PromptComposer

    app = SoraApp()
    async with app.run_test(size=WIDE) as pilot:
        await wait_until(pilot, lambda: connected(app), what="the local engine")
        composer = app.main.query_one(PromptComposer)

        def border() -> Color:
            return composer.styles.border_top[1]

        def primary() -> Color:
            return Color.parse(app.theme_variables["primary"])

        assert app.focused is app.main.query_one("#prompt") and border() == primary()
        restyled = count_restyles(app)
        await pilot.press("ctrl+j")  # to the job table
        await pilot.pause()
        assert app.focused is app.main.jobs_table and border() == primary().with_alpha(0.4)
        assert restyled and max(restyled) < 10, restyled  # the footer's keys one by one, not the composer at once
        await pilot.press("ctrl+l")  # back to the prompt
        await pilot.pause()
        assert border() == primary()
        app.theme = "textual-light" if app.theme != "textual-light" else "textual-dark"
        await pilot.pause()
        assert border() == primary()  # the new theme's colour
        await pilot.press("tab")  # to the next field of the composer: still inside
        await pilot.pause()
        assert app.focused is not app.main.query_one("#prompt") and border() == primary()
