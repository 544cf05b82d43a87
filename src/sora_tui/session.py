"""Wiring: profile -> store -> backend (starting the local engine when needed) -> service. Used by CLI and TUI.

Opening is two steps so that bad input is refused before anything slow happens: `prepare()` reads the
profile and the history (cheap), `connect()` reaches the server (may start the local engine).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .config import Paths, Profile, load_profile
from .core.i18n import _

if TYPE_CHECKING:
    from .backend import VideosBackend
    from .core.job import Job
    from .service import JobService
    from .service.reads import HistoryReads
    from .store import HistoryStore


class SessionError(Exception):
    """Could not get a working session (engine would not start, no key). Message is for the user."""

    def __init__(self, message: str, exit_code: int = 3) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code


@dataclass
class Session:
    paths: Paths
    profile: Profile
    store: HistoryStore
    backend: VideosBackend | None = None  # after connect()
    service: JobService | None = None  # after connect()
    base_url: str | None = field(default=None)

    @property
    def history(self) -> HistoryReads:
        """What the interfaces read of the history (service/reads.py); the history itself stays below them."""
        return self.store

    async def keep(self, job: Job) -> list[Job]:
        """Keep this take and pass the others of its group (service/keep.py): through the service when connected,
        which tracks the jobs it changed; on the history alone otherwise (a choice sends nothing to a server)."""
        if self.service is not None:
            return await self.service.keep(job)
        from .service.keep import keep_take

        return await asyncio.to_thread(keep_take, self.store, job)

    async def connect(self) -> Session:
        from .backend import VideosBackend
        from .service import JobService
        from .service.servers import character_book

        if self.service is not None:
            return self
        profile = self.profile
        if not profile.api_key:
            env = profile.api_key_env or "OPENAI_API_KEY"
            raise SessionError(_("Profile {name} needs an API key: set {env} in the environment.").format(
                name=repr(profile.name), env=env), 3)
        self.base_url = profile.base_url or await local_engine_url(self.paths, profile)
        # In a thread: building the clients loads the CA bundle and the SDK's resources (60-100 ms, several hundred
        # while a freshly started engine competes for the CPU), which the TUI's event loop should not wait on.
        self.backend = await asyncio.to_thread(VideosBackend, self.base_url, profile.api_key.reveal(),
                                               timeout=profile.timeout)
        self.service = JobService(
            self.store,
            self.backend,
            profile=profile.name,
            download_dir=profile.download_dir or self.paths.downloads,
            models=profile.models,
            filename_template=profile.file_template,
            max_downloads=profile.max_concurrency,
            local_engine=profile.is_local,
            models_listed=profile.models_listed,
            budget=profile.budget,
            characters=character_book(self.paths.home),
        )
        return self

    async def aclose(self) -> None:
        if self.service is not None:
            await self.service.aclose()
        if self.backend is not None:
            await self.backend.aclose()
        # Off the loop: closing catches up with the files and may save the index cache (~0.1 s at 100,000 jobs).
        await asyncio.to_thread(self.store.close)


def open_store(paths: Paths) -> Any:  # -> HistoryStore
    from .config import remember_keys
    from .store import HistoryStore

    remember_keys(paths)  # before anything from the history or a server is shown: none of them may show a key
    try:
        paths.ensure()
        return HistoryStore(paths.history)
    except OSError as exc:
        raise _data_dir_error(paths, exc) from None


def _data_dir_error(paths: Paths, exc: OSError) -> SessionError:
    return SessionError(_("cannot use the data directory {path}: {reason}. Set SORA_TUI_HOME to a writable "
                          "directory.").format(path=paths.home, reason=exc.strerror or exc), 2)


def prepare(profile_name: str | None = None, base_url: str | None = None, paths: Paths | None = None) -> Session:
    from .logs import setup_logging

    paths = paths or Paths.from_env()
    profile = load_profile(paths, profile_name, base_url)
    store = open_store(paths)
    try:
        setup_logging(paths.logs, [profile.api_key.reveal()])
    except OSError as exc:
        store.close()
        raise _data_dir_error(paths, exc) from None
    return Session(paths, profile, store)


async def open_session(profile_name: str | None = None, base_url: str | None = None, paths: Paths | None = None) -> Session:
    session = prepare(profile_name, base_url, paths)
    try:
        return await session.connect()
    except BaseException:
        session.store.close()
        raise


async def local_engine_url(paths: Paths, profile: Profile) -> str:
    from .engine import ensure_engine

    try:
        return await asyncio.to_thread(ensure_engine, paths.engine_dir, profile.engine_speed)
    except Exception as exc:  # noqa: BLE001 - EngineStartError or any OS error while spawning: said, not raised
        raise SessionError(_("The built-in local engine did not start: {reason}").format(reason=exc), 3) from None


def load_client() -> None:
    """Import the server's client (the openai SDK under it takes ~0.5 s): for a caller that would rather pay for it
    in a thread than on its event loop, before connect()."""
    from . import backend  # noqa: F401


def running_local_engine(paths: Paths) -> str | None:
    """The URL of the built-in engine if one is running for this data dir (none is started to find out)."""
    from .engine import running_engine

    return running_engine(paths.engine_dir)


def default_download_dir(paths: Paths, profile: Profile) -> Path:
    return profile.download_dir or paths.downloads
