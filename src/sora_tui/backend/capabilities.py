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
import re
from dataclasses import dataclass, field
from typing import Any

from ..core.i18n import N_, _, pgettext

OPERATIONS = ("list", "remix", "edits", "extensions", "characters", "delete")
PROBE_ID = "video_sora_tui_capability_probe"

# What a check found is data, in English: `--json` prints it, and callers read it ("no answer"). summary() is what
# a person reads: each text is matched back to the template it was made from and said in the interface's language.
NO_ANSWER = N_("no answer from {base} within {timeout} s")
CANNOT_REACH = N_("cannot reach {base} ({error})")
KEY_REFUSED_STATUS = N_("reachable, but the key was refused ({status})")
KEY_REFUSED = N_("reachable, but the key was refused")
STARTS_ON_DEMAND = N_("the local engine starts on demand")
NOT_STARTED_TO_CHECK = N_("the local engine starts on demand (not started just to check it)")
DID_NOT_START = N_("the local engine did not start: {error}")
NO_KEY = N_("no key: set {env}")
BUSY = N_("the server was busy (429)")
ANSWERED = N_("the server answered {status}")
NO_ANSWER_WITHIN = N_("no answer within {timeout} s")
CONNECTION_FAILED = N_("the connection failed")
OPERATION_KEY_REFUSED = N_("the key was refused ({status})")
NO_CLEAR_ANSWER = N_("no clear answer")
_TEMPLATES = (NO_ANSWER, CANNOT_REACH, KEY_REFUSED_STATUS, KEY_REFUSED, STARTS_ON_DEMAND, NOT_STARTED_TO_CHECK,
              DID_NOT_START, NO_KEY, BUSY, ANSWERED, NO_ANSWER_WITHIN, CONNECTION_FAILED, OPERATION_KEY_REFUSED,
              NO_CLEAR_ANSWER)


def _pattern(template: str) -> re.Pattern[str]:
    pieces = re.split(r"\{(\w+)\}", template)  # literal, field, literal, ...
    return re.compile("".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>.*?)" for i, p in enumerate(pieces)),
                      re.DOTALL)


_PATTERNS = [(template, _pattern(template)) for template in _TEMPLATES]


def said(text: str) -> str:
    """A check's finding (problem or reason) in the interface's language; text from elsewhere as it is."""
    for template, pattern in _PATTERNS:
        match = pattern.fullmatch(text)
        if match is not None:
            return _(template).format(**match.groupdict())
    return text


def operation_name(op: str) -> str:
    """An operation of OPERATIONS as the user reads it (the identifier itself is data)."""
    names = {"list": pgettext("operation", "list"), "remix": pgettext("operation", "remix"),
             "edits": pgettext("operation", "edits"), "extensions": pgettext("operation", "extensions"),
             "characters": pgettext("operation", "characters"), "delete": pgettext("operation", "delete")}
    return names.get(op, op)


def operation_names(ops: list[str]) -> str:
    """Operations as a list the user reads ("remix, edits" / 「リミックス、編集」)."""
    return pgettext("list separator", ", ").join(operation_name(op) for op in ops)


@dataclass
class CheckResult:
    reachable: bool = False
    key_accepted: bool | None = None
    operations: dict[str, bool | None] = field(default_factory=dict)  # None: could not tell
    problem: str | None = None
    unknown: dict[str, str] = field(default_factory=dict)  # operation -> why it could not be told

    def summary(self) -> str:
        """What the check found, for a person (in the interface's language)."""
        if self.problem:
            return said(self.problem)
        has = [op for op, ok in self.operations.items() if ok]
        lacks = [op for op, ok in self.operations.items() if ok is False]
        parts = [_("reachable, key accepted") if self.key_accepted else _("reachable")]
        if has:
            parts.append(_("offers {operations}").format(operations=operation_names(has)))
        if lacks:
            parts.append(_("lacks {operations}").format(operations=operation_names(lacks)))
        # Said, not left out: an operation missing from both lists reads as if it had not been asked about.
        by_reason: dict[str, list[str]] = {}
        for op, ok in self.operations.items():
            if ok is None:
                by_reason.setdefault(self.unknown.get(op, NO_CLEAR_ANSWER), []).append(op)
        if by_reason:
            parts.append(_("unknown: {operations}").format(operations=pgettext("list separator", ", ").join(
                _("{operations} ({reason})").format(operations=operation_names(ops), reason=said(why))
                for why, ops in by_reason.items())))
        return "; ".join(parts)

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
    return BUSY if status == 429 else ANSWERED.format(status=status)


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
            result.problem = NO_ANSWER.format(base=base, timeout=f"{timeout:g}")
            return result
        except httpx2.HTTPError as exc:
            result.problem = CANNOT_REACH.format(base=base, error=type(exc).__name__)
            return result
        result.reachable = True
        if status in (401, 403):
            result.key_accepted = False
            result.problem = KEY_REFUSED_STATUS.format(status=status)
            return result
        result.operations["list"] = list_offered(status, body)
        if result.operations["list"] is None:
            result.unknown["list"] = _unclear(status)
        if status == 200:
            result.key_accepted = True
        probes: dict[str, tuple[str, str, dict[str, Any]]] = {
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
                result.operations[op], result.unknown[op] = None, NO_ANSWER_WITHIN.format(timeout=f"{timeout:g}")
                return
            except httpx2.HTTPError:
                result.operations[op], result.unknown[op] = None, CONNECTION_FAILED
                return
            if status in (401, 403):
                result.key_accepted = False
                result.operations[op], result.unknown[op] = None, OPERATION_KEY_REFUSED.format(status=status)
                return
            if result.key_accepted is None and status in (400, 404, 422):
                result.key_accepted = True  # the server looked at the request, so it took the key
            result.operations[op] = route_exists(status, body, text)
            if result.operations[op] is None:
                result.unknown[op] = _unclear(status)

        await asyncio.gather(*(one(op, m, p, kw) for op, (m, p, kw) in probes.items()))
        result.operations = {op: result.operations.get(op) for op in OPERATIONS}  # a stable order to read
    if result.key_accepted is False:
        result.problem = KEY_REFUSED
    return result


async def check_profile(profile: Any, base_url: str | None = None, timeout: float = 10.0) -> CheckResult:
    """Check a config.Profile (the local engine's URL is passed in when it is running)."""
    url = base_url or profile.base_url
    if not url:
        return CheckResult(problem=STARTS_ON_DEMAND)
    if not profile.api_key:
        return CheckResult(problem=NO_KEY.format(env=profile.api_key_env or "OPENAI_API_KEY"))
    return await probe(url, profile.api_key.reveal(), timeout=min(timeout, profile.timeout))
