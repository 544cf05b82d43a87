"""`python -m bench`: run the benchmarks, print the table, write it to docs/PERFORMANCE.md."""

from __future__ import annotations

import platform
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    return f"{value:,.1f} {unit}" if value < 100 else f"{value:,.0f} {unit}"


def table(rows: list[dict[str, Any]]) -> str:
    lines = ["| area | measurement | sora-tui | baseline (same run) | ratio | target | met |", "|---|---|---|---|---|---|---|"]
    for r in rows:
        if r.get("base") and r["ours"]:
            x = r["base"] / r["ours"]
            ratio = f"{x:,.0f}x faster" if x >= 10 else f"{x:.1f}x"
        else:
            ratio = "—"
        target = r.get("target")
        met = "—" if target is None else ("yes" if r["ours"] <= target else "**no**")
        lines.append(f"| {r['area']} | {r['what']} | {fmt(r['ours'], r['unit'])} | {fmt(r.get('base'), r['unit'])} | {ratio} "
                     f"| {fmt(target, r['unit']) if target is not None else '—'} | {met} |")
    return "\n".join(lines)


def main() -> int:
    from . import history

    started = time.time()
    rows = history.run()
    text = table(rows)
    print(text)
    notes = "\n".join(f"- {r['what']}: {r['note']}" for r in rows if r.get("note"))
    doc = f"""# Performance

Measured by `python -m bench` on {time.strftime('%Y-%m-%d', time.gmtime(started))} ({platform.machine()},
{platform.python_implementation()} {platform.python_version()}, {_cores()} cores), in {time.time() - started:.0f} s.
Every figure has its baseline measured in the same run; the ratio is baseline / sora-tui.

{text}

Notes:
{notes}

## What makes the history fast

The history is a TinyDB-format snapshot (`history.json`, one document per line) plus an append-only
journal (`history.json.journal`). A status change appends one JSON line and fsyncs it — its cost does
not depend on the size of the history — where stock TinyDB parses and rewrites the whole file for
every change. The journal is folded into a new snapshot (written atomically) once it outgrows half the
snapshot. Documents stay in memory as their JSON bytes (orjson), with a small index of what queries
need (ids, status, dates, and the casefolded prompt, tags and notes); a search scans that index in
newest-first order and decodes only the jobs it returns.

## Not measured yet

Issue 6's other targets — tracking 100 jobs in flight, 1 GB downloads against curl, UI cold start and
key-press latency, engine render speed, TUI memory at 100,000 jobs — have no benchmark in this run yet.
"""
    out = ROOT / "docs" / "PERFORMANCE.md"
    out.parent.mkdir(exist_ok=True)
    out.write_text(doc, encoding="utf-8")
    print(f"\nwritten to {out.relative_to(ROOT)}", file=sys.stderr)
    return 0


def _cores() -> int:
    import os

    return os.cpu_count() or 1


if __name__ == "__main__":
    raise SystemExit(main())
