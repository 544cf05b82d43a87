"""Through servers whose ids cannot tell jobs apart (a LiteLLM proxy's share a 48-character ending; gateways send
UUIDs, base64 and operation names), each job has one short id: the TUI shows it, every CLI command takes it, and the
files, sidecars, listings and progress lines carry it. Real engine, real `sora-tui` processes, the real TUI."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from harness import KEY, cli_env, run_cli
from terminal import on_a_terminal

from sora_tui.engine import EngineConfig, start_engine_thread
from sora_tui.engine.modes import DEPLOYMENT_TAG

PROMPT = "a red kite over a windy beach, slow pan left, gulls crying"
MODES = ("shared-suffix-ids", "uuid-ids")


@pytest.fixture(params=MODES)
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    with start_engine_thread(EngineConfig(speed="instant", state_dir=tmp_path / "engine", modes=request.param)) as engine:
        yield engine


def _cli(home: Path, server: Any, *args: str) -> subprocess.CompletedProcess[str]:
    r = run_cli(home, server.base_url, *args)
    assert "Traceback" not in r.stderr, r.stderr
    return r


def _json(r: subprocess.CompletedProcess[str]) -> Any:
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def _unique_prefix(value: str, others: list[str]) -> str | None:
    """The shortest start of `value`, shorter than it, that starts no other job's id (short, server or local)."""
    return next((value[:n] for n in range(1, len(value)) if not any(o.startswith(value[:n]) for o in others)), None)


