"""The local /v1/videos server (Starlette): every operation of the spec, OpenAI-shaped errors, Range downloads."""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import json
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from .faults import FaultPlan
from .modes import (
    ECHO_KEY_TRIGGER,
    LIST_400_MESSAGE,
    MISSING_ROUTES,
    OTHER_MODELS,
    Presenter,
    bearer_key,
    parse_modes,
)
from .state import POLL_AFTER_MS, EngineState, VideoRecord
from .zerocopy import ZERO_COPY_SEND

ENGINE_HEADER = {"x-sora-tui-engine": "local-render"}
SECONDS = ("4", "8", "12", "16", "20")
SIZES = {
    "sora-2": ("720x1280", "1280x720"),
    "sora-2-pro": ("720x1280", "1280x720", "1024x1792", "1792x1024", "1080x1920", "1920x1080"),
}
MODEL_ALIASES = {
    "sora-2-2025-10-06": "sora-2", "sora-2-2025-12-08": "sora-2", "sora-2-pro-2025-10-06": "sora-2-pro",
}
MAX_PROMPT = 32_000
MAX_EXTENSIONS = 6
MAX_TOTAL_SECONDS = 120
CHUNK = 256 * 1024
EXPIRED_MESSAGE = "The video is no longer available. Downloads expire after 1 hours."
# Where the middleware leaves the decoded video id of a /v1/videos/{id}... path (see asgi.py).
VIDEO_ID_SCOPE_KEY = "sora_tui.video_id"
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
# stall-headers: how long /content holds a request before giving up on it (a client gives up long before).
STALL_SECONDS = 3600.0
SERVER_ERROR_MESSAGE = ("The server had an error processing your request. Sorry about that! You can retry "
                        "your request, or contact us through our help center at help.openai.com if you keep "
                        "seeing this error.")


@dataclass
class EngineConfig:
    host: str = "127.0.0.1"
    port: int = 0
    speed: str = "fast"
    faults: str = ""
    seed: int = 0
    state_dir: Path | None = None
    idle_exit: float | None = None
    announce: Path | None = None
    expires_after: float = 3600.0
    # None: any non-empty bearer key works (the contract). Set: only this key, like a real server.
    api_key: str | None = None
    # Deviations from OpenAI's behaviour (modes.py): empty is "strict". A comma string is accepted too
    # ("processing,uuid-ids", "litellm-like"); an unknown name raises ModeSpecError (a ValueError).
    modes: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        self.modes = parse_modes(self.modes)


class ApiError(Exception):
    def __init__(self, status: int, message: str, code: str | None = None, param: str | None = None,
                 type_: str = "invalid_request_error") -> None:
        super().__init__(message)
        self.status, self.message, self.code, self.param, self.type = status, message, code, param, type_


def error_response(status: int, message: str, code: str | None = None, param: str | None = None,
                   type_: str = "invalid_request_error", headers: dict[str, str] | None = None) -> JSONResponse:
    body = {"error": {"message": message, "type": type_, "param": param, "code": code}}
    return JSONResponse(body, status_code=status, headers={**ENGINE_HEADER, **(headers or {})})


def _safe(text: str, limit: int = 120) -> str:
    return _CONTROL.sub("?", text)[:limit]


