"""Repeatable scenes of the real app for the snapshot tests and the README's screenshots.

A seeded history (fixed ids, prompts and times, real rendered pictures under a fixed path) and, per scene,
the keys that lead there. Run `python tests/tui/scenes.py docs/screenshots` to write the README's SVGs (add scene
names after it to write only those).
"""

from __future__ import annotations

import hashlib
import os
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from pilot_helpers import connected, wait_until

NOW = 1_790_000_000.0  # 2026-09-21 14:13 UTC: frozen for every scene
ASSETS = Path("/tmp/sora-tui-scene-assets")  # fixed, because the details screen shows file paths
SCENES = ("main", "history", "details", "help", "remix", "profiles", "setup", "snippets", "checklist", "character",
          "delete")
CONFIG = ASSETS / "no-config.toml"  # never written: the built-in profiles only, at a path the screen can show
STARRED = "job_scene_take2"


# The same history written by a Japanese user (the Japanese screens' snapshots): the prompts only; the same
# English server messages, because servers answer in English.
JA_PROMPTS = {
    "kite": "夕暮れの海辺で赤い凧が風に舞い上がる、カメラはゆっくり左へドリー、シネマティック 35mm、風とカモメの声",
    "remix": "、夕闇の砂浜にランタンが灯る",
    "extend": "凧の糸が切れ、波の向こうへ流されていく",
    "refused": "ミッキーマウスが大波でサーフィンする",
    "old": "雨どいを流れる紙の舟、クローズアップ、雨音",
    "vert": "ネオンの下でストリートダンサーが回る、Reels用の縦長、重低音",
    "main": "夜、灯台守がらせん階段を登る、ゆっくりズームイン、外は嵐",
    "checklist": "ミッキーマウスが夕日の中で波に乗る、10秒、ドローンショット",
}


