"""A download's files on disk: the .part and the validator kept beside it (where a resume starts, and what it
must belong to), the finished file's name, and settling the file once it is there.

What is in the .part is always a whole prefix of the server's file. The finished file never replaces anything: a
name already taken gets `name (2).mp4`. Side files are opened with O_NOFOLLOW (and O_EXCL when new), so a symlink
planted at their names is never written through."""

from __future__ import annotations

import errno
import hashlib
import logging
import os
import stat
from pathlib import Path
from typing import Any, NamedTuple

from ..core.files import numbered_path, place_new, sibling_paths
from ..core.i18n import _
from ..durable import fsync_dir
from .errors import BackendError

log = logging.getLogger(__name__)

CHUNK = 1 << 20
MAX_NUMBERED = 999  # `name (2)` ... `name (999)`: past that the folder is not one to guess a name in


def part_path(dest: Path) -> Path:
    return dest.with_name(dest.name + ".part")


def validator_path(part: Path) -> Path:
    """Beside a .part: the ETag (or Last-Modified) and the total size of the file it is a prefix of."""
    return part.with_name(part.name + ".validator")


def file_sha256(path: Path) -> str:
    """The sha256 of a file on disk, read a megabyte at a time (hashlib releases the GIL while it hashes)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def settle(path: Path) -> str:
    """What follows a download: its sha256, then the file and its name made durable (fsync of both). Its caller
    records the sha256 only after this returns, so a recorded one means hashed and on disk."""
    digest = file_sha256(path)
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    fsync_dir(path.parent)
    return digest


class _Resume(NamedTuple):
    """Where a download starts: after the .part's `offset` bytes, of a file with this validator and total."""

    offset: int = 0
    validator: str | None = None
    total: int | None = None


def _resume_point(part: Path, side: Path) -> _Resume:
    """What a .part left by an earlier try offers. Anything at its name that is not a plain file of our own (a
    symlink, a hard link to some other file, a fifo) is removed, never read or written through; so is a .part
    longer than the file it was a prefix of."""
    try:
        info = os.lstat(part)
    except FileNotFoundError:
        return _Resume()
    if not stat.S_ISREG(info.st_mode) or info.st_nlink != 1 or info.st_size == 0:
        _discard(part, side)
        return _Resume()
    validator, total = _read_validator(side)
    if total is not None and info.st_size > total:
        _discard(part, side)
        return _Resume()
    return _Resume(info.st_size, validator, total)


def _discard(part: Path, side: Path) -> None:
    part.unlink(missing_ok=True)
    side.unlink(missing_ok=True)


def _open_part(path: Path, append: bool) -> int:
    """The .part, to append to (it must be there, a plain file of its own) or new. O_NOFOLLOW: a symlink planted
    at its name never redirects the write; a new one is created with O_EXCL after whatever had its name is
    removed (a hard link to another file would be written through otherwise). Appending is a seek to the end, not
    O_APPEND, which splice(2) refuses."""
    if not append:
        path.unlink(missing_ok=True)
        return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
    fd = os.open(path, os.O_WRONLY | os.O_NOFOLLOW)
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode) or info.st_nlink != 1:
        os.close(fd)
        raise OSError(errno.EEXIST, _("the partial download was replaced by another file"), str(path))
    os.lseek(fd, 0, os.SEEK_END)
    return fd


def place_file(path: Path, dest: Path) -> tuple[Path, bool]:
    """A finished file of ours (in `dest`'s folder) given `dest`'s name by the rule downloads follow
    (_finish): nothing there is replaced, a taken name gives `name (2)`, and a file there with the same bytes
    is kept as it is. Returns where it is now and whether it is new there (False: the same file was there
    already); `path` itself is gone."""
    return _place(path, dest, validator_path(part_path(path)))


def _finish(part: Path, dest: Path, side: Path) -> Path:
    return _place(part, dest, side)[0]


def _place(part: Path, dest: Path, side: Path) -> tuple[Path, bool]:
    """Give the finished .part its name, or `name (2)`, `name (3)`... when that is taken: whatever is there (the
    user's own file, a symlink) is never replaced (core.files.place_new). A numbered name is taken only when its
    pictures' and sidecar's names are free too, so the job's files keep one stem. A file already there with
    exactly these bytes is this download, finished by a run stopped before it recorded it: it is kept as it is,
    rather than saved a second time (and False says so)."""
    for n in range(1, MAX_NUMBERED + 1):
        candidate = numbered_path(dest, n)
        if os.path.lexists(candidate):
            if not _same_bytes(part, candidate):
                continue
        elif n > 1 and any(os.path.lexists(p) for p in sibling_paths(candidate)):
            continue
        elif not place_new(part, candidate) and not _same_bytes(part, candidate):
            continue  # taken meanwhile
        new = not os.path.lexists(part)
        part.unlink(missing_ok=True)  # still there if the file at the name was kept instead
        side.unlink(missing_ok=True)
        if candidate != dest:
            log.info("%s is taken; the download was saved as %s", dest, candidate.name)
        return candidate, new
    raise BackendError("disk", _("{name} and {count} numbered names after it are taken in {folder}").format(
        name=dest.name, count=MAX_NUMBERED - 1, folder=dest.parent))


def _same_bytes(part: Path, other: Path) -> bool:
    """Whether `other` is a plain file (not a symlink) holding exactly the bytes of `part`."""
    try:
        mine, theirs = os.stat(part), os.lstat(other)
        if os.path.samestat(mine, theirs):
            return True
        if not stat.S_ISREG(theirs.st_mode) or theirs.st_size != mine.st_size:
            return False
        with open(part, "rb") as a, open(os.open(other, os.O_RDONLY | os.O_NOFOLLOW), "rb") as b:
            while block := a.read(CHUNK):
                if b.read(len(block)) != block:
                    return False
            return True
    except OSError:
        return False


def _read_validator(path: Path) -> tuple[str | None, int | None]:
    """(ETag or Last-Modified, total size) kept beside a .part; None for what it does not hold. The first line
    alone is the format older versions wrote."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None, None
    try:
        data = os.read(fd, 512) if stat.S_ISREG(os.fstat(fd).st_mode) else b""
    except OSError:
        data = b""
    finally:
        os.close(fd)
    try:
        lines = data.decode("ascii").split("\n")
    except UnicodeDecodeError:
        return None, None
    validator = lines[0].strip()
    total = lines[1].strip() if len(lines) > 1 else ""
    return (validator if validator and len(validator) < 200 and validator.isprintable() else None,
            int(total) if total.isdigit() else None)


def _write_validator(path: Path, headers: Any, total: int | None) -> None:
    """Keep the ETag (or Last-Modified) of a download in progress, for If-Range when it is resumed, and the total
    size its first answer announced, which every resumed piece must belong to. Written new (O_EXCL | O_NOFOLLOW,
    after removing what had the name): a symlink planted there is never followed."""
    value = str(headers.get("etag") or headers.get("last-modified") or "")
    if value.startswith("W/") or not value.isprintable() or len(value) >= 200:
        value = ""  # a weak ETag cannot guard a byte range
    try:
        data = f"{value}\n{'' if total is None else total}\n".encode("ascii")
        path.unlink(missing_ok=True)
        if not value and total is None:
            return
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        try:
            os.write(fd, data)
        finally:
            os.close(fd)
    except (OSError, UnicodeEncodeError):
        pass  # without it a resume starts over
