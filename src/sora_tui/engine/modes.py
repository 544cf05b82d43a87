"""Deviation modes (`--mode processing,uuid-ids,...`): the local engine answering like other /v1/videos
servers (gateways, proxies, self-hosted servers) instead of like OpenAI, to test clients against them.

Kept free of server imports: the CLI parses `--mode` with `parse_modes` before anything heavy is loaded.
"""

from __future__ import annotations

import argparse
import base64
import os
import threading
import time
import uuid
from collections.abc import Iterable
from typing import Any

# name -> what it does (shown by `--help`; the order is the order of the help text)
MODES: dict[str, str] = {
    "strict": "OpenAI's shapes and words (the default; no deviation)",
    "processing": "gateway status words: pending (queued), processing (in progress), succeeded (completed)",
    "unknown-status": "a status word no client knows while in progress: rendering",
    "no-progress": "no progress field at all",
    "jumpy-progress": "progress that jumps back, passes 100, comes as a float or a string",
    "extra-fields": "unknown fields at the top level and nested (provider, usage, output, ...)",
    "missing-fields": "no expires_at, completed_at, created_at, size, seconds, model; lists lack first_id",
    "slow-expiry": "expires_at is null for the first polls after completion",
    "uuid-ids": "ids that are UUIDs, operation names with '/' and ':', long base64 with '=' and '+', ...",
    "no-list": "GET /videos answers 404 {\"detail\": \"Not Found\"} (a proxy that cannot list)",
    "no-remix": "POST /videos/{id}/remix answers 404 {\"detail\": \"Not Found\"}",
    "no-edits": "POST /videos/edits answers 405 {\"detail\": \"Method Not Allowed\"}",
    "no-extensions": "POST /videos/extensions answers 405 {\"detail\": \"Method Not Allowed\"}",
    "no-characters": "POST /videos/characters answers 405, GET /videos/characters/{id} 404 (FastAPI bodies)",
    "no-delete": "DELETE /videos/{id} answers 405 {\"detail\": \"Method Not Allowed\"}",
    "other-models": "also accepts veo-3 (1280x720, 1920x1080; 8 s) and wan-2.2 (832x480, 480x832; 5 s)",
    "clock-behind": "a clock 15 minutes slow: every timestamp and the Date header are 900 s early",
    "clock-ahead": "a clock 15 minutes fast: every timestamp and the Date header are 900 s late",
    "echo-key": "the bearer key echoed in every error message; a forbidden-topic prompt fails naming it",
    "control-text": "terminal escapes, C1 controls and bidi overrides in ids, models, prompts and error text",
    "lying-content": "downloads as application/octet-stream; a Range request gets 206 with an HTML body",
    "range-416": "a Range request on /content answers 416 without Content-Range (no Range: the whole file)",
    "stall-headers": "GET /content never sends its response headers (other routes answer)",
    "retry-after-long": "the first create answers 429 with Retry-After: 600; later creates work",
    "ignore-variant": "/content ignores ?variant= (a proxy that drops the query): always the MP4",
    "shared-suffix-ids": "every id ends with the same 48-character deployment tag",
    "list-400": "GET /videos answers 400 with a LiteLLM provider error (code \"400\")",
    "remix-500": "POST /videos/{id}/remix answers 500 with an OpenAI-style server error",
}

# Named sets. "litellm-like": a LiteLLM-style proxy in front of Veo/Runway (gateway words, jumpy progress, opaque
# ids, no list, delete, edits, extensions or characters).
PRESETS: dict[str, frozenset[str]] = {
    "litellm-like": frozenset({
        "processing", "jumpy-progress", "extra-fields", "missing-fields", "uuid-ids", "other-models",
        "no-list", "no-delete", "no-edits", "no-extensions", "no-characters",
    }),
}

# Modes that change what "in progress" looks like. Each of them holds a video in progress for HOLD_POLLS
# polls (GET or list) even when the render is done, like a gateway relaying a slower upstream: otherwise
# their words and numbers would never be seen at speed "instant".
HOLDING = frozenset({"processing", "unknown-status", "no-progress", "jumpy-progress"})
HOLD_POLLS = 4
# jumpy-progress: the n-th in-progress poll reports JUMPS[n % len(JUMPS)] — back, over 100, float, string.
JUMPS: tuple[Any, ...] = (40, 12.5, "73", 140, "55.5", 0)
SLOW_EXPIRY_POLLS = 3

