"""Where the TCSS lives, and which file each screen loads."""

from __future__ import annotations

from pathlib import Path, PurePath
from typing import Any


def styles_dir() -> Path:
    """TCSS ships inside the wheel as sora_tui/styles; an editable install reads the repo's styles/. Found from this
    file's place (the package is always a directory here), not with importlib.resources: 12 ms of the cold start."""
    packaged = Path(__file__).resolve().parents[1] / "styles"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[3] / "styles"


APP_CSS: list[str | PurePath] = [str(styles_dir() / "app.tcss")]  # the workbench and what every screen shares
SCREENS_CSS: list[str | PurePath] = [str(styles_dir() / "screens.tcss")]  # every other screen: read once, when the first one opens


def read_screen_styles(app: Any) -> None:
    """Read the other screens' styles now, as Textual reads them when the first of those screens opens: every style
    source parsed again and the whole app restyled (20-30 ms), which was the history browser's first frame's largest
    part (bench/keys.py). Called once the workbench is up and idle; nothing is done if a screen read them already."""
    sheet = app.stylesheet
    unread = [path for path in SCREENS_CSS if not sheet.has_source(str(path), "")]
    if not unread:
        return
    for path in unread:
        sheet.read(path)
    sheet.reparse()
    sheet.update(app)
