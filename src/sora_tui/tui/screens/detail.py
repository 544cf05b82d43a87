"""JobDetailScreen: everything about one job — params, error with what to do, files — shown literally."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from ...core.job import Job
from ...core.text import strip_control

ERROR_ADVICE = {
    "moderation_blocked": "The server's guardrail refused it. Describe original characters and no real people, then retry.",
    "not_submitted": "The create request never reached the server; nothing was billed. Press r to retry.",
    "uncertain": "sora-tui is checking the server's list to see whether the job was created.",
    "not_found": "The server no longer knows this job. Retry to generate it again.",
    "expired": "The server's copy expired before it was downloaded. Remix or retry it.",
}


def detail_text(job: Job) -> Text:
    rows = [
        ("Server id", job.video_id or "(not on the server yet)"), ("Local id", job.local_id),
        ("Status", job.status.value + (f" ({job.progress}%)" if job.is_active else "")),
        ("Kind", job.kind), ("Model", job.params.model), ("Size", job.params.size), ("Seconds", job.params.seconds),
        ("Profile", job.profile), ("Server", job.server or "-"), ("Parent", job.parent_id or "-"),
        ("Group", job.group_id or "-"),
        ("Cost estimate", f"${job.cost_estimate:.2f}" if job.cost_estimate is not None else "unknown"),
    ]
    text = Text()
    for label, value in rows:
        text.append(f"{label:>14}  ", style="bold")
        text.append(strip_control(str(value)) + "\n")
    text.append("\nPrompt\n", style="bold")
    text.append(strip_control(job.params.prompt) + "\n")
    if job.error:
        text.append("\nError ", style="bold red")
        text.append(f"{strip_control(job.error.code)}: {strip_control(job.error.message)}\n", style="red")
        advice = ERROR_ADVICE.get(job.error.code)
        if advice:
            text.append("What to do: ", style="bold")
            text.append(advice + "\n")
    if job.files:
        text.append("\nFiles\n", style="bold")
        for f in job.files:
            text.append(f"  {f.variant:<11} {strip_control(f.path)}  ({f.bytes:,} bytes, sha256 {f.sha256[:12]}…)\n")
    return text


class JobDetailScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,enter", "dismiss", "Close", id="detail.close")]

    def __init__(self, job: Job) -> None:
        super().__init__()
        self.job = job

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="detail-box"):
            yield Static(detail_text(self.job), id="detail-text")

    def action_dismiss(self) -> None:  # type: ignore[override]
        self.dismiss(None)
