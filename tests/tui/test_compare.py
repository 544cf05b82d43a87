"""The compare view: takes side by side on one clock, their prompts' differences, keep and sound, at 80x24 and 160x45.

The takes are real: clips rendered by the local engine, their spritesheets and videos on disk, in a real history,
in the real app (the local engine it starts on demand)."""

from __future__ import annotations

import os
import shutil
import stat
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pilot_helpers import connected, notifications, wait_until
from scenes import CONFIG, NOW, STARRED, seed_history

from sora_tui.core.job import FileRecord, Job
from sora_tui.core.params import GenerationParams
from sora_tui.core.status import JobStatus
from sora_tui.engine.render import RenderSpec, render
from sora_tui.tui.screens.compare import CompareScreen
from sora_tui.tui.screens.compare_clock import TakeClock, frame_at, time_code
from sora_tui.tui.screens.compare_takes import ADDED, REMOVED, diff_text, take_frames
from sora_tui.tui.widgets.frames import PreviewError
from sora_tui.tui.widgets.preview import PicturePreview

SIZES = {"small": (80, 24), "wide": (160, 45)}
KITE = "a red kite climbs over a windswept beach at golden hour, slow dolly left"


# --- the clock ---------------------------------------------------------------------------------------------

def test_takes_alike_show_the_same_frame_at_every_step() -> None:
    clock = TakeClock([20.0] * 4)
    for take in range(4):
        clock.set_count(take, 10)
    assert clock.positions == 10
    seen = []
    for _ in range(25):  # round the loop more than twice
        seen.append([clock.index(take) for take in range(4)])
        clock.move(1)
    assert all(len(set(row)) == 1 for row in seen)
    assert [row[0] for row in seen[:11]] == [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0]
    clock.move(-1)
    assert clock.index(0) == 4  # back from 5 (25 steps on, then one back)


def test_takes_of_different_lengths_show_the_same_time_code() -> None:
    clock = TakeClock([4.0, 8.0])
    clock.set_count(0, 10)
    clock.set_count(1, 10)
    assert clock.step == pytest.approx(4 / 9)
    assert clock.positions == 19  # to the end of the longer take
    clock.position = 9  # 4 s: the short take's last frame, the long one's half-way frame
    assert (clock.index(0), clock.index(1)) == (9, round(4 / 8 * 9))
    clock.position = 18
    assert (clock.index(0), clock.index(1)) == (9, 9)  # the short one ended: it stays on its last frame
    assert frame_at(2.0, 8.0, 1) == 0  # a still is always its one frame


def test_a_take_loaded_late_keeps_the_time_code_shown() -> None:
    clock = TakeClock([8.0, 8.0])
    clock.set_count(0, 3)  # 4 s between frames
    clock.position = 1
    assert clock.time == pytest.approx(4.0)
    clock.set_count(1, 10)  # now 8/9 s between frames: the same 4 s is another position
    assert abs(clock.time - 4.0) <= 8 / 9 / 2 + 1e-9  # the nearest position of the new step
    assert time_code(4.0) == "0:04.0" and time_code(75.25) == "1:15.2"


# --- the prompt diff ---------------------------------------------------------------------------------------

def _styled(text, style) -> list[str]:
    return [text.plain[span.start:span.end] for span in text.spans if span.style == style]


def test_diff_marks_removed_and_added_words_and_cuts_what_is_unchanged() -> None:
    old = "a red kite climbs over a windswept beach at golden hour, slow dolly left, cinematic 35 mm"
    new = "a red kite climbs over a windswept beach at dusk, slow dolly left, cinematic 35 mm"
    text = diff_text(old, new)
    assert _styled(text, REMOVED) == ["golden hour"]
    assert _styled(text, ADDED) == ["dusk"]
    assert text.plain == "… windswept beach at golden hour dusk, slow dolly left …"  # a few words either side


def test_diff_of_japanese_is_by_runs_of_one_script() -> None:
    text = diff_text("夕暮れの海辺で赤い凧", "夜明けの海辺で赤い凧")
    [removed], [added] = _styled(text, REMOVED), _styled(text, ADDED)
    assert removed.startswith("夕暮") and added.startswith("夜明")
    assert "海辺で赤い凧" in text.plain and "海辺" not in removed + added  # the rest unchanged, not per character


# --- a take's pictures -------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory):
    return render(RenderSpec(KITE, 320, 180, 1.0, seed=3), tmp_path_factory.mktemp("clip"))


def _take(local_id: str, files: list[FileRecord], status: JobStatus = JobStatus.DOWNLOADED, prompt: str = KITE,
          seconds: str = "4", group: str | None = "grp_cmp") -> Job:
    job = Job.new(GenerationParams(prompt, size="1280x720", seconds=seconds), status=status, group_id=group)
    job.local_id, job.files = local_id, files
    return job


