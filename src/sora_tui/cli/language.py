"""Which language the command speaks: English under --json (what a program reads never changes with the user's
locale), otherwise the one the TUI would choose."""

from __future__ import annotations

from collections.abc import Sequence

from ..core import i18n


def choose_language(argv: Sequence[str]) -> str:
    """English for --json (what a program reads stays the same whatever LANG says); otherwise SORA_TUI_LANG, the
    language saved in the TUI, then the locale, as the TUI chooses it."""
    if wants_json(argv):
        return i18n.set_language("en")
    saved = None if i18n.forced() else _saved_language()
    return i18n.set_language(i18n.detect(saved=saved))


def wants_json(argv: Sequence[str]) -> bool:
    """--json among the options (argparse also takes an unambiguous prefix such as --js); not after `--`, where
    it would be a prompt."""
    for arg in argv:
        if arg == "--":
            return False
        if len(arg) > 2 and "--json".startswith(arg):
            return True
    return False


def _saved_language() -> str | None:
    from ..tui.preferences import load  # the TUI's own small file: no Textual behind it

    value = load().get("language")
    return value if isinstance(value, str) else None
