"""Layering, enforced: the domain, backend, service, store and engine never import Textual; core has no I/O libraries."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

LAYERS = {
    "sora_tui.core": {"textual", "openai", "httpx2", "tinydb", "starlette", "uvicorn", "av"},
    "sora_tui.backend": {"textual", "tinydb", "starlette", "uvicorn"},
    "sora_tui.service": {"textual", "starlette", "uvicorn"},
    "sora_tui.store": {"textual", "openai", "httpx2", "starlette"},
    "sora_tui.engine": {"textual", "openai"},
    "sora_tui.cli": {"textual", "openai", "tinydb", "av"},  # `sora-tui --help` stays fast
}


def _imported(module: str) -> set[str]:
    code = (
        "import importlib, json, pkgutil, sys\n"
        f"pkg = importlib.import_module({module!r})\n"
        "if hasattr(pkg, '__path__'):\n"
        "    for m in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + '.'):\n"
        "        importlib.import_module(m.name)\n"
        "print(json.dumps(sorted({n.split('.')[0] for n in sys.modules})))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return set(json.loads(out))


@pytest.mark.parametrize("module", sorted(LAYERS))
def test_layer_does_not_import(module: str) -> None:
    forbidden = LAYERS[module] & _imported(module)
    assert not forbidden, f"{module} pulls in {sorted(forbidden)}"



def test_the_tui_loads_only_what_its_first_frame_needs(tmp_path) -> None:
    """What the app does before its first frame — import its screen, read the saved theme (none yet), find the
    data dir — loads no TOML or JSON parser, no SDK and no database: those load off the first frame. And the
    collector, paused while the modules load, runs again."""
    code = (
        "import gc, sys\n"
        "from sora_tui.tui.app import SoraApp\n"
        "from sora_tui.tui import preferences\n"
        "assert preferences.load() == {} and gc.isenabled()\n"
        "sys.stdout.write(' '.join(sorted(sys.modules)))\n"
    )
    env = {**os.environ, "SORA_TUI_HOME": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env).stdout
    loaded = set(out.split())
    packages = {name.split(".")[0] for name in loaded}
    assert not packages & {"json", "tomllib", "openai", "httpx2", "tinydb", "orjson", "av", "starlette"}, packages
    assert "sora_tui.core.job" not in loaded  # the job record: named in the UI's annotations, loaded with the history


def test_the_first_frame_parses_no_rich_markup(tmp_path) -> None:
    """Drawn headless to its first frame, the workbench has not loaded Rich's emoji table: a str handed to Rich
    as markup (a column label, say) loads it, 6 ms of the cold start for text that holds no markup."""
    code = (
        "import sys\n"
        "from sora_tui.tui.app import SoraApp\n"
        "class First(SoraApp):\n"
        "    def on_main_screen_ready(self, event):\n"
        "        super().on_main_screen_ready(event)\n"
        "        self.call_after_refresh(self.drawn)\n"
        "    def drawn(self):\n"
        "        self.loaded = 'rich._emoji_codes' in sys.modules\n"
        "        self.exit()\n"
        "app = First()\n"
        "app.run(headless=True, size=(160, 45))\n"
        "sys.stdout.write(f'emoji table loaded: {app.loaded}')\n"
    )
    env = {**os.environ, "SORA_TUI_HOME": str(tmp_path), "SORA_TUI_ENGINE_SPEED": "instant"}
    env.pop("SORA_TUI_CONFIG", None)
    try:
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env,
                             timeout=60).stdout
    finally:
        from sora_tui.engine import stop_engine

        stop_engine(tmp_path / "engine")  # the engine the app started on demand
    assert out == "emoji table loaded: False"


def test_the_interfaces_read_the_history_through_its_narrow_view() -> None:
    """The TUI and the CLI read the history as `session.history` (service/reads.py, typed), never the store itself:
    an import-linter contract sees imports, not an attribute reached through the session, so this looks at the
    attributes. A `.store` anywhere in them would hand them the history's writes and its recovery."""
    import ast
    from pathlib import Path

    import sora_tui

    package = Path(sora_tui.__file__).parent
    found = []
    for path in sorted([*package.glob("tui/**/*.py"), *package.glob("cli/**/*.py")]):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr == "store":
                found.append(f"{path.relative_to(package)}:{node.lineno}")
    assert not found, f"the store reached past its view in {found}"


def test_no_source_file_passes_450_lines() -> None:
    """A room that grows is split by purpose before it becomes a room of several: docs/ARCHITECTURE.md."""
    from pathlib import Path

    import sora_tui

    package = Path(sora_tui.__file__).parent
    long = {str(path.relative_to(package)): n for path in package.rglob("*.py")
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > 450}
    assert not long, f"over 450 lines: {long}"
