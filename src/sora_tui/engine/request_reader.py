"""Reading a request as OpenAI's server does: its body (JSON, a form or multipart), and each parameter checked
with the error OpenAI answers for it (prompt, model and size, seconds, the reference image, characters, the
source video, an uploaded clip)."""

from __future__ import annotations

import base64
import binascii
import json
import re
import time
from pathlib import Path
from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request

from .errors import ApiError, safe_text
from .modes import OTHER_MODELS
from .state import EngineState, VideoRecord

SECONDS = ("4", "8", "12", "16", "20")
SIZES = {
    "sora-2": ("720x1280", "1280x720"),
    "sora-2-pro": ("720x1280", "1280x720", "1024x1792", "1792x1024", "1080x1920", "1920x1080"),
}
MODEL_ALIASES = {
    "sora-2-2025-10-06": "sora-2", "sora-2-2025-12-08": "sora-2", "sora-2-pro-2025-10-06": "sora-2-pro",
}
MAX_PROMPT = 32_000


class RequestReader:
    """What the handlers read from a request, checked; raises ApiError for what OpenAI refuses."""

    state: EngineState
    modes: frozenset[str]

    def _video(self, video_id: str) -> VideoRecord:
        rec = self.state.get(video_id)
        if rec is None:
            raise ApiError(404, f"No video found with id '{safe_text(video_id)}'.", "not_found", "video_id")
        return rec

    async def _body(self, request: Request) -> tuple[dict[str, Any], dict[str, UploadFile], bool]:
        ctype = request.headers.get("content-type", "")
        if ctype.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
            form = await request.form(max_part_size=64 * 1024 * 1024)
            fields: dict[str, Any] = {}
            files: dict[str, UploadFile] = {}
            for key, value in form.multi_items():
                if isinstance(value, UploadFile):
                    files[key] = value
                elif key in fields:
                    fields[key] = [*fields[key], value] if isinstance(fields[key], list) else [fields[key], value]
                else:
                    fields[key] = value
            return fields, files, False
        raw = await request.body()
        if not raw:
            return {}, {}, True
        try:
            data = json.loads(raw)
        except ValueError:
            raise ApiError(400, "We could not parse the JSON body of your request.", "invalid_json") from None
        if not isinstance(data, dict):
            raise ApiError(400, "The request body must be a JSON object.", "invalid_json")
        return data, {}, True

    @staticmethod
    def _prompt(fields: dict[str, Any]) -> str:
        prompt = fields.get("prompt")
        if prompt is None:
            raise ApiError(400, "Missing required parameter: 'prompt'.", "missing_required_parameter", "prompt")
        if not isinstance(prompt, str):
            raise ApiError(400, "Invalid type for 'prompt': expected a string.", "invalid_type", "prompt")
        if not prompt.strip():
            raise ApiError(400, "Invalid 'prompt': empty string. Expected a string with minimum length 1.", "string_below_min_length", "prompt")
        if len(prompt) > MAX_PROMPT:
            raise ApiError(400, f"Invalid 'prompt': string too long. Expected a string with maximum length {MAX_PROMPT}, but got a string with length {len(prompt)} instead.", "string_above_max_length", "prompt")
        return prompt

    @staticmethod
    def _seconds(value: Any, is_json: bool, default: str | None = "4", allowed: tuple[str, ...] = SECONDS,
                 model: str | None = None) -> str:
        if value is None:
            if default is None:
                raise ApiError(400, "Missing required parameter: 'seconds'.", "missing_required_parameter", "seconds")
            return default
        if is_json and not isinstance(value, str):
            raise ApiError(400, f"Invalid type for 'seconds': expected one of {', '.join(repr(s) for s in allowed)}, but got {type(value).__name__} instead.", "invalid_type", "seconds")
        if str(value) not in allowed:
            where = f" for {model}" if model else ""
            raise ApiError(400, f"Invalid value: '{safe_text(str(value))}'. Supported values{where} are: {', '.join(repr(s) for s in allowed)}.", "invalid_value", "seconds")
        return str(value)

    def _sizes(self, model: str) -> tuple[str, ...]:
        if model in OTHER_MODELS and "other-models" in self.modes:
            return OTHER_MODELS[model][0]
        return SIZES[MODEL_ALIASES.get(model, model)]

    def _allowed_seconds(self, model: str) -> tuple[str, ...]:
        if model in OTHER_MODELS and "other-models" in self.modes:
            return OTHER_MODELS[model][1]
        return SECONDS

    def _model_size(self, fields: dict[str, Any]) -> tuple[str, str]:
        model = fields.get("model") or "sora-2"
        known = [*SIZES, *MODEL_ALIASES, *(OTHER_MODELS if "other-models" in self.modes else ())]
        if not isinstance(model, str) or model not in known:
            raise ApiError(400, f"Invalid value: '{safe_text(str(model))}'. Supported models are: {', '.join(known)}.", "invalid_value", "model")
        sizes = self._sizes(model)
        size = fields.get("size") or ("720x1280" if "720x1280" in sizes else sizes[0])
        if size not in sizes:
            raise ApiError(400, f"Invalid value: '{safe_text(str(size))}'. Supported values for {model} are: {', '.join(sizes)}.", "invalid_value", "size")
        return model, str(size)

    def _reference(self, fields: dict[str, Any], files: dict[str, UploadFile], size: str) -> bytes | None:
        ref = fields.get("input_reference")
        image_url = fields.get("input_reference[image_url]") or (ref.get("image_url") if isinstance(ref, dict) else None)
        file_id = fields.get("input_reference[file_id]") or (ref.get("file_id") if isinstance(ref, dict) else None)
        upload = files.get("input_reference")
        data: bytes | None = None
        if upload is not None:
            data = upload.file.read()
        elif image_url and file_id:
            raise ApiError(400, "Provide exactly one of 'image_url' or 'file_id' in input_reference.", "invalid_value", "input_reference")
        elif file_id:
            raise ApiError(400, f"No file found with id '{safe_text(str(file_id))}' (the local engine has no Files API; upload the image instead).", "not_found", "input_reference")
        elif image_url:
            url = str(image_url)
            if not url.startswith("data:"):
                raise ApiError(400, "The local engine does not fetch image URLs; send the image as an upload or a data URL.", "invalid_value", "input_reference")
            try:
                data = base64.b64decode(url.split(",", 1)[1], validate=True)
            except (IndexError, binascii.Error):
                raise ApiError(400, "input_reference.image_url is not a valid base64 data URL.", "invalid_value", "input_reference") from None
        elif ref not in (None, ""):
            raise ApiError(400, "input_reference must be an image upload or an object with image_url or file_id.", "invalid_value", "input_reference")
        if data is None:
            return None
        from io import BytesIO

        from PIL import Image, UnidentifiedImageError

        try:
            with Image.open(BytesIO(data)) as img:
                fmt, dims = img.format, img.size
        except (UnidentifiedImageError, OSError):
            raise ApiError(400, "input_reference is not a readable image (use JPEG, PNG or WEBP).", "invalid_image", "input_reference") from None
        if fmt not in ("JPEG", "PNG", "WEBP"):
            raise ApiError(400, f"input_reference is {fmt}; use JPEG, PNG or WEBP.", "invalid_image_format", "input_reference")
        if f"{dims[0]}x{dims[1]}" != size:
            raise ApiError(400, f"Inpaint image must match the requested width and height (image is {dims[0]}x{dims[1]}, video is {size}).", "invalid_image_size", "input_reference")
        return data

    def _characters(self, fields: dict[str, Any], prompt: str) -> None:
        ids: list[str] = []
        for key, value in fields.items():
            if key.startswith("character_ids") or re.fullmatch(r"characters\[\d*\]\[id\]", key):
                ids.extend(value if isinstance(value, list) else [value])
            elif key == "characters" and isinstance(value, list):
                ids.extend(str(v.get("id")) for v in value if isinstance(v, dict))
        if len(ids) > 2:
            raise ApiError(400, "At most 2 characters can be used in one generation.", "too_many_characters", "characters")
        for cid in ids:
            ch = self.state.characters.get(str(cid))
            if ch is None:
                raise ApiError(400, f"No character found with id '{safe_text(str(cid))}'.", "not_found", "characters")
            if ch.name not in prompt:
                raise ApiError(400, f"The character name '{safe_text(ch.name)}' must appear verbatim in the prompt.", "character_not_in_prompt", "characters")

    def _source(self, fields: dict[str, Any], files: dict[str, UploadFile]) -> VideoRecord | UploadFile:
        if "video" in files:
            return files["video"]
        video = fields.get("video")
        vid = fields.get("video[id]") or (video.get("id") if isinstance(video, dict) else None)
        if not vid:
            raise ApiError(400, "Missing required parameter: 'video' (an object with the id of a completed video, or a file).", "missing_required_parameter", "video")
        return self._completed(str(vid), "used as a source")

    def _completed(self, video_id: str, what: str) -> VideoRecord:
        rec = self._video(video_id)
        status, _, _ = rec.lifecycle(time.time())
        if status != "completed":
            raise ApiError(400, f"Video '{safe_text(video_id)}' is {status.replace('_', ' ')}; only a completed video can be {what}.", "invalid_video_status", "video_id")
        return rec

    def _uploaded_video(self, upload: UploadFile, fields: dict[str, Any], need_model: bool) -> tuple[str, str, str, bytes]:
        """Probe an uploaded clip: model, size, nearest allowed seconds, and a frame (PNG) to render from."""
        if need_model and not fields.get("model"):
            raise ApiError(400, "Editing an uploaded video needs 'model'.", "missing_required_parameter", "model")
        info, frame = probe_upload(upload, frame="first" if need_model else "last")
        assert frame is not None
        model, _ = self._model_size({"model": fields.get("model") or "sora-2", "size": None})
        size = f"{info['width']}x{info['height']}"
        sizes = self._sizes(model)
        if size not in sizes:
            raise ApiError(400, f"The uploaded video is {size}; {model} supports {', '.join(sizes)}.", "invalid_value", "video")
        seconds = min(self._allowed_seconds(model), key=lambda s: abs(int(s) - info["duration"]))
        return model, size, seconds, frame


def probe_upload(upload: UploadFile, frame: str | None) -> tuple[dict[str, Any], bytes | None]:
    """Decode an uploaded clip: its probe (size, duration) and, if asked, its first or last frame as PNG."""
    import tempfile

    from .video_probe import probe, still_frame

    with tempfile.NamedTemporaryFile(suffix=".mp4") as tmp:
        tmp.write(upload.file.read())
        tmp.flush()
        try:
            info = probe(Path(tmp.name))
            still = still_frame(Path(tmp.name), last=frame == "last") if frame else None
        except Exception:  # noqa: BLE001 - whatever the decoder raises, the upload is not a video it can read
            info, still = {}, None
    if not info.get("width") or (frame and still is None):
        raise ApiError(400, "The uploaded video could not be decoded.", "invalid_video", "video")
    return info, still
