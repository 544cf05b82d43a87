"""Is a downloaded file whole, and is it media at all? Cheap structural checks by container, for bodies that
came without a length or were put together from resumed pieces.

A server that closes the connection early without having sent Content-Length leaves a short file that looks like
a success; a gateway that answers a Range request with its error page (and a media type, or none) leaves text
inside a video. These checks read headers, box boundaries, an MP4's sample tables and a few hundred bytes at the
end, never the whole file.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Iterator
from itertools import accumulate
from pathlib import Path

from ..core.i18n import N_, _

TAIL = 512  # bytes at the end of a file looked at for text
MAX_MOOV = 64 << 20  # an MP4 index larger than this (hours of video) is not read for the sample check
# A run of printable ASCII this long at the very end of the media data is an error page's end, not video: a
# compressed frame never has one (the text some files end with, as an encoder's name in an MP4's udta, is
# shorter and sits in the index, which is checked structurally instead).
_TEXT_TAIL = re.compile(rb"[\t\n\r\x20-\x7e]{32,}\Z")
_WHITESPACE = " \t\r\n\f\v"
MIN_PLAIN_TEXT = 16
_MARKUP = frozenset("<>{}")


def looks_like_text(head: bytes) -> bool:
    """Whether the first bytes of a body (up to a kilobyte) are text (an HTML error page, JSON, a plain-text
    message) rather than media, which is binary: every container starts with bytes that are not printable.

    Text is: it decodes as UTF-8 and every character is printable or whitespace, and it is whitespace only,
    starts with `<`, `{` or `[` or holds any of `<>{}` (markup, whatever piece of it: any length), or is at least
    MIN_PLAIN_TEXT characters long. A few printable bytes can end a real file (an MP4 ends with its encoder's
    name): shorter plain text passes. Taking media for text only costs a fresh start of the download."""
    if not head:
        return False
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 3:
            return False
        text = head[: exc.start].decode("utf-8")  # a character cut at the end of the piece
    text = text.removeprefix("\ufeff")  # a byte-order mark, as some servers start their pages
    if not all(ch.isprintable() or ch in _WHITESPACE for ch in text):
        return False
    stripped = text.lstrip(_WHITESPACE)
    return (not stripped or stripped[0] in "<{[" or len(stripped) >= MIN_PLAIN_TEXT
            or not _MARKUP.isdisjoint(stripped))


# ISO files whose brand says they hold still pictures (AVIF, HEIF): not a video, and not a picture that the
# structural check below or the preview reads
_PICTURE_BRANDS = frozenset({b"avif", b"avis", b"heic", b"heix", b"heim", b"heis", b"mif1", b"msf1"})
# What a body is, as the reasons below name it (translated where the reason is built)
_KIND_NAMES = {"video": N_("a video"), "picture": N_("a picture"), "audio": N_("audio")}


def media_kind(head: bytes) -> str | None:
    """What a file's first bytes (16 are enough) say it is: "video" (MP4/MOV, WebM/Matroska), "picture" (WEBP,
    PNG, JPEG, GIF), or None (anything else)."""
    if head[4:8] == b"ftyp":
        return None if head[8:12] in _PICTURE_BRANDS else "video"
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return "video"
    if (head[:4] == b"RIFF" and head[8:12] == b"WEBP") or head[:3] == b"\xff\xd8\xff" \
            or head[:8] == b"\x89PNG\r\n\x1a\n" or head[:4] == b"GIF8":
        return "picture"
    return None


def _declared_kind(content_type: str | None) -> str | None:
    """What a Content-Type says a body is ("video", "picture", "audio"); None for a generic or missing one."""
    media = (content_type or "").split(";")[0].strip().lower()
    major = media.partition("/")[0]
    if major == "image":
        return "picture"
    if major == "video" or media in ("application/mp4", "application/x-matroska"):
        return "video"
    return "audio" if major == "audio" else None


def wrong_kind(variant: str, content_type: str | None, head: bytes | None) -> str | None:
    """Why an answer is not the asset asked for, or None: the video must be a video, a thumbnail or
    spritesheet a picture, by its Content-Type (when it says) and by its first bytes (`head`; None when they
    are not the file's first, as in a resumed piece). A proxy that drops `?variant=` sends the MP4 for all."""
    want = "video" if variant == "video" else "picture"
    declared = _declared_kind(content_type)
    media = (content_type or "").split(";")[0].strip().lower()
    if declared is not None and declared != want:
        return f"{_(_KIND_NAMES[declared])} ({media})"
    if head is not None and (found := media_kind(head)) != want:
        said = declared == want
        if found is not None:
            kind = _(_KIND_NAMES[found])
            return _("{kind}, though its Content-Type said {media}").format(kind=kind, media=media) if said else kind
        fields = {"kind": _(_KIND_NAMES[want]), "start": repr(head[:8]), "media": media}
        if said:
            return _("a file that is not {kind} sora-tui can read (it starts with {start}), though its Content-Type "
                     "said {media}").format(**fields)
        return _("a file that is not {kind} sora-tui can read (it starts with {start})").format(**fields)
    return None


def incomplete_reason(path: Path, variant: str) -> str | None:
    """None when the file is structurally complete for its kind; otherwise what is wrong with it."""
    try:
        size = path.stat().st_size
        with open(path, "rb") as fh:
            head = fh.read(16)
            if variant != "video" and media_kind(head) == "video":
                return _("it is a video, not a picture")
            if head[4:8] == b"ftyp":
                return _mp4(fh, size)
            if head[:4] == b"\x1a\x45\xdf\xa3":
                return _text_tail(fh, size)  # WebM/Matroska (some gateways): no cheap end check beyond this
            if variant == "video":
                return _("it does not start like a video file (first bytes {start})").format(start=repr(head[:8]))
            if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
                declared = struct.unpack("<I", head[4:8])[0] + 8
                return _text_tail(fh, size) if declared == size else _("WEBP declares {declared} bytes, file has "
                                                                       "{size}").format(declared=f"{declared:,}",
                                                                                        size=f"{size:,}")
            if head[:2] == b"\xff\xd8":
                fh.seek(max(0, size - 2))
                return None if fh.read(2) == b"\xff\xd9" else _("JPEG without its end marker")
            if head[:8] == b"\x89PNG\r\n\x1a\n":
                fh.seek(max(0, size - 12))
                return None if fh.read(12)[4:8] == b"IEND" else _("PNG without its IEND chunk")
            if head[:4] == b"GIF8":
                fh.seek(max(0, size - 1))
                return None if fh.read(1) == b";" else _("GIF without its trailer")
    except OSError as exc:
        return _("cannot read it back: {reason}").format(reason=exc.strerror)
    return _("it does not start like an image file (first bytes {start})").format(start=repr(head[:8]))


def _text_tail(fh: object, size: int, start: int = 0) -> str | None:
    """A reason when the file (from `start`) ends in text: an error page appended or put in place of its end."""
    fh.seek(max(start, size - TAIL))  # type: ignore[attr-defined]
    if _TEXT_TAIL.search(fh.read(TAIL)):  # type: ignore[attr-defined]
        return _("it ends in text (an error page?) where media data belongs")
    return None


def _mp4(fh: object, size: int) -> str | None:
    """Walk the top-level boxes: they must tile the file exactly, and hold moov and mdat. Then the index: the
    boxes down to each track's sample tables must tile their parents, and every chunk of samples they point at
    must lie inside an mdat. Last, a file that ends with its media data must not end in text."""
    seen: set[bytes] = set()
    mdats: list[tuple[int, int]] = []  # the data of each mdat: [start, end)
    moov: tuple[int, int] | None = None
    kind = b""
    offset = 0
    while offset < size:
        fh.seek(offset)  # type: ignore[attr-defined]
        header = fh.read(16)  # type: ignore[attr-defined]
        if len(header) < 8:
            return _("MP4 box header cut at byte {offset}").format(offset=f"{offset:,}")
        box_size, kind = struct.unpack(">I4s", header[:8])
        header_size = 8
        if box_size == 1:
            if len(header) < 16:
                return _("MP4 box header cut at byte {offset}").format(offset=f"{offset:,}")
            box_size, header_size = struct.unpack(">Q", header[8:16])[0], 16
        elif box_size == 0:
            box_size = size - offset  # "to the end of the file"
        if box_size < header_size:
            return _("MP4 box {box} has an impossible size at byte {offset}").format(box=repr(kind),
                                                                                     offset=f"{offset:,}")
        if offset + box_size > size:
            return _("MP4 box {box} runs past the end of the file ({size} bytes)").format(
                box=repr(kind.decode("latin-1")), size=f"{size:,}")
        seen.add(kind)
        if kind == b"mdat":
            mdats.append((offset + header_size, offset + box_size))
        elif kind == b"moov" and moov is None:
            moov = (offset + header_size, offset + box_size)
        offset += box_size
    missing = [k.decode() for k in (b"moov", b"mdat") if k not in seen]
    if missing:
        return (_("MP4 without {box}").format(box=missing[0]) if len(missing) == 1
                else _("MP4 without {box} and {other}").format(box=missing[0], other=missing[1]))
    if moov is not None and moov[1] - moov[0] <= MAX_MOOV:
        fh.seek(moov[0])  # type: ignore[attr-defined]
        problem = _samples_outside(fh.read(moov[1] - moov[0]), mdats)  # type: ignore[attr-defined]
        if problem is not None:
            return problem
    return _text_tail(fh, size, mdats[-1][0]) if kind == b"mdat" else None


class _Broken(Exception):
    pass


def _children(data: bytes, start: int, end: int) -> Iterator[tuple[bytes, int, int]]:
    """(kind, body start, body end) of the boxes in data[start:end]; _Broken when one runs past its parent."""
    at = start
    while end - at >= 8:  # fewer bytes left is padding (QuickTime ends some lists with a 4-byte zero)
        box_size, kind = struct.unpack_from(">I4s", data, at)
        header_size = 8
        if box_size == 1:
            if end - at < 16:
                raise _Broken(_("MP4 box {box} in the index is cut").format(box=repr(kind.decode("latin-1"))))
            box_size, header_size = struct.unpack_from(">Q", data, at + 8)[0], 16
        elif box_size == 0:
            box_size = end - at
        if box_size < header_size or at + box_size > end:
            raise _Broken(_("MP4 box {box} in the index runs past the box that holds it").format(
                box=repr(kind.decode("latin-1"))))
        yield kind, at + header_size, at + box_size
        at += box_size


# Boxes in an MP4's index that hold only boxes: each child must fit in its parent. ilst's children (one per tag,
# named by the tag) hold only boxes too.
_CONTAINERS = frozenset({b"trak", b"mdia", b"minf", b"stbl", b"dinf", b"edts", b"udta", b"mvex", b"meta", b"ilst"})


def _check_tree(data: bytes, start: int, end: int, holder: bytes = b"moov") -> None:
    for kind, child_start, child_end in _children(data, start, end):
        if kind == b"meta" and data[child_start + 4:child_start + 8] != b"hdlr":
            child_start += 4  # ISO's meta is a full box (version, flags); QuickTime's is not
        if kind in _CONTAINERS or holder == b"ilst":
            _check_tree(data, child_start, child_end, kind)


def _samples_outside(moov: bytes, mdats: list[tuple[int, int]]) -> str | None:
    """A reason when the index is broken (a box that runs past the one that holds it: the file's end is not the
    one its index was written with) or points at sample data outside every mdat; None otherwise, and where the
    tables are of a form not read here."""
    try:
        _check_tree(moov, 0, len(moov))
        for kind, start, end in _children(moov, 0, len(moov)):
            if kind != b"trak":
                continue
            for stbl in _descend(moov, start, end, (b"mdia", b"minf", b"stbl")):
                for first, last in _chunks(moov, *stbl):
                    if not any(lo <= first and last <= hi for lo, hi in mdats):
                        return _("MP4 sample data at bytes {first}-{last} lies outside its mdat").format(
                            first=f"{first:,}", last=f"{last:,}")
    except _Broken as exc:
        return str(exc)
    except (struct.error, ValueError, IndexError):
        return None  # a table of a form not read here: the tiling above is the check
    return None


def _descend(data: bytes, start: int, end: int, path: tuple[bytes, ...]) -> Iterator[tuple[int, int]]:
    if not path:
        yield start, end
        return
    for kind, child_start, child_end in _children(data, start, end):
        if kind == path[0]:
            yield from _descend(data, child_start, child_end, path[1:])


def _table(data: bytes, start: int, end: int, code: str, per_entry: int = 1, header: int = 8) -> tuple[int, ...]:
    """A full box's table: `header` bytes (version, flags, the entry count last), then that many entries of
    `per_entry` big-endian numbers of struct type `code`."""
    count = struct.unpack_from(">I", data, start + header - 4)[0] * per_entry
    if start + header + count * struct.calcsize(f">{code}") > end:
        raise _Broken(_("MP4 sample table runs past its box"))
    return struct.unpack_from(f">{count}{code}", data, start + header)


def _chunks(data: bytes, start: int, end: int) -> Iterator[tuple[int, int]]:
    """[first byte, end) of every chunk of samples a track's sample table (stbl) points at."""
    boxes = {kind: (s, e) for kind, s, e in _children(data, start, end)}
    if b"stco" in boxes:
        offsets = _table(data, *boxes[b"stco"], "I")
    elif b"co64" in boxes:
        offsets = _table(data, *boxes[b"co64"], "Q")
    else:
        return
    if b"stsz" not in boxes or b"stsc" not in boxes:
        return  # compact sizes (stz2) or no sample-to-chunk table: the offsets alone are not checked
    stsz_start, stsz_end = boxes[b"stsz"]
    uniform, count = struct.unpack_from(">II", data, stsz_start + 4)
    before = [] if uniform else [0, *accumulate(_table(data, stsz_start, stsz_end, "I", header=12))]
    runs = _table(data, *boxes[b"stsc"], "I", per_entry=3)
    sample = 0
    for i in range(0, len(runs), 3):
        first_chunk, per_chunk = runs[i], runs[i + 1]
        last_chunk = runs[i + 3] - 1 if i + 3 < len(runs) else len(offsets)
        for chunk in range(first_chunk, last_chunk + 1):
            if chunk < 1 or chunk > len(offsets) or sample >= count:
                return
            n = min(per_chunk, count - sample)
            length = uniform * n if uniform else before[sample + n] - before[sample]
            sample += n
            yield offsets[chunk - 1], offsets[chunk - 1] + length
