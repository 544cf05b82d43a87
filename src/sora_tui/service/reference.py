"""Checking a reference image (the video's first frame) before anything is sent or written.

The server refuses an image that is not JPEG/PNG/WEBP or does not match the video size; finding out
here costs nothing and says exactly what to change. http(s) URLs are left to the server to fetch.
"""

from __future__ import annotations

import base64
import binascii
import io
import os
from pathlib import Path

from ..core.i18n import _
from ..core.params import InvalidParams, parse_size

MAX_IMAGE_BYTES = 20 * 1024 * 1024  # sora-tui's own limit: larger files are almost always a mistake
MAX_IMAGE_PIXELS = 40_000_000  # decompression bombs: a tiny file that would decode to gigabytes
FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}


class ImageSizeMismatch(InvalidParams):
    """The reference image is another size than the video: something a fit (crop, pad, scale) can mend."""


def check_reference_image(image: str, size: str) -> None:
    """Raise InvalidParams (field 'image') unless `image` can serve as the first frame of a `size` video."""
    if image.startswith(("http://", "https://")):
        return
    # `label` names the image as the subject of each message (a noun phrase: the sentences are whole messages)
    if image.startswith("data:"):
        label, data = _("The reference image data URL"), _decode_data_url(image)
    else:
        path = Path(image).expanduser()
        label = _("Reference image {path}").format(path=path)
        try:
            if path.stat().st_size > MAX_IMAGE_BYTES:
                raise InvalidParams(_("{image} is {size} MB; the limit is {limit} MB. Save it smaller (it only needs "
                                      "{video_size}).").format(image=label, size=f"{path.stat().st_size / 1e6:.1f}",
                                                              limit=MAX_IMAGE_BYTES // (1024 * 1024), video_size=size),
                                    "image")
            data = path.read_bytes()
        except FileNotFoundError:
            raise InvalidParams(_("{image} does not exist.").format(image=label), "image") from None
        except OSError as exc:
            raise InvalidParams(_("{image} cannot be read: {reason}.").format(image=label, reason=exc.strerror),
                                "image") from None
    if len(data) > MAX_IMAGE_BYTES:
        raise InvalidParams(_("{image} is {size} MB; the limit is {limit} MB.").format(
            image=label, size=f"{len(data) / 1e6:.1f}", limit=MAX_IMAGE_BYTES // (1024 * 1024)), "image")
    width, height = _dimensions(label, data)
    want_w, want_h = parse_size(size)
    if (width, height) != (want_w, want_h):
        raise ImageSizeMismatch(
            _("{image} is {width}x{height} but the video is {size}; the first frame must match the video size. "
              "Resize or crop it to {size}, or choose the size that matches the image.").format(
                  image=label, width=width, height=height, size=size), "image")


def _decode_data_url(url: str) -> bytes:
    head, _sep, payload = url.partition(",")
    if not head.endswith(";base64") or not payload:
        raise InvalidParams(_("The reference image data URL is not base64 image data (data:image/png;base64,...)."),
                            "image")
    try:
        return base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidParams(_("The reference image data URL is not valid base64."), "image") from None


def _dimensions(label: str, data: bytes) -> tuple[int, int]:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as img:
            fmt, (width, height) = img.format, img.size
    except UnidentifiedImageError:
        raise InvalidParams(_("{image} is not an image sora-tui can read; use a JPEG, PNG or WEBP file.").format(
            image=label), "image") from None
    except (OSError, ValueError, Image.DecompressionBombError):
        raise InvalidParams(_("{image} is damaged or too large to decode; use a JPEG, PNG or WEBP file.").format(
            image=label), "image") from None
    if fmt not in FORMATS:
        raise InvalidParams(_("{image} is a {format} image; the server takes JPEG, PNG or WEBP. Convert it first.").format(
            image=label, format=fmt), "image")
    if width * height > MAX_IMAGE_PIXELS:
        raise InvalidParams(_("{image} has {width}x{height} pixels, far more than any video size; resize it.").format(
            image=label, width=width, height=height), "image")
    return width, height


FIT_MODES = ("crop", "pad", "scale")


def image_dimensions(image: str) -> tuple[int, int] | None:
    """Pixel size of a local reference image, or None when it is a URL (the server fetches those)."""
    if image.startswith(("http://", "https://")):
        return None
    if image.startswith("data:"):
        return _dimensions(_("The reference image data URL"), _decode_data_url(image))
    path = Path(image).expanduser()
    label = _("Reference image {path}").format(path=path)
    try:
        data = path.read_bytes() if path.stat().st_size <= MAX_IMAGE_BYTES else b""
    except FileNotFoundError:
        raise InvalidParams(_("{image} does not exist.").format(image=label), "image") from None
    except OSError as exc:
        raise InvalidParams(_("{image} cannot be read: {reason}.").format(image=label, reason=exc.strerror),
                            "image") from None
    if not data:
        raise InvalidParams(_("{image} is larger than {limit} MB.").format(
            image=label, limit=MAX_IMAGE_BYTES // (1024 * 1024)), "image")
    return _dimensions(label, data)


def fit_reference_image(image: str, size: str, mode: str, out_dir: Path) -> Path:
    """A copy of `image` at exactly `size`: crop (fill, cut the overflow), pad (fit inside, letterbox in black)
    or scale (stretch). Written as PNG under `out_dir`, named by content, so the same fit is made once."""
    import hashlib

    from PIL import Image, ImageOps

    if mode not in FIT_MODES:
        raise InvalidParams(_("Unknown fit {mode}; use crop, pad or scale.").format(mode=repr(mode)), "image")
    if image.startswith("data:"):
        data = _decode_data_url(image)
    else:
        try:
            data = Path(image).expanduser().read_bytes()
        except OSError as exc:
            raise InvalidParams(_("{image} cannot be read: {reason}.").format(
                image=_("Reference image {path}").format(path=image), reason=exc.strerror), "image") from None
    _dimensions(_("The reference image"), data)  # format and pixel limits first
    want = parse_size(size)
    with Image.open(io.BytesIO(data)) as opened:
        img = ImageOps.exif_transpose(opened).convert("RGB")
        if mode == "crop":
            fitted = ImageOps.fit(img, want, Image.Resampling.LANCZOS)
        elif mode == "pad":
            fitted = ImageOps.pad(img, want, Image.Resampling.LANCZOS, color=(0, 0, 0))
        else:
            fitted = img.resize(want, Image.Resampling.LANCZOS)
    buf = io.BytesIO()
    fitted.save(buf, format="PNG")
    out = buf.getvalue()
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"ref-{hashlib.sha256(out).hexdigest()[:16]}-{size}-{mode}.png"
    if not target.exists():
        tmp = target.with_suffix(f".{os.getpid()}.tmp")
        try:
            tmp.write_bytes(out)
            os.replace(tmp, target)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise InvalidParams(_("The fitted image cannot be written to {path}: {reason}.").format(
                path=out_dir, reason=exc.strerror), "image") from None
    return target
