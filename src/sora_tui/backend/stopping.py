"""How a download is stopped at once, wherever its transfer waits.

Between pieces the transfer looks at a flag (_Stop.is_set). A read blocked on a socket that sends nothing (no
headers yet, a quiet body, a connect in progress) cannot look at anything: the download client's connections are
made through _StoppableBackend, which notes each socket in the download's _Stop, and a stop shuts those sockets
down from the cancelling thread, so the blocked read returns within a fraction of a second."""

from __future__ import annotations

import contextlib
import os
import socket
import threading
from collections.abc import Iterable
from typing import Any

import httpcore2

_SyncStream: Any
try:  # the stream httpcore2's own SyncBackend returns, for the connect made here (_connect)
    from httpcore2._backends.sync import SyncStream as _SyncStream
except ImportError:  # moved in a later httpcore2: connects are then its own (bounded by the connect timeout)
    _SyncStream = None


class _Stopped(Exception):
    """Raised in a transfer's thread where it sees its _Stop set."""


class _Stop:
    """A download's stop. The transfer looks at the flag between pieces; a read blocked on a socket that sends
    nothing (a server that never answers: the read timeout is the profile's, a minute by default) cannot look
    at anything, so `set` also shuts down every socket the download noted here, from the cancelling thread: the
    blocked read (or connect) returns at once. Each socket is kept as a descriptor of our own (a dup), which a
    shutdown reaches whatever became of httpcore2's object for it (TLS wraps it into a new one)."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self._lock = threading.Lock()
        self._fds: list[int] = []
        self._released = False

    def is_set(self) -> bool:
        return self._event.is_set()

    def set(self) -> None:
        with self._lock:
            self._event.set()
            fds, self._fds = self._fds, []
        for fd in fds:
            _shut_down(fd)

    def watch(self, sock: socket.socket) -> None:
        """Note a socket this download is about to wait on (from the download's own thread)."""
        try:
            fd = os.dup(sock.fileno())
        except OSError:
            return  # already closed: nothing to wait on
        with self._lock:
            if not self._event.is_set() and not self._released:
                self._fds.append(fd)
                return
        if self._event.is_set():
            _shut_down(fd)  # stopped already: the wait about to begin ends at once
        else:
            os.close(fd)

    def release(self) -> None:
        """The download is over: its sockets are no longer its own (the pool may lend them to another)."""
        with self._lock:
            self._released = True
            fds, self._fds = self._fds, []
        for fd in fds:
            os.close(fd)


def _shut_down(fd: int) -> None:
    """shutdown(2) the socket under `fd` (ours, a dup) and close `fd`; a blocked recv or connect on it returns."""
    try:
        sock = socket.socket(fileno=fd)
    except OSError:
        os.close(fd)
        return
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()


_this_thread = threading.local()  # .stop: the _Stop of the download this worker thread is running


class _StoppableStream(httpcore2.NetworkStream):
    """A connection whose socket the download using it notes in its _Stop before it reads or writes (once per
    download: after that one attribute compare a read), so that a stop can shut it down."""

    def __init__(self, inner: httpcore2.NetworkStream) -> None:
        self._inner = inner
        self._sock = inner.get_extra_info("socket")
        self._watched: _Stop | None = None

    def _watch(self) -> None:
        stop = getattr(_this_thread, "stop", None)
        if stop is not self._watched and stop is not None and self._sock is not None:
            self._watched = stop
            stop.watch(self._sock)

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        self._watch()
        return self._inner.read(max_bytes, timeout)

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._watch()
        self._inner.write(buffer, timeout)

    def close(self) -> None:
        self._inner.close()

    def start_tls(self, ssl_context: Any, server_hostname: str | None = None,
                  timeout: float | None = None) -> httpcore2.NetworkStream:
        return _StoppableStream(self._inner.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _StoppableBackend(httpcore2.NetworkBackend):
    """The download client's network backend: httpcore2's own, with streams a _Stop can reach, and (in a
    download's thread) a connect whose socket is noted in its _Stop before it starts (shutdown(2) aborts a
    connect in progress)."""

    def __init__(self, inner: httpcore2.NetworkBackend) -> None:
        self._inner = inner

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                    socket_options: Iterable[Any] | None = None) -> httpcore2.NetworkStream:
        stop = getattr(_this_thread, "stop", None)
        if stop is not None and _SyncStream is not None and type(self._inner) is httpcore2.SyncBackend:
            stream = _StoppableStream(_connect(host, port, timeout, local_address, socket_options, stop))
            stream._watched = stop  # noted while it connected
            return stream
        return _StoppableStream(self._inner.connect_tcp(host, port, timeout, local_address, socket_options))

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options: Iterable[Any] | None = None) -> httpcore2.NetworkStream:
        return _StoppableStream(self._inner.connect_unix_socket(path, timeout, socket_options))

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def _connect(host: str, port: int, timeout: float | None, local_address: str | None,
             socket_options: Iterable[Any] | None, stop: _Stop) -> httpcore2.NetworkStream:
    """What httpcore2's SyncBackend.connect_tcp does (socket.create_connection, then TCP_NODELAY), with each
    socket noted in `stop` before it connects. The name lookup before it cannot be cut short."""
    try:
        addresses = socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM)
    except OSError as exc:
        raise httpcore2.ConnectError(str(exc)) from exc
    last: OSError | None = None
    for family, kind, proto, _canonname, address in addresses:
        sock = socket.socket(family, kind, proto)
        try:
            sock.settimeout(timeout)
            if local_address is not None:
                sock.bind((local_address, 0))
            stop.watch(sock)
            sock.connect(address)
            for option in socket_options or ():
                sock.setsockopt(*option)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError as exc:
            sock.close()
            last = exc
            if stop.is_set():
                break
            continue
        stream: httpcore2.NetworkStream = _SyncStream(sock)
        return stream
    if isinstance(last, TimeoutError):
        raise httpcore2.ConnectTimeout(str(last)) from last
    raise httpcore2.ConnectError(str(last or f"no address for {host}")) from last


def stoppable(client: Any) -> Any:
    """`client` (an httpx2.Client, for downloads) with each of its connection pools (direct, and through the
    environment's proxies) on a _StoppableBackend. httpx2 takes no network backend as an argument; its pools keep
    theirs in `_network_backend`, used for every new connection. Where that is missing (another httpx2), downloads
    still stop between pieces, not while blocked on a quiet socket."""
    for transport in (getattr(client, "_transport", None), *getattr(client, "_mounts", {}).values()):
        pool = getattr(transport, "_pool", None)
        inner = getattr(pool, "_network_backend", None)
        if isinstance(inner, httpcore2.NetworkBackend) and not isinstance(inner, _StoppableBackend):
            pool._network_backend = _StoppableBackend(inner)  # type: ignore[union-attr]
    return client
