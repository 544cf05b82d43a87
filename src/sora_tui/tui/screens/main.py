"""MainScreen: the composer above, the live job table below; turns user intents into service calls in workers."""

from __future__ import annotations

from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from ...core.params import InvalidParams
from ..messages import JobChanged
from ..widgets.composer import PromptComposer
from ..widgets.job_table import JobTable
from .detail import JobDetailScreen


class MainScreen(Screen[None]):
    BINDINGS = [
        Binding("ctrl+g", "generate", "Generate", tooltip="Submit the prompt (with N variations)", id="app.generate", priority=True),
        Binding("ctrl+j", "focus_jobs", "Jobs", tooltip="Move to the job table", id="app.jobs", show=False),
        Binding("ctrl+p", "command_palette", "Commands", show=False),
    ]

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        yield PromptComposer(id="composer")
        yield Static("connecting…", id="status-line")
        yield JobTable(id="jobs")
        yield Footer()

    @property
    def session(self) -> Any:
        return getattr(self.app, "session", None)

    def set_status(self, text: Any) -> None:
        self.query_one("#status-line", Static).update(text)

    def load_jobs(self, jobs: list[Any]) -> None:
        self.query_one(JobTable).load(jobs)

    class Ready(Message):
        """The screen and its widgets exist: the app may open the session and fill the table."""

    def on_mount(self) -> None:
        self.query_one("#prompt").focus()
        self.post_message(self.Ready())

    def action_focus_jobs(self) -> None:
        self.query_one(JobTable).focus()

    # --- generate -------------------------------------------------------------------------------------
    def action_generate(self) -> None:
        self.query_one(PromptComposer).request_generate()

    @on(PromptComposer.Generate)
    def _generate(self, event: PromptComposer.Generate) -> None:
        if self.session is None or self.session.service is None:
            self.notify("Not connected to a server yet; wait a moment.", severity="warning", markup=False)
            return
        self.submit(event.params, event.variations)

    @work(exclusive=False, exit_on_error=False, group="submit", description="submit")
    async def submit(self, params: Any, variations: int) -> None:
        from ...backend.errors import BackendError

        try:
            jobs = await self.session.service.generate(params, variations=variations, auto_download=["video"])
        except InvalidParams as exc:
            self.notify(exc.message, title="Check the prompt", severity="warning", markup=False)
            return
        except BackendError as exc:
            self.notify(exc.user_message(), title="Server", severity="error", markup=False, timeout=10)
            return
        for job in jobs:
            self.post_message(JobChanged(job))
        self.notify(f"Submitted {len(jobs)} job{'s' if len(jobs) > 1 else ''}.", markup=False)

    # --- job actions ------------------------------------------------------------------------------------
    @on(JobTable.Action)
    def _job_action(self, event: JobTable.Action) -> None:
        if self.session is None or self.session.service is None:
            return
        job = self.session.store.get(event.local_id)
        if job is None:
            return
        if event.action == "details":
            self.app.push_screen(JobDetailScreen(job))
        elif event.action == "retry":
            self.retry(job)
        elif event.action == "download":
            self.download(job)

    @work(exclusive=False, exit_on_error=False, group="actions")
    async def retry(self, job: Any) -> None:
        from ...backend.errors import BackendError
        from ...service.jobs import ServiceError

        try:
            new = await self.session.service.retry(job, auto_download=["video"])
        except (InvalidParams, ServiceError) as exc:
            self.notify(exc.message, severity="warning", markup=False)
            return
        except BackendError as exc:
            self.notify(exc.user_message(), severity="error", markup=False)
            return
        self.post_message(JobChanged(new, "Retry submitted."))

    @work(exclusive=False, exit_on_error=False, group="actions")
    async def download(self, job: Any) -> None:
        from ...backend.errors import BackendError
        from ...service.jobs import ServiceError

        try:
            record = await self.session.service.download(job, "video")
        except ServiceError as exc:
            self.notify(exc.message, severity="warning", markup=False)
            return
        except BackendError as exc:
            self.notify(exc.user_message(), severity="error", markup=False)
            return
        self.notify(f"Saved {record.path}", markup=False)

    @on(JobChanged)
    def _job_changed(self, event: JobChanged) -> None:
        self.query_one(JobTable).upsert(event.job)
        if event.note:
            self.notify(event.note, severity=event.severity, markup=False)  # type: ignore[arg-type]
