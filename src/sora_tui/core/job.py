"""The Job record: one generation request and everything we know about it (the history's document)."""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, TypeGuard

from .i18n import _, english, pgettext
from .params import GenerationParams, estimate_cost
from .status import ACTIVE, JobStatus

SCHEMA_VERSION = 1
# Hex digits a short id starts with: 16**8 is ~4 billion, so two of 100,000 jobs share them about once (the
# history then lengthens the later one's), while one is still quick to read and to type.
SHORT_ID_LENGTH = 8
_HEX = "0123456789abcdef"


def new_local_id() -> str:
    """Our own id, known before the server answers (the server id arrives later, if ever)."""
    return "job_" + uuid.uuid4().hex[:16]


def short_id_for(local_id: str, length: int = SHORT_ID_LENGTH) -> str:
    """The short id a job with this local id gets, at this length: the start of the local id's random hex. A
    server's id cannot be the source: a proxy's ids share their ending (LiteLLM encodes its deployment there),
    often their start, and arrive only after the job is written, if ever. Beyond the random hex (a collision the
    history lengthens past), and for a local id not of our making, a digest of the local id follows, so two
    jobs' short ids always differ somewhere."""
    head = local_id[4:]
    if not local_id.startswith("job_") or head.strip(_HEX):  # strip leaves nothing of an all-hex head
        head = ""
    if length > len(head):
        head += hashlib.sha256(local_id.encode("utf-8", "surrogatepass")).hexdigest()
    return head[:length]


def is_short_id(text: object) -> TypeGuard[str]:
    """Whether a stored value has the shape short_id_for gives (anything else is worked out anew)."""
    return type(text) is str and SHORT_ID_LENGTH <= len(text) <= 96 and text.isascii() and text.isalnum()


@dataclass
class FileRecord:
    variant: str  # video | thumbnail | spritesheet
    path: str
    bytes: int
    sha256: str  # "" until it has been computed (just after the download, off the transfer's path)
    downloaded_at: float = 0.0
    # Made here from the downloaded video (a thumbnail or spritesheet the server could not give): not the
    # server's file
    made_locally: bool = False

    def digest_label(self, length: int) -> str:
        return f"sha256 {self.sha256[:length]}…" if self.sha256 else _("sha256 not computed yet")

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FileRecord:
        return cls(
            variant=str(data.get("variant", "video")),
            path=str(data.get("path", "")),
            bytes=int(data.get("bytes", 0)),
            sha256=str(data.get("sha256", "")),
            downloaded_at=float(data.get("downloaded_at", 0.0)),
            made_locally=data.get("made_locally") is True,
        )


def asset_name(variant: str) -> str:
    """A downloadable asset (video, thumbnail, spritesheet) as a message names it; `variant` itself is data."""
    names = {"video": pgettext("asset", "video"), "thumbnail": pgettext("asset", "thumbnail"),
             "spritesheet": pgettext("asset", "spritesheet")}
    return names.get(variant, variant)


@dataclass
class JobError:
    """Why a job failed. `message` is data, in English whatever the interface's language (`--json` and the export
    show it, scripts read it); `said` is the same sentence as it was said to the person, in their language then
    (empty when that was English). The server's own words are the server's, in both."""

    code: str
    message: str
    said: str = ""

    @property
    def shown(self) -> str:
        """The reason as a person reads it."""
        return self.said or self.message

    @classmethod
    def made(cls, code: str, build: Callable[[], str]) -> JobError:
        """A reason sora-tui writes: `build()` once in English for the data, once in the interface's language."""
        with english():
            message = build()
        said = build()
        return cls(code, message, "" if said == message else said)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> JobError | None:
        if not data:
            return None
        return cls(code=str(data.get("code") or "error"), message=str(data.get("message") or ""),
                   said=str(data.get("said") or ""))


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
    # What the TUI, the CLI, toasts, sidecars and file names call the job: unique in its history, which sets it
    # when the job is added (store/history/writes.py); until then the local id's own.
    short_id: str = ""

    def __post_init__(self) -> None:
        if not is_short_id(self.short_id):
            self.short_id = short_id_for(self.local_id)

    @classmethod
    def new(cls, params: GenerationParams, **kw: Any) -> Job:
        job = cls(local_id=new_local_id(), params=params, **kw)
        if job.cost_estimate is None:
            job.cost_estimate = estimate_cost(params.model, params.size, params.seconds)
        return job

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE

    def file(self, variant: str = "video") -> FileRecord | None:
        for record in self.files:
            if record.variant == variant:
                return record
        return None

    def to_doc(self) -> dict[str, Any]:
        doc = asdict(self)
        if doc["error"] is not None and not doc["error"]["said"]:
            del doc["error"]["said"]  # said only when it differs from the English
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
