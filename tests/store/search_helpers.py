"""Jobs for the search tests, and what a plain per-job scan finds among them: what the text search must answer."""

from __future__ import annotations

import random

from sora_tui.core.job import Job
from sora_tui.core.params import GenerationParams
from sora_tui.core.status import JobStatus

WORDS = ["kite", "dune", "lighthouse", "dusk", "neon", "rain", "été", "北京", "🌊 wave", "a", "at", "sea\x00salt"]


def _job(i: int, rng: random.Random) -> Job:
    job = Job.new(GenerationParams(" ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 6)))),
                  status=rng.choice([JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.QUEUED]), starred=i % 5 == 0)
    job.tags = ["Keep"] if i % 7 == 0 else []
    job.notes = "Windy ÉTÉ" if i % 11 == 0 else ""
    job.created_at = 1_700_000_000 + i
    return job


def _text(job: Job) -> str:
    return " ".join([job.params.prompt, *job.tags, *([job.notes] if job.notes else [])]).casefold()


def _expected(jobs: dict[str, Job], needle: str, *, descending: bool = True, status: str | None = None,
              starred: bool | None = None, limit: int | None = None) -> list[str]:
    picked = [j for j in jobs.values() if needle.casefold() in _text(j) and (status is None or j.status.value == status)
              and (starred is None or j.starred == starred)]
    picked.sort(key=lambda j: j.created_at, reverse=descending)
    return [j.local_id for j in picked][:limit]
