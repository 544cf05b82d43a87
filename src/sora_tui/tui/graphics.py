"""Which way the terminal can draw pictures: Kitty's graphics protocol, Sixel, or character cells.

Chosen once, before Textual owns the terminal, in two steps. The environment says whether asking is worth it:
`SORA_TUI_GRAPHICS=kitty|sixel|cells` decides outright; a multiplexer (tmux, screen), a terminal the
environment does not name as one that draws pictures, or no terminal at all means character cells without a
word to the terminal. Otherwise the terminal is asked, once, on /dev/tty: Kitty's graphics query and XTVERSION,
followed by Primary Device Attributes, which every terminal answers, so its answer ends the wait. The answers
decide:

- Kitty's Unicode placeholders (the only way textual-image places a Kitty image) for kitty 0.28 or later and
  Ghostty. An older kitty rejects the placement (each frame a wall of placeholder boxes) and gets cells;
- Sixel where the Device Attributes list 4 (WezTerm and Konsole answer Kitty's query too, but draw Sixel);
- character cells (half blocks, widgets/preview.py) for everything else, for a terminal that does not answer
  in time, and for any failure on the way, silently. They work everywhere, over plain SSH included.

Keys typed while the answers come in are read with them and handed to Textual (`hand_over`), which gives them
to the first focused widget, so none is lost. Pushing them back into the tty (TIOCSTI) would not do: recent
kernels may refuse it, and Textual would read them before its first screen has focused anything, and drop them.
"""

from __future__ import annotations

import io
import os
import re
import select
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

GRAPHICS_QUERY = b"\x1b_Gi=31,s=1,v=1,a=q,t=d,f=24;AAAA\x1b\\"  # a 1x1 image, checked and not kept
VERSION_QUERY = b"\x1b[>q"  # XTVERSION: "kitty(0.26.5)"
CELL_QUERY = b"\x1b[16t"  # a cell's size in pixels, asked only when the tty's size does not say
ATTRIBUTES_QUERY = b"\x1b[c"  # Primary Device Attributes, last: every terminal answers it
ANSWER_TIMEOUT = 0.15  # a local terminal answers within milliseconds; this is what a silent one costs
# Over SSH the answers take a round trip, and an answer that comes after we stopped waiting would reach
# Textual as keystrokes typed into the prompt; a terminal that stays silent over SSH is rare.
REMOTE_ANSWER_TIMEOUT = 1.0
HAND_OVER_WAIT, HAND_OVER_POLL = 2.0, 0.01  # at most, in seconds: how long keys typed early wait for a focus
PLACEHOLDERS_SINCE = (0, 28)  # the kitty release that draws Unicode placeholders (U=1)

_ANSWER = re.compile(
    rb"\x1b_G(?P<graphics>[^\x1b]*)\x1b\\"
    rb"|\x1bP>\|(?P<version>[^\x1b]*)\x1b\\"
    rb"|\x1b\[6;(?P<cell_height>\d+);(?P<cell_width>\d+)t"
    rb"|\x1b\[\?(?P<attributes>[\d;]*)c"
)
_LAST_ANSWER = re.compile(rb"\x1b\[\?[\d;]*c")
# the wait ended inside an answer: its start is not a key (a key's own sequence ends otherwise)
_CUT_ANSWER = re.compile(rb"(?:\x1b_G[^\x1b]*|\x1bP>\|[^\x1b]*|\x1b\[6;[\d;]*|\x1b\[\?[\d;]*)\x1b?\Z")


@dataclass(frozen=True)
class Answers:
    """What the terminal said, and what else arrived while it did."""

    graphics: bool  # Kitty's graphics query was answered OK
    version: str  # XTVERSION's answer, "" without one
    attributes: tuple[str, ...] | None  # Device Attributes; None when they did not come in time
    cell: tuple[int, int] | None  # a cell's (width, height) in pixels, when known
    typed: bytes = b""  # keys typed meanwhile, in order
    seconds: float = 0.0  # how long asking took


_chosen: str | None = None
_widget: Any = None
_answers: Answers | None = None
_typed: bytes = b""


def _forced(env: Mapping[str, str]) -> str | None:
    wanted = env.get("SORA_TUI_GRAPHICS", "auto").strip().lower()
    return wanted if wanted in ("kitty", "sixel", "cells") else None


