"""The minimal TUI, driven with Pilot against the real local engine it starts on demand, and a real history file."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import pytest
from pilot_helpers import connected, history, notifications, status_text, wait_until
from textual.widgets import DataTable, Static, TextArea

from sora_tui.core.status import JobStatus
from sora_tui.store import HistoryStore
from sora_tui.tui.app import SoraApp
from sora_tui.tui.screens.detail import JobDetailScreen
from sora_tui.tui.screens.history import HistoryScreen

PROMPT = "a red kite over a windy beach, slow pan left, gulls crying"
SIZE = (100, 30)


def table_cell(app: SoraApp, local_id: str, column: str) -> str:
    return str(app.main.query_one(DataTable).get_cell(local_id, column))


async def type_prompt(pilot, text: str) -> None:
    area = pilot.app.main.query_one("#prompt", TextArea)
    area.focus()
    area.text = text
    await pilot.pause()


async def test_fresh_start_generates_downloads_and_survives_restart(home: Path, engine_daemon: Path) -> None:
    app = SoraApp()
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: connected(app), what="the local engine")
        assert "local engine" in app.sub_title and "not AI" in app.sub_title
        assert "local engine · procedural renders" in status_text(app)
        await pilot.click("#prompt")
        await pilot.press(*"a red kite")
        assert app.main.query_one("#prompt", TextArea).text == "a red kite"
        await type_prompt(pilot, PROMPT)
        await pilot.press("ctrl+g")
        await wait_until(pilot, lambda: len(history(home)) == 1, what="the job in history")
        job = history(home)[0]
        await wait_until(pilot, lambda: history(home)[0].status == JobStatus.DOWNLOADED, what="the download")
        await wait_until(pilot, lambda: table_cell(app, job.local_id, "status") == "downloaded", what="the table row")
        assert table_cell(app, job.local_id, "progress").strip().endswith("100%")
        # focus stayed in the composer while the table updated
        assert app.focused is app.main.query_one("#prompt", TextArea)
    done = history(home)[0]
    video = done.file("video")
    assert video is not None and Path(video.path).is_file()
    assert hashlib.sha256(Path(video.path).read_bytes()).hexdigest() == video.sha256
    assert Path(video.path).with_suffix(".json").is_file()  # the sidecar with the provenance label

    # a new app process-worth of state: the job is back in the table from the history file
    app2 = SoraApp()
    async with app2.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app2.main.query_one(DataTable).row_count == 1, what="history in the table")
        assert table_cell(app2, done.local_id, "status") == "downloaded"
        assert PROMPT[:17] in table_cell(app2, done.local_id, "prompt")


async def test_empty_prompt_is_refused_with_a_message_and_nothing_written(home: Path, engine_daemon: Path) -> None:
    app = SoraApp()
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: connected(app), what="the local engine")
        await type_prompt(pilot, "   \n  ")
        await pilot.press("ctrl+g")
        await pilot.pause(0.3)
        messages = [n.message for n in notifications(app)]
        assert any("prompt" in m.lower() and "empty" in m.lower() for m in messages), messages
    assert history(home) == []


async def test_markup_and_control_characters_in_a_prompt_are_shown_literally(home: Path, engine_daemon: Path) -> None:
    nasty = "[/bold] oops [@click=app.quit]x[/] [$accent]hi :rocket: end"
    app = SoraApp()
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: connected(app), what="the local engine")
        # a terminal escape sequence pasted into a prompt is refused, with where it is
        await type_prompt(pilot, "a kite \x1b]0;pwned\x07 over the sea")
        await pilot.press("ctrl+g")
        await wait_until(pilot, lambda: any("control character" in n.message for n in notifications(app)), what="refusal")
        assert "U+001B at position 8" in next(n.message for n in notifications(app) if "control character" in n.message)
        assert history(home) == []
        await type_prompt(pilot, nasty)
        await pilot.press("ctrl+g")
        await wait_until(pilot, lambda: len(history(home)) == 1, what="the job")
        job = history(home)[0]
        await wait_until(pilot, lambda: job.local_id in app.main.query_one(DataTable).rows, what="the row")
        cell = table_cell(app, job.local_id, "prompt")
        assert cell.startswith("[/bold] oops [@cli")
        app.main.query_one(DataTable).focus()
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, JobDetailScreen), what="the detail screen")
        detail = str(app.screen.query_one("#detail-text", Static).render())
        assert "[@click=app.quit]x[/] [$accent]hi :rocket: end" in detail
        await pilot.press("escape")
        assert app.is_running  # the [@click=app.quit] text was never an action


async def test_retry_and_download_from_the_job_table(home: Path, engine_daemon: Path) -> None:
    app = SoraApp()
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: connected(app), what="the local engine")
        await type_prompt(pilot, PROMPT)
        await pilot.press("ctrl+g")
        await wait_until(pilot, lambda: [j.status for j in history(home)] == [JobStatus.DOWNLOADED], what="first job")
        await pilot.press("ctrl+j")
        assert app.focused is app.main.query_one(DataTable)
        await pilot.press("r")
        await wait_until(pilot, lambda: len(history(home)) == 2, what="the retry")
        jobs = sorted(history(home), key=lambda j: j.created_at)
        assert jobs[1].kind == "retry" and jobs[1].parent_id == jobs[0].local_id
        assert jobs[1].params == jobs[0].params
        await wait_until(pilot, lambda: all(j.status == JobStatus.DOWNLOADED for j in history(home)), what="retry done")
        # d on an already downloaded job answers with the file, without a second copy
        await pilot.press("d")
        await wait_until(pilot, lambda: any("Saved" in n.message for n in notifications(app)), what="the save note")
    files = sorted(p.name for p in (home / "downloads").glob("*.mp4"))
    assert len(files) == 2


async def test_unreachable_server_gives_one_clear_message_and_no_crash(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-a-real-key-123456")
    app = SoraApp(base_url="http://127.0.0.1:9/v1")  # the discard port: nothing listens
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: connected(app), what="the session")
        await type_prompt(pilot, PROMPT)
        await pilot.press("ctrl+g", "ctrl+g")  # a --base-url server is priced: the first asks, the second sends
        await wait_until(pilot, lambda: any(n.severity == "error" for n in notifications(app)), what="the error")
        errors = [n.message for n in notifications(app) if n.severity == "error"]
        assert any("127.0.0.1:9" in m or "reach" in m.lower() for m in errors), errors
        assert all("sk-test-not-a-real-key" not in n.message for n in notifications(app))
        assert app.is_running
    jobs = history(home)
    assert len(jobs) == 1 and jobs[0].status == JobStatus.FAILED  # written before the request, then marked


async def test_session_failure_is_shown_not_raised_and_the_history_stays_browsable(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # a profile that needs a key nobody set: the app stays up and says what to set; the history (which did open)
    # can still be searched and read, and what needs the server says why it cannot run
    from sora_tui.core.job import Job
    from sora_tui.core.params import GenerationParams

    config = home / "config.toml"
    config.write_text('default_profile = "proxy"\n[profiles.proxy]\nbase_url = "http://127.0.0.1:9/v1"\n'
                      'api_key_env = "SORA_TUI_TEST_MISSING_KEY"\n')
    monkeypatch.delenv("SORA_TUI_TEST_MISSING_KEY", raising=False)
    store = HistoryStore(home / "history.json")
    old = Job.new(GenerationParams(PROMPT), status=JobStatus.COMPLETED, video_id="video_" + "a" * 32, profile="proxy",
                  server="http://127.0.0.1:9/v1")
    store.add(old)
    store.close()
    app = SoraApp()
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.sub_title == "not connected", what="the failure")
        assert "SORA_TUI_TEST_MISSING_KEY" in status_text(app)
        await type_prompt(pilot, PROMPT)
        await pilot.press("ctrl+g")
        await wait_until(pilot, lambda: any("the prompt is kept" in n.message for n in notifications(app)), what="the refusal")
        refusal = next(n.message for n in notifications(app) if "the prompt is kept" in n.message)
        assert "needs an API key" in refusal and "F3 switches profile" in refusal and "wait a moment" not in refusal

        app.main.query_one(DataTable).focus()
        await pilot.press("r")  # a retry needs the server: it says why there is none
        await wait_until(pilot, lambda: sum("SORA_TUI_TEST_MISSING_KEY" in n.message for n in notifications(app)) == 2,
                         what="the retry's refusal")
        await pilot.press("enter")  # the details only read the history
        await wait_until(pilot, lambda: isinstance(app.screen, JobDetailScreen), what="the details")
        await pilot.press("escape")

        await pilot.press("ctrl+o")
        await wait_until(pilot, lambda: isinstance(app.screen, HistoryScreen), what="the history screen")
        count = app.screen.query_one("#history-count")
        await wait_until(pilot, lambda: str(count.render()).startswith("1 job"), what="the history's one job")
        await pilot.press(*"kite")
        await wait_until(pilot, lambda: "matching kite" in str(count.render()), what="the search")
        assert app.screen.query_one(DataTable).row_count == 1
        assert app.is_running
    jobs = history(home)
    assert [j.local_id for j in jobs] == [old.local_id]  # nothing sent, nothing added


async def test_an_unexpected_error_writes_a_report_not_a_traceback(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = "sk-live-never-show-this-987654"
    monkeypatch.setenv("OPENAI_API_KEY", secret)

    class Broken(SoraApp):
        BINDINGS = [("f9", "explode", "Explode")]

        def action_explode(self) -> None:
            api_key = secret  # noqa: F841 - a local that Textual's traceback would have printed
            raise RuntimeError("boom in a handler")

    app = Broken(base_url="http://127.0.0.1:9/v1")
    with pytest.raises(RuntimeError):
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("f9")
            await pilot.pause()
    assert app.return_code == 70
    assert app._exit_renderables == []  # nothing queued for the terminal
    assert app.crash_summary == "RuntimeError: boom in a handler"
    report = app.crash_report
    assert report is not None and report.parent == home / "crash"
    text = report.read_text()
    assert "boom in a handler" in text and secret not in text


async def test_a_refused_key_is_one_notification_not_a_flood(home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from sora_tui.core.job import Job
    from sora_tui.core.params import GenerationParams
    from sora_tui.engine import EngineConfig, start_engine_thread

    wrong = "sk-wrong-key-for-the-tui-42424242"
    monkeypatch.setenv("OPENAI_API_KEY", wrong)
    with start_engine_thread(EngineConfig(speed="instant", state_dir=tmp_path / "e", api_key="sk-right")) as engine:
        store = HistoryStore(home / "history.json")
        for i in range(3):  # jobs an earlier session left running: the tracker polls for them at once
            store.add(Job.new(GenerationParams(f"{PROMPT} {i}"), status=JobStatus.QUEUED, video_id=f"video_{i:032x}",
                              profile="custom", server=engine.base_url))
        store.close()
        app = SoraApp(base_url=engine.base_url)
        async with app.run_test(size=SIZE) as pilot:
            await wait_until(pilot, lambda: any(n.severity == "error" for n in notifications(app)), what="the auth error")
            await pilot.pause(2.5)  # several poll intervals
            errors = [n.message for n in notifications(app) if n.severity == "error"]
            assert len(errors) == 1 and "refused the API key" in errors[0], errors
            assert all(wrong not in n.message for n in notifications(app))
            await wait_until(pilot, lambda: "refused the API key" in status_text(app), what="the status line")
            assert wrong not in status_text(app)
            assert app.is_running


async def test_a_damaged_history_and_an_unusable_data_dir_are_explained(home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (home / "history.json").write_text('{"jobs": {"1": {"local_id": "job_x", "par')  # cut mid-write
    app = SoraApp(base_url="http://127.0.0.1:9/v1")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-anything-1234")
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: any("damaged" in n.message for n in notifications(app)), what="the note")
        note = next(n.message for n in notifications(app) if "damaged" in n.message)
        assert "kept as" in note and "new, empty history" in note
    assert len(list(home.glob("history.json.corrupt-*"))) == 1

    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    monkeypatch.setenv("SORA_TUI_HOME", str(blocker / "home"))
    app = SoraApp(base_url="http://127.0.0.1:9/v1")
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.sub_title == "not connected", what="the failure")
        assert "cannot use the data directory" in status_text(app) and "SORA_TUI_HOME" in status_text(app)
        assert app.is_running
        await pilot.press("ctrl+o")  # the history cannot open either: it says so, and where to read why
        await wait_until(pilot, lambda: isinstance(app.screen, HistoryScreen), what="the history screen")
        count = app.screen.query_one("#history-count")
        await wait_until(pilot, lambda: "could not open; escape shows why" in str(count.render()), what="the history's note")


async def test_a_thousand_new_jobs_at_once_are_shown_in_turns_with_the_loop_free_between(home: Path, engine_daemon: Path) -> None:
    """A tracker round (or an import) bringing 1,000 jobs the table has not got: a few hundred rows a turn, keys and
    timers handled between turns, every job shown in the order it came (all at once held the loop ~100 ms)."""
    import asyncio
    import time

    from sora_tui.core.job import Job
    from sora_tui.core.params import GenerationParams
    from sora_tui.service.events import JobProgressed

    app = SoraApp()
    async with app.run_test(size=(160, 45)) as pilot:
        await wait_until(pilot, lambda: connected(app), what="the local engine")
        table = app.main.jobs_table
        before = table.row_count
        turns: list[int] = []
        real = app._show_pending_jobs

        def counting() -> None:
            waiting = len(app._pending_jobs)
            real()
            turns.append(waiting - len(app._pending_jobs))

        app._show_pending_jobs = counting  # type: ignore[method-assign]
        jobs = [Job.new(GenerationParams(f"batch job {i}: a kite over dunes"), status=JobStatus.IN_PROGRESS,
                        video_id=f"video_{i:032x}", progress=5, submitted_at=time.time()) for i in range(1000)]
        for job in jobs:
            app._on_service_event(JobProgressed(job))
        between: list[int] = []
        asyncio.get_running_loop().call_later(0.001, lambda: between.append(table.row_count))  # a timer meanwhile
        await wait_until(pilot, lambda: table.row_count == before + 1000, what="every new job")
        assert sum(turns) == 1000 and max(turns) <= SoraApp.SHOWN_PER_TURN and len(turns) >= 5
        assert between and before < between[0] < before + 1000  # the timer ran while the rows were still coming
        keys = [row.value for row in list(table.rows)[before:]]
        assert keys == [job.local_id for job in jobs]


def test_the_first_app_of_a_process_settles_the_interpreter_for_an_interactive_loop() -> None:
    """In a fresh process (these settings are the process's): making the app hands the GIL back within 1 ms, collects
    young objects every 10,000 allocations, holds full passes back and freezes what was loaded out of the full passes; a second app changes
    nothing more. Whoever makes a SoraApp gets them (the sora-tui command, a benchmark, a test)."""
    import subprocess
    import sys

    code = (
        "import gc, sys\n"
        "before = (sys.getswitchinterval(), gc.get_threshold()[0], gc.get_freeze_count())\n"
        "from sora_tui.tui.app import SoraApp\n"
        "SoraApp(); frozen = gc.get_freeze_count(); SoraApp()\n"
        "print(before, sys.getswitchinterval(), gc.get_threshold(), frozen > 1000, gc.get_freeze_count() == frozen)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False)
    assert out.returncode == 0, out.stderr
    # full passes: the app's, in a pause of the keys (test_quiet_collections.py), or the collector's after 100
    assert out.stdout.split() == ["(0.005,", "700,", "0)", "0.001", "(10000,", "3,", "100)", "True", "True"], out.stdout


def test_the_collector_waits_out_the_first_frame_and_runs_after_it(tmp_path: Path) -> None:
    """No collection runs while the modules load or the first frame is built (all of it lives on), the collector
    runs again once that frame is drawn, and an app that stops before drawing anything does not leave it off.
    In a fresh process, headless, as the cold-start benchmark starts the app."""
    import os
    import subprocess
    import sys

    code = (
        "import gc, sys\n"
        "ran = []  # for each collection: had Textual started loading?\n"
        "gc.callbacks.append(lambda phase, info: phase == 'start' and ran.append('textual' in sys.modules))\n"
        "from sora_tui.tui.app import SoraApp\n"
        "after_imports = (gc.isenabled(), ran.count(True))\n"  # with no bytecode cached, compiling app.py collects
        "imported = len(ran)\n"
        "class First(SoraApp):\n"
        "    def on_main_screen_ready(self, event):\n"
        "        self.built = (gc.isenabled(), len(ran) - imported)\n"
        "        super().on_main_screen_ready(event)\n"
        "        self.call_after_refresh(lambda: self.call_after_refresh(self.drawn))\n"
        "    def drawn(self):\n"
        "        self.after = gc.isenabled()\n"
        "        self.exit()\n"
        "app = First(); app.run(headless=True, size=(120, 40))\n"
        "class Stopped(SoraApp):\n"
        "    def on_mount(self):\n"
        "        self.exit()\n"
        "Stopped().run(headless=True, size=(120, 40))\n"
        "print(after_imports, app.built, app.after, gc.isenabled())\n"
    )
    env = {**os.environ, "SORA_TUI_HOME": str(tmp_path), "SORA_TUI_CONFIG": str(tmp_path / "none.toml"),
           "SORA_TUI_ENGINE_SPEED": "instant"}
    try:
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=env,
                             check=False)
    finally:
        from sora_tui.engine import stop_engine

        stop_engine(tmp_path / "engine")
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["(True,", "0)", "(False,", "0)", "True", "True"], out.stdout


def kites(home: Path, n: int, more: Callable[[int], str] = lambda i: "") -> list:
    """A history of n completed jobs, "kite number i" (plus `more(i)`), one a minute, compacted; oldest first."""
    from sora_tui.core.job import Job
    from sora_tui.core.params import GenerationParams

    store = HistoryStore(home / "history.json")
    jobs = []
    for i in range(n):
        job = Job.new(GenerationParams(f"kite number {i}{more(i)}"), status=JobStatus.COMPLETED, video_id=f"video_{i:032x}")
        job.created_at = 1_700_000_000 + i * 60
        store.add(job)
        jobs.append(job)
    store.compact()
    store.close()
    return jobs


async def test_a_large_history_reads_only_the_rows_it_shows_and_says_how_many_match(home: Path) -> None:
    """1,200 jobs: the browser shows the newest 500 and counts them all; a search matching more than 500 says so (it
    stopped there: only what is shown is read), a narrower one gives its exact count."""
    from textual.widgets import Input

    from sora_tui.tui.screens.history import SHOWN, HistoryTable

    newest = kites(home, 1_200, lambda i: ", lighthouse at dusk" if i % 40 == 0 else "")[-1]
    app = SoraApp(base_url="http://127.0.0.1:9/v1")  # no server: browsing the history needs none
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.press("ctrl+o")
        await wait_until(pilot, lambda: isinstance(app.screen, HistoryScreen), what="the history screen")
        count, results = app.screen.query_one("#history-count", Static), app.screen.query_one(HistoryTable)
        await wait_until(pilot, lambda: str(count.render()).startswith("1,200 jobs"), what="the whole history's count")
        assert str(count.render()) == f"1,200 jobs (the newest {SHOWN} shown; narrow the search)"
        assert results.selected_local_id == newest.local_id
        assert results.row_count == len(results.jobs) == results.rows_at_once() < SHOWN  # the rest as they are scrolled to
        await pilot.press(*"kite")
        await wait_until(pilot, lambda: "matching kite" in str(count.render()), what="the wide search")
        assert str(count.render()) == f"more than {SHOWN} jobs matching kite (the newest {SHOWN} shown; narrow the search)"
        # once that page is drawn, the browser scans on in a thread: every match of "kite" known for the next key
        history = app.screen.history
        await wait_until(pilot, lambda: history._narrowing is not None and history._narrowing[3] == 1_200,
                         what="the rest of the matches scanned")
        app.screen.query_one("#history-search", Input).value = ""
        await pilot.press(*"LIGHTHOUSE")
        await wait_until(pilot, lambda: "matching LIGHTHOUSE" in str(count.render()), what="the narrow search")
        assert str(count.render()) == "30 jobs matching LIGHTHOUSE" and results.row_count == 30


async def test_a_search_after_scrolling_down_the_results_replaces_them(home: Path) -> None:
    """The results beyond the first screens are added as they are scrolled to; a new search after scrolling down
    shows its own rows (clearing the old ones scrolls to the top, which once added the old search's next rows and
    the new search failed on them)."""

    from sora_tui.tui.screens.history import SHOWN, HistoryTable

    kites(home, 700)
    app = SoraApp(base_url="http://127.0.0.1:9/v1")
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.press("ctrl+o")
        await wait_until(pilot, lambda: isinstance(app.screen, HistoryScreen), what="the history screen")
        count, results = app.screen.query_one("#history-count", Static), app.screen.query_one(HistoryTable)
        await pilot.press(*"kite")
        await wait_until(pilot, lambda: "matching kite" in str(count.render()), what="the first search")
        assert results.row_count < SHOWN  # the rest come as they are scrolled to
        results.focus()
        for _ in range(3):
            await pilot.press("pagedown")
        first = results.rows_at_once()
        await wait_until(pilot, lambda: results.row_count > first, what="more rows as the view nears them")
        assert results.cursor_row > 40
        await pilot.press("ctrl+f", "end")  # back to the search box (its text selected), to its end
        await pilot.press("space", *"number", "space", "1")
        await wait_until(pilot, lambda: "matching kite number 1" in str(count.render()), what="the second search")
        assert str(count.render()) == "111 jobs matching kite number 1"  # 1, 10-19, 100-199
        shown = [str(results.get_cell(key, "prompt")) for key in results.rows]
        assert len(shown) == results.rows_at_once() < 111  # its first rows, only its own
        assert all("kite number 1" in prompt for prompt in shown) and len(set(shown)) == len(shown)
        results.focus()
        for _ in range(3):
            await pilot.press("pagedown")  # and its own next rows come as the view nears them
        await wait_until(pilot, lambda: results.row_count == 111, what="the rest of the second search")
        shown = [str(results.get_cell(key, "prompt")) for key in results.rows]
        assert all("kite number 1" in prompt for prompt in shown) and len(set(shown)) == 111


async def test_when_more_results_cannot_be_read_the_browser_says_so_and_keeps_its_rows(home: Path) -> None:
    """The history file is damaged under the open browser (cut short by something else): scrolling on to rows not
    read yet says what failed, the rows shown stay, and scrolling again asks again (never a traceback)."""
    import os

    from sora_tui.tui.screens.history import HistoryTable

    kites(home, 300)
    app = SoraApp(base_url="http://127.0.0.1:9/v1")
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.press("ctrl+o")
        await wait_until(pilot, lambda: isinstance(app.screen, HistoryScreen), what="the history screen")
        results = app.screen.query_one(HistoryTable)
        await wait_until(pilot, lambda: results.row_count > 0, what="the first rows")
        first = results.row_count
        os.truncate(home / "history.json", 1000)
        results.focus()

        def failures() -> list[str]:
            return [n.message for n in notifications(app) if "more of the search's results stopped" in n.message]

        for _ in range(3):
            await pilot.press("pagedown")
        await wait_until(pilot, lambda: failures(), what="the failure said")
        assert "damaged" in failures()[0] and "history.json" in failures()[0]
        assert results.row_count == first and app.is_running
        await pilot.press("pageup", "pagedown", "pagedown")  # asks again (and says so again)
        await wait_until(pilot, lambda: len(failures()) >= 2, what="the second try")
        await pilot.press("ctrl+f", *"kite")  # a new search says why it cannot run, the rows stay
        await wait_until(pilot, lambda: any("search the history stopped" in n.message for n in notifications(app)),
                         what="the search's failure said")
        assert results.row_count == first and app.is_running


async def test_the_clock_that_fires_while_the_app_closes_does_nothing(home: Path, engine_daemon: Path) -> None:
    """The one-second interval can fire after the screens are closed and before the app's timers stop; it used to
    look the workbench up in an empty screen stack and end the run with a RuntimeError."""
    app = SoraApp()
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: connected(app), what="the local engine")
        workbench = app.main
    assert app.screen_stack == []
    assert app.main is workbench
    app._tick()  # what the interval calls, at the moment it raced the shutdown


async def test_a_job_that_changes_while_its_screens_open_is_shown_when_they_are(home: Path, engine_daemon: Path) -> None:
    """A tracker round can reach the details or the history in the moment between their push and their compose;
    it used to look for widgets not made yet and end the app with NoMatches."""
    from sora_tui.core.job import Job
    from sora_tui.core.params import GenerationParams

    app = SoraApp()
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: connected(app), what="the local engine")
        job = Job.new(GenerationParams(PROMPT), status=JobStatus.QUEUED)
        details = JobDetailScreen(job)
        app.push_screen(details)
        job.status = JobStatus.IN_PROGRESS
        details.show_job(job)  # before it is composed
        await wait_until(pilot, lambda: details.is_mounted, what="the details")
        assert "in progress" in str(details.query_one("#detail-text", Static).render())
        app.pop_screen()
        browser = HistoryScreen()
        app.push_screen(browser)
        browser.show_job(job)  # before it is composed: it reads the history when it opens
        await wait_until(pilot, lambda: browser.is_mounted, what="the history")
