"""CompareScreen: two to four takes side by side, to choose the best. Their flipbooks play in step: one clock for all
of them, and each shows its frame at the clock's time code (a frame index worked out from the time, never a timer of
its own), so a step back or on moves them all together. Under each: its short id, status, seconds and cost, and, where
its prompt differs from the first take's, what it changes, word by word.

Where the takes do not all fit (two at 80 columns, four at 160), the cursor pages through them a screenful at a time.

The clock is screens/compare_clock.py; what each take shows (its frames from disk, its prompt's diff) is
screens/compare_takes.py; this module is the screen: the layout, the cursor and the keys.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Static

from ...core.cost import cost_text, job_cost
from ...core.i18n import N_, _, ngettext
from ...core.status import label as status_label
from ...core.text import one_line
from ..base import workbench
from ..desktop import open_in_player
from ..failures import ReportsWorkerFailures
from ..messages import JobChanged, JobsChanged
from ..widgets.frames import PreviewError
from ..widgets.key_bar import KeyBar
from ..widgets.preview import PicturePreview, picture_preview
from .compare_clock import TakeClock, take_seconds, time_code
from .compare_takes import diff_text, flat_text, take_frames

if TYPE_CHECKING:
    from ...core.job import Job

MAX_TAKES = 4
TAKE_CELLS = 40  # a take side by side needs this many columns: 80 hold two, 160 four
FPS = 4.0  # the clock's steps a second while playing, as the details' flipbook plays
SOUND_PLAYERS = (  # audio-only players, in order of preference: the sound alone, no window
    ("mpv", ("--no-video", "--really-quiet")),
    ("ffplay", ("-nodisp", "-autoexit", "-loglevel", "quiet")),
    ("cvlc", ("--play-and-exit", "--no-video", "--quiet")),
)


def sound_player() -> tuple[str, list[str]] | None:
    """(name, command) of an audio-only player on this machine, or None."""
    for name, options in SOUND_PLAYERS:
        path = shutil.which(name)
        if path:
            return name, [path, *options]
    return None


class CompareScreen(ReportsWorkerFailures, ModalScreen[None]):
    """The takes side by side, their flipbooks on one clock; the cursor picks the take `k` keeps and `a` plays."""

    DEFAULT_CSS = """
    CompareScreen { background: $background; }
    #compare-head { height: 1; padding: 0 1; }
    #compare-takes { height: 1fr; }
    CompareScreen .take { width: 1fr; height: 1fr; border: round $panel; border-title-align: left; }
    CompareScreen .take-picture { width: 1fr; height: 1fr; min-height: 3; }
    CompareScreen .take-caption { height: 2; padding: 0 1; }
    CompareScreen .take-diff { height: 4; padding: 0 1; display: none; }
    CompareScreen.-diffs .take-diff { display: block; }
    CompareScreen.-diffs.-tall .take-diff { height: 8; }
    """

    BINDINGS = [
        # In the order of the bar at the bottom: at 80 columns what matters most comes first (the cursor's keys are
        # said in the line at the top)
        Binding("k", "keep", N_("Keep"), tooltip=N_("Keep the take under the cursor: starred, the group's other "
                                                     "takes marked as not chosen"), id="compare.keep"),
        Binding("space", "play", N_("Play/Pause"), tooltip=N_("Play or pause every take together"), id="compare.play"),
        Binding("comma", "step(-1)", N_("Frame back"), tooltip=N_("Pause and show every take one frame back"),
                id="compare.back", key_display=","),
        Binding("full_stop", "step(1)", N_("Frame on"), tooltip=N_("Pause and show every take one frame on"),
                id="compare.next", key_display="."),
        Binding("a", "sound", N_("Sound"), tooltip=N_("Play the sound of the take under the cursor"),
                id="compare.sound"),
        Binding("escape,q", "close", N_("Close"), id="compare.close"),
        Binding("left,h", "cursor(-1)", N_("Previous take"), tooltip=N_("Move the cursor to the take on the left"),
                id="compare.left", key_display="←", show=False),
        Binding("right,l", "cursor(1)", N_("Next take"), tooltip=N_("Move the cursor to the take on the right"),
                id="compare.right", key_display="→", show=False),
    ]

    def __init__(self, takes: list[Job], on_pick: Callable[[Job], object] | None = None) -> None:
        """on_pick: where the take `k` picks goes instead of being kept in its group (a storyboard's shot chooses
        its take so); the view closes with the pick."""
        super().__init__()
        self.takes = list(takes[:MAX_TAKES])
        self.on_pick = on_pick
        self.clock = TakeClock([take_seconds(job) for job in self.takes])
        self.cursor = 0
        self._timer: Timer | None = None
        self._playing = True
        self._sound: subprocess.Popen[bytes] | None = None
        self._loaded = 0

    # --- what is shown ----------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        with Vertical(id="compare-box"):
            yield Static(id="compare-head")
            with Horizontal(id="compare-takes"):
                for n, _job in enumerate(self.takes):
                    with Vertical(classes="take", id=f"take-{n}"):
                        yield picture_preview(classes="take-picture", own_clock=False)
                        yield Static(classes="take-caption")
                        yield Static(classes="take-diff")
        yield KeyBar()

    def on_mount(self) -> None:
        for n, job in enumerate(self.takes):
            box = self.query_one(f"#take-{n}", Vertical)
            box.border_title = f"#{n + 1}"
            self._caption(n)
            self.run_worker(self._load(n, job), group="compare-frames", exit_on_error=False,
                            description=_("load the takes' pictures"))
        self._diffs()
        self._timer = self.set_interval(1.0 / FPS, self._tick, pause=not self._playing)
        self._layout_takes()
        self._show_time()

    def on_resize(self) -> None:
        self.set_class(self.size.height >= 40, "-tall")
        self._layout_takes()

    @property
    def per_page(self) -> int:
        return max(1, min(MAX_TAKES, self.app.size.width // TAKE_CELLS))  # the app's: known before this is laid out

    @property
    def playing(self) -> bool:
        return self._playing

    def previews(self) -> list[PicturePreview]:
        return [self.query_one(f"#take-{n}", Vertical).query_one(PicturePreview) for n in range(len(self.takes))]

    def frame_indexes(self) -> list[int]:
        """The frame each take's flipbook shows now (the same for takes alike: they are in step)."""
        return [preview.frame_index for preview in self.previews()]

    @property
    def first_shown(self) -> int:
        """The first take of the page the cursor is on: pages of per_page takes, the last one full too (three takes
        two at a time: 1-2, then 2-3), so every take shown has the same width."""
        per = self.per_page
        return max(0, min(self.cursor // per * per, len(self.takes) - per))

    def _layout_takes(self) -> None:
        """The cursor's page of takes shown, the others hidden; the cursor's take outlined."""
        if not self.is_mounted:
            return
        first, per = self.first_shown, self.per_page
        for n in range(len(self.takes)):
            box = self.query_one(f"#take-{n}", Vertical)
            box.display = first <= n < first + per
            self._outline(box, n == self.cursor)
        self._head()

    def _outline(self, box: Vertical, cursor: bool, again: bool = False) -> None:
        """The cursor's take: its caption's first line in reverse. Not its border: a border (a style or a class) is
        a repaint of the whole box, flipbook and all (40-90 ms a key with four takes, bench/compare.py); the caption
        is two lines. The class says it to tests and themes, without a restyle."""
        if not again and box.has_class("-cursor") == cursor:
            return
        box.set_class(cursor, "-cursor", update=False)
        self._caption(int(box.id.rpartition("-")[2]) if box.id else 0)

    def _head(self) -> None:
        total = len(self.takes)
        pieces = [ngettext("{n} take", "{n} takes", total).format(n=total),
                  f"{time_code(self.clock.time)} / {time_code(self.clock.length)}",
                  _("playing") if self._playing else _("paused")]
        per = self.per_page
        if total > per:
            first = self.first_shown
            pieces.append(_("showing {first}–{last}: ← → for the others").format(first=first + 1,
                                                                                 last=first + per))
        self.query_one("#compare-head", Static).update(Text(" · ".join(pieces)), layout=False)

    def _caption(self, n: int) -> None:
        job = self.takes[n]
        choice = job.extra.get("choice")
        marks = " ".join(mark for mark, on in (("★", job.starred), (_("kept"), choice == "kept"),
                                               (_("not chosen"), choice == "passed")) if on)
        first = Text(("▶ " if n == self.cursor else "") + job.short_id,
                     style="bold reverse" if n == self.cursor else "bold")
        first.append("  " + status_label(job.status))
        if marks:
            first.append("  " + marks, style="yellow")
        second = Text(_("{n} s").format(n=job.params.seconds) + "  " + cost_text(job_cost(job)))
        caption = Text("\n").join([first, second])
        caption.no_wrap, caption.overflow = True, "ellipsis"  # one line each: the takes' pictures stay level
        self.query_one(f"#take-{n}", Vertical).query_one(".take-caption", Static).update(caption, layout=False)

    def _diffs(self) -> None:
        """Each take's prompt against the first take's, where they differ; the first take shows its own."""
        reference = self.takes[0].params.prompt if self.takes else ""
        differ = any(job.params.prompt != reference for job in self.takes[1:])
        self.set_class(differ, "-diffs")
        if not differ:
            return
        for n, job in enumerate(self.takes):
            if n == 0:
                shown = Text(_("Prompt of #1:") + " ", style="bold")
                shown.append(one_line(flat_text(reference), 600), style="dim")
            elif job.params.prompt == reference:
                shown = Text(_("Same prompt as #1."), style="dim")
            else:
                shown = Text(_("Against #1:") + " ", style="bold")
                shown.append_text(diff_text(reference, job.params.prompt))
            self.query_one(f"#take-{n}", Vertical).query_one(".take-diff", Static).update(shown)

    def _show_time(self) -> None:
        """Every take at the clock's time code: its frame index worked out from the time, the same one clock."""
        for n, preview in enumerate(self.previews()):
            preview.show_index(self.clock.index(n))
        self._head()

    # --- the pictures -----------------------------------------------------------------------------------
    async def _load(self, n: int, job: Job) -> None:
        preview = self.previews()[n]
        preview.show_message(_("Loading…"))
        try:
            frames = await asyncio.to_thread(take_frames, job)
        except PreviewError as exc:
            preview.show_message(exc.message)
            return
        finally:
            self._loaded += 1
        preview.show_frames(frames)
        self.clock.set_count(n, len(frames))
        self._show_time()

    @property
    def loaded(self) -> bool:
        """Every take's pictures are shown, or why there are none."""
        return self._loaded == len(self.takes)

    # --- keys -------------------------------------------------------------------------------------------
    def _tick(self) -> None:
        self.clock.move(1)
        self._show_time()

    def action_play(self) -> None:
        self._playing = not self._playing
        if self._timer is not None:
            if self._playing:
                self._timer.resume()
            else:
                self._timer.pause()
        self._head()

    def pause_at(self, position: int) -> None:
        """Pause and show every take at the clock's `position` (0 is the first frame)."""
        if self._playing:
            self.action_play()
        self.clock.position = position % self.clock.positions
        self._show_time()

    def action_step(self, delta: int) -> None:
        self.pause_at(self.clock.position + delta)

    def action_cursor(self, delta: int) -> None:
        self.cursor = max(0, min(len(self.takes) - 1, self.cursor + delta))
        self._layout_takes()

    async def action_keep(self) -> None:
        from ...service.errors import ServiceError

        app = workbench(self)
        job = self.takes[self.cursor]
        if self.on_pick is not None:
            pick = self.on_pick
            self.action_close()
            pick(job)
            return
        if app.session is None:  # the history did not even open: say why (connected_or_say knows)
            app.connected_or_say()
            return
        try:
            # a choice is the user's mark on the history: it needs no server (a history browsed offline keeps too)
            changed = await app.session.keep(job)
        except ServiceError as exc:
            self.notify(exc.message, severity="warning", markup=False, timeout=8)
            return
        passed = sum(1 for j in changed if j.local_id != job.local_id)
        note = ngettext("Kept {job}; {n} other take marked as not chosen.",
                        "Kept {job}; {n} other takes marked as not chosen.", passed).format(job=job.short_id, n=passed)
        for j in changed:
            self.show_job(j)
        app.post_message(JobChanged(job if not changed else changed[0], note))
        for j in changed[1:]:
            app.post_message(JobChanged(j))

    def action_sound(self) -> None:
        job = self.takes[self.cursor]
        video = job.file("video")
        if video is None or not os.path.isfile(video.path):
            from ..keymap import bound_key
            from ..widgets.job_list import JobList

            self.notify(_("{job} has no downloaded video, so no sound to play; press {key} on it in the jobs table.")
                        .format(job=job.short_id, key=bound_key(self, "job.download", JobList)), severity="warning",
                        markup=False)
            return
        self._stop_sound()
        player = sound_player()
        if player is None:
            said = open_in_player(Path(video.path))
            self.notify(_("No audio player (mpv, ffplay or cvlc) here, so the video itself was given to the system "
                          "player. {result}").format(result=said), markup=False, timeout=8)
            return
        name, command = player
        try:
            self._sound = subprocess.Popen([*command, video.path], stdin=subprocess.DEVNULL,
                                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                           start_new_session=True)
        except OSError as exc:
            self.notify(_("Could not start {command}: {reason}.").format(command=name, reason=exc.strerror),
                        severity="warning", markup=False)
            return
        self.notify(_("Playing the sound of {job} with {player}.").format(job=job.short_id, player=name),
                    markup=False)

    def _stop_sound(self) -> None:
        """The sound of the take played before (one at a time): this screen started it, and ends it."""
        if self._sound is not None and self._sound.poll() is None:
            self._sound.terminate()
        self._sound = None

    def action_close(self) -> None:
        self._stop_sound()
        self.dismiss(None)

    def on_unmount(self) -> None:
        self._stop_sound()

    # --- jobs changed elsewhere -------------------------------------------------------------------------
    def on_jobs_changed(self, event: JobsChanged) -> None:
        for job in event.jobs:
            self.show_job(job)

    def show_job(self, job: Job) -> None:
        for n, take in enumerate(self.takes):
            if take.local_id == job.local_id:
                self.takes[n] = job
                if self.is_mounted:
                    self._caption(n)
