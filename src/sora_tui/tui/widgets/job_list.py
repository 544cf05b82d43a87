"""JobList: a table of jobs whose keys act on the selected job; the live table and the history share it.

The table only reports what the user asked for (an `Action` message with the job's local id); the app's
job actions decide what happens. Cells are Rich `Text`, never markup: prompts and server text are literal.

Columns are chosen by what fits the table's width, in terminal cells: the columns every size keeps, then the others
in the order they matter while the prompt keeps room to be read, and the prompt takes the rest. Every column has a
fixed width (the widest thing it shows, or its title if wider, in the interface's language), so nothing is ever
wider than the screen and no cell update re-measures a column; a cell longer than its column is cut by cells with
'…' as it is drawn. How cells are drawn, and drawn again only when they change, is FastDataTable's (textual_fence).

The prompt column, with what a remix changed from its parent's prompt, is prompt_cells'; the keys, and the moves that
are the table's own, are job_keys'.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.cells import cell_len
from rich.text import Text
from textual.message import Message

from ...core.i18n import N_, _
from ...core.status import ACTIVE, RATE_LIMITED, JobStatus, label, labels
from ...core.text import Col, plan_columns
from .job_keys import JOB_KEYS, TableMoves
from .prompt_cells import DERIVED, ParentPrompts, prompt_cell

if TYPE_CHECKING:  # only named in annotations: core.job loads with the history, after the first frame
    from ...core.job import Job

# Tests freeze this to make screenshots repeatable.
clock: Callable[[], float] = time.time

STATUS_STYLE = {
    JobStatus.SUBMITTING: "yellow", JobStatus.QUEUED: "yellow", JobStatus.IN_PROGRESS: "cyan",
    JobStatus.COMPLETED: "green", JobStatus.DOWNLOADED: "bold green", JobStatus.FAILED: "bold red",
    JobStatus.CANCELED: "red", JobStatus.EXPIRED: "magenta", JobStatus.UNCERTAIN: "bold yellow",
}
DONE = (JobStatus.COMPLETED, JobStatus.DOWNLOADED)
ENDED_BADLY = (JobStatus.FAILED, JobStatus.CANCELED, JobStatus.EXPIRED)
VARIANT_LETTER = {"video": "v", "thumbnail": "t", "spritesheet": "s"}
# Words some cells show (translated as they are drawn into a cell).
PENDING, DELETED, EXPIRED = N_("pending"), N_("deleted"), N_("expired")
# Cells of the columns whose content has a known widest form (short ids are core.job.SHORT_ID_LENGTH long).
ID_CELLS, MODEL_CELLS, SIZE_CELLS, SECS_CELLS, SPAN_CELLS, COST_CELLS = 8, 10, 9, 2, 6, 6
# Before the prompt of a row marked with space (JobList.marked_local_ids).
MARK = "● "


def span(seconds: float | None) -> str:
    """A short duration: 42s, 3m05s, 2h10m, 3d."""
    if seconds is None:
        return "—"
    s = max(0, int(seconds))
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m{s % 60:02d}s"
    if s < 86400:
        return f"{s // 3600}h{(s % 3600) // 60:02d}m"
    return f"{s // 86400}d"


def elapsed(job: Job, now: float) -> float | None:
    """Time on the server so far (or in total, once it ended)."""
    start = job.submitted_at or job.created_at
    if job.is_active or job.status == JobStatus.UNCERTAIN:
        return now - start
    if job.completed_at:
        return job.completed_at - start
    return None


def resend_at(job: Job) -> float | None:
    """When a create the server rate-limited will be sent again (it waits as asked), while it is waiting."""
    at = job.extra.get("retry_at") if job.status == JobStatus.SUBMITTING else None
    return float(at) if isinstance(at, (int, float)) and at > clock() else None


def eta(job: Job, now: float) -> float | None:
    """Remaining time from the progress so far (or until a rate-limited create is sent again); None until there is
    progress to go on."""
    waiting = resend_at(job)
    if waiting is not None:
        return max(0.0, waiting - now)
    if job.status not in ACTIVE or job.progress <= 0 or job.progress >= 100:
        return None
    spent = now - (job.submitted_at or job.created_at)
    return spent * (100 - job.progress) / job.progress


def progress_bar(job: Job, width: int = 10) -> Text:
    if job.status in ENDED_BADLY:
        return Text("—", style="dim")
    pct = 100 if job.status in DONE else max(0, min(100, job.progress))
    filled = round(width * pct / 100)
    return Text("█" * filled + "░" * (width - filled) + f" {pct:>3}%", style="cyan" if pct < 100 else "green")


def _same(a: object, b: Text) -> bool:
    """Two cells that draw the same (Text's own == ignores the base style, which colours a status)."""
    return (isinstance(a, Text) and a.plain == b.plain and a.style == b.style and a.spans == b.spans
            and a.justify == b.justify)


def files_cell(job: Job, downloading: dict[str, float] | None = None) -> Text:
    """What is on disk (v t s), or how far a running download got."""
    if downloading:
        variant, fraction = next(iter(downloading.items()))
        return Text(f"↓{VARIANT_LETTER.get(variant, '?')} {int(fraction * 100):>2}%", style="cyan")
    have = "".join(VARIANT_LETTER[f.variant] for f in job.files if f.variant in VARIANT_LETTER)
    if have:
        return Text("✓ " + have, style="green")
    if job.auto_download and job.status not in ENDED_BADLY:
        return Text(_(PENDING), style="dim")
    return Text("—", style="dim")


def files_cells() -> int:
    """The widest files cell: '↓v 100%', or the word for a download still to come."""
    return max(7, cell_len(_(PENDING)))


def expires_cell(job: Job, now: float) -> Text:
    if job.extra.get("deleted_on_server"):
        return Text(_(DELETED), style="dim")
    if job.status == JobStatus.EXPIRED:
        return Text(_(EXPIRED), style="magenta")
    if job.expires_at is None:
        return Text("—", style="dim")
    left = job.expires_at - now
    if left <= 0:
        return Text(_(EXPIRED), style="magenta")
    return Text(span(left), style="yellow" if left < 600 else "")


def expires_cells() -> int:
    return max(SPAN_CELLS, *(cell_len(_(word)) for word in (DELETED, EXPIRED)))


def status_cell(job: Job) -> Text:
    if resend_at(job) is not None:  # the ETA column counts down to the time it is sent again
        return Text(_(RATE_LIMITED), style="yellow")
    return Text(label(job.status), style=STATUS_STYLE.get(job.status, ""))


def status_cells() -> int:
    return max(cell_len(text) for text in labels())


def cost_cell(job: Job) -> Text:
    from ...core.cost import cost_cell_text, job_cost

    return Text(cost_cell_text(job_cost(job)), justify="right")


class JobList(ParentPrompts, TableMoves):
    """Rows keyed by the job's local id. Subclasses say which columns they show."""

    BINDINGS = JOB_KEYS

    @dataclass
    class Action(Message):
        """The user asked for `action` on the job with this local id."""

        action: str
        local_id: str

    COLUMNS: tuple[Col, ...] = ()
    SIZED: tuple[str, ...] = ()  # columns whose cells are made for their width: a new width makes them again

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.jobs: dict[str, Job] = {}
        self._marked: dict[str, None] = {}  # local ids marked with space, in the order marked
        # Columns exist from construction, so history loaded before the first frame has somewhere to go: planned
        # for the terminal's width (what the table spans), so the first real size usually finds nothing to change.
        self.widths: dict[str, int] = self.plan(self._available(None))
        self._add_columns()

    @property
    def compact(self) -> bool:
        """True when a column the table can do without is left out for want of width."""
        return len(self.widths) < len(self.COLUMNS)

    @property
    def shown(self) -> tuple[str, ...]:
        """The keys of the columns on screen, in order."""
        return tuple(self.widths)

    def needs(self) -> dict[str, int]:
        """Each column's width in cells without padding: its widest content or its title, whichever is wider."""
        content = self.content_cells()
        return {c.key: max(cell_len(_(c.title)), content.get(c.key, 0)) for c in self.COLUMNS}

    def content_cells(self) -> dict[str, int]:
        """The widest cell each column (but the prompt) shows, in the interface's language."""
        return {}

    def plan(self, available: int) -> dict[str, int]:
        return plan_columns(self.COLUMNS, self.needs(), available, self.cell_padding)

    def _available(self, width: int | None) -> int:
        """The cells the columns may take: the table's width less the vertical scrollbar's, which is kept free
        whether or not it shows (rows arriving must not push the last column off screen)."""
        if not width:
            try:
                width = self.app.size.width
            except Exception:  # noqa: BLE001 - made outside a running app: the size the README's smallest layout is for
                width = 80
        styles = self.styles
        scrollbar = styles.scrollbar_size_vertical if styles.overflow_y in ("auto", "scroll") else 0
        return max(0, width - scrollbar)

    def _add_columns(self) -> None:
        # Labels as Text: a str is parsed as Rich markup, and that loads Rich's table of emoji codes (6 ms of the
        # cold start) for labels that hold none.
        titles = {c.key: c.title for c in self.COLUMNS}
        for key, width in self.widths.items():
            self.add_column(Text(_(titles[key])), key=key, width=width)

    def cells(self, job: Job, now: float) -> list[Text]:
        raise NotImplementedError

    def on_resize(self) -> None:
        self.refit()

    def set_compact(self, compact: bool) -> None:
        """The table fits its own width as it is resized (refit); a screen's narrow/wide switch changes nothing."""
        self.refit()

    def refit(self, *, rebuild: bool = False) -> None:
        """The columns for the width the table has now. The same columns at other widths are resized in place (no
        cell changes: they are cut to their column as drawn); other columns, or `rebuild`, build the table again,
        keeping the rows and the selection. Either way the selected row stays on screen."""
        widths = self.plan(self._available(self.size.width))
        if not rebuild and widths == self.widths:
            return
        if not rebuild and tuple(widths) == self.shown and all(widths[k] == self.widths[k] for k in self.SIZED
                                                                  if k in widths):
            self.widths = widths
            for key, width in widths.items():
                self.columns[key].width = width  # type: ignore[index]
            self.resized_columns()
        else:
            selected = self.selected_local_id
            self.widths = widths
            self.clear(columns=True)
            self._add_columns()
            self._fill(list(self.jobs.values()), selected)
        self.keep_cursor_in_view()

    def language_changed(self) -> None:
        """Titles, status words and widths in the new language."""
        self.refit(rebuild=True)

    def _fill(self, jobs: Iterable[Job], selected: str | None) -> None:
        now = clock()
        self.add_rows_at_once([(job.local_id, self._marked_cells(job.local_id, self.cells(job, now))) for job in jobs])
        if selected and selected in self.rows:
            self.move_cursor(row=self.get_row_index(selected))
        elif self.row_count:
            self.move_cursor(row=self.default_row())

    def default_row(self) -> int:
        return 0

    def load(self, jobs: list[Job]) -> None:
        selected = self.selected_local_id
        self.clear()
        self.jobs = {j.local_id: j for j in jobs}
        self._fill(jobs, selected)

    def update_job(self, job: Job) -> None:
        self.jobs[job.local_id] = job
        for key, value in zip(self.shown, self.cells(job, clock())):
            self.set_cell(job.local_id, key, value)

    def set_cell(self, local_id: str, key: str, value: Text) -> None:
        """Change one cell only if it changed; never re-measure a column of fixed width.

        DataTable measures every cell it is told to fit and, when one got narrower, re-measures its whole
        column: with 1,000 live rows updated every second that is a million measurements a second, and the
        UI stops answering keys (bench/keys.py). Our columns have fixed widths (a longer cell is cut as drawn);
        a column that fits its content (none of ours) would grow but never shrink while jobs run."""
        value = self._with_mark(local_id, key, value)  # type: ignore[assignment]
        try:
            if _same(self.get_cell(local_id, key), value):
                return
        except Exception:  # noqa: BLE001, S110 - not there (yet): let update_cell say so
            pass
        column = self.columns.get(key)  # type: ignore[call-overload]
        wider = column is None or (column.auto_width and value.cell_len > column.content_width)
        self.update_cell(local_id, key, value, update_width=wider)

    @property
    def selected_local_id(self) -> str | None:
        if self.row_count == 0:
            return None
        try:
            return self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        except Exception:  # noqa: BLE001 - an empty or changing table has no valid cursor cell
            return None

    # --- marking -----------------------------------------------------------------------------------------
    @property
    def marked_local_ids(self) -> list[str]:
        """The local ids of the marked jobs, in the order they were marked. Marks outlive a reload of the rows (a
        history search typed between two marks keeps the first)."""
        return list(self._marked)

    def is_marked(self, local_id: str) -> bool:
        return local_id in self._marked

    def action_mark(self) -> None:
        local_id = self.selected_local_id
        if local_id is None:
            self.notify(_("No job selected."), severity="warning", markup=False)
            return
        self.set_marked(local_id, local_id not in self._marked)

    def set_marked(self, local_id: str, marked: bool) -> None:
        if marked:
            self._marked[local_id] = None
        else:
            self._marked.pop(local_id, None)
        job = self.jobs.get(local_id)
        if job is not None and local_id in self.rows and "prompt" in self.widths:
            self.set_cell(local_id, "prompt", self.cells(job, clock())[self.shown.index("prompt")])

    def clear_marks(self) -> None:
        for local_id in list(self._marked):
            self.set_marked(local_id, False)

    def _with_mark(self, local_id: object, key: object, value: object) -> object:
        """Every row and every prompt cell goes through here: a derived job's prompt cell says what changed from its
        parent's, and a marked row's starts with the mark."""
        if key != "prompt" or not isinstance(value, Text):
            return value
        job = self.jobs.get(local_id) if isinstance(local_id, str) else None
        if job is not None and job.kind in DERIVED and job.parent_id:
            changes = self.changes(job)
            if changes is not None and (changes[0] or changes[1]):
                value = prompt_cell(job, changes=changes)
        if local_id in self._marked and not value.plain.startswith(MARK):
            marked = Text(MARK, style="bold")
            marked.append_text(value)
            return marked
        return value

    def add_row(self, *cells, height=1, key=None, label=None):  # type: ignore[no-untyped-def, override]
        if key is not None:
            cells = self._marked_cells(key, list(cells))
        return super().add_row(*cells, height=height, key=key, label=label)

    def _marked_cells(self, key: str, cells: list[Text]) -> list[Text]:
        """A new row's cells, its prompt cell through _with_mark (a new list: `cells` may be kept elsewhere)."""
        at = self.shown.index("prompt") if "prompt" in self.widths else len(cells)
        if at >= len(cells):
            return cells
        marked = self._with_mark(key, "prompt", cells[at])
        if marked is cells[at] or not isinstance(marked, Text):
            return cells
        cells = list(cells)
        cells[at] = marked
        return cells

    def action_job(self, action: str) -> None:
        local_id = self.selected_local_id
        if local_id is None:
            self.notify(_("No job selected."), severity="warning", markup=False)
            return
        self.post_message(self.Action(action, local_id))