# clock-*: how far the server's clock is from the client's, in seconds.
CLOCK_SKEW: dict[str, int] = {"clock-behind": -900, "clock-ahead": 900}
# Modes no server can be at once: a parse error names the pair instead of one of them quietly winning.
# Others that answer the same request combine as a chain of servers would: what fails first wins (a
# missing route over list-400 and remix-500, stall-headers over every download mode, range-416 over
# lying-content's 206).
CONFLICTS: tuple[frozenset[str], ...] = (frozenset({"clock-behind", "clock-ahead"}),)

# control-text: what lands in a terminal that prints a server's text raw. CSI "clear screen", an OSC 52
# write to the clipboard, a right-to-left override that reorders what follows, and C1 CSI (U+009B),
# which some terminals take for ESC [. Together they find every field a client forgot to clean.
HOSTILE = "\x1b[2J\x1b]52;c;SGVsbG8=\x07\u202e\u009b"
# ...and in ids, which a client must keep byte for byte to use again: a window-title OSC among them.
HOSTILE_ID = "\x1b]0;pwned\x07\u202e\u009b"

# echo-key: a prompt that the server's "authorization" refuses (besides the guardrail's names).
ECHO_KEY_TRIGGER = "forbidden-topic"

# shared-suffix-ids: one deployment's tag on every id, so that an id's end tells nothing apart.
DEPLOYMENT_TAG = "oCBM2XuwaPx25Sp9twcCkNenmgfYLcYhCcWTkzM74qKgke40"

# list-400: what a LiteLLM proxy in front of Vertex answers when asked to list.
LIST_400_MESSAGE = ("litellm.BadRequestError: VertexAIException - list videos is not supported for this "
                    "provider")

# Other servers' models: name -> (sizes, seconds).
OTHER_MODELS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "veo-3": (("1280x720", "1920x1080"), ("8",)),
    "wan-2.2": (("832x480", "480x832"), ("5",)),
}

# Routes each no-* mode takes away: (method, route kind) -> status a FastAPI-style proxy answers. A path no
# route matches is a 404; a path that matches another route (POST /videos/edits looks like /videos/{id},
# which a proxy serves for GET) is a 405. The body is FastAPI's, not OpenAI's: a missing route has no
# OpenAI error object, which is how clients tell it from a missing video.
MISSING_ROUTES: dict[str, tuple[tuple[str, str, int], ...]] = {
    "no-list": (("GET", "/v1/videos", 404),),
    "no-remix": (("POST", "/v1/videos/{video_id}/remix", 404),),
    "no-edits": (("POST", "/v1/videos/edits", 405),),
    "no-extensions": (("POST", "/v1/videos/extensions", 405),),
    "no-characters": (("POST", "/v1/videos/characters", 405),
                      ("GET", "/v1/videos/characters/{character_id}", 404)),
    "no-delete": (("DELETE", "/v1/videos/{video_id}", 405),),
}


class ModeSpecError(ValueError, argparse.ArgumentTypeError):
    """An unknown mode name. An ArgumentTypeError too, so `type=parse_modes` gives a clean usage error."""


def parse_modes(spec: str | Iterable[str] | None) -> frozenset[str]:
    """'processing, uuid-ids', ['processing'] or 'litellm-like' -> the set of deviations ('strict': none)."""
    items = spec.split(",") if isinstance(spec, str) else list(spec or ())
    modes: set[str] = set()
    for item in items:
        name = str(item).strip().lower()
        if not name or name == "strict":
            continue
        if name in PRESETS:
            modes |= PRESETS[name]
        elif name in MODES:
            modes.add(name)
        else:
            known = ", ".join([*MODES, *PRESETS])
            raise ModeSpecError(f"unknown mode {name!r}; use a comma list of {known}")
    for pair in CONFLICTS:
        if pair <= modes:
            first, second = sorted(pair)
            raise ModeSpecError(f"modes {first!r} and {second!r} cannot be combined")
    return frozenset(modes)


