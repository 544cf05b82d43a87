"""The local engine's videos and characters: lifecycle from timestamps, rendering in threads, persisted to disk."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

# speed -> (queue delay s, base render duration s, extra s per clip second)
SPEEDS: dict[str, tuple[float, float, float]] = {
    "instant": (0.0, 0.0, 0.0),
    "fast": (0.5, 1.5, 0.3),
    "realistic": (8.0, 45.0, 6.0),
}
POLL_AFTER_MS = {"instant": 100, "fast": 500, "realistic": 2000}

# Well-known characters the guardrail refuses (a small, honest stand-in for a moderation system).
COPYRIGHTED = (
    "mickey mouse", "minnie mouse", "donald duck", "spider-man", "spiderman", "darth vader", "pikachu",
    "super mario", "mario bros", "luigi", "elsa", "batman", "superman", "wonder woman", "harry potter",
    "homer simpson", "bart simpson", "shrek", "sonic the hedgehog", "mario", "iron man", "hello kitty",
    "buzz lightyear", "spongebob",
)


def guardrail(prompt: str, extra: tuple[str, ...] = ()) -> str | None:
    """The refused term the prompt holds, if any: a copyrighted name, or one of `extra` (a mode's own)."""
    text = prompt.lower()
    for name in (*COPYRIGHTED, *extra):
        if name in text:
            return name
    return None


@dataclass
class VideoRecord:
    id: str
    model: str
    size: str
    seconds: str
    prompt: str
    created_at: float
    queue_delay: float
    duration: float
    kind: str = "create"
    remixed_from: str | None = None
    source_id: str | None = None
    segments: list[str] = field(default_factory=list)  # prompts after the first (extensions)
    segment_seconds: list[float] = field(default_factory=list)
    has_reference: bool = False
    blocked: str | None = None  # the term that failed the guardrail (a copyrighted name, mostly)
    render_done_at: float | None = None
    render_error: str | None = None
    extensions: int = 0
    impacts: list[float] = field(default_factory=list)
    # The n-th video this engine made from the same request: variations of one prompt are different
    # takes (as on a real server), yet a fresh engine with the same --seed replays the same sequence.
    take: int = 0

    def public(self, now: float, expires_after: float) -> dict[str, Any]:
        status, progress, completed = self.lifecycle(now)
        error = None
        if status == "failed":
            if self.blocked in COPYRIGHTED:
                error = {
                    "code": "moderation_blocked",
                    "message": (
                        f"Your request was blocked by the guardrail: the prompt names '{self.blocked}', a "
                        "well-known copyrighted character. Describe an original character instead."
                    ),
                }
            elif self.blocked:
                message = f"Your request was blocked by the guardrail: the prompt mentions '{self.blocked}'."
                error = {"code": "moderation_blocked", "message": message}
            else:
                error = {"code": "render_failed", "message": self.render_error or "Rendering failed."}
        return {
            "id": self.id,
            "object": "video",
            "model": self.model,
            "status": status,
            "progress": progress,
            "created_at": int(self.created_at),
            "completed_at": int(completed) if completed else None,
            "expires_at": int(completed + expires_after) if completed and status == "completed" else None,
            "prompt": self.prompt,
            "size": self.size,
            "seconds": self.seconds,
            "remixed_from_video_id": self.remixed_from,
            "error": error,
        }

    def lifecycle(self, now: float) -> tuple[str, int, float | None]:
        start = self.created_at + self.queue_delay
        end = start + self.duration
        if now < start:
            return "queued", 0, None
        if self.blocked:
            return "failed", 0, start
        if self.render_error:
            return "failed", 0, max(end, self.render_done_at or end)
        if now < end or self.render_done_at is None:
            frac = (now - start) / self.duration if self.duration > 0 else 0.99
            return "in_progress", max(1, min(99, int(frac * 100))), None
        return "completed", 100, max(end, self.render_done_at)


@dataclass
class CharacterRecord:
    id: str
    name: str
    created_at: float

    def public(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "created_at": int(self.created_at)}


def atomic_write_json(path: Path, data: Any) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(data, fh)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


_PLAIN_ID = re.compile(r"[A-Za-z0-9_-]{1,100}")


def _new_video_id(model: str) -> str:
    return "video_" + uuid.uuid4().hex


class EngineState:
    def __init__(self, state_dir: Path | None, speed: str, seed: int, expires_after: float,
                 new_id: Callable[[str], str] = _new_video_id, blocked_terms: tuple[str, ...] = ()) -> None:
        self.new_id = new_id
        self.blocked_terms = blocked_terms
        self._tmp = None
        if state_dir is None:
            self._tmp = tempfile.mkdtemp(prefix="sora-tui-engine-")
            state_dir = Path(self._tmp)
        self.dir = Path(state_dir)
        (self.dir / "videos").mkdir(parents=True, exist_ok=True)
        (self.dir / "characters").mkdir(parents=True, exist_ok=True)
        if speed not in SPEEDS:
            raise ValueError(f"speed must be one of {', '.join(SPEEDS)}, not {speed!r}")
        self.speed = speed
        self.seed = seed
        self.expires_after = expires_after
        self.lock = threading.RLock()
        self.videos: dict[str, VideoRecord] = {}
        self.characters: dict[str, CharacterRecord] = {}
        self.pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="render")
        self.active_renders = 0
        self._load()

    # --- persistence --------------------------------------------------------------------------------
    def video_dir(self, video_id: str) -> Path:
        # Ids are opaque (uuid-ids mode sends '/', '..', '%', hundreds of characters): only a plain one
        # names its directory itself; any other is hashed, so no id can reach outside videos/.
        if _PLAIN_ID.fullmatch(video_id):
            return self.dir / "videos" / video_id
        digest = hashlib.sha256(video_id.encode("utf-8", "surrogatepass")).hexdigest()
        return self.dir / "videos" / ("h_" + digest[:40])

    def _save(self, rec: VideoRecord) -> None:
        d = self.video_dir(rec.id)
        d.mkdir(parents=True, exist_ok=True)
        atomic_write_json(d / "meta.json", asdict(rec))

    def _load(self) -> None:
        for meta in sorted((self.dir / "videos").glob("*/meta.json")):
            try:
                rec = VideoRecord(**json.loads(meta.read_text(encoding="utf-8")))
            except (OSError, ValueError, TypeError):
                continue  # a damaged record is skipped, never fatal
            self.videos[rec.id] = rec
            if rec.render_done_at is None and rec.render_error is None and not rec.blocked:
                self.start_render(rec)  # the engine stopped mid-render: do it again
            elif rec.render_done_at and not (meta.parent / "video.mp4").exists():
                rec.render_done_at = None
                self.start_render(rec)
        for path in (self.dir / "characters").glob("*.json"):
            try:
                ch = CharacterRecord(**json.loads(path.read_text(encoding="utf-8")))
                self.characters[ch.id] = ch
            except (OSError, ValueError, TypeError):
                continue

    # --- videos --------------------------------------------------------------------------------------
    def new_video(self, *, model: str, size: str, seconds: str, prompt: str, kind: str = "create",
                  remixed_from: str | None = None, source: VideoRecord | None = None,
                  segments: list[str] | None = None, segment_seconds: list[float] | None = None,
                  reference: bytes | None = None) -> VideoRecord:
        queue, base, per_s = SPEEDS[self.speed]
        same = (prompt, model, size, seconds, tuple(segments or []))
        with self.lock:
            take = sum(1 for v in self.videos.values()
                       if (v.prompt, v.model, v.size, v.seconds, tuple(v.segments)) == same)
        rec = VideoRecord(
            id=self.new_id(model),
            model=model, size=size, seconds=seconds, prompt=prompt,
            created_at=time.time(), queue_delay=queue, duration=base + per_s * float(seconds),
            kind=kind, remixed_from=remixed_from, source_id=source.id if source else None,
            segments=segments or [], segment_seconds=segment_seconds or [],
            has_reference=reference is not None,
            blocked=guardrail(" ".join([prompt, *(segments or [])]), self.blocked_terms),
            extensions=(source.extensions + 1) if (source and kind == "extension") else 0,
            take=take,
        )
        d = self.video_dir(rec.id)
        d.mkdir(parents=True, exist_ok=True)
        if reference is not None:
            (d / "reference.bin").write_bytes(reference)
        with self.lock:
            self.videos[rec.id] = rec
            self._save(rec)
        if not rec.blocked:
            self.start_render(rec)
        return rec

    def start_render(self, rec: VideoRecord) -> None:
        with self.lock:
            self.active_renders += 1
        self.pool.submit(self._render, rec)

    def _render(self, rec: VideoRecord) -> None:
        from .render import RenderSpec, render

        try:
            w, h = (int(x) for x in rec.size.split("x"))
            ref_path = self.video_dir(rec.id) / "reference.bin"
            prompts = [rec.prompt] if not rec.segments else rec.segments
            first, rest = prompts[0], tuple(prompts[1:])
            spec = RenderSpec(
                prompt=first, width=w, height=h, seconds=float(rec.seconds), seed=self.seed + 7919 * rec.take, model=rec.model,
                segments=rest, segment_seconds=tuple(rec.segment_seconds),
                reference_image=ref_path.read_bytes() if ref_path.exists() else None,
            )
            result = render(spec, self.video_dir(rec.id))
            with self.lock:
                rec.impacts = result.impacts
                rec.render_done_at = time.time()
                self._save(rec)
        except Exception as exc:  # noqa: BLE001 - a render failure fails the job, never the engine
            with self.lock:
                rec.render_error = f"The local renderer failed: {type(exc).__name__}: {exc}"
                rec.render_done_at = time.time()
                self._save(rec)
        finally:
            with self.lock:
                self.active_renders -= 1

    def get(self, video_id: str) -> VideoRecord | None:
        with self.lock:
            return self.videos.get(video_id)

    def delete(self, video_id: str) -> None:
        with self.lock:
            self.videos.pop(video_id, None)
        shutil.rmtree(self.video_dir(video_id), ignore_errors=True)

    def ordered(self, order: str) -> list[VideoRecord]:
        with self.lock:
            recs = list(self.videos.values())
        recs.sort(key=lambda r: (r.created_at, r.id), reverse=(order == "desc"))
        return recs

    def asset(self, video_id: str, variant: str) -> Path:
        name = {"video": "video.mp4", "thumbnail": "thumbnail.webp", "spritesheet": "spritesheet.jpg"}[variant]
        return self.video_dir(video_id) / name

    # --- characters ----------------------------------------------------------------------------------
    def new_character(self, name: str) -> CharacterRecord:
        ch = CharacterRecord(id="char_" + uuid.uuid4().hex[:24], name=name, created_at=time.time())
        with self.lock:
            self.characters[ch.id] = ch
            atomic_write_json(self.dir / "characters" / f"{ch.id}.json", asdict(ch))
        return ch

    def close(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)
        if self._tmp:
            shutil.rmtree(self._tmp, ignore_errors=True)
