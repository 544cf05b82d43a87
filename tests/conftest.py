"""Shared fixtures: a real local engine on loopback, a private data dir, a real history file."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("SORA_TUI_NO_PROGRESS", "1")
# The tests read English unless they ask for Japanese (the `ja` fixture below): the machine's LANG must not
# decide what a test expects. Subprocesses (the CLI, the app in tmux) inherit it.
os.environ["SORA_TUI_LANG"] = "en"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private SORA_TUI_HOME; no real config, key or base URL leaks in from the developer's shell."""
    h = tmp_path / "home"
    h.mkdir()
    monkeypatch.setenv("SORA_TUI_HOME", str(h))
    monkeypatch.delenv("SORA_TUI_CONFIG", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.setenv("SORA_TUI_ENGINE_SPEED", "instant")
    return h


@pytest.fixture
def local_engine(tmp_path: Path) -> Iterator[object]:
    """The built-in engine in this process (instant speed), on a free loopback port."""
    from sora_tui.engine import EngineConfig, start_engine_thread

    handle = start_engine_thread(EngineConfig(speed="instant", state_dir=tmp_path / "engine-state"))
    try:
        yield handle
    finally:
        handle.stop()


@pytest.fixture
def fast_engine(tmp_path: Path) -> Iterator[object]:
    """The engine at 'fast' speed: jobs stay queued/in progress for a few seconds."""
    from sora_tui.engine import EngineConfig, start_engine_thread

    handle = start_engine_thread(EngineConfig(speed="fast", state_dir=tmp_path / "engine-fast"))
    try:
        yield handle
    finally:
        handle.stop()


@pytest.fixture
def engine_daemon(home: Path) -> Iterator[Path]:
    """Stops the background local engine that the app or CLI started for `home` (the real on-demand path)."""
    yield home
    from sora_tui.engine import stop_engine

    stop_engine(home / "engine")


@pytest.fixture
def ja(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The interface in Japanese for one test (and the subprocesses it starts), English again after it."""
    from sora_tui.core import i18n

    monkeypatch.setenv("SORA_TUI_LANG", "ja")
    i18n.set_language("ja")
    try:
        yield
    finally:
        monkeypatch.setenv("SORA_TUI_LANG", "en")
        i18n.set_language("en")
