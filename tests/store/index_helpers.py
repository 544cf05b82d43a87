"""The index as the store holds it, and as decoding every job gives it: what the index-cache tests compare."""

from __future__ import annotations

import os
from pathlib import Path

from sora_tui.store import HistoryStore
from sora_tui.store.history.index import _Entry


def index_of(store: HistoryStore) -> dict[str, tuple]:
    return {k: tuple(getattr(e, s) for s in _Entry.__slots__) for k, e in store._entries.items()}


def true_index(path: Path) -> dict[str, tuple]:
    """The index from decoding every job, the cache moved out of the way and put back, nothing saved."""
    cache = path.with_name(path.name + ".index")
    aside = cache.with_name(cache.name + ".aside")
    if cache.exists():
        os.replace(cache, aside)
    try:
        store = HistoryStore(path)
        index = index_of(store)
        store._cached_at = 0  # do not save a cache on the way out
        store._db.close()
        return index
    finally:
        if aside.exists():
            os.replace(aside, cache)
