from __future__ import annotations

from pathlib import Path

import pytest

from sora_tui.core.files import TemplateError, check_template, download_path, render_name


def test_template_refuses_attribute_access() -> None:
    with pytest.raises(TemplateError):
        check_template("{id.__class__.__init__.__globals__}")
    with pytest.raises(TemplateError):
        check_template("{id!r}")
    with pytest.raises(TemplateError):
        check_template("{nope}")


@pytest.mark.parametrize(
    "hostile",
    ["../../etc/passwd", "/abs/path", "a\x00b", "x" * 400, "evil\u202etxt.exe", "..", "ü" * 300],
)
def test_names_stay_inside_base(tmp_path: Path, hostile: str) -> None:
    path = download_path(tmp_path, "{prompt}_{id}", {"prompt": hostile, "id": hostile}, ".mp4")
    assert path.parent == tmp_path
    assert path.resolve().is_relative_to(tmp_path.resolve())
    assert len(path.name.encode()) <= 255
    assert "\u202e" not in path.name and "\x00" not in path.name
    path.write_bytes(b"ok")  # the name is usable on this filesystem


def test_render_name_is_readable() -> None:
    assert render_name("{date}_{prompt}", {"date": "20261124", "prompt": "a red kite, over the sea!"}) == "20261124_a-red-kite-over-the-sea"


def test_opaque_ids_with_a_shared_ending_get_different_names() -> None:
    from sora_tui.core.files import name_fields

    a = name_fields("same prompt", "projects/p/locations/us/operations/AAAA1111" + "x" * 30 + "==", "m", "1x1", "4", "j1", 0)
    b = name_fields("same prompt", "projects/p/locations/us/operations/BBBB2222" + "x" * 30 + "==", "m", "1x1", "4", "j2", 0)
    assert a["id"] != b["id"] and "/" not in a["id"]
    assert name_fields("p", "video_0123456789abcdef0123456789abcdef", "m", "1x1", "4", "j", 0)["id"] == "0123456789abcdef0123456789abcdef"[-24:]
