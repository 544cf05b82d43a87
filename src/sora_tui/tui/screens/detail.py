"""JobDetailScreen: everything about one job — params, error with what to do, files — shown literally."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

from rich.cells import cell_len
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from ...core.cost import cost_text, job_cost
from ...core.i18n import N_, _, ngettext, pgettext
from ...core.job import Job
from ...core.status import JobStatus
from ...core.status import label as status_label
from ...core.text import one_line, pad, strip_control
from ..base import workbench
from ..css import SCREENS_CSS
from ..failures import ReportsWorkerFailures
from ..keymap import bound_key, declared_key
from ..messages import JobsChanged
from ..widgets.frames import PreviewError, load_frames, load_thumbnail
from ..widgets.job_list import JobList
from ..widgets.key_bar import KeyBar
from ..widgets.preview import PicturePreview, picture_preview

ERROR_ADVICE = {
    "moderation_blocked": N_("The server's guardrail refused it. Describe original characters and no real people, then "
                             "retry."),
    "not_submitted": N_("The create request never reached the server; nothing was billed. Press {retry} to retry."),
    "uncertain": N_("sora-tui is checking the server's list to see whether the job was created."),
    "not_found": N_("The server no longer knows this job. Retry to generate it again."),
    "expired": N_("The server's copy expired before it was downloaded. Remix or retry it."),
    "rate_limit_exceeded": N_("The server is rate-limiting this key. Wait a minute, then retry ({retry}); fewer "
                              "variations at once help."),
    "invalid_request": N_("The server refused the request as sent. Check the size and seconds for this model, then "
                          "retry ({retry})."),
    "invalid_api_key": N_("The server refused the API key. Check the key for this profile, then retry ({retry})."),
}
GENERIC_ADVICE = N_("Read the server's message above; change what it names and retry ({retry}), or remix ({remix}) "
                    "from a finished video.")

# How a kind reads on this screen; the stored word (job.kind) stays as it is.
KIND_NAMES = {
    "generate": N_("generate"), "remix": N_("remix"), "extend": N_("extend"), "edit": N_("edit"),
    "retry": N_("retry"), "variation": N_("variation"),
}
VARIANT_NAMES = {"video": N_("video"), "thumbnail": N_("thumbnail"), "spritesheet": N_("spritesheet")}
# A take's choice (extra.choice, written by the service's keep): the stored word -> how it reads, and its style
CHOICES = {"kept": (N_("✓ kept"), "green"), "passed": (N_("not chosen"), "dim")}
# The kinds made from another job with a prompt of their own: their details show the change from its prompt
DERIVED = frozenset({"remix", "edit", "extend"})


def variant_name(variant: str) -> str:
    return _(VARIANT_NAMES[variant]) if variant in VARIANT_NAMES else variant


def choice_text(job: Job) -> Text | None:
    """The take's choice among its group's takes (kept, or passed for another), None when undecided."""
    stored = job.extra.get("choice")
    shown = CHOICES.get(stored) if isinstance(stored, str) else None  # a value this version does not know: none
    return Text(_(shown[0]), style=shown[1]) if shown else None


def prompt_change(old: str, new: str) -> Text:
    """The new prompt with its change from the old one, word by word: the removed words dim and struck through, the
    added ones green, the rest as it was."""
    from ...core.diff import word_diff

    text = Text()
    last = ""
    for op, part in word_diff(strip_control(old), strip_control(new)):
        if op == "+" and last and not last[-1].isspace() and not part[0].isspace():
            text.append(" ")  # "red blue", not "redblue": apart where the terminal draws no strike or colour
        text.append(part, style="dim strike" if op == "-" else "green" if op == "+" else "")
        last = part if op == "-" else ""
    return text


def _when(ts: float | None) -> str:
    import time

    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(ts)) if ts else "-"


def detail_text(job: Job, parent: Job | None = None, keymap: Mapping[str, str] | None = None) -> Text:
    """Everything about the job; with its parent (the job a remix, edit or extension was made from), the prompt
    shows what changed from the parent's. The keys its advice names are those of the user's `keymap` (the app's)."""
    expires = _when(job.expires_at)
    if job.extra.get("deleted_on_server"):
        expires += "  " + _("(deleted on the server)")
    choice = choice_text(job)
    # a take's choice, beside its group, once one of the group was kept
    chosen: list[tuple[str, str | Text]] = [(_("Choice"), choice)] if choice is not None else []
    rows: list[tuple[str, str | Text]] = [
        (_("Server id"), job.video_id or _("(not on the server yet)")), (_("Local id"), job.local_id),
        (_("Status"), status_label(job.status) + (f" ({job.progress}%)" if job.is_active else "")),
        (_("Kind"), _(KIND_NAMES[job.kind]) if job.kind in KIND_NAMES else job.kind),
        (_("Model"), job.params.model), (_("Size"), job.params.size), (_("Seconds"), job.params.seconds),
        (_("Profile"), job.profile), (_("Server"), job.server or "-"), (_("Parent"), job.parent_id or "-"),
        (_("Group"), job.group_id or "-"), *chosen,
        (_("Cost"), cost_text(job_cost(job))),
        (_("Created"), _when(job.created_at)), (_("Completed"), _when(job.completed_at)),
        (_("Assets expire"), expires),
        (_("Starred"), "★ " + pgettext("starred", "yes") if job.starred else pgettext("starred", "no")), (_("Tags"), ", ".join(job.tags) or "-"),
    ]
    width = max(14, *(cell_len(label) for label, _value in rows))
    text = Text()
    text.append(_("Prompt"), style="bold")
    if parent is not None and job.kind in DERIVED and parent.params.prompt != job.params.prompt:
        text.append("  " + _("changed from {parent}:").format(parent=parent.short_id) + " ", style="dim")
        text.append(_("removed"), style="dim strike")
        text.append(" ")
        text.append(_("added"), style="green")
        text.append("\n")
        text.append_text(prompt_change(parent.params.prompt, job.params.prompt))
        text.append("\n\n")
    else:
        if parent is not None and job.kind in DERIVED:
            text.append("  " + _("the same as {parent}'s").format(parent=parent.short_id), style="dim")
        text.append("\n" + strip_control(job.params.prompt) + "\n\n")
    for label, value in rows:
        text.append(pad(label, width, right=True) + "  ", style="bold")
        if isinstance(value, Text):
            text.append_text(value)
            text.append("\n")
        else:
            text.append(strip_control(str(value)) + "\n")
    if job.error:
        text.append("\n" + _("Error") + " ", style="bold red")
        text.append(f"{strip_control(job.error.code)}: {strip_control(job.error.shown)}\n", style="red")
        text.append(_("What to do:") + " ", style="bold")
        # the table's retry and this screen's remix, where the keymap has them
        keys = {"retry": declared_key([JobList], "job.retry", keymap or {}),
                "remix": declared_key([JobDetailScreen], "detail.remix", keymap or {})}
        text.append(_(ERROR_ADVICE.get(job.error.code, GENERIC_ADVICE)).format(**keys) + "\n")
    if job.notes:
        text.append("\n" + _("Note") + "\n", style="bold")
        text.append(strip_control(job.notes) + "\n")
    if job.files:
        text.append("\n" + _("Files") + "\n", style="bold")
        names = {f.variant: variant_name(f.variant) for f in job.files}
        column = max(11, *(cell_len(name) for name in names.values()))
        for f in job.files:
            digest = f"sha256 {f.sha256[:12]}…" if f.sha256 else _("sha256 not computed yet")
            size = ngettext("{count} byte", "{count} bytes", f.bytes).format(count=f"{f.bytes:,}")
            about = (_("{size}, {digest}, made locally from the video") if f.made_locally
                     else _("{size}, {digest}")).format(size=size, digest=digest)
            text.append(f"  {pad(names[f.variant], column)} {strip_control(f.path)}  ({about})\n")
    return text


class JobDetailScreen(ReportsWorkerFailures, ModalScreen[None]):
    """One job: its text on the left, its picture on the right (fetched for the preview when it is missing)."""
    CSS_PATH = SCREENS_CSS

    BINDINGS = [
        Binding("escape,q", "dismiss", N_("Close"), id="detail.close"),
        Binding("o", "job('open')", N_("Open"), tooltip=N_("Open the downloaded MP4 in the system player"),
                id="detail.open"),
        Binding("m", "job('remix')", N_("Remix"), tooltip=N_("A new prompt applied to this video"), id="detail.remix"),
        Binding("s", "job('star')", N_("Star"), tooltip=N_("Star or unstar this job"), id="detail.star"),
        Binding("c", "job('copy')", N_("Copy…"), tooltip=N_("Copy the prompt, the id or the file path"), id="detail.copy"),
        Binding("d", "job('download_variant')", N_("Download…"), tooltip=N_("Video, thumbnail or spritesheet"),
                id="detail.download"),
        Binding("space", "play", N_("Play/Pause"), tooltip=N_("Play or pause the flipbook"), id="detail.play"),
        Binding("comma", "step(-1)", N_("Frame back"), tooltip=N_("Pause and show the previous frame"), id="detail.back",
                show=False, key_display=","),
        Binding("full_stop", "step(1)", N_("Frame on"), tooltip=N_("Pause and show the next frame"), id="detail.next",
                show=False, key_display="."),
    ]

    def __init__(self, job: Job) -> None:
        super().__init__()
        self.job = job
        self.parent_job: Job | None = None  # the job it was made from, for a remix, edit or extension: read on mount

    def compose(self) -> ComposeResult:
        with Horizontal(id="detail-box") as box:
            box.border_title = _("Job {id}").format(id=self.job.short_id)
            with VerticalScroll(id="detail-scroll"):
                yield Static(detail_text(self.job, keymap=self._user_keys()), id="detail-text")
            yield picture_preview(id="detail-picture")
        yield KeyBar()  # this screen's own keys; the workbench's footer behind it would list the wrong ones

    def on_mount(self) -> None:
        self.load_picture()
        if self.job.kind in DERIVED and self.job.parent_id:
            self.load_parent(self.job.parent_id)

    def _user_keys(self) -> Mapping[str, str]:
        return getattr(self.app, "keymap", None) or {}

    def on_resize(self) -> None:
        self.set_class(self.size.width < 110, "-narrow")

    def on_jobs_changed(self, event: JobsChanged) -> None:
        for job in event.jobs:
            self.show_job(job)

    def show_job(self, job: Job) -> None:
        if job.local_id == self.job.local_id:
            self.job = job  # a screen pushed but not composed yet shows this one when it is
            if self.is_mounted:
                self.query_one("#detail-text", Static).update(detail_text(job, self.parent_job, self._user_keys()))

    @work(exclusive=True, exit_on_error=False, group="detail-parent", description=N_("the parent's prompt"))
    async def load_parent(self, parent_id: str) -> None:
        """The parent from the history (a local read: it works offline too), then the prompt's change from it."""
        session = getattr(self.app, "session", None)
        if session is None:
            return
        parent = await asyncio.to_thread(session.history.get, parent_id)
        if parent is not None:
            self.parent_job = parent
            self.query_one("#detail-text", Static).update(detail_text(self.job, parent, self._user_keys()))

    @work(exclusive=True, exit_on_error=False, group="preview", description=N_("load the picture"))
    async def load_picture(self) -> None:
        preview = self.query_one(PicturePreview)
        job = self.job
        if job.status not in (JobStatus.COMPLETED, JobStatus.DOWNLOADED) and not job.files:
            preview.show_message(_("No picture: the job is {status}.").format(status=status_label(job.status)))
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
                preview.show_message(_("Fetching the {variant}…").format(variant=variant_name(variant)))
                try:
                    await session.service.download(job, variant)
                except Exception as exc:  # noqa: BLE001 - the picture is optional: say why and show what there is
                    preview.show_message(_("No {variant}: {reason}").format(
                        variant=variant_name(variant),
                        reason=one_line(getattr(exc, "message", None) or type(exc).__name__, 300)))
                job = await asyncio.to_thread(session.history.get, job.local_id) or job
        try:
            sheet, thumb = job.file("spritesheet"), job.file("thumbnail")
            if sheet is not None:
                preview.show_frames(await asyncio.to_thread(load_frames, sheet.path, job.params.size))
            elif thumb is not None:
                preview.show_still(await asyncio.to_thread(load_thumbnail, thumb.path))
            else:
                preview.show_message(_("No picture on disk; press {key} to download the thumbnail or spritesheet.")
                                     .format(key=bound_key(self, "detail.download", JobDetailScreen)))
        except PreviewError as exc:
            preview.show_message(exc.message)

    def action_play(self) -> None:
        self.query_one(PicturePreview).action_toggle_play()

    def action_step(self, delta: int) -> None:
        self.query_one(PicturePreview).action_step(delta)

    def action_job(self, action: str) -> None:
        workbench(self).run_job_action(action, self.job.local_id)

    def action_dismiss(self) -> None:  # type: ignore[override]
        self.dismiss(None)
