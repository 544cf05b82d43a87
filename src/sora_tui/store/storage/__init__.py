"""Crash-safe TinyDB storage for large histories: a snapshot plus an fsynced journal, under a cross-process lock.

- lock.py: HistoryLock, the cross-process lock every read and write holds.
- snapshot.py: the snapshot's layout, written whole and atomically, its documents read back by their place in it.
- journal.py: JournaledStorage, the snapshot with the journal of changes since replayed on top, and compaction.
- files.py: whole reads and writes, a file's identity, the temp files of writers killed mid-write.
"""

from .files import TMP_MARK, remove_stale_temps, stat_key
from .journal import JournaledStorage
from .lock import HistoryLock
from .snapshot import CorruptHistory, Docs, SnapshotFile, parse_lines

__all__ = ["TMP_MARK", "CorruptHistory", "Docs", "HistoryLock", "JournaledStorage", "SnapshotFile", "parse_lines",
           "remove_stale_temps", "stat_key"]
