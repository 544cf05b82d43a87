"""VideosBackend: the one async wrapper over openai.AsyncOpenAI for every /v1/videos operation."""

from __future__ import annotations

import base64
import math
import mimetypes
import threading
import time
import warnings
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..core.i18n import _
from ..core.params import GenerationParams
from ..core.status import ACTIVE, JobStatus, from_server
from ..core.text import one_line
from .errors import BackendError, map_error

# The SDK marks every videos method deprecated (OpenAI's Sora API shutdown notice). The protocol lives on
# in other servers, so we say it once in the docs instead of letting a warning paint over the TUI.
DEPRECATION_MESSAGE = "The Sora API is scheduled to permanently shut down"


def silence_sdk_deprecation() -> None:
    warnings.filterwarnings("ignore", message=DEPRECATION_MESSAGE, category=DeprecationWarning)


silence_sdk_deprecation()

DEFAULT_POLL_MS = 1000


@dataclass
class VideoInfo:
    """A server's video object, normalised (unknown statuses, missing fields, other servers' words)."""

    id: str
    status: JobStatus
    raw_status: str
    progress: int
    model: str | None = None
    size: str | None = None
    seconds: str | None = None
    prompt: str | None = None
    created_at: float | None = None
    completed_at: float | None = None
    expires_at: float | None = None
    remixed_from: str | None = None
    error_code: str | None = None
    error_message: str | None = None
    raw: dict[str, Any] = field(default_factory=dict)
    # False when the server sent no usable progress (absent, null, not a number): show "working", not 0 %.
    progress_reported: bool = True

    @classmethod
    def from_obj(cls, obj: Any) -> VideoInfo:
        data = obj if isinstance(obj, dict) else _to_dict(obj)
        status_value = data.get("status")
        raw_status = one_line(status_value, 40) if isinstance(status_value, str) else ""
        error = data.get("error") or None
        if isinstance(error, str):  # some gateways send the reason as a bare string
            error = {"message": error}
        reported = _progress(data.get("progress"))
        progress_i = reported or 0
        status = from_server(raw_status)  # an unknown word is "still in progress", never "done"
        if status == JobStatus.COMPLETED:
            progress_i = 100
        elif status in ACTIVE:
            progress_i = min(progress_i, 99)  # a job still running is never shown as 100 % done
        return cls(
            id=str(data.get("id") or ""),
            status=status,
            raw_status=raw_status,
            progress=progress_i,
            model=_opt_str(data.get("model")),
            size=_opt_str(data.get("size")),
            seconds=_opt_str(data.get("seconds")),
            prompt=data.get("prompt") if isinstance(data.get("prompt"), str) else None,
            created_at=_opt_time(data.get("created_at")),
            completed_at=_opt_time(data.get("completed_at")),
            expires_at=_opt_time(data.get("expires_at")),
            remixed_from=_opt_str(data.get("remixed_from_video_id")),
            error_code=one_line(error.get("code"), 80) if isinstance(error, dict) and error.get("code") else None,
            error_message=(one_line(error.get("message"), 600)
                           if isinstance(error, dict) and error.get("message") is not None else None),
            raw=data,
            progress_reported=reported is not None,
        )


@dataclass
class VideoPage:
    videos: list[VideoInfo]
    has_more: bool
    last_id: str | None
    poll_after_ms: int
    server_time: float | None = None  # the server's clock when it answered (its Date header), if it said
    received_at: float | None = None  # our clock when the answer arrived


@dataclass
class DownloadResult:
    path: Path
    bytes: int
    content_type: str | None
    resumed: bool = False


ProgressFn = Callable[[int, int | None], Any]  # (bytes_so_far, total or None)


def _to_dict(obj: Any) -> dict[str, Any]:
    for attr in ("to_dict", "model_dump"):
        fn = getattr(obj, attr, None)
        if fn is not None:
            try:
                # warnings=False: a server's "progress": "73" (the SDK's model declares an int) would make
                # pydantic print a UserWarning to stderr, over the TUI; the value is read leniently anyway.
                return dict(fn(warnings=False))
            except TypeError:
                try:
                    return dict(fn())
                except TypeError:
                    continue
    return dict(getattr(obj, "__dict__", {}))


def _opt_str(v: Any) -> str | None:
    return None if v is None or isinstance(v, (dict, list)) else str(v)


def _progress(v: Any) -> int | None:
    """A server's progress as a whole percentage 0-100: ints, floats, "73", "55.5 %"; None if unusable."""
    if v is None or isinstance(v, bool):
        return None
    if isinstance(v, str):
        v = v.strip().rstrip("%").strip()
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    if not math.isfinite(f):
        return None
    return max(0, min(100, int(f)))


