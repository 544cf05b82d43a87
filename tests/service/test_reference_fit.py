"""Fitting a reference image to the video size: crop, pad, scale — real images through Pillow, real files."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from sora_tui.core.params import InvalidParams
from sora_tui.service.reference import check_reference_image, fit_reference_image, image_dimensions


@pytest.fixture
def wide_photo(tmp_path: Path) -> Path:
    path = tmp_path / "wide.png"
    img = Image.new("RGB", (800, 400), (0, 0, 255))
    img.paste((255, 0, 0), (0, 0, 100, 400))  # a red band on the far left
    img.save(path)
    return path


@pytest.mark.parametrize("mode", ["crop", "pad", "scale"])
def test_each_fit_gives_exactly_the_video_size_and_passes_the_check(wide_photo: Path, tmp_path: Path, mode: str) -> None:
    out = fit_reference_image(str(wide_photo), "720x1280", mode, tmp_path / "refs")
    with Image.open(out) as img:
        assert img.size == (720, 1280) and img.format == "PNG"
        left = img.getpixel((5, 640))
        top = img.getpixel((360, 5))
    check_reference_image(str(out), "720x1280")  # the server-side rule now holds
    if mode == "crop":
        assert left == (0, 0, 255) and top == (0, 0, 255)  # the centre was kept, the red edge cut off
    elif mode == "pad":
        assert top == (0, 0, 0) and left[0] > 200  # letterboxed above, the whole width kept
    else:
        assert left[0] > 200 and top[2] > 200  # stretched: everything kept


def test_same_fit_is_written_once(wide_photo: Path, tmp_path: Path) -> None:
    a = fit_reference_image(str(wide_photo), "1280x720", "pad", tmp_path / "refs")
    b = fit_reference_image(str(wide_photo), "1280x720", "pad", tmp_path / "refs")
    assert a == b and len(list((tmp_path / "refs").iterdir())) == 1


def test_bad_inputs_say_what_is_wrong(tmp_path: Path, wide_photo: Path) -> None:
    with pytest.raises(InvalidParams, match="cannot be read"):
        fit_reference_image(str(tmp_path / "missing.png"), "720x1280", "crop", tmp_path)
    with pytest.raises(InvalidParams, match="Unknown fit"):
        fit_reference_image(str(wide_photo), "720x1280", "zoom", tmp_path)
    text = tmp_path / "notes.png"
    text.write_text("not an image")
    with pytest.raises(InvalidParams, match="not an image"):
        fit_reference_image(str(text), "720x1280", "crop", tmp_path)
    assert image_dimensions(str(wide_photo)) == (800, 400)
    assert image_dimensions("https://example.com/x.png") is None
