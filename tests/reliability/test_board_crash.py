"""A board's run SIGKILLed at random moments, taken up again by `board run` and `resume`: the film comes out, and no
shot was sent twice (each shot has exactly its takes, the server holds exactly the history's videos)."""

from __future__ import annotations

import json
import random
import time
from collections import Counter
from pathlib import Path

from harness import killed_after, run_cli, server_videos, spawn_cli, write_section

from sora_tui.engine import EngineConfig, start_engine_thread
from sora_tui.store import HistoryStore

SESSIONS = 8
SEED = 20261206
FAULTS = "slow:0.2"
BOARD = (Path(__file__).parents[1] / "data" / "four-shots.toml").read_text(encoding="utf-8")
TAKES = {1: 1, 2: 1, 3: 2, 4: 1}


def test_a_board_killed_again_and_again_finishes_without_sending_a_shot_twice(tmp_path: Path) -> None:
    import av

    rng = random.Random(SEED)
    home = tmp_path / "home"
    home.mkdir()
    board = home / "kites.toml"
    board.write_text(BOARD, encoding="utf-8")
    started = time.monotonic()
    # 'fast': each take is queued, then rendered for a few seconds, so kills land while sending, while waiting,
    # while downloading and between shots; 'slow' answers a share of the requests 2 s late after acting on them,
    # so some kills land while a create the server has accepted is still unanswered.
    engine = start_engine_thread(EngineConfig(speed="fast", state_dir=tmp_path / "engine", seed=5, faults=FAULTS))
    kills = exited = 0
    try:
        base = engine.base_url
        for i in range(SESSIONS):
            args = ["board", "run", str(board), "--yes", "--out", str(tmp_path / "film")] if i % 2 == 0 else ["resume"]
            if killed_after(spawn_cli(home, base, *args), rng.uniform(0.3, 4.0)):
                kills += 1
            else:
                exited += 1
            HistoryStore(home / "history.json").close()  # opens after every kill
        final = run_cli(home, base, "resume", timeout=300)
        assert final.returncode == 0, final.stderr
        again = run_cli(home, base, "board", "run", str(board), "--yes", "--out", str(tmp_path / "film"), "--json",
                        timeout=300)
        assert again.returncode == 0, again.stderr
        assert "0 takes to send" in again.stderr
        result = json.loads(again.stdout)
        videos = {v.id for v in server_videos(base)}
    finally:
        engine.stop()
    store = HistoryStore(home / "history.json")
    try:
        jobs = store.board_jobs(result["board_id"])
        everything = store.all()
    finally:
        store.close()
    per_shot = Counter(job.extra["shot_id"] for job in jobs)
    sent = {shot["n"]: per_shot[shot["shot_id"]] for shot in result["shots"]}
    by_video = Counter(job.video_id for job in everything if job.video_id)
    film = Path(result["film"]["path"])
    with av.open(str(film)) as container:
        frames = sum(1 for _ in container.decode(video=0))
    elapsed = time.monotonic() - started
    write_section("board_crash", "A board's run under SIGKILL", [
        ("sessions started (board run / resume, alternately)", SESSIONS),
        ("killed with SIGKILL mid-run", kills),
        ("finished before their kill time", exited),
        ("takes sent per shot (asked: 1, 1, 2, 1)", ", ".join(str(sent[n]) for n in sorted(sent))),
        ("videos the server made / jobs in the history with a server id", f"{len(videos)} / {len(by_video)}"),
        ("film frames (two 8 s segments less a 12-frame dissolve: 372)", frames),
        ("wall time", f"{elapsed:.0f} s"),
    ], notes=f"Seed {SEED}; kill delays uniform in 0.3-4.0 s; engine speed 'fast' with faults `{FAULTS}`; then one "
                "`sora-tui resume` and one `board run` (which must send nothing).")
    assert kills >= SESSIONS // 2, f"only {kills} kills landed; the test is not testing anything"
    assert sent == TAKES, sent
    assert all(n == 1 for n in by_video.values()) and set(by_video) == videos
    assert [shot["state"] for shot in result["shots"]] == ["chosen"] * 4
    assert abs(frames - (2 * 8 * 24 - 12)) <= 1
