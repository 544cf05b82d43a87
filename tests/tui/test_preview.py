"""PicturePreview: real spritesheets split into frames, friendly errors, and a flipbook drawn in half blocks."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image
from textual.app import App, ComposeResult

from sora_tui.engine.render import SPRITE_COLS, RenderSpec, render
from sora_tui.tui.widgets.cell_drawing import fit
from sora_tui.tui.widgets.frames import PreviewError, load_frames, load_thumbnail, sprite_grid
from sora_tui.tui.widgets.preview import PicturePreview

COLOURS = [(220, 30, 30), (30, 200, 40), (30, 60, 220), (240, 220, 30), (200, 40, 200),
           (30, 210, 210), (250, 140, 20), (120, 120, 120)]


def grid_sheet(path: Path, tiles: int, tw: int = 160, th: int = 90) -> Path:
    """A sheet in the engine's layout: 5 per row, black padding after the last tile, one colour per tile."""
    rows = -(-tiles // SPRITE_COLS)
    sheet = Image.new("RGB", (tw * SPRITE_COLS, th * rows))
    for n in range(tiles):
        sheet.paste(Image.new("RGB", (tw, th), COLOURS[n % len(COLOURS)]),
                    ((n % SPRITE_COLS) * tw, (n // SPRITE_COLS) * th))
    sheet.save(path, "JPEG", quality=80)
    return path


def close(a: tuple[int, ...], b: tuple[int, ...], tol: int = 12) -> bool:
    return all(abs(x - y) <= tol for x, y in zip(a, b))


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory):
    """A real one-second clip from the local engine (about 0.2 s): 10 tiles of 160x90."""
    return render(RenderSpec("a red ball on green grass", 160, 90, 1.0), tmp_path_factory.mktemp("clip"))


def test_engine_spritesheet_splits_into_its_tiles(clip) -> None:
    layout = clip.spritesheet_layout
    frames = load_frames(clip.spritesheet)
    assert len(frames) == layout["tiles"] == 10
    assert {f.size for f in frames} == {(layout["tile_width"], layout["tile_height"])}
    with Image.open(clip.spritesheet) as sheet:
        assert sprite_grid(sheet.size) == (layout["columns"], layout["rows"])
        k = 7  # frame k is exactly tile k of the sheet
        x, y = (k % 5) * 160 + 40, (k // 5) * 90 + 30
        assert frames[k].getpixel((40, 30)) == sheet.convert("RGB").getpixel((x, y))
    assert frames[0].tobytes() != frames[-1].tobytes()  # the ball moved
    thumb = load_thumbnail(clip.thumbnail)
    assert thumb.mode == "RGB" and thumb.size == (640, 360)


def test_short_clip_drops_blank_trailing_tiles(tmp_path: Path) -> None:
    short = render(RenderSpec("snow at night", 160, 90, 0.125), tmp_path)  # 3 frames, 2 black tiles
    assert short.spritesheet_layout["tiles"] == 3
    assert len(load_frames(short.spritesheet)) == 3


def test_known_colour_in_frame_k(tmp_path: Path) -> None:
    sheet = grid_sheet(tmp_path / "s.jpg", 7)
    frames = load_frames(sheet, video_size="1280x720")
    assert len(frames) == 7 and frames[0].size == (160, 90)
    for k in (0, 4, 5, 6):
        assert close(frames[k].getpixel((80, 45)), COLOURS[k]), k
    portrait = load_frames(grid_sheet(tmp_path / "p.jpg", 10, 90, 160))
    assert len(portrait) == 10 and portrait[6].size == (90, 160)
    assert close(portrait[6].getpixel((45, 80)), COLOURS[6])


def test_grid_inference() -> None:
    assert sprite_grid((800, 180)) == (5, 2)  # not 8x1 of 9:16 tiles
    assert sprite_grid((450, 320)) == (5, 2)
    assert sprite_grid((800, 182), "1792x1024") == (5, 2)  # the engine's integer tile sizes
    assert sprite_grid((800, 90)) == (5, 1)
    assert sprite_grid((640, 360)) == (1, 1)  # one picture, not 25 tiles
    assert sprite_grid((333, 301)) == (1, 1)  # no grid fits: shown whole
    assert fit((160, 90), (40, 10)) == (36, 20)
    assert fit((90, 160), (40, 10)) == (11, 20)


@pytest.mark.parametrize("content, expected", [
    (None, "is missing"),
    (b"", "is empty"),
    (b"this is not a picture at all\n", "is not a picture"),
    ("truncated", "is damaged or incomplete"),
])
def test_bad_files_raise_a_friendly_error(tmp_path: Path, content, expected: str) -> None:
    path = tmp_path / "spritesheet.jpg"
    if content == "truncated":
        grid_sheet(path, 10)
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    elif content is not None:
        path.write_bytes(content)
    with pytest.raises(PreviewError) as err:
        load_frames(path)
    assert expected in err.value.message and "spritesheet.jpg" in err.value.message
    assert "Traceback" not in str(err.value) and err.value.__cause__ is None
    with pytest.raises(PreviewError, match="thumbnail"):
        load_thumbnail(path)


class PreviewApp(App[None]):
    CSS = "PicturePreview { width: 40; max-width: 100%; height: 10; }"

    def compose(self) -> ComposeResult:
        yield PicturePreview()


def line_text(widget: PicturePreview, y: int) -> str:
    return "".join(seg.text for seg in widget.render_line(y))


async def test_flipbook_plays_pauses_and_scales(tmp_path: Path) -> None:
    frames = load_frames(grid_sheet(tmp_path / "s.jpg", 3))
    app = PreviewApp()
    async with app.run_test(size=(60, 14)) as pilot:
        preview = app.query_one(PicturePreview)
        preview.focus()
        preview.show_frames(frames, fps=30)
        await pilot.pause()
        # 160x90 in 40x10 cells (40x20 px) -> 36x20 px: 10 full lines, 2 blank columns each side
        line = line_text(preview, 5)
        assert line == "  " + "▀" * 36 + "  "
        assert all("▀" in line_text(preview, y) for y in range(10))
        assert "▀" in app.export_screenshot()
        assert preview.playing and preview.frame_count == 3

        seen = {preview.frame_index}
        for _ in range(40):
            await pilot.pause(0.02)
            seen.add(preview.frame_index)
            if len(seen) == 3:
                break
        assert seen == {0, 1, 2}
        colour = next(s.style.color for s in preview.render_line(5) if s.text.startswith("▀"))
        assert close(colour.triplet, COLOURS[preview.frame_index])

        await pilot.press("space")
        assert not preview.playing
        held = preview.frame_index
        await pilot.pause(0.2)
        assert preview.frame_index == held
        await pilot.press("space")
        assert preview.playing

        cached = len(preview._cache)
        await pilot.pause(0.2)
        assert len(preview._cache) == cached == 3  # one scaled copy per frame, not one per tick

        await pilot.resize_terminal(30, 14)  # narrower than the 40-cell CSS width: re-fit
        await pilot.pause()
        assert preview.size.width == 30 and line_text(preview, 5).count("▀") == 30


async def test_still_and_message_are_plain_text(tmp_path: Path) -> None:
    app = PreviewApp()
    async with app.run_test(size=(60, 14)) as pilot:
        preview = app.query_one(PicturePreview)
        preview.show_message("[bold]Thumbnail[/bold] is missing; download it first.")
        await pilot.pause()
        text = "\n".join(line_text(preview, y) for y in range(10))
        assert "[bold]Thumbnail[/bold]" in text
        preview.show_still(Image.new("RGB", (90, 160), (10, 200, 10)))
        await pilot.pause()
        assert not preview.playing and line_text(preview, 0).strip("▀ ") == ""
        assert line_text(preview, 0).count("▀") == 11  # portrait: 11 columns, centred
        preview.focus()
        await pilot.press("space")  # nothing to play: no error, still not playing
        assert not preview.playing


async def test_frames_given_before_mount_play_once_mounted(tmp_path: Path) -> None:
    preview = PicturePreview()
    preview.show_frames([Image.new("RGB", (16, 9), c) for c in COLOURS[:2]], fps=30)

    class Early(App[None]):
        def compose(self) -> ComposeResult:
            yield preview

    async with Early().run_test(size=(20, 6)) as pilot:
        await pilot.pause(0.15)
        assert preview.playing and preview.frame_count == 2
        await preview.remove()
        assert preview._timer is None  # stopped on unmount


@pytest.mark.parametrize(("env", "expected"), [
    ({"TERM": "xterm-kitty"}, "kitty"),
    ({"TERM": "xterm-256color", "KITTY_WINDOW_ID": "3"}, "kitty"),
    ({"TERM": "xterm-256color", "TERM_PROGRAM": "WezTerm"}, "sixel"),
    ({"TERM": "foot"}, "sixel"),
    ({"TERM": "xterm-256color", "KONSOLE_VERSION": "240802"}, "sixel"),
    ({"TERM": "xterm-kitty", "TMUX": "/tmp/tmux-0/default,1,0"}, "cells"),  # a multiplexer in between
    ({"TERM": "screen-256color", "TERM_PROGRAM": "WezTerm"}, "cells"),
    ({"TERM": "xterm-256color"}, "cells"),  # plain SSH into an unknown terminal
    ({"TERM": "xterm-256color", "SORA_TUI_GRAPHICS": "sixel"}, "sixel"),  # the user knows better
    ({"TERM": "xterm-kitty", "SORA_TUI_GRAPHICS": "cells"}, "cells"),
    ({"TERM": "xterm-kitty", "SORA_TUI_GRAPHICS": "nonsense"}, "kitty"),
])
def test_graphics_protocol_is_guessed_from_the_environment(env: dict[str, str], expected: str) -> None:
    from sora_tui.tui import graphics

    assert graphics.guess(env) == expected


@pytest.fixture
def kitty_graphics():
    from sora_tui.tui import graphics

    graphics.reset()
    assert graphics.prepare({"SORA_TUI_GRAPHICS": "kitty"}) == "kitty"
    yield graphics
    graphics.reset()


async def test_kitty_terminal_gets_the_flipbook_as_real_pictures(tmp_path: Path, kitty_graphics) -> None:
    from textual_image.widget import TGPImage

    from sora_tui.tui.widgets.preview import GraphicPreview, picture_preview

    frames = load_frames(grid_sheet(tmp_path / "s.jpg", 3))
    preview = picture_preview(id="p")
    assert isinstance(preview, GraphicPreview) and isinstance(preview.picture, TGPImage)

    class Graphic(App[None]):
        def compose(self) -> ComposeResult:
            yield preview

    async with Graphic().run_test(size=(60, 14)) as pilot:
        preview.show_message("Fetching the spritesheet…")
        await pilot.pause()
        assert not preview.picture.display and "Fetching the spritesheet" in line_text(preview, 6)  # text, in cells
        preview.show_frames(frames, fps=30)
        await pilot.pause()
        assert preview.picture.display and preview.picture.image is frames[preview.frame_index]
        # the picture is sent to the terminal as a Kitty image and placed with its Unicode placeholder cells
        drawn = "".join(seg.text for y in range(preview.picture.size.height) for seg in preview.picture.render_line(y))
        assert preview.picture.size.width > 0 and "\U0010eeee" in drawn and "▀" not in drawn
        seen = set()
        for _ in range(40):
            await pilot.pause(0.02)
            seen.add(id(preview.picture.image))
            if len(seen) == 3:
                break
        assert seen == {id(f) for f in frames}  # every frame reached the picture widget
        preview.seek(1)
        assert not preview.playing and preview.picture.image is frames[1]


def test_cells_are_the_default_where_nothing_was_prepared() -> None:
    from sora_tui.tui import graphics
    from sora_tui.tui.widgets.preview import GraphicPreview, picture_preview

    graphics.reset()
    assert graphics.chosen() == "cells" and not isinstance(picture_preview(), GraphicPreview)
