"""The store tests' shared fixture: counting full decodes."""

from __future__ import annotations

import pytest

from sora_tui.store import HistoryStore


@pytest.fixture
def decoded(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many jobs each open decoded whole (an open from the index cache decodes none)."""
    calls: list[int] = []
    real = HistoryStore._index_all
    monkeypatch.setattr(HistoryStore, "_index_all", lambda self, docs: (calls.append(len(docs)), real(self, docs))[1])
    return calls
