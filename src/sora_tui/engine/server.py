"""The local /v1/videos server (Starlette): every operation of the spec, as routes and their handlers over one
EngineState. request_reader.py reads and checks a request, content.py serves the files (Range downloads) and
errors.py shapes the errors as OpenAI's."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .content import file_response
from .errors import ENGINE_HEADER, ApiError, error_response, safe_text
from .faults import FaultPlan
from .modes import (
    ECHO_KEY_TRIGGER,
    LIST_400_MESSAGE,
    MISSING_ROUTES,
    Presenter,
    bearer_key,
    parse_modes,
)
from .request_reader import RequestReader, probe_upload
from .state import POLL_AFTER_MS, EngineState, VideoRecord

MAX_EXTENSIONS = 6
MAX_TOTAL_SECONDS = 120
EXPIRED_MESSAGE = "The video is no longer available. Downloads expire after 1 hours."
# Where the middleware leaves the decoded video id of a /v1/videos/{id}... path (see asgi.py).
VIDEO_ID_SCOPE_KEY = "sora_tui.video_id"
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


class Engine(RequestReader):
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
                raise ApiError(400, f"Invalid 'after': no video with id '{safe_text(after)}'.", "invalid_value", "after")
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
            raise ApiError(400, f"Video '{safe_text(rec.id)}' is {status.replace('_', ' ')}; only completed or failed videos can be deleted.", "invalid_video_status", "video_id")
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
        probe_upload(upload, frame=None)
        ch = self.state.new_character(name.strip())
        return self.ok(self.present.character(ch.public()))

    async def get_character(self, request: Request) -> Response:
        cid = request.path_params["character_id"]
        ch = self.state.characters.get(cid)
        if ch is None:
            raise ApiError(404, f"No character found with id '{safe_text(cid)}'.", "not_found", "character_id")
        return self.ok(self.present.character(ch.public()))

    async def content(self, request: Request) -> Response:
        if "stall-headers" in self.modes:
            return await self._stall(request)
        rec = self._video(path_video_id(request))
        # ignore-variant: a proxy that drops the query string asks for the default, the video
        variant = "video" if "ignore-variant" in self.modes else request.query_params.get("variant", "video")
        if variant not in ("video", "thumbnail", "spritesheet"):
            raise ApiError(400, f"Invalid 'variant': '{safe_text(variant)}'. Use video, thumbnail or spritesheet.", "invalid_value", "variant")
        status, _, completed = rec.lifecycle(time.time())
        if status != "completed":
            raise ApiError(400, f"Video '{safe_text(rec.id)}' is {status.replace('_', ' ')}; its content is available once it is completed.", "video_not_ready", "video_id")
        if completed and time.time() > completed + self.config.expires_after:
            raise ApiError(404, EXPIRED_MESSAGE, None, None)
        path = self.state.asset(rec.id, variant)
        if not path.exists():
            raise ApiError(404, f"The {variant} of '{safe_text(rec.id)}' is missing on the server.", "not_found", "variant")
        return file_response(request, path, video_id=rec.id, variant=variant, modes=self.modes)

    async def _stall(self, request: Request) -> Response:
        """Hold the request without an answer until the client leaves or the server shuts down."""
        deadline = time.monotonic() + STALL_SECONDS
        while time.monotonic() < deadline and not self.should_stop() and not await request.is_disconnected():
            await asyncio.sleep(0.05)
        return error_response(503, "The server is shutting down.", "server_unavailable", type_="server_error")


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
