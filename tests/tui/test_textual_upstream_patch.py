"""docs/textual-upstream.patch, the fixes of textual_fence/fixes.py offered to Textual as changes to its own code: it
still applies to the pinned Textual's source, and Textual patched with it passes the regression tests it brings."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest
import textual

ROOT = Path(__file__).resolve().parents[2]
PATCH = ROOT / "docs" / "textual-upstream.patch"
WRITTEN_FOR = "8.2.8"
INSTALLED = Path(textual.__file__).parent
# What the patch changes in Textual's source, and the test files it adds (Textual's repository layout).
SOURCES = ("src/textual/timer.py", "src/textual/cache.py", "src/textual/strip.py")
NEW_TESTS = ("tests/test_timer_skip.py", "tests/test_reference_cycles.py")

pytestmark = pytest.mark.skipif(
    version("textual") != WRITTEN_FOR,
    reason=f"docs/textual-upstream.patch is against Textual {WRITTEN_FOR}; {version('textual')} is installed")


def _git_apply(tree: Path, *options: str) -> subprocess.CompletedProcess[str]:
    # The tree is patched as plain files: no repository around tmp_path may change which paths git applies.
    env = {**os.environ, "GIT_CEILING_DIRECTORIES": str(tree.parent)}
    return subprocess.run(["git", "apply", *options, str(PATCH)], cwd=tree, env=env, capture_output=True, text=True,
                          check=False)


def _applied(tree: Path) -> None:
    checked = _git_apply(tree, "--check")
    assert checked.returncode == 0, checked.stderr
    applied = _git_apply(tree)
    assert applied.returncode == 0, applied.stderr


def test_the_patch_applies_to_the_pinned_textuals_source(tmp_path: Path) -> None:
    """The source hunks apply to the installed files alone; the test files are new, so they apply to no tree."""
    for source in SOURCES:
        (tmp_path / source).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(INSTALLED / Path(source).name, tmp_path / source)
    listed = _git_apply(tmp_path, "--numstat")
    assert listed.returncode == 0, listed.stderr
    assert {line.split("\t")[2] for line in listed.stdout.splitlines()} == {*SOURCES, *NEW_TESTS}

    _applied(tmp_path)

    for source in SOURCES:
        patched = (tmp_path / source).read_text(encoding="utf-8")
        assert patched != (INSTALLED / Path(source).name).read_text(encoding="utf-8"), source
        compile(patched, source, "exec")
    for test in NEW_TESTS:
        compile((tmp_path / test).read_text(encoding="utf-8"), test, "exec")


def test_textual_patched_with_it_passes_its_tests(tmp_path: Path) -> None:
    """The whole installed package, patched, imported from tmp_path by a pytest of its own running the patch's
    tests (each of which fails on the stock 8.2.8: tests/tui/test_fixes.py shows the problems there)."""
    shutil.copytree(INSTALLED, tmp_path / "src" / "textual", ignore=shutil.ignore_patterns("__pycache__"))
    _applied(tmp_path)
    (tmp_path / "pytest.ini").write_text(
        "[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function\n", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "src"), "PYTHONDONTWRITEBYTECODE": "1"}
    ran = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-c", str(tmp_path / "pytest.ini"),
         "--rootdir", str(tmp_path), *NEW_TESTS],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert " passed" in ran.stdout and "skipped" not in ran.stdout, ran.stdout
