"""HistoryScreen: every job ever made, searched as you type, filtered, sorted, with lineage, stars, tags and notes.

Queries run in a thread (a 100,000-job history must never freeze a keystroke); the newest query wins.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Input, Select, Static

from ...core.job import Job
from ...core.status import ACTIVE
from ...core.text import one_line, strip_control
from ..css import SCREENS_CSS
from ..widgets import job_list
from ..widgets.job_list import JobList, cost_cell, files_cell, prompt_cell, status_cell
from ..widgets.key_bar import KeyBar
from ..widgets.title_bar import TitleBar
from .shown import StyledOnce

SHOWN = 500  # rows in the table (only these are decoded); the count line says how many matched, or that more did

STATUS_FILTERS = [("any status", ""), ("active", "active"), ("completed", "completed"), ("downloaded", "downloaded"),
                  ("failed", "failed"), ("uncertain", "uncertain"), ("expired", "expired")]
STARRED_FILTERS = [("all", ""), ("★ starred", "starred")]
DATE_FILTERS = [("any date", ""), ("today", "1"), ("7 days", "7"), ("30 days", "30")]
SORTS = [("newest", "created_at:desc"), ("oldest", "created_at:asc"), ("cost", "cost_estimate:desc"),
         ("status", "status:asc"), ("model", "model:asc")]


@dataclass(frozen=True)
class Filters:
    text: str = ""
    status: str = ""
    model: str = ""
    starred: str = ""
    days: str = ""
    profile: str = ""
    sort: str = "created_at:desc"

    def query_args(self, now: float) -> dict[str, Any]:
        field, _, order = self.sort.partition(":")
        args: dict[str, Any] = {"text": self.text.strip() or None, "sort": field, "descending": order == "desc"}
        if self.status == "active":
            args["status"] = [s.value for s in ACTIVE]
        elif self.status:
            args["status"] = self.status
        if self.model:
            args["model"] = self.model
        if self.starred:
            args["starred"] = True
        if self.profile:
            args["profile"] = self.profile
        if self.days:
            args["since"] = now - int(self.days) * 86400
        return args


class HistoryTable(JobList):
    """Search results, newest first by default."""

    COLUMNS = (("when", "Created"), ("id", "ID"), ("prompt", "Prompt"), ("model", "Model"), ("size", "Size"),
               ("secs", "Sec"), ("status", "Status"), ("cost", "Cost"), ("files", "Files"), ("tags", "Tags"))
    COMPACT = (("when", "Created"), ("prompt", "Prompt"), ("status", "Status"), ("files", "Files"))

    # A search's rows: a few screens' worth decoded and added at once, the rest as they are scrolled to. All 500 at
    # once held the event loop 30-45 ms on every keystroke of a search, for rows no one had scrolled to, and decoding
    # them slowed the search's thread (bench/keys.py: 'search results').
    ROWS_AHEAD = 60

    class MoreWanted(Message):
        """The view nears the last row: the next jobs of the search, by local id (`batch`: which load they are for)."""

        def __init__(self, local_ids: list[str], batch: int) -> None:
            super().__init__()
            self.local_ids, self.batch = local_ids, batch

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._later: list[str] = []  # the search's further matches, not rows yet (nor decoded), in order
        self._batch = 0  # bumped by every load: what arrives for an earlier one is dropped
        self._wanting = False

    def columns_for(self, compact: bool) -> tuple[tuple[str, str], ...]:
        return self.COMPACT if compact else self.COLUMNS

    def rows_at_once(self) -> int:
        return max(self.ROWS_AHEAD, 2 * self.size.height)

    def load(self, jobs: list[Job], later: Sequence[str] = ()) -> None:
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
        p = job.params
        when = time.strftime("%m-%d %H:%M" if now - job.created_at < 300 * 86400 else "%Y-%m-%d", time.localtime(job.created_at))
        everything = {
            "when": Text(when, style="dim"), "id": Text(job.short_id),
            "prompt": prompt_cell(job, 26 if self.compact else 44), "model": Text(p.model), "size": Text(p.size),
            "secs": Text(p.seconds, justify="right"), "status": status_cell(job), "cost": cost_cell(job),
            "files": files_cell(job), "tags": Text(one_line(", ".join(job.tags), 20), style="italic"),
        }
        return [everything[key] for key, _ in self.columns_for(self.compact)]


def lineage_text(job: Job, ancestors: list[Job], below: list[tuple[int, Job]], group: list[Job]) -> Text:
    """The selected job in its family: where it came from, what was made from it, its sibling takes."""
    text = Text()
    text.append("Lineage\n", style="bold")
    depth = 0
    for depth, a in enumerate(ancestors):
        text.append("  " * depth + ("└ " if depth else "") + f"{job_list.KIND_MARK.get(a.kind, '●')} {a.short_id} ", style="dim")
        text.append(one_line(a.params.prompt, 90) + "\n", style="dim")
    level = len(ancestors)
    text.append("  " * level + ("└ " if level else "") + f"{job_list.KIND_MARK.get(job.kind, '●')} {job.short_id} ", style="bold")
    text.append(one_line(job.params.prompt, 90) + "\n", style="bold")
    for d, child in below:
        text.append("  " * (level + d) + f"└ {job_list.KIND_MARK.get(child.kind, '●')} {child.kind} {child.short_id} ")
        text.append(one_line(child.params.prompt, 80) + "\n")
    if not ancestors and not below:
        text.append("  (nothing was remixed, extended or retried from it)\n", style="dim")
    if len(group) > 1:
        text.append(f"\nTakes in its group ({len(group)})\n", style="bold")
        for g in group[:12]:
            mark = "▸ " if g.local_id == job.local_id else "  "
            text.append(f"{mark}{g.short_id} ", style="bold" if mark.strip() else "")
            text.append(Text(g.status.value.replace("_", " "), style=job_list.STATUS_STYLE.get(g.status, "")))
            text.append(" ★\n" if g.starred else "\n")
    if job.tags or job.notes:
        text.append("\nTags  ", style="bold")
        text.append(strip_control(", ".join(job.tags)) or "—")
        if job.notes:
            text.append("\nNote  ", style="bold")
            text.append(strip_control(job.notes))
        text.append("\n")
    if job.error:
        text.append("\nError  ", style="bold red")
        text.append(one_line(job.error.message, 200) + "\n", style="red")
    return text


class HistoryScreen(StyledOnce):
    CSS_PATH = SCREENS_CSS
    BINDINGS = [
        Binding("escape", "close", "Back", tooltip="Back to the composer and live jobs", id="history.close"),
        Binding("ctrl+f", "focus_search", "Search", tooltip="Type to search prompts, tags and notes", id="history.search"),
        Binding("ctrl+j", "focus_results", "Results", tooltip="Move to the results (enter or down in the search box too)",
                show=False, id="history.results"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.filters = Filters()
        self.matched: int | None = 0  # None: more than SHOWN
        self.opened_at = job_list.clock()

    def compose(self) -> ComposeResult:
        yield TitleBar()
        with Horizontal(id="history-filters"):
            yield Input(placeholder="search prompts, tags, notes…", id="history-search", compact=True)
            yield Select(STATUS_FILTERS, value="", allow_blank=False, id="filter-status", compact=True)
            yield Select([("any model", "")], value="", allow_blank=False, id="filter-model", compact=True)
            yield Select(STARRED_FILTERS, value="", allow_blank=False, id="filter-starred", compact=True)
            yield Select(DATE_FILTERS, value="", allow_blank=False, id="filter-days", compact=True)
            yield Select([("any profile", "")], value="", allow_blank=False, id="filter-profile", compact=True)
            yield Select(SORTS, value="created_at:desc", allow_blank=False, id="filter-sort", compact=True)
        yield Static("searching…", id="history-count")
        with Vertical(id="history-body"):
            yield HistoryTable(id="history-table")
            with VerticalScroll(id="lineage-box"):
                yield Static(id="lineage")
        yield KeyBar()

    @property
    def store(self) -> Any:
        session = getattr(self.app, "session", None)
        return session.store if session is not None else None

    def on_mount(self) -> None:
        self.title = "History"
        self.query_one("#history-search", Input).focus()
        # After the screen's first frame: drawing the screen and a page of results in one frame held the event
        # loop 55-75 ms with 1,000 live jobs behind it (bench/keys.py, 'opening the history'); one after the other,
        # each frame is about half that.
        self.call_after_refresh(self.load_facets)
        self.call_after_refresh(self.run_query)

    def on_resize(self) -> None:
        self.set_class(self.size.width < 110, "-narrow")
        self.set_class(self.size.height < 30, "-short")
        self.query_one(HistoryTable).set_compact(self.size.width < 110)

    # --- filters ---------------------------------------------------------------------------------------
    @work(exclusive=True, exit_on_error=False, group="history-facets", description="history filters")
    async def load_facets(self) -> None:
        if self.store is None:
            return
        facets = await asyncio.to_thread(self.store.facets)
        self.query_one("#filter-model", Select).set_options([("any model", "")] + [(m, m) for m in facets["model"]])
        self.query_one("#filter-profile", Select).set_options([("any profile", "")] + [(p, p) for p in facets["profile"]])
        await asyncio.to_thread(self.store.prepare_search)  # before the first keystroke rather than at it

    @on(Input.Changed, "#history-search")
    @on(Select.Changed)
    def _filters_changed(self, event: Any) -> None:
        def value(sel: str) -> str:
            v = self.query_one(sel, Select).value
            return "" if v is Select.BLANK else str(v)

        self.filters = Filters(
            text=self.query_one("#history-search", Input).value, status=value("#filter-status"),
            model=value("#filter-model"), starred=value("#filter-starred"), days=value("#filter-days"),
            profile=value("#filter-profile"), sort=value("#filter-sort") or "created_at:desc",
        )
        self.run_query()

    @on(Input.Submitted, "#history-search")
    def _search_done(self) -> None:
        self.action_focus_results()

    def on_key(self, event: Any) -> None:
        if event.key == "down" and self.focused is self.query_one("#history-search", Input):
            event.stop()  # down from the search box goes into the results, as in any search list
            self.action_focus_results()

    @work(exclusive=True, exit_on_error=False, group="history-query", description="search the history")
    async def run_query(self) -> None:
        if self.store is None:
            waiting = ("Opening the history… (it appears here as soon as it is read)" if getattr(self.app, "connecting", False)
                       else "The history could not open; escape shows why on the status line.")
            self.query_one("#history-count", Static).update(Text(waiting, style="dim"))
            return
        args = self.filters.query_args(job_list.clock())
        table = self.query_one(HistoryTable)
        found = await asyncio.to_thread(self.store.search, **args, limit=SHOWN, decode=table.rows_at_once())
        self.matched = found.matched
        table.load(found.jobs, found.later)
        shown = len(found.jobs) + len(found.later)
        if found.matched is None:  # the search stopped at SHOWN: in date order, the first of more
            line = Text(f"more than {SHOWN:,} jobs", style="bold")
        else:
            line = Text(f"{found.matched:,} job{'s' if found.matched != 1 else ''}", style="bold")
        if args.get("text"):  # before the note on what is shown, so a narrow screen keeps it
            line.append(" matching ")
            line.append(one_line(args["text"], 40), style="italic")
        if found.matched is None or found.matched > shown:
            which = ("newest" if args["descending"] else "oldest") if args["sort"] == "created_at" else "first"
            line.append(f" (the {which} {shown:,} shown; narrow the search)", style="dim")
        self.query_one("#history-count", Static).update(line, layout=False)  # one line, always: no new layout per key
        self.show_lineage()

    @on(HistoryTable.MoreWanted)
    def _more_wanted(self, event: HistoryTable.MoreWanted) -> None:
        self.fetch_more(event.local_ids, event.batch)

    @work(exclusive=True, exit_on_error=False, group="history-more", description="more of the search's results")
    async def fetch_more(self, local_ids: list[str], batch: int) -> None:
        table = self.query_one(HistoryTable)
        try:
            jobs = await asyncio.to_thread(self.store.get_many, local_ids)
        except Exception:
            table.more_failed(batch)  # the rows shown stay; scrolling on asks again
            raise  # and the app says what failed (SoraApp.on_worker_state_changed)
        table.add_more(jobs, batch)

    # --- the selected job's family -----------------------------------------------------------------------
    @on(HistoryTable.RowHighlighted)
    def _highlighted(self) -> None:
        self.show_lineage()

    @work(exclusive=True, exit_on_error=False, group="history-lineage", description="lineage")
    async def show_lineage(self) -> None:
        table = self.query_one(HistoryTable)
        local_id = table.selected_local_id
        box = self.query_one("#lineage", Static)
        if local_id is None or self.store is None:
            box.update(Text("No job selected.", style="dim"))
            return
        await asyncio.sleep(0.05)  # a held arrow key moves on before this costs anything
        job = table.jobs.get(local_id)
        if job is None:
            return
        ancestors, below = await asyncio.to_thread(self.store.lineage, local_id)
        group = await asyncio.to_thread(self.store.query, group_id=job.group_id, descending=False) if job.group_id else [job]
        box.update(lineage_text(job, ancestors, below, group))

    def session_settled(self) -> None:
        """The app's session opened (with the history, with or without its server) or failed, after this screen
        opened: show the history, or why there is none."""
        self.load_facets()
        self.run_query()

    def show_job(self, job: Job) -> None:
        """A job changed (here or elsewhere): refresh its row if it is shown."""
        table = self.query_one(HistoryTable)
        if job.local_id in table.jobs:
            table.update_job(job)
            if table.selected_local_id == job.local_id:
                self.show_lineage()
        elif job.created_at >= self.opened_at:
            self.run_query()  # made from here (a retry, a remix): show it; the newest query wins

    def action_close(self) -> None:
        self.dismiss(None)

    def action_focus_search(self) -> None:
        self.query_one("#history-search", Input).focus()

    def action_focus_results(self) -> None:
        self.query_one(HistoryTable).focus()

