"""OpenAI-shaped errors: the ApiError a handler raises and the JSON answer it becomes, with the header every
answer of the engine carries. The messages are OpenAI's own words, so they are not translated."""

from __future__ import annotations

import re

from starlette.responses import JSONResponse

ENGINE_HEADER = {"x-sora-tui-engine": "local-render"}
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


class ApiError(Exception):
    def __init__(self, status: int, message: str, code: str | None = None, param: str | None = None,
                 type_: str = "invalid_request_error") -> None:
        super().__init__(message)
        self.status, self.message, self.code, self.param, self.type = status, message, code, param, type_


def error_response(status: int, message: str, code: str | None = None, param: str | None = None,
                   type_: str = "invalid_request_error", headers: dict[str, str] | None = None) -> JSONResponse:
    body = {"error": {"message": message, "type": type_, "param": param, "code": code}}
    return JSONResponse(body, status_code=status, headers={**ENGINE_HEADER, **(headers or {})})


def safe_text(text: str, limit: int = 120) -> str:
    """A client's text as an error message quotes it: control characters as "?", at most `limit` of them."""
    return _CONTROL.sub("?", text)[:limit]