def help_text() -> str:
    width = max(len(name) for name in [*MODES, *PRESETS])
    lines = [f"  {name:<{width}} {text}" for name, text in MODES.items()]
    lines += [f"  {name:<{width}} = {','.join(sorted(modes))}" for name, modes in PRESETS.items()]
    return "\n".join(lines)


def bearer_key(authorization: str | None) -> str | None:
    """The key of an Authorization header, as a gateway that echoes it would read it."""
    if not authorization:
        return None
    scheme, _, rest = authorization.partition(" ")
    return rest.strip() if scheme.lower() == "bearer" else authorization


class Presenter:
    """Turns the engine's OpenAI-shaped objects into what the chosen modes send, counting polls per video."""

    def __init__(self, modes: frozenset[str]) -> None:
        self.modes = modes
        self.holding = bool(modes & HOLDING)
        self.skew = sum(CLOCK_SKEW.get(mode, 0) for mode in modes)
        self._lock = threading.Lock()
        self._in_progress_polls: dict[str, int] = {}
        self._completed_polls: dict[str, int] = {}
        self._ids = 0

    def now(self) -> float:
        """The server's clock, as its Date header and timestamps show it."""
        return time.time() + self.skew

    # --- ids -----------------------------------------------------------------------------------------
    def new_id(self, model: str) -> str:
        if "uuid-ids" in self.modes:
            vid = self._odd_id(model)
        elif "shared-suffix-ids" in self.modes:
            vid = "video_" + uuid.uuid4().hex[:12]
        else:
            vid = "video_" + uuid.uuid4().hex
        if "control-text" in self.modes:  # mid-id, so that the bidi override reorders the rest of it
            half = len(vid) // 2
            vid = vid[:half] + HOSTILE_ID + vid[half:]
        if "shared-suffix-ids" in self.modes:
            vid = f"{vid}_{DEPLOYMENT_TAG}"
        return vid

    def _odd_id(self, model: str) -> str:
        with self._lock:
            n = self._ids
            self._ids += 1
        u = uuid.uuid4()
        kind = n % 4
        if kind == 0:
            return str(u)
        if kind == 1:  # a Vertex-style long-running operation name: '/' and ':' inside one path segment
            return (f"projects/sora-tui-local/locations/us-central1/publishers/google/models/{model}:predict"
                    f"/operations/{u.hex}")
        if kind == 2:  # an opaque gateway token: hundreds of characters of standard base64 ('+', '/', '=')
            text = f"litellm:custom_llm_provider:local;model_id:{model};video_id:{u};".encode()
            payload = b"\xfb\xef\xbe\xff\xff\xff" + text + os.urandom(160)  # starts "++++////"
            return base64.b64encode(payload[: len(payload) - (len(payload) - 1) % 3]).decode()  # ends "=="
        return f"run {u.hex[:8]}:take#1?of=1&x=100%"  # space, '#', '?', '&', '%': escaped in a path

    # --- video objects -------------------------------------------------------------------------------
    def video(self, body: dict[str, Any], *, poll: bool, created: bool = False,
              key: str | None = None) -> dict[str, Any]:
        """The engine's view of one video as these modes send it. `poll`: a GET or list (counts toward the
        hold); `created`: the answer to a create/remix/edit/extend; `key`: the caller's (echo-key)."""
        if not self.modes:
            return body
        body = dict(body)
        vid = body["id"]
        status = body["status"]
        if self.skew:
            for name in ("created_at", "completed_at", "expires_at"):
                if body.get(name) is not None:
                    body[name] += self.skew
        if self.holding and created and status in ("in_progress", "completed"):
            status, body["progress"] = "queued", 0  # a gateway just accepted it
        elif self.holding and poll and status in ("in_progress", "completed"):
            with self._lock:
                n = self._in_progress_polls.get(vid, 0)
                hold = status == "in_progress" or n < HOLD_POLLS
                if hold:
                    self._in_progress_polls[vid] = n + 1
            if hold:
                status = "in_progress"
                body.update(completed_at=None, expires_at=None)
                body["progress"] = min(99, 20 * (n + 1))
                if "jumpy-progress" in self.modes:
                    body["progress"] = JUMPS[n % len(JUMPS)]
        if status == "completed" and "slow-expiry" in self.modes and poll:
            with self._lock:
                seen = self._completed_polls.get(vid, 0)
                self._completed_polls[vid] = seen + 1
            if seen < SLOW_EXPIRY_POLLS:
                body["expires_at"] = None
        if status == "completed" and "jumpy-progress" in self.modes:
            body["progress"] = 100.0
        body["status"] = self._word(status)
        if "no-progress" in self.modes:
            body.pop("progress", None)
        if isinstance(body.get("error"), dict):
            body["error"] = self._job_error(body["error"], key)
        if "control-text" in self.modes:
            for name in ("model", "prompt"):
                if isinstance(body.get(name), str):
                    body[name] = _hostile(body[name])
        if "missing-fields" in self.modes:
            for name in ("expires_at", "completed_at", "created_at", "size", "seconds", "model"):
                body.pop(name, None)
        if "extra-fields" in self.modes:
            body.update(_extra(body))
            if isinstance(body.get("error"), dict):
                body["error"] = {**body["error"], "details": [{"reason": "local", "retryable": False}],
                                 "provider_code": 17}
        return body

    def _job_error(self, error: dict[str, Any], key: str | None) -> dict[str, Any]:
        error = dict(error)
        if "echo-key" in self.modes:
            if error.get("code") == "moderation_blocked":
                error["message"] = f"Authorization failed for key {key or ''}: the prompt was blocked"
            else:
                error["message"] = f"{error.get('message') or ''}{_echo(key)}"
        if "control-text" in self.modes:
            error.update({name: _hostile(error[name]) for name in ("code", "message")
                          if isinstance(error.get(name), str)})
        return error

    def error(self, error: dict[str, Any], key: str | None) -> dict[str, Any]:
        """An error object of an error response ({"error": {...}}) as these modes send it."""
        error = dict(error)
        if "control-text" in self.modes:
            error.update({name: _hostile(error[name]) for name in ("code", "message")
                          if isinstance(error.get(name), str)})
        if "echo-key" in self.modes and key is not None:
            error["message"] = f"{error.get('message') or ''}{_echo(key)}"  # last: "ends with" the key
        return error

    def rewrites_errors(self) -> bool:
        return bool(self.modes & {"control-text", "echo-key"})

    def _word(self, status: str) -> str:
        if status == "in_progress" and "unknown-status" in self.modes:
            return "rendering"
        if "processing" in self.modes:
            words = {"queued": "pending", "in_progress": "processing", "completed": "succeeded"}
            return words.get(status, status)
        return status

    def listing(self, body: dict[str, Any]) -> dict[str, Any]:
        if "missing-fields" in self.modes:
            body.pop("first_id", None)
        if "extra-fields" in self.modes:
            body.update(total=len(body.get("data") or []), next_page_token=body.get("last_id"),
                        meta={"gateway": "sora-tui local engine", "cache": {"hit": False}})
        return body

    def deleted(self, body: dict[str, Any]) -> dict[str, Any]:
        if "extra-fields" in self.modes:
            body.update(provider={"name": "local-gateway", "purged": True})
        return body

    def character(self, body: dict[str, Any]) -> dict[str, Any]:
        if self.skew and body.get("created_at") is not None:
            body = {**body, "created_at": body["created_at"] + self.skew}
        return body


def _hostile(text: str) -> str:
    return f"\x1b[2J{text}{HOSTILE}"


def _echo(key: str | None) -> str:
    return f" (request made with key {key or ''})"


def _extra(body: dict[str, Any]) -> dict[str, Any]:
    return {
        "provider": {"name": "local-gateway", "region": "lo-1",
                     "upstream": {"status": body.get("status"), "latency_ms": 12}},
        "usage": {"output_seconds": body.get("seconds"), "cost": {"amount": 0, "currency": "USD"}},
        "output": [{"type": "video", "format": "mp4", "url": None}],
        "quality": "standard",
        "metadata": {},
        "x_request_note": None,
    }
