"""Layering, enforced: the domain, backend, service, store and engine never import Textual; core has no I/O libraries."""

from __future__ import annotations

import json
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
