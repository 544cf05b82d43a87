"""The storyboard screen, in the real app on the real local engine: a board imported from TOML, run with G, a take
of a shot with two chosen in the compare view, the next shot extended from it, the film assembled and checked
with PyAV; the shot editor (Japanese, and a mistake refused with its message and nothing lost); moving,
copying and deleting shots; a priced profile asks before it sends; ctrl+b and f6 open it, escape closes."""

from __future__ import annotations

from pathlib import Path

import av
import pytest
from pilot_helpers import connected, history, wait_until, write_priced_config
from textual.widgets import DataTable, Input, Select, Static, TextArea

from sora_tui.core.board_toml import read_board
from sora_tui.tui.app import SoraApp
from sora_tui.tui.screens.board import BoardScreen
from sora_tui.tui.screens.board_dialogs import AskScreen, ShotEditor
from sora_tui.tui.screens.board_pick import BoardsScreen
from sora_tui.tui.screens.compare import CompareScreen

SMALL, WIDE = (80, 24), (160, 45)
FOUR = """\
title = "Shiba at dusk"
model = "sora-2"
size = "1280x720"

[[shot]]
prompt = "A shiba inu trots along an empty beach at dusk"
seconds = 4

[[shot]]
prompt = "The shiba stops at the water's edge and sniffs a wave"
seconds = 4
join = "continue"

[[shot]]
prompt = "Close-up of the shiba's face in profile, fur glowing orange"
seconds = 4
join = "dissolve"
dissolve_frames = 12
takes = 2

[[shot]]
prompt = "The camera slowly pulls back as the sun slips below the sea"
seconds = 4
join = "continue"
"""


def board_file(tmp_path: Path, text: str = FOUR) -> Path:
    path = tmp_path / "board.toml"
    path.write_text(text, encoding="utf-8")
    return path


def status(screen: BoardScreen) -> str:
    return str(screen.query_one("#board-status", Static).render())


def states(screen: BoardScreen) -> list[str]:
    return [p.state for p in screen.shots]


async def imported(pilot, path: Path) -> BoardScreen:
    """ctrl+b, i, the path, enter: the board screen on the imported board, its progress read."""
    app = pilot.app
    await wait_until(pilot, lambda: app.session is not None, what="the history")
    await pilot.press("ctrl+b")
    await wait_until(pilot, lambda: isinstance(app.screen, BoardsScreen) and app.screen.loaded, what="the boards")
    await pilot.press("i")
    await wait_until(pilot, lambda: isinstance(app.screen, AskScreen), what="the path question")
    app.screen.query_one(Input).value = str(path)
    await pilot.press("enter")
    await wait_until(pilot, lambda: isinstance(app.screen, BoardScreen) and app.screen.loaded, what="the board")
    return app.screen


def frame_count(path: Path) -> int:
    with av.open(str(path)) as c:
        return sum(1 for _ in c.decode(c.streams.video[0]))


def lengths(path: Path) -> tuple[float, float]:
    with av.open(str(path)) as c:
        v, a = c.streams.video[0], c.streams.audio[0]
        assert v.duration and v.time_base and a.duration and a.time_base
        return float(v.duration * v.time_base), float(a.duration * a.time_base)


