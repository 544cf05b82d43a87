"""JobDetailScreen: everything about one job — params, error with what to do, files — shown literally."""

from __future__ import annotations

import asyncio

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from ...core.job import Job
from ...core.status import JobStatus
from ...core.text import strip_control
from ..css import SCREENS_CSS
from ..widgets.key_bar import KeyBar
from ..widgets.preview import PicturePreview, PreviewError, load_frames, load_thumbnail, picture_preview
from ..failures import ReportsWorkerFailures

ERROR_ADVICE = {
    "moderation_blocked": "The server's guardrail refused it. Describe original characters and no real people, then retry.",
    "not_submitted": "The create request never reached the server; nothing was billed. Press r to retry.",
    "uncertain": "sora-tui is checking the server's list to see whether the job was created.",
    "not_found": "The server no longer knows this job. Retry to generate it again.",
    "expired": "The server's copy expired before it was downloaded. Remix or retry it.",
    "rate_limit_exceeded": "The server is rate-limiting this key. Wait a minute, then retry (r); fewer variations at once help.",
    "invalid_request": "The server refused the request as sent. Check the size and seconds for this model, then retry (r).",
    "invalid_api_key": "The server refused the API key. Check the key for this profile, then retry (r).",
}
GENERIC_ADVICE = "Read the server's message above; change what it names and retry (r), or remix (m) from a finished video."


def _when(ts: float | None) -> str:
    import time

    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(ts)) if ts else "-"


def detail_text(job: Job) -> Text:
    rows = [
        ("Server id", job.video_id or "(not on the server yet)"), ("Local id", job.local_id),
        ("Status", job.status.value + (f" ({job.progress}%)" if job.is_active else "")),
        ("Kind", job.kind), ("Model", job.params.model), ("Size", job.params.size), ("Seconds", job.params.seconds),
        ("Profile", job.profile), ("Server", job.server or "-"), ("Parent", job.parent_id or "-"),
        ("Group", job.group_id or "-"),
        ("Cost estimate", f"${job.cost_estimate:.2f}" if job.cost_estimate is not None else "unknown"),
        ("Created", _when(job.created_at)), ("Completed", _when(job.completed_at)),
        ("Assets expire", _when(job.expires_at) + ("  (deleted on the server)" if job.extra.get("deleted_on_server") else "")),
        ("Starred", "★ yes" if job.starred else "no"), ("Tags", ", ".join(job.tags) or "-"),
    ]
    text = Text()
    text.append("Prompt\n", style="bold")
    text.append(strip_control(job.params.prompt) + "\n\n")
    for label, value in rows:
        text.append(f"{label:>14}  ", style="bold")
        text.append(strip_control(str(value)) + "\n")
    if job.error:
        text.append("\nError ", style="bold red")
        text.append(f"{strip_control(job.error.code)}: {strip_control(job.error.message)}\n", style="red")
        text.append("What to do: ", style="bold")
        text.append(ERROR_ADVICE.get(job.error.code, GENERIC_ADVICE) + "\n")
    if job.notes:
        text.append("\nNote\n", style="bold")
        text.append(strip_control(job.notes) + "\n")
    if job.files:
        text.append("\nFiles\n", style="bold")
        for f in job.files:
            made = ", made locally from the video" if f.made_locally else ""
            text.append(f"  {f.variant:<11} {strip_control(f.path)}  "
                        f"({f.bytes:,} bytes, {f.digest_label(12)}{made})\n")
    return text


