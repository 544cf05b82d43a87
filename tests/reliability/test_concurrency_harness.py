"""Concurrency harness: the TUI and several CLI processes on one history at once lose and duplicate nothing,
and the TUI shows what the CLI started."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import pytest
from harness import KEY, server_videos, sha256, spawn_cli, write_section
from textual.widgets import DataTable, TextArea

from sora_tui.core.status import JobStatus
from sora_tui.engine import EngineConfig, start_engine_thread
from sora_tui.store import HistoryStore
from sora_tui.tui.app import SoraApp

CLI_PROCESSES = 4


async def test_tui_and_cli_share_one_history(home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    started = time.monotonic()
    engine = start_engine_thread(EngineConfig(speed="fast", state_dir=tmp_path / "engine"))
    try:
        app = SoraApp(base_url=engine.base_url)
        async with app.run_test(size=(120, 40)) as pilot:
            async def until(predicate, what: str, timeout: float = 120) -> None:
                end = time.monotonic() + timeout
                while not predicate():
                    assert time.monotonic() < end, f"timed out waiting for {what}"
                    await pilot.pause(0.1)

            await until(lambda: app.session is not None and app.session.service is not None, "the session")
            procs = [spawn_cli(home, engine.base_url, "generate", f"cli job {i}: a kite over dunes, slow pan left, wind",
                               "--seconds", "4", "--size", "1280x720", "--wait", "--download") for i in range(CLI_PROCESSES)]
            area = app.main.query_one("#prompt", TextArea)
            area.text = "tui job: a lighthouse at dusk, steady zoom-in, waves"
            app.main.query_one("#variations").value = "3"
            await pilot.press("ctrl+g", "ctrl+g")  # a --base-url server is priced: asked, then sent
            table = app.main.query_one(DataTable)
            total = CLI_PROCESSES + 3

            def all_downloaded_on_screen() -> bool:
                if table.row_count < total:
                    return False
                return all(str(table.get_cell(key, "status")) == "downloaded" for key in table.rows)

            await until(all_downloaded_on_screen, "every job, the CLI's included, downloaded on screen")
            cli_rows = sum(1 for key in table.rows if str(table.get_cell(key, "prompt")).startswith("cli job"))
            codes = [p.wait(timeout=120) for p in procs]
            errors = [p.stderr.read() for p in procs if p.stderr]
    finally:
        videos = {v.id for v in server_videos(engine.base_url)}
        state = engine.engine.state
        engine.stop()

    store = HistoryStore(home / "history.json")
    jobs = store.all()
    store.close()
    by_video = Counter(j.video_id for j in jobs)
    files = [p for p in (home / "downloads").iterdir() if p.suffix == ".mp4"]
    corrupt = sum(1 for j in jobs if j.file("video") is None
                  or sha256(Path(j.file("video").path)) != sha256(state.asset(j.video_id, "video")))
    lost = len(videos - set(by_video))
    write_section("concurrency", "Concurrency harness (TUI + CLI processes on one history)", [
        ("processes writing the history at once", f"1 TUI + {CLI_PROCESSES} CLI"),
        ("jobs submitted / in history / on the server", f"{CLI_PROCESSES + 3} / {len(jobs)} / {len(videos)}"),
        ("CLI jobs shown in the TUI's table, as downloaded", f"{cli_rows} of {CLI_PROCESSES}"),
        ("jobs lost", lost),
        ("jobs duplicated", sum(n - 1 for n in by_video.values() if n > 1)),
        ("video files on disk / jobs downloaded", f"{len(files)} / {sum(j.status == JobStatus.DOWNLOADED for j in jobs)}"),
        ("corrupt files", corrupt),
        ("wall time", f"{time.monotonic() - started:.0f} s"),
    ])
    assert codes == [0] * CLI_PROCESSES, errors
    assert cli_rows == CLI_PROCESSES
    assert len(jobs) == len(videos) == CLI_PROCESSES + 3 and lost == 0
    assert all(j.status == JobStatus.DOWNLOADED for j in jobs)
    assert len(files) == len(jobs) and corrupt == 0
    assert not list((home / "downloads").glob("*.part"))