async def test_a_board_is_run_with_a_take_chosen_in_compare_and_assembled(home: Path, engine_daemon: Path,
                                                                          tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DISPLAY", "WAYLAND_DISPLAY"):  # no player is started from a test
        monkeypatch.delenv(name, raising=False)
    app = SoraApp()
    async with app.run_test(size=WIDE) as pilot:
        screen = await imported(pilot, board_file(tmp_path))
        assert [s.join for s in screen.board.shots] == ["cut", "continue", "dissolve", "continue"]
        assert states(screen) == ["draft", "waiting", "draft", "waiting"]
        await wait_until(pilot, lambda: connected(app), what="the engine")
        await pilot.press("G")
        # shot 1's one take is chosen by itself and shot 2 extends it; shot 3's two takes wait for a person
        await wait_until(pilot, lambda: states(screen) == ["chosen", "chosen", "ready", "waiting"],
                         what="the run to wait for a choice", timeout=120)
        assert "Shot 3 has 2 takes ready" in status(screen)
        third = screen.shots[2]
        assert len(third.usable) == 2
        table = screen.query_one("#board-shots", DataTable)
        table.move_cursor(row=2)
        await pilot.press("c")
        await wait_until(pilot, lambda: isinstance(app.screen, CompareScreen), what="the compare view")
        await pilot.press("right")
        await pilot.press("k")
        second = third.usable[1]
        await wait_until(pilot, lambda: app.screen is screen, what="back on the board")
        await wait_until(pilot, lambda: states(screen) == ["chosen"] * 4, what="shot 4 from the take chosen",
                         timeout=120)
        assert screen.board.shots[2].chosen == second.local_id
        fourth = screen.shots[3].chosen
        assert fourth is not None and fourth.extra.get("source_id") == second.local_id
        assert fourth.extra.get("board_id") == screen.board.board_id
        # nothing was chosen for the person: the kept flag of compare's own `k` is not set on the group
        assert "choice" not in second.extra
        await pilot.press("f")
        await wait_until(pilot, lambda: screen.film is not None, what="the film", timeout=120)
        film = screen.film
        assert film.parent == Path(app.session.service.download_dir) and film.name == "Shiba-at-dusk.mp4"
        assert "Film:" in status(screen)
        firsts = [screen.shots[1].chosen, fourth]  # each segment's video: the last extension, stitched whole
        segment_frames = [frame_count(Path(job.file("video").path)) for job in
                          [next(j for j in history(home) if j.local_id == t.local_id) for t in firsts]]
        assert abs(frame_count(film) - (sum(segment_frames) - 12)) <= 1
        video, audio = lengths(film)
        assert abs(video - audio) <= 0.05
        # o gives the film to the system player: here, with no display, it says where the film is instead
        await pilot.press("o")
        await wait_until(pilot, lambda: "No video player" in status(screen) and film.name in status(screen),
                         what="the player's answer")
        # the film's flipbook opens over the board; escape closes it
        await pilot.press("p")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "FilmScreen", what="the flipbook")
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is screen, what="the board again")


async def test_ctrl_b_and_f6_open_the_boards_and_escape_closes(home: Path, engine_daemon: Path) -> None:
    app = SoraApp()
    async with app.run_test(size=SMALL) as pilot:
        await wait_until(pilot, lambda: app.session is not None, what="the history")
        for key in ("ctrl+b", "f6"):  # f6 from the prompt too: its text area's own f6 does not keep it
            assert app.focused is not None and app.focused.id == "prompt"
            await pilot.press(key)
            await wait_until(pilot, lambda: isinstance(app.screen, BoardsScreen) and app.screen.loaded,
                             what=f"the boards on {key}")
            note = str(app.screen.query_one("#boards-note", Static).render())
            assert "No storyboards yet" in note and "n: a new board" in note and "i: import" in note
            await pilot.press("escape")
            await wait_until(pilot, lambda: app.screen is app.main, what="the workbench")
            app.main.query_one("#prompt").focus()
            await pilot.pause()


async def test_an_import_with_a_mistake_says_its_line_and_keeps_the_path(home: Path, engine_daemon: Path,
                                                                         tmp_path: Path) -> None:
    app = SoraApp()
    async with app.run_test(size=SMALL) as pilot:
        await wait_until(pilot, lambda: app.session is not None, what="the history")
        await pilot.press("f6")
        await wait_until(pilot, lambda: isinstance(app.screen, BoardsScreen) and app.screen.loaded, what="boards")
        bad = board_file(tmp_path, FOUR.replace("seconds = 4\njoin = \"continue\"\n", "secnds = 4\n", 1))
        await pilot.press("i")
        await wait_until(pilot, lambda: isinstance(app.screen, AskScreen), what="the path question")
        app.screen.query_one(Input).value = str(bad)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, AskScreen)
                         and "Line 11" in str(app.screen.query_one("#ask-problem", Static).render()),
                         what="the mistake and its line")
        assert "seconds" in str(app.screen.query_one("#ask-problem", Static).render())  # the key meant
        assert app.screen.query_one(Input).value == str(bad)  # nothing lost
        assert app.session.store.boards() == []


