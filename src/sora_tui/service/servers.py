"""What the interfaces (the TUI and the CLI) use of the layers under the service, named here so that they need no
import of those layers: the error a server's answer becomes, the error of a history that cannot be used (and of a
board another process is running), the check
of what a server offers, and the cameo characters kept on this machine. The interfaces import nothing under the service and the session themselves
(the contracts in pyproject.toml hold them to it); where the service offers a thing, it is from here."""

from __future__ import annotations

from pathlib import Path

from ..backend.capabilities import CheckResult, check_profile, operation_names
from ..backend.errors import BackendError
from ..store.characters import CharacterBook
from ..store.history import HistoryError
from ..store.history.boards import BoardBusy

__all__ = ["BackendError", "BoardBusy", "CharacterBook", "CheckResult", "HistoryError", "character_book", "check_profile",
           "operation_names"]


def character_book(home: Path) -> CharacterBook:
    """The characters created from this machine (their server ids by name), kept beside the history in `home`."""
    return CharacterBook(home / "characters.json")