class JobDetailScreen(ReportsWorkerFailures, ModalScreen[None]):
    """One job: its text on the left, its picture on the right (fetched for the preview when it is missing)."""
    CSS_PATH = SCREENS_CSS

    BINDINGS = [
        Binding("escape,q", "dismiss", "Close", id="detail.close"),
        Binding("o", "job('open')", "Open", tooltip="Open the downloaded MP4 in the system player", id="detail.open"),
        Binding("m", "job('remix')", "Remix", tooltip="A new prompt applied to this video", id="detail.remix"),
        Binding("s", "job('star')", "Star", tooltip="Star or unstar this job", id="detail.star"),
        Binding("c", "job('copy')", "Copy…", tooltip="Copy the prompt, the id or the file path", id="detail.copy"),
        Binding("d", "job('download_variant')", "Download…", tooltip="Video, thumbnail or spritesheet", id="detail.download"),
        Binding("space", "play", "Play/Pause", tooltip="Play or pause the flipbook", id="detail.play"),
        Binding("comma", "step(-1)", "Frame back", tooltip="Pause and show the previous frame", id="detail.back", show=False,
                key_display=","),
        Binding("full_stop", "step(1)", "Frame on", tooltip="Pause and show the next frame", id="detail.next", show=False,
                key_display="."),
    ]

    def __init__(self, job: Job) -> None:
        super().__init__()
        self.job = job

    def compose(self) -> ComposeResult:
        with Horizontal(id="detail-box") as box:
            box.border_title = f"Job {self.job.short_id}"
            with VerticalScroll(id="detail-scroll"):
                yield Static(detail_text(self.job), id="detail-text")
            yield picture_preview(id="detail-picture")
        yield KeyBar()  # this screen's own keys; the workbench's footer behind it would list the wrong ones

    def on_mount(self) -> None:
        self.load_picture()

    def on_resize(self) -> None:
        self.set_class(self.size.width < 110, "-narrow")

    def show_job(self, job: Job) -> None:
        if job.local_id == self.job.local_id:
            self.job = job
            self.query_one("#detail-text", Static).update(detail_text(job))

    @work(exclusive=True, exit_on_error=False, group="preview", description="load the picture")
    async def load_picture(self) -> None:
        preview = self.query_one(PicturePreview)
        job = self.job
        if job.status not in (JobStatus.COMPLETED, JobStatus.DOWNLOADED) and not job.files:
            preview.show_message("No picture: the job is " + job.status.value.replace("_", " ") + ".")
            return
        from pathlib import Path

        from ...service.files import is_picture

        session = getattr(self.app, "session", None)
        for variant in ("spritesheet", "thumbnail"):
            recorded = job.file(variant)
            usable = recorded is not None and await asyncio.to_thread(is_picture, Path(recorded.path))  # reads the disk
            if not usable and session is not None and session.service is not None \
                    and job.status in (JobStatus.COMPLETED, JobStatus.DOWNLOADED) and not job.extra.get("deleted_on_server"):
                # the service gets it again (an earlier version saved what a proxy sent, the MP4, as the
                # picture), or makes it from the video when the server cannot give it
                preview.show_message(f"Fetching the {variant}…")
                try:
                    await session.service.download(job, variant)
                except Exception as exc:  # the picture is optional: say why and show what there is
                    preview.show_message(f"No {variant}: {getattr(exc, 'message', None) or type(exc).__name__}")
                job = await asyncio.to_thread(session.store.get, job.local_id) or job
        try:
            sheet, thumb = job.file("spritesheet"), job.file("thumbnail")
            if sheet is not None:
                preview.show_frames(await asyncio.to_thread(load_frames, sheet.path, job.params.size))
            elif thumb is not None:
                preview.show_still(await asyncio.to_thread(load_thumbnail, thumb.path))
            else:
                preview.show_message("No picture on disk; press d to download the thumbnail or spritesheet.")
        except PreviewError as exc:
            preview.show_message(exc.message)

    def action_play(self) -> None:
        self.query_one(PicturePreview).action_toggle_play()

    def action_step(self, delta: int) -> None:
        self.query_one(PicturePreview).action_step(delta)

    def action_job(self, action: str) -> None:
        self.app.run_job_action(action, self.job.local_id)  # type: ignore[attr-defined]

    def action_dismiss(self) -> None:  # type: ignore[override]
        self.dismiss(None)
