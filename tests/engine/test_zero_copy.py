"""The engine serves clips with sendfile(2) through uvicorn's h11 protocol taught Zero Copy Send (zerocopy.py), and
streams them through Python where a body has to be cut or stalled (faults) or the server does not offer it."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import socket
import struct
from pathlib import Path
from typing import Any

import httpx2
import pytest
from test_server_behaviour import AUTH, make, wait

from sora_tui.engine.zerocopy import ZERO_COPY_SEND, http_protocol

BIG = 48 << 20


def _big_clip(engine: Any) -> tuple[str, Path]:
    """A completed video whose file is made 48 MB (mostly sparse), the size a download has to move for real."""
    base = engine.base_url
    vid = wait(base, make(base)["id"])["id"]
    asset = engine.engine.state.asset(vid, "video")
    real = asset.read_bytes()
    with open(asset, "r+b") as fh:
        fh.seek(BIG - len(real))
        fh.write(real)  # the real clip at the end, so a wrong offset or a short body changes the bytes
    return vid, asset


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_the_installed_uvicorn_takes_the_zero_copy_protocol(local_engine) -> None:
    cls = http_protocol()
    assert cls != "h11", "uvicorn's h11 internals changed: clips would be streamed through Python again"
    assert local_engine._server.config.http_protocol_class is cls


def test_big_bodies_ranges_and_head_come_whole_and_the_connection_is_reused(local_engine) -> None:
    vid, asset = _big_clip(local_engine)
    want = asset.read_bytes()
    url = f"{local_engine.base_url}/videos/{vid}/content"
    with httpx2.Client(headers=AUTH) as client:
        got = client.get(url)
        assert got.status_code == 200 and int(got.headers["content-length"]) == BIG
        assert _sha(got.content) == _sha(want)
        tail = client.get(url, headers={"Range": f"bytes={BIG - 1000}-"})
        assert tail.status_code == 206 and tail.content == want[-1000:]
        middle = client.get(url, headers={"Range": "bytes=1000000-1999999"})
        assert middle.content == want[1_000_000:2_000_000]
        head = client.head(url)
        assert head.status_code == 200 and head.headers["content-length"] == str(BIG) and head.content == b""
        listing = client.get(f"{local_engine.base_url}/videos")  # h11 framed every body right: the connection lives on
        assert listing.status_code == 200 and listing.json()["data"]
        assert client.get(url, headers={"Range": "bytes=0-9"}).content == want[:10]


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def test_a_client_leaving_in_the_middle_of_a_body_does_not_disturb_the_engine(local_engine) -> None:
    vid, asset = _big_clip(local_engine)
    port = local_engine.port
    logged = _Records()  # uvicorn's loggers do not propagate to the root (caplog would see nothing)
    logging.getLogger("uvicorn.error").addHandler(logged)
    for _ in range(3):
        with socket.create_connection(("127.0.0.1", port)) as sock:
            sock.sendall(f"GET /v1/videos/{vid}/content HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer test\r\n\r\n".encode())
            got = 0
            while got < 4 << 20:
                got += len(sock.recv(1 << 20))
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # reset, not a clean close
    try:
        whole = httpx2.get(f"{local_engine.base_url}/videos/{vid}/content", headers=AUTH)
    finally:
        logging.getLogger("uvicorn.error").removeHandler(logged)
    assert whole.status_code == 200 and _sha(whole.content) == _sha(asset.read_bytes())
    assert not logged.records, [r.getMessage() for r in logged.records]


async def _through_the_app(engine: Any, vid: str, extensions: dict[str, Any], range_: str | None = None) -> list[dict[str, Any]]:
    """The engine's own ASGI app (its middleware, routes and handler), called the way a server calls it."""
    headers = [(b"authorization", b"Bearer test"), (b"host", b"x")] + ([(b"range", range_.encode())] if range_ else [])
    path = f"/v1/videos/{vid}/content"
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
             "path": path, "raw_path": path.encode(), "query_string": b"", "headers": headers, "root_path": "",
             "server": ("127.0.0.1", 1), "client": ("127.0.0.1", 2), "extensions": extensions}
    sent: list[dict[str, Any]] = []
    requests = [{"type": "http.request", "body": b"", "more_body": False}]

    async def receive() -> dict[str, Any]:
        if requests:
            return requests.pop()
        await asyncio.Event().wait()  # the client stays: a streamed response listens for it leaving
        raise AssertionError("unreachable")

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == ZERO_COPY_SEND:  # what the server does with it: read that region of the open file
            fh = message["file"]
            fh.seek(message["offset"])
            message = {**message, "data": fh.read(message["count"])}
        sent.append(message)

    await engine._server.engine_app(scope, receive, send)
    return sent


async def test_the_handler_hands_the_file_over_when_offered_and_streams_it_when_not(local_engine) -> None:
    vid, asset = _big_clip(local_engine)
    want = asset.read_bytes()
    offered = await _through_the_app(local_engine, vid, {ZERO_COPY_SEND: {}}, "bytes=5-")
    assert [m["type"] for m in offered] == ["http.response.start", ZERO_COPY_SEND]
    assert offered[1]["offset"] == 5 and offered[1]["count"] == BIG - 5 and offered[1]["more_body"] is False
    assert _sha(offered[1]["data"]) == _sha(want[5:])
    plain = await _through_the_app(local_engine, vid, {})
    assert {m["type"] for m in plain} == {"http.response.start", "http.response.body"}
    assert _sha(b"".join(m.get("body", b"") for m in plain[1:])) == _sha(want)


@pytest.mark.parametrize("fault", ["truncate", "slow"])
async def test_faults_that_cut_or_stall_a_body_get_it_streamed(local_engine, fault: str) -> None:
    from sora_tui.engine.asgi import FaultInjected
    from sora_tui.engine.faults import FaultPlan

    vid = wait(local_engine.base_url, make(local_engine.base_url)["id"])["id"]
    local_engine._server.engine_app.faults = FaultPlan.parse(f"{fault}:1.0")  # from here on, every request
    try:
        sent = await _through_the_app(local_engine, vid, {ZERO_COPY_SEND: {}})
    except FaultInjected:
        sent = []
        assert fault == "truncate"
    if fault == "slow":
        assert sent[0]["type"] == "http.response.start" and {m["type"] for m in sent[1:]} == {"http.response.body"}
        assert len(sent) >= 3  # the body came in (at least) two pieces, the stall between them
        assert b"".join(m["body"] for m in sent[1:]) == local_engine.engine.state.asset(vid, "video").read_bytes()
    else:
        assert sent == [], "the fault ends the response by raising, once half the body went"