def guess(env: Mapping[str, str]) -> str:
    """The protocol this environment's terminal most likely speaks ("kitty", "sixel" or "cells"); "cells"
    means the terminal is not worth asking."""
    forced = _forced(env)
    if forced:
        return forced
    if env.get("TMUX") or env.get("STY") or env.get("TERM", "").startswith(("screen", "tmux")):
        return "cells"  # a multiplexer between us and the terminal
    term, program = env.get("TERM", ""), env.get("TERM_PROGRAM", "")
    if term == "xterm-kitty" or env.get("KITTY_WINDOW_ID") or program == "ghostty" or term == "xterm-ghostty":
        return "kitty"  # Kitty or Ghostty: its answers say whether it draws Kitty's placeholders
    if program in ("WezTerm", "iTerm.app") or term.startswith(("foot", "mlterm", "contour")) or env.get("KONSOLE_VERSION"):
        return "sixel"  # these draw Sixel; WezTerm and Konsole announce Kitty's protocol but not its placeholders
    return "cells"


def placeholders(version: str) -> bool:
    """Whether the terminal that names itself `version` (XTVERSION) draws Kitty's Unicode placeholders."""
    kitty = re.match(r"kitty\((\d+)\.(\d+)", version)
    if kitty:
        return (int(kitty[1]), int(kitty[2])) >= PLACEHOLDERS_SINCE
    return version.lower().startswith("ghostty")  # Ghostty drew them from its first release


def decide(answers: Answers) -> str:
    """The protocol to use, from the terminal's own answers."""
    if answers.attributes is None:  # not even Device Attributes in time: nothing it said can be relied on
        return "cells"
    if answers.graphics and placeholders(answers.version):
        return "kitty"
    return "sixel" if "4" in answers.attributes[1:] else "cells"  # the first is the terminal's class


def _cell_size(fd: int) -> tuple[int, int] | None:
    import struct

    try:
        import fcntl
        import termios

        rows, cols, width, height = struct.unpack("HHHH", fcntl.ioctl(fd, termios.TIOCGWINSZ, bytes(8)))
    except (ImportError, OSError):  # not POSIX, or not a terminal: textual-image finds its own way
        return None
    return (width // cols, height // rows) if rows and cols and width >= cols and height >= rows else None


def _read_answers(fd: int, deadline: float) -> bytes:
    data = b""
    while not _LAST_ANSWER.search(data):
        left = deadline - time.perf_counter()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            return data
        chunk = os.read(fd, 4096)
        if not chunk:
            return data
        data += chunk
    # what is already there: keys typed just after the answers go back in the order they were typed
    while select.select([fd], [], [], 0)[0]:
        chunk = os.read(fd, 4096)
        if not chunk:
            break
        data += chunk
    return data


def _parse(data: bytes, cell: tuple[int, int] | None) -> Answers:
    graphics, version, attributes, typed, pos = False, "", None, bytearray(), 0
    for m in _ANSWER.finditer(data):
        typed += data[pos:m.start()]
        pos = m.end()
        if m["graphics"] is not None:
            graphics = graphics or m["graphics"].rsplit(b";", 1)[-1] == b"OK"
        elif m["version"] is not None:
            version = m["version"].decode("utf-8", "replace")
        elif m["cell_width"] is not None:
            cell = cell or (int(m["cell_width"]), int(m["cell_height"]))
        elif attributes is None:
            attributes = tuple(p for p in m["attributes"].decode("ascii").split(";") if p)
    typed += _CUT_ANSWER.sub(b"", data[pos:])
    return Answers(graphics, version, attributes, cell, bytes(typed))


def probe(fd: int, timeout: float = ANSWER_TIMEOUT) -> Answers:
    """Ask the terminal on `fd` (a tty nobody else is reading yet) what it draws, waiting at most `timeout`
    seconds for its Device Attributes. Keys typed meanwhile come back in `Answers.typed`."""
    import termios
    import tty

    start = time.perf_counter()
    cell = _cell_size(fd)
    query = GRAPHICS_QUERY + VERSION_QUERY + (b"" if cell else CELL_QUERY) + ATTRIBUTES_QUERY
    saved = termios.tcgetattr(fd)
    try:
        # Raw, so the answers are neither echoed nor held for a newline; TCSANOW, as TCSAFLUSH (setraw's
        # default) would throw away keys typed before we started.
        tty.setraw(fd, termios.TCSANOW)
        view = memoryview(query)
        while view:
            view = view[os.write(fd, view):]
        answers = _parse(_read_answers(fd, start + timeout), cell)
    finally:
        termios.tcsetattr(fd, termios.TCSANOW, saved)
    return replace(answers, seconds=time.perf_counter() - start)


def _is_tty(stream: Any) -> bool:
    try:
        return stream is not None and stream.isatty()
    except (ValueError, OSError):  # closed
        return False


def _ask(env: Mapping[str, str]) -> Answers | None:
    if not (_is_tty(sys.__stdin__) and _is_tty(sys.__stdout__)):
        return None  # Textual reads stdin and textual-image writes stdout: pictures need both on the terminal
    try:
        fd = os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY)
    except OSError:
        return None
    try:
        remote = any(env.get(name) for name in ("SSH_CONNECTION", "SSH_CLIENT", "SSH_TTY"))
        return probe(fd, REMOTE_ANSWER_TIMEOUT if remote else ANSWER_TIMEOUT)
    finally:
        os.close(fd)


