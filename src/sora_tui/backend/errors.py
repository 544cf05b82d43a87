"""One error type for everything a /v1/videos server (or the path to it) can do wrong, in the user's words."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from ..core import i18n
from ..core.i18n import N_, _
from ..core.text import one_line

# kind -> what the user can do about it (translated when shown: the language may change after import)
_ADVICE = {
    "auth": N_("Check the API key for this profile (is the environment variable set, is the key still valid?)."),
    "unreachable": N_("Check the base URL and that the server is running and reachable from this machine."),
    "timeout": N_("It may be overloaded: try again, or raise the profile's timeout."),
    "rate_limited": N_("The server is rate-limiting this key: wait a little before sending more."),
    "bad_request": N_("Change the request as the message says and try again."),
    "not_found": N_("The server does not know this id (deleted, expired, or created on another server/profile)."),
    "expired": N_("The server's copy has expired. Remix it (remixes of expired videos still work) or generate again."),
    "server": N_("The server had an internal error; retrying later usually works."),
    "network": N_("Check the connection and try again; a download picks up where it stopped."),
    "truncated": N_("Try the download again; it picks up where it stopped when the server allows."),
    "unsupported": N_("That is a limit of this server (often a proxy or gateway), not a fault; use a profile whose "
                      "server offers it."),
    "disk": N_("Free some disk space or choose another download directory."),
    "protocol": N_("The server answered something sora-tui cannot read; check the base URL points at a /v1 API."),
    "wrong_asset": N_("The server, or a proxy in front of it that drops the ?variant= query, sent another kind of "
                      "file; nothing was saved under this asset's name."),
}


@dataclass
class BackendError(Exception):
    """A failed server call. `message` is safe to show (control characters stripped, no key)."""

    kind: str
    message: str
    status: int | None = None
    code: str | None = None
    retry_after: float | None = None
    english: str = ""  # the message in English (map_error sets it): what a job's error keeps as data

    def __post_init__(self) -> None:
        super().__init__(self.message)
        self.message = one_line(self.message, 600)
        self.english = one_line(self.english, 600) if self.english else self.message

    @property
    def advice(self) -> str:
        advice = _ADVICE.get(self.kind)
        return _(advice) if advice else ""

    @property
    def retryable(self) -> bool:
        return self.kind in {"unreachable", "timeout", "rate_limited", "server", "network", "truncated"}

    def what_happened(self) -> str:
        """The message and HTTP status, without the kind's advice (for callers whose own advice fits better)."""
        # The sentence's end is the language's own ("." or "。"): one the message already has is not doubled.
        message = (self.english if i18n.speaking() == "en" else self.message).rstrip("。")
        if self.status:
            text = _("{message} (HTTP {status}).").format(message=message, status=self.status)
        else:
            text = _("{message}.").format(message=message)
        return text.replace("..", ".").replace(".。", "。")

    def user_message(self) -> str:
        advice = self.advice
        if not advice:
            return self.what_happened()
        return _("{what_happened} {advice}").format(what_happened=self.what_happened(), advice=advice)

    def __str__(self) -> str:
        return self.user_message()


def _server_message(exc: object) -> str:
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        err = body.get("error", body)
        if isinstance(err, dict) and err.get("message"):
            return str(err["message"])
        detail = body.get("detail")
        if isinstance(detail, str):  # FastAPI-style gateways
            return detail
    return str(getattr(exc, "message", "") or exc)


def _server_code(exc: object) -> str | None:
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        err = body.get("error", body)
        if isinstance(err, dict) and err.get("code"):
            return str(err["code"])
    return None


def _retry_after(headers: object) -> float | None:
    if headers is None:
        return None
    try:
        ms = headers.get("retry-after-ms")  # type: ignore[attr-defined]
        if ms:
            return max(0.0, float(ms) / 1000)
        s = headers.get("retry-after")  # type: ignore[attr-defined]
        if s:
            return max(0.0, float(s))
    except (TypeError, ValueError):
        return None
    return None


# How a router that has no such path answers (FastAPI/Starlette, Go, nginx, OpenAI's own "Invalid URL (...)").
_GENERIC_404 = re.compile(r"\s*(404\s*:?\s*)?((page|route|path|resource)\s+)?not\s*found\.?\s*|\s*",
                          re.IGNORECASE)
