"""Helpers for the service's tests (a module of its own: a conftest cannot be imported by name reliably)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sora_tui.backend import VideosBackend
from sora_tui.service import JobService


@asynccontextmanager
async def service_on(base_url: str, history: Path, **options: Any) -> AsyncIterator[JobService]:
    """A JobService on a real history file and a real client for `base_url`, closed after."""
    from sora_tui.store import HistoryStore

    store = HistoryStore(history)
    backend = VideosBackend(base_url, "test-key", timeout=options.pop("timeout", 60.0))
    svc = JobService(store, backend, profile="local", download_dir=history.parent / "downloads", **options)
    try:
        yield svc
    finally:
        await backend.aclose()
        store.close()
