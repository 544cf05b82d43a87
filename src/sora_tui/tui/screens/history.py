"""HistoryScreen: every job ever made, searched as you type, filtered, sorted, with lineage, stars, tags and notes.

Queries run in a thread (a 100,000-job history must never freeze a keystroke); the newest query wins. The results
are a HistoryTable (widgets.history_table); the selected job's lineage beside them is screens.lineage's.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Input, Static

from ...core.i18n import N_, _, ngettext
from ...core.job import Job
from ...core.status import ACTIVE
from ...core.text import one_line
from ..css import SCREENS_CSS
from ..keymap import bound_key
from ..messages import JobsChanged, SessionSettled
from ..widgets import job_list
from ..widgets.history_table import HistoryTable
from ..widgets.key_bar import KeyBar
from ..widgets.picker import Picker
from ..widgets.search_box import SearchBox
from ..widgets.title_bar import TitleBar
from .lineage import board_place, lineage_text, on_a_board
from .shown import StyledOnce

if TYPE_CHECKING:
    from ...service.reads import HistoryReads
    from ...session import Session

SHOWN = 500  # rows in the table (only these are decoded); the count line says how many matched, or that more did

# (label, value): the labels are marked here and translated where the choices are made; the values are what the
# search compares, never translated.
STATUS_FILTERS = [(N_("any status"), ""), (N_("active"), "active"), (N_("completed"), "completed"),
                  (N_("downloaded"), "downloaded"), (N_("failed"), "failed"), (N_("uncertain"), "uncertain"),
                  (N_("expired"), "expired")]
# The takes kept (compare's choice) in the starred filter's place: a kept take is starred, and a seventh filter
# would not fit 80 columns.
STARRED_FILTERS = [(N_("all"), ""), (N_("★ starred"), "starred"), (N_("✓ kept"), "kept")]
DATE_FILTERS = [(N_("any date"), ""), (N_("today"), "1"), (N_("7 days"), "7"), (N_("30 days"), "30")]
SORTS = [(N_("newest"), "created_at:desc"), (N_("oldest"), "created_at:asc"), (N_("cost"), "cost:desc"),
         (N_("status"), "status:asc"), (N_("model"), "model:asc")]
ANY_MODEL, ANY_PROFILE = N_("any model"), N_("any profile")


def choices(options: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """A filter's options with their labels in the interface's language."""
    return [(_(text), value) for text, value in options]


def styled(template: str, **fields: Text) -> Text:
    """A translated sentence whose {fields} are styled Texts: the sentence keeps the translation's word order."""
    line = Text()
    rest = template
    while rest:
        start = rest.find("{")
        end = rest.find("}", start)
        if start < 0 or end < 0 or rest[start + 1:end] not in fields:
            line.append(rest)
            break
        line.append(rest[:start])
        line.append_text(fields[rest[start + 1:end]])
        rest = rest[end + 1:]
    return line


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
        if self.starred == "kept":
            args["kept"] = True
        elif self.starred:
            args["starred"] = True
        if self.profile:
            args["profile"] = self.profile
        if self.days:
            args["since"] = now - int(self.days) * 86400
        return args


