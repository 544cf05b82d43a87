"""Damaged state: a broken history file, unusable directories, a full disk. A clear message, the damaged file
kept aside, the backup restored where there is one, and never a crash."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from harness import cli_env, run_cli, server_videos, spawn_cli

from sora_tui.core.job import Job
from sora_tui.core.params import GenerationParams
from sora_tui.store import HistoryStore

PROMPT = "a paper boat on a rainy street, slow pan left, rain hiss"


@pytest.fixture
def engine(local_engine):  # the shared in-process engine (tests/conftest.py)
    return local_engine


def _generate(home: Path, engine, *extra: str) -> subprocess.CompletedProcess[str]:
    return run_cli(home, engine.base_url, "generate", PROMPT, "--seconds", "4", "--size", "1280x720", *extra)


def _no_traceback(r: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in r.stderr and "Traceback" not in r.stdout


def test_truncated_history_is_restored_from_the_backup(tmp_path: Path, engine) -> None:
    home = tmp_path / "home"
    first = _generate(home, engine, "--wait", "--json")
    assert first.returncode == 0, first.stderr
    history = home / "history.json"
    (home / "history.json.bak").write_bytes(history.read_bytes())  # a backup that holds the job
    history.write_bytes(history.read_bytes()[: len(history.read_bytes()) // 2])
    r = run_cli(home, engine.base_url, "jobs", "--json")
    _no_traceback(r)
    assert r.returncode == 0
    assert "history file was damaged" in r.stderr and "the history now holds 1 job" in r.stderr
    assert [j["id"] for j in map(json.loads, r.stdout.splitlines())] == [json.loads(first.stdout)["id"]]
    kept = list(home.glob("history.json.corrupt-*"))
    assert len(kept) == 1 and kept[0].name in r.stderr


def test_garbage_history_without_backup_is_kept_aside_and_a_new_one_started(tmp_path: Path, engine) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "history.json").write_text("{ this is not json")
    r = run_cli(home, engine.base_url, "jobs")
    _no_traceback(r)
    assert r.returncode == 0
    assert "no usable backup" in r.stderr and "kept as" in r.stderr
    assert [p.read_text() for p in home.glob("history.json.corrupt-*")] == ["{ this is not json"]
    assert _generate(home, engine, "--wait").returncode == 0  # and the new history works


def test_a_data_directory_that_cannot_be_created(tmp_path: Path, engine) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    home = blocker / "home"
    r = _generate(home, engine)
    _no_traceback(r)
    assert r.returncode == 2
    assert r.stderr.strip().splitlines() == [
        (f"sora-tui: cannot use the data directory {home}: Not a directory. "
         "Set SORA_TUI_HOME to a writable directory.")
    ]


def _mount_tmpfs(where: Path, options: str) -> None:
    where.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(where)], capture_output=True, text=True,
                          check=False)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here to make a read-only or full disk: {done.stderr.strip()}")


@pytest.fixture
def mounts(tmp_path: Path) -> Iterator[list[Path]]:
    made: list[Path] = []
    yield made
    for where in made:
        subprocess.run(["umount", "-l", str(where)], capture_output=True, check=False)


@pytest.mark.parametrize("options, says", [
    ("ro,size=1m", "Read-only file system"),
    ("size=64k", "The disk is full ({out})"),
], ids=["read-only download dir", "full disk during download"])
def test_a_download_dir_that_cannot_take_the_file(options: str, says: str, tmp_path: Path, engine, mounts: list[Path]) -> None:
    home, out = tmp_path / "home", tmp_path / "downloads-here"
    _mount_tmpfs(out, options)
    mounts.append(out)
    r = _generate(home, engine, "--wait", "--download", "--out", str(out), "--json")
    _no_traceback(r)
    assert r.returncode == 1
    job = json.loads(r.stdout)
    assert job["status"] == "completed" and not job["files"]  # made and paid for: kept, ready to fetch elsewhere
    assert says.format(out=out) in r.stderr and f"sora-tui download {job['short_id']}" in r.stderr
    assert not [p for p in out.iterdir() if p.suffix == ".mp4"]  # nothing short is passed off as the video
    again = run_cli(home, engine.base_url, "download", job["short_id"], "--out", str(tmp_path / "elsewhere"))
    assert again.returncode == 0 and Path(again.stdout.strip()).is_file()


def test_a_full_data_disk_says_the_truth_and_sends_nothing(tmp_path: Path, engine, mounts: list[Path]) -> None:
    """The journal write itself fails: nothing was saved, so nothing may be sent (it would be billed and lost), and
    the message must not promise that `resume` continues it. No logging stack dumps on stderr either."""
    home = tmp_path / "home"
    _mount_tmpfs(home, "size=512k")
    mounts.append(home)
    first = _generate(home, engine, "--json")
    assert first.returncode == 0, first.stderr
    before = len(server_videos(engine.base_url))
    filler = home / "filler"
    with open(filler, "wb", buffering=0) as fh:  # fill every last block of the data disk
        try:
            while fh.write(b"\0" * 4096):
                pass
        except OSError:
            pass
    long_prompt = PROMPT + ", " + "every wave and every gull in the frame, " * 200  # more than a page of journal
    r = run_cli(home, engine.base_url, "generate", long_prompt, "--seconds", "4", "--size", "1280x720")
    _no_traceback(r)
    assert r.returncode == 2, r.stderr
    assert "cannot be written (No space left on device)" in r.stderr
    assert "Nothing was sent to the server, so nothing was billed." in r.stderr
    assert "Logging error" not in r.stderr and "resume` continues" not in r.stderr and "unexpected error" not in r.stderr
    assert len(server_videos(engine.base_url)) == before
    filler.unlink()
    listed = run_cli(home, engine.base_url, "jobs", "--json")
    assert listed.returncode == 0 and len(listed.stdout.splitlines()) == 1  # the history is whole


def test_a_directory_where_the_history_belongs(tmp_path: Path, engine) -> None:
    home = tmp_path / "home"
    (home / "history.json").mkdir(parents=True)
    r = run_cli(home, engine.base_url, "jobs")
    _no_traceback(r)
    assert r.returncode == 2
    assert f"{home / 'history.json'} is a directory" in r.stderr and "Move the directory away" in r.stderr


def test_an_emptied_history_beside_its_backup_loses_nothing(tmp_path: Path, engine) -> None:
    home = tmp_path / "home"
    for _ in range(3):
        assert _generate(home, engine).returncode == 0
    run_cli(home, engine.base_url, "export", "--out", str(tmp_path / "before.jsonl"))
    subprocess.run([sys.executable, "-c", ("from sora_tui.store import HistoryStore as H; import sys; "
                    "s = H(__import__('pathlib').Path(sys.argv[1])); s.compact(); s.close()"), str(home / "history.json")],
                   check=True, env=cli_env(home))
    (home / "history.json").write_text("{}")
    r = run_cli(home, engine.base_url, "jobs", "--json")
    assert r.returncode == 0 and len(r.stdout.splitlines()) == 3
    assert "history file was damaged" in r.stderr and "3 restored from the backup" in r.stderr


def test_a_closed_pipe_ends_quietly(tmp_path: Path, engine) -> None:
    """`sora-tui jobs --json | head -1` printed "unexpected error (BrokenPipeError)", exited 70 and wrote a report."""
    home = tmp_path / "home"
    for _ in range(2):
        assert _generate(home, engine).returncode == 0
    big = HistoryStore(home / "history.json")
    for i in range(3000):  # more than a pipe holds, so the writer meets the closed end
        big.add(Job.new(GenerationParams(f"kite {i} over a windy beach, slow pan left")))
    big.close()
    proc = spawn_cli(home, engine.base_url, "jobs", "--json")
    assert proc.stdout is not None and proc.stdout.readline()
    proc.stdout.close()  # as `head -1` does once it has its line
    proc.wait(60)
    err = proc.stderr.read() if proc.stderr else ""
    assert proc.returncode == 0, err
    assert err == "" and not (home / "crash").exists()
