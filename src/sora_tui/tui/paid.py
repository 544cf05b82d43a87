"""Paid sends ask first: on a priced profile, retry and takes say on the status line what they would send and what
it costs, and only a second press of the same key (or enter) sends. A room of SoraApp, under JobActions.

Remix, edit and extend ask in their own dialog, which is their second step (JobActions._derived); the budget is
checked before the question is asked, so no question is asked for a send the budget would refuse.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textual import events
from textual.binding import Binding

from ..core.cost import estimate, price_text
from ..core.i18n import N_, _, ngettext
from .base import WorkbenchBase
from .textual_fence import remapped_keys
from .widgets.job_list import JobList

if TYPE_CHECKING:  # only named in annotations: core.job loads with the history, after the first frame
    from ..core.job import Job

# Job actions that send a paid job on their key alone. Remix, edit and extend ask for their prompt in a dialog
# first, and send only from it: that dialog is their second step.
PAID = frozenset({"retry", "variations"})
# The key that asks for each (a second press of it sends): the table's binding, whatever keymap renames it.
PAID_KEYS = {"retry": "job.retry", "variations": "job.variations"}
# How a paid action is confirmed on a priced profile. A second key, not a countdown: a variation loop ("r r",
# "v v") stays as fast as the hands, where a countdown would make every send wait out its seconds (or need a key
# to skip it anyway). The line says what is sent and what it costs before anything is.
CONFIRM_SECONDS = 8.0  # an unanswered question goes away: enter pressed much later means the table's enter
BURST = 0.3  # keys closer than this are typing, not one deliberate press each
CONFIRM_ENV = "SORA_TUI_CONFIRM_PAID"  # "0"/"off"/"no"/"false" turns the question off, whatever ui.json says


def priced(profile: Any) -> bool:
    """Whether sending on this profile costs money: a price per second above zero for one of its models. The
    built-in local engine is free whatever the model table it shares with the real service says."""
    if profile is None or (profile.is_local and profile.source == "built in"):
        return False
    return any(price > 0 for spec in profile.models.values() for price in spec.price_per_second.values())


def confirm_env() -> bool | None:
    """What SORA_TUI_CONFIRM_PAID says (None: not set, or not a yes or a no)."""
    value = os.environ.get(CONFIRM_ENV, "").strip().lower()
    if value in ("0", "off", "no", "false"):
        return False
    if value in ("1", "on", "yes", "true"):
        return True
    return None


@dataclass
class PaidQuestion:
    """A paid send waiting for its second key (see PaidQuestions.ask_to_pay)."""

    keys: tuple[str, ...]  # the keys that send (the one that asked, again; enter too)
    send: Callable[[], object]
    line: Any  # the question on the status line
    typed: str | None  # the character of the key that asked: put in the prompt if it turns out to be typing
    at: float
    timer: Any = None


class PaidQuestions(WorkbenchBase):
    """A room of SoraApp, under JobActions: a paid send asks first."""

    _paid_question: PaidQuestion | None = None
    _paid_covered: Any = ""  # the status line the question covered
    _preferences: dict[str, Any]

    # --- paid sends ask first ----------------------------------------------------------------------------
    @property
    def confirm_paid(self) -> bool:
        """Whether a paid send asks first: SORA_TUI_CONFIRM_PAID, else the remembered setting (on by default)."""
        forced = confirm_env()
        if forced is not None:
            return forced
        return bool(getattr(self, "_preferences", {}).get("confirm_paid", True))

    def paid_needs_asking(self) -> bool:
        session = self.session
        return self.confirm_paid and session is not None and priced(session.profile)

    def action_toggle_confirm_paid(self) -> None:
        """Paid sends ask first, or not; remembered in ui.json (unless the environment decides)."""
        from . import preferences

        if confirm_env() is not None:
            self.notify(_("{variable}={value} decides this; unset it to choose here.").format(
                variable=CONFIRM_ENV, value=os.environ.get(CONFIRM_ENV, "")), severity="warning", markup=False)
            return
        on = not self.confirm_paid
        self._preferences = {**getattr(self, "_preferences", {}), "confirm_paid": on}
        self.run_worker(lambda: preferences.save(confirm_paid=on), thread=True, exit_on_error=False,
                        group="preferences", description=N_("save the setting"))
        self.notify(_("Paid sends ask first (a second key) on a priced profile.") if on else
                    _("Paid sends go on their first key, without asking."), markup=False)

    def ask_to_pay(self, line: str, key: str, send: Callable[[], object]) -> None:
        """Say on the status line what `send` would send and cost; the same key again or enter sends, anything
        else (escape, another key, or nothing for a few seconds) sends nothing."""
        from rich.text import Text

        self.drop_paid_question()
        text = Text(line, style="bold yellow")
        typed = key if len(key) == 1 and key.isprintable() else None
        question = PaidQuestion(tuple(dict.fromkeys((key, "enter"))), send, text, typed, time.monotonic())
        question.timer = self.set_timer(CONFIRM_SECONDS, lambda: self._paid_timed_out(question))
        self._paid_question = question
        self._paid_status(text)

    def _paid_timed_out(self, question: PaidQuestion) -> None:
        if self._paid_question is question:
            self.drop_paid_question()

    def drop_paid_question(self) -> PaidQuestion | None:
        """Forget the question (nothing is sent), and take it off the status line."""
        question, self._paid_question = self._paid_question, None
        if question is not None:
            if question.timer is not None:
                question.timer.stop()
            self._paid_status(None, question.line)
        return question

    def status_covered(self, text: Any) -> bool:
        """A paid send's question is on the status line: `text` waits under it and comes back after it (True);
        otherwise False, and the line is the caller's to show."""
        if self._paid_question is None:
            return False
        self._paid_covered = text
        return True

    def _paid_status(self, text: Any, asked: Any = None) -> None:
        """The question on the workbench's status line (the line it covered comes back after), or as a toast
        where the workbench is not on screen."""
        from textual.css.query import NoMatches
        from textual.widgets import Static

        main = getattr(self, "main", None)
        if main is None:
            return
        try:
            status = main.query_one("#status-line", Static)
        except NoMatches:  # the workbench is not composed (yet, or any more)
            return
        if text is not None:
            self._paid_covered = status.content
            status.update(text, layout=False)
            if self.screen is not main:
                self.notify(text.plain, markup=False, timeout=CONFIRM_SECONDS)
        elif status.content is asked:  # not over a newer line
            status.update(self._paid_covered, layout=False)

    async def on_event(self, event: events.Event) -> None:
        """A key while a paid send waits for its answer goes to that question first, whatever has the focus."""
        question = self._paid_question
        if (question is not None and not event.is_forwarded and isinstance(event, events.Key)
                and self._answer(question, event)):
            return
        await super().on_event(event)

    def _answer(self, question: PaidQuestion, event: Any) -> bool:
        """True when the key was the answer (send or cancel); any other key cancels and goes on as itself."""
        self.drop_paid_question()
        if event.key in question.keys:
            question.send()
            return True
        if event.key == "escape":
            self._paid_status_said(_("Not sent."))
            return True
        if (question.typed and event.is_printable and time.monotonic() - question.at < BURST
                and self.screen is getattr(self, "main", None)):
            # typing meant for the prompt that began with the key that asked: both letters go there
            self.main.type_into_composer(question.typed + event.character)
            return True
        return False

    def _paid_status_said(self, message: str) -> None:
        self.notify(message, markup=False, timeout=3)

    async def _within_budget(self, action: str, job: Job) -> bool:
        """Whether the budget lets this paid action through now; if not, the dialog says so at once (no question
        is asked for a send the budget would refuse)."""
        from ..service.jobs import BudgetRefused

        try:
            await asyncio.to_thread(self.service.check_budget, job.params, 2 if action == "variations" else 1,
                                    kind=job.kind, extension_seconds=job.extra.get("extension_seconds"))
        except BudgetRefused as exc:
            self.show_over_budget(exc.over)
            return False
        return True

    def _ask_for(self, action: str, job: Job) -> None:
        """The question for a paid job action: what would be sent, and its price."""
        params = job.params
        seconds = job.extra.get("extension_seconds") if job.kind == "extend" else params.seconds
        one = estimate(params.model, params.size, seconds or params.seconds, self.opened.profile.models)
        two = estimate(params.model, params.size, seconds or params.seconds, self.opened.profile.models, 2)
        key = self._key_of(PAID_KEYS[action])
        from .keymap import key_shown

        fields = {"job": job.short_id, "model": params.model, "size": params.size, "seconds": seconds or params.seconds,
                  "key": key_shown(key)}  # as the help writes it ("?", not question_mark)
        if action == "retry":
            line = _("Retry {job}: {model} {size} {seconds}s, {cost}? {key}/enter sends, esc cancels").format(
                cost=price_text(one), **fields)
        else:
            # one line at 80 columns, in either language: what, its price, and the keys that answer
            line = ngettext("{n} take of {job}: {model} {size} {seconds}s, {cost}? {key}/enter sends, esc cancels",
                            "{n} takes of {job}: {model} {size} {seconds}s, {cost}? {key}/enter sends, esc cancels",
                            2).format(n=2, cost=price_text(two),
                                                            **fields)
        local_id = job.local_id
        self.ask_to_pay(line, key, lambda: self._job_action(action, local_id, False, True))

    def _key_of(self, binding_id: str) -> str:
        """The key a binding is on now (a keymap may move it)."""
        keys = remapped_keys(self, binding_id)
        if keys:
            return keys.split(",")[0].strip()
        for binding in JobList.BINDINGS:
            if isinstance(binding, Binding) and binding.id == binding_id:
                return binding.key
        return ""
