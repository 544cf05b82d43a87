"""sora-tui: a keyboard-driven terminal workbench for /v1/videos servers."""

__version__ = "0.1.0"