def _load(choice: str, cell: tuple[int, int] | None) -> Any:
    """textual-image's widget for `choice`, imported without its own terminal queries: on import it asks
    the terminal again (Sixel, then Kitty, 0.1 s each at worst), and would read keys typed meanwhile."""
    from textual_image._terminal import CellSize, get_cell_size

    if cell is None and _is_tty(sys.__stdout__):
        cell = _cell_size(sys.__stdout__.fileno())  # type: ignore[union-attr]
    if cell is not None:
        get_cell_size._result = CellSize(*cell)  # type: ignore[attr-defined]  # its cache: it asks no more
    real = sys.__stdout__
    sys.__stdout__ = io.StringIO()  # type: ignore[misc,assignment]  # it asks only when stdout is a terminal
    try:
        import textual_image.widget as widgets
    finally:
        sys.__stdout__ = real  # type: ignore[misc]
    return widgets.TGPImage if choice == "kitty" else widgets.SixelImage


def prepare(env: Mapping[str, str] | None = None) -> str:
    """Choose once, before Textual starts (after that Textual reads every answer as keys, and textual-image
    cannot learn the cell size). Any trouble means character cells, silently."""
    global _chosen, _widget, _answers, _typed
    if _chosen is not None:
        return _chosen
    env = os.environ if env is None else env
    choice, cell = guess(env), None
    if choice != "cells" and not _forced(env):
        try:
            _answers = _ask(env)
        except Exception:  # noqa: BLE001 - a tty that will not go raw, a failed read: cells, no message
            _answers = None
        choice = decide(_answers) if _answers is not None else "cells"
        if _answers is not None:
            _typed, cell = _answers.typed, _answers.cell
    if choice != "cells":
        try:
            _widget = _load(choice, cell)
        except Exception:  # noqa: BLE001 - an old Pillow, a broken install: cells work everywhere
            choice, _widget = "cells", None
    _chosen = choice
    return choice


def hand_over(app: Any, typed: bytes | None = None) -> None:
    """Give `app` the keys typed while the terminal was asked (`typed`, else those `prepare` read), once it has
    a focused widget to take them. Call it before `app.run()`."""
    global _typed
    if typed is None:
        typed, _typed = _typed, b""
    if not typed:
        return
    try:
        from .textual_fence import parse_keys  # as Textual's driver parses the same bytes

        events = parse_keys(typed.decode("utf-8", "replace"))
    except Exception:  # noqa: BLE001 - a few lost keys rather than a crash at startup
        return

    def deliver(tries: int) -> None:
        # Keys reaching the app before its first screen has focused a widget go nowhere (as do keys typed at that
        # moment). The wait is bounded: an app whose screen focuses nothing gets them anyway.
        try:
            waiting = tries > 0 and app.focused is None
        except Exception:  # noqa: BLE001 - no screen yet
            waiting = tries > 0
        if waiting:
            app.set_timer(HAND_OVER_POLL, lambda: deliver(tries - 1))
            return
        for event in events:
            event.set_sender(app)
            app.post_message(event)

    app.call_later(deliver, int(HAND_OVER_WAIT / HAND_OVER_POLL))


def answers() -> Answers | None:
    """What the terminal answered in `prepare`; None when it was not asked."""
    return _answers


def chosen() -> str:
    """What `prepare` decided; "cells" when it was never called (Pilot tests, screenshots)."""
    return _chosen or "cells"


def image_widget() -> Any:
    """textual-image's widget class for the chosen protocol, or None for character cells."""
    return _widget if chosen() != "cells" else None


def reset() -> None:
    """Forget the choice (tests)."""
    global _chosen, _widget, _answers, _typed
    _chosen, _widget, _answers, _typed = None, None, None, b""
