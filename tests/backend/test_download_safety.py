"""Downloads against real loopback servers and real files: they never replace a file they did not write, never
write through a planted symlink, never build a video out of an error page, never loop on a 416, and stop at once
when cancelled, whatever the server is doing."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import socket
import struct
import sys
import threading
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from sora_tui.backend import BackendError, VideosBackend
from sora_tui.backend.downloads import part_path, validator_path
from sora_tui.backend.integrity import incomplete_reason, looks_like_text
from sora_tui.core.params import GenerationParams
from sora_tui.core.status import JobStatus
from sora_tui.engine import EngineConfig, start_engine_thread

HTML = b"<!doctype html><html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>"


async def _clip(backend: VideosBackend, folder: Path) -> tuple[str, bytes]:
    info = await backend.create(GenerationParams("a red kite over a windy beach, slow pan left", size="1280x720",
                                                 seconds="4"))
    for _ in range(200):
        info, _ms = await backend.retrieve(info.id)
        if info.status == JobStatus.COMPLETED:
            break
        await asyncio.sleep(0.05)
    await backend.download(info.id, folder / "reference.mp4")
    return info.id, (folder / "reference.mp4").read_bytes()


@pytest.fixture
async def engine_clip(tmp_path: Path) -> AsyncIterator[tuple[Path, str, bytes]]:
    """A completed clip in an engine's state dir (for engines started on it in other modes) and its bytes."""
    state = tmp_path / "state"
    with start_engine_thread(EngineConfig(speed="instant", state_dir=state)) as engine:
        backend = VideosBackend(engine.base_url, "k")
        try:
            vid, data = await _clip(backend, tmp_path)
        finally:
            await backend.aclose()
    yield state, vid, data


@contextlib.asynccontextmanager
async def _engine(state: Path, modes: str = "") -> AsyncIterator[VideosBackend]:
    with start_engine_thread(EngineConfig(speed="instant", state_dir=state, modes=modes)) as engine:
        backend = VideosBackend(engine.base_url, "k")
        try:
            yield backend
        finally:
            await backend.aclose()


# --- never replace, never follow ---------------------------------------------------------------------------------

async def test_a_file_already_at_the_name_is_never_replaced(engine_clip, tmp_path: Path) -> None:
    state, vid, data = engine_clip
    mine = tmp_path / "mine.txt"
    mine.write_bytes(b"the user's own notes")
    dest = tmp_path / "clip.mp4"
    dest.write_bytes(b"a video the user made")
    (tmp_path / "clip (2).json").write_text("{}")  # a sibling of the first free number: that stem is skipped too
    (tmp_path / "clip (4).mp4").symlink_to(mine)  # a symlink is a taken name, never written through
    (tmp_path / "clip (3).mp4").write_bytes(b"x" * len(data))  # same size, other bytes
    async with _engine(state) as backend:
        result = await backend.download(vid, dest)
    assert dest.read_bytes() == b"a video the user made" and mine.read_bytes() == b"the user's own notes"
    assert (tmp_path / "clip (3).mp4").read_bytes() == b"x" * len(data)
    assert result.path == tmp_path / "clip (5).mp4" and result.path.read_bytes() == data
    assert not part_path(dest).exists() and not validator_path(part_path(dest)).exists()


async def test_a_file_already_there_with_the_same_bytes_is_kept_not_saved_twice(engine_clip, tmp_path: Path) -> None:
    """A run stopped between saving a file and recording it: the next one finds its own bytes at the name."""
    state, vid, data = engine_clip
    dest = tmp_path / "again.mp4"
    dest.write_bytes(data)
    before = os.stat(dest)
    async with _engine(state) as backend:
        result = await backend.download(vid, dest)
    assert result.path == dest and os.stat(dest).st_ino == before.st_ino and dest.read_bytes() == data
    assert sorted(p.name for p in tmp_path.glob("again*")) == ["again.mp4"]


