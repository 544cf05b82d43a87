"""Asking the terminal what it draws: real pseudo-terminals whose other end is a small scripted terminal that
answers like kitty 0.26.5, kitty 0.35, a Sixel terminal, or not at all."""

from __future__ import annotations

import fcntl
import json
import os
import re
import select
import struct
import subprocess
import sys
import termios
import threading
import time
import tty
from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.app import App, ComposeResult
from textual.widgets import Input

from sora_tui.tui import graphics

KITTY_0_26 = {"graphics": b"\x1b_Gi=31;OK\x1b\\", "version": b"\x1bP>|kitty(0.26.5)\x1b\\",
              "cell": b"\x1b[6;20;10t", "attributes": b"\x1b[?62;c"}
KITTY_0_35 = {**KITTY_0_26, "version": b"\x1bP>|kitty(0.35.2)\x1b\\"}
SIXEL = {"version": b"\x1bP>|foot(1.16.2)\x1b\\", "attributes": b"\x1b[?62;4;22c"}  # foot ignores Kitty's query
SILENT: dict[str, bytes] = {}

_QUERY = re.compile(rb"(?P<graphics>\x1b_G[^\x1b]*\x1b\\)|(?P<version>\x1b\[>q)|(?P<cell>\x1b\[16t)"
                    rb"|(?P<attributes>\x1b\[c)")


class ScriptedTerminal(threading.Thread):
    """The terminal's end of a pty: answers each query as `answers` says, in order, having first sent `typed`
    (keys the user types while the queries are on their way). Records everything the program wrote."""

    def __init__(self, master: int, answers: dict[str, bytes], typed: bytes = b"") -> None:
        super().__init__(daemon=True)
        self.master, self.answers, self.typed = master, answers, typed
        self.received = b""
        self.queries: list[str] = []
        self._stop_event = threading.Event()

    def run(self) -> None:
        pending = b""
        while not self._stop_event.is_set():
            try:
                if not select.select([self.master], [], [], 0.02)[0]:
                    continue
                data = os.read(self.master, 65536)
            except (OSError, ValueError):  # the program's side closed
                return
            if not data:
                return
            self.received += data
            pending += data
            end = 0
            for m in _QUERY.finditer(pending):
                end = m.end()
                if self.typed:
                    os.write(self.master, self.typed)
                    self.typed = b""
                kind = m.lastgroup or ""
                self.queries.append(kind)
                if kind in self.answers:
                    os.write(self.master, self.answers[kind])
            pending = pending[end:][-256:]

    def stop(self) -> None:
        self._stop_event.set()
        self.join(2)


@pytest.fixture
def pty_pair() -> Iterator[tuple[int, int]]:
    master, slave = os.openpty()
    try:
        yield master, slave
    finally:
        for fd in (master, slave):
            try:
                os.close(fd)
            except OSError:
                pass


def read_back(fd: int, wait: float = 0.2) -> bytes:
    """What a program reading the tty next (Textual) gets."""
    tty.setraw(fd, termios.TCSANOW)
    got = b""
    while select.select([fd], [], [], wait)[0]:
        got += os.read(fd, 1024)
    return got


@pytest.mark.parametrize(("answers", "expected"), [
    (KITTY_0_26, "cells"),  # answers Kitty's query, but rejects placeholders (U=1): half blocks
    (KITTY_0_35, "kitty"),
    (SIXEL, "sixel"),
])
def test_the_terminals_answers_decide(pty_pair: tuple[int, int], answers: dict[str, bytes], expected: str) -> None:
    master, slave = pty_pair
    terminal = ScriptedTerminal(master, answers)
    terminal.start()
    try:
        got = graphics.probe(slave, timeout=2.0)  # a generous ceiling: the answers end the wait, not the clock
    finally:
        terminal.stop()
    assert graphics.decide(got) == expected
    assert got.attributes is not None and got.seconds < 1.0
    assert got.graphics == ("graphics" in answers)
    assert got.version == answers["version"][4:-2].decode()
    assert got.cell == ((10, 20) if "cell" in answers else None)  # the pty reports no pixel size: asked
    assert terminal.queries == ["graphics", "version", "cell", "attributes"]
    assert got.typed == b""
    assert termios.tcgetattr(slave)[3] & termios.ICANON  # the tty is back as it was


