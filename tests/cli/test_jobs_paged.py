"""`sora-tui jobs` over a history larger than one page: the same lines, in the same order, as decoding every
match at once gave, while no more than a page of jobs is held at any time (memory flat whatever the number of
matches)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import weakref
from pathlib import Path

import pytest

from sora_tui import cli
from sora_tui.cli.commands import history as history_commands
from sora_tui.cli.listing import job_line
from sora_tui.core.job import Job
from sora_tui.core.params import GenerationParams
from sora_tui.core.status import JobStatus
from sora_tui.core.text import json_for_terminal
from sora_tui.store import HistoryStore

N = 1_234  # two pages and a part


def _write_history(path: Path) -> list[Job]:
    """A TinyDB-format history file of N jobs, written at once (as an older sora-tui or TinyDB would)."""
    jobs = []
    for i in range(N):
        prompt = f"a red kite over the dunes, take {i}" if i % 10 else f"a lighthouse at dusk, take {i}"
        status = [JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.DOWNLOADED, JobStatus.QUEUED][i % 4]
        job = Job.new(GenerationParams(prompt), video_id=f"video_{i:05d}", status=status)
        job.created_at = job.updated_at = 1_765_000_000.0 + (i // 3)  # equal times too: their order must hold
        job.tags = ["Kite"] if i % 7 == 0 else []
        jobs.append(job)
    data = {"jobs": {str(i + 1): job.to_doc() for i, job in enumerate(jobs)}, "meta": {"1": {"schema": 1}}}
    path.write_text(json.dumps(data), encoding="utf-8")
    return jobs


@pytest.fixture
def history(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    _write_history(home / "history.json")
    return home


def _run(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "SORA_TUI_"))}
    env["SORA_TUI_HOME"] = str(home)
    return subprocess.run([sys.executable, "-m", "sora_tui", *args], check=False, capture_output=True,
                          text=True, env=env, stdin=subprocess.DEVNULL, timeout=120)


def _expected(home: Path, args: list[str]) -> str:
    """What `jobs` printed when it decoded every match at once: query() with the same filters."""
    parsed = cli.build_parser().parse_args(["jobs", *args])
    store = HistoryStore(home / "history.json")
    try:
        jobs = store.query(status=parsed.status, text=parsed.search, limit=parsed.limit)
    finally:
        store.close()
    if parsed.json:
        return "".join(json_for_terminal(json.dumps(cli.job_json(j), ensure_ascii=False)) + "\n"
                       for j in jobs)
    return "".join(job_line(j) + "\n" for j in jobs)


@pytest.mark.parametrize("args", [[], ["--search", "kite"], ["--status", "failed"],
                                  ["--search", "KITE", "--status", "completed", "--json"], ["--json"],
                                  ["--limit", "501"], ["--search", "lighthouse", "--limit", "40"]])
def test_jobs_lists_the_same_lines_in_the_same_order(history: Path, args: list[str]) -> None:
    proc = _run(history, "jobs", *args)
    assert proc.returncode == 0, proc.stderr
    expected = _expected(history, args)
    assert expected.count("\n") >= 40  # a filter that matches (next to) nothing would prove little
    assert proc.stdout == expected


def test_jobs_with_no_match_says_so_on_stderr(history: Path) -> None:
    proc = _run(history, "jobs", "--search", "no such words")
    assert proc.returncode == 0 and proc.stdout == "" and "no jobs in the history yet" in proc.stderr


@pytest.mark.parametrize("args", [["jobs", "--search", "kite"], ["jobs", "--json"]])
def test_jobs_holds_at_most_a_page_of_jobs_at_once(history: Path, args: list[str],
                                                   monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("SORA_TUI_HOME", str(history))
    real = Job.from_doc.__func__  # type: ignore[attr-defined]
    live = [0, 0]  # jobs alive now, the most alive at once

    def gone() -> None:
        live[0] -= 1

    def counted(cls: type[Job], doc: dict) -> Job:
        job = real(cls, doc)
        live[0] += 1
        live[1] = max(live[1], live[0])
        weakref.finalize(job, gone)
        return job

    monkeypatch.setattr(Job, "from_doc", classmethod(counted))
    assert cli.main(args) == 0
    printed = capsys.readouterr().out.count("\n")
    assert printed > 1_000
    assert live[1] <= history_commands._PAGE + 1, f"{live[1]} jobs held at once to print {printed}"
