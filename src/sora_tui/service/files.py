"""Where downloaded assets go, and the sidecar JSON that travels with each video (with an honest label)."""

from __future__ import annotations

import errno
import json
import logging
import os
import stat
import time
import uuid
from pathlib import Path

from ..core.files import (
    ASSET_SUFFIXES,
    DEFAULT_TEMPLATE,
    SIDECAR_SUFFIX,
    check_template,
    download_path,
    name_fields,
    place_new,
)
from ..core.i18n import _
from ..core.job import Job

log = logging.getLogger(__name__)

SUFFIXES = ASSET_SUFFIXES
SIDECAR_LIMIT = 1 << 20  # a sidecar is a few KB; a larger file at its name is not one


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
            job.params.seconds, job.local_id, job.created_at, job.short_id,
        )
        return download_path(base, self.template, fields, SUFFIXES[variant])


def honest_label(local_engine: bool) -> str:
    """What made a video, for its sidecar: a file for other programs and for whoever the video is passed on to,
    so English, like its keys."""
    if local_engine:
        return "Procedural render by the sora-tui local engine; not AI-generated."
    return ("AI-generated video. Label it as AI-generated when you publish it, and check the provider's terms for "
            "commercial use.")


def sidecar_path(video_path: Path) -> Path:
    name = video_path.name
    stem = name.removesuffix(SUFFIXES["video"])
    return video_path.with_name(stem + SIDECAR_SUFFIX)


def write_sidecar(job: Job, local_engine: bool) -> Path | None:
    """Describe the files beside the video: prompt, params, server, dates, checksums, and what made it.

    It replaces only this job's own earlier sidecar: a file of the user's at that name (or a symlink) is left
    alone and reported as FileExistsError."""
    video = job.file("video")
    if video is None:
        return None
    path = sidecar_path(Path(video.path))
    doc = {
        "label": honest_label(local_engine),
        "ai_generated": not local_engine,
        "prompt": job.params.prompt,
        "model": job.params.model,
        "size": job.params.size,
        "seconds": job.params.seconds,
        "kind": job.kind,
        "video_id": job.video_id,
        "local_id": job.local_id,
        "short_id": job.short_id,
        "parent_id": job.parent_id,
        "group_id": job.group_id,
        "profile": job.profile,
        "server": job.server,
        "created_at": _iso(job.created_at),
        "completed_at": _iso(job.completed_at),
        "expires_at": _iso(job.expires_at),
        "files": [
            {"variant": f.variant, "file": Path(f.path).name, "bytes": f.bytes, "sha256": f.sha256,
             "downloaded_at": _iso(f.downloaded_at),
             "made_locally": f.made_locally}  # True: made by sora-tui from the video, not given by the server
            for f in job.files
        ],
        "generator": "sora-tui",
    }
    # A unique temp name: the video's and the thumbnail's downloads finish at the same moment and both
    # rewrite the sidecar; with one shared temp file their bytes interleaved. O_EXCL | O_NOFOLLOW: a symlink
    # or file planted at that name is never followed or written through.
    tmp = path.with_name(f"{path.name}.{os.getpid()}-{uuid.uuid4().hex[:8]}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
        if _is_own_sidecar(path, job):
            os.replace(tmp, path)
        elif not place_new(tmp, path):
            raise FileExistsError(errno.EEXIST, _("{name} is a file sora-tui did not write").format(name=path.name),
                                  str(path))
    finally:
        if os.path.lexists(tmp):
            os.unlink(tmp)
    return path


def _is_own_sidecar(path: Path, job: Job) -> bool:
    """Whether `path` is a sidecar sora-tui wrote for this very job (the only file a new one may replace)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return False  # absent, or a symlink (ELOOP)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return False
        data = os.read(fd, SIDECAR_LIMIT + 1)
    except OSError:
        return False
    finally:
        os.close(fd)
    if len(data) > SIDECAR_LIMIT:
        return False
    try:
        doc = json.loads(data)
    except ValueError:
        return False
    return isinstance(doc, dict) and doc.get("generator") == "sora-tui" and doc.get("local_id") == job.local_id


def _iso(ts: float | None) -> str | None:
    if not ts:
        return None
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


def destination(job: Job, variant: str, base: Path, namer: DownloadNamer) -> tuple[Path, tuple[int, int] | None]:
    """Where a download goes, and the (device, inode) of the file there when it is the job's own recorded file
    for this asset (no longer whole: the job service found it so), which the new one may replace. A recorded asset is
    fetched again under its recorded name, so that its siblings' names (numbered or not) still fit."""
    recorded = job.file(variant)
    if recorded is None or Path(recorded.path).parent != base:
        return namer.path_for(job, variant, base), None
    dest = Path(recorded.path)
    try:
        info = os.lstat(dest)
    except OSError:
        return dest, None
    return dest, ((info.st_dev, info.st_ino) if stat.S_ISREG(info.st_mode) else None)


def replace_own(saved: Path, dest: Path, own: tuple[int, int] | None) -> Path:
    """Where the download ends up: at `dest` in place of the job's own earlier file there (`own`, if it is still
    that very file), else where the backend saved it (a free name beside a file of the user's)."""
    if saved == dest or own is None:
        return saved
    try:
        info = os.lstat(dest)
        if (info.st_dev, info.st_ino) != own:
            return saved
        os.replace(saved, dest)
    except OSError as exc:
        log.warning("%s not replaced by its new download %s: %s", dest, saved, exc)
        return saved
    return dest


def copy_into(src: Path, directory: Path) -> tuple[Path, str]:
    """A copy of a file already downloaded, in another `directory` (`download --out DIR` for a file on disk
    elsewhere): a hard link where the filesystem allows one (the same bytes, no space used), else a copy.
    Placed by the downloads' rule: nothing there is replaced, a taken name gives `name (2)`, and a file there
    with the same bytes is that copy already. Returns its path and how it got there: "linked", "copied" or
    "already there"."""
    from ..backend.downloads import CHUNK, place_file
    from ..durable import fsync_dir

    directory.mkdir(parents=True, exist_ok=True)
    tmp = directory / f".{src.name}.{uuid.uuid4().hex[:8]}.tmp"
    try:
        try:
            os.link(src, tmp, follow_symlinks=False)
            how = "linked"
        except OSError as exc:
            if isinstance(exc, FileNotFoundError) or not src.is_file():
                raise
            # another filesystem (EXDEV), or one without hard links: the bytes themselves, flushed first
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
            with open(src, "rb") as source, os.fdopen(fd, "wb") as out:
                while block := source.read(CHUNK):
                    out.write(block)
                out.flush()
                os.fsync(out.fileno())
            how = "copied"
        placed, new = place_file(tmp, directory / src.name)
    finally:
        tmp.unlink(missing_ok=True)
    fsync_dir(directory)
    return placed, how if new else "already there"


def is_picture(path: Path) -> bool:
    """Whether a recorded thumbnail or spritesheet is on disk and really a picture (an earlier version saved what
    a proxy that drops ?variant= sent, the MP4, under a picture's name)."""
    from ..backend.integrity import media_kind

    try:
        with open(path, "rb") as fh:
            return media_kind(fh.read(16)) == "picture"
    except OSError:
        return False
