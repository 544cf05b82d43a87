"""The built-in local /v1/videos engine: a real HTTP server on loopback with a procedural (not AI) renderer."""

from .launcher import EngineHandle, EngineStartError, ensure_engine, serve, start_engine_thread, stop_engine
from .server import EngineConfig, create_app

__all__ = ["EngineConfig", "EngineHandle", "EngineStartError", "create_app", "ensure_engine", "serve", "start_engine_thread", "stop_engine"]
