"""Which Textual the fence was written for, and what is said, once, when another one is installed."""

from __future__ import annotations

import logging
import os

import textual

WRITTEN_FOR = "8.2.8"  # the version pyproject.toml pins (tests/tui/test_textual_fence.py checks they agree)

# What leans on Textual's private parts, by piece: said with the warning, so a reader knows what to look at.
PIECES = (
    "fixes.py: Timer._run (the next frame on time)",
    "fixes.py: LRUCache.clear, Strip.divide, Strip.crop_extend (caches that leave no cycles behind)",
    "data_table.py FastDataTable: DataTable._render_cell, _update_dimensions, _clear_caches and the state they read",
    "screen.py StyledOnceScreen: Screen._on_screen_resume",
    "app.py CrashHandlingApp: App._handle_exception and the exit it does in its place",
    ("app.py app_is_closing, notifications, remapped_keys: App._exit, Screen._closing/_closed, App._notifications, "
     "App._keymap"),
    "keys.py parse_keys: textual._xterm_parser",
)

log = logging.getLogger(__name__)
_said = False


def installed_version() -> str | None:
    """The installed Textual's version, from its distribution's metadata (importlib.metadata). When the pinned
    version's own record sits beside the package that was imported, that is the answer without importing
    importlib.metadata, which would add ~11 ms to every start (it loads email, zipfile and csv)."""
    site = os.path.dirname(os.path.dirname(os.path.abspath(textual.__file__)))
    if os.path.isdir(os.path.join(site, f"textual-{WRITTEN_FOR}.dist-info")):
        return WRITTEN_FOR
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("textual")
    except PackageNotFoundError:  # run from a source tree: nothing says which version it is
        return None


def check_textual_version(installed: str | None = None) -> bool:
    """True when the installed Textual (or `installed`) is the one the fence was written for; otherwise logs a
    warning, once a process, naming the pieces written for WRITTEN_FOR, and returns False. Nothing stops: the
    corrections and overrides stay in use."""
    global _said
    if installed is None:
        installed = installed_version()
    if installed == WRITTEN_FOR:
        return True
    if not _said:
        _said = True
        log.warning("sora-tui's corrections and overrides of Textual were written for Textual %s, and %s is "
                    "installed. They stay in use, but these lean on Textual's private parts and may no longer fit: "
                    "%s. If the interface misbehaves, install textual==%s.", WRITTEN_FOR,
                    f"Textual {installed}" if installed else "a Textual of unknown version", "; ".join(PIECES),
                    WRITTEN_FOR)
    return False


check_textual_version()