class HistoryScreen(StyledOnce):
    CSS_PATH = SCREENS_CSS
    BINDINGS = [
        Binding("escape,q", "close", N_("Back"), tooltip=N_("Back to the composer and live jobs"), id="history.close"),
        Binding("ctrl+f", "focus_search", N_("Search"), tooltip=N_("Type to search prompts, tags and notes"),
                id="history.search"),
        Binding("ctrl+j", "focus_results", N_("Results"),
                tooltip=N_("Move to the results (enter or down in the search box too)"), show=False,
                id="history.results"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.filters = Filters()
        self.matched: int | None = 0  # None: more than SHOWN
        self.opened_at = job_list.clock()
        self._lineage_of: str | None = ""  # the job whose family the lineage box shows ("": nothing shown yet)
        self._facets_read = False
        self._lineage_lines = -1  # the lines the lineage box's text takes (-1: not known)

    def compose(self) -> ComposeResult:
        yield TitleBar()
        with Horizontal(id="history-filters"):
            yield SearchBox(placeholder=_("search prompts, tags, notes…"), id="history-search", compact=True)
            # Pickers, not Selects: six Selects were 36 widgets to mount, style and lay out before the browser's first
            # frame, which held the event loop 50-80 ms as it opened (bench/keys.py)
            yield Picker(choices(STATUS_FILTERS), value="", id="filter-status")
            yield Picker([(_(ANY_MODEL), "")], value="", id="filter-model")
            yield Picker(choices(STARRED_FILTERS), value="", id="filter-starred")
            yield Picker(choices(DATE_FILTERS), value="", id="filter-days")
            yield Picker([(_(ANY_PROFILE), "")], value="", id="filter-profile")
            yield Picker(choices(SORTS), value="created_at:desc", id="filter-sort")
        yield Static(_("searching…"), id="history-count")
        with Vertical(id="history-body"):
            yield HistoryTable(id="history-table")
            with VerticalScroll(id="lineage-box"):
                yield Static(id="lineage")
        yield KeyBar()

    @property
    def history(self) -> HistoryReads | None:
        """The history, as the interfaces read it; None until the app's session opened it."""
        session: Session | None = getattr(self.app, "session", None)
        return session.history if session is not None else None

    def on_mount(self) -> None:
        # The terminal's size now: the screen is that size when first laid out, and a class set at its first resize
        # (after its first frame) styled and laid it out all over again.
        self._fit(*self.app.size)
        self.title = _("History")
        self.query_one("#history-search", Input).focus()
        # After the screen's first frame: drawing the screen and a page of results in one frame held the event
        # loop 55-75 ms with 1,000 live jobs behind it (bench/keys.py, 'opening the history'); one after the other,
        # each frame is about half that.
        self.call_after_refresh(self.run_query)

    def on_resize(self) -> None:
        self._fit(self.size.width, self.size.height)

    def _fit(self, width: int, height: int) -> None:
        self.set_class(width < 110, "-narrow")
        self.set_class(height < 30, "-short")

    # --- filters ---------------------------------------------------------------------------------------
    @work(exclusive=True, exit_on_error=False, group="history-facets", description=N_("history filters"))
    async def load_facets(self) -> None:
        if self.history is None:
            return
        facets = await asyncio.to_thread(self.history.facets)
        for selector, anything, values in (("#filter-model", ANY_MODEL, facets["model"]),
                                           ("#filter-profile", ANY_PROFILE, facets["profile"])):
            picker = self.query_one(selector, Picker)
            with picker.prevent(Picker.Changed):  # the value chosen stays when the choices are read again
                picker.set_options([(_(anything), "")] + [(v, v) for v in values])
        await asyncio.to_thread(self.history.prepare_search)  # before the first keystroke rather than at it

    @on(Input.Changed, "#history-search")
    @on(Picker.Changed)
    def _filters_changed(self, event: Any) -> None:
        def value(sel: str) -> str:
            return self.query_one(sel, Picker).value

        filters = Filters(
            text=self.query_one("#history-search", Input).value, status=value("#filter-status"),
            model=value("#filter-model"), starred=value("#filter-starred"), days=value("#filter-days"),
            profile=value("#filter-profile"), sort=value("#filter-sort") or "created_at:desc",
        )
        if filters == self.filters:  # each filter says its first value as the screen opens: nothing to search again
            return
        self.filters = filters
        self.run_query()

    @on(Input.Submitted, "#history-search")
    def _search_done(self) -> None:
        self.action_focus_results()

    def on_key(self, event: Any) -> None:
        if event.key == "down" and self.focused is self.query_one("#history-search", Input):
            event.stop()  # down from the search box goes into the results, as in any search list
            self.action_focus_results()

    @work(exclusive=True, exit_on_error=False, group="history-query", description=N_("search the history"))
    async def run_query(self) -> None:
        if self.history is None:
            waiting = (_("Opening the history… (it appears here as soon as it is read)")
                       if getattr(self.app, "connecting", False)
                       else _("The history could not open; {key} shows why on the status line.").format(
                           key=bound_key(self, "history.close", type(self))))
            self.query_one("#history-count", Static).update(Text(waiting, style="dim"))
            return
        self.workers.cancel_group(self, "history-scan-on")  # this search's answer first
        args = self.filters.query_args(job_list.clock())
        table = self.query_one(HistoryTable)
        found = await asyncio.to_thread(self.history.search, **args, limit=SHOWN, decode=table.rows_at_once())
        self.matched = found.matched
        table.load(found.jobs, found.later)
        shown = len(found.jobs) + len(found.later)
        if found.matched is None:  # the search stopped at SHOWN: in date order, the first of more
            count = Text(ngettext("more than {n} job", "more than {n} jobs", SHOWN).format(n=f"{SHOWN:,}"), style="bold")
        else:
            count = Text(ngettext("{n} job", "{n} jobs", found.matched).format(n=f"{found.matched:,}"), style="bold")
        if args.get("text"):  # before the note on what is shown, so a narrow screen keeps it
            line = styled(_("{count} matching {query}"), count=count,
                          query=Text(one_line(args["text"], 40), style="italic"))
        else:
            line = count
        if found.matched is None or found.matched > shown:
            if args["sort"] != "created_at":
                note = _("(the first {n} shown; narrow the search)")
            elif args["descending"]:
                note = _("(the newest {n} shown; narrow the search)")
            else:
                note = _("(the oldest {n} shown; narrow the search)")
            line.append(" " + note.format(n=f"{shown:,}"), style="dim")
        self.query_one("#history-count", Static).update(line, layout=False)  # one line, always: no new layout per key
        self.show_lineage()
        if found.matched is None and args.get("text"):
            # The search stopped at its page: scan on for the rest of its matches once the page is drawn, so that
            # the next keystroke looks only among them (that scan, at the keystroke, was 4-8 ms of it).
            self.call_after_refresh(self.scan_on)
        if not self._facets_read:
            # The models and profiles to filter by, and the search's index, once the first page is on screen: read
            # at the same time, their thread slowed the drawing of that page 2-3 times over (they share the GIL).
            self._facets_read = True
            self.call_after_refresh(self.load_facets)

    @work(exclusive=True, exit_on_error=False, group="history-scan-on", description=N_("search ahead"))
    async def scan_on(self) -> None:
        history = self.history
        while history is not None and await asyncio.to_thread(history.scan_on):
            pass

    @on(HistoryTable.MoreWanted)
    def _more_wanted(self, event: HistoryTable.MoreWanted) -> None:
        self.fetch_more(event.local_ids, event.batch)

    @work(exclusive=True, exit_on_error=False, group="history-more", description=N_("more of the search's results"))
    async def fetch_more(self, local_ids: list[str], batch: int) -> None:
        table, history = self.query_one(HistoryTable), self.history
        if history is None:  # results are only shown from an open history
            return
        try:
            jobs = await asyncio.to_thread(history.get_many, local_ids)
        except Exception:
            table.more_failed(batch)  # the rows shown stay; scrolling on asks again
            raise  # and the app says what failed (SoraApp.on_worker_state_changed)
        table.add_more(jobs, batch)

    # --- the selected job's family -----------------------------------------------------------------------
    @on(HistoryTable.RowHighlighted)
    def _highlighted(self) -> None:
        self.show_lineage()

    @work(exclusive=True, exit_on_error=False, group="history-lineage", description=N_("lineage"))
    async def show_lineage(self, again: bool = False) -> None:
        """The selected job's family beside the results; `again` when the job or its family changed. A search that
        keeps the same job selected leaves the box as it is: showing it again lays the screen out (its height may
        change), and that held every other keystroke of a search up (bench/keys.py)."""
        table = self.query_one(HistoryTable)
        local_id = table.selected_local_id
        box = self.query_one("#lineage", Static)
        if local_id == self._lineage_of and not again:
            return
        if local_id is None or self.history is None:
            self._lineage_of = local_id
            self._show_lineage_text(box, Text(_("No job selected."), style="dim"))
            return
        await asyncio.sleep(0.05)  # a held arrow key moves on before this costs anything
        job = table.jobs.get(local_id)
        if job is None:
            return
        ancestors, below = await asyncio.to_thread(self.history.lineage, local_id)
        group = await asyncio.to_thread(self.history.query, group_id=job.group_id, descending=False) if job.group_id else [job]
        place = await asyncio.to_thread(board_place, self.history, job) if on_a_board(job) else None
        self._show_lineage_text(box, lineage_text(job, ancestors, below, group, place))
        self._lineage_of = local_id

    def _show_lineage_text(self, box: Static, text: Text) -> None:
        """The lineage box's new text; laid out again only when it takes another number of lines (a layout of this
        screen is 10-20 ms, and the lineage changes with every move through the results)."""
        width = box.content_region.width
        lines = len(text.wrap(self.app.console, width)) if width > 0 else -1
        box.update(text, layout=lines < 0 or lines != self._lineage_lines)
        self._lineage_lines = lines

    def on_session_settled(self, event: SessionSettled) -> None:
        """The app's session opened (with the history, with or without its server) or failed, after this screen
        opened: show the history, or why there is none."""
        self.load_facets()
        self.run_query()

    def on_jobs_changed(self, event: JobsChanged) -> None:
        for job in event.jobs:
            self.show_job(job)

    def show_job(self, job: Job) -> None:
        """A job changed (here or elsewhere): refresh its row if it is shown."""
        if not self.is_mounted:  # pushed, not composed yet: its first query reads the history as it is then
            return
        table = self.query_one(HistoryTable)
        if job.local_id in table.jobs or job.created_at >= self.opened_at:
            self._lineage_of = ""  # the family of the job selected may have changed: show it again with the results
        if job.local_id in table.jobs:
            table.update_job(job)
            if self.filters.starred and not self._passes_mark_filter(job):
                self.run_query()  # no longer starred or kept (a keep passes the take kept before): off the list
            elif table.selected_local_id == job.local_id or (job.group_id and job.group_id == getattr(
                    table.jobs.get(table.selected_local_id or ""), "group_id", None)):
                self.show_lineage(again=True)  # the job, or one of its takes (a keep changes each take's choice)
        elif job.created_at >= self.opened_at:
            self.run_query()  # made from here (a retry, a remix): show it; the newest query wins
        elif self.filters.starred == "kept" and self._passes_mark_filter(job):
            self.run_query()  # a take kept meanwhile (only a keep changes that: never a tracker round)

    def _passes_mark_filter(self, job: Job) -> bool:
        if self.filters.starred == "kept":
            return job.extra.get("choice") == "kept"
        return job.starred

    def language_changed(self) -> None:
        """The title, the search box, the filters' choices and the count line in the new language (the table
        retitles itself); what is typed and chosen stays."""
        self.title = _("History")
        self.query_one("#history-search", Input).placeholder = _("search prompts, tags, notes…")
        for selector, options in (("#filter-status", STATUS_FILTERS), ("#filter-starred", STARRED_FILTERS),
                                  ("#filter-days", DATE_FILTERS), ("#filter-sort", SORTS)):
            picker = self.query_one(selector, Picker)
            with picker.prevent(Picker.Changed):  # the same value, shown with its new label
                picker.set_options(choices(options))
        self._lineage_of = ""  # its words in the new language
        self.load_facets()
        self.run_query()

    def action_close(self) -> None:
        self.dismiss(None)

    def action_focus_search(self) -> None:
        self.query_one("#history-search", Input).focus()

    def action_focus_results(self) -> None:
        self.query_one(HistoryTable).focus()

