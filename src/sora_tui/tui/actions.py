"""What the keys on a job do. Tables post `JobList.Action`; this room of SoraApp runs it in a worker.

One place for every job action, whichever table (live jobs or history) the user pressed the key in.
Expected failures (bad input, a server refusal) become one notification that says what to do. The question a paid
send asks first is paid.py's.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import work

from ..core.cost import estimate
from ..core.i18n import N_, _, ngettext
from ..core.params import InvalidParams
from ..core.status import JobStatus
from ..core.text import one_line
from .desktop import copy_with_pyperclip, open_in_player
from .messages import JobChanged
from .paid import PAID, PaidQuestions
from .widgets.job_list import JobList

if TYPE_CHECKING:  # only named in annotations: core.job loads with the history, after the first frame
    from textual.notifications import SeverityLevel

    from ..core.job import Job

AUTO = ["video"]  # what a job made from the TUI downloads by itself when it completes
# (key, value, label): the labels are marked here and translated as the dialog is opened (choices())
DOWNLOAD_CHOICES = [("v", "video", N_("video (MP4)")), ("t", "thumbnail", N_("thumbnail (WEBP)")),
                    ("s", "spritesheet", N_("spritesheet (JPEG)"))]
OFFLINE = frozenset({"details", "open", "copy", "reuse", "compare"})  # job actions that need the history, not the server
DIALOGS = frozenset({"remix", "edit", "extend", "download_variant", "copy", "note", "delete"})  # they ask first
# job action -> the server operation it needs (backend.capabilities.OPERATIONS)
NEEDS = {"remix": "remix", "edit": "edits", "extend": "extensions", "delete": "delete"}
COPY_CHOICES = [("p", "prompt", N_("prompt")), ("i", "id", N_("server id")), ("f", "path", N_("file path of the video"))]
# What was copied, one whole sentence each (to the system clipboard, or through the terminal with OSC 52)
COPIED = {"prompt": N_("Copied the prompt to the clipboard."), "id": N_("Copied the server id to the clipboard."),
          "path": N_("Copied the file path to the clipboard.")}
SENT = {"prompt": N_("Sent the prompt to the terminal clipboard (OSC 52). If pasting gives nothing: {text}"),
        "id": N_("Sent the server id to the terminal clipboard (OSC 52). If pasting gives nothing: {text}"),
        "path": N_("Sent the file path to the terminal clipboard (OSC 52). If pasting gives nothing: {text}")}
# What the dialog of a derived job submitted, by its kind
SUBMITTED = {"remix": N_("Remix of {job} submitted as {new}."), "edit": N_("Edit of {job} submitted as {new}."),
             "extend": N_("Extension of {job} submitted as {new}.")}

# A failed job's error codes that say the server refused the request itself (content policy, a bad parameter):
# sending it again fails again, and on a paid server may still cost. Codes are the server's (lower-cased here).
REFUSED_CODES = frozenset({"moderation_blocked", "content_policy", "content_policy_violation", "content_filter",
                           "safety", "safety_violation", "invalid_request", "invalid_request_error", "bad_request",
                           "invalid_prompt", "invalid_value", "invalid_parameter", "unsupported_value"})
REFUSED_WORDS = ("moderation", "policy", "safety", "guardrail")


def refused(job: Job) -> bool:
    """Whether the job failed because the server refused its content or its settings (not a passing failure)."""
    error = job.error
    if job.status is not JobStatus.FAILED or error is None:
        return False
    code = (error.code or "").lower()
    return code in REFUSED_CODES or any(word in code for word in REFUSED_WORDS)


def choices(options: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    """A dialog's choices with their labels in the interface's language."""
    return [(key, value, _(label)) for key, value, label in options]


class JobActions(PaidQuestions):
    """A room of SoraApp: the job table's actions, one method each (`_job_<action>`). A paid send asks first
    (PaidQuestions)."""

    # A dialog of an earlier key is being opened or is open. Keys arrive faster than a dialog opens (a burst of
    # typing meant for the prompt): each key's action runs in its own worker, so a second dialog was pushed over the
    # first, or 'p' closed the first while it was still being built, and the app stopped with NoMatches.
    _dialog_busy = False

    def on_job_list_action(self, event: JobList.Action) -> None:  # by name: @on is not collected from a mixin
        event.stop()
        self.run_job_action(event.action, event.local_id)

    def run_job_action(self, action: str, local_id: str) -> None:
        """Run a job action, unless a dialog opened by an earlier one is still opening or open: then the key is
        dropped (it raced that dialog), never acted on beneath it."""
        if self._dialog_busy:
            return
        dialog = action in DIALOGS
        if dialog:
            self._dialog_busy = True
        self._job_action(action, local_id, dialog)

    @work(exclusive=False, exit_on_error=False, group="job-actions", description=N_("job action"))
    async def _job_action(self, action: str, local_id: str, dialog: bool, confirmed: bool = False) -> None:
        try:
            await self._act(action, local_id, confirmed)
        finally:
            if dialog:
                self._dialog_busy = False

    async def _act(self, action: str, local_id: str, confirmed: bool = False) -> None:
        # What only reads the history works without a server (it did not start: the history is still open)
        if (action not in OFFLINE or self.session is None) and not self.connected_or_say():
            return
        job = await asyncio.to_thread(self.opened.history.get, local_id)
        if job is None:
            self.notify(_("That job is no longer in the history."), severity="warning", markup=False)
            return
        op = NEEDS.get(action)
        capabilities: dict[str, bool | None] = getattr(self, "capabilities", {})
        if op and capabilities.get(op) is False:
            self.notify(_("{name} does not offer {operation}: that needs a server with the /v1/videos {operation} "
                          "operation. Switch profile (F3) to one that does.").format(name=self.opened.profile.name,
                                                                                     operation=op),
                        severity="warning", markup=False, timeout=8)
            return
        if action in ("retry", "variations") and refused(job):  # the same request, refused the same way
            self._refused_to_composer(job)
            return
        if action in PAID and not confirmed and self.paid_needs_asking():
            if not await self._within_budget(action, job):
                return
            self._ask_for(action, job)
            return
        handler: Callable[[Job], Awaitable[None]] = getattr(self, f"_job_{action}")
        await self._guarded(handler(job), op)

    def _refused_to_composer(self, job: Job) -> None:
        """The same request would be refused again: its prompt and settings go to the composer to be changed, with
        the server's reason, and nothing is sent."""
        main = self.main
        while self.screen is not main:
            self.pop_screen()
        main.reuse(job)
        reason = job.error.shown if job.error else ""
        self.notify(_("Not sent again: the server refused {job} ({code}). {reason} Its prompt and settings are in the "
                      "composer: change them, then ctrl+g.").format(job=job.short_id, code=job.error.code if job.error
                                                                   else "", reason=reason),
                    title=_("Refused"), severity="warning", markup=False, timeout=15)

    async def _guarded(self, work: Awaitable[None], op: str | None = None) -> None:
        from ..service.jobs import BudgetRefused, ServiceError
        from ..service.servers import BackendError

        try:
            await work
        except BudgetRefused as exc:
            self.show_over_budget(exc.over)
        except (InvalidParams, ServiceError) as exc:
            self.notify(exc.message, severity="warning", markup=False, timeout=8)
        except BackendError as exc:
            if op and exc.kind == "unsupported":
                getattr(self, "capabilities", {})[op] = False  # found out the hard way: say so at once next time
            self.notify(exc.user_message(), title=_("Server"), severity="error", markup=False, timeout=10)

    def _changed(self, job: Job, note: str | None = None, severity: SeverityLevel = "information") -> None:
        self.post_message(JobChanged(job, note, severity))

    # --- one method per action: _job_<action>(job) ----------------------------------------------------
    async def _job_details(self, job: Job) -> None:
        from .screens.detail import JobDetailScreen

        self.push_screen(JobDetailScreen(job))

    async def _job_compare(self, job: Job) -> None:
        """The takes side by side: the jobs marked in the table, when two or more are, else the job's group (in the
        order they were made; of a larger group, the job and the three newest others)."""
        from .screens.compare import MAX_TAKES, CompareScreen

        history = self.opened.history
        marked = self._marked_ids()
        if len(marked) >= 2:
            takes = await asyncio.to_thread(history.get_many, marked[:MAX_TAKES])
            if len(marked) > MAX_TAKES:
                self.notify(_("Comparing the first {max} of the {n} marked jobs.").format(max=MAX_TAKES,
                                                                                         n=len(marked)),
                            markup=False)
        elif job.group_id:
            group_id = job.group_id
            group = await asyncio.to_thread(lambda: history.query(group_id=group_id, descending=False))
            others = [take for take in group if take.local_id != job.local_id][-(MAX_TAKES - 1):]
            chosen = {job.local_id, *(take.local_id for take in others)}
            takes = [take for take in group if take.local_id in chosen] or [job]
        else:
            takes = [job]
        if len(takes) < 2:
            self.notify(_("Nothing to compare: {job} is the only take of its group. Mark two or more jobs with "
                          "space, or make more takes with v.").format(job=job.short_id),
                        severity="warning", markup=False, timeout=8)
            return
        self.push_screen(CompareScreen(takes))

    def _marked_ids(self) -> list[str]:
        """The jobs marked in the table the key came from (the focused one), or in another of this screen's."""
        focused = self.screen.focused
        tables = [focused] if isinstance(focused, JobList) else []
        tables += [table for table in self.screen.query(JobList) if table is not focused]
        for table in tables:
            marked = list(getattr(table, "marked_local_ids", None) or [])
            if len(marked) >= 2:
                return marked
        return []

    async def _job_retry(self, job: Job) -> None:
        new = await self.service.retry(job, auto_download=AUTO)
        self._changed(new, _("Retry of {job} submitted as {new}.").format(job=job.short_id, new=new.short_id))

    async def _job_variations(self, job: Job) -> None:
        takes = await self.service.more_takes(job, 2, auto_download=AUTO)
        for take in takes:
            self._changed(take)
        stored = await asyncio.to_thread(self.opened.history.get, job.local_id)
        self._changed(stored or job,
                      ngettext("{n} more take of {job} submitted.", "{n} more takes of {job} submitted.",
                               len(takes)).format(n=len(takes), job=job.short_id))

    async def _derived(self, job: Job, kind: str) -> None:
        """The dialog is the confirmation of this paid send: it says the price, and ctrl+g in it sends. A send the
        budget refuses opens the dialog again as it was left, with the refusal over it: nothing written is lost."""
        from ..service.jobs import BudgetRefused
        from .screens.modals import PromptRequest, PromptScreen

        prompt, seconds, refused = job.params.prompt, "4", None
        while True:
            waiting = self.push_screen(
                PromptScreen(kind, job.short_id, prompt, seconds=seconds, price=self._price_of(job, kind)),
                wait_for_dismiss=True)
            if refused is not None:
                self.show_over_budget(refused, kept=_("What you wrote is still in the dialog."))
            request: PromptRequest | None = await waiting
            if request is None:
                return
            try:
                if kind == "remix":
                    new = await self.service.remix(job, request.prompt, auto_download=AUTO)
                elif kind == "edit":
                    new = await self.service.edit(job, request.prompt, auto_download=AUTO)
                else:
                    new = await self.service.extend(job, request.prompt, request.seconds or "4", auto_download=AUTO)
            except BudgetRefused as exc:
                prompt, seconds, refused = request.prompt, request.seconds or seconds, exc.over
                continue
            self._changed(new, _(SUBMITTED[kind]).format(job=job.short_id, new=new.short_id))
            return

    def _price_of(self, job: Job, kind: str) -> Callable[[str | None], Any]:
        """The dialog's cost line for the seconds chosen: what the service prices this send by (a remix or an edit
        by the source video's seconds, an extension by those it adds), at this profile's prices."""
        from .spending import free_profile, send_cost_line

        profile = self.opened.profile
        params, free = job.params, free_profile(profile)

        def line(seconds: str | None) -> Any:
            secs = (seconds or "4") if kind == "extend" else params.seconds
            return send_cost_line(estimate(params.model, params.size, secs, profile.models), params.model,
                                  params.size, free, getattr(self, "spending", None))

        return line

    async def _job_remix(self, job: Job) -> None:
        await self._derived(job, "remix")

    async def _job_edit(self, job: Job) -> None:
        await self._derived(job, "edit")

    async def _job_extend(self, job: Job) -> None:
        await self._derived(job, "extend")

    async def _job_download(self, job: Job, variant: str = "video") -> None:
        record = await self.service.download(job, variant)
        if record.made_locally:
            said = _("Saved {path} (made locally from the video: the server did not give it)")
        else:
            said = _("Saved {path}")
        self.notify(said.format(path=record.path), markup=False)

    async def _job_download_variant(self, job: Job) -> None:
        from .screens.modals import ChoiceScreen

        title = _("Download from {job}").format(job=job.short_id)
        variant = await self.push_screen_wait(ChoiceScreen(title, choices(DOWNLOAD_CHOICES)))
        if variant:
            await self._job_download(job, variant)

    async def _job_open(self, job: Job) -> None:
        video = job.file("video")
        if video is None:
            self.notify(_("{job} has no downloaded video yet; press {key} to download it.").format(
                job=job.short_id, key=self._download_key()), severity="warning", markup=False)
            return
        self.notify(await asyncio.to_thread(open_in_player, Path(video.path)), markup=False, timeout=8)

    def _download_key(self) -> str:
        """The table's download key as the keymap has it now, for the advice that names it."""
        from .keymap import bound_key

        return bound_key(self, "job.download", JobList)

    async def _job_copy(self, job: Job) -> None:
        from .screens.modals import ChoiceScreen

        title = _("Copy from {job}").format(job=job.short_id)
        what = await self.push_screen_wait(ChoiceScreen(title, choices(COPY_CHOICES)))
        if what is None:
            return
        if what == "prompt":
            text = job.params.prompt
        elif what == "id":
            if not job.video_id:
                self.notify(_("{job} has no server id (it never reached the server).").format(job=job.short_id),
                            severity="warning", markup=False)
                return
            text = job.video_id
        else:
            video = job.file("video")
            if video is None:
                self.notify(_("{job} has no downloaded video yet; press {key} first.").format(
                    job=job.short_id, key=self._download_key()), severity="warning", markup=False)
                return
            text = video.path
        if await asyncio.to_thread(copy_with_pyperclip, text):
            message = _(COPIED[what])
        else:
            self.copy_to_clipboard(text)
            # The terminal may ignore OSC 52 (tmux needs `set-clipboard on`) and nothing tells us: say so.
            message = _(SENT[what]).format(text=one_line(text, 120))
        self.notify(message, markup=False, timeout=8)

    async def _job_reuse(self, job: Job) -> None:
        self.reuse_in_composer(job)

    async def _job_star(self, job: Job) -> None:
        updated = await self.service.annotate(job, starred=not job.starred)
        said = _("Starred {job}.") if updated.starred else _("Unstarred {job}.")
        self._changed(updated, said.format(job=job.short_id))

    async def _job_note(self, job: Job) -> None:
        from .screens.modals import NoteScreen

        result = await self.push_screen_wait(NoteScreen(job.short_id, job.tags, job.notes))
        if result is None:
            return
        self._changed(await self.service.annotate(job, tags=result.tags, notes=result.notes),
                      _("Saved the note on {job}.").format(job=job.short_id))

    async def _job_delete(self, job: Job) -> None:
        from .screens.modals import ConfirmScreen

        if not job.video_id:
            self.notify(_("{job} never reached the server; there is nothing to delete there.").format(job=job.short_id),
                        severity="warning", markup=False)
            return
        if job.status in (JobStatus.QUEUED, JobStatus.IN_PROGRESS):
            question = _("Delete {job} on the server while it is still running? It may still be billed.")
        else:
            question = _("Delete video {job} on the server? Files you downloaded stay on disk; the history keeps the "
                         "record.")
        confirm = ConfirmScreen(_("Delete on the server"), question.format(job=job.short_id))
        if not await self.push_screen_wait(confirm):
            return
        self._changed(await self.service.delete_remote(job), _("Deleted {job} on the server.").format(job=job.short_id))
