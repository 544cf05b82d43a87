"""The compare view's one clock: the time code every take's flipbook shows, and the frame of each take at that time.

A take's frames are taken evenly from the first to the last frame of its clip (the spritesheet's layout), so a frame
is found from the time and the clip's length; takes of different lengths and frame counts stay in step that way.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ...core.job import Job


def take_seconds(job: Job) -> float:
    """The clip's length in seconds, as asked for (the flipbook's frames spread evenly over it)."""
    try:
        seconds = float(job.params.seconds)
    except (TypeError, ValueError):
        return 4.0
    return seconds if math.isfinite(seconds) and seconds > 0 else 4.0


def frame_at(time: float, seconds: float, count: int) -> int:
    """The frame shown at `time` of a flipbook of `count` frames taken evenly from the first to the last frame of a
    `seconds`-long clip (the spritesheet's layout); past its end, its last frame."""
    if count <= 1 or seconds <= 0:
        return 0
    return max(0, min(count - 1, round(time / seconds * (count - 1))))


def time_code(seconds: float) -> str:
    """0:02.2: minutes, seconds and tenths."""
    tenths = round(max(0.0, seconds) * 10)
    return f"{tenths // 600}:{tenths // 10 % 60:02d}.{tenths % 10}"


class TakeClock:
    """One clock for every take: a position in steps, a step being the shortest time between two frames of any take,
    so a step on shows the next frame of the take whose frames are closest together, and the others their frame at
    that same time. It runs to the end of the longest take and starts again."""

    def __init__(self, seconds: list[float]) -> None:
        self.seconds = list(seconds)
        self.counts = [0] * len(seconds)
        self.position = 0

    @property
    def step(self) -> float:
        spacings = [s / (n - 1) for s, n in zip(self.seconds, self.counts) if n > 1]
        return min(spacings) if spacings else min(self.seconds, default=4.0) / 9

    @property
    def length(self) -> float:
        return max(self.seconds, default=0.0)

    @property
    def positions(self) -> int:
        return math.floor(self.length / self.step + 1e-6) + 1

    @property
    def time(self) -> float:
        return min(self.length, self.position * self.step)

    def set_count(self, take: int, count: int) -> None:
        """Take `take` has `count` frames now (its pictures loaded): the time code shown stays where it was."""
        time = self.time
        self.counts[take] = count
        self.position = min(self.positions - 1, round(time / self.step))

    def move(self, delta: int) -> None:
        self.position = (self.position + delta) % self.positions

    def index(self, take: int) -> int:
        return frame_at(self.time, self.seconds[take], self.counts[take])

