from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from service_helpers import service_on

from sora_tui.service import JobService


@pytest.fixture
async def service(local_engine, tmp_path: Path) -> AsyncIterator[JobService]:
    async with service_on(local_engine.base_url, tmp_path / "history.json", local_engine=True) as svc:
        yield svc


@pytest.fixture
async def fast_service(fast_engine, tmp_path: Path) -> AsyncIterator[JobService]:
    async with service_on(fast_engine.base_url, tmp_path / "history-fast.json", local_engine=True) as svc:
        yield svc