def test_a_take_shows_its_spritesheet_else_its_video_else_says_why(clip, tmp_path: Path) -> None:
    sheet = FileRecord("spritesheet", str(clip.spritesheet), 1, "")
    video = FileRecord("video", str(clip.video), 1, "")
    assert len(take_frames(_take("a", [sheet, video]))) == 10
    from_video = take_frames(_take("b", [video]))  # no pictures downloaded: the same frames, from the video
    assert len(from_video) == 10 and from_video[0].size[0] == 160
    assert len(take_frames(_take("c", [FileRecord("thumbnail", str(clip.thumbnail), 1, "")]))) == 1
    with pytest.raises(PreviewError, match="gone.mp4.*not on disk"):
        take_frames(_take("d", [FileRecord("video", str(tmp_path / "gone.mp4"), 1, "")]))
    with pytest.raises(PreviewError, match="Not downloaded"):
        take_frames(_take("e", [], JobStatus.COMPLETED))
    with pytest.raises(PreviewError, match="in progress"):
        take_frames(_take("f", [], JobStatus.IN_PROGRESS))


async def test_a_flipbook_on_another_clock_never_moves_by_itself(clip) -> None:
    from textual.app import App

    from sora_tui.tui.widgets.frames import load_frames

    class One(App[None]):
        def compose(self):
            yield PicturePreview(own_clock=False)

    async with One().run_test(size=(40, 12)) as pilot:
        preview = pilot.app.query_one(PicturePreview)
        preview.show_frames(load_frames(clip.spritesheet))
        assert not preview.can_focus and not preview.playing
        await pilot.pause(0.6)  # more than two frames' time at the details' 4 fps
        assert preview.frame_index == 0
        preview.show_index(4)
        assert preview.frame_index == 4
        preview.show_index(99)  # past the end: the last frame
        assert preview.frame_index == 9


# --- the screen, in the app --------------------------------------------------------------------------------