def seed_history(home: Path, lang: str = "en", board: bool = False) -> None:
    """Eight finished jobs (nothing for the tracker to change): a group of three takes (one starred, downloaded
    with its pictures), a remix and an extension of it, a refused prompt, an expired job and a vertical clip.
    With lang="ja" their prompts are Japanese. With `board`, a storyboard too, whose first shot is the group of
    takes (the starred one chosen) and whose second continues it with the extension."""
    from sora_tui.core.job import FileRecord, Job, JobError
    from sora_tui.core.params import GenerationParams
    from sora_tui.core.status import JobStatus
    from sora_tui.engine import render as render_module
    from sora_tui.engine.render import RenderSpec, render
    from sora_tui.store import HistoryStore

    kite = ("a red kite climbs over a windswept beach at golden hour, slow dolly left, "
            "cinematic 35 mm, wind and distant gulls")
    words = {"remix": ", at dusk with lanterns on the sand",
             "extend": "the kite string snaps and it drifts out over the waves",
             "refused": "Mickey Mouse surfing a huge wave",
             "old": "a paper boat drifts down a rain gutter, close-up, rain ambience",
             "vert": "a street dancer spins under neon signs, vertical for Reels, bass thumping"}
    ASSETS.mkdir(parents=True, exist_ok=True)
    sheet, thumb = ASSETS / "kite_spritesheet.jpg", ASSETS / "kite_thumbnail.webp"
    # Rendered once per version of the renderer: pictures cached from older code would hide a changed
    # snapshot until a fresh machine renders them anew.
    renderer = sorted(Path(render_module.__file__).parent.glob("render*.py"))  # the renderer's modules, all of them
    stamp, made_by = ASSETS / "rendered-by", hashlib.sha256(b"".join(p.read_bytes() for p in renderer)).hexdigest()
    if not (sheet.is_file() and thumb.is_file() and stamp.is_file() and stamp.read_text() == made_by):
        out = render(RenderSpec(kite, 320, 180, 1.0, seed=2), ASSETS / "render")
        os.replace(out.spritesheet, sheet)
        os.replace(out.thumbnail, thumb)
        stamp.write_text(made_by)
    # The pictures above are the English prompt's in both languages: one set of files on disk for both.
    if lang == "ja":
        kite, words = JA_PROMPTS["kite"], JA_PROMPTS

    def job(local_id: str, prompt: str, status: JobStatus, age: float, **kw) -> Job:
        params = kw.pop("params", None) or GenerationParams(prompt, size="1280x720", seconds="4")
        j = Job.new(params, status=status, **kw)
        j.local_id = local_id
        j.video_id = "video_68cf" + hashlib.sha256(local_id.encode()).hexdigest()[:28]  # fixed, distinct
        j.created_at = j.updated_at = NOW - age
        j.submitted_at = NOW - age + 1
        if status in (JobStatus.COMPLETED, JobStatus.DOWNLOADED):
            j.progress, j.completed_at = 100, NOW - age + 38
            j.expires_at = j.completed_at + 3600
        return j

    video = FileRecord(variant="video", path=str(ASSETS / "kite_take2.mp4"), bytes=1_482_113, sha256="9f2c" * 16)
    jobs = [
        job("job_scene_take1", kite, JobStatus.DOWNLOADED, 1500, group_id="grp_scene", server="http://127.0.0.1/v1",
            files=[FileRecord("video", str(ASSETS / "kite_take1.mp4"), 1_390_554, "11ab" * 16)]),
        job(STARRED, kite, JobStatus.DOWNLOADED, 1490, group_id="grp_scene", starred=True, tags=["keeper"],
            notes="best wind in the sand", server="http://127.0.0.1/v1",
            files=[video, FileRecord("thumbnail", str(thumb), thumb.stat().st_size, "aa" * 32),
                   FileRecord("spritesheet", str(sheet), sheet.stat().st_size, "bb" * 32)]),
        job("job_scene_take3", kite, JobStatus.COMPLETED, 1480, group_id="grp_scene", server="http://127.0.0.1/v1"),
        job("job_scene_remix", kite + words["remix"], JobStatus.COMPLETED, 700, kind="remix",
            parent_id=STARRED, server="http://127.0.0.1/v1"),
        job("job_scene_extend", words["extend"], JobStatus.COMPLETED, 60,
            kind="extend", parent_id=STARRED, server="http://127.0.0.1/v1",
            params=GenerationParams(words["extend"], size="1280x720", seconds="8")),
        job("job_scene_refused", words["refused"], JobStatus.FAILED, 3000, server="http://127.0.0.1/v1",
            error=JobError("moderation_blocked", "Your request was blocked by our moderation system.")),
        job("job_scene_old", words["old"], JobStatus.EXPIRED,
            86400 * 3, server="http://127.0.0.1/v1"),
        job("job_scene_vert", words["vert"],
            JobStatus.DOWNLOADED, 5000, server="http://127.0.0.1/v1",
            params=GenerationParams(words["vert"], size="720x1280", seconds="8"),
            files=[FileRecord("video", str(ASSETS / "dancer.mp4"), 2_901_773, "cd" * 32)]),
    ]
    store = HistoryStore(home / "history.json")
    try:
        if board:
            seeded = _storyboard(lang, kite, words)
            shots = {"job_scene_take1": 0, STARRED: 0, "job_scene_take3": 0, "job_scene_extend": 1}
            for j in jobs:
                if j.local_id in shots:
                    j.extra = {**j.extra, "board_id": seeded["board_id"],
                               "shot_id": seeded["shots"][shots[j.local_id]]["shot_id"]}
                if j.local_id == "job_scene_extend":
                    j.extra["source_id"] = STARRED
        for j in jobs:
            store.add(j)
        if board:
            store.save_board(seeded)
    finally:
        store.close()


def _storyboard(lang: str, kite: str, words: dict[str, str]) -> dict:
    """The scene's storyboard: four shots, the first two chosen, a dissolve and a cut still to generate."""
    from sora_tui.core.board import Board, Shot
    from sora_tui.core.board_toml import board_doc

    ja = lang == "ja"
    shots = (
        Shot(kite, 4, takes=3, chosen=STARRED, shot_id="sht_scene001"),
        Shot(words["extend"], 4, "continue", chosen="job_scene_extend", shot_id="sht_scene002"),
        Shot(JA_PROMPTS["old"] if ja else words["old"], 4, "dissolve", 12, takes=2, shot_id="sht_scene003"),
        Shot(JA_PROMPTS["main"] if ja else "a lighthouse keeper climbs the spiral stairs at night, steady zoom-in",
             8, shot_id="sht_scene004"),
    )
    return board_doc(Board(title="凧の一日" if ja else "Kite day", style="", size="1280x720", shots=shots,
                           board_id="brd_scene00001"))


