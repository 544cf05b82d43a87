"""Where downloaded assets go, and the sidecar JSON that travels with each video (with an honest label)."""

from __future__ import annotations

import json
import os
import time
import uuid
from pathlib import Path

from ..core.files import DEFAULT_TEMPLATE, check_template, download_path, name_fields
from ..core.job import Job

SUFFIXES = {"video": ".mp4", "thumbnail": ".thumbnail.webp", "spritesheet": ".spritesheet.jpg"}


class DownloadNamer:
    def __init__(self, base: Path, template: str | None = None) -> None:
        self.base = base
        self.template = template or DEFAULT_TEMPLATE
        check_template(self.template)

    def path_for(self, job: Job, variant: str, base: Path | None = None) -> Path:
        base = base or self.base
        existing = job.file("video")
        if existing and variant != "video":
            # keep every asset of a job beside its video, under the same stem
            video = Path(existing.path)
            if video.parent == base and video.name.endswith(".mp4"):
                return video.with_name(video.name[: -len(".mp4")] + SUFFIXES[variant])
        fields = name_fields(
            job.params.prompt, job.video_id or job.local_id, job.params.model, job.params.size,
            job.params.seconds, job.local_id, job.created_at,
        )
        return download_path(base, self.template, fields, SUFFIXES[variant])


def sidecar_path(video_path: Path) -> Path:
    name = video_path.name
    stem = name.removesuffix(".mp4")
    return video_path.with_name(stem + ".json")


def write_sidecar(job: Job, local_engine: bool) -> Path | None:
    """Describe the files beside the video: prompt, params, server, dates, checksums, and what made it."""
    video = job.file("video")
    if video is None:
        return None
    path = sidecar_path(Path(video.path))
    label = (
        "Procedural render by the sora-tui local engine; not AI-generated."
        if local_engine
        else "AI-generated video. Label it as AI-generated when you publish it, and check the provider's terms for commercial use."
    )
    doc = {
        "label": label,
        "ai_generated": not local_engine,
        "prompt": job.params.prompt,
        "model": job.params.model,
        "size": job.params.size,
        "seconds": job.params.seconds,
        "kind": job.kind,
        "video_id": job.video_id,
        "local_id": job.local_id,
        "parent_id": job.parent_id,
        "group_id": job.group_id,
        "profile": job.profile,
        "server": job.server,
        "created_at": _iso(job.created_at),
        "completed_at": _iso(job.completed_at),
        "expires_at": _iso(job.expires_at),
        "files": [
            {"variant": f.variant, "file": Path(f.path).name, "bytes": f.bytes, "sha256": f.sha256, "downloaded_at": _iso(f.downloaded_at)}
            for f in job.files
        ],
        "generator": "sora-tui",
    }
    # A unique temp name: the video's and the thumbnail's downloads finish at the same moment and both
    # rewrite the sidecar; with one shared temp file their bytes interleaved.
    tmp = path.with_name(f"{path.name}.{os.getpid()}-{uuid.uuid4().hex[:8]}.tmp")
    tmp.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return path


def _iso(ts: float | None) -> str | None:
    if not ts:
        return None
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))
