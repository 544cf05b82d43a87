"""HistoryTable: the history's search results as a job table, its rows added a few screens' worth at a time.

A search lists up to the history screen's SHOWN matches; the table decodes and adds the first few screens of them,
and asks for the rest (MoreWanted) as they are scrolled to, dropping what arrives for a search typed over since.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from rich.text import Text
from textual.message import Message

from ...core.i18n import N_, language
from ...core.job import SHORT_ID_LENGTH, Job
from ...core.status import ACTIVE
from ...core.text import one_line
from . import job_list
from .job_list import (
    COST_CELLS,
    MODEL_CELLS,
    SECS_CELLS,
    SIZE_CELLS,
    Col,
    JobList,
    cost_cell,
    files_cell,
    files_cells,
    status_cell,
    status_cells,
)
from .prompt_cells import prompt_cell

WHEN_CELLS, TAGS_CELLS = 11, 20  # "12-01 18:30"; the tags are cut to this many cells
RECENT = 300 * 86400  # seconds within which a job's date is shown without its year


class HistoryTable(JobList):
    """Search results, newest first by default."""

    # Every size keeps created, prompt, status and files; a wider one adds the id, model, size, seconds, cost and
    # tags, in that order, while the prompt keeps room.
    COLUMNS = (Col("when", N_("Created")), Col("id", N_("ID"), 1), Col("prompt", N_("Prompt")),
               Col("model", N_("Model"), 2), Col("size", N_("Size"), 3), Col("secs", N_("Sec"), 4),
               Col("status", N_("Status")), Col("cost", N_("Cost"), 5), Col("files", N_("Files")),
               Col("tags", N_("Tags"), 6))

    # A search's rows: a screen's worth and a few more decoded and added at once, the rest (ROWS_AHEAD at a time) as
    # they are scrolled to. All 500 at once held the event loop 30-45 ms on every keystroke of a search, for rows no
    # one had scrolled to, and decoding them slowed the search's thread; two screens' worth still cost a keystroke
    # that lists new jobs 5-6 ms more than one (bench/keys.py: 'search results').
    ROWS_AHEAD = 60
    ROWS_BELOW = 10

    class MoreWanted(Message):
        """The view nears the last row: the next jobs of the search, by local id (`batch`: which load they are for)."""

        def __init__(self, local_ids: list[str], batch: int) -> None:
            super().__init__()
            self.local_ids, self.batch = local_ids, batch

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        # Each ended job's cells as last made, with the job and what they were made for (the columns, the language),
        # for the rows of this search and the one before: a search's next keystroke lists mostly the same jobs, and
        # the same cells are drawn from what the table drew of them before (FastDataTable) rather than made and drawn
        # again. Only two searches' worth: every cell kept is a few objects the garbage collector walks, and keeping
        # thousands made its collections of the young objects last 15-40 ms, in the middle of a keystroke.
        self._made: dict[str, tuple[Job, object, list[Text]]] = {}
        self._made_before: dict[str, tuple[Job, object, list[Text]]] = {}
        self._later: list[str] = []  # the search's further matches, not rows yet (nor decoded), in order
        self._batch = 0  # bumped by every load: what arrives for an earlier one is dropped
        self._wanting = False

    def content_cells(self) -> dict[str, int]:
        return {"when": WHEN_CELLS, "id": SHORT_ID_LENGTH, "model": MODEL_CELLS, "size": SIZE_CELLS,
                "secs": SECS_CELLS, "status": status_cells(), "cost": COST_CELLS, "files": files_cells(),
                "tags": TAGS_CELLS}

    def rows_at_once(self) -> int:
        return max(2 * self.ROWS_BELOW, self.size.height + self.ROWS_BELOW)

    def load(self, jobs: list[Job], later: Sequence[str] = ()) -> None:
        self._made_before, self._made = self._made, {}
        self._batch += 1
        self._later, self._wanting = [], False  # first: clearing scrolls to the top, which must not ask for more
        super().load(jobs)
        self._later = list(later)

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if self._later and not self._wanting and new_value + 2 * self.size.height >= self.row_count:
            self._wanting = True
            self.post_message(self.MoreWanted(self._later[:self.ROWS_AHEAD], self._batch))

    def more_failed(self, batch: int) -> None:
        if batch == self._batch:
            self._wanting = False

    def add_more(self, jobs: list[Job], batch: int) -> None:
        """The jobs asked for with MoreWanted, as rows (unless another search's rows are here now)."""
        if batch != self._batch:
            return
        self._wanting = False
        wanted = set(self._later[:self.ROWS_AHEAD])
        self._later = self._later[self.ROWS_AHEAD:]
        now = job_list.clock()
        for job in jobs:
            if job.local_id in wanted and job.local_id not in self.rows:
                self.jobs[job.local_id] = job
                self.add_row(*self.cells(job, now), key=job.local_id)

    def cells(self, job: Job, now: float) -> list[Text]:
        if job.status in ACTIVE:  # their cells change with the clock (a rate limit's countdown)
            return self._make(job, now)
        context = (self.shown, language(), now - job.created_at < RECENT)
        made = self._made.get(job.local_id) or self._made_before.get(job.local_id)
        if made is None or made[1] != context or made[0] != job:
            made = (job, context, self._make(job, now))
        self._made[job.local_id] = made
        return made[2]

    def _make(self, job: Job, now: float) -> list[Text]:
        p = job.params
        prompt = prompt_cell(job)  # a kept take with its ✓, one not chosen dimmed
        when = time.strftime("%m-%d %H:%M" if now - job.created_at < RECENT else "%Y-%m-%d", time.localtime(job.created_at))
        everything = {
            "when": Text(when, style="dim"), "id": Text(job.short_id),
            "prompt": prompt, "model": Text(p.model), "size": Text(p.size),
            "secs": Text(p.seconds, justify="right"), "status": status_cell(job), "cost": cost_cell(job),
            "files": files_cell(job), "tags": Text(one_line(", ".join(job.tags), TAGS_CELLS), style="italic"),
        }
        return [everything[key] for key in self.shown]
