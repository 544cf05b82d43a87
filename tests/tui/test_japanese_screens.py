"""The Japanese screens have no English left on them: every scene of the seeded history, at 80x24 and 160x45,
in Japanese with Japanese prompts, read back as text, with every English word accounted for.

What may stay English is what a Japanese app shows in English too: names (models, profiles, servers, key caps,
file names and paths, ids), abbreviations (ID, URL, API, MP4), and what the server or the user wrote. Anything else
is a string that missed the catalogs — the scan of the code (tests/i18n/test_marked_strings.py) finds most of
those, this finds the ones built far from where they are shown."""

from __future__ import annotations

import html
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from scenes import CONFIG, JA_PROMPTS, NOW, prepare_scene, seed_history

# Words a well-localized Japanese app leaves in Latin letters.
NAMES = {
    # key caps and the key bar's names for them
    "ctrl", "shift", "alt", "enter", "esc", "escape", "tab", "space", "del", "delete", "backspace", "up", "down",
    "left", "right", "home", "end", "pgup", "pgdn", "pageup", "pagedown", "ins", "insert",
    # abbreviations and formats
    "id", "ids", "url", "api", "mp", "aac", "json", "jsonl", "csv", "toml", "ssh", "ok", "ai", "av", "fps",
    "kb", "mb", "gb", "kib", "mib", "gib", "px", "mm", "utc", "webp", "jpg", "jpeg", "png", "svg", "http", "https",
    "tui", "cli", "os", "gpu", "cpu", "ui", "hd", "sns",
    # products, models, profiles and protocols
    "sora", "pro", "openai", "litellm", "local", "azure", "veo", "runway", "youtube", "tiktok", "reels", "shorts",
    "stories", "instagram", "kitty", "ghostty", "sixel", "tmux", "bearer", "videos",
    # the seeded history's file names, paths, ids and the server's own words
    "tmp", "scene", "assets", "kite", "take", "dancer", "thumbnail", "spritesheet", "video", "grp", "job",
    "keeper", "best", "wind", "in", "the", "sand", "your", "request", "was", "blocked", "by", "our",
    "moderation", "system", "cf", "mouse", "sha",
}


# Not words: a URL, a path or file name, an environment variable, the files column's letters (v, t, s).
NOT_WORDS = re.compile(r"\S+://\S*|\S*/\S*|\S+\.(?:toml|json|mp4|webp|jpg|png|log)\b|\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\b"
                       r"|\b[vts]{1,3}\b|\b[a-z0-9]+(?:-[a-z0-9]+)+\b"  # and a name-like-this (openai-main)
                       r"|\$[A-Z][A-Z0-9_]*")  # and an environment variable by its $ ($EDITOR)


def _words(svg: str) -> list[str]:
    """The Latin words on a screen exported as SVG. Each styled run of a line is one <text> element, so the runs
    are joined as they sit on the line (a word can be split across two runs)."""
    texts = [html.unescape(t) for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg)]
    return re.findall(r"[A-Za-z]{2,}", NOT_WORDS.sub(" ", "".join(texts)))


def _allowed(word: str, prompts: str) -> bool:
    low = word.lower()
    # A name cut at a column's edge ("sor" of sora-2 in a narrow column behind a dialog) is still that name.
    cut_name = len(low) <= 4 and any(name.startswith(low) for name in NAMES)
    return low in NAMES or cut_name or word in prompts or bool(re.fullmatch(r"[0-9a-f]{2,}", low)) or low.startswith("video")


@pytest.fixture
def seeded_ja(home: Path, engine_daemon: Path, ja: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    from sora_tui.tui.widgets import job_list

    monkeypatch.setenv("TZ", "UTC")
    monkeypatch.setenv("SORA_TUI_CONFIG", str(CONFIG))
    time.tzset()
    monkeypatch.setattr(job_list, "clock", lambda: NOW)
    seed_history(home, "ja")
    yield home
    monkeypatch.delenv("TZ")
    time.tzset()


SCENES = ("main", "history", "details", "help", "remix", "profiles", "setup", "snippets", "checklist", "character",
          "delete")


@pytest.mark.parametrize("size", [(80, 24), (160, 45)], ids=["80x24", "160x45"])
@pytest.mark.parametrize("scene", SCENES)
async def test_no_english_left_on_a_japanese_screen(seeded_ja: Path, scene: str, size: tuple[int, int]) -> None:
    from sora_tui.tui.app import SoraApp

    app = SoraApp()
    async with app.run_test(size=size) as pilot:
        await prepare_scene(scene, "ja")(pilot)
        await pilot.pause()
        svg = app.export_screenshot()
    prompts = " ".join(JA_PROMPTS.values()) + " Captain Kite sk-not-a-real-key"
    left = sorted({w for w in _words(svg) if not _allowed(w, prompts)})
    assert not left, f"English on the Japanese {scene} screen at {size[0]}x{size[1]}: {left}"


def test_the_check_sees_english() -> None:
    svg = ('<text class="r1">生成&#160;&#160;Download&#160;fini</text><text>shed ctrl+s</text>'
           '<text> OPENAI_API_KEY https://api.openai.com/v1 ~/a/b.mp4 vts</text>')
    assert [w for w in _words(svg) if not _allowed(w, "")] == ["Download", "finished"]
