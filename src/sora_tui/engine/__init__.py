"""The built-in local /v1/videos engine: a real HTTP server on loopback with a procedural (not AI) renderer."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .launcher import (
        EngineHandle,
        EngineStartError,
        ensure_engine,
        running_engine,
        serve,
        start_engine_thread,
        stop_engine,
    )
    from .modes import ModeSpecError, parse_modes
    from .server import EngineConfig, create_app

# Loaded on first use: the CLI parses `--mode` with engine.modes, and must not pay for Starlette to do so.
_EXPORTS = {
    "EngineHandle": "launcher", "EngineStartError": "launcher", "ensure_engine": "launcher", "serve": "launcher",
    "running_engine": "launcher",
    "start_engine_thread": "launcher", "stop_engine": "launcher", "EngineConfig": "server", "create_app": "server",
    "ModeSpecError": "modes", "parse_modes": "modes",
}

__all__ = [
    "EngineConfig", "EngineHandle", "EngineStartError", "ModeSpecError", "create_app", "ensure_engine", "parse_modes",
    "running_engine", "serve", "start_engine_thread", "stop_engine",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value
