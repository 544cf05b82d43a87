"""textual_fence: the one place sora_tui touches Textual's private parts. It knows which Textual it was written for
(the version pyproject.toml pins), says once when another is installed without stopping anything, and no module
outside it uses a private name of Textual's."""

from __future__ import annotations

import logging
import re
import tomllib
from importlib.metadata import version
from pathlib import Path

import textual
from textual import events

from sora_tui.tui import textual_fence
from sora_tui.tui.textual_fence import version as fence_version

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "src" / "sora_tui"
FENCE = SOURCE / "tui" / "textual_fence"
# The private names of Textual's the fence holds: none of them is used anywhere else.
FENCED = ("_render_cell", "_update_dimensions", "_clear_caches", "_data", "_row_locations", "_column_locations",
          "_new_rows", "_require_update_dimensions", "_header_row_key", "_get_styles_to_render_cell",
          "_scroll_cursor_into_view", "_show_hover_cursor", "_exit", "_closing", "_closed", "_exception",
          "_exception_event", "_close_messages_no_wait", "_handle_exception", "_return_code", "_on_screen_resume",
          "_notifications", "_keymap", "_xterm_parser", "_time")


def test_the_fence_is_written_for_the_pinned_textual() -> None:
    pins = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    assert f"textual=={textual_fence.WRITTEN_FOR}" in pins
    assert fence_version.installed_version() == version("textual") == textual_fence.WRITTEN_FOR
    assert textual_fence.check_textual_version()


class _Kept(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.said: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.said.append(record.getMessage())


def test_another_textual_is_said_once_and_nothing_stops(monkeypatch) -> None:
    monkeypatch.setattr(fence_version, "_said", False)
    kept = _Kept()  # on the fence's own logger: whatever other tests did to sora_tui's logging (logs.py)
    fence_version.log.addHandler(kept)
    monkeypatch.setattr(fence_version.log, "level", logging.WARNING)
    try:
        assert not textual_fence.check_textual_version("9.0.0")
        assert not textual_fence.check_textual_version("9.0.0")
    finally:
        fence_version.log.removeHandler(kept)
    said = kept.said
    assert len(said) == 1
    assert "written for Textual 8.2.8" in said[0] and "Textual 9.0.0 is installed" in said[0]
    assert all(piece in said[0] for piece in fence_version.PIECES)


def test_keys_typed_before_the_app_are_parsed_as_textual_does() -> None:
    keys = [e.key for e in textual_fence.parse_keys("ab\x1b[A") if isinstance(e, events.Key)]
    assert keys == ["a", "b", "up"]


def _outside_the_fence() -> list[Path]:
    return [p for p in SOURCE.rglob("*.py") if FENCE not in p.parents]


def test_no_module_outside_the_fence_uses_a_fenced_name() -> None:
    pattern = re.compile(r"[.\"']({})\b".format("|".join(FENCED)))
    found = [f"{p.relative_to(SOURCE)}:{n}: {line.strip()}" for p in _outside_the_fence()
             for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if pattern.search(line)]
    assert not found, found


def test_no_module_outside_the_fence_imports_a_private_module_of_textual() -> None:
    pattern = re.compile(r"(from|import)\s+textual(\.\w+)*\._|from\s+textual(\.\w+)*\s+import\s+.*\b_[a-z]")
    found = [f"{p.relative_to(SOURCE)}: {line.strip()}" for p in _outside_the_fence()
             for line in p.read_text(encoding="utf-8").splitlines() if pattern.search(line)]
    assert not found, found


def test_no_module_outside_the_fence_reads_another_private_attribute_of_textual() -> None:
    """Beyond the names listed: any `x._name` in the TUI outside the fence whose name Textual defines is one the TUI
    defines for itself too (its own attribute), never only Textual's. (graphics.py sets textual-image's cell-size
    cache, `get_cell_size._result`: another package's, pinned below its next minor version.)"""
    defined = re.compile(r"(?:def\s+(_[a-z]\w*)|self\.(_[a-z]\w*)\s*(?::[^=\n]*)?=(?!=)|^\s+(_[a-z]\w*)\s*[:=])", re.MULTILINE)

    def names(paths: list[Path]) -> set[str]:
        return {a or b or c for p in paths for a, b, c in defined.findall(p.read_text(encoding="utf-8"))}

    textuals = names(list(Path(textual.__file__).parent.rglob("*.py")))
    tui = [p for p in _outside_the_fence() if SOURCE / "tui" in p.parents]
    ours = names(tui) | {"_result"}
    used = {n for p in tui for n in re.findall(r"\.(_[a-z]\w*)", p.read_text(encoding="utf-8"))}
    assert not (used & textuals) - ours, sorted((used & textuals) - ours)
