"""Wiring: profile -> backend (starting the local engine when needed) -> store -> service. Used by CLI and TUI."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

from .config import Paths, Profile, load_profile


class SessionError(Exception):
    """Could not get a working session (engine would not start, history unusable). Message is for the user."""

    def __init__(self, message: str, exit_code: int = 3) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code


@dataclass
class Session:
    paths: Paths
    profile: Profile
    store: object  # store.HistoryStore
    backend: object  # backend.VideosBackend
    service: object  # service.JobService

    async def aclose(self) -> None:
        await self.backend.aclose()  # type: ignore[attr-defined]
        self.store.close()  # type: ignore[attr-defined]


def open_store(paths: Paths):  # -> HistoryStore
    from .store import HistoryStore

    paths.ensure()
    return HistoryStore(paths.history)


async def local_engine_url(paths: Paths, profile: Profile) -> str:
    from .engine import ensure_engine

    try:
        return await asyncio.to_thread(ensure_engine, paths.engine_dir, profile.engine_speed)
    except Exception as exc:  # EngineStartError or an OS error while spawning
        raise SessionError(f"The built-in local engine did not start: {exc}", 3) from None


async def open_session(profile_name: str | None = None, base_url: str | None = None, paths: Paths | None = None) -> Session:
    from .backend import VideosBackend
    from .service import JobService

    paths = paths or Paths.from_env()
    profile = load_profile(paths, profile_name, base_url)
    store = open_store(paths)
    from .logs import setup_logging

    setup_logging(paths.logs, [profile.api_key.reveal()])
    url = profile.base_url or await local_engine_url(paths, profile)
    if not profile.api_key:
        store.close()
        env = profile.api_key_env or "OPENAI_API_KEY"
        raise SessionError(f"Profile {profile.name!r} needs an API key: set {env} in the environment.", 3)
    backend = VideosBackend(url, profile.api_key.reveal(), timeout=profile.timeout)
    service = JobService(
        store,
        backend,
        profile=profile.name,
        download_dir=profile.download_dir or paths.downloads,
        models=profile.models,
        max_downloads=profile.max_concurrency,
        local_engine=profile.is_local,
    )
    return Session(paths, profile, store, backend, service)


def default_download_dir(paths: Paths, profile: Profile) -> Path:
    return profile.download_dir or paths.downloads
