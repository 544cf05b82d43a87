"""Property: whatever a server answers, a download that reports success holds exactly the server's file.

Random answers (status 200/206/416/500/404; Content-Length right, wrong or missing; Content-Range right, wrong
or missing; Content-Type video/mp4, octet-stream, text/html or none; an ETag that stays, changes or is missing;
bodies that are the file, an HTML page, cut at a random byte, chunked or not), after a random .part (and
.part.validator) left by an earlier try, from a real scripted HTTP server on loopback to the real
VideosBackend.download. Then: success means the file at the destination has the real file's sha256; anything
else is a BackendError with a clear message, with no file at the destination, and whatever .part it leaves is a
prefix of the real file (a resume can only ever build the real file on it)."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import socket
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sora_tui.backend import BackendError, VideosBackend
from sora_tui.backend.downloads import part_path, validator_path

PAGE = (b"<!doctype html><html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway"
        b"</h1></center><hr><center>nginx</center></body></html>\n")
ERROR_JSON = b'{"error": {"message": "Something went wrong.", "type": "server_error", "code": null}}'


@dataclass(frozen=True)
class Answer:
    status: int
    length: str  # right | more | less | missing
    content_range: str  # right | start | total | end | missing
    content_type: str | None
    etag: str | None  # "v1" is the file's; "v2" says it changed
    body: str  # real | page | page-of-the-right-length
    cut: float | None  # the body stops (and the connection closes) at this fraction of it
    chunked: bool


answers = st.builds(
    Answer,
    status=st.sampled_from([200, 206, 206, 416, 500, 404]),
    length=st.sampled_from(["right", "right", "more", "less", "missing"]),
    content_range=st.sampled_from(["right", "right", "start", "total", "end", "missing"]),
    content_type=st.sampled_from(["video/mp4", "application/octet-stream", "text/html", None]),
    etag=st.sampled_from(['"v1"', '"v1"', '"v2"', None]),
    body=st.sampled_from(["real", "real", "page", "page-of-the-right-length"]),
    cut=st.one_of(st.none(), st.none(), st.floats(0, 1)),
    chunked=st.booleans(),
)
starts = st.fixed_dictionaries({
    "part": st.one_of(st.none(), st.integers(0, 1 << 30)),  # scaled to the file's size
    "validator": st.sampled_from(["none", "right", "stale", "wrong-total", "old-format"]),
})


class ScriptedServer:
    """A real HTTP/1.1 server on loopback that answers each request with the next scripted Answer (a 500 once
    they run out), for the byte range the request asked for, and closes the connection."""

    def __init__(self, real: bytes) -> None:
        self.real = real
        self.script: list[Answer] = []
        self.requests: list[str] = []
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/v1"
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn, contextlib.suppress(OSError):
                conn.settimeout(5)
                head = b""
                while b"\r\n\r\n" not in head:
                    piece = conn.recv(65536)
                    if not piece:
                        break
                    head += piece
                request = head.decode("latin-1").lower()
                self.requests.append(request)
                answer = self.script.pop(0) if self.script else Answer(500, "right", "missing", None, None,
                                                                       "page", None, False)
                conn.sendall(self.respond(answer, request))
                conn.shutdown(socket.SHUT_WR)

    def respond(self, a: Answer, request: str) -> bytes:
        real, size = self.real, len(self.real)
        start = int(request.split("range: bytes=", 1)[1].split("-", 1)[0]) if "range: bytes=" in request else 0
        headers: list[str] = []
        if a.status in (200, 206):
            offset = start if a.status == 206 else 0
            body = {"real": real[offset:], "page": PAGE,
                    "page-of-the-right-length": PAGE.ljust(size - offset, b" ")[: size - offset]}[a.body]
            if a.status == 206 and a.content_range != "missing":
                first, last, total = offset, size - 1, size
                if a.content_range == "start":
                    first = offset + 1 if offset == 0 else offset - 1
                elif a.content_range == "total":
                    total = size + 7
                elif a.content_range == "end":
                    last = size - 2
                headers.append(f"content-range: bytes {first}-{last}/{total}")
            if a.content_type:
                headers.append(f"content-type: {a.content_type}")
            if a.etag:
                headers.append(f"etag: {a.etag}")
        else:
            body = PAGE if a.body == "page" else ERROR_JSON
            headers.append("content-type: " + ("text/html" if a.body == "page" else "application/json"))
            if a.status == 416 and a.content_range != "missing":
                headers.append(f"content-range: bytes */{size + 7 if a.content_range == 'total' else size}")
        sent = body if a.cut is None else body[: int(len(body) * a.cut)]
        if a.chunked and a.status in (200, 206):
            headers.append("transfer-encoding: chunked")
            payload = b"".join(b"%x\r\n%s\r\n" % (len(sent[i:i + 4096]), sent[i:i + 4096])
                               for i in range(0, len(sent), 4096))
            payload += b"0\r\n\r\n" if a.cut is None else b""
        else:
            length = {"right": len(body), "more": len(body) + 100, "less": max(0, len(body) - 100),
                      "missing": None}[a.length]
            if length is not None:
                headers.append(f"content-length: {length}")
            payload = sent
        reason = {200: "OK", 206: "Partial Content", 416: "Range Not Satisfiable", 500: "Internal Server Error",
                  404: "Not Found"}[a.status]
        return (f"HTTP/1.1 {a.status} {reason}\r\n" + "".join(h + "\r\n" for h in headers)
                + "connection: close\r\n\r\n").encode() + payload

    def close(self) -> None:
        self.sock.close()


@contextlib.contextmanager
def _rig() -> Iterator[tuple[ScriptedServer, VideosBackend, bytes]]:
    from sora_tui.engine.render import RenderSpec, render

    with tempfile.TemporaryDirectory() as folder:
        real = render(RenderSpec("a quiet lake", 320, 180, 1.0), Path(folder)).video.read_bytes()
    server = ScriptedServer(real)
    backend = VideosBackend(server.url, "k", timeout=5)
    try:
        yield server, backend, real
    finally:
        asyncio.run(backend.aclose())
        server.close()


def test_a_download_that_succeeds_has_the_servers_exact_bytes_and_a_failure_leaves_only_a_prefix() -> None:
    with _rig() as (server, backend, real):
        truth = hashlib.sha256(real).hexdigest()
        seen: dict[str, int] = {}

        @settings(max_examples=250, deadline=None, derandomize=True, database=None,
                  suppress_health_check=[HealthCheck.too_slow])
        @given(start=starts, script=st.lists(answers, min_size=1, max_size=2))
        def check(start: dict[str, object], script: list[Answer]) -> None:
            with tempfile.TemporaryDirectory() as folder:
                dest = Path(folder) / "clip.mp4"
                part, validator = part_path(dest), validator_path(part_path(dest))
                if start["part"] is not None:
                    part.write_bytes(real[: int(start["part"]) % (len(real) + 1)])  # type: ignore[call-overload]
                    validator.write_text({"none": "", "right": f'"v1"\n{len(real)}\n', "stale": f'"v0"\n{len(real)}\n',
                                          "wrong-total": f'"v1"\n{len(real) + 5}\n',
                                          "old-format": '"v1"'}[str(start["validator"])])
                server.script = list(script)
                server.requests.clear()
                try:
                    result = asyncio.run(backend.download("video_1", dest))
                except BackendError as exc:
                    shown = exc.user_message()
                    assert exc.message and "Change the request" not in shown and "Traceback" not in shown, shown
                    assert not dest.exists(), shown
                    if part.exists():
                        assert real.startswith(part.read_bytes()), (shown, part.stat().st_size)
                    seen[exc.kind] = seen.get(exc.kind, 0) + 1
                else:
                    assert result.path == dest and result.bytes == len(real)
                    assert hashlib.sha256(dest.read_bytes()).hexdigest() == truth
                    assert not part.exists() and not validator.exists()
                    seen["success"] = seen.get("success", 0) + 1
                assert len(server.requests) <= 2  # one try, and at most one fresh start after a 416

        check()
    # the examples reach both ends: successes, and each way of failing
    assert seen.get("success", 0) >= 10 and {"server", "truncated"} <= set(seen), seen
