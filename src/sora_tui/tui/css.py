"""Where the TCSS lives, and which file each screen loads."""

from __future__ import annotations

from pathlib import Path, PurePath


def styles_dir() -> Path:
    """TCSS ships inside the wheel as sora_tui/styles; an editable install reads the repo's styles/. Found from this
    file's place (the package is always a directory here), not with importlib.resources: 12 ms of the cold start."""
    packaged = Path(__file__).resolve().parents[1] / "styles"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[3] / "styles"


APP_CSS: list[str | PurePath] = [str(styles_dir() / "app.tcss")]  # the workbench and what every screen shares
SCREENS_CSS: list[str | PurePath] = [str(styles_dir() / "screens.tcss")]  # every other screen: read once, when the first one opens
