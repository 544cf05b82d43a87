"""sora-tui in a real kitty window on a virtual X display: the details of a finished job show its picture, and
kitty rejects nothing sora-tui sends. kitty is asked what it draws: one that predates Unicode placeholders
(0.28) gets half blocks, a newer one Kitty images placed with placeholders.

Needs kitty and Xvfb (Debian: apt-get install kitty xvfb); skipped without them.
"""

from __future__ import annotations

import json
import os
import re
import select
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not (shutil.which("kitty") and shutil.which("Xvfb")),
                       reason="needs kitty and Xvfb installed (Debian: apt-get install kitty xvfb)"),
]

PROMPT = "a red ball bouncing on green grass under a blue sky"
WINDOW = (1200, 760)  # pixels, inside an X screen of 1280x800
PROBE = """
import json, sys
from sora_tui.tui import graphics
choice = graphics.prepare()
a = graphics.answers()
json.dump({"choice": choice, "version": a and a.version, "graphics": a and a.graphics,
           "seconds": a and a.seconds}, open(sys.argv[1], "w"))
"""


def kitty_version() -> tuple[int, ...]:
    out = subprocess.run(["kitty", "--version"], capture_output=True, text=True, timeout=30, check=False).stdout
    found = re.search(r"kitty (\d+)\.(\d+)", out)
    return (int(found[1]), int(found[2])) if found else (0, 0)


@pytest.fixture
def display() -> Iterator[str]:
    """A private X display (Xvfb picks a free number and tells it through -displayfd)."""
    r, w = os.pipe()
    xvfb = subprocess.Popen(["Xvfb", "-displayfd", str(w), "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
                            pass_fds=(w,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(w)
    try:
        number = b""
        deadline = time.monotonic() + 20
        while not number.endswith(b"\n") and time.monotonic() < deadline:
            if select.select([r], [], [], 0.5)[0]:
                chunk = os.read(r, 16)
                if not chunk:
                    break
                number += chunk
        if not number.strip():
            pytest.skip("Xvfb did not start")
        yield f":{number.strip().decode()}"
    finally:
        os.close(r)
        xvfb.terminate()
        xvfb.wait(10)


class Kitty:
    """A kitty window with remote control on a private socket."""

    def __init__(self, display: str, command: str, env: dict[str, str], workdir: Path) -> None:
        self.socket = f"unix:{workdir / 'kitty.sock'}"
        self.log = workdir / "kitty.log"
        width, height = WINDOW
        self.proc = subprocess.Popen(
            ["kitty", "--config", "NONE", "-o", "allow_remote_control=yes", "--listen-on", self.socket,
             "-o", "remember_window_size=no", "-o", f"initial_window_width={width}",
             "-o", f"initial_window_height={height}", "-o", "font_size=11", "sh", "-c", command],
            env={**env, "DISPLAY": display, "LIBGL_ALWAYS_SOFTWARE": "1"},
            stdout=subprocess.DEVNULL, stderr=self.log.open("wb"))

    def remote(self, *args: str) -> str:
        done = subprocess.run(["kitty", "@", "--to", self.socket, *args], capture_output=True, timeout=30,
                              check=False)
        return done.stdout.decode("utf-8", "replace") if done.returncode == 0 else ""

    def screen(self) -> str:
        return self.remote("get-text")

    def wait_for(self, test: Callable[[str], bool], what: str, timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        text = ""
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, f"kitty exited while waiting for {what}: {self.log.read_text()[-2000:]}"
            text = self.screen()
            if test(text):
                return text
            time.sleep(0.3)
        raise AssertionError(f"no {what} within {timeout} s; the screen:\n{text}")

    def close(self) -> None:
        if self.proc.poll() is None:
            self.remote("send-text", "\\x11")  # ctrl+q: sora-tui quits, and kitty with it
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.terminate()
                self.proc.wait(10)


def green_share(shot: object, box: tuple[int, int, int, int]) -> float:
    """The share of pixels in `box` that are grass green (the engine's frames are mostly grass)."""
    data = shot.crop(box).convert("RGB").tobytes()  # type: ignore[attr-defined]
    pixels = [data[i:i + 3] for i in range(0, len(data), 3)]
    return sum(1 for r, g, b in pixels if g > r + 25 and g > b + 25) / max(1, len(pixels))


def test_details_show_the_picture_in_a_real_kitty(home: Path, engine_daemon: Path, display: str) -> None:
    from PIL import ImageGrab

    made = subprocess.run([sys.executable, "-m", "sora_tui", "generate", PROMPT, "--seconds", "4", "--wait"],
                          capture_output=True, text=True, timeout=120, check=False)
    assert made.returncode == 0, made.stderr

    workdir = Path(tempfile.mkdtemp(prefix="kt"))  # short: a unix socket's path has a length limit
    env = {k: v for k, v in os.environ.items()
           if k not in ("TERM", "TERM_PROGRAM", "TMUX", "STY", "SORA_TUI_GRAPHICS", "KITTY_WINDOW_ID",
                        "KITTY_LISTEN_ON", "WAYLAND_DISPLAY", "COLORTERM") and not k.startswith("SSH_")}
    probe = workdir / "probe.json"
    python = shlex.quote(sys.executable)
    command = f"{python} -c {shlex.quote(PROBE)} {shlex.quote(str(probe))}; exec {python} -m sora_tui"
    kitty = Kitty(display, command, env, workdir)
    try:
        kitty.wait_for(lambda s: PROMPT[:20] in s, "job table")
        kitty.remote("send-text", "\\x0a")  # ctrl+j: to the job table
        time.sleep(0.5)
        kitty.remote("send-text", "\\r")  # enter: the details
        placeholders = kitty_version() >= (0, 28)
        drawn = kitty.wait_for(
            lambda s: "Files" in s and (s.count("\U0010eeee") > 50 if placeholders else s.count("▀") > 200),
            "picture in the details")
        time.sleep(1.5)  # a few frames of the flipbook
        shot = ImageGrab.grab(xdisplay=display)
        shot.save(workdir / "details.png")
        log = kitty.log.read_text(errors="replace")
    finally:
        kitty.close()

    asked = json.loads(probe.read_text())
    assert asked["version"].startswith("kitty(") and asked["graphics"], asked  # kitty answered both queries
    assert asked["seconds"] < 0.15, asked  # the answers, not the timeout, ended the wait
    assert asked["choice"] == ("kitty" if placeholders else "cells"), asked
    # kitty refused nothing of the pictures (an older kitty does log Textual's OSC 22, the pointer's shape)
    assert "Malformed GraphicsCommand" not in log and "Graphics" not in log, log[-2000:]
    if not placeholders:
        assert "\U0010eeee" not in drawn  # no placeholder cells that this kitty would show as boxes
    # the picture is on screen: the right half of the details box is mostly the frames' green grass
    width, height = WINDOW
    share = green_share(shot, (width // 2 + 60, 80, width - 140, height - 120))
    print(f"screenshot: {workdir / 'details.png'}; green share {share:.2f}; {asked}")
    assert share > 0.12, f"no picture in the details ({share:.2f} green); see {workdir / 'details.png'}"
