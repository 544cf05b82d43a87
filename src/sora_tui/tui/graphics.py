"""Which way the terminal can draw pictures: Kitty's graphics protocol, Sixel, or character cells.

Decided from the environment, never by asking the terminal blindly: a query written to a terminal that does not
answer costs a wait and can eat a keystroke (textual-image's own note), and inside tmux or screen the protocols
do not pass through reliably. `SORA_TUI_GRAPHICS=kitty|sixel|cells|auto` overrides the guess. Character cells
(half blocks, widgets/preview.py) are the fallback that works everywhere, over plain SSH included.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

_chosen: str | None = None
_widget: Any = None


def guess(env: Mapping[str, str]) -> str:
    """The protocol this environment's terminal most likely speaks ("kitty", "sixel" or "cells")."""
    wanted = env.get("SORA_TUI_GRAPHICS", "auto").strip().lower() or "auto"
    if wanted in ("kitty", "sixel", "cells"):
        return wanted
    if env.get("TMUX") or env.get("STY") or env.get("TERM", "").startswith(("screen", "tmux")):
        return "cells"  # a multiplexer between us and the terminal
    term, program = env.get("TERM", ""), env.get("TERM_PROGRAM", "")
    if term == "xterm-kitty" or env.get("KITTY_WINDOW_ID") or program == "ghostty" or term == "xterm-ghostty":
        return "kitty"  # Kitty and Ghostty draw Kitty's placeholders (what textual-image uses)
    if program in ("WezTerm", "iTerm.app") or term.startswith(("foot", "mlterm", "contour")) or env.get("KONSOLE_VERSION"):
        return "sixel"  # these draw Sixel; WezTerm and Konsole announce Kitty's protocol but not its placeholders
    return "cells"


def prepare(env: Mapping[str, str] | None = None) -> str:
    """Choose once, before Textual starts (textual-image reads the terminal's cell size at import, which it cannot
    do once Textual owns the terminal). Any trouble loading it means character cells, silently."""
    global _chosen, _widget
    if _chosen is not None:
        return _chosen
    choice = guess(os.environ if env is None else env)
    if choice != "cells":
        try:
            if choice == "kitty":
                from textual_image.widget import TGPImage as widget
            else:
                from textual_image.widget import SixelImage as widget
            _widget = widget
        except Exception:  # no terminal to ask, an old Pillow, a broken install: cells work everywhere
            choice, _widget = "cells", None
    _chosen = choice
    return choice


def chosen() -> str:
    """What `prepare` decided; "cells" when it was never called (Pilot tests, screenshots)."""
    return _chosen or "cells"


def image_widget() -> Any:
    """textual-image's widget class for the chosen protocol, or None for character cells."""
    return _widget if chosen() != "cells" else None


def reset() -> None:
    """Forget the choice (tests)."""
    global _chosen, _widget
    _chosen, _widget = None, None
