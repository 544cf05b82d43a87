"""JobTable: every active and recent job, updated in place (never resets the cursor or steals focus)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.binding import Binding
from textual.coordinate import Coordinate

from ...core.i18n import N_
from ...core.status import label
from . import job_list
from .job_list import (
    COST_CELLS,
    ID_CELLS,
    MODEL_CELLS,
    SECS_CELLS,
    SIZE_CELLS,
    SPAN_CELLS,
    Col,
    JobList,
    cost_cell,
    elapsed,
    eta,
    expires_cell,
    expires_cells,
    files_cell,
    files_cells,
    progress_bar,
    span,
    status_cell,
    status_cells,
)
from .prompt_cells import prompt_cell
from .search_box import SearchBox

if TYPE_CHECKING:  # only named in annotations: core.job loads with the history, after the first frame
    from ...core.job import Job

# Every size keeps ID, prompt, status, progress, ETA and files (all of them fit 80 cells, in either language); a
# wider table adds model, size, seconds, elapsed, cost and expires, in that order, while the prompt keeps room.
COLUMNS = (Col("id", N_("ID")), Col("prompt", N_("Prompt")), Col("model", N_("Model"), 1), Col("size", N_("Size"), 2),
           Col("secs", N_("Sec"), 3), Col("status", N_("Status")), Col("progress", N_("Progress")),
           Col("elapsed", N_("Elapsed"), 4), Col("eta", N_("ETA")), Col("cost", N_("Cost"), 5),
           Col("files", N_("Files")), Col("expires", N_("Expires"), 6))
TICKING = ("elapsed", "eta", "expires")
# Printable keys closer together than this are typing (someone who thought the prompt had the focus), not a
# deliberate press each: as fast as people type, slower than a key held down or pressed twice on purpose.
TYPING_BURST = 0.3
# The progress bar's cells: the long one once every column is shown and the prompt still has this much room.
BAR, WIDE_BAR, WIDE_BAR_PROMPT = 6, 10, 40


# A filter's rows are built again at most this often while jobs move into or out of it (a status filter as jobs
# finish): never once per tracker round.
REFILTER_EVERY = 1.0


def filter_words(text: str) -> list[str]:
    """What a filter asks for: every word must be found (case folded), in any order."""
    return text.casefold().split()


class JobTable(JobList):
    """The live table: oldest first like a log, so new rows appear at the bottom and the cursor stays put.

    A filter (`/`, MainScreen) shows only the jobs whose prompt, id, status or model hold every word typed; the
    other jobs stay in `jobs`, updated as they change, and come back as rows when the filter is cleared."""

    COLUMNS = COLUMNS

    BINDINGS = [
        Binding("slash", "filter", N_("Filter"), tooltip=N_("Show only the jobs whose prompt, id, status or model match"),
                id="jobs.filter", key_display="/"),
    ]

    SIZED = ("progress",)  # the bar is drawn as long as its column allows

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.downloads: dict[str, dict[str, float]] = {}  # local id -> variant -> fraction received
        self._dirty: dict[str, Job] = {}  # rows whose job changed and are not redrawn yet, latest state each
        self._flushing = False
        self._following = False
        self.filter_text = ""
        self._words: list[str] = []
        self._haystacks: dict[str, str] = {}  # local id -> its prompt, ids and model, case folded (they never change)
        self._refilter_timer: Any = None
        self._refiltered_at = float("-inf")

    typed_at = float("-inf")  # when a key typed here last went to the composer instead (MainScreen.type_into_composer)

    def on_key(self, event: Any) -> None:
        """Text typed here was meant for the prompt: a printable key no binding of the table takes goes to the
        composer (which takes the focus, so the rest follows it there) instead of acting, and so does any printable
        key within a burst of such typing: keys read in one go still arrive here before the focus has moved, and
        "a red kite" must not retry with its r. A single deliberate press of a job key still acts, however soon
        after another job key (the burst counts only keys that were typing). Runs before the bindings, which are
        looked up as the key bubbles on to the app."""
        char = event.character
        if not event.is_printable or not char:
            return
        typing = time.monotonic() - self.typed_at < TYPING_BURST
        if not typing and event.key in self.app.active_bindings:
            return
        screen = self.screen
        if not hasattr(screen, "type_into_composer"):
            return
        event.stop()
        event.prevent_default()
        screen.type_into_composer(char)

    def content_cells(self) -> dict[str, int]:
        return {"id": ID_CELLS, "model": MODEL_CELLS, "size": SIZE_CELLS, "secs": SECS_CELLS, "status": status_cells(),
                "progress": BAR + 5, "elapsed": SPAN_CELLS, "eta": SPAN_CELLS, "cost": COST_CELLS,
                "files": files_cells(), "expires": expires_cells()}  # progress: the bar and " 100%"

    def plan(self, available: int) -> dict[str, int]:
        widths = super().plan(available)
        longer = WIDE_BAR - BAR
        if len(widths) == len(self.COLUMNS) and widths["prompt"] - longer >= WIDE_BAR_PROMPT:
            widths["progress"] += longer
            widths["prompt"] -= longer
        return widths

    @property
    def bar(self) -> int:
        """The progress bar's cells: as many as its column has beside the percentage, up to the long bar's."""
        return max(1, min(WIDE_BAR, self.widths.get("progress", BAR + 5) - 5))

    def cell(self, key: str, job: Job, now: float) -> Text:
        p = job.params
        if key == "id":
            return Text(job.short_id, style="bold" if job.is_active else "")
        if key == "prompt":
            return prompt_cell(job)
        if key in ("model", "size"):
            return Text(p.model if key == "model" else p.size)
        if key == "secs":
            return Text(p.seconds, justify="right")
        if key == "status":
            return status_cell(job)
        if key == "progress":
            return progress_bar(job, self.bar)
        if key == "elapsed":
            return Text(span(elapsed(job, now)), justify="right")
        if key == "eta":
            left = eta(job, now)
            return Text(span(left) if left is not None else "—", justify="right")
        if key == "cost":
            return cost_cell(job)
        if key == "files":
            return files_cell(job, self.downloads.get(job.local_id))
        return expires_cell(job, now)

    def cells(self, job: Job, now: float) -> list[Text]:
        return [self.cell(key, job, now) for key in self.shown]

    def default_row(self) -> int:
        return self.row_count - 1

    def load(self, jobs: list[Job]) -> None:
        super().load(sorted(jobs, key=lambda j: j.created_at))

    # --- the filter ----------------------------------------------------------------------------------------
    def action_filter(self) -> None:
        screen = self.screen
        if hasattr(screen, "open_filter"):
            screen.open_filter()

    def matches(self, job: Job) -> bool:
        if not self._words:
            return True
        hay = self._haystacks.get(job.local_id)
        if hay is None:
            p = job.params
            hay = self._haystacks[job.local_id] = " ".join(
                (p.prompt, job.short_id, job.local_id, job.video_id or "", p.model)).casefold()
        # the status in both its words: the interface's and the protocol's
        status = f"{label(job.status)} {job.status.value}".casefold()
        return all(word in hay or word in status for word in self._words)

    @property
    def filtering(self) -> bool:
        return bool(self._words)

    def set_filter(self, text: str) -> None:
        """Show only the jobs that match `text` (every word, case folded); "" shows them all again."""
        words = filter_words(text)
        self.filter_text = text
        if words == self._words:
            return
        self._words = words
        self._refilter()

    def _refilter(self) -> None:
        """The rows for the filter as it is now: built again from `jobs`, keeping the selection when it still shows."""
        if self._refilter_timer is not None:
            self._refilter_timer.stop()
            self._refilter_timer = None
        self._refiltered_at = time.monotonic()
        selected = self.selected_local_id
        for local_id, job in list(self._dirty.items()):  # every row is drawn anew: nothing stays pending
            self.jobs[local_id] = job
        self._dirty.clear()
        self.clear()
        self._fill(self.jobs.values(), selected)
        self.keep_cursor_in_view()

    def _refilter_soon(self) -> None:
        """A job moved into or out of the filter: the rows are built again once, within REFILTER_EVERY."""
        if self._refilter_timer is not None:
            return
        wait = max(0.0, REFILTER_EVERY - (time.monotonic() - self._refiltered_at))
        self._refilter_timer = self.set_timer(wait, self._refilter)

    def _fill(self, jobs: Any, selected: str | None) -> None:
        if self._words:
            jobs = [job for job in jobs if self.matches(job)]
        super()._fill(jobs, selected)

    @property
    def shown_count(self) -> int:
        """How many jobs the filter shows (every job without one)."""
        return sum(1 for job in self.jobs.values() if self.matches(job)) if self._words else len(self.jobs)

    def upsert(self, job: Job) -> None:
        """Update the job's row in place (soon: see _flush), or append it."""
        if job.local_id in self.rows:
            self.jobs[job.local_id] = job
            if self._words and not self.matches(job):
                self._refilter_soon()
            self._dirty[job.local_id] = job
            if not self._flushing:
                self._flushing = True
                self.call_later(self._flush)
            return
        known = job.local_id in self.jobs
        self.jobs[job.local_id] = job
        if self._words and not self.matches(job):
            return
        if known:  # it was left out by the filter and is in it now: in its place, not at the bottom
            self._refilter_soon()
            return
        self.add_row(*self.cells(job, job_list.clock()), key=job.local_id)
        if not self.has_focus and not self._following:
            # Show the new job when the user is typing elsewhere: once, after a batch of new rows (each move
            # costs DataTable a walk over every row above the cursor; 1,000 new rows made that a million).
            self._following = True
            self.call_later(self._follow_newest)

    def _follow_newest(self) -> None:
        self._following = False
        if not self.has_focus and self.row_count:
            self.move_cursor(row=self.row_count - 1)

    def _visible(self) -> range:
        top = int(self.scroll_offset.y)
        return range(max(0, top - 1), top + self.size.height + 1)

    def _flush(self) -> None:
        """Redraw the changed rows that are on screen, all in one frame; rows off screen stay pending until they
        scroll into view (or a cell of theirs is read). Building and comparing a row's cells costs little, but
        1,000 rows of it every second, for rows no one sees, held the keys behind it."""
        self._flushing = False
        if not self._dirty:
            return
        visible = self._visible()
        for local_id in [i for i in self._dirty if self._row_index(i) in visible]:
            self.update_job(self._dirty.pop(local_id))

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if self._dirty and not self._flushing:
            self._flushing = True
            self.call_later(self._flush)

    def get_cell(self, row_key, column_key):  # type: ignore[no-untyped-def, override]
        key = getattr(row_key, "value", row_key)
        if key in self._dirty:  # whoever reads a cell reads the job's latest state
            self.update_job(self._dirty.pop(key))
        return super().get_cell(row_key, column_key)

    def _row_index(self, local_id: str) -> int:
        try:
            return self.get_row_index(local_id)
        except Exception:  # noqa: BLE001 - gone meanwhile
            return -1

    def download_progress(self, job: Job, variant: str, fraction: float | None) -> None:
        """A running download's share received; None when it ended (the row then shows the files on disk)."""
        if fraction is None:
            self.downloads.pop(job.local_id, None)
        else:
            self.downloads[job.local_id] = {variant: fraction}
        if job.local_id in self.rows:
            self._dirty.pop(job.local_id, None)
            self.update_job(self.jobs.get(job.local_id, job) if fraction is not None else job)

    def tick(self) -> None:
        """Once a second: the clock columns of rows whose clocks move (active jobs, assets that expire)."""
        now = job_list.clock()
        keys = [k for k in self.shown if k in TICKING]
        if not keys:
            return
        # Only the rows on screen: with 1,000 live jobs the rest would cost the loop 30 ms a second, and a row
        # scrolled into view is at most a second behind.
        visible = self._visible()
        for index in visible:
            if index >= self.row_count:
                break
            local_id = self.coordinate_to_cell_key(Coordinate(index, 0)).row_key.value
            job = self.jobs.get(local_id) if local_id is not None else None
            if job is not None and (job.is_active or (job.expires_at and job.expires_at > now - 2)):
                for key in keys:
                    self.set_cell(job.local_id, key, self.cell(key, job, now))


class JobFilter(SearchBox):
    """The live table's filter box, as in k9s and lazygit: rows are filtered as it is typed; enter keeps the filter
    and goes back to the table, escape clears it and closes."""

    BINDINGS = [
        Binding("escape", "clear_filter", N_("Clear filter"), tooltip=N_("Show every job again and close the filter"),
                id="jobs.filter_clear"),
        Binding("down", "keep_filter", N_("To the jobs"), show=False, id="jobs.filter_keep"),
    ]

    def action_clear_filter(self) -> None:
        screen = self.screen
        if hasattr(screen, "close_filter"):
            screen.close_filter(keep=False)

    def action_keep_filter(self) -> None:
        screen = self.screen
        if hasattr(screen, "close_filter"):
            screen.close_filter(keep=True)
