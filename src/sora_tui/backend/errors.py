"""One error type for everything a /v1/videos server (or the path to it) can do wrong, in the user's words."""

from __future__ import annotations

from dataclasses import dataclass

from ..core.text import one_line

# kind -> what the user can do about it
_ADVICE = {
    "auth": "Check the API key for this profile (is the environment variable set, is the key still valid?).",
    "unreachable": "Check the base URL and that the server is running and reachable from this machine.",
    "timeout": "The server did not answer in time; it may be overloaded. Try again, or raise the profile's timeout.",
    "rate_limited": "The server is rate-limiting this key; sora-tui will wait and retry.",
    "bad_request": "Change the request as the message says and try again.",
    "not_found": "The server does not know this id (deleted, expired, or created on another server/profile).",
    "expired": "The server's copy has expired. Remix it (remixes of expired videos still work) or generate again.",
    "server": "The server had an internal error; retrying later usually works.",
    "network": "The connection dropped mid-way; the download can be resumed.",
    "truncated": "The server sent fewer bytes than it announced; the download can be resumed.",
    "unsupported": "This server does not offer that operation.",
    "disk": "Free some disk space or choose another download directory.",
    "protocol": "The server answered something sora-tui cannot read; check the base URL points at a /v1 API.",
}


@dataclass
class BackendError(Exception):
    """A failed server call. `message` is safe to show (control characters stripped, no key)."""

    kind: str
    message: str
    status: int | None = None
    code: str | None = None
    retry_after: float | None = None

    def __post_init__(self) -> None:
        super().__init__(self.message)
        self.message = one_line(self.message, 600)

    @property
    def advice(self) -> str:
        return _ADVICE.get(self.kind, "")

    @property
    def retryable(self) -> bool:
        return self.kind in {"unreachable", "timeout", "rate_limited", "server", "network", "truncated"}

    def user_message(self) -> str:
        status = f" (HTTP {self.status})" if self.status else ""
        advice = f" {self.advice}" if self.advice else ""
        return f"{self.message}{status}.{advice}".replace("..", ".")

    def __str__(self) -> str:
        return self.user_message()


def _server_message(exc: object) -> str:
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        err = body.get("error", body)
        if isinstance(err, dict) and err.get("message"):
            return str(err["message"])
        if isinstance(body.get("detail"), str):  # FastAPI-style gateways
            return body["detail"]
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


def map_error(exc: BaseException, base_url: str = "") -> BackendError:
    """Translate SDK / httpx2 / OS exceptions into a BackendError."""
    import httpx2
    import openai

    if isinstance(exc, BackendError):
        return exc
    where = f" at {base_url}" if base_url else ""
    # The SDK wraps transport errors; what matters is whether the request can have reached the server.
    # A failed connect proves it did not ("unreachable": safe to resubmit a create); a connection that
    # dropped or timed out after sending proves nothing ("network"/"timeout": a create is uncertain).
    cause = exc.__cause__ if isinstance(exc, openai.APIConnectionError) else exc
    if isinstance(cause, (httpx2.ConnectError, httpx2.ConnectTimeout)):
        return BackendError("unreachable", f"Cannot reach the server{where}")
    if isinstance(exc, openai.APITimeoutError) or isinstance(exc, httpx2.TimeoutException):
        return BackendError("timeout", f"The server{where} did not answer in time")
    if isinstance(exc, openai.APIConnectionError):
        return BackendError("network", f"The connection to the server{where} dropped")
    if isinstance(exc, openai.APIStatusError):
        status = exc.status_code
        message = _server_message(exc)
        code = _server_code(exc)
        headers = getattr(exc.response, "headers", None)
        if status == 401 or isinstance(exc, openai.AuthenticationError):
            return BackendError("auth", f"The server{where} refused the API key: {message}", status, code)
        if status == 403:
            return BackendError("auth", f"Not allowed: {message}", status, code)
        if status == 429:
            return BackendError("rate_limited", f"Rate limited: {message}", status, code, _retry_after(headers))
        if status == 404:
            kind = "expired" if "expire" in message.lower() else "not_found"
            return BackendError(kind, message, status, code)
        if status in (405, 501):
            return BackendError("unsupported", message, status, code)
        if status >= 500:
            return BackendError("server", f"Server error: {message}", status, code, _retry_after(headers))
        return BackendError("bad_request", message, status, code)
    if isinstance(exc, (httpx2.RemoteProtocolError, httpx2.ReadError, httpx2.NetworkError, httpx2.ProtocolError)):
        return BackendError("network", f"The connection to the server{where} dropped")
    if isinstance(exc, openai.APIResponseValidationError):
        return BackendError("protocol", f"Unexpected response from the server{where}")
    if isinstance(exc, OSError):
        import errno

        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return BackendError("disk", f"The disk is full ({exc.filename or 'download directory'})")
        return BackendError("disk", f"Cannot write {exc.filename or 'the file'}: {exc.strerror or exc}")
    if isinstance(exc, openai.OpenAIError):
        return BackendError("protocol", str(exc))
    return BackendError("protocol", f"{type(exc).__name__}: {exc}")
