"""Where files live: the data directory and the config file (platformdirs, SORA_TUI_HOME, SORA_TUI_CONFIG), and
the Secret that holds a key without ever showing it.

Read before the TUI's first frame: it imports no TOML parser, and platformdirs only when the paths are asked for."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

APP_NAME = "sora-tui"


class Secret:
    """A string that never shows itself in repr/str/tracebacks (Textual prints locals on a crash)."""

    __slots__ = ("_value",)

    def __init__(self, value: str | None) -> None:
        self._value = value or ""

    def reveal(self) -> str:
        return self._value

    def masked(self) -> str:
        v = self._value
        if not v:
            return "(none)"
        if len(v) < 16:
            return "••••"
        return f"••••{v[-4:]}"  # the last four, as card statements do: enough to tell keys apart

    def __bool__(self) -> bool:
        return bool(self._value)

    def __repr__(self) -> str:
        return f"Secret({self.masked()})"

    __str__ = __repr__


@dataclass(frozen=True)
class Paths:
    home: Path
    config_file: Path

    @property
    def history(self) -> Path:
        return self.home / "history.json"

    @property
    def downloads(self) -> Path:
        return self.home / "downloads"

    @property
    def logs(self) -> Path:
        return self.home / "logs"

    @property
    def engine_dir(self) -> Path:
        return self.home / "engine"

    @property
    def crash_dir(self) -> Path:
        return self.home / "crash"

    @classmethod
    def from_env(cls) -> Paths:
        import platformdirs  # deferred: only needed when no override is set

        home_env = os.environ.get("SORA_TUI_HOME")
        home = Path(home_env).expanduser() if home_env else Path(platformdirs.user_data_dir(APP_NAME))
        cfg_env = os.environ.get("SORA_TUI_CONFIG")
        if cfg_env:
            config_file = Path(cfg_env).expanduser()
        elif home_env:
            config_file = home / "config.toml"
        else:
            config_file = Path(platformdirs.user_config_dir(APP_NAME)) / "config.toml"
        return cls(home=home, config_file=config_file)

    def ensure(self) -> None:
        """Create the data directories, private to the user."""
        for d in (self.home, self.downloads, self.logs, self.engine_dir):
            d.mkdir(parents=True, exist_ok=True)
        try:
            os.chmod(self.home, 0o700)
        except OSError:
            pass
