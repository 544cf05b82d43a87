"""The catalogs are complete and current: every marked message is translated, with the same {fields}, and the
.mo the app reads is compiled from the .po people edit (scripts/catalog.py, with Babel)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _catalog_tool():
    spec = importlib.util.spec_from_file_location("catalog_tool", ROOT / "scripts" / "catalog.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["catalog_tool"] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def tool():
    return _catalog_tool()


def test_every_marked_message_is_translated_and_compiled(tool) -> None:
    found = tool.problems()
    assert not found, "\n".join(found) + "\n(fix: python scripts/catalog.py update, then translate)"


def test_japanese_catalog_exists_and_has_messages(tool) -> None:
    assert "ja" in tool.languages()
    assert len(tool.read("ja")) > 300  # the whole interface, not a sample


def test_the_check_sees_an_untranslated_message(tool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The check itself can fail: a copy of the sources with one new message and an unchanged catalog."""
    import shutil

    src = tmp_path / "sora_tui"
    shutil.copytree(tool.SOURCE, src, ignore=shutil.ignore_patterns("__pycache__"))
    (src / "tui" / "new_words.py").write_text('from ..core.i18n import _\n\nWORDS = _("A brand new sentence")\n')
    monkeypatch.setattr(tool, "SOURCE", src)
    monkeypatch.setattr(tool, "LOCALE", src / "locale")
    found = tool.problems()
    assert any("A brand new sentence" in line and "not in the catalog" in line for line in found)


def test_the_check_sees_fields_that_differ(tool) -> None:
    assert tool._fields("{n} 件のジョブ") == tool._fields("{n} jobs")
    assert tool._fields("{count} 件") != tool._fields("{n} jobs")


def test_runtime_reads_the_compiled_catalog() -> None:
    from sora_tui.core import i18n

    tool = _catalog_tool()
    catalog = tool.read("ja")
    message = next(m for m in catalog if m.id and isinstance(m.id, str) and m.string and not m.context)
    try:
        i18n.set_language("ja")
        assert i18n._(message.id) == message.string
        i18n.set_language("en")
        assert i18n._(message.id) == message.id
    finally:
        i18n.set_language("en")
