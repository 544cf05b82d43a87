"""Writing jobs: adding (each named with a short id no other job has), changing, deleting, every change one
fsynced journal write; and the schema: a history written by a newer sora-tui is never changed."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from typing import Any

import orjson

from ...core.i18n import _
from ...core.job import SCHEMA_VERSION, Job
from ...core.redact import needs_scrub, scrub
from .base import JOBS, META
from .errors import HistoryError, HistoryWriteError
from .index import _Entry
from .recovery import Recovery

log = logging.getLogger(__name__)


class Writes(Recovery):
    """Every change to the history's jobs, under the lock, caught up with other processes' writes first."""

    # --- the schema: a history written by a newer sora-tui is read, never changed ---------------------
    @property
    def schema_version(self) -> int:
        with self._lock.held():
            docs = self._meta.all()
            return int(docs[0].get("schema", SCHEMA_VERSION)) if docs else SCHEMA_VERSION

    def _check_schema(self, write: bool) -> None:
        docs = self._meta.all()
        stored = int(docs[0].get("schema", 0)) if docs else None
        if stored is not None and stored > SCHEMA_VERSION:
            raise HistoryError(
                _("{path} was written by a newer sora-tui (history schema {stored}, this one knows {known}). Upgrade "
                  "sora-tui; the file was not changed.").format(path=self.path, stored=stored, known=SCHEMA_VERSION)
            )
        if write and stored != SCHEMA_VERSION:
            self._meta.truncate()
            self._meta.insert({"schema": SCHEMA_VERSION, "created": time.time()})

    # --- writing ----------------------------------------------------------------------------------
    @staticmethod
    def _secret_free(doc: dict[str, Any]) -> dict[str, Any]:
        """The document as it may be stored: no key this process knows (a server may echo one in an error), no
        key-shaped token, no value in a field named like a secret. Redacted, never refused: a prompt that says
        "secret" or a server's "Authorization failed…" is ordinary text, and refusing it stopped tracking."""
        return scrub(doc) if needs_scrub(orjson.dumps(doc)) else doc

    def _write(self, doc_id: str, doc: dict[str, Any] | None) -> None:
        self._write_many([(doc_id, doc)])

    def _write_many(self, changes: list[tuple[str, dict[str, Any] | None]], table: str = JOBS) -> None:
        self._check_schema_unchanged()
        try:
            self._storage.append_many(table, changes)
        except OSError as exc:
            raise HistoryWriteError(
                _("The history in {folder} cannot be written ({reason}); the change was not saved. Free some space "
                  "there, or set SORA_TUI_HOME to another directory.").format(folder=self.path.parent,
                                                                            reason=exc.strerror or exc)) from None
        self._sync()
        if self._storage.needs_compaction():
            try:
                self._storage.compact()
            except OSError as exc:  # the change itself is durable in the journal; folding it waits for space
                log.warning("compaction of %s put off: %s", self.path, exc)
                return
            self._backup()
            self._sync()
            self._save_index_cache()

    def _check_schema_unchanged(self) -> None:
        meta: Mapping[str, bytes] = self._storage.tables.get(META, {})
        for raw in meta.values():
            stored = int(orjson.loads(raw).get("schema", 0))
            if stored > SCHEMA_VERSION:
                raise HistoryError(_("{path} was written by a newer sora-tui (history schema {stored}); this one "
                                     "will not change it.").format(path=self.path, stored=stored))

    def add(self, job: Job) -> None:
        """Store a new job, naming it: its short id (set on `job` too) is chosen here, under the lock, so that
        no other job in the history, whichever process added it, has it."""
        self.add_many([job])

    def add_many(self, jobs: list[Job], admit: Callable[[list[_Entry]], None] | None = None) -> None:
        """Store new jobs together (one write), after `admit` (a budget check) has seen every job in the history,
        whichever process wrote it, and not raised. Both under the lock: two processes cannot both pass a check
        that allows only one of them, and a refused submission writes nothing."""
        docs = [self._secret_free(job.to_doc()) for job in jobs]
        with self._lock.held():
            self._sync()
            for job in jobs:
                if job.local_id in self._entries:
                    raise HistoryError(_("Job {id} is already in the history.").format(id=job.local_id))
            if admit is not None:
                admit(list(self._entries.values()))
            changes: list[tuple[str, dict[str, Any] | None]] = []
            names: set[str] = set()
            for n, (job, doc) in enumerate(zip(jobs, docs, strict=True)):
                name = self._free_short_id(job.local_id, taken=names)
                names.add(name)
                doc["short_id"] = job.short_id = name
                changes.append((str(self._next_id + n), doc))
            self._write_many(changes)

    def mutate(self, local_id: str, fn: Callable[[Job], None]) -> Job:
        with self._lock.held():
            self._sync()
            entry = self._entries.get(local_id)
            if entry is None:
                raise KeyError(local_id)
            job, doc = self._edited(entry, fn, time.time())
            self._write(entry.doc_id, doc)
            return job

    def mutate_many(self, fns: Mapping[str, Callable[[Job], bool]]) -> dict[str, Job]:
        """Several jobs changed together (one journal write, one fsync), each by its own function given the job as
        it stands now, under the lock: what another process wrote meanwhile is changed, never overwritten. A
        function that returns False changed nothing, and its job is neither written nor in the answer; so are jobs
        no longer in the history. The answer is in the order of `fns`."""
        with self._lock.held():
            self._sync()
            now = time.time()
            changed: dict[str, Job] = {}
            changes: list[tuple[str, dict[str, Any] | None]] = []
            for local_id, fn in fns.items():
                entry = self._entries.get(local_id)
                if entry is None:
                    continue
                job = self._job(entry)
                if not fn(job):
                    continue
                changed[local_id], doc = self._stamped(job, now)
                changes.append((entry.doc_id, doc))
            if changes:
                self._write_many(changes)
            return changed

    def update(self, local_id: str, **fields: Any) -> Job:
        updated = self.update_many({local_id: fields})
        if local_id not in updated:
            raise KeyError(local_id)
        return updated[local_id]

    def update_many(self, fields_by_job: dict[str, dict[str, Any]]) -> dict[str, Job]:
        """Several jobs' updates made durable together (one journal write, one fsync). Jobs no longer in the
        history (deleted meanwhile, by another process) are left out of the answer rather than failing the rest."""
        for fields in fields_by_job.values():
            unknown = [k for k in fields if k not in Job.__dataclass_fields__]
            if unknown:
                raise HistoryError(_("Unknown job field(s): {fields}").format(fields=", ".join(unknown)))

        def setter(fields: dict[str, Any]) -> Callable[[Job], bool]:
            def apply(job: Job) -> bool:
                for key, value in fields.items():
                    setattr(job, key, value)
                return True
            return apply

        return self.mutate_many({local_id: setter(fields) for local_id, fields in fields_by_job.items()})

    def _edited(self, entry: _Entry, fn: Callable[[Job], None], now: float) -> tuple[Job, dict[str, Any]]:
        """The entry's job changed by fn, stamped, and the document to store (without secrets)."""
        job = self._job(entry)
        fn(job)
        return self._stamped(job, now)

    def _stamped(self, job: Job, now: float) -> tuple[Job, dict[str, Any]]:
        """The changed job stamped, and the document to store (without secrets)."""
        job.updated_at = now
        whole = job.to_doc()
        doc = self._secret_free(whole)
        if doc is not whole:
            job = Job.from_doc(doc)  # what the caller goes on with is what was stored
        return job, doc

    def delete(self, local_id: str) -> None:
        with self._lock.held():
            self._sync()
            entry = self._entries.get(local_id)
            if entry is None:
                raise KeyError(local_id)
            self._write(entry.doc_id, None)
