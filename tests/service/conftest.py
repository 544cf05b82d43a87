from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from sora_tui.backend import VideosBackend
from sora_tui.service import JobService


@pytest.fixture
async def service(local_engine, tmp_path: Path) -> AsyncIterator[JobService]:
    from sora_tui.store import HistoryStore

    store = HistoryStore(tmp_path / "history.json")
    backend = VideosBackend(local_engine.base_url, "test-key")
    svc = JobService(store, backend, profile="local", download_dir=tmp_path / "downloads", local_engine=True)
    try:
        yield svc
    finally:
        await backend.aclose()
        store.close()


@pytest.fixture
async def fast_service(fast_engine, tmp_path: Path) -> AsyncIterator[JobService]:
    from sora_tui.store import HistoryStore

    store = HistoryStore(tmp_path / "history-fast.json")
    backend = VideosBackend(fast_engine.base_url, "test-key")
    svc = JobService(store, backend, profile="local", download_dir=tmp_path / "downloads", local_engine=True)
    try:
        yield svc
    finally:
        await backend.aclose()
        store.close()