_ROUTE_CODES = {"unknown_url", "invalid_url", "route_not_found", "no_route"}
_ROUTE_MESSAGES = ("invalid url", "unknown url", "unknown path", "no route")


def is_missing_route(status: int, body: Any) -> bool:
    """Whether an answer says "no such route here" rather than "no such video".

    405 and 501 always do. A 404 does unless it carries an error about the thing asked for: an OpenAI error
    object, or a FastAPI-style {"detail": "..."} that says more than "Not Found". `body` is the parsed JSON
    (the SDK passes the inner "error" object), the text of a non-JSON answer, or None.
    """
    if status in (405, 501):
        return True
    if status != 404:
        return False
    if body is None or isinstance(body, (str, bytes)):
        text = body.decode("utf-8", "replace") if isinstance(body, bytes) else (body or "")
        # an HTML error page, or a bare "Not Found"
        return text.lstrip().startswith("<") or bool(_GENERIC_404.fullmatch(text))
    if not isinstance(body, dict):
        return True
    err = body.get("error", body)
    if isinstance(err, dict):
        code = str(err.get("code") or "").lower()
        message = err.get("message") if "message" in err else err.get("detail")
        if code in _ROUTE_CODES:
            return True
        if err.get("param") or code in ("not_found", "video_not_found", "resource_not_found"):
            return False  # names what was not found: the route is there
        if not isinstance(message, str):
            return not err  # {} says nothing about a video
        return message.strip().lower().startswith(_ROUTE_MESSAGES) or bool(_GENERIC_404.fullmatch(message))
    return isinstance(err, str) and bool(_GENERIC_404.fullmatch(err))


# What a request asks for, in the user's words (translated where the message is built).
_OPERATIONS = {
    "list": N_("a list of videos"),
    "create": N_("video generation"),
    "edits": N_("edits"),
    "extensions": N_("extensions"),
    "characters": N_("characters"),
    "remix": N_("remix"),
    "thumbnail": N_("thumbnails"),
    "spritesheet": N_("spritesheets"),
    "delete": N_("deleting videos"),
}


def _operation(request: Any, base_url: str) -> tuple[str | None, bool]:
    """What the failed request asked for (a key of _OPERATIONS), and whether a 404 on it can only mean the route
    is missing: ("remix", False), ("list", True), (None, False) for retrieving one video."""
    try:
        method = str(request.method).upper()
        raw = bytes(request.url.raw_path).split(b"?", 1)[0].decode("ascii", "replace")
        query = bytes(request.url.query).decode("ascii", "replace") if request.url.query else ""
    except (AttributeError, TypeError, ValueError, RuntimeError):
        return None, False
    prefix = "/" + base_url.split("://", 1)[-1].partition("/")[2].strip("/") if base_url else ""
    if prefix and prefix != "/" and raw.startswith(prefix + "/"):
        raw = raw[len(prefix):]
    parts = raw.strip("/").split("/")
    if "videos" not in parts:
        return None, False
    rest = [unquote(p) for p in parts[parts.index("videos") + 1:]]
    if not rest:
        return ("list", True) if method == "GET" else ("create", False)
    if rest[0] in ("edits", "extensions") and len(rest) == 1:
        return rest[0], False
    if rest[0] == "characters":
        return "characters", False
    if len(rest) == 2 and rest[1] == "remix":
        return "remix", False
    if len(rest) == 2 and rest[1] == "content":
        variant = re.search(r"(?:^|&)variant=([a-z]+)", query)
        if variant and variant.group(1) in ("thumbnail", "spritesheet"):
            return variant.group(1), False
        return None, False  # the video itself: a 404 there is about the video (missing, expired)
    if len(rest) == 1 and method == "DELETE":
        return "delete", False
    return None, False


