"""Handing things to the desktop: the clipboard (pyperclip, or the terminal's OSC 52 over SSH) and the video player.

Both may be missing on a remote box; each returns a sentence for the user instead of raising.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

from ..core.i18n import _

PYPERCLIP_TIMEOUT = 2.0  # xclip can hang (pyperclip #116, #247): give up and use OSC 52


def copy_with_pyperclip(text: str) -> bool:
    """True when a system clipboard took the text. Runs in a worker thread: it may block."""
    if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        return False  # over plain SSH there is no clipboard to reach; OSC 52 goes through the terminal
    import pyperclip

    done: list[bool] = []

    def attempt() -> None:
        try:
            pyperclip.copy(text)
            done.append(True)
        except Exception:  # noqa: BLE001 - PyperclipException and whatever a broken xclip/xsel raises
            done.append(False)

    worker = threading.Thread(target=attempt, daemon=True, name="pyperclip")
    worker.start()
    worker.join(PYPERCLIP_TIMEOUT)
    return bool(done and done[0])


def copy_text(text: str, osc52: Callable[[str], None], what: str) -> str:
    """Copy `text`; `osc52` is the app's copy_to_clipboard. Returns what to tell the user; `what` names the text
    in the interface's language ("the prompt", translated by the caller)."""
    if copy_with_pyperclip(text):
        return _("Copied {what} to the clipboard.").format(what=what)
    osc52(text)
    # The terminal may refuse OSC 52 (tmux needs `set-clipboard on`) and nothing tells us: say so.
    return _("Sent {what} to the terminal clipboard (OSC 52); if pasting gives nothing, your terminal ignores "
             "OSC 52.").format(what=what)


def player_command() -> list[str] | None:
    """The command that opens a file in the desktop's default player, if this machine has one."""
    if sys.platform == "darwin":
        return ["open"] if shutil.which("open") else None
    if sys.platform.startswith("win"):
        return None  # os.startfile is used instead
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        return None
    for name in ("xdg-open", "gio"):
        path = shutil.which(name)
        if path:
            return [path, "open"] if name == "gio" else [path]
    return None


def open_in_player(path: Path) -> str:
    """Start the system player on `path`, detached; returns what to tell the user."""
    if not path.is_file():
        return _("{path} is not on disk any more; download the video again (d).").format(path=path)
    if sys.platform.startswith("win"):
        os.startfile(str(path))  # type: ignore[attr-defined]
        return _("Opened {path}.").format(path=path)
    command = player_command()
    if command is None:
        return _("No video player can be opened from here (no display, as over SSH). The file is {path}; copy its "
                 "path with c and play it locally.").format(path=path)
    try:
        subprocess.Popen([*command, str(path)], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, start_new_session=True)
    except OSError as exc:
        return _("Could not start {command}: {reason}. The file is {path}.").format(command=command[0],
                                                                                   reason=exc.strerror, path=path)
    return _("Opened {name} in the system player.").format(name=path.name)