async def test_a_new_board_opens_its_first_shot_in_the_editor_in_japanese(home: Path, engine_daemon: Path,
                                                                          ja: None) -> None:
    app = SoraApp()
    async with app.run_test(size=SMALL) as pilot:
        await wait_until(pilot, lambda: app.session is not None, what="the history")
        await pilot.press("ctrl+b")
        await wait_until(pilot, lambda: isinstance(app.screen, BoardsScreen) and app.screen.loaded, what="boards")
        await pilot.press("n")
        await wait_until(pilot, lambda: isinstance(app.screen, AskScreen), what="the title")
        app.screen.query_one(Input).value = "夕暮れの柴犬"
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ShotEditor), what="the first shot's editor")
        editor = app.screen
        area = editor.query_one("#shot-prompt", TextArea)
        assert app.focused is area
        await pilot.press("ctrl+s")  # empty: refused, said in the editor
        await wait_until(pilot, lambda: editor.query_one("#shot-problem", Static).display, what="the problem")
        assert isinstance(app.screen, ShotEditor)
        area.insert("柴犬が夕暮れの浜辺を走る")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, BoardScreen), what="the board")
        board_screen = app.screen
        await wait_until(pilot, lambda: [s.prompt for s in board_screen.board.shots] == ["柴犬が夕暮れの浜辺を走る"],
                         what="the shot")
        await wait_until(pilot, lambda: [s.get("title") for s in app.session.store.boards()] == ["夕暮れの柴犬"]
                         and len(app.session.store.boards()[0]["shots"]) == 1, what="the board saved")
        header = str(board_screen.query_one("#board-head", Static).render())
        assert "夕暮れの柴犬" in header and "ローカルレンダー" in header


async def test_an_invalid_edit_is_refused_with_its_message_and_kept(home: Path, engine_daemon: Path,
                                                                    tmp_path: Path) -> None:
    app = SoraApp()
    async with app.run_test(size=WIDE) as pilot:
        screen = await imported(pilot, board_file(tmp_path))
        table = screen.query_one("#board-shots", DataTable)
        table.move_cursor(row=2)
        await pilot.press("e")
        await wait_until(pilot, lambda: isinstance(app.screen, ShotEditor), what="the editor")
        editor = app.screen
        area = editor.query_one("#shot-prompt", TextArea)
        area.text = "柴犬の横顔、夕日に輝く毛並み"
        editor.query_one("#shot-frames", Input).value = "200"  # longer than the 4 s shot before it
        await pilot.press("ctrl+s")
        problem = editor.query_one("#shot-problem", Static)
        await wait_until(pilot, lambda: problem.display, what="the problem")
        assert "dissolve" in str(problem.render()) and "200" in str(problem.render())
        assert isinstance(app.screen, ShotEditor)
        assert area.text == "柴犬の横顔、夕日に輝く毛並み"  # nothing typed is lost
        editor.query_one("#shot-frames", Input).value = "6"
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: app.screen is screen, what="the board")
        saved = lambda: app.session.store.board(screen.board.board_id)["shots"][2]
        await wait_until(pilot, lambda: saved()["prompt"] == "柴犬の横顔、夕日に輝く毛並み"
                         and saved()["dissolve_frames"] == 6, what="the edit saved")
        # a continue first is against the rules: the join is refused too, with the rule's words
        table.move_cursor(row=0)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ShotEditor), what="the editor")
        editor = app.screen
        editor.query_one("#shot-join", Select).value = "continue"
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: editor.query_one("#shot-problem", Static).display, what="the problem")
        assert "first shot" in str(editor.query_one("#shot-problem", Static).render())
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is screen, what="the board")
        assert screen.board.shots[0].join == "cut"


async def test_shots_are_moved_copied_and_deleted_and_saved(home: Path, engine_daemon: Path, tmp_path: Path) -> None:
    app = SoraApp()
    async with app.run_test(size=WIDE) as pilot:
        screen = await imported(pilot, board_file(tmp_path))
        ids = [s.shot_id for s in screen.board.shots]
        table = screen.query_one("#board-shots", DataTable)

        def stored() -> list[str]:
            return [s["shot_id"] for s in app.session.store.board(screen.board.board_id)["shots"]]

        # shot 3 (a dissolve) up one: shot 2 (a continue) then continues the dissolve, which the rules allow
        table.move_cursor(row=2)
        await pilot.press("shift+up")
        await wait_until(pilot, lambda: stored() == [ids[0], ids[2], ids[1], ids[3]], what="the move saved")
        assert table.cursor_row == 1
        await pilot.press("shift+down")
        await wait_until(pilot, lambda: stored() == ids, what="moved back")
        # the first shot cannot be moved under a continue that would come first: refused with the rule
        table.move_cursor(row=1)
        await pilot.press("shift+up")
        await wait_until(pilot, lambda: "first shot" in status(screen), what="the refusal")
        assert stored() == ids
        # d copies the shot after it, with a new id
        table.move_cursor(row=3)
        await pilot.press("d")
        await wait_until(pilot, lambda: len(stored()) == 5, what="the copy saved")
        copy = screen.board.shots[4]
        assert copy.prompt == screen.board.shots[3].prompt and copy.shot_id not in ids and copy.chosen is None
        # x asks first; n keeps it, y deletes it
        await pilot.press("x")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "ConfirmScreen", what="the question")
        await pilot.press("n")
        await pilot.pause(0.3)
        assert len(stored()) == 5
        await pilot.press("delete")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "ConfirmScreen", what="the question")
        await pilot.press("y")
        await wait_until(pilot, lambda: stored() == ids, what="the copy deleted")
        # a: a new shot after the cursor, through the editor
        table.move_cursor(row=0)
        await pilot.press("a")
        await wait_until(pilot, lambda: isinstance(app.screen, ShotEditor), what="the editor")
        app.screen.query_one("#shot-prompt", TextArea).insert("A gull lands beside the shiba")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: len(stored()) == 5, what="the new shot saved")
        assert screen.board.shots[1].prompt == "A gull lands beside the shiba"
        assert screen.board.shots[1].join == "continue"  # after a shot, a new one continues it by default


