"""The storyboard's shots sent and their takes chosen: g (the selected shot), G (the run), t (more takes), c (the
take). On a priced profile a send first says what it sends and costs, and the same key again sends; a shot with
takes in flight or chosen is never sent again by g or G. A part of BoardScreen (board.py)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ...core.board_run import ShotProgress, sendable
from ...core.i18n import N_, _, ngettext
from ..keymap import screen_keys
from ..messages import JobChanged
from .board_part import BoardPart
from .board_pick import save_board

if TYPE_CHECKING:
    from ...core.job import Job

CONFIRM_SECONDS = 8.0  # a paid question unanswered this long is forgotten (as the workbench's)


class ShotSending(BoardPart):
    """BoardScreen's sending and choosing keys."""

    _asked: tuple[str, float, Callable[[], Any]] | None
    _sending: set[str]
    running: bool

    def _connected(self) -> bool:
        from ..base import workbench

        return workbench(self).connected_or_say()

    def _selected_to_send(self) -> ShotProgress | None:
        """The selected shot's progress, when there is one and the server is there to send it to (else said)."""
        index = self.selected
        if index is None or not self._connected():
            return None
        return self._progress_of(index)

    def _drop_question(self) -> None:
        self._asked = None

    def _paid(self, action: str, line: Callable[[], str], cost: Any, send: Callable[[], None]) -> None:
        """Send at once on a free profile. On a priced one, the first press says what would be sent and what it
        costs (or, at once, that the budget would refuse it); the same key again within a few seconds sends."""
        asked, self._asked = self._asked, None
        if asked is not None and asked[0] == action and time.monotonic() - asked[1] < CONFIRM_SECONDS:
            send()
            return
        if not getattr(self.app, "paid_needs_asking", lambda: False)():
            send()
            return

        async def ask() -> None:
            service = self.session.service
            assert service is not None
            await asyncio.to_thread(service.check_plan, cost)  # BudgetRefused: said at once, nothing asked
            self._asked = (action, time.monotonic(), send)
            self.say(line(), "warning")

        self._work(ask(), "board-ask", N_("check the budget"))

    def _question(self, what: str, count: int, cost: Any, action: str) -> str:
        from ...core.cost import price_text

        key = screen_keys(self, "board")[action.split(".", 1)[1]]
        return ngettext("{what}: {n} take, {cost}? {key} again sends, esc cancels",
                        "{what}: {n} takes, {cost}? {key} again sends, esc cancels", count).format(
            what=what, n=count, cost=price_text(cost), key=key)

    def action_generate(self) -> None:
        p = self._selected_to_send()
        if p is None:
            return
        shot_id = p.shot.shot_id
        if shot_id in self._sending or p.state in ("generating", "ready", "chosen"):
            key = screen_keys(self, "board")["takes"]
            self.say(_("Shot {n} has takes already; {takes} generates more of it.").format(n=p.number, takes=key),
                     "warning")
            return
        if p.state == "waiting":
            self.say(_("Shot {n} continues shot {before}, which has no chosen take yet; choose one first.").format(
                n=p.number, before=p.number - 1), "warning")
            return
        cost = self.session.service.plan_cost(self.board, [p], again=True)  # type: ignore[union-attr]
        count = self.board.takes_for(p.shot)
        self._paid("board.generate", lambda: self._question(_("Shot {n}").format(n=p.number), count, cost,
                                                             "board.generate"),
                   cost, lambda: self._send(p, None))

    def action_takes(self) -> None:
        p = self._selected_to_send()
        if p is None:
            return
        if p.busy or p.shot.shot_id in self._sending:
            self.say(_("Shot {n} is being generated; wait for its takes.").format(n=p.number), "warning")
            return
        if p.state == "waiting":
            self.say(_("Shot {n} continues shot {before}, which has no chosen take yet; choose one first.").format(
                n=p.number, before=p.number - 1), "warning")
            return
        from ...core.board import MAX_TAKES
        from ...core.cost import estimate
        from .board_dialogs import AskScreen, whole_number

        def given(value: str | None) -> None:
            if value is None:
                return
            n = int(value.strip())
            cost = estimate(self.board.model, self.board.size, p.shot.seconds, self.session.profile.models, n)
            self._paid("board.takes", lambda: self._question(_("More of shot {n}").format(n=p.number), n, cost,
                                                              "board.takes"),
                       cost, lambda: self._send(p, n))

        self.app.push_screen(AskScreen(_("More takes of shot {n}").format(n=p.number),
                                       _("How many takes (1-{max})?").format(max=MAX_TAKES), "2",
                                       check=whole_number(1, MAX_TAKES)), given)

    def _send(self, p: ShotProgress, takes: int | None) -> None:
        shot_id = p.shot.shot_id
        if shot_id in self._sending:
            return
        self._sending.add(shot_id)

        async def send() -> None:
            session = self.session
            service = session.service
            assert service is not None
            try:
                with session.history.board_run_lock(self.board.board_id, self.board.title):
                    shots = await asyncio.to_thread(service.board_progress, self.board)
                    now = next((s for s in shots if s.shot.shot_id == shot_id), None)
                    if now is None or (takes is None and shot_id not in
                                       {s.shot.shot_id for s in sendable(shots, again=True)}):
                        return  # it went meanwhile (another press, the run): never twice
                    jobs = await service.send_shot(self.board, shots, now, takes=takes)
            finally:
                self._sending.discard(shot_id)
            for job in jobs:
                self.app.post_message(JobChanged(job))
            self.say(ngettext("Shot {n}: {count} take sent.", "Shot {n}: {count} takes sent.", len(jobs)).format(
                n=now.number, count=len(jobs)))
            self.step()

        self._work(send(), "board-send", N_("send the shot"))

    def action_generate_all(self) -> None:
        if not self.board.shots or not self._connected():
            return
        wanted = [p for p in self.shots if p.state in ("draft", "waiting", "failed")]
        if not wanted:
            self.running = True
            self.step()
            return
        service = self.session.service
        assert service is not None
        cost = service.plan_cost(self.board, self.shots, again=True)
        count = sum(self.board.takes_for(p.shot) for p in wanted)

        def start() -> None:
            self.running = True
            self.step(again=True)

        self._paid("board.generate_all", lambda: self._question(ngettext("{n} shot", "{n} shots", len(wanted)).format(
            n=len(wanted)), count, cost, "board.generate_all"), cost, start)

    # --- choosing -----------------------------------------------------------------------------------------
    def action_choose(self) -> None:
        self._drop_question()
        index = self.selected
        p = None if index is None else self._progress_of(index)
        if p is None:
            return
        usable = list(p.usable)
        if not usable:
            self.say(_("Shot {n} has no take to choose yet.").format(n=p.number), "warning")
            return
        if len(usable) == 1:
            self._choose(p, usable[0])
            return
        from .compare import MAX_TAKES, CompareScreen

        if len(usable) > MAX_TAKES:
            self.notify(_("The newest {n} takes are compared.").format(n=MAX_TAKES), markup=False)
            usable = usable[-MAX_TAKES:]
        self.app.push_screen(CompareScreen(usable, on_pick=lambda job: self._choose(p, job)))

    def _choose(self, p: ShotProgress, job: Job) -> None:
        if not any(s.shot_id == p.shot.shot_id for s in self.board.shots):
            return  # deleted meanwhile
        board = self.board = self.board.choose(p.shot.shot_id, job.local_id)  # the screen's now: a step sees it
        self._show()

        async def choose() -> None:
            await save_board(self.session, board, self.app)
            self.say(_("Shot {n}: take {take} chosen.").format(n=p.number, take=job.short_id))
            self.step()

        self._work(choose(), "board-choose", N_("choose the take"))

    # --- the film -----------------------------------------------------------------------------------------
