"""The server's own videos and characters: listing the server's videos, importing those the history lacks,
deleting one on the server, and creating and looking up cameo characters."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..backend.videos import VideoInfo
from ..core.i18n import _
from ..core.job import Job, new_local_id
from ..core.params import GenerationParams, InvalidParams, estimate_cost
from ..core.text import strip_control
from .errors import ServiceError
from .reports import _job_error
from .shared import ServiceRoom


class ServerVideos(ServiceRoom):
    """What lives on the server: its videos and its characters."""

    async def list_remote(self, limit: int = 100) -> list[VideoInfo]:
        """The server's own videos, newest first (a server without list raises BackendError 'unsupported')."""
        videos: list[VideoInfo] = []
        after: str | None = None
        while len(videos) < limit:
            page = await self.backend.list_page(after=after, limit=min(100, limit - len(videos)), order="desc")
            videos.extend(page.videos)
            if not page.has_more or not page.last_id or not page.videos:
                break
            after = page.last_id
        return videos[:limit]

    async def import_remote(self, ids: Iterable[str] | None = None, limit: int = 100) -> list[Job]:
        """Add videos that exist on the server but not in the history (all listed ones, or these ids)."""
        known = await asyncio.to_thread(self.store.video_ids)
        if ids is not None:
            infos = []
            for video_id in ids:
                if video_id in known:
                    continue
                info, _poll = await self.backend.retrieve(video_id)
                infos.append(info)
        else:
            infos = [i for i in await self.list_remote(limit) if i.id not in known]
        jobs = []
        for info in reversed(infos):  # oldest first, so the history keeps the server's order
            if info.id in known:
                continue
            known.add(info.id)
            params = GenerationParams(
                prompt=info.prompt or "(imported from the server; its prompt is unknown)",
                model=info.model or "unknown", size=info.size or "unknown", seconds=str(info.seconds or "?"))
            job = Job(local_id=new_local_id(), params=params, kind="import", status=info.status, video_id=info.id,
                      progress=info.progress, profile=self.profile, server=self.backend.base_url, error=_job_error(info),
                      created_at=info.created_at or time.time(), completed_at=info.completed_at, expires_at=info.expires_at,
                      cost_estimate=estimate_cost(params.model, params.size, params.seconds, self.models)
                      if info.size and info.seconds else None,
                      extra={"imported_at": time.time(), "remixed_from": info.remixed_from} if info.remixed_from
                      else {"imported_at": time.time()})
            await self._add(job)
            jobs.append(job)
        return jobs

    async def create_character(self, name: str, video: Path, *, consent: bool) -> Any:
        """A cameo character from a clip the user has the rights to; remembered locally with its id."""
        from ..store.characters import Character

        if not consent:
            raise ServiceError(_("A character needs the consent of everyone whose face or voice is in the clip; "
                                 "confirm it first."))
        name = strip_control(name).strip()
        if not 1 <= len(name) <= 80:
            raise InvalidParams(_("A character's name must be 1-80 characters."), "name")
        if not video.is_file():
            raise InvalidParams(_("{path} is not a video file.").format(path=video), "video")
        data = await self.backend.create_character(name, video)
        character = Character(id=str(data.get("id") or ""), name=str(data.get("name") or name), source=str(video.resolve()),
                              profile=self.profile, server=self.backend.base_url)
        if not character.id:
            raise ServiceError(_("The server did not return an id for the character."))
        if self.characters is not None:
            await asyncio.to_thread(self.characters.add, character)
        return character

    async def get_character(self, character_id: str) -> dict[str, Any]:
        return await self.backend.get_character(character_id)

    async def delete_remote(self, job: Job) -> Job:
        if not job.video_id:
            raise ServiceError(_("Job {id} has no server id; nothing to delete on the server.").format(id=job.short_id))
        await self.backend.delete(job.video_id)

        def mark(j: Job) -> None:
            j.extra = {**j.extra, "deleted_on_server": True}

        return await self._mutate(job.local_id, mark)
