"""The history store: every job ever made, durable on disk, in rooms of one purpose each (store.py says which
room owns what). What the rest of sora-tui imports is here."""

from .base import JOBS, META
from .errors import AmbiguousJob, HistoryError, HistoryWriteError, JobNotFound
from .index_cache import INDEX_CACHE_FORMAT
from .queries import SearchResult
from .store import HistoryStore

__all__ = ["INDEX_CACHE_FORMAT", "JOBS", "META", "AmbiguousJob", "HistoryError", "HistoryStore", "HistoryWriteError",
           "JobNotFound", "SearchResult"]
