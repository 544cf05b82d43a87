"""Safe file names for downloads, built from prompts and server ids (which are untrusted)."""

from __future__ import annotations

import hashlib
import re
import string
import time
import unicodedata
from pathlib import Path

DEFAULT_TEMPLATE = "{date}_{prompt}_{id}"
TEMPLATE_FIELDS = {"date", "time", "prompt", "id", "model", "size", "seconds", "variant", "local_id"}
_BAD = re.compile(r"[^\w.+=-]+", re.UNICODE)
MAX_NAME_BYTES = 200  # leaves room for ".thumbnail.webp.part" under the 255-byte limit


class TemplateError(ValueError):
    pass


def check_template(template: str) -> None:
    """Allow plain {field} names only: str.format would reach attributes ({v.__class__...})."""
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise TemplateError(f"File-name template {template!r} is malformed: {exc}") from None
    for _, name, spec, conv in parsed:
        if name is None:
            continue
        if name not in TEMPLATE_FIELDS or spec or conv:
            raise TemplateError(
                f"File-name template field {{{name}}} is not allowed; use only "
                + ", ".join("{" + f + "}" for f in sorted(TEMPLATE_FIELDS))
            )


def slug(text: str, limit: int = 48) -> str:
    text = unicodedata.normalize("NFKC", text)
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C")  # controls, bidi overrides
    text = _BAD.sub("-", text).strip("-._")
    return text[:limit].rstrip("-._") or "video"


def _cap_bytes(name: str, limit: int = MAX_NAME_BYTES) -> str:
    raw = name.encode("utf-8")
    if len(raw) <= limit:
        return name
    return raw[:limit].decode("utf-8", "ignore").rstrip("-._") or "video"


def render_name(template: str, fields: dict[str, str]) -> str:
    check_template(template)
    values = {k: slug(str(v), 64) for k, v in fields.items()}
    for f in TEMPLATE_FIELDS:
        values.setdefault(f, "")
    name = template.format(**values)
    name = slug(name, 10_000)  # a template's own slashes or dots cannot create directories
    return _cap_bytes(name)


def download_path(base: Path, template: str, fields: dict[str, str], suffix: str) -> Path:
    """A path for one asset inside `base`, never outside it whatever the fields hold."""
    name = render_name(template, fields) + suffix
    path = base / name
    base_resolved = base.resolve()
    if not path.resolve().is_relative_to(base_resolved):  # defence in depth; slug() already removed separators
        raise TemplateError(f"Refusing to write outside {base}: {name!r}")
    return path


def _id_part(video_id: str) -> str:
    """The id's tail when it is a plain id; otherwise a digest of the whole of it. Gateways send long opaque
    ids (base64, operation paths) whose endings can repeat, and two videos must never share a file name."""
    if re.fullmatch(r"[A-Za-z0-9_-]{1,40}", video_id):
        return video_id[-24:]
    return "id" + hashlib.sha256(video_id.encode("utf-8", "surrogatepass")).hexdigest()[:22]


def name_fields(prompt: str, video_id: str, model: str, size: str, seconds: str, local_id: str, when: float) -> dict[str, str]:
    return {
        "date": time.strftime("%Y%m%d", time.localtime(when)),
        "time": time.strftime("%H%M%S", time.localtime(when)),
        "prompt": prompt[:60],
        "id": _id_part(video_id),
        "model": model,
        "size": size,
        "seconds": seconds,
        "local_id": local_id,
    }
