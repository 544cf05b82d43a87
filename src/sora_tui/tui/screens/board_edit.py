"""The storyboard's shots edited: the shot's editor (a new shot or the selected one), copied, deleted and moved.
A change that would break a rule the board kept is refused with the rule's words; every change is saved. A part
of BoardScreen (board.py)."""

from __future__ import annotations

from dataclasses import replace

from textual.widgets import DataTable

from ...core.board import Board, Join, Shot, check_board, new_shot_id
from ...core.i18n import N_, _
from .board_part import BoardPart


class ShotEditing(BoardPart):
    """BoardScreen's editing keys: e/enter, a, d, delete/x, shift+up/down."""


    def _change(self, board: Board, index: int | None, note: str = "") -> None:
        """`board` in place of the board, if it keeps the rules it kept (else the first new problem is said and
        nothing changes); saved, the cursor on `index`."""
        before = {problem.reason for problem in check_board(self.board, self.session.profile.models)}
        new = [p for p in check_board(board, self.session.profile.models) if p.reason not in before]
        if new:
            self.say(new[0].message, "warning")
            return
        self.board = board
        self._show()
        if index is not None:
            self.query_one("#board-shots", DataTable).move_cursor(row=index, animate=False)
        self._work(self._save(board, note), "board-save", N_("save the storyboard"))

    # --- editing ------------------------------------------------------------------------------------------
    def _editor(self, index: int, shot: Shot, adding: bool) -> None:
        from .board_dialogs import ShotEditor

        def check(edited: Shot) -> str | None:
            board = self._with(index, edited, adding)
            problems = check_board(board, self.session.profile.models)
            mine = [p for p in problems if p.shot == index + 1]
            before = {p.reason for p in check_board(self.board, self.session.profile.models)}
            others = [p for p in problems if p.reason not in before]
            found = mine or others
            return found[0].message if found else None

        def done(edited: Shot | None) -> None:
            if edited is None:
                return
            old = None if adding else self.board.shots[index]
            p = None if adding else self._progress_of(index)
            note = ""
            if old is not None and p is not None and p.takes and _changed(old, edited):
                # Its takes are of the shot as it was: the shot as it is now is a new one, to be generated (the old
                # takes stay in the history), as the CLI treats a shot changed in its file.
                edited = replace(edited, shot_id=new_shot_id(), chosen=None)
                note = _("Shot {n} changed: it is to be generated again (its earlier takes stay in the history).")\
                    .format(n=index + 1)
            board = self._with(index, edited, adding)
            self.board = board
            self._show()
            self.query_one("#board-shots", DataTable).move_cursor(row=index, animate=False)
            self._work(self._save(board, note), "board-save", N_("save the storyboard"))

        title = (_("New shot {n}") if adding else _("Shot {n}")).format(n=index + 1)
        self.app.push_screen(ShotEditor(title, shot, self.board.takes, check), done)

    def _with(self, index: int, shot: Shot, adding: bool) -> Board:
        shots = list(self.board.shots)
        if adding:
            shots.insert(index, shot)
        else:
            shots[index] = shot
        return replace(self.board, shots=tuple(shots))

    def action_edit(self) -> None:
        self._drop_question()
        index = self.selected
        if index is None:
            self.action_add()
            return
        self._editor(index, self.board.shots[index], adding=False)

    def action_add(self) -> None:
        self._drop_question()
        index = self.selected
        at = 0 if index is None else index + 1
        join: Join = "cut" if at == 0 else "continue"
        before = self.board.shots[at - 1] if at else None
        shot = Shot(prompt="", join=join, seconds=4 if join == "continue" else (before.seconds if before else 8))
        self._editor(at, shot, adding=True)

    def action_duplicate(self) -> None:
        self._drop_question()
        index = self.selected
        if index is None:
            return
        copy = replace(self.board.shots[index], shot_id=new_shot_id(), chosen=None)
        shots = list(self.board.shots)
        shots.insert(index + 1, copy)
        self._change(replace(self.board, shots=tuple(shots)), index + 1,
                     _("Shot {n} copied as shot {copy}.").format(n=index + 1, copy=index + 2))

    def action_delete(self) -> None:
        self._drop_question()
        index = self.selected
        if index is None:
            return
        from .modals import ConfirmScreen

        def answered(yes: bool | None) -> None:
            if not yes or index >= len(self.board.shots):
                return
            shots = list(self.board.shots)
            del shots[index]
            self._change(replace(self.board, shots=tuple(shots)), max(0, index - 1),
                         _("Shot {n} deleted (its takes stay in the history).").format(n=index + 1))

        self.app.push_screen(ConfirmScreen(_("Delete shot {n}").format(n=index + 1),
                                           _("Delete shot {n} from the board? Its takes stay in the history.").format(
                                               n=index + 1)), answered)

    def action_move(self, delta: int) -> None:
        self._drop_question()
        index = self.selected
        if index is None or not 0 <= index + delta < len(self.board.shots):
            return
        shots = list(self.board.shots)
        shots[index], shots[index + delta] = shots[index + delta], shots[index]
        self._change(replace(self.board, shots=tuple(shots)), index + delta)



def _changed(old: Shot, new: Shot) -> bool:
    """What the takes were made from changed (a shot's number of takes is not that)."""
    return (old.prompt, old.seconds, old.join, old.dissolve_frames, old.image, old.character) != (
        new.prompt, new.seconds, new.join, new.dissolve_frames, new.image, new.character)
