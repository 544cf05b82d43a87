"""The built-in engine as the `engine` command runs it: in the foreground, from plain arguments, with the engine's
own errors turned into one the interfaces know; and the engine's modes, which `--mode` is parsed with.

At the session's level: the interfaces reach the engine through here (or the session), never themselves.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from .core.i18n import _

# Light (no server code): the parser checks `--mode` with it, and builds `sora-tui --help` with this module loaded.
from .engine.modes import parse_modes

__all__ = ["EngineError", "parse_modes", "serve_in_foreground"]


class EngineError(Exception):
    """The engine refused its arguments or could not listen. Message is for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def serve_in_foreground(*, host: str, port: int, speed: str, faults: str, seed: int, state_dir: Path,
                        api_key: str | None, modes: frozenset[str],
                        on_listening: Callable[[str], None] | None = None) -> None:
    """Serve until SIGINT/SIGTERM; `on_listening(base_url)` once bound. Ctrl+C comes out as KeyboardInterrupt, for
    the caller to say it stopped; a bad fault spec or an address it cannot bind, as EngineError."""
    # Here, not at the top: the server (Starlette, the renderer) loads only when an engine is run.
    from .engine import EngineConfig, serve
    from .engine.faults import FaultSpecError
    from .engine.launcher import EngineStartError

    config = EngineConfig(host=host, port=port, speed=speed, faults=faults, seed=seed, state_dir=state_dir,
                          api_key=api_key, modes=modes)
    try:
        serve(config, on_listening=on_listening)
    except FaultSpecError as exc:
        raise EngineError(f"--faults: {exc}") from None
    except EngineStartError as exc:
        raise EngineError(_("{reason}. Pick another --port (0 picks a free one).").format(reason=exc)) from None