async def test_g_sends_one_shot_t_more_takes_and_c_chooses(home: Path, engine_daemon: Path, tmp_path: Path) -> None:
    app = SoraApp()
    async with app.run_test(size=WIDE) as pilot:
        screen = await imported(pilot, board_file(tmp_path))
        await wait_until(pilot, lambda: connected(app), what="the engine")
        first = screen.board.shots[0].shot_id

        def takes() -> list:
            return [j for j in history(home) if j.extra.get("shot_id") == first]

        await pilot.press("f")  # nothing chosen yet: said, nothing assembled
        await wait_until(pilot, lambda: "Shot 1 has no chosen take yet" in status(screen), what="the refusal")
        await pilot.press("c")
        await wait_until(pilot, lambda: "no take to choose" in status(screen), what="nothing to choose")
        await pilot.press("g")  # on the local engine: sent at once, the one shot only
        await wait_until(pilot, lambda: len(takes()) == 1 and states(screen)[0] == "chosen",
                         what="its one take, chosen by itself")
        await pilot.pause(0.3)
        assert len(history(home)) == 1 and states(screen)[1:] == ["draft", "draft", "waiting"]
        await pilot.press("c")  # one take: chosen at once, no compare view
        await wait_until(pilot, lambda: "take" in status(screen) and "chosen" in status(screen), what="the choice")
        assert app.screen is screen
        await pilot.press("t")
        await wait_until(pilot, lambda: isinstance(app.screen, AskScreen), what="how many")
        app.screen.query_one(Input).value = "9"  # more than a shot has: said in the dialog, kept
        await pilot.press("enter")
        await wait_until(pilot, lambda: "from 1 to 8" in str(app.screen.query_one("#ask-problem", Static).render()),
                         what="the limit")
        app.screen.query_one(Input).value = "2"
        await pilot.press("enter")
        await wait_until(pilot, lambda: len(takes()) == 3 and len(screen.shots[0].usable) == 3, what="two more takes")
        assert screen.shots[0].state == "chosen"  # the take chosen stays chosen
        await pilot.press("c")  # several: the compare view, where escape keeps the choice as it was
        await wait_until(pilot, lambda: isinstance(app.screen, CompareScreen), what="the compare view")
        assert len(app.screen.takes) == 3
        chosen = screen.board.shots[0].chosen
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is screen, what="the board")
        assert screen.board.shots[0].chosen == chosen