class Engine:
    """Request handlers over one EngineState."""

    def __init__(self, config: EngineConfig) -> None:
        self.config = config
        self.modes = config.modes
        self.present = Presenter(config.modes)
        self.state = EngineState(config.state_dir, config.speed, config.seed, config.expires_after,
                                 new_id=self.present.new_id,
                                 blocked_terms=(ECHO_KEY_TRIGGER,) if "echo-key" in config.modes else ())
        self.poll_ms = str(POLL_AFTER_MS[config.speed])
        self.last_request = time.monotonic()
        # Whether the server hosting this engine is shutting down (set by the launcher): a stalled request
        # must let go then, or shutting down would wait for it.
        self.should_stop: Callable[[], bool] = lambda: False
        self._rate_limited_once = False

    def ok(self, body: Any, status: int = 200) -> JSONResponse:
        return JSONResponse(body, status_code=status, headers={**ENGINE_HEADER, "openai-poll-after-ms": self.poll_ms})

    def video_json(self, rec: VideoRecord, request: Request, *, poll: bool = False,
                   created: bool = False) -> dict[str, Any]:
        """The video object as sent to `request`; `poll` for GET/list answers, `created` for the answer that
        made it."""
        body = rec.public(time.time(), self.config.expires_after)
        key = bearer_key(request.headers.get("authorization"))
        return self.present.video(body, poll=poll, created=created, key=key)

    def _video(self, video_id: str) -> VideoRecord:
        rec = self.state.get(video_id)
        if rec is None:
            raise ApiError(404, f"No video found with id '{_safe(video_id)}'.", "not_found", "video_id")
        return rec

    # --- body parsing --------------------------------------------------------------------------------
    async def _body(self, request: Request) -> tuple[dict[str, Any], dict[str, UploadFile], bool]:
        ctype = request.headers.get("content-type", "")
        if ctype.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
            form = await request.form(max_part_size=64 * 1024 * 1024)
            fields: dict[str, Any] = {}
            files: dict[str, UploadFile] = {}
            for key, value in form.multi_items():
                if isinstance(value, UploadFile):
                    files[key] = value
                elif key in fields:
                    fields[key] = [*fields[key], value] if isinstance(fields[key], list) else [fields[key], value]
                else:
                    fields[key] = value
            return fields, files, False
        raw = await request.body()
        if not raw:
            return {}, {}, True
        try:
            data = json.loads(raw)
        except ValueError:
            raise ApiError(400, "We could not parse the JSON body of your request.", "invalid_json") from None
        if not isinstance(data, dict):
            raise ApiError(400, "The request body must be a JSON object.", "invalid_json")
        return data, {}, True

    @staticmethod
    def _prompt(fields: dict[str, Any]) -> str:
        prompt = fields.get("prompt")
        if prompt is None:
            raise ApiError(400, "Missing required parameter: 'prompt'.", "missing_required_parameter", "prompt")
        if not isinstance(prompt, str):
            raise ApiError(400, "Invalid type for 'prompt': expected a string.", "invalid_type", "prompt")
        if not prompt.strip():
            raise ApiError(400, "Invalid 'prompt': empty string. Expected a string with minimum length 1.", "string_below_min_length", "prompt")
        if len(prompt) > MAX_PROMPT:
            raise ApiError(400, f"Invalid 'prompt': string too long. Expected a string with maximum length {MAX_PROMPT}, but got a string with length {len(prompt)} instead.", "string_above_max_length", "prompt")
        return prompt

    @staticmethod
    def _seconds(value: Any, is_json: bool, default: str | None = "4", allowed: tuple[str, ...] = SECONDS,
                 model: str | None = None) -> str:
        if value is None:
            if default is None:
                raise ApiError(400, "Missing required parameter: 'seconds'.", "missing_required_parameter", "seconds")
            return default
        if is_json and not isinstance(value, str):
            raise ApiError(400, f"Invalid type for 'seconds': expected one of {', '.join(repr(s) for s in allowed)}, but got {type(value).__name__} instead.", "invalid_type", "seconds")
        if str(value) not in allowed:
            where = f" for {model}" if model else ""
            raise ApiError(400, f"Invalid value: '{_safe(str(value))}'. Supported values{where} are: {', '.join(repr(s) for s in allowed)}.", "invalid_value", "seconds")
        return str(value)

    def _sizes(self, model: str) -> tuple[str, ...]:
        if model in OTHER_MODELS and "other-models" in self.modes:
            return OTHER_MODELS[model][0]
        return SIZES[MODEL_ALIASES.get(model, model)]

    def _allowed_seconds(self, model: str) -> tuple[str, ...]:
        if model in OTHER_MODELS and "other-models" in self.modes:
            return OTHER_MODELS[model][1]
        return SECONDS

    def _model_size(self, fields: dict[str, Any]) -> tuple[str, str]:
        model = fields.get("model") or "sora-2"
        known = [*SIZES, *MODEL_ALIASES, *(OTHER_MODELS if "other-models" in self.modes else ())]
        if not isinstance(model, str) or model not in known:
            raise ApiError(400, f"Invalid value: '{_safe(str(model))}'. Supported models are: {', '.join(known)}.", "invalid_value", "model")
        sizes = self._sizes(model)
        size = fields.get("size") or ("720x1280" if "720x1280" in sizes else sizes[0])
        if size not in sizes:
            raise ApiError(400, f"Invalid value: '{_safe(str(size))}'. Supported values for {model} are: {', '.join(sizes)}.", "invalid_value", "size")
        return model, str(size)

    def _reference(self, fields: dict[str, Any], files: dict[str, UploadFile], size: str) -> bytes | None:
        ref = fields.get("input_reference")
        image_url = fields.get("input_reference[image_url]") or (ref.get("image_url") if isinstance(ref, dict) else None)
        file_id = fields.get("input_reference[file_id]") or (ref.get("file_id") if isinstance(ref, dict) else None)
        upload = files.get("input_reference")
        data: bytes | None = None
        if upload is not None:
            data = upload.file.read()
        elif image_url and file_id:
            raise ApiError(400, "Provide exactly one of 'image_url' or 'file_id' in input_reference.", "invalid_value", "input_reference")
        elif file_id:
            raise ApiError(400, f"No file found with id '{_safe(str(file_id))}' (the local engine has no Files API; upload the image instead).", "not_found", "input_reference")
        elif image_url:
            url = str(image_url)
            if not url.startswith("data:"):
                raise ApiError(400, "The local engine does not fetch image URLs; send the image as an upload or a data URL.", "invalid_value", "input_reference")
            try:
                data = base64.b64decode(url.split(",", 1)[1], validate=True)
            except (IndexError, binascii.Error):
                raise ApiError(400, "input_reference.image_url is not a valid base64 data URL.", "invalid_value", "input_reference") from None
        elif ref not in (None, ""):
            raise ApiError(400, "input_reference must be an image upload or an object with image_url or file_id.", "invalid_value", "input_reference")
        if data is None:
            return None
        from io import BytesIO

        from PIL import Image, UnidentifiedImageError

        try:
            with Image.open(BytesIO(data)) as img:
                fmt, dims = img.format, img.size
        except (UnidentifiedImageError, OSError):
            raise ApiError(400, "input_reference is not a readable image (use JPEG, PNG or WEBP).", "invalid_image", "input_reference") from None
        if fmt not in ("JPEG", "PNG", "WEBP"):
            raise ApiError(400, f"input_reference is {fmt}; use JPEG, PNG or WEBP.", "invalid_image_format", "input_reference")
        if f"{dims[0]}x{dims[1]}" != size:
            raise ApiError(400, f"Inpaint image must match the requested width and height (image is {dims[0]}x{dims[1]}, video is {size}).", "invalid_image_size", "input_reference")
        return data

    def _characters(self, fields: dict[str, Any], prompt: str) -> None:
        ids: list[str] = []
        for key, value in fields.items():
            if key.startswith("character_ids") or re.fullmatch(r"characters\[\d*\]\[id\]", key):
                ids.extend(value if isinstance(value, list) else [value])
            elif key == "characters" and isinstance(value, list):
                ids.extend(str(v.get("id")) for v in value if isinstance(v, dict))
        if len(ids) > 2:
            raise ApiError(400, "At most 2 characters can be used in one generation.", "too_many_characters", "characters")
        for cid in ids:
            ch = self.state.characters.get(str(cid))
            if ch is None:
                raise ApiError(400, f"No character found with id '{_safe(str(cid))}'.", "not_found", "characters")
            if ch.name not in prompt:
                raise ApiError(400, f"The character name '{_safe(ch.name)}' must appear verbatim in the prompt.", "character_not_in_prompt", "characters")

    def _source(self, fields: dict[str, Any], files: dict[str, UploadFile]) -> VideoRecord | UploadFile:
        if "video" in files:
            return files["video"]
        video = fields.get("video")
        vid = fields.get("video[id]") or (video.get("id") if isinstance(video, dict) else None)
        if not vid:
            raise ApiError(400, "Missing required parameter: 'video' (an object with the id of a completed video, or a file).", "missing_required_parameter", "video")
        return self._completed(str(vid), "used as a source")

    def _completed(self, video_id: str, what: str) -> VideoRecord:
        rec = self._video(video_id)
        status, _, _ = rec.lifecycle(time.time())
        if status != "completed":
            raise ApiError(400, f"Video '{_safe(video_id)}' is {status.replace('_', ' ')}; only a completed video can be {what}.", "invalid_video_status", "video_id")
        return rec

    # --- handlers ------------------------------------------------------------------------------------
    async def create(self, request: Request) -> Response:
        if "retry-after-long" in self.modes and not self._rate_limited_once:
            self._rate_limited_once = True
            return error_response(429, "Rate limit reached for requests. Please try again in 10m0s.",
                                  "rate_limit_exceeded", type_="requests", headers={"Retry-After": "600"})
        fields, files, is_json = await self._body(request)
        prompt = self._prompt(fields)
        model, size = self._model_size(fields)
        allowed = self._allowed_seconds(model)
        default = "4" if "4" in allowed else allowed[0]
        seconds = self._seconds(fields.get("seconds"), is_json, default, allowed, model)
        reference = self._reference(fields, files, size)
        self._characters(fields, prompt)
        rec = self.state.new_video(model=model, size=size, seconds=seconds, prompt=prompt, reference=reference)
        return self.ok(self.video_json(rec, request, created=True))

    async def list(self, request: Request) -> Response:
        if "list-400" in self.modes:
            raise ApiError(400, LIST_400_MESSAGE, "400")
        q = request.query_params
        try:
            limit = int(q.get("limit", "20"))
        except ValueError:
            raise ApiError(400, "Invalid 'limit': expected an integer.", "invalid_type", "limit") from None
        if not 0 <= limit <= 100:
            raise ApiError(400, "Invalid 'limit': expected a value between 0 and 100.", "invalid_value", "limit")
        order = q.get("order", "desc")
        if order not in ("asc", "desc"):
            raise ApiError(400, "Invalid 'order': expected 'asc' or 'desc'.", "invalid_value", "order")
        recs = self.state.ordered(order)
        after = q.get("after")
        if after:
            ids = [r.id for r in recs]
            if after not in ids:
                raise ApiError(400, f"Invalid 'after': no video with id '{_safe(after)}'.", "invalid_value", "after")
            recs = recs[ids.index(after) + 1:]
        page = recs[:limit]
        data = [self.video_json(r, request, poll=True) for r in page]
        return self.ok(self.present.listing({
            "object": "list", "data": data,
            "first_id": data[0]["id"] if data else None, "last_id": data[-1]["id"] if data else None,
            "has_more": len(recs) > len(page),
        }))

    async def retrieve(self, request: Request) -> Response:
        return self.ok(self.video_json(self._video(path_video_id(request)), request, poll=True))

    async def delete(self, request: Request) -> Response:
        rec = self._video(path_video_id(request))
        status, _, _ = rec.lifecycle(time.time())
        if status not in ("completed", "failed"):
            raise ApiError(400, f"Video '{_safe(rec.id)}' is {status.replace('_', ' ')}; only completed or failed videos can be deleted.", "invalid_video_status", "video_id")
        self.state.delete(rec.id)
        return self.ok(self.present.deleted({"id": rec.id, "object": "video.deleted", "deleted": True}))

    async def remix(self, request: Request) -> Response:
        if "remix-500" in self.modes:
            raise ApiError(500, SERVER_ERROR_MESSAGE, None, None, "server_error")
        source = self._completed(path_video_id(request), "remixed")
        fields, _, _ = await self._body(request)
        prompt = self._prompt(fields)
        rec = self.state.new_video(model=source.model, size=source.size, seconds=source.seconds, prompt=prompt,
                                   kind="remix", remixed_from=source.id, source=source)
        return self.ok(self.video_json(rec, request, created=True))

    async def edit(self, request: Request) -> Response:
        fields, files, _is_json = await self._body(request)
        prompt = self._prompt(fields)
        source = self._source(fields, files)
        if isinstance(source, UploadFile):
            model, size, seconds, first_frame = self._uploaded_video(source, fields, need_model=True)
            rec = self.state.new_video(model=model, size=size, seconds=seconds, prompt=prompt, kind="edit", reference=first_frame)
        else:
            rec = self.state.new_video(model=source.model, size=source.size, seconds=source.seconds, prompt=prompt,
                                       kind="edit", source=source)
        return self.ok(self.video_json(rec, request, created=True))

    def _uploaded_video(self, upload: UploadFile, fields: dict[str, Any], need_model: bool) -> tuple[str, str, str, bytes]:
        """Probe an uploaded clip: model, size, nearest allowed seconds, and a frame (PNG) to render from."""
        if need_model and not fields.get("model"):
            raise ApiError(400, "Editing an uploaded video needs 'model'.", "missing_required_parameter", "model")
        info, frame = _probe_upload(upload, frame="first" if need_model else "last")
        assert frame is not None
        model, _ = self._model_size({"model": fields.get("model") or "sora-2", "size": None})
        size = f"{info['width']}x{info['height']}"
        sizes = self._sizes(model)
        if size not in sizes:
            raise ApiError(400, f"The uploaded video is {size}; {model} supports {', '.join(sizes)}.", "invalid_value", "video")
        seconds = min(self._allowed_seconds(model), key=lambda s: abs(int(s) - info["duration"]))
        return model, size, seconds, frame

    async def extend(self, request: Request) -> Response:
        fields, files, is_json = await self._body(request)
        prompt = self._prompt(fields)
        seconds = self._seconds(fields.get("seconds"), is_json, default=None)
        source = self._source(fields, files)
        if isinstance(source, UploadFile):
            # An uploaded clip: the stitched result opens on the clip's last frame, then follows the prompt.
            model, size, up_seconds, last_frame = self._uploaded_video(source, fields, need_model=False)
            total = int(up_seconds) + int(seconds)
            rec = self.state.new_video(
                model=model, size=size, seconds=str(total), prompt=prompt, kind="extension",
                segments=["(uploaded clip)", prompt], segment_seconds=[float(up_seconds), float(seconds)], reference=last_frame,
            )
            return self.ok(self.video_json(rec, request, created=True))
        if source.extensions >= MAX_EXTENSIONS:
            raise ApiError(400, f"A video can be extended at most {MAX_EXTENSIONS} times.", "too_many_extensions", "video")
        total = int(source.seconds) + int(seconds)
        if total > MAX_TOTAL_SECONDS:
            raise ApiError(400, f"An extended video can be at most {MAX_TOTAL_SECONDS} seconds (this would be {total}).", "video_too_long", "seconds")
        prompts = source.segments or [source.prompt]
        durations = source.segment_seconds or [float(source.seconds)]
        rec = self.state.new_video(
            model=source.model, size=source.size, seconds=str(total), prompt=prompt, kind="extension",
            source=source, segments=[*prompts, prompt], segment_seconds=[*durations, float(seconds)],
        )
        return self.ok(self.video_json(rec, request, created=True))

    async def create_character(self, request: Request) -> Response:
        fields, files, _ = await self._body(request)
        name = fields.get("name")
        if not isinstance(name, str) or not 1 <= len(name.strip()) <= 80:
            raise ApiError(400, "Invalid 'name': expected 1 to 80 characters.", "invalid_value", "name")
        upload = files.get("video")
        if upload is None:
            raise ApiError(400, "Missing required parameter: 'video' (a video file).", "missing_required_parameter", "video")
        _probe_upload(upload, frame=None)
        ch = self.state.new_character(name.strip())
        return self.ok(self.present.character(ch.public()))

    async def get_character(self, request: Request) -> Response:
        cid = request.path_params["character_id"]
        ch = self.state.characters.get(cid)
        if ch is None:
            raise ApiError(404, f"No character found with id '{_safe(cid)}'.", "not_found", "character_id")
        return self.ok(self.present.character(ch.public()))

    async def content(self, request: Request) -> Response:
        if "stall-headers" in self.modes:
            return await self._stall(request)
        rec = self._video(path_video_id(request))
        # ignore-variant: a proxy that drops the query string asks for the default, the video
        variant = "video" if "ignore-variant" in self.modes else request.query_params.get("variant", "video")
        if variant not in ("video", "thumbnail", "spritesheet"):
            raise ApiError(400, f"Invalid 'variant': '{_safe(variant)}'. Use video, thumbnail or spritesheet.", "invalid_value", "variant")
        status, _, completed = rec.lifecycle(time.time())
        if status != "completed":
            raise ApiError(400, f"Video '{_safe(rec.id)}' is {status.replace('_', ' ')}; its content is available once it is completed.", "video_not_ready", "video_id")
        if completed and time.time() > completed + self.config.expires_after:
            raise ApiError(404, EXPIRED_MESSAGE, None, None)
        path = self.state.asset(rec.id, variant)
        if not path.exists():
            raise ApiError(404, f"The {variant} of '{_safe(rec.id)}' is missing on the server.", "not_found", "variant")
        ctype = {"video": "video/mp4", "thumbnail": "image/webp", "spritesheet": "image/jpeg"}[variant]
        if "lying-content" in self.modes:
            ctype = "application/octet-stream"
        size = path.stat().st_size
        # from a hash: ids are opaque (any length, any characters), an ETag must stay a short ASCII token
        etag = f'"{hashlib.sha256(rec.id.encode()).hexdigest()[:12]}-{variant}-{size}"'
        headers = {**ENGINE_HEADER, "Accept-Ranges": "bytes", "ETag": etag}
        start, end, status_code = 0, size - 1, 200
        range_header = request.headers.get("range")
        if_range = request.headers.get("if-range")
        if range_header and "range-416" in self.modes:  # refused, and no Content-Range to say what is there
            return error_response(416, "Requested range not satisfiable.", "range_not_satisfiable")
        if range_header and (not if_range or if_range == etag):
            m = re.fullmatch(r"bytes=(\d*)-(\d*)", range_header.strip())
            if not m or (not m.group(1) and not m.group(2)):
                return error_response(416, "Invalid Range header.", "range_not_satisfiable", headers={"Content-Range": f"bytes */{size}"})
            if m.group(1):
                start = int(m.group(1))
                end = min(int(m.group(2)), size - 1) if m.group(2) else size - 1
            else:  # suffix range: the last N bytes
                start = max(0, size - int(m.group(2)))
            if start >= size or start > end:
                return error_response(416, "Requested range not satisfiable.", "range_not_satisfiable", headers={"Content-Range": f"bytes */{size}"})
            status_code = 206
            headers["Content-Range"] = f"bytes {start}-{end}/{size}"
        headers["Content-Length"] = str(end - start + 1)
        if status_code == 206 and "lying-content" in self.modes:
            # the promised bytes, exactly as many, but an HTML page (a CDN's error page) and no type
            return Response(_html_page(end - start + 1), status_code=206, headers=headers)
        if ZERO_COPY_SEND in request.scope.get("extensions", {}):
            return _ZeroCopyFileResponse(path, start, end, status_code=status_code, media_type=ctype, headers=headers)
        return StreamingResponse(_file_chunks(path, start, end), status_code=status_code, media_type=ctype, headers=headers)

    async def _stall(self, request: Request) -> Response:
        """Hold the request without an answer until the client leaves or the server shuts down."""
        deadline = time.monotonic() + STALL_SECONDS
        while time.monotonic() < deadline and not self.should_stop() and not await request.is_disconnected():
            await asyncio.sleep(0.05)
        return error_response(503, "The server is shutting down.", "server_unavailable", type_="server_error")