def _still(app) -> None:
    """No blinking cursors: a screenshot must not depend on the moment it is taken."""
    from textual.widgets import Input, TextArea

    for area in app.screen.query(TextArea):
        area.cursor_blink = False
    for field in app.screen.query(Input):
        field.cursor_blink = False


def _widened(table) -> bool:
    column = table.columns.get("prompt") if hasattr(table.columns, "get") else None
    return column is not None and column.content_width > len("Prompt") + 4


def prepare_scene(scene: str, lang: str = "en") -> Callable[..., Awaitable[None]]:
    async def run(pilot) -> None:
        from textual.widgets import DataTable, TextArea

        from sora_tui.core.i18n import _
        from sora_tui.tui.screens.characters import CharacterScreen
        from sora_tui.tui.screens.detail import JobDetailScreen
        from sora_tui.tui.screens.help import HelpScreen
        from sora_tui.tui.screens.history import HistoryScreen, HistoryTable
        from sora_tui.tui.screens.modals import ConfirmScreen, PromptScreen, SnippetScreen, TextScreen
        from sora_tui.tui.screens.profile_setup import SetupScreen
        from sora_tui.tui.screens.profiles import ProfilesScreen
        from sora_tui.tui.widgets.job_table import JobTable
        from sora_tui.tui.widgets.preview import PicturePreview

        app = pilot.app
        await wait_until(pilot, lambda: connected(app), what="the engine", timeout=30)
        table = app.main.query_one(JobTable)
        await wait_until(pilot, lambda: table.row_count == 8, what="the seeded jobs", timeout=30)
        # DataTable widens its columns when it next idles: wait for that, not for a fixed time
        await wait_until(pilot, lambda: _widened(table), what="the column widths", timeout=30)
        _still(app)
        if scene == "main":
            app.main.query_one("#prompt", TextArea).text = JA_PROMPTS["main"] if lang == "ja" else (
                "a lighthouse keeper climbs the spiral stairs at night, steady zoom-in, storm outside")
            app.main.query_one("#prompt", TextArea).move_cursor((0, 0))
        elif scene == "history":
            await pilot.press("ctrl+o")
            await wait_until(pilot, lambda: isinstance(app.screen, HistoryScreen), what="the history", timeout=30)
            results = app.screen.query_one(HistoryTable)
            await wait_until(pilot, lambda: results.row_count == 8 and _widened(results), what="the results", timeout=30)
            _still(app)
            await pilot.press("ctrl+j")
            results.move_cursor(row=results.get_row_index(STARRED))
            takes = _("Takes in its group ({n})").split("{")[0]
            await wait_until(pilot, lambda: takes in str(app.screen.query_one("#lineage").render()), what="lineage", timeout=30)
        elif scene in ("details", "remix"):
            table.focus()
            table.move_cursor(row=table.get_row_index(STARRED))
            await pilot.pause()
            await pilot.press("enter" if scene == "details" else "m")
            if scene == "details":
                await wait_until(pilot, lambda: isinstance(app.screen, JobDetailScreen), what="details", timeout=30)
                preview = app.screen.query_one(PicturePreview)
                await wait_until(pilot, lambda: preview.frame_count > 1, what="the flipbook", timeout=30)
                preview.seek(3)
            else:
                await wait_until(pilot, lambda: isinstance(app.screen, PromptScreen), what="the remix dialog", timeout=30)
                _still(app)
        elif scene == "help":
            await pilot.press("f1")
            await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen), what="help", timeout=30)
        elif scene == "profiles":
            await pilot.press("f3")
            await wait_until(pilot, lambda: isinstance(app.screen, ProfilesScreen), what="profiles", timeout=30)
            # both checks answered: the local engine's by a request, openai's at once (no key set here)
            await wait_until(pilot, lambda: "checking" not in str(app.screen.query_one("#profiles-note").render())
                             and all("…" not in str(app.screen.query_one(DataTable).get_cell(name, "check"))
                                     for name in ("local", "openai")), what="the checks", timeout=30)
        elif scene == "setup":
            await pilot.press("f3")
            await wait_until(pilot, lambda: isinstance(app.screen, ProfilesScreen), what="profiles", timeout=30)
            await pilot.press("a")
            await wait_until(pilot, lambda: isinstance(app.screen, SetupScreen), what="the setup form", timeout=30)
            app.screen.query_one("#setup-key").focus()
            await pilot.pause()
            await pilot.press(*"sk-not-a-real-key")  # typed into the masked key field: shown as dots
            _still(app)
        elif scene == "checklist":
            app.main.query_one("#prompt", TextArea).text = JA_PROMPTS["checklist"] if lang == "ja" else (
                "Mickey Mouse surfs a wave at sunset, 10 seconds, drone shot")
            await pilot.pause(0.4)  # the tips read the prompt after the next frame
            await pilot.press("f2")
            await wait_until(pilot, lambda: isinstance(app.screen, TextScreen), what="the checklist", timeout=30)
        elif scene == "delete":
            table.focus()
            table.move_cursor(row=table.get_row_index(STARRED))
            await pilot.pause()
            await pilot.press("delete")
            await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the question", timeout=30)
        elif scene == "snippets":
            await pilot.press("ctrl+n")
            await wait_until(pilot, lambda: isinstance(app.screen, SnippetScreen), what="the snippets", timeout=30)
            await pilot.press(*("ドリー" if lang == "ja" else "dolly"))
            _still(app)
        elif scene == "board":
            from sora_tui.tui.screens.board import BoardScreen
            from sora_tui.tui.screens.board_pick import BoardsScreen

            await pilot.press("f6")
            await wait_until(pilot, lambda: isinstance(app.screen, BoardsScreen) and app.screen.loaded,
                             what="the boards", timeout=30)
            await pilot.press("enter")
            await wait_until(pilot, lambda: isinstance(app.screen, BoardScreen) and app.screen.loaded,
                             what="the board", timeout=30)
            _still(app)
        elif scene == "character":
            app.action_create_character()
            await wait_until(pilot, lambda: isinstance(app.screen, CharacterScreen), what="the character form", timeout=30)
            await pilot.press(*"Captain Kite")
            _still(app)
        await pilot.pause()

    return run


