"""SoraApp: the Textual application. Thin: opens the session off the first frame, bridges service events, owns the screen."""

from __future__ import annotations

import asyncio
import gc
import importlib
from importlib import resources
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import work
from textual.app import App
from textual.binding import Binding
from textual.worker import Worker, WorkerState

from ..core.text import one_line
from .messages import JobChanged, SessionFailed, SessionReady
from .screens.main import MainScreen


def styles_dir() -> Path:
    """TCSS ships inside the wheel as sora_tui/styles; an editable install reads the repo's styles/."""
    packaged = Path(str(resources.files("sora_tui"))) / "styles"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[3] / "styles"


RECENT_JOBS = 500


class SoraApp(App[int]):
    TITLE = "sora-tui"
    CSS_PATH = [str(styles_dir() / "app.tcss")]
    BINDINGS = [Binding("ctrl+q", "quit", "Quit", id="app.quit", priority=True)]

    def __init__(self, profile: str | None = None, base_url: str | None = None) -> None:
        super().__init__()
        self.profile_name = profile
        self.base_url = base_url
        self.session: Any = None
        self.crash_report: Path | None = None
        self.crash_summary: str | None = None
        self._unsubscribe: Any = None

    def on_mount(self) -> None:
        self.push_screen(MainScreen())
        self.sub_title = "connecting…"

    def on_main_screen_ready(self, event: MainScreen.Ready) -> None:
        self.call_after_refresh(self.open_session)  # draw the screen first, then open the history and connect

    @property
    def main(self) -> MainScreen:
        return next(s for s in self.screen_stack if isinstance(s, MainScreen))

    @work(exclusive=True, exit_on_error=False, group="session", description="open session")
    async def open_session(self) -> None:
        from ..config import ConfigError
        from ..session import SessionError, prepare

        try:
            session = await asyncio.to_thread(prepare, self.profile_name, self.base_url)  # opening a big history reads the disk
            # The history's index lives as long as the app: keep its objects out of the garbage collector's
            # full passes, which would otherwise pause the UI for tens of milliseconds with 100,000 jobs.
            gc.freeze()
            # the live table holds recent work; the whole history is for the history browser
            self.main.load_jobs(await asyncio.to_thread(session.store.query, limit=RECENT_JOBS))
            if session.store.recovery_note:
                self.notify(session.store.recovery_note, severity="warning", markup=False, timeout=20)
            where = "starting the local engine…" if session.profile.is_local else f"connecting to {session.profile.base_url}…"
            self.main.set_status(Text(where, style="dim"))
            # The openai SDK takes ~0.5 s to import: in a thread, so the screen keeps answering keys meanwhile.
            await asyncio.to_thread(importlib.import_module, "sora_tui.backend")
            await session.connect()
        except (SessionError, ConfigError) as exc:
            self.post_message(SessionFailed(getattr(exc, "message", str(exc))))
            return
        except Exception as exc:  # never a traceback on screen: say what failed and keep the app usable
            from ..crash import write_report

            report = write_report(exc)
            self.post_message(SessionFailed(f"{type(exc).__name__}: {exc}. Report: {report}"))
            return
        self.post_message(SessionReady(session))

    def on_session_ready(self, event: SessionReady) -> None:
        self.session = event.session
        profile = self.session.profile
        if profile.is_local:
            self.sub_title = "local engine — procedural renders, not AI"
        else:
            self.sub_title = f"{profile.name} · {one_line(self.session.base_url, 60)}"
        self.main.set_status(self._connected_line())
        self._unsubscribe = self.session.service.subscribe(self._on_service_event)
        self.track()
        self.watch_history()

    def _connected_line(self) -> Text:
        line = Text()
        line.append("● ", style="green")
        line.append(f"{self.session.profile.name}: {self.session.base_url}", style="dim")
        return line

    def on_session_failed(self, event: SessionFailed) -> None:
        self.sub_title = "not connected"
        line = Text()
        line.append("✖ ", style="bold red")
        line.append(one_line(event.message, 300))
        self.main.set_status(line)
        self.notify(event.message, title="Cannot connect", severity="error", markup=False, timeout=30)

    @work(exclusive=True, exit_on_error=False, group="tracker", description="track jobs")
    async def track(self) -> None:
        await self.session.service.track_forever()

    @work(exclusive=True, exit_on_error=False, group="history", description="watch the history for other processes")
    async def watch_history(self) -> None:
        await self.session.service.watch_history()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """One place where a worker's unexpected failure becomes a message and a report, never a traceback."""
        if event.state != WorkerState.ERROR:
            return
        from ..crash import write_report

        error = event.worker.error
        report = write_report(error) if isinstance(error, BaseException) else None
        where = f" A report was written to {report}." if report else ""
        self.notify(f"{event.worker.description or event.worker.name} stopped: {type(error).__name__}: {one_line(str(error), 200)}.{where}",
                    title="Unexpected error", severity="error", markup=False, timeout=30)

    def _on_service_event(self, event: Any) -> None:
        """Runs on the app's event loop (the service is asyncio on the same loop): forward, never block."""
        from ..service.events import DownloadFailed, DownloadProgressed, JobDownloaded, JobFailed, ServiceNotice

        if isinstance(event, ServiceNotice):
            self.notify(event.message, severity="error" if event.level == "error" else "warning", markup=False)
            return
        if isinstance(event, DownloadProgressed):
            if event.total:
                pct = int(100 * event.received / event.total)
                self.main.set_status(Text(f"downloading {event.job.short_id} {event.variant}: {pct}%", style="dim"))
            return
        note, severity = None, "information"
        if isinstance(event, JobDownloaded):
            note = f"Downloaded {event.file.variant}: {event.file.path}"
            self.main.set_status(self._connected_line())
        elif isinstance(event, DownloadFailed):
            note, severity = f"Download failed: {event.message}", "error"
        elif isinstance(event, JobFailed) and event.job.error:
            note, severity = f"{event.job.short_id} {event.job.status.value}: {event.job.error.message}", "error"
        self.main.post_message(JobChanged(event.job, note, severity))

    def _handle_exception(self, error: Exception) -> None:
        """Textual would print a traceback with local variables on exit (a key in a local reaches the
        terminal, PITFALLS.md). Write a crash report instead; run_tui says where it is. Textual is pinned
        exactly, so this override of a private hook is checked by tests/tui/test_app.py on every upgrade."""
        from ..crash import write_report

        self.crash_report = write_report(error)
        self.crash_summary = f"{type(error).__name__}: {one_line(str(error), 200)}"
        self._return_code = 70
        if self._exception is None:  # keep Pilot's re-raise for tests
            self._exception = error
            self._exception_event.set()
        self._close_messages_no_wait()

    async def on_unmount(self) -> None:
        if self._unsubscribe:
            self._unsubscribe()
        if self.session is not None:
            await self.session.aclose()


def run_tui(profile: str | None = None, base_url: str | None = None) -> int:
    import sys

    from ..runtime import responsive_threads

    responsive_threads()
    app = SoraApp(profile=profile, base_url=base_url)
    app.run()
    if app.crash_summary:
        where = f" A report was written to {app.crash_report}." if app.crash_report else ""
        print(f"sora-tui: unexpected error ({app.crash_summary}).{where} Your jobs and history are safe; "
              "`sora-tui resume` continues them.", file=sys.stderr)
    return app.return_code or 0