async def _shown_in_the_tui(home: Path, server: Any, local_ids: list[str], monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The ID cell of each job's row in the live table; the first's details title and notification say the same."""
    from textual.widgets import DataTable

    from sora_tui.tui.app import SoraApp
    from sora_tui.tui.screens.detail import JobDetailScreen
    from sora_tui.tui.textual_fence import notifications

    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    app = SoraApp(base_url=server.base_url)
    async with app.run_test(size=(120, 30)) as pilot:
        deadline = time.monotonic() + 60
        while not (app.session is not None and app.session.service is not None  # connected: enter acts
                   and all(i in app.main.query_one(DataTable).rows for i in local_ids)):
            assert time.monotonic() < deadline, "the jobs never reached the table, or the app the server"
            await pilot.pause(0.05)
        table = app.main.query_one(DataTable)
        shown = {i: str(table.get_cell(i, "id")) for i in local_ids}
        table.focus()
        table.move_cursor(row=table.get_row_index(local_ids[0]))
        await pilot.press("enter")
        while not isinstance(app.screen, JobDetailScreen):
            assert time.monotonic() < deadline, ("the details never opened", [n.message for n in notifications(app)])
            await pilot.pause(0.05)
        title = str(app.screen.query_one("#detail-box").border_title)
        assert title == f"Job {shown[local_ids[0]]}"
        await pilot.press("s")  # star it from the details: the notification names it the same way
        said = f"Starred {shown[local_ids[0]]}."
        while not any(n.message == said for n in notifications(app)):
            assert time.monotonic() < deadline, ("no notification", [n.message for n in notifications(app)])
            await pilot.pause(0.05)
    return shown


async def test_the_id_the_tui_shows_is_the_one_every_command_takes(server: Any, home: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    made = _cli(home, server, "generate", PROMPT, "--variations", "3", "--download", "--json")
    assert made.returncode == 0, made.stderr
    jobs = [json.loads(line) for line in made.stdout.splitlines()]
    assert len(jobs) == 3 and all({"id", "local_id", "short_id", "status"} <= job.keys() for job in jobs)
    if "shared-suffix-ids" in server.engine.modes:
        assert len({job["id"][-48:] for job in jobs}) == 1 and jobs[0]["id"].endswith(DEPLOYMENT_TAG)
    short = {job["local_id"]: job["short_id"] for job in jobs}
    assert len(set(short.values())) == 3

    # downloads are named by the short id (distinct names), and the sidecar says which it is
    for job in jobs:
        video = Path(next(f["path"] for f in job["files"] if f["variant"] == "video"))
        assert video.is_file() and video.stem.endswith("_" + job["short_id"])
        assert json.loads(video.with_suffix(".json").read_text())["short_id"] == job["short_id"]

    shown = await _shown_in_the_tui(home, server, list(short), monkeypatch)
    assert shown == short

    # every command that takes an id takes the one the TUI showed
    first, second, third = (shown[job["local_id"]] for job in jobs)
    for job in jobs:
        sid = shown[job["local_id"]]
        assert _json(_cli(home, server, "show", sid, "--json"))["local_id"] == job["local_id"]
        human = _cli(home, server, "show", sid)
        assert human.returncode == 0 and human.stdout.splitlines()[0].split() == ["short", "id", sid]
    picture = _json(_cli(home, server, "download", first, "--variant", "thumbnail", "--json"))
    assert picture["short_id"] == first and Path(picture["path"]).is_file() and first in Path(picture["path"]).name
    retried = _json(_cli(home, server, "retry", second, "--json"))
    assert retried["kind"] == "retry" and retried["parent_id"] == jobs[1]["local_id"]
    remixed = _json(_cli(home, server, "remix", third, PROMPT + " at dusk", "--json"))
    assert remixed["kind"] == "remix" and remixed["parent_id"] == jobs[2]["local_id"]
    extended = _json(_cli(home, server, "extend", first, "the kite climbs higher", "--seconds", "4", "--json"))
    assert extended["kind"] == "extend" and extended["parent_id"] == jobs[0]["local_id"]
    edited = _json(_cli(home, server, "edit", second, "brighter, more wind", "--json"))
    assert edited["kind"] == "edit" and edited["parent_id"] == jobs[1]["local_id"]
    deleted = _cli(home, server, "delete", third, "--yes")
    assert deleted.returncode == 0 and deleted.stdout.startswith(f"deleted {third} "), deleted.stderr

    # the listing names each job by the same short id
    history = [json.loads(line) for line in _cli(home, server, "jobs", "--json").stdout.splitlines()]
    assert len(history) == 7 and len({j["short_id"] for j in history}) == 7
    listed = _cli(home, server, "jobs").stdout.splitlines()
    assert [line.split()[0] for line in listed] == [j["short_id"] for j in history]

    # the whole server id, and an unambiguous prefix of it or of the short id, each find the job
    tried = 0
    for job in history:
        others = [x for j in history if j is not job for x in (j["short_id"], j["id"], j["local_id"])]
        for ref in (_unique_prefix(job["id"], others), _unique_prefix(job["short_id"], others), job["id"]):
            if ref is not None:
                assert _json(_cli(home, server, "show", ref, "--json"))["local_id"] == job["local_id"], ref
                tried += 1
    assert tried >= 2 * len(history)

    # an ambiguous one names the candidates by their short ids
    for ref in ("job_", "video_") if "shared-suffix-ids" in server.engine.modes else ("job_",):
        r = _cli(home, server, "show", ref)
        assert r.returncode == 2 and f"{ref!r} matches 7 jobs" in r.stderr, r.stderr
        candidates = [line.split()[0] for line in r.stderr.splitlines()[1:6]]
        assert candidates == [j["short_id"] for j in history[:5]], r.stderr
        assert "… and 2 more" in r.stderr and DEPLOYMENT_TAG not in r.stderr


def test_progress_lines_on_a_terminal_name_the_short_id(server: Any, home: Path) -> None:
    """Progress goes to stderr only on a terminal: a pseudo-terminal here, the JSON on stdout as usual."""
    code, out, lines = on_a_terminal(["--base-url", server.base_url, "generate", PROMPT, "--variations", "2",
                                      "--wait", "--json"], {**cli_env(home), "SORA_TUI_NO_PROGRESS": ""})
    assert code == 0, lines
    jobs = [json.loads(line) for line in out.splitlines()]
    assert lines and all(line.startswith("  ") for line in lines), lines
    assert {line.split()[0] for line in lines} == {job["short_id"] for job in jobs}, lines
