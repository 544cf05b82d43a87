"""What the interfaces may read of the history, as a narrow typed interface. The TUI and the CLI never hold the
history itself (its writes, its recovery, its index are the service's and the store's business): a session hands
them this view of it, `Session.history`, which works without a server too (a history browsed offline).

A Protocol, not a wrapper: the history answers these itself, with no call in between on paths benchmarked at
100,000 jobs, and mypy checks that it does (Session.history is typed as this and returns the store)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

    from ..core.job import Job
    from ..core.ledger import Row
    from ..store.history.queries import SearchResult


class HistoryReads(Protocol):
    @property
    def recovery_note(self) -> str | None:
        """What the user is told about a recovery of the history as it opened (None when there was none)."""

    def get(self, local_id: str) -> Job | None: ...

    def get_many(self, local_ids: Iterable[str]) -> list[Job]: ...

    def resolve(self, ref: str) -> Job:
        """A job by short id, server id or local id, or an unambiguous prefix (HistoryError when none or several)."""

    def query(self, **filters: Any) -> list[Job]: ...

    def search(self, *, status: str | Iterable[str] | None = None, text: str | None = None, model: str | None = None,
               starred: bool | None = None, kept: bool | None = None, profile: str | None = None,
               group_id: str | None = None,
               since: float | None = None, until: float | None = None, sort: str = "created_at",
               descending: bool = True, limit: int | None = None, decode: int | None = None) -> SearchResult: ...

    def prepare_search(self) -> None: ...

    def scan_on(self, pieces_at_once: int = 4) -> bool: ...

    def facets(self) -> dict[str, list[str]]: ...

    def lineage(self, local_id: str) -> tuple[list[Job], list[tuple[int, Job]]]: ...

    def video_ids(self) -> set[str]: ...

    def spending(self) -> Sequence[Row]: ...

    def boards(self) -> list[dict[str, Any]]: ...

    def board(self, board_id: str) -> dict[str, Any] | None: ...

    def board_jobs(self, board_id: str) -> list[Job]: ...

    def board_run_lock(self, board_id: str, title: str = "") -> AbstractContextManager[None]: ...
