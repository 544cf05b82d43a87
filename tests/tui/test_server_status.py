"""The status line's dot tells the truth about the server, against real servers on loopback: checking while
nothing has answered yet, green once one has, red with the time of the next try when nothing listens (and it
does try again), red when the key is refused."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from pilot_helpers import connected, history, notifications, status_text, wait_until
from textual.widgets import TextArea

from sora_tui.tui.app import SoraApp

SIZE = (120, 30)
KEY = "sk-status-line-0123456789abcdef"


def dot(app: SoraApp) -> str:
    """The dot's colour, or "" when the status line is not about the server."""
    content = app.main.query_one("#status-line").content
    spans = getattr(content, "spans", [])
    first = next((span for span in spans if span.start == 0), None)
    return str(first.style) if first is not None and str(content).startswith("●") else ""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def silent_server() -> Iterator[str]:
    """Accepts connections (the kernel does) and never answers: a server that hangs."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}/v1"


@pytest.fixture
def engine_with_a_key(tmp_path: Path) -> Iterator[str]:
    """`sora-tui engine --api-key-env`: a real engine process that accepts one key only."""
    env = {**os.environ, "SORA_TUI_TEST_ENGINE_KEY": "sk-the-right-key-0123456789"}
    proc = subprocess.Popen([sys.executable, "-m", "sora_tui", "engine", "--port", "0", "--speed", "instant",
                             "--state-dir", str(tmp_path / "keyed"), "--api-key-env", "SORA_TUI_TEST_ENGINE_KEY"],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
    try:
        line = proc.stderr.readline()
        found = re.search(r"on (http://127\.0\.0\.1:\d+/v1)", line)
        assert found, line
        yield found.group(1)
    finally:
        proc.terminate()
        proc.wait(timeout=20)


async def test_a_server_nobody_listens_on_is_red_and_tried_again_until_it_answers(
        home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from sora_tui.engine import EngineConfig, start_engine_thread

    port = free_port()
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", f"http://127.0.0.1:{port}/v1")
    app = SoraApp()
    seen: set[str] = set()
    async with app.run_test(size=SIZE) as pilot:
        def unreachable() -> bool:
            seen.add(dot(app))
            return "cannot reach it" in status_text(app)

        await wait_until(pilot, unreachable, what="the unreachable server", timeout=30)
        assert connected(app) and app.server_state == "unreachable"
        assert dot(app) == "bold red" and "green" not in seen
        assert re.search(r"trying again (in \d+ s|now)", status_text(app)), status_text(app)
        # it does try again: once something listens there, the dot turns green by itself
        with start_engine_thread(EngineConfig(speed="instant", state_dir=tmp_path / "late", port=port)):
            await wait_until(pilot, lambda: dot(app) == "green", what="the server found again", timeout=40)
            assert "cannot reach" not in status_text(app) and f"127.0.0.1:{port}" in status_text(app)
            assert app.capabilities.get("list") is True


async def test_the_discard_port_is_never_green_even_after_a_failed_generate(home: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    app = SoraApp()
    seen: set[str] = set()
    async with app.run_test(size=SIZE) as pilot:
        def red() -> bool:
            seen.add(dot(app))
            return dot(app) == "bold red"

        await wait_until(pilot, red, what="the red dot", timeout=30)
        assert "green" not in seen and "cannot reach it; trying again" in status_text(app)
        app.main.query_one("#prompt", TextArea).text = "a red kite over a windy beach, slow pan left"
        await pilot.press("ctrl+g", "ctrl+g")  # priced (a --base-url server): the first asks, the second sends
        await wait_until(pilot, lambda: any("Cannot reach the server" in n.message for n in notifications(app)),
                         what="the failed generate")
        await pilot.pause(1.5)  # the countdown goes on, and the dot stays red
        assert dot(app) == "bold red" and "trying again" in status_text(app) and "green" not in seen


async def test_a_refused_key_is_red_and_says_so(home: Path, engine_with_a_key: str,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-the-wrong-key-0123456789")
    app = SoraApp(base_url=engine_with_a_key)
    seen: set[str] = set()
    async with app.run_test(size=SIZE) as pilot:
        def refused() -> bool:
            seen.add(dot(app))
            return "refused the API key" in status_text(app)

        await wait_until(pilot, refused, what="the refusal", timeout=30)
        assert dot(app) == "bold red" and app.server_state == "key_refused" and "green" not in seen
        assert "$OPENAI_API_KEY" in status_text(app) and "wrong-key" not in status_text(app)


async def test_a_working_server_is_green_and_a_silent_one_stays_checking(
        home: Path, tmp_path: Path, silent_server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from sora_tui.engine import EngineConfig, start_engine_thread

    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    with start_engine_thread(EngineConfig(speed="instant", state_dir=tmp_path / "working")) as engine:
        app = SoraApp(base_url=engine.base_url)
        async with app.run_test(size=SIZE) as pilot:
            await wait_until(pilot, lambda: dot(app) == "green", what="the green dot", timeout=30)
            assert f"custom: {engine.base_url}" in status_text(app) and "checking" not in status_text(app)

    app = SoraApp(base_url=silent_server)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: connected(app) and "checking the server" in status_text(app),
                         what="the check", timeout=30)
        await pilot.pause(1.5)  # still no answer: still checking, never green
        assert dot(app) == "yellow" and "checking the server" in status_text(app)


async def test_a_server_that_goes_away_while_jobs_run_turns_the_dot_red(home: Path, tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from sora_tui.engine import EngineConfig, start_engine_thread

    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    engine = start_engine_thread(EngineConfig(speed="realistic", state_dir=tmp_path / "going"))
    try:
        app = SoraApp(base_url=engine.base_url)
        async with app.run_test(size=SIZE) as pilot:
            await wait_until(pilot, lambda: dot(app) == "green", what="the green dot", timeout=30)
            app.main.query_one("#prompt", TextArea).text = "a red kite over a windy beach, slow pan left"
            await pilot.press("ctrl+g", "ctrl+g")  # priced: asked, then sent
            await wait_until(pilot, lambda: any(j.video_id for j in history(home)), what="the job sent", timeout=30)
            engine.stop()  # the tracker's next round finds nobody there
            await wait_until(pilot, lambda: dot(app) == "bold red" and "cannot reach it" in status_text(app),
                             what="the red dot", timeout=30)
    finally:
        engine.stop()