@pytest.fixture
def priced(home: Path, local_engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A profile with a price, served by the real local engine (so it costs nothing to test)."""
    write_priced_config(tmp_path, local_engine.base_url, monkeypatch)
    return home


async def test_on_a_priced_profile_g_and_G_ask_first_and_send_once(priced: Path, tmp_path: Path) -> None:
    app = SoraApp()
    async with app.run_test(size=WIDE) as pilot:
        screen = await imported(pilot, board_file(tmp_path))
        await wait_until(pilot, lambda: connected(app), what="the server")
        header = str(screen.query_one("#board-head", Static).render())
        assert "$5.00 to send" in header  # 5 takes of 4 s at $0.25 a second
        await pilot.press("g")
        await wait_until(pilot, lambda: "again sends" in status(screen), what="the question")
        assert "$1.00" in status(screen) and "1 take" in status(screen)
        await pilot.pause(0.5)
        assert history(priced) == []
        await pilot.press("escape")  # not sent, and the board stays open
        await wait_until(pilot, lambda: "Not sent" in status(screen), what="the answer")
        assert app.screen is screen and history(priced) == []
        await pilot.press("g")
        await wait_until(pilot, lambda: "again sends" in status(screen), what="the question")
        await pilot.press("g")
        await wait_until(pilot, lambda: len(history(priced)) == 1, what="the one take")
        await wait_until(pilot, lambda: states(screen)[0] in ("ready", "chosen"), what="its state")
        await pilot.press("g")  # it has a take: not sent again
        await wait_until(pilot, lambda: "has takes already" in status(screen), what="the refusal")
        await pilot.pause(0.3)
        assert len(history(priced)) == 1
        # G: the rest, asked first (shot 1 is not sent again)
        await pilot.press("G")
        await wait_until(pilot, lambda: "again sends" in status(screen), what="the run's question")
        assert "3 shots" in status(screen) and "4 takes" in status(screen) and "$4.00" in status(screen)
        await pilot.pause(0.3)
        assert len(history(priced)) == 1
        await pilot.press("G")
        await wait_until(pilot, lambda: states(screen) == ["chosen", "chosen", "ready", "waiting"],
                         what="the run", timeout=120)
        assert len(history(priced)) == 4  # shot 1 once, shot 2 once, shot 3 twice


async def test_a_budget_the_run_would_pass_is_said_at_once(home: Path, local_engine, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    write_priced_config(tmp_path, local_engine.base_url, monkeypatch, budget="budget_daily = 2\n")
    app = SoraApp()
    async with app.run_test(size=WIDE) as pilot:
        screen = await imported(pilot, board_file(tmp_path))
        await wait_until(pilot, lambda: connected(app), what="the server")
        await pilot.press("G")
        await wait_until(pilot, lambda: "budget" in status(screen).lower(), what="the refusal")
        assert "again sends" not in status(screen)
        await pilot.press("G")
        await pilot.pause(0.5)
        assert history(home) == []


async def test_a_board_is_exported_whole_and_read_back(home: Path, engine_daemon: Path, tmp_path: Path) -> None:
    app = SoraApp()
    async with app.run_test(size=SMALL) as pilot:
        screen = await imported(pilot, board_file(tmp_path))
        out = tmp_path / "out" / "exported.toml"
        await pilot.press("s")
        await wait_until(pilot, lambda: isinstance(app.screen, AskScreen), what="the path")
        app.screen.query_one(Input).value = str(out)  # its folder does not exist: said, kept
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, AskScreen)
                         and "Cannot write" in str(app.screen.query_one("#ask-problem", Static).render()),
                         what="the refusal")
        assert app.screen.query_one(Input).value == str(out)
        out.parent.mkdir()
        await pilot.press("enter")
        await wait_until(pilot, lambda: out.is_file(), what="the file")
        assert read_board(out.read_text(encoding="utf-8")) == screen.board
        assert not [p for p in out.parent.iterdir() if p.name != out.name]  # no temporary file left


# --- the snapshot ------------------------------------------------------------------------------------------

def test_snapshot_board_small(snap_compare, home: Path, engine_daemon: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The board screen at 80x24 with the four shots, none generated yet."""
    from scenes import CONFIG, _still

    from sora_tui.core.board_toml import board_doc
    from sora_tui.store import HistoryStore

    monkeypatch.setenv("SORA_TUI_CONFIG", str(CONFIG))
    board = read_board(FOUR)
    board = type(board)(**{**board.__dict__, "board_id": "brd_snapshot",
                           "shots": tuple(type(s)(**{**s.__dict__, "shot_id": f"sht_{n}"})
                                          for n, s in enumerate(board.shots, 1))})
    store = HistoryStore(home / "history.json")
    try:
        store.save_board({**board_doc(board), "profile": "local"})
    finally:
        store.close()

    async def run_before(pilot) -> None:
        app = pilot.app
        await wait_until(pilot, lambda: connected(app), what="the engine", timeout=30)
        await pilot.press("ctrl+b")
        await wait_until(pilot, lambda: isinstance(app.screen, BoardsScreen) and app.screen.loaded, what="boards")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, BoardScreen) and app.screen.loaded, what="the board")
        _still(app)
        await pilot.pause()

    assert snap_compare(SoraApp(), terminal_size=SMALL, run_before=run_before)
