"""Storyboards in the history: one document a board in the `boards` table, written as jobs are (one fsynced
journal line under the lock, no secrets), so a board and the jobs made for it survive the same crashes together.

A job made for a board carries `board_id` and `shot_id` in its extras; the board itself keeps its shots and the
take chosen for each. Finding a board's jobs looks for the board's id in the stored documents' bytes and decodes
only those that hold it: no index is kept for what only a board's commands ask."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import time
from collections.abc import Iterator, Mapping
from typing import Any

import orjson

from ...core.i18n import _
from ...core.job import Job
from .base import BOARDS, JOBS
from .errors import HistoryError
from .writes import Writes


class BoardBusy(HistoryError):
    """Another sora-tui process is running this board now."""


class Boards(Writes):
    """Saving, reading and deleting boards, and the jobs linked to one."""

    def save_board(self, doc: dict[str, Any]) -> dict[str, Any]:
        """Store a board's document (it has a `board_id`) in one durable write, stamped with `updated_at` (and
        `created_at` the first time); fields it does not give are kept from the stored one. The stored document is
        returned."""
        board_id = str(doc["board_id"])
        now = time.time()
        with self._lock.held():
            self._sync()
            old = self._board_doc(board_id)
            stored = {**(old or {}), **doc, "created_at": (old or doc).get("created_at") or now, "updated_at": now}
            stored = self._secret_free(stored)
            self._write_many([(board_id, stored)], BOARDS)
            return stored

    def board(self, board_id: str) -> dict[str, Any] | None:
        """The stored document of the board `board_id`, or None."""
        with self._lock.held():
            self._sync()
            return self._board_doc(board_id)

    def boards(self) -> list[dict[str, Any]]:
        """Every stored board, the one changed last first."""
        with self._lock.held():
            self._sync()
            docs = [orjson.loads(raw) for raw in self._storage.tables.get(BOARDS, {}).values()]
        return sorted((d for d in docs if isinstance(d, dict) and d.get("board_id")),
                      key=lambda d: float(d.get("updated_at") or 0), reverse=True)

    def delete_board(self, board_id: str) -> None:
        """Forget the board (its jobs stay in the history, still naming it)."""
        with self._lock.held():
            self._sync()
            if self._board_doc(board_id) is not None:
                self._write_many([(board_id, None)], BOARDS)

    def board_jobs(self, board_id: str) -> list[Job]:
        """The jobs made for the board `board_id`, the oldest first."""
        needle = b'"board_id":' + orjson.dumps(board_id)
        with self._lock.held():
            self._sync()
            docs: Mapping[str, bytes] = self._storage.tables.get(JOBS, {})
            jobs = [self._job(entry) for entry in self._entries.values() if needle in docs[entry.doc_id]]
        return sorted((j for j in jobs if j.extra.get("board_id") == board_id), key=lambda j: j.created_at)

    @contextlib.contextmanager
    def board_run_lock(self, board_id: str, title: str = "") -> Iterator[None]:
        """Held while a process runs the board `board_id`: a second run of it (another terminal, a resume while it
        runs) is refused with BoardBusy rather than deciding from the same history what to send. Let go when the
        process ends, however it ends."""
        folder = self.path.parent / "board-runs"
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        name = hashlib.sha256(board_id.encode("utf-8", "surrogatepass")).hexdigest()[:24]
        fd = os.open(folder / f"{name}.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise BoardBusy(_("The board {title} is being run by another sora-tui right now; wait for it to "
                                  "finish (nothing is sent twice).").format(title=title or board_id)) from None
            yield
        finally:
            os.close(fd)

    def _board_doc(self, board_id: str) -> dict[str, Any] | None:
        table: Mapping[str, bytes] = self._storage.tables.get(BOARDS, {})
        raw = table.get(board_id)
        if raw is None:
            return None
        doc = orjson.loads(raw)
        return doc if isinstance(doc, dict) else None
