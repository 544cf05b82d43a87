"""Deviation modes (`--mode processing,uuid-ids,...`): the local engine answering like other /v1/videos
servers (gateways, proxies, self-hosted servers) instead of like OpenAI, to test clients against them.

Kept free of server imports: the CLI parses `--mode` with `parse_modes` before anything heavy is loaded.
"""

from __future__ import annotations

import argparse
import base64
import os
import threading
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
}

# Named sets. "litellm-like": a LiteLLM-style proxy in front of Veo/Runway (see PROTOCOL-NOTES.md).
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
    return frozenset(modes)


def help_text() -> str:
    lines = [f"  {name:<15} {text}" for name, text in MODES.items()]
    lines += [f"  {name:<15} = {','.join(sorted(modes))}" for name, modes in PRESETS.items()]
    return "\n".join(lines)


class Presenter:
    """Turns the engine's OpenAI-shaped objects into what the chosen modes send, counting polls per video."""

    def __init__(self, modes: frozenset[str]) -> None:
        self.modes = modes
        self.holding = bool(modes & HOLDING)
        self._lock = threading.Lock()
        self._in_progress_polls: dict[str, int] = {}
        self._completed_polls: dict[str, int] = {}
        self._ids = 0

    # --- ids -----------------------------------------------------------------------------------------
    def new_id(self, model: str) -> str:
        if "uuid-ids" not in self.modes:
            return "video_" + uuid.uuid4().hex
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
    def video(self, body: dict[str, Any], *, poll: bool, created: bool = False) -> dict[str, Any]:
        """The engine's view of one video as these modes send it. `poll`: a GET or list (counts toward the
        hold); `created`: the answer to a create/remix/edit/extend."""
        if not self.modes:
            return body
        body = dict(body)
        vid = body["id"]
        status = body["status"]
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
        if "missing-fields" in self.modes:
            for key in ("expires_at", "completed_at", "created_at", "size", "seconds", "model"):
                body.pop(key, None)
        if "extra-fields" in self.modes:
            body.update(_extra(body))
            if isinstance(body.get("error"), dict):
                body["error"] = {**body["error"], "details": [{"reason": "local", "retryable": False}],
                                 "provider_code": 17}
        return body

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
