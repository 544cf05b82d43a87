"""`sora-tui board run`: a 4-shot board generated end to end on the local engine (two continues, a hard cut, a
dissolve; two takes of one shot, the second chosen on the terminal), the film checked with PyAV; the board kept in
the history (`board list`, `board export`); costs and the budget before anything is sent; nothing sent twice."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import Result

FOUR_SHOTS = (Path(__file__).parents[1] / "data" / "four-shots.toml").read_text(encoding="utf-8")


def _run(*args: str, answers: str = "", timeout: float = 180) -> Result:
    """The real command, with `answers` on its stdin (what a person types at --pick ask)."""
    # In the private home: a run without --out writes its film where it is run, never into the repository.
    proc = subprocess.run([sys.executable, "-m", "sora_tui", *args], input=answers, capture_output=True, text=True,
                          timeout=timeout, env=dict(os.environ), cwd=os.environ["SORA_TUI_HOME"], check=False)
    assert "Traceback" not in proc.stderr, proc.stderr
    return Result(proc.returncode, proc.stdout, proc.stderr)


def _frames(path: str | Path, wanted: set[int]) -> tuple[dict[int, object], int]:
    """The decoded frames at `wanted` (as int arrays) and the frame count; only those frames are kept in memory."""
    import av

    kept: dict[int, object] = {}
    count = 0
    with av.open(str(path)) as container:
        for count, frame in enumerate(container.decode(video=0), 1):
            if count - 1 in wanted:
                kept[count - 1] = frame.to_ndarray(format="rgb24").astype(int)
    return kept, count


def _sound_seconds(path: Path) -> float:
    import av

    with av.open(str(path)) as container:
        audio = container.streams.audio[0]
        return sum(frame.samples for frame in container.decode(audio=0)) / audio.rate


def _job(cli, ref: str) -> dict:
    r = cli("show", ref, "--json")
    assert r.code == 0, r.err
    return r.json()


def _video(job: dict) -> str:
    return next(f["path"] for f in job["files"] if f["variant"] == "video")


def test_a_four_shot_board_runs_end_to_end_and_its_film_holds_the_chosen_takes(cli, home: Path) -> None:
    board = home / "kite.toml"
    board.write_text(FOUR_SHOTS, encoding="utf-8")
    out = home / "out"
    r = _run("board", "run", str(board), "--pick", "ask", "--out", str(out), "--json", answers="2\n")
    assert r.code == 2 and "--pick ask asks on the terminal" in r.err  # a question cannot go with --json
    r = _run("board", "run", str(board), "--pick", "ask", "--out", str(out), answers="2\n")
    assert r.code == 0, r.err
    assert "5 takes to send, free (local render) on profile local." in r.err  # costs first
    assert "Shot 3 has 2 takes ready:" in r.err and "Which take goes on? [1-2]" in r.err
    r = cli("board", "list", "--json")
    [stored] = r.json()
    assert stored["title"] == "Kite day" and stored["state"] == "done" and stored["chosen"] == 4
    r = cli("board", "export", stored["board_id"])
    assert r.code == 0 and 'board_id = "' + stored["board_id"] + '"' in r.out
    exported = home / "exported.toml"
    exported.write_text(r.out, encoding="utf-8")
    r = cli("board", "show", str(exported), "--json")
    shots = r.json()["shots"]
    assert all(shot["chosen"] for shot in shots)
    takes = {n: _job(cli, shot["chosen"]) for n, shot in enumerate(shots, 1)}
    shown = cli("show", shots[2]["chosen"])
    assert f"{stored['board_id']} / {shots[2]['shot_id']}" in shown.out  # the take names its board and shot
    # The second shot extends the first's chosen take; the fourth, the take of shot 3 chosen on the terminal (its
    # second).
    assert takes[2]["kind"] == "extend" and takes[2]["extra"]["source_id"] == takes[1]["local_id"]
    assert takes[4]["kind"] == "extend" and takes[4]["extra"]["source_id"] == takes[3]["local_id"]
    jobs = cli("jobs", "--json", "--limit", "50").json_lines()
    third = sorted((j for j in jobs if j["extra"].get("shot_id") == shots[2]["shot_id"]), key=lambda j: j["created_at"])
    assert [j["local_id"] for j in third][1] == takes[3]["local_id"]  # the second take, as typed
    assert len(jobs) == 5  # 1 + 1 + 2 + 1: every take sent once
    film = out / "Kite-day.mp4"
    assert film.is_file() and (out / "Kite-day.json").is_file()
    a, b = _video(takes[2]), _video(takes[4])
    _, frames_a = _frames(a, set())
    _, frames_b = _frames(b, set())
    assert frames_a == frames_b == 8 * 24  # each segment is the stitched whole: 4 s and 4 s more
    # The sides of the dissolve, the join inside the first segment (shot 1 to 2), and the ends.
    points = {0: (a, 0), 95: (a, 95), 96: (a, 96), frames_a - 13: (a, frames_a - 13),
              frames_a: (b, 12), frames_a - 12 + frames_b - 1: (b, frames_b - 1)}
    seen, total = _frames(film, set(points))
    assert abs(total - (frames_a + frames_b - 12)) <= 1  # the segments less the dissolve, within one frame
    for at, (source, index) in points.items():
        taken, _ = _frames(source, {index})
        difference = abs(seen[at] - taken[index]).mean()
        assert difference < 1.0, (at, difference)  # the chosen take's frame (re-encoded once)
    # (Which take of shot 3 went on is in the lineage above: the engine renders an extension whole again, so its
    # first seconds differ from the take it extends by as much as two takes differ, and frames cannot tell.)
    assert abs(_sound_seconds(film) - total / 24) <= 1024 / 48000 + 0.05  # the sound lasts as long as the picture
    # Run again: nothing is sent, the film is made again from the same takes.
    r = _run("board", "run", str(board), "--json")
    assert r.code == 0, r.err
    assert "0 takes to send" in r.err
    assert len(cli("jobs", "--json", "--limit", "50").json_lines()) == 5
    assert (home / "Kite-day.mp4").is_file()  # without --out, where the command was run


def test_no_answer_keeps_the_run_and_sends_nothing_more(cli, home: Path) -> None:
    board = home / "two.toml"
    board.write_text('title = "Two takes"\nsize = "1280x720"\ntakes = 2\n\n[[shot]]\nprompt = "a paper boat on a '
                     'puddle"\nseconds = 4\n', encoding="utf-8")
    r = _run("board", "run", str(board), "--pick", "ask", answers="")
    assert r.code == 1
    assert "No answer: the run is kept." in r.err and "Shot 1: takes ready, 2 takes (chosen: -)" in r.out
    [stored] = cli("board", "list", "--json").json()
    assert stored["state"] == "stopped"
    r = _run("board", "run", str(board), "--pick", "ask", answers="x\n9\n1\n")
    assert r.code == 0, r.err
    assert r.err.count("Type a number from 1 to 2.") == 2 and "0 takes to send" in r.err
    assert len(cli("jobs", "--json").json_lines()) == 2


def test_the_budget_refuses_the_whole_run_before_anything_is_sent(cli, home: Path, monkeypatch: pytest.MonkeyPatch
                                                                  ) -> None:
    from test_cli_board import _priced

    _priced(home, monkeypatch)
    config = home / "config.toml"
    config.write_text(config.read_text(encoding="utf-8").replace('api_key_env = "LAB_KEY"\n',
                                                                 'api_key_env = "LAB_KEY"\nbudget_daily = 5.0\n', 1),
                      encoding="utf-8")
    board = home / "sample.toml"
    board.write_text((Path(__file__).parents[2] / "docs" / "storyboard-sample.toml").read_text(encoding="utf-8"),
                     encoding="utf-8")
    r = cli("--profile", "lab", "board", "run", str(board))
    assert r.code == 2, r.err
    assert "8 takes to send, $14.00 on profile lab." in r.err
    assert "Not sent: it would pass lab's daily budget of $5.00" in r.err
    assert cli("jobs", "--json").json_lines() == []
    assert cli("board", "list", "--json").json() == []  # refused before the board was kept


def test_assemble_wants_an_mp4_name(cli, home: Path) -> None:
    board = home / "one.toml"
    board.write_text('[[shot]]\nprompt = "a kite"\nseconds = 4\nchosen = "abc12345"\n', encoding="utf-8")
    r = cli("board", "assemble", str(board), "--out", str(home / "film.json"))
    assert r.code == 2 and "give --out a name ending in .mp4" in r.err


def test_a_priced_run_is_never_sent_by_accident(cli, home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from test_cli_board import _priced

    _priced(home, monkeypatch)
    board = home / "sample.toml"
    board.write_text((Path(__file__).parents[2] / "docs" / "storyboard-sample.toml").read_text(encoding="utf-8"),
                     encoding="utf-8")
    r = cli("--profile", "lab", "board", "run", str(board))  # stdin is not a terminal: no one to ask
    assert r.code == 2
    assert "8 takes to send, $14.00 on profile lab." in r.err and "add --yes to send them" in r.err
    assert cli("jobs", "--json").json_lines() == [] and cli("board", "list", "--json").json() == []


def test_a_reference_image_is_found_beside_the_board_file(cli, home: Path, tmp_path: Path) -> None:
    from PIL import Image

    folder = home / "boards"
    folder.mkdir()
    Image.new("RGB", (1280, 720), (200, 120, 40)).save(folder / "ref.png")
    board = folder / "image.toml"
    board.write_text('size = "1280x720"\n\n[[shot]]\nprompt = "a kite over dunes, from this frame"\nseconds = 4\n'
                     'image = "ref.png"\n', encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    proc = subprocess.run([sys.executable, "-m", "sora_tui", "board", "run", str(board), "--json"], capture_output=True,
                          text=True, timeout=180, env=dict(os.environ), cwd=elsewhere, check=False)
    assert proc.returncode == 0, proc.stderr
    [job] = cli("jobs", "--json").json_lines()
    assert job["params"]["image"] == str(folder / "ref.png")
    assert (elsewhere / "film.mp4").is_file()  # an untitled board's film, where the command was run


def test_export_finds_a_board_by_id_title_or_the_start_of_its_id(cli, home: Path) -> None:
    from sora_tui.core.board import Board, Shot
    from sora_tui.core.board_toml import board_doc, read_board
    from sora_tui.store import HistoryStore

    store = HistoryStore(home / "history.json")
    try:
        for board_id, title in (("brd_aa0001", "Kite day"), ("brd_aa0002", "凧の一日")):
            store.save_board(board_doc(Board(title=title, size="1280x720", board_id=board_id,
                                             shots=(Shot("a red kite over dunes", 4),))))
    finally:
        store.close()
    assert read_board(cli("board", "export", "凧の一日").out).board_id == "brd_aa0002"
    assert read_board(cli("board", "export", "brd_aa0001").out).title == "Kite day"
    r = cli("board", "export", "brd_aa")
    assert r.code == 2 and "brd_aa names more than one board; use its id (sora-tui board list)." in r.err
    r = cli("board", "export", "brd_zz")
    assert r.code == 2 and "No board brd_zz in the history" in r.err
    out = home / "kite.toml"
    r = cli("board", "export", "brd_aa0002", "--out", str(out))
    assert r.code == 0 and read_board(out.read_text(encoding="utf-8")).title == "凧の一日"
    assert [p.name for p in home.iterdir() if p.name.startswith(".kite.toml")] == []  # no temporary file left
