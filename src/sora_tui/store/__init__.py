"""The history over TinyDB: crash-safe storage, cross-process lock, recovery, queries, export."""

from .history import AmbiguousJob, HistoryError, HistoryStore, HistoryWriteError, JobNotFound
from .storage import CorruptHistory

__all__ = ["AmbiguousJob", "CorruptHistory", "HistoryError", "HistoryStore", "HistoryWriteError", "JobNotFound"]
