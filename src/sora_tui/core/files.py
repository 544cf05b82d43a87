"""Safe file names for downloads, built from prompts and server ids (which are untrusted)."""

from __future__ import annotations

import errno
import hashlib
import os
import re
import string
import time
import unicodedata
from pathlib import Path

from .i18n import _

# The short id, not the server's: unique in the history, the one every screen shows, and telling jobs apart
# where a proxy's ids do not (they share their ending).
DEFAULT_TEMPLATE = "{date}_{prompt}_{short_id}"
TEMPLATE_FIELDS = {"date", "time", "prompt", "id", "short_id", "model", "size", "seconds", "variant", "local_id"}
_BAD = re.compile(r"[^\w.+=-]+", re.UNICODE)
MAX_NAME_BYTES = 200  # leaves room for " (99)" and ".thumbnail.webp.part.validator" under the 255-byte limit
# What each asset's file name ends with, and the sidecar's: a job's files share the stem before these.
ASSET_SUFFIXES = {"video": ".mp4", "thumbnail": ".thumbnail.webp", "spritesheet": ".spritesheet.jpg"}
SIDECAR_SUFFIX = ".json"


class TemplateError(ValueError):
    pass


def check_template(template: str) -> None:
    """Allow plain {field} names only: str.format would reach attributes ({v.__class__...})."""
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise TemplateError(_("File-name template {template} is malformed: {error}").format(
            template=repr(template), error=exc)) from None
    for _literal, name, spec, conv in parsed:
        if name is None:
            continue
        if name not in TEMPLATE_FIELDS or spec or conv:
            raise TemplateError(
                _("File-name template field {field} is not allowed; use only {fields}").format(
                    field="{" + name + "}", fields=", ".join("{" + f + "}" for f in sorted(TEMPLATE_FIELDS)))
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
        raise TemplateError(_("Refusing to write outside {folder}: {name}").format(folder=base, name=repr(name)))
    return path


def _id_part(video_id: str) -> str:
    """The id's tail when it is a plain id; otherwise a digest of the whole of it. Gateways send long opaque
    ids (base64, operation paths) whose endings can repeat, and two videos must never share a file name."""
    if re.fullmatch(r"[A-Za-z0-9_-]{1,40}", video_id):
        return video_id[-24:]
    return "id" + hashlib.sha256(video_id.encode("utf-8", "surrogatepass")).hexdigest()[:22]


def name_fields(prompt: str, video_id: str, model: str, size: str, seconds: str, local_id: str, when: float,
                short_id: str = "") -> dict[str, str]:
    return {
        "date": time.strftime("%Y%m%d", time.localtime(when)),
        "time": time.strftime("%H%M%S", time.localtime(when)),
        "prompt": prompt[:60],
        "id": _id_part(video_id),
        "short_id": short_id,
        "model": model,
        "size": size,
        "seconds": seconds,
        "local_id": local_id,
    }


def split_asset_name(name: str) -> tuple[str, str]:
    """(stem, suffix) of a download's name, the suffix being a whole asset suffix (".thumbnail.webp", not
    ".webp") so that numbering goes before it and the files of one job keep one stem."""
    for suffix in sorted((*ASSET_SUFFIXES.values(), SIDECAR_SUFFIX), key=len, reverse=True):
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)], suffix
    stem, dot, ext = name.rpartition(".")
    return (stem, dot + ext) if stem else (name, "")


def numbered_path(path: Path, n: int) -> Path:
    """`name (n).mp4` beside `name.mp4` (n > 1): the name a download takes when its own is taken."""
    if n <= 1:
        return path
    stem, suffix = split_asset_name(path.name)
    return path.with_name(f"{stem} ({n}){suffix}")


def sibling_paths(path: Path) -> list[Path]:
    """Every name that belongs with this file's stem: the video, its pictures and its sidecar."""
    stem, _ = split_asset_name(path.name)
    return [path.with_name(stem + suffix) for suffix in (*ASSET_SUFFIXES.values(), SIDECAR_SUFFIX)]


# link(2) refused by the filesystem itself (FAT/exFAT take no hard links; some network and FUSE filesystems)
_NO_LINKS = frozenset({errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.ENOSYS, errno.EMLINK, errno.EXDEV})


def place_new(src: Path, dst: Path) -> bool:
    """Give the file at `src` the name `dst` only if nothing has that name (a file, a link, a dangling symlink):
    False when it is taken, and then nothing was touched. A rename would silently replace what is there; a hard
    link fails instead, atomically. Where the filesystem takes no hard links, the name is claimed with O_EXCL
    first, so the rename can only ever replace the empty file just created for it."""
    try:
        os.link(src, dst, follow_symlinks=False)
    except FileExistsError:
        return False
    except OSError as exc:
        if exc.errno not in _NO_LINKS:
            raise
        try:
            os.close(os.open(dst, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600))
        except FileExistsError:
            return False
        os.replace(src, dst)
        return True
    os.unlink(src)
    return True