async def test_symlinks_planted_at_the_side_files_are_never_followed(engine_clip, tmp_path: Path) -> None:
    """A symlink at <file>.part.validator or at <file>.part (or a hard link there to another file): the
    download goes through, and what they point at is never written."""
    state, vid, data = engine_clip
    victims = {name: tmp_path / f"victim-{name}" for name in ("validator", "part", "hardlink")}
    for victim in victims.values():
        victim.write_bytes(b"precious")
    cases = []
    for name, victim in victims.items():
        dest = tmp_path / f"{name}.mp4"
        if name == "validator":
            validator_path(part_path(dest)).symlink_to(victim)
        elif name == "part":
            part_path(dest).symlink_to(victim)
        else:
            os.link(victim, part_path(dest))
        cases.append(dest)
    resumed = tmp_path / "resumed.mp4"  # a resume rewrites nothing, but a stale symlink there is still not read
    part_path(resumed).write_bytes(data[:50_000])
    validator_path(part_path(resumed)).symlink_to(victims["validator"])
    async with _engine(state) as backend:
        for dest in [*cases, resumed]:
            result = await backend.download(vid, dest)
            assert result.path == dest and dest.read_bytes() == data
    assert all(v.read_bytes() == b"precious" and not v.is_symlink() for v in victims.values())
    assert not list(tmp_path.glob("*.part*"))


def test_the_final_move_claims_the_name_even_where_hard_links_are_refused(tmp_path: Path, monkeypatch) -> None:
    """FAT/exFAT (a USB stick) refuse link(2): the name is claimed with O_EXCL, so still nothing is replaced."""
    import errno

    from sora_tui.core.files import place_new

    def refused(*args: object, **kwargs: object) -> None:
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "link", refused)
    src, taken, free = tmp_path / "a.part", tmp_path / "taken.mp4", tmp_path / "free.mp4"
    src.write_bytes(b"new")
    taken.write_bytes(b"old")
    assert place_new(src, taken) is False and taken.read_bytes() == b"old" and src.read_bytes() == b"new"
    assert place_new(src, free) is True and free.read_bytes() == b"new" and not src.exists()


# --- resumes that are not the file -------------------------------------------------------------------------------

async def test_a_resume_answered_with_an_html_page_is_refused_and_the_next_try_starts_over(engine_clip,
                                                                                         tmp_path: Path) -> None:
    """lying-content: every answer says application/octet-stream, and a Range request gets 206 with the promised
    number of bytes of an HTML page. Appended, it made a video with a wrong sha256 that was recorded as done."""
    state, vid, data = engine_clip
    dest = tmp_path / "lying.mp4"
    async with _engine(state, "lying-content") as backend:
        for cut in (100_000, len(data) - 40, len(data) - 3):  # a tail of 40 or 3 bytes: as short as HTML gets
            part_path(dest).write_bytes(data[:cut])
            with pytest.raises(BackendError) as info:
                await backend.download(vid, dest)
            shown = info.value.user_message()
            assert "text" in shown and "starts from the beginning" in shown and info.value.retryable
            assert not dest.exists() and not part_path(dest).exists()  # nothing of the page was kept
            result = await backend.download(vid, dest)  # the next try: the whole file, which this server sends
            assert result.resumed is False and dest.read_bytes() == data
            assert hashlib.sha256(result.path.read_bytes()).hexdigest() == hashlib.sha256(data).hexdigest()
            dest.unlink()


@contextlib.asynccontextmanager
async def _scripted(answers: list[bytes]) -> AsyncIterator[tuple[str, list[str]]]:
    """A real HTTP/1.1 server that sends the given raw answers in turn (then closes); yields its /v1 URL and
    the request heads it received."""
    heads: list[str] = []
    pending = iter(answers)

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        heads.append((await reader.readuntil(b"\r\n\r\n")).decode("latin-1").lower())
        writer.write(next(pending, b"HTTP/1.1 500 Internal Server Error\r\ncontent-length: 0\r\n\r\n"))
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    try:
        yield f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/v1", heads
    finally:
        server.close()
        await server.wait_closed()


