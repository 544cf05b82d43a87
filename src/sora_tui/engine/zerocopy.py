"""Zero-copy file bodies for the local engine: uvicorn's h11 protocol, taught the ASGI "Zero Copy Send" extension
(`http.response.zerocopysend`, https://asgi.readthedocs.io/en/latest/extensions.html#zero-copy-send).

The engine serves clips that reach a gigabyte. Streamed through Python (read a piece in a thread, hand it to h11,
write it to the transport) a body cost the engine about 1 CPU-second per GB and topped out at 0.75-1.0 GB/s on
2 cores, as fast as curl could take it: every client then measured the engine, not itself, and the UI beside it lost
that core. With sendfile(2) the kernel moves the file's pages to the socket: 0.1-0.3 CPU-seconds per GB, and the
client's own copying becomes the limit (1.5-3 GB/s for sora-tui's spliced download here, 0.55-0.9 GB/s for curl).

uvicorn does not offer the extension, so this protocol adds it, on top of two uvicorn internals (the per-request
`RequestResponseCycle` and the protocol's `cycle` attribute). h11 stays the HTTP state machine: it is told the body's
length through `send_with_data_passthrough`, its documented way to let a server sendfile a body it frames. Where the
internals are not as expected, `http_protocol()` gives plain uvicorn and the engine streams as before.
"""

from __future__ import annotations

import asyncio
import functools
import os
from typing import Any

ZERO_COPY_SEND = "http.response.zerocopysend"


class _FileRegion:
    """What h11 is given as a body piece: only its length counts (the bytes go by sendfile)."""

    __slots__ = ("count",)

    def __init__(self, count: int) -> None:
        self.count = count

    def __len__(self) -> int:
        return self.count


@functools.cache
def http_protocol() -> Any:
    """The HTTP protocol class for uvicorn.Config(http=...): h11 with zero-copy file bodies, or "h11" itself if this
    uvicorn is not built the way the subclass expects."""
    try:
        import h11
        from uvicorn.protocols.http.h11_impl import H11Protocol, RequestResponseCycle
    except ImportError:
        return "h11"
    if not hasattr(h11.Connection, "send_with_data_passthrough") or not callable(getattr(RequestResponseCycle, "send", None)):
        return "h11"

    class ZeroCopyCycle(RequestResponseCycle):  # type: ignore[misc, valid-type]
        async def send(self, message: Any) -> None:
            if message.get("type") != ZERO_COPY_SEND:
                await super().send(message)
                return
            if not self.response_started or self.response_complete:
                raise RuntimeError(f"Unexpected ASGI message '{ZERO_COPY_SEND}' outside a response body.")
            more_body = bool(message.get("more_body", False))
            if self.scope["method"] == "HEAD" or self.disconnected:
                await super().send({"type": "http.response.body", "body": b"", "more_body": more_body})
                return
            if self.flow.write_paused:
                await self.flow.drain()
            file = message["file"]
            offset = message.get("offset")
            position = file.tell() if offset is None else int(offset)
            count = message.get("count")
            count = os.fstat(file.fileno()).st_size - position if count is None else int(count)
            if count > 0:
                try:
                    # h11 only measures the data: a region of the file stands for its bytes, which sendfile(2) sends
                    region = h11.Data(data=_FileRegion(count))  # type: ignore[arg-type]
                    for piece in self.conn.send_with_data_passthrough(region) or ():
                        if isinstance(piece, _FileRegion):
                            sent = await asyncio.get_running_loop().sendfile(self.transport, file, position, count)
                            if sent != count:  # the file is shorter than it was said to be: the body cannot be whole
                                raise ConnectionError(f"sent {sent} of {count} bytes")
                        else:
                            self.transport.write(piece)
                except (OSError, RuntimeError):  # the client went away (or the transport was already closing)
                    self.disconnected = True
                    self.transport.close()
                    return
            await super().send({"type": "http.response.body", "body": b"", "more_body": more_body})

    class ZeroCopyH11Protocol(H11Protocol):  # type: ignore[misc, valid-type]
        """uvicorn's h11 protocol whose requests are offered (and served) Zero Copy Send."""

        def handle_events(self) -> None:
            before = self.cycle
            super().handle_events()
            cycle = self.cycle
            # A request just parsed: its task is created, not yet run, so its scope and send can still change.
            if cycle is not None and cycle is not before and type(cycle) is RequestResponseCycle:
                cycle.__class__ = ZeroCopyCycle
                cycle.scope.setdefault("extensions", {})[ZERO_COPY_SEND] = {}

    return ZeroCopyH11Protocol
