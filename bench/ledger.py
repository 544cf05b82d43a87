"""The ledger at 100,000 jobs: today's, this month's and the session's totals with the breakdown by profile and
model, as the spend line, the spending screen, `sora-tui spend` and every budget check read them
(`python -m bench ledger`).

Baseline in the same run: the same totals the obvious way, decoding every job from the history and pricing it
with job_cost (what the ledger would cost without the index's prices).
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from .history import synthetic_doc, write_tinydb_file

TARGET_MS = 20.0
PROFILES = ("lab", "gateway", "local")
MODELS = ("sora-2", "sora-2-pro")


def _docs(n: int) -> list[dict[str, Any]]:
    """Synthetic jobs over the last 60 days, on three profiles and two models, some still running."""
    rng = random.Random(n)
    now = time.time()
    docs = []
    for i in range(n):
        doc = synthetic_doc(i, rng)
        doc["created_at"] = now - rng.uniform(0, 60 * 86400)
        doc["profile"] = rng.choice(PROFILES)
        doc["params"]["model"] = rng.choice(MODELS)
        if i % 50 == 0:
            doc["status"], doc["progress"] = "in_progress", 40
        docs.append(doc)
    return docs


def _median_ms(fn: Any, rounds: int) -> tuple[float, Any]:
    result = fn()
    runs = []
    for _ in range(rounds):
        t = time.perf_counter()
        result = fn()
        runs.append((time.perf_counter() - t) * 1000)
    return statistics.median(runs), result


def run(n: int = 100_000) -> list[dict[str, Any]]:
    from sora_tui.core.cost import job_cost
    from sora_tui.core.ledger import periods, tally
    from sora_tui.store import HistoryStore

    with tempfile.TemporaryDirectory(dir=Path.cwd()) as tmp:
        path = Path(tmp) / "history.json"
        write_tinydb_file(path, _docs(n))
        store = HistoryStore(path)
        try:
            now = time.time()
            starts = periods(now, session=now - 3600)

            def ours() -> Any:
                return tally(store.spending(), starts)

            def decoded() -> Any:
                class Row:  # what the index holds, made from each decoded job
                    __slots__ = ("amount", "billed", "created_at", "model", "profile", "status")

                rows = []
                for job in store.all():
                    cost = job_cost(job)
                    row = Row()
                    (row.created_at, row.profile, row.model, row.status, row.amount, row.billed) = (
                        job.created_at, job.profile, job.params.model, str(job.status), cost.amount, cost.billed)
                    rows.append(row)
                return tally(rows, starts)

            ours_ms, ledger = _median_ms(ours, 15)
            base_ms, check = _median_ms(decoded, 2)
        finally:
            store.close()
    month = ledger.periods["month"]
    same = abs(month.total - check.periods["month"].total) < 1e-6 and month.jobs == check.periods["month"].jobs
    return [{
        "area": "money", "what": f"ledger: today, month, session, by profile and model, {n:,} jobs",
        "ours": ours_ms, "base": base_ms, "unit": "ms", "target": TARGET_MS,
        "baseline_label": "every job decoded and priced",
        "note": (f"median of 15 on an open history (the spend line, the spending screen, `sora-tui spend` after the "
                 f"open, a budget check under the history lock); this month {month.jobs:,} billed jobs, "
                 f"{len(ledger.by_model)} profile-model pairs; both ways agree: {'yes' if same else 'NO'}"),
    }]