async def _refused(answers: list[bytes], dest: Path) -> tuple[BackendError, list[str]]:
    """The error a download into `dest` ends with, against a server answering `answers`; the heads it was sent."""
    async with _scripted(answers) as (url, heads):
        backend = VideosBackend(url, "k")
        try:
            with pytest.raises(BackendError) as info:
                await backend.download("video_1", dest)
        finally:
            await backend.aclose()
    return info.value, heads


def _answer(status: str, body: bytes, **headers: str) -> bytes:
    lines = [f"HTTP/1.1 {status}", *(f"{k.replace('_', '-')}: {v}" for k, v in headers.items()), "connection: close"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


@pytest.mark.parametrize("content_type", [None, "application/octet-stream"])
async def test_an_html_piece_without_a_telling_type_is_never_appended(content_type: str | None, tmp_path: Path,
                                                                     mp4: bytes) -> None:
    dest = tmp_path / "v.mp4"
    part_path(dest).write_bytes(mp4[:5000])
    typed = {"content_type": content_type} if content_type else {}
    page = HTML.ljust(len(mp4) - 5000, b" ")
    failure, heads = await _refused([_answer("206 Partial Content", page, content_range=f"bytes 5000-{len(mp4) - 1}/{len(mp4)}",
                                  content_length=str(len(page)), **typed)], dest)
    assert "range: bytes=5000-" in heads[0] and len(heads) == 1  # one request: no SDK retries under the service's
    assert "instead of the video of video_1" in failure.message
    assert not dest.exists() and not part_path(dest).exists()


@pytest.mark.parametrize("content_range", ["bytes 4000-{last}/{size}", "bytes 5000-{last}/{other}", None,
                                           "bytes 5000-{short}/{size}", "bytes */{size}"])
async def test_a_resumed_piece_must_be_exactly_the_one_asked_for(content_range: str | None, tmp_path: Path,
                                                                 mp4: bytes) -> None:
    """Start where it was asked, run to the end of a file of the size the first answer announced (kept in the
    .part.validator with the ETag): anything else is refused and the .part dropped, never appended to."""
    dest = tmp_path / "v.mp4"
    part_path(dest).write_bytes(mp4[:5000])
    validator_path(part_path(dest)).write_text(f'"e1"\n{len(mp4)}\n')
    headers = {"content_type": "video/mp4"}
    if content_range:
        headers["content_range"] = content_range.format(last=len(mp4) - 1, size=len(mp4), other=len(mp4) + 10,
                                                        short=len(mp4) - 2)
    failure, heads = await _refused([_answer("206 Partial Content", mp4[5000:], **headers)], dest)
    assert 'if-range: "e1"' in heads[0]
    assert "a different piece of the video of video_1" in failure.message
    assert "starts from the beginning" in failure.message and failure.retryable
    assert not dest.exists() and not part_path(dest).exists()


async def test_a_416_without_content_range_starts_over_once_instead_of_failing_forever(engine_clip,
                                                                                      tmp_path: Path) -> None:
    """range-416: a Range request gets 416 and no Content-Range (nothing says what the server has). It used to
    fail every try with "Error code: 416 ... Change the request"; the .part cannot be resumed, so it is dropped
    and the file fetched whole, in the same try."""
    state, vid, data = engine_clip
    dest = tmp_path / "refused.mp4"
    part_path(dest).write_bytes(data[:70_000])
    async with _engine(state, "range-416") as backend:
        result = await backend.download(vid, dest)
    assert result.resumed is False and dest.read_bytes() == data and not part_path(dest).exists()


async def test_a_416_to_a_whole_request_is_said_without_advice_to_change_the_request(tmp_path: Path) -> None:
    refusal = _answer("416 Range Not Satisfiable", b'{"error": {"message": "Requested range not satisfiable."}}',
                      content_type="application/json")
    dest = tmp_path / "v.mp4"
    part_path(dest).write_bytes(b"\x00" * 300)
    failure, heads = await _refused([refusal, refusal], dest)
    assert ["range:" in h for h in heads] == [True, False]  # the resume, then once from the start
    shown = failure.user_message()
    assert "416" in shown and "Change the request" not in shown and failure.kind == "server"
    assert not part_path(dest).exists() and not dest.exists()


# --- the container check -----------------------------------------------------------------------------------------

@pytest.fixture
def mp4(tmp_path: Path) -> bytes:
    from sora_tui.engine.render import RenderSpec, render

    return render(RenderSpec("a quiet lake", 320, 180, 1.0), tmp_path / "r").video.read_bytes()


def _box(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I4s", 8 + len(body), kind) + body


def _full(kind: bytes, body: bytes) -> bytes:
    return _box(kind, b"\x00\x00\x00\x00" + body)


def _faststart(samples: list[int], data: bytes) -> bytes:
    """A minimal MP4 with its index first and its media data last: one track, one sample per chunk."""
    ftyp = _box(b"ftyp", b"isom\x00\x00\x02\x00isomiso2mp41")

    def moov(first: int) -> bytes:
        offsets, at = [], first
        for size in samples:
            offsets.append(at)
            at += size
        stbl = _box(b"stbl", _full(b"stsc", struct.pack(">IIII", 1, 1, 1, 1))
                    + _full(b"stsz", struct.pack(">II", 0, len(samples)) + struct.pack(f">{len(samples)}I", *samples))
                    + _full(b"stco", struct.pack(f">I{len(offsets)}I", len(offsets), *offsets)))
        return _box(b"moov", _full(b"mvhd", bytes(96)) + _box(b"trak", _box(b"mdia", _box(b"minf", stbl))))

    first = len(ftyp) + len(moov(0)) + 8
    return ftyp + moov(first) + _box(b"mdat", data)


def test_the_container_check_catches_a_video_whose_end_was_replaced_by_a_page(tmp_path: Path, mp4: bytes) -> None:
    def verdict(data: bytes, variant: str = "video") -> str | None:
        (tmp_path / "f").write_bytes(data)
        return incomplete_reason(tmp_path / "f", variant)

    media = bytes((i * 131 + 7) % 251 for i in range(30_000))  # binary, as compressed frames are
    whole = _faststart([10_000, 12_000, 8_000], media)
    assert verdict(mp4) is None and verdict(whole) is None
    # the index at the end (the engine's files): a page in place of its last bytes breaks its boxes
    for n in (66, 300, 1900, 5000):
        assert verdict(mp4[:-n] + HTML.ljust(n, b" ")[:n]) is not None, n
    # the media data at the end: its last bytes are text
    for n in (40, 300, 20_000):
        assert "ends in text" in str(verdict(whole[:-n] + HTML.ljust(n, b" ")[:n])), n
    # an index that points past its media data (a file whose end was cut and made up again)
    assert "outside its mdat" in str(verdict(_faststart([10_000, 12_000, 9_000], media)))
    assert verdict(mp4 + HTML) is not None and verdict(HTML) is not None  # appended, or a page alone


def test_what_counts_as_text(mp4: bytes) -> None:
    for text in (HTML, b"<", b"ml>", b"  \n{", b"[1]", b"   ", b"Internal Server Error", "\ufeff<!doctype>".encode(),
                 "<p>caf\u00e9".encode()[:-1]):  # a character cut at the end of the piece
        assert looks_like_text(text), text
    for media in (mp4[:1024], mp4[-13:], mp4[5000:6024], b"", b"\x89PNG\r\n\x1a\n", b"RIFF\x10\x00\x00\x00WEBP",
                  b"\xff\xd8\xff\xe0", b"\x1a\x45\xdf\xa3", b"Lavf62.12.102"):
        assert not looks_like_text(media), media


# --- stopping ----------------------------------------------------------------------------------------------------

@contextlib.contextmanager
def _never_answers(backlog_full: bool = False) -> Iterator[tuple[str, list[socket.socket]]]:
    """A real loopback server that accepts connections and reads nothing, answers nothing. With `backlog_full`
    it accepts none at all and its queue is full, so a connect to it never completes."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(0 if backlog_full else 16)
    accepted: list[socket.socket] = []
    fillers: list[socket.socket] = []
    done = threading.Event()

    def accept() -> None:
        server.settimeout(0.05)
        while not done.is_set():
            with contextlib.suppress(OSError):
                accepted.append(server.accept()[0])

    if backlog_full:
        for _ in range(4):
            filler = socket.socket()
            filler.setblocking(False)
            with contextlib.suppress(BlockingIOError):
                filler.connect(server.getsockname())
            fillers.append(filler)
        time.sleep(0.1)
    else:
        threading.Thread(target=accept, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}/v1", accepted
    finally:
        done.set()
        for sock in [*accepted, *fillers, server]:
            sock.close()


def _transfers_running() -> list[str]:
    """Threads that are inside a download's transfer right now."""
    return [str(ident) for ident, frame in sys._current_frames().items()
            if any(f.f_code.co_name == "_transfer" for f in _stack(frame))]


def _stack(frame: object) -> Iterator[object]:
    while frame is not None:
        yield frame
        frame = frame.f_back  # type: ignore[attr-defined]


@pytest.mark.parametrize("stalls_at", ["headers", "connect"])
async def test_cancelling_a_download_whose_server_never_answers_returns_within_a_second(stalls_at: str,
                                                                                     tmp_path: Path) -> None:
    """The worker thread waits in a blocking read (or connect) with the profile's timeout: it used to notice a
    cancel only after it (121 s in the CLI at the default 60 s). Now the cancel shuts its socket down: the
    download task ends within a second, the thread with it, and the server sees the connection go."""
    with _never_answers(backlog_full=stalls_at == "connect") as (url, accepted):
        backend = VideosBackend(url, "k", timeout=20)
        try:
            task = asyncio.ensure_future(backend.download("video_1", tmp_path / "never.mp4"))
            deadline = time.monotonic() + 5
            if stalls_at == "headers":  # the request went out, no answer came
                while not (accepted and accepted[0].recv(1 << 16, socket.MSG_PEEK | socket.MSG_DONTWAIT)):
                    assert time.monotonic() < deadline
                    await asyncio.sleep(0.02)
            while not _transfers_running():
                assert time.monotonic() < deadline
                await asyncio.sleep(0.02)
            await asyncio.sleep(0.3)  # well into the wait
            started = time.monotonic()
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            took = time.monotonic() - started
            assert took < 1.0, took
            assert _transfers_running() == []  # the worker thread is not left blocked
            if stalls_at == "headers":
                accepted[0].settimeout(1)
                assert accepted[0].recv(1 << 16) .endswith(b"\r\n\r\n")  # the request, then the close
                assert accepted[0].recv(1) == b""
        finally:
            await backend.aclose()
    assert not (tmp_path / "never.mp4").exists()


async def test_a_server_that_never_answers_costs_one_read_timeout_per_try(tmp_path: Path) -> None:
    """The SDK's own retries are off for downloads (the job service retries them, resuming): a try is one
    request, given up after the read timeout, not three of them."""
    with _never_answers() as (url, accepted):
        backend = VideosBackend(url, "k", timeout=0.5)
        try:
            started = time.monotonic()
            with pytest.raises(BackendError) as info:
                await backend.download("video_1", tmp_path / "never.mp4")
            took = time.monotonic() - started
        finally:
            await backend.aclose()
    assert info.value.kind == "timeout" and len(accepted) == 1 and took < 1.5, (len(accepted), took)
