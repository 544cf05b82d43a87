"""Running the local engine: in a thread (tests, embedding), in the foreground (`sora-tui engine`), or as the
app's on-demand background daemon (`ensure_engine`), found again through its announce file."""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any, Self

from .faults import FaultPlan
from .server import EngineConfig, create_app
from .state import atomic_write_json
from .zerocopy import http_protocol

ANNOUNCE_NAME = "engine.json"
START_TIMEOUT = 20.0


class EngineStartError(RuntimeError):
    pass


class _QuietFaults(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return type(exc).__name__ != "FaultInjected"


def _server(config: EngineConfig, sock: socket.socket) -> Any:
    import uvicorn

    logging.getLogger("uvicorn.error").addFilter(_QuietFaults())
    app: Any = create_app(config)  # a Starlette app carrying its engine (create_app sets `app.engine`)
    # asyncio's own loop (not uvloop, if installed): its loop.sendfile is what serves clips without a copy.
    # A clock-* mode dates responses itself, from its skewed clock: uvicorn's Date would be a second one.
    uv_config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off",
                               timeout_graceful_shutdown=2, loop="asyncio", http=http_protocol(),
                               date_header=not app.engine.present.skew)
    server = uvicorn.Server(uv_config)
    server.engine_app = app  # type: ignore[attr-defined]
    app.engine.should_stop = lambda: server.should_exit
    return server


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise EngineStartError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def _url(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/v1"


class EngineHandle:
    def __init__(self, server: Any, thread: threading.Thread, sock: socket.socket, host: str) -> None:
        self._server, self._thread, self._sock = server, thread, sock
        self.port = sock.getsockname()[1]
        self.base_url = _url(host, self.port)

    @property
    def engine(self) -> Any:
        return self._server.engine_app.engine

    @property
    def faults(self) -> Any:
        return self._server.engine_app.faults

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        with contextlib.suppress(OSError):
            self._sock.close()
        self.engine.state.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_engine_thread(config: EngineConfig) -> EngineHandle:
    """Serve in a daemon thread on loopback; returns once it accepts connections."""
    sock = _bind(config.host, config.port)
    server = _server(config, sock)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="sora-tui-engine", daemon=True)
    thread.start()
    deadline = time.monotonic() + START_TIMEOUT
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise EngineStartError("the engine thread did not start")
        time.sleep(0.01)
    return EngineHandle(server, thread, sock, config.host)


def serve(config: EngineConfig, on_listening: Callable[[str], None] | None = None) -> None:
    """Run in the foreground until SIGINT/SIGTERM (or idle_exit); announce the address if asked.

    Raises FaultSpecError for a bad --faults spec and OSError when the address cannot be bound, both
    before anything is printed; `on_listening(base_url)` is called once the socket is bound.
    """
    FaultPlan.parse(config.faults, config.seed)
    sock = _bind(config.host, config.port)
    server = _server(config, sock)
    port = sock.getsockname()[1]
    if on_listening is not None:
        on_listening(_url(config.host, port))
    engine = server.engine_app.engine

    def announce() -> None:
        while not server.started and not server.should_exit:
            time.sleep(0.02)
        if config.announce and server.started:
            atomic_write_json(Path(config.announce), {"pid": os.getpid(), "port": port, "base_url": _url(config.host, port),
                                                      "started_at": time.time(), "speed": config.speed})

    def idle_watch() -> None:
        while not server.should_exit:
            time.sleep(1.0)
            idle = time.monotonic() - engine.last_request
            if config.idle_exit and idle > config.idle_exit and engine.state.active_renders == 0:
                server.should_exit = True

    threading.Thread(target=announce, daemon=True).start()
    if config.idle_exit:
        threading.Thread(target=idle_watch, daemon=True).start()
    try:
        server.run(sockets=[sock])
    finally:
        engine.state.close()
        if config.announce:
            with contextlib.suppress(OSError, ValueError):
                data = json.loads(Path(config.announce).read_text())
                if data.get("pid") == os.getpid():
                    Path(config.announce).unlink()


def _healthy(base_url: str, timeout: float = 1.0) -> bool:
    root = base_url.rsplit("/v1", 1)[0]
    try:
        with urllib.request.urlopen(root + "/health", timeout=timeout) as resp:  # loopback only
            return json.loads(resp.read()).get("ok") is True
    except (OSError, ValueError, urllib.error.URLError):
        return False


def stop_engine(state_dir: Path) -> bool:
    """Ask the background engine announced in `state_dir` to exit (SIGTERM); False if none was running."""
    announce = state_dir / "engine.json"
    try:
        os.kill(int(json.loads(announce.read_text())["pid"]), signal.SIGTERM)
    except (OSError, ValueError, KeyError, TypeError):
        return False
    return True


def running_engine(state_dir: Path) -> str | None:
    """The base URL of the background engine for this data dir if one is running and healthy, without starting
    one (checking a profile is no reason to start a server)."""
    existing = _read_announce(Path(state_dir) / ANNOUNCE_NAME)
    return str(existing["base_url"]) if existing and _healthy(existing["base_url"]) else None


def ensure_engine(state_dir: Path, speed: str = "fast") -> str:
    """The app's default server: reuse the running local engine for this data dir, or start one in the background."""
    state_dir = Path(state_dir)
    state_dir.mkdir(parents=True, exist_ok=True)
    announce = state_dir / ANNOUNCE_NAME
    with open(state_dir / "engine.lock", "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # two processes starting at once get one engine
        existing = _read_announce(announce)
        if existing and existing.get("speed", speed) == speed and _healthy(existing["base_url"]):
            return str(existing["base_url"])
        if existing:
            _stop_pid(existing.get("pid"))
            announce.unlink(missing_ok=True)
        log_path = state_dir / "engine.log"
        with open(log_path, "ab") as log:
            proc = subprocess.Popen(
                [sys.executable, "-m", "sora_tui.engine", "--port", "0", "--state-dir", str(state_dir / "data"),
                 "--speed", speed, "--idle-exit", "900", "--announce", str(announce)],
                stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True, close_fds=True,
            )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            info = _read_announce(announce)
            if info and info.get("pid") == proc.pid and _healthy(info["base_url"]):
                return str(info["base_url"])
            if proc.poll() is not None:
                break
            time.sleep(0.05)
        with contextlib.suppress(OSError):
            proc.kill()
        raise EngineStartError(f"it did not come up within {START_TIMEOUT:.0f} s; see {log_path}")


def _read_announce(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text())
        return data if isinstance(data, dict) and "base_url" in data else None
    except (OSError, ValueError):
        return None


def _stop_pid(pid: Any) -> None:
    if isinstance(pid, int) and pid > 1:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGTERM)
