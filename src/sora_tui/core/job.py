"""The Job record: one generation request and everything we know about it (the history's document)."""

from __future__ import annotations

import time
import uuid
from dataclasses import asdict, dataclass, field
from typing import Any

from .params import GenerationParams, estimate_cost
from .status import ACTIVE, JobStatus
from .text import strip_control

SCHEMA_VERSION = 1


def new_local_id() -> str:
    """Our own id, known before the server answers (the server id arrives later, if ever)."""
    return "job_" + uuid.uuid4().hex[:16]


@dataclass
class FileRecord:
    variant: str  # video | thumbnail | spritesheet
    path: str
    bytes: int
    sha256: str  # "" until it has been computed (just after the download, off the transfer's path)
    downloaded_at: float = 0.0

    def digest_label(self, length: int) -> str:
        return f"sha256 {self.sha256[:length]}…" if self.sha256 else "sha256 not computed yet"

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FileRecord:
        return cls(
            variant=str(data.get("variant", "video")),
            path=str(data.get("path", "")),
            bytes=int(data.get("bytes", 0)),
            sha256=str(data.get("sha256", "")),
            downloaded_at=float(data.get("downloaded_at", 0.0)),
        )


@dataclass
class JobError:
    code: str
    message: str

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> JobError | None:
        if not data:
            return None
        return cls(code=str(data.get("code") or "error"), message=str(data.get("message") or ""))


@dataclass
class Job:
    local_id: str
    params: GenerationParams
    kind: str = "generate"  # generate | remix | extend | edit | retry | variation
    status: JobStatus = JobStatus.DRAFT
    video_id: str | None = None  # the server's id
    progress: int = 0
    profile: str = "local"
    server: str = ""  # base URL (never a key)
    parent_id: str | None = None  # local_id of the job this was remixed/extended/retried from
    group_id: str | None = None  # variation group
    error: JobError | None = None
    created_at: float = field(default_factory=time.time)
    updated_at: float = field(default_factory=time.time)
    submitted_at: float | None = None
    completed_at: float | None = None
    expires_at: float | None = None
    cost_estimate: float | None = None
    files: list[FileRecord] = field(default_factory=list)
    # Ask the tracker to download these variants when the job completes.
    auto_download: list[str] = field(default_factory=list)
    download_dir: str | None = None
    starred: bool = False
    tags: list[str] = field(default_factory=list)
    notes: str = ""
    extra: dict[str, Any] = field(default_factory=dict)  # request extras (e.g. extension seconds)

    @classmethod
    def new(cls, params: GenerationParams, **kw: Any) -> Job:
        job = cls(local_id=new_local_id(), params=params, **kw)
        if job.cost_estimate is None:
            job.cost_estimate = estimate_cost(params.model, params.size, params.seconds)
        return job

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE

    @property
    def short_id(self) -> str:
        """The last 12 characters of the id, safe to show (a server's id is untrusted text)."""
        return strip_control(self.video_id or self.local_id)[-12:]

    def file(self, variant: str = "video") -> FileRecord | None:
        for record in self.files:
            if record.variant == variant:
                return record
        return None

    def to_doc(self) -> dict[str, Any]:
        doc = asdict(self)
        doc["status"] = str(self.status)
        doc["schema"] = SCHEMA_VERSION
        return doc

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Job:
        data = dict(doc)
        data.pop("schema", None)
        params = GenerationParams.from_dict(data.pop("params", {}) or {"prompt": ""})
        try:
            status = JobStatus(data.pop("status", "draft"))
        except ValueError:
            status = JobStatus.UNCERTAIN
        error = JobError.from_dict(data.pop("error", None))
        files = [FileRecord.from_dict(f) for f in data.pop("files", []) or []]
        for unknown in data.keys() - _JOB_FIELDS:  # a field this version does not know (a newer sora-tui wrote it)
            del data[unknown]
        return cls(params=params, status=status, error=error, files=files, **data)


_JOB_FIELDS = frozenset(Job.__dataclass_fields__)
