"""docs/RELIABILITY.md's promise table stays honest: every test it cites exists.

The table (`| promise (README section) | proved by |`) names, for each promise of the README, the tests
that prove it, written as `tests/path/test_file.py::test_name`. A parametrised test may be cited without its
`[...]`, a class-based test (a Hypothesis state machine) as `tests/path/test_file.py::ClassName`, and a
method of a test class as `tests/path/test_file.py::ClassName::test_name`.

This fails when the table is missing or empty, when a row cites nothing and neither says `none yet` nor
points to the benchmark figures (`docs/PERFORMANCE.md`), when a cited file, test or `bench/` script does not
exist, and when the table sits inside a harness's section (which the harnesses rewrite). It reads files only:
no network, no engine. Whether a cited test really proves its row is for whoever reviews the change to the
table.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "RELIABILITY.md"

HEADER = re.compile(r"^\|\s*promise \(README section\)\s*\|\s*proved by\s*\|$")
CITATION = re.compile(r"(?<![\w/.-])(tests/[\w/.-]+\.py)::(\w+)(?:::(\w+))?(?:\[[^\]]*\])?")
BENCH = re.compile(r"(?<![\w/.-])(bench/[\w/.-]+\.py)")
HARNESS_START = re.compile(r"^<!-- harness:\w+:start -->$", re.MULTILINE)


def _table() -> tuple[int, list[tuple[int, list[str]]]]:
    """The table's first line number and its rows: (line number, cells), the separator line left out."""
    lines = DOC.read_text(encoding="utf-8").splitlines()
    start = next((i for i, line in enumerate(lines) if HEADER.match(line.strip())), None)
    assert start is not None, f"{DOC} has no table headed '| promise (README section) | proved by |'"
    rows = []
    for number, line in enumerate(lines[start + 1:], start + 2):
        line = line.strip()
        if not line.startswith("|"):
            break
        cells = [cell.strip() for cell in re.split(r"(?<!\\)\|", line)[1:-1]]
        if cells and all(cell and set(cell) <= set("-: ") for cell in cells):
            continue  # the |---|---| line under the header
        rows.append((number, cells))
    return start + 1, rows


def _defines(source: str, name: str, *, top_level: bool) -> bool:
    """Whether the source defines a function (sync or async) or a class of that name."""
    indent = "" if top_level else r"[ \t]*"
    function = rf"^{indent}(?:async[ \t]+)?def[ \t]+{re.escape(name)}[ \t]*\("
    cls = rf"^{indent}class[ \t]+{re.escape(name)}[ \t]*[(:]"
    return bool(re.search(function, source, re.MULTILINE) or re.search(cls, source, re.MULTILINE))


def _missing(path: str, name: str, member: str | None) -> str | None:
    """Why a citation does not resolve, or None when it does."""
    file = ROOT / path
    if not file.is_file():
        return f"{path} does not exist"
    source = file.read_text(encoding="utf-8")
    if not _defines(source, name, top_level=True):
        return f"{path} has no top-level def, async def or class named {name}"
    if member is not None and not _defines(source, member, top_level=False):
        return f"{path} has no def or async def named {member} (in {name})"
    return None


def test_the_table_exists_and_is_not_empty() -> None:
    _, rows = _table()
    assert rows, f"the promise table in {DOC} has no rows"


def test_every_row_is_a_promise_and_says_what_proves_it() -> None:
    _, rows = _table()
    bad = []
    for number, cells in rows:
        if len(cells) != 2 or not cells[0] or not cells[1]:
            bad.append(f"line {number}: expected two non-empty cells, got {cells}")
            continue
        proof = cells[1]
        if not (CITATION.search(proof) or "none yet" in proof.lower() or "docs/PERFORMANCE.md" in proof):
            bad.append(f"line {number}: cites no test, does not say 'none yet' and does not name "
                       f"docs/PERFORMANCE.md: {proof}")
    assert not bad, "\n".join(bad)


def test_every_cited_test_exists() -> None:
    _, rows = _table()
    cited, bad = 0, []
    for number, cells in rows:
        for path, name, member in CITATION.findall(" ".join(cells)):
            cited += 1
            why = _missing(path, name, member or None)
            if why:
                bad.append(f"line {number}: {path}::{name}{'::' + member if member else ''}: {why}")
    assert cited, "the promise table cites no test at all"
    assert not bad, "\n".join(bad)


def test_every_cited_benchmark_and_figures_file_exists() -> None:
    _, rows = _table()
    bad = []
    for number, cells in rows:
        text = " ".join(cells)
        bad += [f"line {number}: {path} does not exist"
                for path in BENCH.findall(text) if not (ROOT / path).is_file()]
        if "docs/PERFORMANCE.md" in text and not (ROOT / "docs" / "PERFORMANCE.md").is_file():
            bad.append(f"line {number}: docs/PERFORMANCE.md does not exist")
    assert not bad, "\n".join(bad)


def test_the_table_is_above_the_harness_sections() -> None:
    """The harnesses replace what lies between their markers: the hand-written table must lie outside them."""
    header_line, rows = _table()
    last = rows[-1][0] if rows else header_line
    text = DOC.read_text(encoding="utf-8")
    first = HARNESS_START.search(text)
    if first is not None:
        assert last < text.count("\n", 0, first.start()) + 1, \
            "the promise table must end before the first <!-- harness:...:start --> marker"


def test_the_command_that_writes_the_figures_runs_every_harness_that_has_a_section() -> None:
    """scripts/reliability.py refreshes the published figures: a harness that writes a section and is not in its list
    would leave its figures in this file stale for ever."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("reliability_command", ROOT / "scripts" / "reliability.py")
    assert spec is not None and spec.loader is not None
    command = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(command)
    writers = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "tests" / "reliability").glob("test_*.py")
                     if "write_section(" in p.read_text(encoding="utf-8"))
    assert writers and sorted(command.HARNESSES) == writers
    from tests.reliability.harness import WRITE_DOC_ENV

    assert command.WRITE_DOC_ENV == WRITE_DOC_ENV
