"""VideosBackend against the real local engine over loopback, through the real openai SDK."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from sora_tui.backend import BackendError, VideosBackend
from sora_tui.backend.downloads import file_sha256, part_path
from sora_tui.core.params import GenerationParams
from sora_tui.core.status import JobStatus


async def _completed(backend: VideosBackend, prompt: str = "a red kite over a windy beach, slow pan left") -> str:
    info = await backend.create(GenerationParams(prompt, size="1280x720", seconds="4"))
    for _ in range(200):
        info, _ms = await backend.retrieve(info.id)
        if info.status == JobStatus.COMPLETED:
            return info.id
        import asyncio

        await asyncio.sleep(0.05)
    raise AssertionError("engine did not complete")


async def _completed_and_whole(backend: VideosBackend, folder: Path) -> tuple[str, bytes]:
    """A completed video and its bytes, downloaded whole once (what a partial or failed download is checked against)."""
    vid = await _completed(backend)
    await backend.download(vid, folder / "whole.mp4")
    return vid, (folder / "whole.mp4").read_bytes()


async def test_create_retrieve_list_download(local_engine, tmp_path: Path) -> None:
    backend = VideosBackend(local_engine.base_url, "test-key")
    try:
        vid = await _completed(backend)
        info, poll_ms = await backend.retrieve(vid)
        assert info.progress == 100 and info.size == "1280x720" and info.seconds == "4"
        assert poll_ms > 0
        page = await backend.list_page(limit=10)
        assert vid in [v.id for v in page.videos]
        seen: list[int] = []
        result = await backend.download(vid, tmp_path / "clip.mp4", "video", progress=lambda got, total: seen.append(got))
        data = (tmp_path / "clip.mp4").read_bytes()
        assert result.bytes == len(data) > 1000
        assert file_sha256(tmp_path / "clip.mp4") == hashlib.sha256(data).hexdigest()
        assert result.content_type == "video/mp4"
        assert seen and seen[-1] == len(data)
        assert not part_path(tmp_path / "clip.mp4").exists()
        for variant, ctype in (("thumbnail", "image/webp"), ("spritesheet", "image/jpeg")):
            r = await backend.download(vid, tmp_path / f"x.{variant}", variant)
            assert r.content_type == ctype and r.bytes > 100
    finally:
        await backend.aclose()


async def test_download_resumes_from_partial_file(local_engine, tmp_path: Path) -> None:
    backend = VideosBackend(local_engine.base_url, "k")
    try:
        vid, data = await _completed_and_whole(backend, tmp_path)
        dest = tmp_path / "resumed.mp4"
        part_path(dest).write_bytes(data[: len(data) // 3])
        result = await backend.download(vid, dest)
        assert result.resumed is True
        assert dest.read_bytes() == data and result.bytes == len(data)
    finally:
        await backend.aclose()


async def test_a_part_that_is_already_whole_is_finished_not_refused(local_engine, tmp_path: Path) -> None:
    """Killed between the last byte and the rename: the next run asks for bytes after the end, the server answers
    416, and the download finishes from the .part (the crash harness found runs failing here instead)."""
    backend = VideosBackend(local_engine.base_url, "k")
    try:
        vid, data = await _completed_and_whole(backend, tmp_path)
        for validator in (None, '"an-older-etag"'):  # an unknown validator: the server sends it whole instead
            dest = tmp_path / f"whole-{bool(validator)}.mp4"
            part_path(dest).write_bytes(data)
            if validator:
                part_path(dest).with_name(part_path(dest).name + ".validator").write_text(validator)
            result = await backend.download(vid, dest)
            assert dest.read_bytes() == data and result.bytes == len(data)
            assert result.resumed is (validator is None) and not part_path(dest).exists()
        # a .part longer than the file is not taken for a whole one, nor left to fail every retry: started over
        dest = tmp_path / "longer.mp4"
        part_path(dest).write_bytes(data + b"extra")
        result = await backend.download(vid, dest)
        assert dest.read_bytes() == data and result.resumed is False
    finally:
        await backend.aclose()


async def test_errors_are_mapped(local_engine) -> None:
    backend = VideosBackend(local_engine.base_url, "k")
    try:
        with pytest.raises(BackendError) as bad:
            await backend.create(GenerationParams("x", model="sora-2", size="1920x1080"))
        assert bad.value.kind == "bad_request" and bad.value.status == 400
        assert "1920x1080" in bad.value.message
        with pytest.raises(BackendError) as missing:
            await backend.retrieve("video_does_not_exist")
        assert missing.value.kind == "not_found"
        assert "not_found" == missing.value.kind and missing.value.user_message()
    finally:
        await backend.aclose()


async def test_unreachable_server_is_one_clear_error() -> None:
    backend = VideosBackend("http://127.0.0.1:9/v1", "k", timeout=3)
    try:
        with pytest.raises(BackendError) as info:
            await backend.list_page()
        assert info.value.kind == "unreachable"
        assert "Cannot reach the server at http://127.0.0.1:9/v1" in info.value.user_message()
    finally:
        await backend.aclose()


async def test_a_connection_dropped_by_the_server_is_said_once_with_what_to_do() -> None:
    """A server that reads the request and hangs up: 'network', said once, with advice that fits any call (not only
    a download)."""
    async def hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.close()

    async with _serving(hang_up) as url:
        backend = VideosBackend(url, "k", max_retries=0)
        try:
            with pytest.raises(BackendError) as info:
                await backend.list_page()
        finally:
            await backend.aclose()
    shown = info.value.user_message()
    assert info.value.kind == "network" and f"The connection to the server at {url} dropped." in shown
    assert shown.count("dropped") == 1 and "try again" in shown


async def test_truncated_body_is_never_reported_done(tmp_path: Path) -> None:
    from sora_tui.engine import EngineConfig, start_engine_thread

    state = tmp_path / "state"
    with start_engine_thread(EngineConfig(speed="instant", state_dir=state)) as good:
        backend = VideosBackend(good.base_url, "k")
        vid = await _completed(backend)
        await backend.aclose()
    dest = tmp_path / "t.mp4"
    with start_engine_thread(EngineConfig(speed="instant", state_dir=state, faults="truncate:1.0")) as bad:
        backend = VideosBackend(bad.base_url, "k", max_retries=0)
        with pytest.raises(BackendError) as info:
            await backend.download(vid, dest)
        await backend.aclose()
    assert info.value.kind in ("truncated", "network")
    assert not dest.exists()
    with start_engine_thread(EngineConfig(speed="instant", state_dir=state)) as good:
        backend = VideosBackend(good.base_url, "k")
        result = await backend.download(vid, dest)
        await backend.aclose()
    assert dest.exists() and result.bytes == dest.stat().st_size


async def test_resume_with_a_stale_validator_starts_over_instead_of_appending(local_engine, tmp_path: Path) -> None:
    backend = VideosBackend(local_engine.base_url, "k")
    try:
        vid = await _completed(backend)
        await backend.download(vid, tmp_path / "whole.mp4")
        dest = tmp_path / "again.mp4"
        part_path(dest).write_bytes(b"bytes of some other file" * 100)
        part_path(dest).with_name(part_path(dest).name + ".validator").write_text('"an-older-etag"')
        result = await backend.download(vid, dest)
        assert result.resumed is False  # If-Range did not match: the server sent it whole
        assert dest.read_bytes() == (tmp_path / "whole.mp4").read_bytes()
        assert not list(tmp_path.glob("again.mp4.part*"))
    finally:
        await backend.aclose()


async def test_a_short_body_without_content_length_is_never_reported_done(local_engine, tmp_path: Path) -> None:
    """A server that closes early without Content-Length: httpx2 reads it as a complete body; the MP4 check does not."""
    import asyncio

    backend = VideosBackend(local_engine.base_url, "k")
    vid = await _completed(backend)
    await backend.download(vid, tmp_path / "real.mp4")
    await backend.aclose()
    real = (tmp_path / "real.mp4").read_bytes()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: video/mp4\r\nconnection: close\r\n\r\n" + real[: len(real) // 2])
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    short = VideosBackend(f"http://127.0.0.1:{port}/v1", "k", max_retries=0)
    try:
        with pytest.raises(BackendError) as info:
            await short.download("video_x", tmp_path / "short.mp4")
        assert info.value.kind == "truncated" and "incomplete" in info.value.message
        assert not (tmp_path / "short.mp4").exists() and not part_path(tmp_path / "short.mp4").exists()
    finally:
        await short.aclose()
        server.close()
        await server.wait_closed()


def test_container_checks(tmp_path: Path) -> None:
    import io

    from PIL import Image

    from sora_tui.backend.integrity import incomplete_reason
    from sora_tui.engine.render import RenderSpec, render

    out = render(RenderSpec("a quiet lake at dawn", 320, 180, 1.0), tmp_path / "r")
    mp4 = out.video.read_bytes()
    cases = {"whole.mp4": mp4, "half.mp4": mp4[: len(mp4) // 2], "header.mp4": mp4[:20]}
    buf = io.BytesIO()
    Image.new("RGB", (64, 64), (200, 30, 30)).save(buf, "WEBP")
    cases |= {"whole.webp": buf.getvalue(), "cut.webp": buf.getvalue()[:-10]}
    buf = io.BytesIO()
    Image.new("RGB", (64, 64), (30, 30, 200)).save(buf, "JPEG")
    cases |= {"whole.jpg": buf.getvalue(), "cut.jpg": buf.getvalue()[:-10]}
    verdict = {}
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
        variant = {"mp4": "video", "webp": "thumbnail", "jpg": "spritesheet"}[name.rsplit(".", 1)[1]]
        verdict[name] = incomplete_reason(tmp_path / name, variant)
    assert verdict["whole.mp4"] is None and verdict["whole.webp"] is None and verdict["whole.jpg"] is None
    assert "past the end" in verdict["half.mp4"] or "without" in verdict["half.mp4"]
    assert verdict["header.mp4"] and verdict["cut.webp"] and verdict["cut.jpg"] == "JPEG without its end marker"


def test_transfer_threads_run_below_the_event_loop_priority() -> None:
    """Bytes through Python (TLS) and the hashing after move on threads niced below the UI's (Linux), so a busy machine
    delays them, not the screen; spliced transfers, which hardly run Python, keep the normal priority."""
    import os
    import threading

    from sora_tui.backend.downloads import transfer_threads

    if not hasattr(os, "setpriority"):
        pytest.skip("no per-thread priorities here")
    mine = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    theirs = transfer_threads().submit(lambda: os.getpriority(os.PRIO_PROCESS, threading.get_native_id())).result()
    assert theirs == min(19, mine + 10)
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == mine  # the caller's own is unchanged
    plain = transfer_threads(niced=False).submit(lambda: os.getpriority(os.PRIO_PROCESS, threading.get_native_id())).result()
    assert plain == mine  # spliced plain-HTTP transfers hardly run Python: normal priority


@contextlib.asynccontextmanager
async def _chunked_server(data: bytes) -> AsyncIterator[str]:
    """A real HTTP/1.1 server that sends `data` chunked (no Content-Length), honouring `Range: bytes=N-`: a body the
    splice path cannot take, so it comes through httpx2 and the writer thread."""
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").lower()
        start = int(head.split("range: bytes=", 1)[1].split("-", 1)[0]) if "range: bytes=" in head else 0
        status = f"206 Partial Content\r\ncontent-range: bytes {start}-{len(data) - 1}/{len(data)}" if start else "200 OK"
        writer.write(f"HTTP/1.1 {status}\r\ncontent-type: video/mp4\r\netag: \"v1\"\r\n"
                     "transfer-encoding: chunked\r\nconnection: close\r\n\r\n".encode())
        for at in range(start, len(data), 16_384):
            piece = data[at:at + 16_384]
            writer.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            await writer.drain()
        writer.write(b"0\r\n\r\n")
        await writer.drain()
        writer.close()

    async with _serving(handle) as url:
        yield url


@contextlib.asynccontextmanager
async def _serving(handle: Any) -> AsyncIterator[str]:
    """A real asyncio server on loopback answering with `handle`; yields its /v1 base URL."""
    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    try:
        yield f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/v1"
    finally:
        server.close()
        await server.wait_closed()


@contextlib.asynccontextmanager
async def _source(how: str, base_url: str, folder: Path) -> AsyncIterator[tuple[VideosBackend, str, bytes]]:
    """A completed video and its bytes, and a backend that downloads it either from the engine (plain HTTP with a
    length: spliced) or from a chunked server (through httpx2)."""
    engine = VideosBackend(base_url, "k")
    try:
        vid, data = await _completed_and_whole(engine, folder)
    finally:
        await engine.aclose()
    if how == "spliced":
        backend = VideosBackend(base_url, "k")
        try:
            yield backend, vid, data
        finally:
            await backend.aclose()
        return
    async with _chunked_server(data) as url:
        backend = VideosBackend(url, "k", max_retries=0)
        try:
            yield backend, vid, data
        finally:
            await backend.aclose()


async def test_a_plain_http_body_of_known_length_is_spliced_and_others_come_through_httpx2(local_engine, tmp_path: Path,
                                                                                         monkeypatch) -> None:
    from sora_tui.backend import downloads

    spliced: list[int] = []
    real = downloads._splice_body
    monkeypatch.setattr(downloads, "_splice_body", lambda *a: spliced.append(1) or real(*a))
    for how in ("spliced", "through httpx2"):
        async with _source(how, local_engine.base_url, tmp_path) as (backend, vid, data):
            spliced.clear()
            result = await backend.download(vid, tmp_path / f"{how}.mp4")
            assert result.bytes == len(data) and (tmp_path / f"{how}.mp4").read_bytes() == data
            assert spliced == ([1] if how == "spliced" else [])


async def _whole_then_resumed(backend: VideosBackend, vid: str, data: bytes, folder: Path) -> None:
    """Download `vid` whole, then again from a .part holding its first 63,457 bytes: both equal `data`."""
    whole = await backend.download(vid, folder / "again.mp4")
    assert whole.bytes == len(data) > 150_000 and (folder / "again.mp4").read_bytes() == data
    dest = folder / "resumed.mp4"
    part_path(dest).write_bytes(data[:63_457])
    result = await backend.download(vid, dest)
    assert result.resumed and dest.read_bytes() == data


@pytest.mark.parametrize("how", ["spliced", "through httpx2"])
async def test_every_byte_arrives_in_small_pieces_whole_and_resumed(how: str, local_engine, tmp_path: Path, monkeypatch) -> None:
    """Small pipe pieces and (through httpx2) small write batches, so one clip crosses many of them, whole and resumed."""
    from sora_tui.backend import spliced, streamed

    monkeypatch.setattr(streamed, "WRITE_BATCH", 5000)
    monkeypatch.setattr(spliced, "SPLICE_PIECE", 16_384)
    async with _source(how, local_engine.base_url, tmp_path) as (backend, vid, data):
        await _whole_then_resumed(backend, vid, data, tmp_path)


async def test_a_filesystem_that_refuses_splice_still_gets_every_byte(local_engine, tmp_path: Path, monkeypatch) -> None:
    """Some filesystems take no splice(2) into their files (ecryptfs, as Ubuntu's encrypted homes use): the kernel
    answers EINVAL and the bytes stay in the pipe. Here the kernel refuses for real, as it does for any file opened
    O_APPEND; the download still arrives whole, and resumes."""
    import errno
    import os

    from sora_tui.backend import downloads, spliced

    real_open, real_drain, drained = downloads._open_part, spliced._drain_pipe, []
    real_splice, refused = os.splice, []

    def counting_splice(src: int, dst: int, count: int, *args: object) -> int:
        try:
            return real_splice(src, dst, count, *args)
        except OSError as exc:
            if exc.errno != errno.EAGAIN:  # the socket side had nothing yet: the normal wait, not a refusal
                refused.append(exc.errno)
            raise

    def refusing_splice(path: Path, append: bool) -> int:
        os.close(real_open(path, append))
        return os.open(path, os.O_WRONLY | os.O_APPEND)

    monkeypatch.setattr(downloads, "_open_part", refusing_splice)
    monkeypatch.setattr(spliced, "_drain_pipe", lambda *a: drained.append(a[2]) or real_drain(*a))
    monkeypatch.setattr(spliced, "SPLICE_PIECE", 16_384)
    monkeypatch.setattr(spliced.os, "splice", counting_splice)
    async with _source("spliced", local_engine.base_url, tmp_path) as (backend, vid, data):
        await _whole_then_resumed(backend, vid, data, tmp_path)
    assert sum(drained) > len(data)  # the kernel refused the splices: the bytes went through the buffer
    # asked once per transfer (the source's own, the whole one, the resumed one), not again for each of its pieces
    assert len(refused) == 3 and len(data) > 10 * 16_384, (refused, len(data))


@pytest.mark.parametrize("how", ["spliced", "through httpx2"])
async def test_a_disk_that_fills_mid_download_is_one_clear_error_and_the_next_try_resumes(how: str, local_engine, tmp_path: Path,
                                                                                       monkeypatch) -> None:
    """A write refused half-way (a full disk; through httpx2 in the writer thread beside the transfer) stops the
    transfer, reaches the caller as one clear error, and leaves the .part a whole prefix of the file for the resume."""
    import errno
    import os

    from sora_tui.backend import spliced, streamed

    monkeypatch.setattr(streamed, "WRITE_BATCH", 20_000)
    monkeypatch.setattr(spliced, "SPLICE_PIECE", 16_384)
    seam, module = ("_splice_all", spliced) if how == "spliced" else ("_writev_all", streamed)
    real = getattr(module, seam)
    async with _source(how, local_engine.base_url, tmp_path) as (backend, vid, data):

        def fills_at_half(*args):  # type: ignore[no-untyped-def]
            fd, size = (args[1] if how == "spliced" else args[0]), args[2]  # (pipe, fd, count) / (fd, pieces, size)
            if os.fstat(fd).st_size + size > len(data) // 2:
                raise OSError(errno.ENOSPC, "No space left on device")
            return real(*args)

        dest = tmp_path / "full-disk.mp4"
        monkeypatch.setattr(module, seam, fills_at_half)
        with pytest.raises(BackendError) as info:
            await backend.download(vid, dest)
        assert "space" in info.value.user_message().lower() and str(tmp_path) in info.value.user_message()
        kept = part_path(dest).read_bytes()
        assert 0 < len(kept) <= len(data) // 2 and data.startswith(kept) and not dest.exists()
        monkeypatch.setattr(module, seam, real)
        result = await backend.download(vid, dest)
        assert result.resumed and dest.read_bytes() == data


@contextlib.asynccontextmanager
async def _goes_quiet(data: bytes, after: int) -> AsyncIterator[str]:
    """A real server that announces all of `data` (Content-Length), sends its first `after` bytes, then nothing."""
    quiet = asyncio.Event()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: video/mp4\r\ncontent-length: %d\r\n\r\n" % len(data))
        writer.write(data[:after])
        await writer.drain()
        await quiet.wait()
        writer.close()

    async with _serving(handle) as url:
        try:
            yield url
        finally:
            quiet.set()


async def _engine_clip(base_url: str, folder: Path) -> tuple[str, bytes]:
    engine = VideosBackend(base_url, "k")
    try:
        return await _completed_and_whole(engine, folder)
    finally:
        await engine.aclose()


async def test_a_body_that_stops_coming_times_out_and_keeps_what_came(local_engine, tmp_path: Path) -> None:
    """Spliced from a non-blocking socket: a server that goes quiet mid-body is the client's read timeout, one clear
    error, with the bytes that came kept in the .part for a resume."""
    vid, data = await _engine_clip(local_engine.base_url, tmp_path)
    dest = tmp_path / "quiet.mp4"
    async with _goes_quiet(data, 100_000) as url:
        slow = VideosBackend(url, "k", timeout=0.5, max_retries=0)
        try:
            with pytest.raises(BackendError) as info:
                await slow.download(vid, dest)
        finally:
            await slow.aclose()
    shown = info.value.user_message()
    assert info.value.kind == "timeout" and shown.count("did not answer in time") == 1 and "raise the profile's timeout" in shown
    assert part_path(dest).read_bytes() == data[:100_000] and not dest.exists()


async def test_a_download_cancelled_while_the_server_is_quiet_stops_at_once(local_engine, tmp_path: Path) -> None:
    """Cancelling (the user, or the app quitting) while the server sends nothing stops the transfer within a
    fraction of a second, not after the read timeout, and keeps what came for a resume."""
    import time

    vid, data = await _engine_clip(local_engine.base_url, tmp_path)
    dest = tmp_path / "cancelled.mp4"
    async with _goes_quiet(data, 100_000) as url:
        slow = VideosBackend(url, "k", timeout=30, max_retries=0)
        try:
            task = asyncio.ensure_future(slow.download(vid, dest))
            while not part_path(dest).exists() or part_path(dest).stat().st_size < 100_000:
                await asyncio.sleep(0.02)
            t = time.monotonic()
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            assert time.monotonic() - t < 2  # the read timeout is 30 s
        finally:
            await slow.aclose()
    assert part_path(dest).read_bytes() == data[:100_000] and not dest.exists()