def _html_page(length: int) -> bytes:
    page = (b"<!doctype html><html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1>"
            b"<p>The upstream server did not answer.</p>")
    tail = b"</body></html>"
    if length <= len(tail):
        return tail[-length:] if length else b""
    body = page[: length - len(tail)]
    return body + b" " * (length - len(tail) - len(body)) + tail


class _ZeroCopyFileResponse(Response):
    """A file's bytes start..end (inclusive), moved by the server with sendfile(2) (zerocopy.py)."""

    def __init__(self, path: Path, start: int, end: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.path, self.start, self.count = path, start, end - start + 1

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        # Opening a local file takes microseconds; the body goes by sendfile(2), outside the event loop.
        with open(self.path, "rb") as fh:  # noqa: ASYNC230
            await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
            await send({"type": ZERO_COPY_SEND, "file": fh, "offset": self.start, "count": self.count, "more_body": False})


async def _file_chunks(path: Path, start: int, end: int):  # type: ignore[no-untyped-def]
    remaining = end - start + 1
    with open(path, "rb") as fh:  # noqa: ASYNC230 - the open is microseconds; the reads go to a thread
        fh.seek(start)
        while remaining > 0:
            block = await asyncio.to_thread(fh.read, min(CHUNK, remaining))
            if not block:
                break
            remaining -= len(block)
            yield block


def create_app(config: EngineConfig) -> Starlette:
    from .asgi import EngineMiddleware

    engine = Engine(config)

    def wrap(handler):  # type: ignore[no-untyped-def]
        async def endpoint(request: Request) -> Response:
            try:
                return await handler(request)
            except ApiError as exc:
                return error_response(exc.status, exc.message, exc.code, exc.param, exc.type)

        return endpoint

    routes = [
        Route("/health", lambda r: JSONResponse({"ok": True, "engine": "sora-tui local engine", "speed": config.speed,
                                                  "modes": sorted(config.modes) or ["strict"],
                                                  "renders": "procedural, not AI"}, headers=ENGINE_HEADER)),
        # no-* modes: these come first and answer as a FastAPI proxy without the route would (modes.py)
        *[Route(path, _missing_route(status), methods=[method])
          for mode in sorted(config.modes) for method, path, status in MISSING_ROUTES.get(mode, ())],
        Route("/v1/videos", wrap(engine.create), methods=["POST"]),
        Route("/v1/videos", wrap(engine.list), methods=["GET"]),
        Route("/v1/videos/edits", wrap(engine.edit), methods=["POST"]),
        Route("/v1/videos/extensions", wrap(engine.extend), methods=["POST"]),
        Route("/v1/videos/characters", wrap(engine.create_character), methods=["POST"]),
        Route("/v1/videos/characters/{character_id}", wrap(engine.get_character), methods=["GET"]),
        Route("/v1/videos/{video_id}", wrap(engine.retrieve), methods=["GET"]),
        Route("/v1/videos/{video_id}", wrap(engine.delete), methods=["DELETE"]),
        Route("/v1/videos/{video_id}/content", wrap(engine.content), methods=["GET"]),
        Route("/v1/videos/{video_id}/remix", wrap(engine.remix), methods=["POST"]),
    ]

    async def not_found(request: Request, exc: Exception) -> Response:
        status = getattr(exc, "status_code", 404)
        if status == 405:
            return error_response(405, f"Method {request.method} is not allowed on {request.url.path}.", "method_not_allowed")
        return error_response(404, f"Unknown path {request.url.path}.", "unknown_url")

    app = Starlette(routes=routes, exception_handlers={404: not_found, 405: not_found})
    app.state.engine = engine
    return EngineMiddleware(app, engine, FaultPlan.parse(config.faults, config.seed))  # type: ignore[return-value]


def path_video_id(request: Request) -> str:
    """The video id of the path, decoded once: ids are opaque and may hold '/', which the path alone loses."""
    return str(request.scope.get(VIDEO_ID_SCOPE_KEY) or request.path_params["video_id"])


def _missing_route(status: int) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        if status == 405:
            return JSONResponse({"detail": "Method Not Allowed"}, status_code=405, headers={"allow": "GET"})
        return JSONResponse({"detail": "Not Found"}, status_code=404)

    return endpoint


def _probe_upload(upload: UploadFile, frame: str | None) -> tuple[dict[str, Any], bytes | None]:
    """Decode an uploaded clip: its probe (size, duration) and, if asked, its first or last frame as PNG."""
    import tempfile

    from .render import probe, still_frame

    with tempfile.NamedTemporaryFile(suffix=".mp4") as tmp:
        tmp.write(upload.file.read())
        tmp.flush()
        try:
            info = probe(Path(tmp.name))
            still = still_frame(Path(tmp.name), last=frame == "last") if frame else None
        except Exception:  # noqa: BLE001 - whatever the decoder raises, the upload is not a video it can read
            info, still = {}, None
    if not info.get("width") or (frame and still is None):
        raise ApiError(400, "The uploaded video could not be decoded.", "invalid_video", "video")
    return info, still
