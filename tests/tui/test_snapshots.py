"""SVG snapshots of every screen at 80x24 and 160x45, from the real app on a seeded history and the real engine.

Time is frozen, the time zone is UTC and cursors do not blink, so a snapshot changes only when the screen
does. Review a changed snapshot like code: `pytest tests/tui/test_snapshots.py --snapshot-update` rewrites
them, and `git diff` shows what moved. The README's screenshots are made from the same scenes
(`python tests/tui/scenes.py docs/screenshots`).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from scenes import CONFIG, NOW, SCENES, prepare_scene, seed_history

SIZES = {"small": (80, 24), "wide": (160, 45)}


# The screens a Japanese user sees most, in Japanese with Japanese prompts, beside the English ones.
JA_SCENES = ("main", "history", "details", "help")


def _seeded(home: Path, monkeypatch: pytest.MonkeyPatch, lang: str) -> Iterator[Path]:
    from sora_tui.tui.widgets import job_list

    monkeypatch.setenv("TZ", "UTC")
    monkeypatch.setenv("SORA_TUI_CONFIG", str(CONFIG))
    time.tzset()
    monkeypatch.setattr(job_list, "clock", lambda: NOW)
    seed_history(home, lang)
    yield home
    monkeypatch.delenv("TZ")
    time.tzset()


@pytest.fixture
def seeded(home: Path, engine_daemon: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    yield from _seeded(home, monkeypatch, "en")


@pytest.fixture
def seeded_ja(home: Path, engine_daemon: Path, ja: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    yield from _seeded(home, monkeypatch, "ja")


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("scene", SCENES)
def test_screen(snap_compare, seeded: Path, scene: str, size: str) -> None:
    from sora_tui.tui.app import SoraApp

    assert snap_compare(SoraApp(), terminal_size=SIZES[size], run_before=prepare_scene(scene))


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("scene", JA_SCENES)
def test_screen_in_japanese(snap_compare, seeded_ja: Path, scene: str, size: str) -> None:
    from sora_tui.tui.app import SoraApp

    assert snap_compare(SoraApp(), terminal_size=SIZES[size], run_before=prepare_scene(scene, "ja"))