def _opt_time(v: Any) -> float | None:
    """A timestamp: Unix seconds (or milliseconds, as some servers send), or ISO 8601 text; else None."""
    if v is None or isinstance(v, bool):
        return None
    if isinstance(v, str) and not v.strip().replace(".", "", 1).isdigit():
        from datetime import UTC, datetime

        try:
            when = datetime.fromisoformat(v.strip())
        except ValueError:
            return None
        return (when if when.tzinfo else when.replace(tzinfo=UTC)).timestamp()
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    if not math.isfinite(f) or f < 0:
        return None
    return f / 1000 if f > 1e11 else f  # 1e11 s is the year 5138; a value that large is milliseconds


def _http_date(headers: Any) -> float | None:
    """A Date header as Unix seconds; None when missing or unreadable."""
    from email.utils import parsedate_to_datetime

    try:
        value = headers.get("date")
        return parsedate_to_datetime(value).timestamp() if value else None
    except (TypeError, ValueError, AttributeError, IndexError):
        return None


def _poll_after(headers: Any) -> int:
    try:
        value = headers.get("openai-poll-after-ms")
        return max(50, int(value)) if value else DEFAULT_POLL_MS
    except (TypeError, ValueError, AttributeError):
        return DEFAULT_POLL_MS


def image_reference(image: str) -> Any:
    """Turn the user's reference (local path, http(s) URL or data URL) into the SDK's input_reference."""
    if image.startswith(("http://", "https://", "data:")):
        return {"image_url": image}
    path = Path(image).expanduser()
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise BackendError("bad_request", _("Reference image {path} does not exist").format(path=path)) from None
    except OSError as exc:
        raise BackendError("bad_request", _("Reference image {path} cannot be read: {reason}").format(
            path=path, reason=exc.strerror)) from None
    mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return (path.name, data, mime)


def data_url(path: Path) -> str:
    mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode()}"


