"""Recovery and backup: opening the history whatever state its files are in, keeping every record that can still
be read. A damaged snapshot is salvaged line by line and merged with the backup (_restore_snapshot); damaged
journal lines and job documents are kept aside and restored from the backup where it holds them whole (_repair);
the backup (history.json.bak) is a copy of the snapshot, made when it is not current.

State owned here: recovery_note, what the user is told about a recovery (None when there was none)."""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import time
from pathlib import Path

import orjson

from ...core.i18n import _, ngettext, pgettext
from ..storage import CorruptHistory, Docs, JournaledStorage, parse_lines
from .base import JOBS
from .errors import HistoryError
from .index_cache import IndexCache

log = logging.getLogger(__name__)


class Recovery(IndexCache):
    """Damage found at open or while reading, dealt with; the backup kept."""

    recovery_note: str | None  # what the user is told about the recovery, in the interface's language

    def _recover_if_damaged(self) -> None:
        """Open the history whatever state its files are in, keeping every record that can still be read. A damaged
        journal line or job document costs that one line or document (kept aside; a document's copy in the backup
        is used where it is whole: _repair). A damaged snapshot is read line by line, merged with the backup, and
        the journal replayed on top (_restore_snapshot). recovery_note says what happened and what was kept."""
        for path in (self.path, self._storage.journal):
            if path.is_dir():
                raise HistoryError(_("{path} is a directory, but sora-tui keeps its history in a file of that name. "
                                     "Move the directory away, or set SORA_TUI_HOME to another directory; nothing "
                                     "was changed.").format(path=path))
        try:
            self._sync()
        except CorruptHistory as exc:
            self._restore_snapshot(str(exc))

    def _note(self, text: str) -> None:
        """Add to what the user is told about the recovery (in the interface's language; each caller logs its own
        English line, since the log is read in English whatever the interface's language)."""
        self.recovery_note = _("{note} {more}").format(note=self.recovery_note, more=text) if self.recovery_note \
            else text

    def _restore_snapshot(self, damage: str) -> None:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        kept = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        os.replace(self.path, kept)
        salvaged, unreadable = _salvage(kept)
        backup = _read_history_file(self._backup_path)
        tables = {name: dict(docs) for name, docs in (backup or {}).items()}
        for name, docs in salvaged.items():  # the damaged file is newer than its backup: its documents win
            tables.setdefault(name, {}).update(docs)
        if tables:
            JournaledStorage(self.path).replace_snapshot({name: Docs.of(docs) for name, docs in tables.items()})
        self._storage = JournaledStorage(self.path)
        self._reset_index()
        journal_before = self._journal_jobs()
        self._sync()  # the journal (changes since the damaged file was written) replays on top
        from_file = len(salvaged.get(JOBS, {}))
        from_backup = len(backup.get(JOBS, {}).keys() - salvaged.get(JOBS, {}).keys()) if backup else 0
        log.warning("history file damaged (%s), kept as %s; %d jobs now (%d from the damaged file, %d from the "
                    "backup%s, %d changed since in the journal); %d damaged lines unreadable", damage, kept.name,
                    len(self._entries), from_file, from_backup, "" if backup else " (none usable)", journal_before,
                    unreadable)
        sources = [_("{n} read from the damaged file").format(n=from_file) if from_file else "",
                   _("{n} restored from the backup {name}").format(n=from_backup, name=self._backup_path.name)
                   if from_backup else "",
                   _("{n} changed since, from the journal").format(n=journal_before) if journal_before else ""]
        found = pgettext("list separator", ", ").join(x for x in sources if x)
        held = len(self._entries)
        fields = {"damage": damage, "kept": kept.name, "n": held, "found": found}
        if found and backup:
            note = ngettext("The history file was damaged ({damage}). It was kept as {kept}; the history now holds "
                            "{n} job ({found}).",
                            "The history file was damaged ({damage}). It was kept as {kept}; the history now holds "
                            "{n} jobs ({found}).", held)
        elif found:
            note = ngettext("The history file was damaged ({damage}). It was kept as {kept} (no usable backup "
                            "exists); the history now holds {n} job ({found}).",
                            "The history file was damaged ({damage}). It was kept as {kept} (no usable backup "
                            "exists); the history now holds {n} jobs ({found}).", held)
        elif backup:
            note = ngettext("The history file was damaged ({damage}). It was kept as {kept}; the history now holds "
                            "{n} job, a new, empty history.",
                            "The history file was damaged ({damage}). It was kept as {kept}; the history now holds "
                            "{n} jobs, a new, empty history.", held)
        else:
            note = ngettext("The history file was damaged ({damage}). It was kept as {kept} (no usable backup "
                            "exists); the history now holds {n} job, a new, empty history.",
                            "The history file was damaged ({damage}). It was kept as {kept} (no usable backup "
                            "exists); the history now holds {n} jobs, a new, empty history.", held)
        note = note.format(**fields)
        if unreadable:
            note = _("{note} {more}").format(note=note, more=ngettext(
                "{n} damaged line could not be read.", "{n} damaged lines could not be read.", unreadable).format(
                    n=unreadable))
        self._note(note)

    def _journal_jobs(self) -> int:
        """How many jobs the journal (as it is on disk) changes: for the recovery note."""
        try:
            with open(self._storage.journal, "rb") as fh:
                return len({line[:80].split(b',"doc"')[0] for line in fh if line.startswith(b'{"t":"jobs"')})
        except OSError:
            return 0

    def _repair(self) -> None:
        """Damaged journal lines and job documents found while reading (each skipped): kept aside in a file of their
        own, each document replaced by its copy in the backup where that is whole, and the journal folded into a
        new snapshot so that no process meets them again."""
        lines, docs = self._storage.damaged, self._damaged_docs
        self._storage.damaged, self._damaged_docs = [], {}
        kept = self.path.with_name(f"{self.path.name}.damaged-{time.strftime('%Y%m%d-%H%M%S')}")
        restored = 0
        try:
            fd = os.open(kept, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW, 0o600)
            with os.fdopen(fd, "ab") as fh:
                for at, line in lines:
                    fh.write(b"journal line at byte %d: " % at + line + b"\n")
                for doc_id, raw in docs.items():
                    fh.write(b"job document %s: " % doc_id.encode() + raw + b"\n")
            if docs:
                older = (_read_history_file(self._backup_path) or {}).get(JOBS, {})
                table = self._storage.tables.get(JOBS)
                for doc_id in docs:
                    if doc_id in older and table is not None:
                        table[doc_id] = older[doc_id]
                        self._index(doc_id, older[doc_id])
                        restored += 1
                    elif table is not None:
                        table.pop(doc_id, None)
            self._storage.compact()
            self._backup()
            self._save_index_cache()
        except OSError as exc:  # a read-only or full disk: the history is read as well as it can be, and says so
            log.warning("damaged history entries could not be set aside (%s); they were skipped", exc)
            self._note(_("The history has damaged entries that could not be set aside ({reason}); they were "
                         "skipped.").format(reason=exc.strerror or exc))
            return
        what = []
        if lines:
            what.append(ngettext("{n} damaged journal line (a change each)", "{n} damaged journal lines (a change each)",
                                 len(lines)).format(n=len(lines)))
        if docs:
            what.append(ngettext("{n} damaged job document, {restored} of them restored from the backup",
                                 "{n} damaged job documents, {restored} of them restored from the backup",
                                 len(docs)).format(n=len(docs), restored=restored) if restored else
                        ngettext("{n} damaged job document", "{n} damaged job documents", len(docs)).format(n=len(docs)))
        log.warning("history: %d damaged journal lines, %d damaged job documents (%d restored from the backup) "
                    "kept in %s; %d jobs read", len(lines), len(docs), restored, kept.name, len(self._entries))
        damage = what[0] if len(what) == 1 else _("{first} and {second}").format(first=what[0], second=what[1])
        self._note(ngettext("The history had {damage}; it was kept in {kept}, and everything else was read: {jobs}.",
                            "The history had {damage}; they were kept in {kept}, and everything else was read: "
                            "{jobs}.", len(lines) + len(docs)).format(
                                damage=damage, kept=kept.name,
                                jobs=ngettext("{n} job", "{n} jobs", len(self._entries)).format(n=len(self._entries))))

    @property
    def _backup_path(self) -> Path:
        return self.path.with_name(self.path.name + ".bak")

    def _backup(self) -> None:
        """A copy of the snapshot as it is now (the journal replays on top of either); skipped when current, and
        never over a backup that holds more jobs than the snapshot: jobs are never removed in use, so such a
        snapshot is damaged or not ours, and the backup is what a recovery needs."""
        try:
            snap, bak = self.path.stat(), self._backup_path.stat()
            if bak.st_size == snap.st_size and bak.st_mtime_ns >= snap.st_mtime_ns:
                return  # copying 100 MB at every start for nothing would double the time to open
            held, have = _count_jobs(self._backup_path), _count_jobs(self.path)
            if held is not None and have is not None and held > have:
                log.warning("%s holds %d jobs, the history %d: the backup is kept", self._backup_path, held, have)
                return
        except FileNotFoundError:
            if not self.path.exists():
                return
        tmp = self._backup_path.with_name(self._backup_path.name + ".tmp")
        try:
            shutil.copyfile(self.path, tmp)
            os.replace(tmp, self._backup_path)
        except OSError:
            pass  # a backup is a convenience; never fail a write because of it


