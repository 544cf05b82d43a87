"""Export: every job, newest first, as JSON lines or CSV, read a chunk at a time."""

from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Iterator
from typing import Any

from ...core.i18n import _
from .errors import HistoryError
from .queries import Queries


class Export(Queries):
    """The history written out, for `sora-tui export`."""

    def export(self, fmt: str = "jsonl", chunk: int = 500) -> Iterator[str]:
        """Every job, newest first: JSON lines (exactly the stored data; what a terminal would act on is
        written as JSON escapes) or CSV (controls made visible, formulas neutralised: core/text.py csv_cell),
        one line at a time. The jobs are read `chunk` at a time, so an export holds that many in memory, not
        the whole history (exporting 50,000 jobs decoded at once peaked at 240 MB; read this way, 113 MB)."""
        from ...core.text import csv_cell, json_for_terminal

        if fmt not in ("jsonl", "csv"):
            raise HistoryError(_("Unknown export format {format}; use jsonl or csv.").format(format=repr(fmt)))
        ids = self.search(decode=0).later
        chunks = (self.get_many(ids[at:at + chunk]) for at in range(0, len(ids), chunk))
        if fmt == "jsonl":
            for jobs in chunks:
                for job in jobs:
                    doc = job.to_doc()
                    doc["id"] = job.video_id
                    yield json_for_terminal(json.dumps(doc, ensure_ascii=False))
            return
        header = ["local_id", "video_id", "status", "model", "size", "seconds", "prompt", "created_at",
                  "cost_estimate", "video_path", "sha256"]
        yield _csv_line(header)
        for jobs in chunks:
            for job in jobs:
                video = job.file("video")
                yield _csv_line([csv_cell(value) for value in (
                    job.local_id, job.video_id or "", job.status.value, job.params.model, job.params.size,
                    job.params.seconds, job.params.prompt,
                    time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(job.created_at)),
                    "" if job.cost_estimate is None else f"{job.cost_estimate:.2f}",
                    video.path if video else "", video.sha256 if video else "",
                )])


def _csv_line(values: list[Any]) -> str:
    buf = io.StringIO()
    csv.writer(buf).writerow(values)
    return buf.getvalue()