def main(out: Path, only: tuple[str, ...] = ()) -> None:
    """Write one SVG per scene and size (the scenes named in `only`, when given), from the real app on a scratch
    data dir with the local engine."""
    import tempfile

    from textual._doc import take_svg_screenshot

    from sora_tui.engine import stop_engine
    from sora_tui.tui.app import SoraApp
    from sora_tui.tui.widgets import job_list

    out.mkdir(parents=True, exist_ok=True)
    os.environ["TZ"] = "UTC"
    time.tzset()
    job_list.clock = lambda: NOW
    from sora_tui.core import i18n

    shots = [(scene, "en") for scene in (*SCENES, "board")] + [
        (scene, "ja") for scene in ("main", "history", "details", "help", "board")]
    shots = [(scene, lang) for scene, lang in shots if not only or scene in only]
    for scene, lang in shots:
        i18n.set_language(lang)
        os.environ["SORA_TUI_LANG"] = lang
        for label, size in (("80x24", (80, 24)), ("160x45", (160, 45))):
            with tempfile.TemporaryDirectory() as tmp:
                home = Path(tmp) / "home"
                home.mkdir()
                os.environ["SORA_TUI_HOME"] = str(home)
                os.environ["SORA_TUI_ENGINE_SPEED"] = "instant"
                os.environ["SORA_TUI_CONFIG"] = str(CONFIG)
                os.environ.pop("OPENAI_API_KEY", None)
                seed_history(home, lang, board=scene == "board")
                try:
                    svg = take_svg_screenshot(app=SoraApp(), terminal_size=size, run_before=prepare_scene(scene, lang))
                finally:
                    stop_engine(home / "engine")
                name = f"{scene}-{label}.svg" if lang == "en" else f"{scene}-{lang}-{label}.svg"
                (out / name).write_text(svg, encoding="utf-8")
                print(out / name)


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots"), tuple(sys.argv[2:]))
