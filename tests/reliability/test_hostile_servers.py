"""Servers that misbehave in ways a client's authors do not imagine, through real `sora-tui` processes and the real
TUI: a server that echoes the caller's key in its errors, one that refuses with "Authorization failed…", a prompt
that only says "secret", a server that asks to wait ten minutes before the next create."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from harness import run_cli

from sora_tui.core.params import GenerationParams
from sora_tui.core.status import JobStatus
from sora_tui.engine import EngineConfig, start_engine_thread


async def _until(pilot, predicate, timeout: float = 60.0) -> None:  # type: ignore[no-untyped-def]
    from sora_tui.tui.textual_fence import notifications

    end = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < end, [n.message for n in notifications(pilot.app)]
        await pilot.pause(0.05)


KEY = "sk-echoed-0a1b2c3d4e5f-ECHO-98765"  # distinctive: any leak is found by a byte search
BLOCKED = "a kite over the forbidden-topic dunes, slow pan left"  # echo-key mode fails it, echoing the key


def test_a_word_in_a_prompt_or_a_servers_refusal_stops_nothing(tmp_path: Path) -> None:
    """The history refused any document whose text held "secret or "authorization: a prompt exited 70, and a
    server's "Authorization failed…" left the job queued and every later resume failing."""
    home = tmp_path / "home"
    with start_engine_thread(EngineConfig(speed="instant", state_dir=tmp_path / "engine", modes="echo-key")) as engine:
        env = {"OPENAI_API_KEY": KEY}
        worded = run_cli(home, engine.base_url, "generate", 'a kite over the "Secret" garden, "api_key" on a sign',
                         "--wait", "--json", env_extra=env)
        assert worded.returncode == 0, worded.stderr
        assert json.loads(worded.stdout)["params"]["prompt"] == 'a kite over the "Secret" garden, "api_key" on a sign'
        refused = run_cli(home, engine.base_url, "generate", BLOCKED, "--wait", "--json", env_extra=env)
        assert refused.returncode == 1, refused.stderr  # the job failed: said, and recorded
        job = json.loads(refused.stdout)
        assert job["status"] == "failed" and job["error"]["message"].startswith("Authorization failed for key [redacted]")
        assert "Authorization failed for key [redacted]" in refused.stderr
        again = run_cli(home, engine.base_url, "resume", env_extra=env)
        assert again.returncode == 0 and "Traceback" not in again.stderr and "unexpected error" not in again.stderr
        assert not (home / "crash").exists()


def test_a_key_the_server_echoes_reaches_no_file_output_or_export(tmp_path: Path) -> None:
    home = tmp_path / "home"
    outputs: list[str] = []
    with start_engine_thread(EngineConfig(speed="instant", state_dir=tmp_path / "engine", modes="echo-key")) as engine:
        env = {"OPENAI_API_KEY": KEY}
        first = run_cli(home, engine.base_url, "generate", BLOCKED, "--wait", "--json", env_extra=env)
        vid = json.loads(first.stdout)["id"]
        for args, code in ((["jobs"], 0), (["jobs", "--json"], 0), (["show", vid], 0), (["show", vid, "--json"], 0),
                           (["export", "--format", "jsonl"], 0), (["export", "--format", "csv"], 0),
                           (["export", "--format", "csv", "--out", str(tmp_path / "h.csv")], 0),
                           (["resume"], 0), (["retry", vid, "--wait"], 1), (["import", "video_" + "0" * 32], 1),
                           (["videos"], 0)):
            r = run_cli(home, engine.base_url, *args, env_extra=env)
            assert r.returncode == code, (args, r.stderr)
            outputs += [r.stdout, r.stderr]
    assert any("[redacted]" in text for text in outputs)  # the echoed errors were shown, without the key
    files = [p for p in [*home.rglob("*"), tmp_path / "h.csv"] if p.is_file()]
    leaks = [str(p) for p in files if KEY.encode() in p.read_bytes()]
    leaks += [f"output {i}: {text[:200]!r}" for i, text in enumerate([first.stdout, first.stderr, *outputs]) if KEY in text]
    assert not leaks, leaks