class VideosBackend:
    """Talks to one /v1/videos server. The only place in the app that does HTTP."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout: float = 60.0,
        max_retries: int = 2,
    ) -> None:
        import httpx2  # deferred: the SDK costs ~0.7 s to import, the TUI should paint first
        import openai

        from ..core.redact import remember

        remember(api_key)  # a server that echoes it in an error must not get it shown or stored
        self.base_url = base_url.rstrip("/")
        self._timeout = httpx2.Timeout(timeout, connect=5.0)
        # One TLS context (httpx2's own defaults) for the async client and the download thread's sync client:
        # building one loads the CA bundle in C while holding the GIL (~20 ms), so it is done once.
        self._tls = httpx2.create_ssl_context()
        self._client = openai.AsyncOpenAI(
            base_url=self.base_url,
            api_key=api_key or "missing-key",
            timeout=self._timeout,
            max_retries=max_retries,
            http_client=openai.DefaultAsyncHttpxClient(verify=self._tls),
        )
        # Create must never be retried blindly: the SDK sends no idempotency key, a retried POST can start a
        # second billed job. The service reconciles with the server's list instead.
        self._no_retry = self._client.with_options(max_retries=0)
        # Downloads run whole in a worker thread on a sync client (see downloads.stream_to_file).
        self._sync_client: Any = None
        self._sync_lock = threading.Lock()
        self._api_key = api_key or "missing-key"
        self._max_retries = max_retries

    async def aclose(self) -> None:
        await self._client.close()
        if self._sync_client is not None:
            self._sync_client.close()

    async def _call(self, coro: Awaitable[Any]) -> Any:
        try:
            return await coro
        except BackendError:
            raise
        except Exception as exc:  # every SDK/httpx2 failure becomes one user-facing error
            raise map_error(exc, self.base_url) from exc

    # --- operations -------------------------------------------------------------------------------
    async def create(self, params: GenerationParams, character_ids: list[str] | None = None) -> VideoInfo:
        kwargs: dict[str, Any] = {
            "prompt": params.prompt,
            "model": params.model,
            "size": params.size,
            "seconds": params.seconds,
        }
        if character_ids:
            kwargs["character_ids"] = character_ids
        reference = image_reference(params.image) if params.image else None
        if isinstance(reference, dict):  # URL or data URL: the SDK's create() cannot send it (multipart only)
            return await self._post_json("/videos", {**kwargs, "input_reference": reference})
        if reference is not None:
            kwargs["input_reference"] = reference
        if character_ids:
            kwargs["extra_body"] = {"character_ids": kwargs.pop("character_ids")}
        video = await self._call(self._no_retry.videos.create(**kwargs))
        return VideoInfo.from_obj(video)

    async def retrieve(self, video_id: str) -> tuple[VideoInfo, int]:
        """The video and the server's suggested poll interval (ms)."""
        raw = await self._call(self._client.videos.with_raw_response.retrieve(video_id))
        return VideoInfo.from_obj(self._json_object(raw)), _poll_after(raw.headers)

    async def list_page(self, after: str | None = None, limit: int = 100, order: str = "desc") -> VideoPage:
        kwargs: dict[str, Any] = {"limit": limit, "order": order}
        if after:
            kwargs["after"] = after
        raw = await self._call(self._client.videos.with_raw_response.list(**kwargs))
        page = self._json_object(raw)
        data = page.get("data")
        videos = [VideoInfo.from_obj(v) for v in (data if isinstance(data, list) else []) if isinstance(v, dict)]
        last_id = page.get("last_id")
        return VideoPage(videos, page.get("has_more") is True, last_id if isinstance(last_id, str) else None,
                         _poll_after(raw.headers), _http_date(raw.headers), time.time())

    def _json_object(self, raw: Any) -> dict[str, Any]:
        """A polling answer's JSON object, read straight from the body. Polling reads it every interval; the SDK's
        parse builds a pydantic model per video (10-20 ms for a page of 100, a list round's largest cost) only
        for VideoInfo to turn it back into a dict."""
        import orjson

        try:
            body = orjson.loads(raw.content)
        except orjson.JSONDecodeError:
            body = None
        if not isinstance(body, dict):
            raise BackendError("protocol", _("Unexpected response from the server at {url}: not a JSON object").format(
                url=self.base_url))
        return body

    async def delete(self, video_id: str) -> bool:
        result = await self._call(self._client.videos.delete(video_id))
        return bool(getattr(result, "deleted", True))

    async def remix(self, video_id: str, prompt: str) -> VideoInfo:
        return VideoInfo.from_obj(await self._call(self._no_retry.videos.remix(video_id, prompt=prompt)))

    # The SDK's videos.edit/extend always send multipart and reject `video={"id": ...}` ("Expected entry at
    # `video` to be bytes..."), so a reference to a server-side video goes as the spec's JSON body instead.
    async def edit(self, video_id: str, prompt: str) -> VideoInfo:
        return await self._post_json("/videos/edits", {"video": {"id": video_id}, "prompt": prompt})

    async def extend(self, video_id: str, prompt: str, seconds: str) -> VideoInfo:
        return await self._post_json("/videos/extensions", {"video": {"id": video_id}, "prompt": prompt, "seconds": seconds})

    async def _post_json(self, path: str, body: dict[str, Any]) -> VideoInfo:
        from openai.types import Video

        return VideoInfo.from_obj(await self._call(self._no_retry.post(path, body=body, cast_to=Video)))

    async def create_character(self, name: str, video_path: Path) -> dict[str, Any]:
        try:
            data = video_path.read_bytes()
        except OSError as exc:
            raise BackendError("bad_request", _("Cannot read {path}: {reason}").format(path=video_path,
                                                                                      reason=exc.strerror)) from None
        result = await self._call(
            self._no_retry.videos.create_character(name=name, video=(video_path.name, data, "video/mp4"))
        )
        return _to_dict(result)

    async def get_character(self, character_id: str) -> dict[str, Any]:
        return _to_dict(await self._call(self._client.videos.get_character(character_id)))

    async def download(
        self,
        video_id: str,
        dest: Path,
        variant: str = "video",
        progress: ProgressFn | None = None,
    ) -> DownloadResult:
        """Stream one asset to `dest` (see downloads.stream_to_file): never the whole body in memory."""
        from .downloads import stream_to_file

        return await stream_to_file(self, video_id, dest, variant, progress)

    def _stream_content_sync(self, video_id: str, variant: str, headers: dict[str, str]) -> Any:
        """The content stream on the SDK's sync client (same SDK, same httpx2), for a worker thread.

        Without the SDK's retries: the job service retries a download itself, resuming it (service/downloads.py);
        both together multiplied a server that never answers into minutes of waiting. Its sockets can be shut
        down by a stop from another thread (downloads.stoppable), so a cancel never waits out a read timeout."""
        with self._sync_lock:
            if self._sync_client is None:
                import openai

                from .downloads import stoppable

                self._sync_client = openai.OpenAI(base_url=self.base_url, api_key=self._api_key,
                                                  timeout=self._timeout, max_retries=0,
                                                  http_client=stoppable(openai.DefaultHttpxClient(verify=self._tls)))
        return self._sync_client.videos.with_streaming_response.download_content(
            video_id, variant=variant, extra_headers=headers
        )
