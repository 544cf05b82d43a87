"""MainScreen: the composer and its tips above, the live job table below; generating runs in a worker."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Static

from ...core.cost import estimate, price_text
from ...core.i18n import N_, _, ngettext
from ...core.params import InvalidParams, validate_prompt
from ..base import workbench
from ..messages import SHOWN_PER_TURN, DownloadProgressed, JobChanged, JobsChanged, SpendingCounted
from ..widgets.composer import FIT_NAMES, PromptComposer
from ..widgets.job_table import JobFilter, JobTable
from ..widgets.key_bar import KeyBar
from ..widgets.tips import TipsPanel, hint_keys, report_text
from ..widgets.title_bar import TitleBar
from .shown import StyledOnce

if TYPE_CHECKING:  # only named in annotations: core.job loads with the history, after the first frame
    from ...core.job import Job


class MainScreen(StyledOnce):
    BINDINGS = [
        Binding("ctrl+g", "generate", N_("Generate"), tooltip=N_("Submit the prompt (with N variations)"),
                id="app.generate", priority=True),
        Binding("ctrl+j", "focus_jobs", N_("Jobs"), tooltip=N_("Move to the job table"), id="app.jobs"),
        Binding("ctrl+l", "focus_composer", N_("Composer"), tooltip=N_("Back to the prompt"), id="app.composer",
                show=False),
        Binding("ctrl+n", "snippet", N_("Snippet"),
                tooltip=N_("Insert a camera move, style, lighting or sound phrase into the prompt"), id="app.snippet"),
        Binding("f2", "tips", N_("Tips"), tooltip=N_("The whole prompt checklist, with what to add"), id="app.tips",
                show=False),
    ]

    # The prompt has focus from the first frame: focusing the first focusable widget and then the prompt restyled
    # every widget twice (focus styles) before the screen was first drawn.
    AUTO_FOCUS = "#prompt"

    _held: PromptComposer.Generate | None = None  # a generate asked for while the session was still opening

    def __init__(self) -> None:
        super().__init__()
        # jobs changed while a whole screen covers this one: shown when it is in sight again (_catch_up)
        self._changed_while_covered: dict[str, Job] = {}

    def compose(self) -> ComposeResult:
        yield TitleBar()
        with Horizontal(id="top"):
            yield PromptComposer(id="composer")
            yield TipsPanel(id="tips")
        yield Static(_("connecting…"), id="status-line")
        yield JobTable(id="jobs")
        yield KeyBar()

    def watch_focused(self) -> None:
        # As the focus moves, not a message later: a dialog opened by the same key must not cover a stale border.
        composer = getattr(self, "_composer", None)
        if composer is None:
            found = self.query(PromptComposer)  # none yet while composing, none left while closing
            if not found:
                return
            composer = self._composer = found.first()
        composer.show_focus()

    @property
    def session(self) -> Any:
        return getattr(self.app, "session", None)

    def set_status(self, text: Any) -> None:
        if workbench(self).status_covered(text):  # a paid send's question stays until answered
            return
        self.query_one("#status-line", Static).update(text, layout=False)  # one line, always

    def load_jobs(self, jobs: list[Any]) -> None:
        self.jobs_table.load(jobs)

    class Ready(Message):
        """The screen and its widgets exist: the app may open the session and fill the table."""

    def on_mount(self) -> None:
        self.post_message(self.Ready())

    def on_resize(self) -> None:
        narrow = self.size.width < 110
        self.set_class(narrow, "-narrow")
        self.set_class(self.size.height < 30, "-short")
        self.jobs_table.set_compact(narrow)
        self.query_one(TipsPanel).set_compact(narrow)

    def action_focus_jobs(self) -> None:
        self.jobs_table.focus()

    def action_focus_composer(self) -> None:
        self.set_class(False, "-lineage")  # the composer comes back in the lineage's place
        self.query_one("#prompt").focus()

    # --- the selected job's lineage (L), in place of the composer ------------------------------------------
    def toggle_lineage(self) -> None:
        showing = not self.has_class("-lineage")
        if showing and not self.query("#lineage-box"):
            self.mount(VerticalScroll(Static(id="lineage"), id="lineage-box"), before=self.query_one("#status-line"))
        self.set_class(showing, "-lineage")
        if showing:
            self.show_lineage()

    @on(JobTable.RowHighlighted)
    def _job_highlighted(self) -> None:
        if self.has_class("-lineage"):
            self.show_lineage()

    @work(exclusive=True, exit_on_error=False, group="main-lineage", description=N_("lineage"))
    async def show_lineage(self) -> None:
        from rich.text import Text

        from .lineage import board_place, lineage_text, on_a_board

        table = self.jobs_table
        local_id = table.selected_local_id
        history = getattr(self.session, "history", None)
        await asyncio.sleep(0.05)  # a held arrow key moves on before this costs anything
        box = self.query("#lineage")
        if not box:
            return
        job = table.jobs.get(local_id) if local_id is not None else None
        if job is None or history is None:
            box.first(Static).update(Text(_("No job selected."), style="dim"))
            return
        ancestors, below = await asyncio.to_thread(history.lineage, job.local_id)
        group = (await asyncio.to_thread(history.query, group_id=job.group_id, descending=False)
                 if job.group_id else [job])
        place = await asyncio.to_thread(board_place, history, job) if on_a_board(job) else None
        box.first(Static).update(lineage_text(job, ancestors, below, group, place))

    # --- the live table ----------------------------------------------------------------------------------
    def on_jobs_changed(self, event: JobsChanged) -> None:
        if self._covered():
            # Hidden under a whole screen (the history browser): its rows are brought up to date when it shows
            # again, not once a second between the keys typed there (1,000 live jobs are ~100 ms of rows a round).
            hidden = self._changed_while_covered
            for job in event.jobs:
                hidden[job.local_id] = job
            return
        self._show_jobs(event.jobs)

    def _show_jobs(self, jobs: list[Job]) -> None:
        table = self.jobs_table
        upsert = table.upsert
        for job in jobs:
            upsert(job)
        if table.filtering:
            self.show_filter_count()

    def _covered(self) -> bool:
        """A screen that hides this one is above it (a dialog leaves it in sight: it keeps updating then)."""
        stack = self.app.screen_stack
        return self in stack and any(not isinstance(s, ModalScreen) for s in stack[stack.index(self) + 1:])

    def on_screen_resume(self) -> None:
        self._catch_up()

    def _catch_up(self) -> None:
        """The jobs changed while this screen was covered, SHOWN_PER_TURN at a time with the loop free between
        (as the app shows a tracker round), the latest state of each."""
        hidden = self._changed_while_covered
        if not hidden or self._covered() or not self.is_mounted:
            return
        self._show_jobs([hidden.pop(next(iter(hidden))) for _turn in range(min(len(hidden), SHOWN_PER_TURN))])
        if hidden:
            asyncio.get_running_loop().call_soon(self.call_later, self._catch_up)

    # --- the live table's filter (/) -------------------------------------------------------------------------
    def open_filter(self) -> None:
        """The filter box above the live table, made the first time it is asked for (the first frame does without)."""
        bar = self.query("#jobs-filter-bar")
        if not bar:
            box = JobFilter(value=self.jobs_table.filter_text, placeholder=_("filter: prompt, id, status, model…"),
                            id="jobs-filter", compact=True)
            self.mount(Horizontal(box, Static(id="jobs-filter-count"), id="jobs-filter-bar"), before=self.jobs_table)
            self.show_filter_count()
            self.call_after_refresh(box.focus)  # once mounted
            return
        bar.first().display = True
        self.query_one(JobFilter).focus()

    def close_filter(self, *, keep: bool) -> None:
        """Back to the table: with the filter (enter), or without it (escape: every job shows again)."""
        table = self.jobs_table
        box = self.query_one(JobFilter)
        if not keep or not table.filtering:
            table.set_filter("")
            with box.prevent(JobFilter.Changed):
                box.value = ""
            self.query_one("#jobs-filter-bar").display = False
        table.focus()

    @on(JobFilter.Changed, "#jobs-filter")
    def _filter_changed(self, event: JobFilter.Changed) -> None:
        self.jobs_table.set_filter(event.value)
        self.show_filter_count()

    @on(JobFilter.Submitted, "#jobs-filter")
    def _filter_submitted(self) -> None:
        self.close_filter(keep=True)

    def show_filter_count(self) -> None:
        found = self.query("#jobs-filter-count")
        if not found:
            return
        table = self.jobs_table
        total = len(table.jobs)
        if table.filtering:
            text = ngettext("{shown} of {n} job", "{shown} of {n} jobs", total).format(shown=table.shown_count, n=total)
        else:
            text = ngettext("{n} job", "{n} jobs", total).format(n=total)
        if text != getattr(self, "_filter_count", None):  # said again at every tracker round: drawn when it changes
            self._filter_count = text
            found.first(Static).update(text)

    def on_download_progressed(self, event: DownloadProgressed) -> None:
        self.jobs_table.download_progress(event.job, event.variant, event.fraction)

    def on_spending_counted(self, event: SpendingCounted) -> None:
        self.show_spending(event.spending)

    @property
    def jobs_table(self) -> JobTable:
        """The live table, found once: a tracker round shows 1,000 jobs, and a DOM query each adds up."""
        table = getattr(self, "_jobs_table", None)
        if table is None:
            table = self._jobs_table = self.query_one(JobTable)
        return table

    def tick(self) -> None:
        if not self._covered():  # its clocks are set right once it shows again (at most a second behind)
            self.jobs_table.tick()

    def show_spending(self, spending: Any) -> None:
        """What was spent (tui.spending.Spending; None: not counted yet), on the composer's lower border."""
        self.query_one(PromptComposer).show_spending(spending)

    def use_profile(self, profile: Any) -> None:
        self.query_one(PromptComposer).set_models(profile.models, profile.default_model)

    def add_character(self, character: Any) -> None:
        self.query_one(PromptComposer).add_character(character.id, character.name)

    def type_into_composer(self, text: str) -> None:
        """Keys typed into the job table by someone who thought the prompt had the focus: the prompt gets them."""
        import time

        from textual.widgets import TextArea

        self.jobs_table.typed_at = time.monotonic()  # what follows at once is typing too, whatever the focus then
        self.set_class(False, "-lineage")
        prompt = self.query_one("#prompt", TextArea)
        prompt.focus()
        prompt.insert(text)

    def reuse(self, job: Job) -> None:
        self.query_one(PromptComposer).load_params(job.params)
        self.action_focus_composer()

    # --- composing and generating ---------------------------------------------------------------------
    @on(PromptComposer.Changed)
    def _composer_changed(self, event: PromptComposer.Changed) -> None:
        self.query_one(TipsPanel).show(event.params, event.variations, event.characters)

    def action_snippet(self) -> None:
        from ...core.tips import snippets_for
        from .modals import SnippetScreen

        def insert(text: str | None) -> None:
            if text:
                self.query_one(PromptComposer).insert_snippet(text)

        composer = self.query_one(PromptComposer)
        self.app.push_screen(SnippetScreen(snippets_for(composer.prompt_text)), insert)

    def action_tips(self) -> None:
        from .modals import TextScreen

        report = self.query_one(TipsPanel).report
        if report is not None:
            self.app.push_screen(TextScreen(_("Prompt tips"), report_text(report, hint_keys(self))))

    def action_generate(self) -> None:
        self.query_one(PromptComposer).request_generate()

    @on(PromptComposer.Generate)
    def _generate(self, event: PromptComposer.Generate) -> None:
        if self.session is None or self.session.service is None:
            if getattr(self.app, "connecting", False):
                # The first keys of a session often beat the engine's start: hold the request, send it once
                # connected. One held request at most, so pressing again does not bill twice. What can be said
                # of the prompt without a server is said now, not after the wait.
                try:
                    validate_prompt(event.params.prompt)
                except InvalidParams as exc:
                    self.notify(exc.message, title=_("Check the prompt"), severity="warning", markup=False)
                    return
                self._held = event
                self.notify(_("Connecting to the server: this is sent as soon as it answers."), markup=False)
            else:
                workbench(self).connected_or_say(kept="; the prompt is kept")
            return
        self._send_or_ask(event)

    def _send_or_ask(self, event: PromptComposer.Generate) -> None:
        """Send, or on a priced profile first say what it sends and costs: ctrl+g again (or enter) sends."""
        app: Any = self.app
        if not app.paid_needs_asking():
            self.submit(event.params, event.variations, event.fit, event.character_ids)
            return
        self._ask_to_send(event)

    @work(exclusive=False, exit_on_error=False, group="submit", description=N_("check the budget"))
    async def _ask_to_send(self, event: PromptComposer.Generate) -> None:
        """The question before a paid send, unless the budget would refuse it: then that is said at once, rather
        than a price asked for that the second key would be refused."""
        from ...service.jobs import BudgetRefused

        app: Any = self.app
        params, n = event.params, event.variations
        try:
            await asyncio.to_thread(self.session.service.check_budget, params, n)
        except BudgetRefused as exc:
            app.show_over_budget(exc.over, kept=_("The prompt is still in the composer."))
            return
        from ..keymap import bound_key
        from ..textual_fence import remapped_keys

        total = estimate(params.model, params.size, params.seconds, self.session.profile.models, n)
        # generate's key again sends: the one the keymap put it on, where it moved it
        generate = next(b for b in MainScreen.BINDINGS if isinstance(b, Binding) and b.id == "app.generate")
        key = (remapped_keys(app, "app.generate") or generate.key).split(",")[0]
        line = ngettext("Send {n} job: {model} {size} {seconds}s, {cost}? {key}/enter sends, esc cancels",
                        "Send {n} jobs: {model} {size} {seconds}s, {cost}? {key}/enter sends, esc cancels", n).format(
            n=n, model=params.model, size=params.size, seconds=params.seconds,
            key=bound_key(self, "app.generate", MainScreen), cost=price_text(total))
        app.ask_to_pay(line, key, lambda: self.submit(event.params, event.variations, event.fit, event.character_ids))

    def connected(self) -> None:
        """The session is open: send what was asked for while it opened (asking first where that costs)."""
        held, self._held = self._held, None
        if held is not None:
            self._send_or_ask(held)

    def connection_failed(self) -> None:
        if self._held is not None:
            self._held = None
            self.notify(_("Not sent: the server could not be reached. The prompt is still in the composer."),
                        severity="warning", markup=False, timeout=10)

    @work(exclusive=False, exit_on_error=False, group="submit", description=N_("submit"))
    async def submit(self, params: Any, variations: int, fit: str = "", character_ids: list[str] | None = None) -> None:
        from ...service.jobs import BudgetRefused, ServiceError
        from ...service.reference import fit_reference_image
        from ...service.servers import BackendError
        from ..widgets.frames import PreviewError, load_thumbnail
        from .modals import PictureConfirmScreen

        try:
            if fit and params.image:
                # the fitted copy is kept beside the history, so a retry later sends the same first frame
                fitted = await asyncio.to_thread(fit_reference_image, params.image, params.size, fit,
                                                 self.session.paths.home / "references")
                try:
                    picture = await asyncio.to_thread(load_thumbnail, fitted)
                except PreviewError as exc:
                    self.notify(exc.message, severity="error", markup=False)
                    return
                how = _(FIT_NAMES[fit]) if fit in FIT_NAMES else fit
                question = _("The first frame, fitted to {size} ({fit}). Send it?").format(size=params.size, fit=how)
                if not await self.app.push_screen_wait(PictureConfirmScreen(_("Reference image"), question, picture)):
                    return
                params = replace(params, image=str(fitted))
            jobs = await self.session.service.generate(params, variations=variations, auto_download=["video"],
                                                       character_ids=character_ids or [])
        except InvalidParams as exc:
            self.notify(exc.message, title=_("Check the prompt"), severity="warning", markup=False)
            return
        except BudgetRefused as exc:
            workbench(self).show_over_budget(exc.over, kept=_("The prompt is still in the composer."))
            return
        except ServiceError as exc:  # the history could not be written: nothing was sent
            self.notify(exc.message, severity="error", markup=False, timeout=10)
            return
        except BackendError as exc:
            self.notify(exc.user_message(), title=_("Server"), severity="error", markup=False, timeout=10)
            return
        for job in jobs:
            self.post_message(JobChanged(job))
        self.notify(ngettext("Submitted {count} job.", "Submitted {count} jobs.", len(jobs)).format(count=len(jobs)),
                    markup=False)