def test_a_silent_terminal_costs_the_timeout_and_gets_cells(pty_pair: tuple[int, int]) -> None:
    master, slave = pty_pair
    terminal = ScriptedTerminal(master, SILENT)
    terminal.start()
    try:
        start = time.perf_counter()
        got = graphics.probe(slave, timeout=0.15)
        took = time.perf_counter() - start
    finally:
        terminal.stop()
    assert graphics.decide(got) == "cells" and got.attributes is None
    assert 0.15 <= took < 0.5
    assert termios.tcgetattr(slave)[3] & termios.ICANON


def test_keys_typed_during_the_query_are_not_lost(pty_pair: tuple[int, int]) -> None:
    master, slave = pty_pair
    typed = "j\x1b[Aé\r".encode()  # a letter, an arrow key, a non-ASCII character, enter
    terminal = ScriptedTerminal(master, KITTY_0_35, typed=typed)
    terminal.start()
    try:
        got = graphics.probe(slave, timeout=2.0)
        assert graphics.decide(got) == "kitty" and got.typed == typed  # for hand_over to give to Textual
        assert read_back(slave) == b""  # and no answer is left for Textual to take for keys
    finally:
        terminal.stop()


def test_parse_keeps_keys_between_answers_and_drops_an_answer_cut_by_the_timeout() -> None:
    data = b"a\x1b_Gi=31;OK\x1b\\b\x1bP>|kitty(0.26.5)\x1b\\\x1b[6~\x1b[?62;c"
    got = graphics._parse(data, None)
    assert got.graphics and got.version == "kitty(0.26.5)" and got.attributes == ("62",)
    assert got.typed == b"ab\x1b[6~"
    cut = graphics._parse(b"x\x1b[6;5~\x1b_Gi=31;O", None)  # ctrl+page down stays a key
    assert cut.typed == b"x\x1b[6;5~" and cut.attributes is None and not cut.graphics


@pytest.mark.parametrize(("version", "drawn"), [
    ("kitty(0.26.5)", False), ("kitty(0.27.1)", False), ("kitty(0.28.0)", True), ("kitty(0.35.2)", True),
    ("kitty(1.0.0)", True), ("ghostty 1.1.3", True), ("WezTerm 20240203-110809-5046fc22", False), ("", False),
])
def test_who_draws_unicode_placeholders(version: str, drawn: bool) -> None:
    assert graphics.placeholders(version) is drawn


async def test_keys_typed_during_the_query_wait_for_a_focused_widget() -> None:
    class Typing(App[None]):
        AUTO_FOCUS = None

        def compose(self) -> ComposeResult:
            yield Input(id="field")

        def on_mount(self) -> None:
            self.set_timer(0.2, self.query_one(Input).focus)  # as a slow first screen would

    app = Typing()
    graphics.hand_over(app, "hé\x1b[D".encode())  # two letters and the left arrow
    async with app.run_test() as pilot:
        await pilot.pause(0.4)
        field = app.query_one(Input)
        assert field.value == "hé" and field.cursor_position == 1
        await pilot.press("y")
        assert field.value == "hyé"


# prepare() itself, in a process whose controlling terminal is the pty (/dev/tty is the scripted terminal)
CHILD = r"""
import fcntl, json, os, select, sys, termios, time, tty
fcntl.ioctl(0, termios.TIOCSCTTY, 0)
from sora_tui.tui import graphics
start = time.perf_counter()
choice = graphics.prepare()
took = time.perf_counter() - start
widget = graphics.image_widget()
cell = None
if widget is not None:
    from textual_image._terminal import get_cell_size
    cell = list(get_cell_size())
tty.setraw(0, termios.TCSANOW)
got = b""
while select.select([0], [], [], 0.3)[0]:
    got += os.read(0, 1024)
a = graphics.answers()
json.dump({"choice": choice, "prepare": took, "asked": a is not None, "seconds": a and a.seconds,
           "typed": a.typed.decode() if a else "", "read_back": got.decode(), "cell": cell,
           "widget": widget and f"{widget.__module__}.{widget.__name__}"}, open(sys.argv[1], "w"))
"""


def run_prepare(tmp_path: Path, answers: dict[str, bytes], env: dict[str, str], typed: bytes = b"") -> tuple[dict, ScriptedTerminal]:
    master, slave = os.openpty()
    # what kitty reports: 40 rows of 120 cells, 1200x800 pixels
    fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 1200, 800))
    terminal = ScriptedTerminal(master, answers, typed)
    terminal.start()
    out = tmp_path / "result.json"
    base = {k: v for k, v in os.environ.items()
            if k not in ("TMUX", "STY", "SORA_TUI_GRAPHICS", "KITTY_WINDOW_ID", "TERM_PROGRAM", "KONSOLE_VERSION")
            and not k.startswith("SSH_")}
    try:
        child = subprocess.Popen([sys.executable, "-c", CHILD, str(out)], stdin=slave, stdout=slave, stderr=slave,
                                 start_new_session=True, env={**base, **env}, close_fds=True)
        os.close(slave)
        assert child.wait(60) == 0, terminal.received.decode(errors="replace")[-2000:]
    finally:
        terminal.stop()
        os.close(master)
    return json.loads(out.read_text()), terminal