@pytest.fixture
def seeded(home: Path, engine_daemon: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    from sora_tui.tui.widgets import job_list

    monkeypatch.setenv("TZ", "UTC")
    monkeypatch.setenv("SORA_TUI_CONFIG", str(CONFIG))
    time.tzset()
    monkeypatch.setattr(job_list, "clock", lambda: NOW)
    seed_history(home)
    yield home
    monkeypatch.delenv("TZ")
    time.tzset()


@pytest.fixture
def rendered(home: Path, engine_daemon: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[Job]:
    """A group of three downloaded takes (video, spritesheet; one with its video only) and a fourth with another
    prompt, none of them in a group with the others: real clips of the local engine."""
    from sora_tui.store import HistoryStore

    monkeypatch.setenv("SORA_TUI_CONFIG", str(tmp_path / "no-config.toml"))
    jobs = []
    for n, seed in enumerate((1, 2, 3)):
        out = render(RenderSpec(KITE, 320, 180, 2.0, seed=seed), tmp_path / f"take{n}")
        files = [FileRecord("video", str(out.video), out.video.stat().st_size, "")]
        if n < 2:
            files.append(FileRecord("spritesheet", str(out.spritesheet), out.spritesheet.stat().st_size, ""))
        job = _take(f"job_cmp_{n}", files, seconds="2")
        job.created_at = job.updated_at = time.time() - 100 + n
        jobs.append(job)
    lone = _take("job_cmp_lone", [], JobStatus.COMPLETED, prompt="a paper boat in the rain", group=None)
    store = HistoryStore(home / "history.json")
    try:
        for job in [*jobs, lone]:
            store.add(job)
    finally:
        store.close()
    return jobs


async def _opened(pilot, local_id: str | None = None) -> CompareScreen:
    from sora_tui.tui.widgets.job_table import JobTable

    app = pilot.app
    await wait_until(pilot, lambda: app.session is not None and app.main.query_one(JobTable).row_count > 0,
                     what="the history", timeout=30)
    if local_id is not None:
        app.run_job_action("compare", local_id)
        await wait_until(pilot, lambda: isinstance(app.screen, CompareScreen) and app.screen.loaded,
                         what="the compare view", timeout=30)
    return app.screen


async def test_takes_of_a_group_play_in_step_and_step_together(rendered: list[Job]) -> None:
    from sora_tui.tui.app import SoraApp

    async with SoraApp().run_test(size=(160, 45)) as pilot:
        screen = await _opened(pilot, "job_cmp_1")
        assert [job.local_id for job in screen.takes] == ["job_cmp_0", "job_cmp_1", "job_cmp_2"]  # as made
        previews = screen.previews()
        await wait_until(pilot, lambda: all(p.frame_count == 10 for p in previews), what="the frames", timeout=60)
        assert screen.playing
        seen = set()
        for _ in range(12):  # playing: every frame drawn shows the same frame in every take
            indexes = screen.frame_indexes()
            assert len(set(indexes)) == 1, indexes
            seen.add(indexes[0])
            await pilot.pause(0.1)
        assert len(seen) > 1  # and it moved
        await pilot.press("space")
        assert not screen.playing
        at = screen.frame_indexes()[0]
        await pilot.pause(0.6)
        assert screen.frame_indexes() == [at] * 3  # paused
        await pilot.press("full_stop")
        assert screen.frame_indexes() == [(at + 1) % 10] * 3
        await pilot.press("comma", "comma")
        assert screen.frame_indexes() == [(at - 1) % 10] * 3
        assert "paused" in str(screen.query_one("#compare-head").render())
        await pilot.press("escape")
        assert not isinstance(pilot.app.screen, CompareScreen)


async def test_the_cursor_pages_two_at_a_time_at_80_columns(rendered: list[Job]) -> None:
    from textual.containers import Vertical

    from sora_tui.tui.app import SoraApp

    async with SoraApp().run_test(size=(80, 24)) as pilot:
        screen = await _opened(pilot, "job_cmp_0")
        head = screen.query_one("#compare-head")

        def shown() -> list[int]:
            return [n for n in range(3) if screen.query_one(f"#take-{n}", Vertical).display]

        assert shown() == [0, 1] and "showing 1–2" in str(head.render())
        await pilot.press("right")
        assert screen.cursor == 1 and shown() == [0, 1]
        await pilot.press("l")
        assert screen.cursor == 2 and shown() == [1, 2] and "showing 2–3" in str(head.render())
        assert screen.query_one("#take-2", Vertical).has_class("-cursor")
        await pilot.press("right")  # no further
        assert screen.cursor == 2
        await pilot.press("h", "left")
        assert screen.cursor == 0 and shown() == [0, 1]
        await pilot.press("q")
        assert not isinstance(pilot.app.screen, CompareScreen)


async def test_one_take_alone_says_why_nothing_is_compared(rendered: list[Job]) -> None:
    from sora_tui.tui.app import SoraApp

    async with SoraApp().run_test(size=(80, 24)) as pilot:
        await _opened(pilot)
        pilot.app.run_job_action("compare", "job_cmp_lone")
        await wait_until(pilot, lambda: any("Nothing to compare" in str(n.message) for n in notifications(pilot.app)),
                         what="the message", timeout=30)
        assert not isinstance(pilot.app.screen, CompareScreen)


async def test_marked_jobs_are_compared_with_their_prompts_diff(rendered: list[Job]) -> None:
    from sora_tui.tui.app import SoraApp
    from sora_tui.tui.widgets.job_table import JobTable

    async with SoraApp().run_test(size=(160, 45)) as pilot:
        await _opened(pilot)
        table = pilot.app.main.query_one(JobTable)
        if not hasattr(table, "marked_local_ids"):
            pytest.skip("the job table has no marks in this version")
        table.focus()
        for local_id in ("job_cmp_2", "job_cmp_lone"):  # marked in this order: the first is the one compared against
            table.move_cursor(row=table.get_row_index(local_id))
            await pilot.pause()
            await pilot.press("space")
        await pilot.press("equals_sign")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, CompareScreen), what="the compare view",
                         timeout=30)
        screen = pilot.app.screen
        assert [job.local_id for job in screen.takes] == ["job_cmp_2", "job_cmp_lone"]
        assert screen.has_class("-diffs")
        diff = screen.query_one("#take-1").query_one(".take-diff").render()
        assert "paper boat in the rain" in str(diff)


async def test_keep_stars_the_take_under_the_cursor(rendered: list[Job], home: Path) -> None:
    from pilot_helpers import history

    from sora_tui.tui.app import SoraApp

    async with SoraApp().run_test(size=(160, 45)) as pilot:
        screen = await _opened(pilot, "job_cmp_0")
        await wait_until(pilot, lambda: pilot.app.session.service is not None, what="the server", timeout=30)
        await pilot.press("right", "k")
        await wait_until(pilot, lambda: "kept" in str(screen.query_one("#take-1").query_one(".take-caption").render()),
                         what="the kept take", timeout=30)
        assert any("Kept" in str(n.message) for n in notifications(pilot.app))
    jobs = {job.local_id: job for job in history(home)}
    assert jobs["job_cmp_1"].starred and jobs["job_cmp_1"].extra.get("choice") == "kept"
    assert jobs["job_cmp_0"].extra.get("choice") == jobs["job_cmp_2"].extra.get("choice") == "passed"


