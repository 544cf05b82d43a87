"""The interface's language: every user-facing string goes through `_()` and comes from a gettext catalog.

Catalogs live in `sora_tui/locale/<lang>/LC_MESSAGES/sora_tui.po` (the source, edited by people) and `.mo` (what
is read at run time, compiled from the .po with Babel; a test fails when the two differ or a message has no
translation). English is the source language and needs no catalog. A third language is one more catalog and
one more entry in LANGUAGES.

The language is chosen once per process, on first use: `SORA_TUI_LANG` (ja|en), then the setting saved by the
TUI (passed in by the caller through `set_language`), then `LC_ALL`, `LC_MESSAGES`, `LANG` as POSIX reads them
(the first one set wins, "C"/"POSIX" mean English). `--json` output never goes through here: its keys and
values stay English and stable.

Strings defined at import time (key descriptions, column titles) are marked with `N_()` and translated where
they are shown, so a language switched at run time applies to them too.
"""

from __future__ import annotations

import contextlib
import gettext as _gettext
import os
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from pathlib import Path

DOMAIN = "sora_tui"
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
# Code -> the language's own name (what the setting shows).
LANGUAGES: dict[str, str] = {"en": "English", "ja": "日本語"}
DEFAULT = "en"

_current: str | None = None
_translation: _gettext.NullTranslations | None = None
# Set by english(): this thread or task writes English whatever the interface's language (a context variable, so
# the interface drawn meanwhile by another thread or task keeps its language).
_override: ContextVar[_gettext.NullTranslations | None] = ContextVar("sora_tui_i18n_override", default=None)


def from_locale(value: str | None) -> str | None:
    """The language code a locale name (ja_JP.UTF-8, ja, en_US, C) or a code (ja, en) names, if we have it."""
    if not value:
        return None
    name = value.strip().split(".", 1)[0].split("@", 1)[0]
    if name in ("C", "POSIX"):
        return DEFAULT
    code = name.replace("-", "_").split("_", 1)[0].lower()
    return code if code in LANGUAGES else None


def detect(environ: Mapping[str, str] | None = None, saved: str | None = None) -> str:
    """The language for this process: SORA_TUI_LANG, then the saved setting, then the POSIX locale variables."""
    env = os.environ if environ is None else environ
    for candidate in (env.get("SORA_TUI_LANG"), saved):
        code = from_locale(candidate)
        if code:
            return code
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(var)
        if value:  # POSIX: the first one set decides, even when it names a language we do not have
            return from_locale(value) or DEFAULT
    return DEFAULT


def forced() -> bool:
    """True when SORA_TUI_LANG decides the language (the TUI's setting then cannot)."""
    return from_locale(os.environ.get("SORA_TUI_LANG")) is not None


def set_language(code: str | None) -> str:
    """Switch to `code` (or back to what the environment says when None); returns the language now in use."""
    global _current, _translation
    lang = from_locale(code) or detect()
    _current = lang
    _translation = _load(lang)
    return lang


def language() -> str:
    """The language in use (chosen from the environment on first use)."""
    if _current is None:
        set_language(None)
    assert _current is not None
    return _current


def _load(lang: str) -> _gettext.NullTranslations:
    if lang == DEFAULT:
        return _gettext.NullTranslations()
    try:
        return _gettext.translation(DOMAIN, localedir=str(LOCALE_DIR), languages=[lang])
    except OSError:  # a catalog missing from a broken install: English rather than no interface at all
        return _gettext.NullTranslations()


@contextlib.contextmanager
def english() -> Iterator[None]:
    """Within the block `_()` gives the English text: for what is kept as data (a job's error as --json shows it)
    beside what is said to the person in their language."""
    token = _override.set(_gettext.NullTranslations())
    try:
        yield
    finally:
        _override.reset(token)


def speaking() -> str:
    """The language `_()` gives right now: English inside english(), else the interface's."""
    return DEFAULT if _override.get() is not None else language()


def _t() -> _gettext.NullTranslations:
    forced_here = _override.get()
    if forced_here is not None:
        return forced_here
    if _translation is None:
        set_language(_current)
    assert _translation is not None
    return _translation


def _(message: str) -> str:
    """`message` in the interface's language."""
    return _t().gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form of a message for a count `n` (Japanese has one form, English two)."""
    return _t().ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """`message` in a context, for one English word that needs two translations (a verb and a noun)."""
    return _t().pgettext(context, message)


def N_(message: str) -> str:
    """Marks `message` for the catalog without translating it now: it is translated with `_()` where shown."""
    return message
