"""README.ja.md cannot go stale silently: every command it shows is README.md's, every key is bound in the app."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
JA = (ROOT / "README.ja.md").read_text(encoding="utf-8")
EN = (ROOT / "README.md").read_text(encoding="utf-8")
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.MULTILINE | re.DOTALL)
KEY = re.compile(r"(?:(?:ctrl|shift|alt)\+)*(?:f\d{1,2}|enter|escape|space|tab|delete|backspace|up|down|left|right|"
                 r"home|end|pageup|pagedown|[A-Za-z,.])")
ARROWS = {"→": "right", "←": "left", "↑": "up", "↓": "down"}
ENV = re.compile(r"([A-Z][A-Z0-9_]*)(?:=(\S+))?")
COMMAND = re.compile(r"(?:sora-tui|python3?|\.venv/)")


def blocks(text: str) -> list[tuple[str, str]]:
    return [(m.group(1), m.group(2)) for m in FENCE.finditer(text)]


def spans(text: str) -> list[str]:
    return re.findall(r"`([^`\n]+)`", FENCE.sub("", text))


def code(line: str) -> str:
    """A line of a code block without its comment (README.ja.md's comments are in Japanese)."""
    return line.split(" #", 1)[0].rstrip() if not line.lstrip().startswith("#") else ""


EN_CODE = spans(EN) + [body for _, body in blocks(EN)]
EN_LINES = {code(line) for _, body in blocks(EN) for line in body.splitlines()} - {""}


def app_keys() -> set[str]:
    """Every key the app binds: its own screens and widgets, and Textual's (tab, the palette, the input's →)."""
    from textual.app import App
    from textual.screen import Screen
    from textual.widgets import Input

    import sora_tui.tui

    classes: list[type] = [App, Screen, Input]
    for info in pkgutil.walk_packages(sora_tui.tui.__path__, "sora_tui.tui."):
        module = importlib.import_module(info.name)
        classes += [c for c in vars(module).values() if inspect.isclass(c) and "BINDINGS" in vars(c)]
    keys = {App.COMMAND_PALETTE_BINDING}
    for cls in classes:
        for binding in vars(cls)["BINDINGS"]:
            names = binding.key if hasattr(binding, "key") else binding[0]
            keys |= {{"comma": ",", "full_stop": "."}.get(k.strip(), k.strip()) for k in names.split(",")}
    return keys


def bound_to(action: str) -> set[str]:
    from sora_tui.tui.app import SoraApp

    return {k.strip() for b in SoraApp.BINDINGS if b.action == action for k in b.key.split(",")}


def source_text() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "src" / "sora_tui").rglob("*.py"))


def test_readme_links_the_japanese_readme() -> None:
    assert "[README.ja.md](README.ja.md)" in EN.split("\n## ", 1)[0]
    assert "[README.md](README.md)" in JA.split("\n## ", 1)[0]


def test_set_up_commands_are_readme_md_s_exactly() -> None:
    def setup(text: str, heading: str) -> list[str]:
        section = text.split(heading, 1)[1].split("\n## ", 1)[0]
        return [body for lang, body in blocks(section) if lang == "sh"]

    en = setup(EN, "## Set up")
    assert len(en) == 2 and setup(JA, "## セットアップ") == en


def test_every_code_block_line_is_one_readme_md_shows() -> None:
    source = source_text()
    for _, body in blocks(JA):
        for line in body.splitlines():
            command = code(line)
            while (assignment := re.match(r"([A-Z][A-Z0-9_]*)=\S+ ", command)) is not None:
                assert assignment.group(1) in source, line  # an environment variable the app reads
                command = command[assignment.end():]
            if command:
                assert command in EN_LINES or any(command in c for c in EN_CODE), line


def test_every_code_span_is_a_real_key_command_or_name() -> None:
    keys, source = app_keys(), source_text()
    from sora_tui.core.i18n import LANGUAGES

    checked = {"key": 0, "command": 0, "other": 0}
    for span in spans(JA):
        if span in ARROWS or KEY.fullmatch(span):
            assert ARROWS.get(span, span) in keys, f"`{span}` is not bound anywhere in the app"
            checked["key"] += 1
        elif COMMAND.match(span):
            assert any(span in c for c in EN_CODE), f"`{span}` is not a command README.md shows"
            checked["command"] += 1
        elif (env := ENV.fullmatch(span)) is not None:
            assert env.group(1) in source, f"`{span}`: the app does not read {env.group(1)}"
            if env.group(2) and env.group(1) in ("SORA_TUI_LANG", "LANG", "LC_ALL", "LC_MESSAGES"):
                from sora_tui.core.i18n import from_locale

                assert from_locale(env.group(2)) in LANGUAGES, span
        elif span in LANGUAGES:
            pass
        else:
            assert any(span in c for c in EN_CODE), f"`{span}` is nowhere in README.md's code"
            checked["other"] += 1
    assert checked["key"] > 40 and checked["command"] > 5


def test_every_key_the_table_lists_does_what_it_says() -> None:
    """The table's rows name the app's keys; the language row names the key bound to the language action."""
    table = JA.split("## キー", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in table.splitlines() if line.startswith("| `")]
    assert len(rows) >= 30
    language = [row for row in rows if "言語" in row]
    assert language and {s for row in language for s in spans(row.split("|")[1])} == bound_to("language")


def test_the_key_table_lists_every_key_the_help_lists() -> None:
    from sora_tui.tui.screens.help import key_groups

    table = JA.split("## キー", 1)[1].split("\n## ", 1)[0]
    named = {s for line in table.splitlines() if line.startswith("| `") for s in spans(line)}
    missing = [f"{where}: {b.key}" for where, bindings in key_groups() for b in bindings
               if (b.key_display or b.key.split(",")[0].strip()) not in named]
    assert not missing, f"README.ja.md's key table lacks: {missing}"


def test_the_language_section_names_the_key_and_the_variables() -> None:
    section = JA.split("## 言語の切り替え", 1)[1].split("\n## ", 1)[0]
    named = set(spans(section))
    assert bound_to("language") <= named
    assert {"SORA_TUI_LANG", "LANG=ja_JP.UTF-8", "ctrl+p"} <= named


def test_exit_codes_are_readme_md_s() -> None:
    def codes(text: str) -> list[str]:
        return re.findall(r"\*\*(\d+)\*\*", text.split("xit code", 1)[1] if "xit code" in text else text)

    assert codes(JA.split("終了コード", 1)[1]) == codes(EN) == ["0", "1", "2", "3", "130"]


@pytest.mark.parametrize("term", ["生成", "ジョブ", "履歴", "再試行", "ダウンロード", "リミックス", "延長", "バリエーション",
                                  "プロンプト", "モデル", "サイズ", "秒数", "プロファイル", "ローカルエンジン",
                                  "ローカルレンダー", "AIではありません", "縦長", "横長", "言語"])
def test_the_glossary_s_words_are_used(term: str) -> None:
    assert term in JA