async def test_the_tui_tracks_on_and_shows_no_key_when_a_server_echoes_it(home: Path, tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """In the TUI one job's refusal (echoing the key) stopped tracking for every job ("track jobs stopped")."""
    from sora_tui.tui.app import SoraApp
    from sora_tui.tui.textual_fence import notifications

    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    with start_engine_thread(EngineConfig(speed="fast", state_dir=tmp_path / "engine", modes="echo-key")) as engine:
        app = SoraApp(base_url=engine.base_url)
        async with app.run_test(size=(160, 45)) as pilot:
            await _until(pilot, lambda: app.session is not None and app.session.service is not None)
            service = app.session.service
            [refused] = await service.generate(GenerationParams(BLOCKED, size="1280x720"))
            [fine] = await service.generate(GenerationParams("a red kite over a windy beach", size="1280x720"))
            await _until(pilot, lambda: service.store.get(fine.local_id).status == JobStatus.COMPLETED)
            failed = service.store.get(refused.local_id)
            assert failed.status == JobStatus.FAILED and "[redacted]" in failed.error.message
            await pilot.pause(0.3)
            notes = [n.message for n in notifications(app)]
            assert not any("stopped" in n for n in notes), notes
            assert any("[redacted]" in n for n in notes), notes
            screens = app.export_screenshot()
            assert KEY not in screens and not any(KEY in n for n in notes)


async def test_a_long_retry_after_is_waited_out_visibly_and_never_resent_early(tmp_path: Path) -> None:
    """Retry-After: 600 failed the job at once while the message said "sora-tui will wait and retry". Now the job
    waits, shows when it will be sent, nothing else sends it meanwhile, and cancelling leaves it for later."""
    import asyncio

    from sora_tui.backend import VideosBackend
    from sora_tui.service import JobService
    from sora_tui.service.events import ServiceNotice
    from sora_tui.store import HistoryStore

    store = HistoryStore(tmp_path / "h.json")
    with start_engine_thread(EngineConfig(speed="instant", state_dir=tmp_path / "s", modes="retry-after-long")) as engine:
        backend = VideosBackend(engine.base_url, "k")
        svc = JobService(store, backend, download_dir=tmp_path / "dl")
        notices: list[str] = []
        svc.subscribe(lambda e: notices.append(e.message) if isinstance(e, ServiceNotice) else None)
        try:
            sending = asyncio.create_task(svc.generate(GenerationParams("a kite at dusk", size="1280x720")))
            for _ in range(200):
                waiting = store.all()
                if waiting and waiting[0].extra.get("retry_at"):
                    break
                await asyncio.sleep(0.05)
            [job] = store.all()
            assert job.status == JobStatus.SUBMITTING and 590 < job.extra["retry_at"] - time.time() <= 600
            assert "sends this one again at" in job.error.message and "Nothing has been created" in job.error.message
            assert any("it asked to wait 10 min" in n for n in notices), notices
            assert not await svc.tracker.reconcile()  # waiting, in flight: the reconciler leaves it alone
            sending.cancel()  # the app quits meanwhile
            with pytest.raises(asyncio.CancelledError):
                await sending
            left = store.get(job.local_id)
            assert left.status == JobStatus.SUBMITTING and left.extra["retry_at"] > time.time()
            assert not await svc.tracker.reconcile()  # not before the time the server asked for
            assert (await backend.list_page()).videos == []  # nothing created, nothing billed
        finally:
            await backend.aclose()
    store.close()


async def test_a_retry_after_longer_than_sora_tui_waits_fails_the_job_saying_so(tmp_path: Path,
                                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from sora_tui.backend import VideosBackend
    from sora_tui.service import JobService, jobs
    from sora_tui.store import HistoryStore

    monkeypatch.setattr(jobs, "MAX_CREATE_WAIT", 300.0)  # the engine asks for 600 s
    store = HistoryStore(tmp_path / "h.json")
    with start_engine_thread(EngineConfig(speed="instant", state_dir=tmp_path / "s", modes="retry-after-long")) as engine:
        backend = VideosBackend(engine.base_url, "k")
        svc = JobService(store, backend, download_dir=tmp_path / "dl")
        try:
            [job] = await svc.generate(GenerationParams("a kite at dusk", size="1280x720"))
        finally:
            await backend.aclose()
    assert job.status == JobStatus.FAILED
    assert "it asked to wait 10 min" in job.error.message and "did not send it again" in job.error.message
    assert "nothing was created or billed" in job.error.message and "will wait" not in job.error.message
    store.close()
