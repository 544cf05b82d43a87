"""ASGI middleware of the local engine: bearer-key check, fault injection, activity tracking, ids in paths,
and the modes that change every response (a skewed Date header, rewritten error messages)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from email.utils import formatdate
from typing import Any
from urllib.parse import quote, unquote

from .faults import FaultPlan
from .modes import Presenter, bearer_key
from .server import VIDEO_ID_SCOPE_KEY
from .zerocopy import ZERO_COPY_SEND

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


class FaultInjected(Exception):
    """Raised on purpose to make the server drop a connection; silenced in the logs."""


def _json_error(status: int, message: str, code: str | None, type_: str, extra: dict[str, str] | None = None) -> tuple[dict, bytes]:
    body = json.dumps({"error": {"message": message, "type": type_, "param": None, "code": code}}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
               (b"x-sora-tui-engine", b"local-render")]
    headers += [(k.encode(), v.encode()) for k, v in (extra or {}).items()]
    return {"type": "http.response.start", "status": status, "headers": headers}, body


async def _send_error(send: Send, status: int, message: str, code: str | None, type_: str,
                      extra: dict[str, str] | None = None) -> None:
    start, body = _json_error(status, message, code, type_, extra)
    await send(start)
    await send({"type": "http.response.body", "body": body})


async def _drop(send: Send) -> None:
    """Start a response and abandon it: the client sees the connection close mid-response."""
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json"), (b"content-length", b"64")]})
    await send({"type": "http.response.body", "body": b'{"id": "', "more_body": True})
    raise FaultInjected("connection dropped on purpose")


class EngineMiddleware:
    def __init__(self, app: Any, engine: Any, faults: FaultPlan) -> None:
        self.app = app
        self.engine = engine
        self.faults = faults
        self.state = engine.state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        self.engine.last_request = time.monotonic()
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        auth = headers.get("authorization", "")
        present: Presenter = self.engine.present
        if present.skew or present.rewrites_errors():
            send = _presented(send, present, bearer_key(auth))
        path: str = scope.get("path", "")
        if not path.startswith("/v1/"):
            await self.app(scope, receive, send)
            return
        if not auth.lower().startswith("bearer ") or not auth[7:].strip():
            await _send_error(send, 401, "You didn't provide an API key. Send it in the Authorization header as 'Bearer YOUR_KEY' (any non-empty key works with the local engine).",
                              "invalid_api_key", "invalid_request_error")
            return
        query = scope.get("query_string", b"").decode("latin-1")
        required = self.engine.config.api_key
        if required and auth[7:].strip() != required:
            given = auth[7:].strip()
            shown = f"{given[:3]}***{given[-4:]}" if len(given) > 10 else "***"  # never echo a whole key
            await _send_error(send, 401, f"Incorrect API key provided: {shown}.", "invalid_api_key", "invalid_request_error")
            return
        scope = _with_video_id(scope)
        fault = self.faults.draw(f"{scope.get('method', '')} {path}" + (f"?{query}" if query else ""))
        if fault is None:
            await self.app(scope, receive, send)
            return
        if fault == "429":
            await _send_error(send, 429, "Rate limit reached for requests (injected by --faults).", "rate_limit_exceeded",
                              "requests", {"retry-after": "1", "retry-after-ms": "1000"})
        elif fault in ("500", "502", "503"):
            await _send_error(send, int(fault), "The server had an error while processing your request (injected by --faults).",
                              "server_error", "server_error")
        elif fault == "reset" or (fault == "truncate" and not path.endswith("/content")):
            await _drop(send)
        elif fault == "slow":
            if path.endswith("/content"):
                await self.app(_streamed(scope), receive, _stalling(send))
            else:  # the server acts at once but answers late, like a busy gateway (clients time out here)
                await self.app(scope, receive, _late(send))
        elif fault == "truncate":
            await self.app(_streamed(scope), receive, _truncating(send))
        elif fault == "lost":
            async def swallow(message: dict[str, Any]) -> None:
                return None

            await self.app(scope, receive, swallow)  # the server acts...
            await _drop(send)  # ...and the answer never arrives


def _presented(send: Send, present: Presenter, key: str | None) -> Send:
    """Every response as the modes send it: a Date from the server's skewed clock (the launcher turns
    uvicorn's own off then), and OpenAI error bodies rewritten (echo-key, control-text) with their length."""
    held: list[dict[str, Any]] = []
    chunks: list[bytes] = []

    async def wrapped(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", []))
            if present.skew:
                date = formatdate(present.now(), usegmt=True).encode()
                headers = [(k, v) for k, v in headers if k.lower() != b"date"] + [(b"date", date)]
            message = {**message, "headers": headers}
            ctype = next((v for k, v in headers if k.lower() == b"content-type"), b"")
            is_error = message["status"] >= 400 and ctype.startswith(b"application/json")
            if is_error and present.rewrites_errors():
                held.append(message)  # until its whole body is known: the length changes
                return
        elif held and message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            start = held.pop()
            body = _rewritten_error(b"".join(chunks), present, key)
            headers = [(k, v) for k, v in start["headers"] if k.lower() != b"content-length"]
            await send({**start, "headers": [*headers, (b"content-length", str(len(body)).encode())]})
            message = {"type": "http.response.body", "body": body}
        await send(message)

    return wrapped


def _rewritten_error(raw: bytes, present: Presenter, key: str | None) -> bytes:
    try:
        body = json.loads(raw)
    except ValueError:
        return raw
    if not isinstance(body, dict) or not isinstance(body.get("error"), dict):
        return raw  # not an OpenAI error (a proxy's {"detail": ...}): left as that server would send it
    body = {**body, "error": present.error(body["error"], key)}
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def _with_video_id(scope: Scope) -> Scope:
    """Decode the id segment of /v1/videos/{id}[/...] from the raw path and keep it in the scope.

    The server's decoded path has lost the difference between '/' and '%2F', so an id such as
    'projects/p/operations/1' (sent as one escaped segment) would not route. The id goes to the handlers
    decoded exactly once, and the path Starlette routes on gets a version of it without slashes.
    """
    raw = scope.get("raw_path")
    if not isinstance(raw, (bytes, bytearray)) or not raw.startswith(b"/v1/videos/"):
        return scope
    parts = bytes(raw).split(b"?", 1)[0].split(b"/")
    if len(parts) < 4 or not parts[3]:
        return scope
    segments = [unquote(p.decode("latin-1")) for p in parts[3:]]
    if segments[0] in ("edits", "extensions", "characters"):
        return scope
    routed = "/v1/videos/" + "/".join([quote(segments[0], safe=""), *segments[1:]])
    return {**scope, "path": routed, VIDEO_ID_SCOPE_KEY: segments[0]}


def _streamed(scope: Scope) -> Scope:
    """The scope without Zero Copy Send, for faults that cut or stall a body: they need its bytes in messages."""
    extensions = {k: v for k, v in scope.get("extensions", {}).items() if k != ZERO_COPY_SEND}
    return {**scope, "extensions": extensions}


def _late(send: Send) -> Send:
    async def wrapped(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            await asyncio.sleep(2.0)
        await send(message)

    return wrapped


def _stalling(send: Send) -> Send:
    """Send the first half of the body's first piece, stall 2 s, then the rest: a stall in the middle of the body
    however the body is cut into pieces (a clip is often one piece)."""
    state = {"stalled": False}

    async def wrapped(message: dict[str, Any]) -> None:
        body = message.get("body", b"")
        if message["type"] == "http.response.body" and not state["stalled"] and len(body) > 1:
            state["stalled"] = True
            half = len(body) // 2
            await send({"type": "http.response.body", "body": body[:half], "more_body": True})
            await asyncio.sleep(2.0)
            message = {**message, "body": body[half:]}
        await send(message)

    return wrapped


def _truncating(send: Send) -> Send:
    """Announce the full Content-Length, send half of the body, then drop the connection."""
    state = {"status": 200, "sent": 0, "cut": 1}

    async def wrapped(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            state["status"] = message["status"]
            length = {k.lower(): v for k, v in message.get("headers", [])}.get(b"content-length", b"2")
            state["cut"] = max(1, int(length) // 2)
            await send(message)
            return
        if state["status"] >= 300:
            await send(message)
            return
        body = message.get("body", b"")
        if state["sent"] + len(body) >= state["cut"]:
            await send({"type": "http.response.body", "body": body[: state["cut"] - state["sent"]], "more_body": True})
            raise FaultInjected("body truncated on purpose")
        state["sent"] += len(body)
        await send(message)

    return wrapped