def _salvage(path: Path) -> tuple[dict[str, dict[str, bytes]], int]:
    """Every whole document of a damaged snapshot written one per line (as compact() writes them), by table, and
    how many lines could not be read. A file laid out otherwise (one line, plain TinyDB) gives nothing."""
    tables: dict[str, dict[str, bytes]] = {}
    current: dict[str, bytes] | None = None
    unreadable = 0
    try:
        fh = open(path, "rb")  # noqa: SIM115 (closed below; only opening may fail)
    except OSError:
        return {}, 0
    with fh:
        for raw_line in fh:
            line = raw_line.strip()
            if not line:
                continue
            head = line.lstrip(b"{")
            if head.startswith(b'"') and head.endswith(b": {"):
                with contextlib.suppress(orjson.JSONDecodeError):
                    current = tables.setdefault(str(orjson.loads(head[:-3])), {})
                    continue
            if line in (b"}", b"},", b"}}"):
                current = None
                continue
            key_end = line.find(b'": ')
            try:
                if current is None or not line.startswith(b'"') or key_end < 0:
                    raise ValueError(line[:40])
                doc_id = orjson.loads(line[:key_end + 1])
                body = line[key_end + 3:].rstrip(b",")
                doc = orjson.loads(body)
                if not isinstance(doc, dict) or not isinstance(doc_id, str):
                    raise TypeError(doc_id)
                if current is tables.get(JOBS) and not isinstance(doc.get("local_id"), str):
                    raise TypeError(doc_id)
            except (orjson.JSONDecodeError, ValueError, TypeError):
                unreadable += 1
                continue
            current[doc_id] = body
    return tables, unreadable


def _read_history_file(path: Path) -> dict[str, dict[str, bytes]] | None:
    """The readable documents of a history snapshot (the backup), by table; None when there is no such file or
    nothing in it can be read."""
    if not path.is_file():
        return None
    tables, _unreadable = _salvage(path)
    if tables:
        return tables
    try:  # the one-document layout of plain TinyDB and older versions
        data = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return None
    if not isinstance(data, dict):
        return None
    return {str(name): {str(k): orjson.dumps(v) for k, v in docs.items() if isinstance(v, dict)}
            for name, docs in data.items() if isinstance(docs, dict)} or None


def _count_jobs(path: Path) -> int | None:
    """How many jobs a snapshot holds, from its layout alone (nothing decoded); None when it is laid out otherwise."""
    try:
        with open(path, "rb") as fh:
            tables = parse_lines(fh, None)
    except OSError:
        return None
    return None if tables is None else len(tables.get(JOBS, ()))