def _unsupported(exc: Any, status: int, base_url: str) -> str | None:
    """The user message when this status error means the server lacks the operation, else None."""
    operation, collection = _operation(getattr(exc, "request", None), base_url)
    body = getattr(exc, "body", None)
    # A list request carries nothing the user chose, so a 400 is the server refusing to list at all (LiteLLM in
    # front of a provider that cannot: "list videos is not supported for this provider"), not a bad request.
    if (status in (405, 501) or (status == 404 and operation and (collection or is_missing_route(status, body)))
            or (status == 400 and collection)):
        if operation is None:
            return _("This server does not offer that operation")
        return _("This server does not offer {operation}").format(operation=_(_OPERATIONS[operation]))
    return None


def map_error(exc: BaseException, base_url: str = "") -> BackendError:
    """Translate SDK / httpx2 / OS exceptions into a BackendError, its message in the interface's language and
    in English (what a job keeps as data)."""
    if isinstance(exc, BackendError):
        return exc
    with i18n.english():
        english = _map_error(exc, base_url).message
    mapped = _map_error(exc, base_url)
    mapped.english = english
    return mapped


def _map_error(exc: BaseException, base_url: str = "") -> BackendError:
    import httpx2
    import openai

    if isinstance(exc, BackendError):
        return exc
    # The SDK wraps transport errors; what matters is whether the request can have reached the server.
    # A failed connect proves it did not ("unreachable": safe to resubmit a create); a connection that
    # dropped or timed out after sending proves nothing ("network"/"timeout": a create is uncertain).
    cause = exc.__cause__ if isinstance(exc, openai.APIConnectionError) else exc
    if isinstance(cause, (httpx2.ConnectError, httpx2.ConnectTimeout)):
        return BackendError("unreachable", _("Cannot reach the server at {url}").format(url=base_url) if base_url
                            else _("Cannot reach the server"))
    if isinstance(exc, (openai.APITimeoutError, httpx2.TimeoutException)):
        return BackendError("timeout", _("The server at {url} did not answer in time").format(url=base_url)
                            if base_url else _("The server did not answer in time"))
    if isinstance(exc, openai.APIConnectionError):
        return BackendError("network", _dropped(base_url))
    if isinstance(exc, openai.APIStatusError):
        status = exc.status_code
        message = _server_message(exc)
        code = _server_code(exc)
        headers = getattr(exc.response, "headers", None)
        if status == 401 or isinstance(exc, openai.AuthenticationError):
            refused = (_("The server at {url} refused the API key: {message}").format(url=base_url, message=message)
                       if base_url else _("The server refused the API key: {message}").format(message=message))
            return BackendError("auth", refused, status, code)
        if status == 403:
            return BackendError("auth", _("Not allowed: {message}").format(message=message), status, code)
        if status == 429:
            return BackendError("rate_limited", _("Rate limited: {message}").format(message=message), status, code,
                                _retry_after(headers))
        missing = _unsupported(exc, status, base_url) if status in (400, 404, 405, 501) else None
        if missing is not None:
            return BackendError("unsupported", missing, status, code)
        if status == 404:
            kind = "expired" if "expire" in message.lower() else "not_found"
            return BackendError(kind, message, status, code)
        if status >= 500:
            return BackendError("server", _("Server error: {message}").format(message=message), status, code,
                                _retry_after(headers))
        return BackendError("bad_request", message, status, code)
    if isinstance(exc, (httpx2.RemoteProtocolError, httpx2.ReadError, httpx2.NetworkError, httpx2.ProtocolError)):
        return BackendError("network", _dropped(base_url))
    if isinstance(exc, openai.APIResponseValidationError):
        return BackendError("protocol", _("Unexpected response from the server at {url}").format(url=base_url)
                            if base_url else _("Unexpected response from the server"))
    if isinstance(exc, OSError):
        import errno

        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return BackendError("disk", _("The disk is full ({path})").format(path=exc.filename) if exc.filename
                                else _("The disk is full (download directory)"))
        reason = exc.strerror or exc
        return BackendError("disk", _("Cannot write {path}: {reason}").format(path=exc.filename, reason=reason)
                            if exc.filename else _("Cannot write the file: {reason}").format(reason=reason))
    if isinstance(exc, openai.OpenAIError):
        return BackendError("protocol", str(exc))
    return BackendError("protocol", f"{type(exc).__name__}: {exc}")


def _dropped(base_url: str) -> str:
    return (_("The connection to the server at {url} dropped").format(url=base_url) if base_url
            else _("The connection to the server dropped"))
