"""The fence around Textual's private parts: every use the TUI makes of a name Textual keeps to itself (an attribute,
method or module whose name starts with `_`) is in this package, behind a small named function or base class, and
nowhere else in sora_tui.

Textual is pinned exactly (pyproject.toml) because those names change between releases without notice: each piece
here was written against one version, WRITTEN_FOR. On import the installed Textual is compared with it (version.py,
before anything here can fail on another version); a different one is said once, with the pieces that may no longer
fit, and the app carries on. Each correction has a test that the pinned version still needs it, each override a test
of what it does (tests/tui/test_fixes.py, tests/tui/test_textual_fence.py). docs/TEXTUAL.md says why each is here.
"""

from __future__ import annotations

# First: another Textual is said before any import below can fail on it.
from .version import WRITTEN_FOR, check_textual_version

# isort: split
from .app import CoveredScreensApp, CrashHandlingApp, app_is_closing, notifications, remapped_keys
from .data_table import FastDataTable
from .fixes import install as install_fixes
from .keys import parse_keys
from .screen import PromptFramesScreen, StyledOnceScreen

__all__ = [
    "WRITTEN_FOR", "CoveredScreensApp", "CrashHandlingApp", "FastDataTable", "PromptFramesScreen", "StyledOnceScreen", "app_is_closing", "check_textual_version",
    "install_fixes", "notifications", "parse_keys", "remapped_keys",
]
