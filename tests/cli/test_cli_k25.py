"""The CLI of a power user: `--wait` shows the progress of the jobs the command itself made and of no other, a
mistyped command, sub-command or option gets "did you mean" (in the interface's language, exit code 2), and
`jobs --kept` lists only the takes kept with Keep."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from terminal import on_a_terminal

KEY = "test-key"


def _env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "SORA_TUI_"))}
    env.update({"SORA_TUI_HOME": str(home), "OPENAI_API_KEY": KEY, "SORA_TUI_NO_PROGRESS": "1",
                "SORA_TUI_LANG": os.environ.get("SORA_TUI_LANG", "en"), **extra})
    return env


def _run(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([sys.executable, "-m", "sora_tui", *args], capture_output=True, text=True, timeout=120,
                          env=_env(home), stdin=subprocess.DEVNULL, check=False)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def _on_a_terminal(home: Path, *args: str, meanwhile: Callable[[], object] | None = None) -> tuple[int, str, list[str]]:
    return on_a_terminal(list(args), _env(home, SORA_TUI_NO_PROGRESS=""), meanwhile)


def _named(lines: list[str]) -> set[str]:
    """The short ids the progress lines name (each line: two spaces, the id, what happened)."""
    return {line.split()[0] for line in lines if line.startswith("  ") and not line.startswith("  !")}


# --- --wait: only this command's jobs ------------------------------------------------------------------------
def test_wait_shows_progress_only_for_the_jobs_the_command_made(home: Path, fast_engine: Any) -> None:
    url = fast_engine.base_url
    # A first process sends a long job and leaves it running; the history (shared) holds it as active, so the
    # next process's tracking polls it too and hears of its progress.
    first = _run(home, "--base-url", url, "generate", "a long slow pan over dunes", "--seconds", "12", "--json")
    assert first.returncode == 0, first.stderr
    other = json.loads(first.stdout)["short_id"]

    code, out, said = _on_a_terminal(home, "--base-url", url, "generate", "a red kite", "--wait", "--json")
    assert code == 0, said
    mine = json.loads(out)["short_id"]
    assert _named(said) == {mine}, said
    assert not any(other in line for line in said), said

    # remix --wait the same way, with yet another job running beside it
    third = _run(home, "--base-url", url, "generate", "rain on a tin roof", "--seconds", "12", "--json")
    assert third.returncode == 0, third.stderr
    busy = json.loads(third.stdout)["short_id"]
    code, out, said = _on_a_terminal(home, "--base-url", url, "remix", mine, "the same kite at dusk", "--wait",
                                     "--json")
    assert code == 0, said
    remix = json.loads(out)["short_id"]
    assert _named(said) == {remix}, said
    assert not any(busy in line or other in line for line in said), said


def test_resume_shows_progress_only_for_what_it_found_left_running(home: Path, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from sora_tui.engine import EngineConfig, start_engine_thread
    from sora_tui.engine.state import SPEEDS

    # Renders of about 15 s: the job left running is still running after another process has sent one more.
    monkeypatch.setitem(SPEEDS, "fast", (0.5, 11.0, 0.3))
    engine = start_engine_thread(EngineConfig(speed="fast", state_dir=tmp_path / "engine-slow"))
    try:
        _resume_beside_another_process(home, engine.base_url)
    finally:
        engine.stop()


def _resume_beside_another_process(home: Path, url: str) -> None:
    left = _run(home, "--base-url", url, "generate", "a long slow pan over dunes", "--seconds", "12", "--json")
    assert left.returncode == 0, left.stderr
    found = json.loads(left.stdout)["short_id"]
    sent: list[str] = []

    def another_process_sends_a_job() -> None:  # while resume follows: not its job
        r = _run(home, "--base-url", url, "generate", "rain on a tin roof", "--seconds", "12", "--json")
        assert r.returncode == 0, r.stderr
        sent.append(json.loads(r.stdout)["short_id"])

    code, out, said = _on_a_terminal(home, "--base-url", url, "resume", "--json",
                                     meanwhile=another_process_sends_a_job)
    assert code == 0, said
    assert sent and [json.loads(line)["short_id"] for line in out.splitlines()] == [found]
    assert _named(said) == {found}, said


def test_progress_printer_says_nothing_of_jobs_it_was_not_asked_about() -> None:
    import io

    from sora_tui.cli.progress import ProgressPrinter
    from sora_tui.core.job import Job
    from sora_tui.core.params import GenerationParams
    from sora_tui.core.status import JobStatus
    from sora_tui.service.events import JobCompleted, JobProgressed

    mine = Job.new(GenerationParams("mine"), status=JobStatus.IN_PROGRESS, video_id="video_mine")
    theirs = Job.new(GenerationParams("theirs"), status=JobStatus.IN_PROGRESS, video_id="video_theirs")
    stream = io.StringIO()
    printer = ProgressPrinter(stream, enabled=True, only={mine.local_id})
    printer.start([mine])
    printer.on_event(JobProgressed(theirs))
    printer.on_event(JobCompleted(theirs))
    printer.on_event(JobCompleted(mine))
    lines = stream.getvalue().splitlines()
    assert _named(lines) == {mine.short_id} and len(lines) == 2, lines


# --- did you mean ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("args", "wrong", "meant"), [
    (("generat", "a kite"), "generat", "generate"),
    (("job",), "job", "jobs"),
    (("profile", "ls"), "profile", "profiles"),
    (("gen", "a kite"), "gen", "generate"),  # the start of one command only
    (("profiles", "ad", "work"), "ad", "add"),  # a group's own commands
    (("characters", "lst"), "lst", "list"),
])
def test_a_mistyped_command_gets_did_you_mean(home: Path, args: tuple[str, ...], wrong: str, meant: str) -> None:
    r = _run(home, *args)
    assert r.returncode == 2, r.stderr
    last = r.stderr.strip().splitlines()[-1]
    assert last.endswith(f"error: unknown command '{wrong}'; did you mean '{meant}'?"), r.stderr
    assert r.stderr.startswith("usage: sora-tui"), r.stderr
    assert r.stdout == ""


@pytest.mark.parametrize(("args", "wrong", "meant"), [
    (("generate", "a kite", "--mdoel", "sora-2"), "--mdoel", "--model"),
    (("generate", "a kite", "--variatons=3"), "--variatons", "--variations"),
    (("jobs", "--stauts", "failed"), "--stauts", "--status"),
    (("profiles", "add", "work", "--base-url", "http://x/v1", "--key-env", "K", "--defualt"), "--defualt",
     "--default"),
    (("--profiel", "work", "jobs"), "--profiel", "--profile"),
])
def test_a_mistyped_option_gets_did_you_mean(home: Path, args: tuple[str, ...], wrong: str, meant: str) -> None:
    r = _run(home, *args)
    assert r.returncode == 2, r.stderr
    last = r.stderr.strip().splitlines()[-1]
    assert last.endswith(f"error: unknown option '{wrong}'; did you mean '{meant}'?"), r.stderr


def test_nothing_close_lists_the_valid_ones(home: Path) -> None:
    r = _run(home, "xyzzy")
    assert r.returncode == 2
    last = r.stderr.strip().splitlines()[-1]
    assert last.startswith("sora-tui: error: unknown command 'xyzzy'; the commands are: engine, generate, jobs, "), last
    assert "profiles" in last and "characters" in last

    r = _run(home, "profiles", "qqq")
    assert r.returncode == 2
    assert r.stderr.strip().splitlines()[-1] == ("sora-tui profiles: error: unknown command 'qqq'; the commands "
                                                 "are: add, edit, delete"), r.stderr

    r = _run(home, "show", "abc", "--zzzzzz")
    assert r.returncode == 2
    last = r.stderr.strip().splitlines()[-1]
    assert last == "sora-tui show: error: unknown option '--zzzzzz'; the options are: -h, --help, --json", r.stderr


def test_a_global_option_after_the_command_is_told_where_it_goes(home: Path) -> None:
    r = _run(home, "generate", "a kite", "--profile", "work")
    assert r.returncode == 2
    assert r.stderr.strip().splitlines()[-1] == (
        "sora-tui generate: error: '--profile' is an option of sora-tui, not of generate: write it before the "
        "command, as in sora-tui --profile … generate …"), r.stderr
    r = _run(home, "profiles", "--base-url", "http://x/v1")  # what argparse took for the group's command
    assert r.returncode == 2
    assert "'--base-url' is an option of sora-tui, not of profiles" in r.stderr, r.stderr


def test_right_commands_and_unambiguous_option_starts_still_work(home: Path) -> None:
    r = _run(home, "jobs", "--stat", "failed", "--js")  # argparse's own abbreviations are left alone
    assert r.returncode == 0 and r.stdout == "", r.stderr
    r = _run(home, "generate", "a kite", "extra words")  # not an option: argparse's own message
    assert r.returncode == 2 and "unrecognized arguments: extra words" in r.stderr, r.stderr


def test_did_you_mean_in_japanese(home: Path, ja: None) -> None:
    r = _run(home, "generat", "凧")
    assert r.returncode == 2
    assert r.stderr.startswith("使い方: sora-tui"), r.stderr
    assert r.stderr.strip().splitlines()[-1] == ("sora-tui: エラー: コマンド 'generat' はありません。"
                                                 "'generate' のことですか?"), r.stderr
    r = _run(home, "generate", "凧", "--mdoel", "sora-2")
    assert r.returncode == 2
    assert r.stderr.strip().splitlines()[-1] == ("sora-tui generate: エラー: オプション '--mdoel' はありません。"
                                                 "'--model' のことですか?"), r.stderr
    r = _run(home, "profiles", "qqq")
    assert r.returncode == 2
    assert r.stderr.strip().splitlines()[-1] == ("sora-tui profiles: エラー: コマンド 'qqq' はありません。"
                                                 "使えるコマンド: add, edit, delete"), r.stderr


# --- jobs --kept ---------------------------------------------------------------------------------------------------
def _keep(home: Path, local_id: str) -> list[str]:
    """Keep a take as the compare view does (JobService.keep, on the home's history; no server is asked)."""
    import asyncio

    from sora_tui.backend import VideosBackend
    from sora_tui.config import Paths
    from sora_tui.service import JobService
    from sora_tui.session import open_store

    async def keep() -> list[str]:
        store = open_store(Paths.from_env())
        backend = VideosBackend("http://127.0.0.1:9", KEY, timeout=2)  # nothing listens there: nothing is sent
        try:
            service = JobService(store, backend, profile="local", download_dir=home / "downloads")
            job = store.get(local_id)
            assert job is not None
            return [j.local_id for j in await service.keep(job)]
        finally:
            await backend.aclose()
            store.close()

    return asyncio.run(keep())


def test_jobs_kept_lists_only_the_kept_takes(cli: Any, home: Path) -> None:
    made = cli("generate", "a red kite over the dunes", "--variations", "3", "--wait", "--json")
    assert made.code == 0, made.err
    takes = made.json_lines()
    single = cli("generate", "a lighthouse at night", "--wait", "--json")
    assert single.code == 0, single.err
    alone = single.json()

    none = cli("jobs", "--kept")
    assert none.code == 0 and none.out == "", none.err
    assert none.err.startswith("sora-tui: no kept takes"), none.err
    assert cli("jobs", "--kept", "--json").out == ""

    chosen = takes[1]
    changed = _keep(home, chosen["local_id"])
    assert set(changed) == {t["local_id"] for t in takes}  # the other two passed
    _keep(home, alone["local_id"])  # a job of no group, kept alone

    listed = cli("jobs", "--kept", "--json").json_lines()
    assert [j["local_id"] for j in listed] == [alone["local_id"], chosen["local_id"]]  # newest first
    assert all(j["extra"]["choice"] == "kept" and j["starred"] for j in listed)  # type: ignore[index]
    text = cli("jobs", "--kept")
    assert [line.split()[0] for line in text.out.splitlines()] == [alone["short_id"], chosen["short_id"]], text.out
    assert len(cli("jobs", "--json").json_lines()) == 4  # without --kept, every job as before
    # with the other filters
    assert [j["local_id"] for j in cli("jobs", "--kept", "--search", "kite", "--json").json_lines()] == [
        chosen["local_id"]]
    assert cli("jobs", "--kept", "--limit", "1", "--json").json_lines()[0]["local_id"] == alone["local_id"]

    shown = cli("show", chosen["short_id"])
    assert "kept (the one chosen of its group)" in shown.out, shown.out
    passed = cli("show", takes[0]["short_id"])
    assert "not chosen (another take of its group was kept)" in passed.out, passed.out


def test_jobs_kept_in_the_help_in_english_and_japanese(cli: Any, request: pytest.FixtureRequest) -> None:
    r = cli("jobs", "--help")
    assert r.code == 0 and "--kept" in r.out and "only the takes kept with Keep" in r.out, r.out
    request.getfixturevalue("ja")
    r = cli("jobs", "--help")
    assert r.code == 0 and "--kept" in r.out and "キープしたテイクだけ" in r.out, r.out
    none = cli("jobs", "--kept")
    assert none.code == 0 and none.err.startswith("sora-tui: キープしたテイクはありません"), none.err