async def test_keep_works_on_a_history_browsed_offline(rendered: list[Job], home: Path) -> None:
    """No server answers (nothing listens on port 9): the history is open, and keeping a take needs nothing more."""
    from pilot_helpers import history

    from sora_tui.tui.app import SoraApp

    app = SoraApp(base_url="http://127.0.0.1:9/v1")
    async with app.run_test(size=(160, 45)) as pilot:
        await wait_until(pilot, lambda: not app.connecting, what="the session to settle", timeout=30)
        assert app.session is not None and app.session.service is None
        screen = await _opened(pilot, "job_cmp_0")
        await pilot.press("k")
        await wait_until(pilot, lambda: "kept" in str(screen.query_one("#take-0").query_one(".take-caption").render()),
                         what="the kept take", timeout=30)
    jobs = {job.local_id: job for job in history(home)}
    assert jobs["job_cmp_0"].extra.get("choice") == "kept"
    assert jobs["job_cmp_1"].extra.get("choice") == jobs["job_cmp_2"].extra.get("choice") == "passed"


def _fake_player(bin_dir: Path, name: str, record: Path) -> None:
    bin_dir.mkdir(exist_ok=True)
    script = bin_dir / name
    script.write_text(f'#!/bin/sh\necho "$@" > {record}\n')
    script.chmod(script.stat().st_mode | stat.S_IEXEC)


async def test_a_plays_the_sound_of_the_take_under_the_cursor(rendered: list[Job], tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from sora_tui.tui.app import SoraApp

    record = tmp_path / "played.txt"
    _fake_player(tmp_path / "bin", "mpv", record)
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    async with SoraApp().run_test(size=(160, 45)) as pilot:
        screen = await _opened(pilot, "job_cmp_0")
        await pilot.press("right", "right", "a")
        await wait_until(pilot, record.exists, what="the player", timeout=10)
        assert any("with mpv" in str(n.message) for n in notifications(pilot.app))
    assert record.read_text().split() == ["--no-video", "--really-quiet", screen.takes[2].file("video").path]


async def test_without_an_audio_player_the_video_goes_to_the_system_player(rendered: list[Job], tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from sora_tui.tui.app import SoraApp

    if any(shutil.which(name) for name in ("mpv", "ffplay", "cvlc")):
        pytest.skip("this machine has an audio player")
    monkeypatch.delenv("DISPLAY", raising=False)  # and no display: nothing is really started
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    async with SoraApp().run_test(size=(160, 45)) as pilot:
        await _opened(pilot, "job_cmp_0")
        await pilot.press("a")
        await wait_until(pilot, lambda: any("No audio player" in str(n.message) for n in notifications(pilot.app)),
                         what="the message", timeout=10)


# --- snapshots ---------------------------------------------------------------------------------------------

def _scene(marked: tuple[str, ...] = ()):
    async def run(pilot) -> None:
        from scenes import _still, _widened

        from sora_tui.tui.widgets.job_table import JobTable

        app = pilot.app
        await wait_until(pilot, lambda: connected(app), what="the engine", timeout=30)
        table = app.main.query_one(JobTable)
        await wait_until(pilot, lambda: table.row_count == 8, what="the seeded jobs", timeout=30)
        await wait_until(pilot, lambda: _widened(table), what="the column widths", timeout=30)
        if marked:
            table.focus()
            for local_id in marked:
                table.move_cursor(row=table.get_row_index(local_id))
                await pilot.pause()
                await pilot.press("space")
            await pilot.press("equals_sign")
        else:
            app.run_job_action("compare", STARRED)
        await wait_until(pilot, lambda: isinstance(app.screen, CompareScreen), what="the compare view", timeout=30)
        screen = app.screen
        await wait_until(pilot, lambda: screen.loaded, what="the pictures", timeout=30)
        screen.pause_at(0)  # a fixed frame: the first
        _still(app)
        await pilot.pause()

    return run


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_group(snap_compare, seeded: Path, size: str) -> None:
    from sora_tui.tui.app import SoraApp

    assert snap_compare(SoraApp(), terminal_size=SIZES[size], run_before=_scene())


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_marked_with_prompt_diffs(snap_compare, seeded: Path, size: str) -> None:
    from sora_tui.tui.app import SoraApp
    from sora_tui.tui.widgets.job_list import JobList

    if not hasattr(JobList, "marked_local_ids"):
        pytest.skip("the job table has no marks in this version")
    marked = (STARRED, "job_scene_remix", "job_scene_extend", "job_scene_take1")
    assert snap_compare(SoraApp(), terminal_size=SIZES[size], run_before=_scene(marked))