@pytest.mark.parametrize(("answers", "term", "choice", "widget"), [
    (KITTY_0_26, "xterm-kitty", "cells", None),
    (KITTY_0_35, "xterm-kitty", "kitty", "textual_image.widget.TGPImage"),
    (SIXEL, "foot", "sixel", "textual_image.widget.sixel.Image"),
    (SILENT, "xterm-kitty", "cells", None),
])
def test_prepare_asks_the_real_tty(tmp_path: Path, answers: dict[str, bytes], term: str, choice: str,
                                   widget: str | None) -> None:
    typed = b"q\x1b[B"
    got, terminal = run_prepare(tmp_path, answers, {"TERM": term}, typed=typed)
    assert got["asked"] and got["choice"] == choice and got["widget"] == widget
    # asked once; textual-image, loaded afterwards, did not ask again (it would have read keys typed meanwhile)
    assert terminal.queries == ["graphics", "version", "attributes"], terminal.queries
    # the keys were read with the answers, for hand_over; nothing is left that Textual would take for keys
    assert got["typed"] == typed.decode() and got["read_back"] == ""
    if widget:
        assert got["cell"] == [10, 20]  # from the tty's size, handed to textual-image
    if answers is SILENT:
        assert 0.15 <= got["seconds"] < 0.5
    else:
        assert got["seconds"] < 0.15


def test_prepare_does_not_ask_when_the_environment_says_no(tmp_path: Path) -> None:
    for env in ({"TERM": "xterm-256color"}, {"TERM": "xterm-kitty", "TMUX": "/tmp/tmux-0/default,1,0"},
                {"TERM": "xterm-kitty", "SORA_TUI_GRAPHICS": "cells"}):
        got, terminal = run_prepare(tmp_path, KITTY_0_35, env)
        assert not got["asked"] and got["choice"] == "cells" and terminal.queries == []
    got, terminal = run_prepare(tmp_path, SILENT, {"TERM": "xterm-256color", "SORA_TUI_GRAPHICS": "kitty"})
    assert not got["asked"] and got["choice"] == "kitty" and terminal.queries == [] and got["cell"] == [10, 20]


def test_no_terminal_means_no_question_and_cells() -> None:
    code = "from sora_tui.tui import graphics; print(graphics.prepare({'TERM': 'xterm-kitty'}), graphics.answers())"
    done = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True,
                          timeout=60, stdin=subprocess.DEVNULL, start_new_session=True)
    assert done.stdout.split() == ["cells", "None"] and done.stderr == ""


def test_a_word_typed_during_the_query_reaches_the_prompt(home: Path, engine_daemon: Path) -> None:
    """The whole app in the pty: kitty 0.26.5 answers, and the word typed meanwhile is in the prompt."""
    master, slave = os.openpty()
    fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 1200, 800))
    terminal = ScriptedTerminal(master, KITTY_0_26, typed=b"zebra")
    terminal.start()
    env = {k: v for k, v in os.environ.items() if k not in ("TMUX", "STY", "SORA_TUI_GRAPHICS")}
    code = ("import fcntl, sys, termios; fcntl.ioctl(0, termios.TIOCSCTTY, 0); from sora_tui.cli import main; "
            "sys.exit(main([]))")
    try:
        child = subprocess.Popen([sys.executable, "-c", code], stdin=slave, stdout=slave, stderr=slave,
                                 start_new_session=True, env={**env, "TERM": "xterm-kitty"})
        os.close(slave)
        deadline = time.monotonic() + 30
        while b"zebra" not in terminal.received and time.monotonic() < deadline and child.poll() is None:
            time.sleep(0.1)
        shown = b"zebra" in terminal.received
        os.write(master, b"\x11")  # ctrl+q
        assert child.wait(30) == 0
    finally:
        terminal.stop()
        os.close(master)
    assert terminal.queries == ["graphics", "version", "attributes"]
    assert shown, "the keys typed during the query did not reach the prompt"
