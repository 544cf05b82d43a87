"""What the parts of BoardScreen (board_edit.py, board_send.py) are typed as: the screen they are mixed into, and
what of it they use (board.py has it all)."""

from __future__ import annotations

from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any

from ...core.board import Board
from ...core.board_run import ShotProgress

if TYPE_CHECKING:
    from ...session import Session

# Type-checked as the screen it is mixed into; at run time a plain class (a second Screen base would not do).
if TYPE_CHECKING:
    from textual.screen import Screen as _Screen
else:
    _Screen = object


class BoardPart(_Screen):  # type: ignore[misc,valid-type]
    """A part of BoardScreen: what it reads and calls of the whole."""

    board: Board
    shots: list[ShotProgress]

    if TYPE_CHECKING:
        @property
        def session(self) -> Session: ...
        @property
        def selected(self) -> int | None: ...
        def say(self, message: str, severity: str = "information") -> None: ...
        def _show(self) -> None: ...
        def _progress_of(self, index: int) -> ShotProgress | None: ...
        def _work(self, job: Coroutine[Any, Any, None], group: str, description: str) -> None: ...
        async def _save(self, board: Board, note: str = "") -> None: ...
        def _drop_question(self) -> None: ...
        def step(self, again: bool = False) -> None: ...
