"""What a /v1/videos server offers, found out rather than assumed: is it reachable, is the key accepted, and
which operations answer. Every probe is a request the server refuses without doing anything (an empty body,
an id that cannot exist), so checking costs nothing and creates nothing.

A route that exists answers such a request with 400/422, or with 404 in the OpenAI error shape about the id.
A route that does not exist answers 405/501, or a 404 that is not about the id ("Invalid URL",
FastAPI's {"detail": "Not Found"}, an HTML page). The list is the exception: its probe is a real request that
any server offering it answers with a page, so anything else (a proxy's 400 "list videos is not supported for
this provider", a 404) means it is not offered. A 5xx, a 429 or no answer tells nothing either way: those
operations are reported as unknown, with what the server did.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

OPERATIONS = ("list", "remix", "edits", "extensions", "characters", "delete")
PROBE_ID = "video_sora_tui_capability_probe"


@dataclass
class CheckResult:
    reachable: bool = False
    key_accepted: bool | None = None
    operations: dict[str, bool | None] = field(default_factory=dict)  # None: could not tell
    problem: str | None = None
    unknown: dict[str, str] = field(default_factory=dict)  # operation -> why it could not be told

    def summary(self) -> str:
        if self.problem:
            return self.problem
        has = [op for op, ok in self.operations.items() if ok]
        lacks = [op for op, ok in self.operations.items() if ok is False]
        line = "reachable, key accepted" if self.key_accepted else "reachable"
        if has:
            line += "; offers " + ", ".join(has)
        if lacks:
            line += "; lacks " + ", ".join(lacks)
        # Said, not left out: an operation missing from both lists reads as if it had not been asked about.
        by_reason: dict[str, list[str]] = {}
        for op, ok in self.operations.items():
            if ok is None:
                by_reason.setdefault(self.unknown.get(op, "no clear answer"), []).append(op)
        if by_reason:
            line += "; unknown: " + ", ".join(f"{', '.join(ops)} ({why})" for why, ops in by_reason.items())
        return line

    def to_dict(self) -> dict[str, Any]:
        return {"reachable": self.reachable, "key_accepted": self.key_accepted, "operations": self.operations,
                "problem": self.problem, "unknown": self.unknown}


def route_exists(status: int, body: Any, text: str) -> bool | None:
    """From a probe's answer: True (the route is there), False (it is not), None (cannot tell)."""
    from .errors import is_missing_route

    if status in (400, 409, 413, 415, 422):
        return True
    if status in (404, 405, 501):
        return not is_missing_route(status, body if body is not None else text)
    if status in (200, 201, 202, 204):
        return True
    return None


def list_offered(status: int, body: Any) -> bool | None:
    """From the list probe's answer: True only for a list page; None when the server could not say (5xx, 429)."""
    if status == 200:
        return isinstance(body, dict) and isinstance(body.get("data"), list)
    if status in (408, 429) or (status >= 500 and status != 501):
        return None
    return False


def _unclear(status: int) -> str:
    return "the server was busy (429)" if status == 429 else f"the server answered {status}"


async def probe(base_url: str, api_key: str, timeout: float = 10.0) -> CheckResult:
    import httpx2

    result = CheckResult()
    headers = {"Authorization": f"Bearer {api_key}"}
    base = base_url.rstrip("/")
    # Built in a thread: a client loads the CA bundle (50-70 ms here), which would stall the TUI's event loop.
    client = await asyncio.to_thread(httpx2.AsyncClient, timeout=timeout, headers=headers, follow_redirects=False)
    async with client:

        async def ask(method: str, path: str, **kw: Any) -> tuple[int, Any, str]:
            response = await client.request(method, base + path, **kw)
            try:
                body = response.json()
            except ValueError:
                body = None
            return response.status_code, body, response.text[:300]

        try:
            status, body, _text = await ask("GET", "/videos", params={"limit": 1})
        except httpx2.TimeoutException:
            result.problem = f"no answer from {base} within {timeout:g} s"
            return result
        except httpx2.HTTPError as exc:
            result.problem = f"cannot reach {base} ({type(exc).__name__})"
            return result
        result.reachable = True
        if status in (401, 403):
            result.key_accepted = False
            result.problem = f"reachable, but the key was refused ({status})"
            return result
        result.operations["list"] = list_offered(status, body)
        if result.operations["list"] is None:
            result.unknown["list"] = _unclear(status)
        if status == 200:
            result.key_accepted = True
        probes = {
            "remix": ("POST", f"/videos/{PROBE_ID}/remix", {"json": {"prompt": ""}}),
            "edits": ("POST", "/videos/edits", {"json": {}}),
            "extensions": ("POST", "/videos/extensions", {"json": {}}),
            "characters": ("POST", "/videos/characters", {"data": {}}),
            "delete": ("DELETE", f"/videos/{PROBE_ID}", {}),
        }

        async def one(op: str, method: str, path: str, kw: dict[str, Any]) -> None:
            try:
                status, body, text = await ask(method, path, **kw)
            except httpx2.TimeoutException:
                result.operations[op], result.unknown[op] = None, f"no answer within {timeout:g} s"
                return
            except httpx2.HTTPError:
                result.operations[op], result.unknown[op] = None, "the connection failed"
                return
            if status in (401, 403):
                result.key_accepted = False
                result.operations[op], result.unknown[op] = None, f"the key was refused ({status})"
                return
            if result.key_accepted is None and status in (400, 404, 422):
                result.key_accepted = True  # the server looked at the request, so it took the key
            result.operations[op] = route_exists(status, body, text)
            if result.operations[op] is None:
                result.unknown[op] = _unclear(status)

        await asyncio.gather(*(one(op, m, p, kw) for op, (m, p, kw) in probes.items()))
        result.operations = {op: result.operations.get(op) for op in OPERATIONS}  # a stable order to read
    if result.key_accepted is False:
        result.problem = "reachable, but the key was refused"
    return result


async def check_profile(profile: Any, base_url: str | None = None, timeout: float = 10.0) -> CheckResult:
    """Check a config.Profile (the local engine's URL is passed in when it is running)."""
    url = base_url or profile.base_url
    if not url:
        return CheckResult(problem="the local engine starts on demand")
    if not profile.api_key:
        return CheckResult(problem=f"no key: set {profile.api_key_env or 'OPENAI_API_KEY'}")
    return await probe(url, profile.api_key.reveal(), timeout=min(timeout, profile.timeout))
