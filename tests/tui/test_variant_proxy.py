"""The details screen against a proxy that drops `?variant=` (engine modes litellm-like,ignore-variant:
every asset request gets the MP4). The preview fetched both pictures by itself, stored the video twice under
picture names and the files column said "✓ vts" while the picture said it was no picture. Now the pictures
are made from the video (fetched first: the job was never downloaded), the flipbook plays, and the files are
what they say."""

from __future__ import annotations

from pathlib import Path

import pytest
from filekinds import kind_of
from pilot_helpers import connected, wait_until
from textual.widgets import Static

from sora_tui.core.params import GenerationParams
from sora_tui.core.status import JobStatus
from sora_tui.engine import EngineConfig, start_engine_thread
from sora_tui.tui.app import SoraApp
from sora_tui.tui.screens.detail import JobDetailScreen
from sora_tui.tui.widgets.job_table import JobTable
from sora_tui.tui.widgets.preview import PicturePreview


async def test_details_of_a_completed_job_show_the_flipbook_through_a_proxy_that_drops_the_variant(
        home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-proxy-key")
    config = EngineConfig(speed="instant", state_dir=tmp_path / "engine", modes="litellm-like,ignore-variant")
    with start_engine_thread(config) as engine:
        app = SoraApp(base_url=engine.base_url)
        async with app.run_test(size=(160, 45)) as pilot:
            await wait_until(pilot, lambda: connected(app), what="the proxy")
            service = app.session.service
            [job] = await service.generate(GenerationParams("a red kite over a windy beach", model="veo-3",
                                                            size="1280x720", seconds="8"))
            await wait_until(pilot, lambda: service.store.get(job.local_id).status == JobStatus.COMPLETED,
                             what="the job to complete")
            table = app.main.query_one(JobTable)
            await wait_until(pilot, lambda: job.local_id in table.rows, what="its row")
            table.focus()
            table.move_cursor(row=table.get_row_index(job.local_id))
            await pilot.press("enter")
            await wait_until(pilot, lambda: isinstance(app.screen, JobDetailScreen), what="the details")
            preview = app.screen.query_one(PicturePreview)
            await wait_until(pilot, lambda: preview.frame_count > 1, timeout=60, what="the flipbook")
            assert preview.frame_count == 10  # the engine's layout: 5 x 2 tiles
            done = service.store.get(job.local_id)
            assert {f.variant: kind_of(Path(f.path)) for f in done.files} == {
                "video": "video", "thumbnail": "picture", "spritesheet": "picture"}
            assert {f.variant: f.made_locally for f in done.files} == {
                "video": False, "thumbnail": True, "spritesheet": True}
            await wait_until(pilot, lambda: "made locally from the video" in str(
                app.screen.query_one("#detail-text", Static).render()), what="the details to say so")
            await pilot.press("escape")
            files = str(table.get_cell(job.local_id, "files"))
            assert files.startswith("✓") and sorted(files.removeprefix("✓ ")) == ["s", "t", "v"]
            for path in (home / "downloads").iterdir():  # no picture name holds the video
                if path.name.endswith((".webp", ".jpg")):
                    assert kind_of(path) == "picture", path.name
