"""HistoryStore: every job ever made, durable on disk over TinyDB, safe across threads, processes and crashes."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import time
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from tinydb import TinyDB

from ..core.job import SCHEMA_VERSION, Job
from ..core.status import ACTIVE, JobStatus
from ..core.text import one_line
from .storage import AtomicJSONStorage, CorruptHistory, HistoryLock, remove_stale_temps, stat_key

JOBS = "jobs"
META = "meta"
BACKUP_EVERY = 50
_FORBIDDEN_FIELDS = ("api_key", "authorization", "secret")


class HistoryError(Exception):
    """The history cannot be used as asked; the message says why and what to do."""


class JobNotFound(LookupError):
    def __init__(self, ref: str) -> None:
        super().__init__(f"No job matches {one_line(ref, 80)!r}; `sora-tui jobs` lists the ids.")
        self.ref = ref


class AmbiguousJob(LookupError):
    def __init__(self, ref: str, candidates: list[Job]) -> None:
        lines = [f"  {j.video_id or j.local_id}  {one_line(j.params.prompt, 50)}" for j in candidates[:5]]
        more = f"\n  … and {len(candidates) - 5} more" if len(candidates) > 5 else ""
        super().__init__(f"{one_line(ref, 80)!r} matches {len(candidates)} jobs; give more of the id:\n" + "\n".join(lines) + more)
        self.ref = ref
        self.candidates = candidates


class HistoryStore:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.recovery_note: str | None = None
        self._lock = HistoryLock(self.path.with_name(self.path.name + ".lock"))
        self._storage = AtomicJSONStorage(self.path)
        with self._lock.held():
            remove_stale_temps(self.path)
            self._recover_if_damaged()
            self._db = TinyDB(storage=_Adapter, adapter=self._storage)
            self._jobs = self._db.table(JOBS, cache_size=0)
            self._meta = self._db.table(META, cache_size=0)
            self._check_schema(write=True)
            self._backup()

    # --- opening, recovery, schema --------------------------------------------------------------
    def _recover_if_damaged(self) -> None:
        try:
            self._storage.read()
            return
        except CorruptHistory as exc:
            damage = str(exc)
        kept = self.path.with_name(f"{self.path.name}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}")
        os.replace(self.path, kept)
        backup = self._backup_path
        restored = False
        if backup.exists():
            try:
                json.loads(backup.read_text(encoding="utf-8"))
                shutil.copyfile(backup, self.path)
                restored = True
            except (OSError, ValueError):
                restored = False
        if restored:
            self.recovery_note = (
                f"The history file was damaged ({damage}). It was kept as {kept.name} and the backup "
                f"{backup.name} was restored; jobs changed since that backup may be missing."
            )
        else:
            self.recovery_note = (
                f"The history file was damaged ({damage}) and no usable backup exists. It was kept as "
                f"{kept} and a new, empty history was started."
            )

    @property
    def _backup_path(self) -> Path:
        return self.path.with_name(self.path.name + ".bak")

    def _backup(self) -> None:
        if not self.path.exists():
            return
        tmp = self._backup_path.with_name(self._backup_path.name + ".tmp")
        try:
            shutil.copyfile(self.path, tmp)
            os.replace(tmp, self._backup_path)
        except OSError:
            pass  # a backup is a convenience; never fail a write because of it

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
                f"{self.path} was written by a newer sora-tui (history schema {stored}, this one knows "
                f"{SCHEMA_VERSION}). Upgrade sora-tui; the file was not changed."
            )
        if write and stored != SCHEMA_VERSION:
            self._meta.truncate()
            self._meta.insert({"schema": SCHEMA_VERSION, "created": time.time()})

    # --- internals --------------------------------------------------------------------------------
    def _docs(self) -> list[dict[str, Any]]:
        return list(self._jobs.all())

    def _find_doc_id(self, local_id: str) -> int | None:
        for doc in self._jobs.all():
            if doc.get("local_id") == local_id:
                return doc.doc_id
        return None

    def _write_guard(self) -> None:
        self._check_schema(write=False)
        self._jobs._next_id = None  # another process may have inserted since: never trust the cached id

    @staticmethod
    def _check_secret_free(doc: dict[str, Any]) -> None:
        text = json.dumps(doc).lower()
        for word in _FORBIDDEN_FIELDS:
            if f'"{word}' in text:
                raise HistoryError(f"Refusing to store a field named like {word!r} in the history.")

    def _after_write(self) -> None:
        if self._storage.writes % BACKUP_EVERY == 0:
            self._backup()

    # --- writing ----------------------------------------------------------------------------------
    def add(self, job: Job) -> None:
        doc = job.to_doc()
        self._check_secret_free(doc)
        with self._lock.held():
            self._write_guard()
            if self._find_doc_id(job.local_id) is not None:
                raise HistoryError(f"Job {job.local_id} is already in the history.")
            self._jobs.insert(doc)
            self._after_write()

    def mutate(self, local_id: str, fn: Callable[[Job], None]) -> Job:
        with self._lock.held():
            self._write_guard()
            doc_id = self._find_doc_id(local_id)
            if doc_id is None:
                raise KeyError(local_id)
            job = Job.from_doc(dict(self._jobs.get(doc_id=doc_id)))  # type: ignore[arg-type]
            fn(job)
            job.updated_at = time.time()
            doc = job.to_doc()
            self._check_secret_free(doc)
            self._jobs.update(doc, doc_ids=[doc_id])
            self._after_write()
            return job

    def update(self, local_id: str, **fields: Any) -> Job:
        unknown = [k for k in fields if k not in Job.__dataclass_fields__]
        if unknown:
            raise HistoryError(f"Unknown job field(s): {', '.join(unknown)}")

        def apply(job: Job) -> None:
            for key, value in fields.items():
                setattr(job, key, value)

        return self.mutate(local_id, apply)

    def delete(self, local_id: str) -> None:
        with self._lock.held():
            self._write_guard()
            doc_id = self._find_doc_id(local_id)
            if doc_id is None:
                raise KeyError(local_id)
            self._jobs.remove(doc_ids=[doc_id])
            self._after_write()

    # --- reading ----------------------------------------------------------------------------------
    def all(self) -> list[Job]:
        with self._lock.held():
            jobs = [Job.from_doc(dict(d)) for d in self._docs()]
        jobs.sort(key=lambda j: j.created_at, reverse=True)
        return jobs

    def get(self, local_id: str) -> Job | None:
        with self._lock.held():
            for doc in self._docs():
                if doc.get("local_id") == local_id:
                    return Job.from_doc(dict(doc))
        return None

    def by_video_id(self, video_id: str) -> Job | None:
        with self._lock.held():
            for doc in self._docs():
                if doc.get("video_id") == video_id:
                    return Job.from_doc(dict(doc))
        return None

    def resolve(self, ref: str) -> Job:
        """A job by server id or local id, whole or an unambiguous prefix (exact matches win)."""
        ref = (ref or "").strip()
        if not ref:
            raise JobNotFound(ref)
        jobs = self.all()
        exact = [j for j in jobs if ref in (j.video_id, j.local_id)]
        if len(exact) == 1:
            return exact[0]
        found = exact or [j for j in jobs if (j.video_id or "").startswith(ref) or j.local_id.startswith(ref)]
        if not found:
            raise JobNotFound(ref)
        if len(found) > 1:
            raise AmbiguousJob(ref, found)
        return found[0]

    def active(self) -> list[Job]:
        return [j for j in self.all() if j.status in ACTIVE or j.status == JobStatus.UNCERTAIN]

    def children(self, local_id: str) -> list[Job]:
        return [j for j in self.all() if j.parent_id == local_id]

    def query(
        self,
        *,
        status: str | Iterable[str] | None = None,
        text: str | None = None,
        model: str | None = None,
        starred: bool | None = None,
        profile: str | None = None,
        group_id: str | None = None,
        since: float | None = None,
        until: float | None = None,
        sort: str = "created_at",
        descending: bool = True,
        limit: int | None = None,
    ) -> list[Job]:
        statuses = {status} if isinstance(status, str) else (set(status) if status is not None else None)
        needle = text.casefold() if text else None
        out = []
        for job in self.all():
            if statuses is not None and job.status.value not in statuses:
                continue
            if model is not None and job.params.model != model:
                continue
            if starred is not None and job.starred != starred:
                continue
            if profile is not None and job.profile != profile:
                continue
            if group_id is not None and job.group_id != group_id:
                continue
            if since is not None and job.created_at < since:
                continue
            if until is not None and job.created_at > until:
                continue
            if needle is not None:
                hay = " ".join([job.params.prompt, " ".join(job.tags), job.notes]).casefold()
                if needle not in hay:
                    continue
            out.append(job)
        out.sort(key=_sort_key(sort), reverse=descending)
        return out[:limit] if limit is not None else out

    def export(self, fmt: str = "jsonl") -> Iterator[str]:
        jobs = self.all()
        if fmt == "jsonl":
            for job in jobs:
                doc = job.to_doc()
                doc["id"] = job.video_id
                yield json.dumps(doc, ensure_ascii=False)
            return
        if fmt != "csv":
            raise HistoryError(f"Unknown export format {fmt!r}; use jsonl or csv.")
        header = ["local_id", "video_id", "status", "model", "size", "seconds", "prompt", "created_at",
                  "cost_estimate", "video_path", "sha256"]
        yield _csv_line(header)
        for job in jobs:
            video = job.file("video")
            yield _csv_line([
                job.local_id, job.video_id or "", job.status.value, job.params.model, job.params.size,
                job.params.seconds, job.params.prompt, time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(job.created_at)),
                "" if job.cost_estimate is None else f"{job.cost_estimate:.2f}",
                video.path if video else "", video.sha256 if video else "",
            ])

    # --- change detection (another process wrote) ---------------------------------------------------
    def token(self) -> tuple[int, int, int] | None:
        return stat_key(self.path)

    def changed_since(self, token: tuple[int, int, int] | None) -> bool:
        return self.token() != token

    def reload(self) -> None:
        self._storage._cache = None

    def close(self) -> None:
        self._db.close()


def _sort_key(field: str) -> Callable[[Job], Any]:
    if field in ("model", "size", "seconds", "prompt"):
        return lambda j: getattr(j.params, field)
    if field == "status":
        return lambda j: j.status.value
    if field not in Job.__dataclass_fields__:
        raise HistoryError(f"Cannot sort by {field!r}.")
    return lambda j: (getattr(j, field) is None, getattr(j, field) or 0)


def _csv_line(values: list[Any]) -> str:
    buf = io.StringIO()
    csv.writer(buf).writerow(values)
    return buf.getvalue()


class _Adapter:
    """Lets TinyDB use an already-built storage instance (TinyDB wants a class and its arguments)."""

    def __new__(cls, adapter: AtomicJSONStorage) -> AtomicJSONStorage:  # type: ignore[misc]
        return adapter
