"""Waiting for jobs while the server makes them: their progress on a terminal's stderr, what the service says
meanwhile, the files asked for that did not arrive, and the exit code the jobs earn; and `resume`, which finishes
what an earlier session left running."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

from ...core.i18n import _
from ..exits import EXIT_JOB_FAILED, EXIT_OK
from ..output import err, print_jobs


@contextlib.contextmanager
def notices(session: Any) -> Iterator[None]:
    """What the service says while a job is being sent (the server asked to wait ten minutes before another
    create...) reaches stderr: a command that pauses says why, terminal or not."""
    from ...service.events import ServiceNotice

    unsubscribe = session.service.subscribe(lambda event: err(event.message) if isinstance(event, ServiceNotice) else None)
    try:
        yield
    finally:
        unsubscribe()


async def follow(session: Any, jobs: list[Any] | None, as_json: bool) -> list[Any]:
    """Wait for jobs (None: whatever `resume` finds left running), showing their progress, and only theirs, on a
    terminal's stderr (never on stdout, which may be JSON)."""
    from ...core.job import asset_name
    from ...service.events import DownloadFailed
    from ..progress import ProgressPrinter

    # `resume` (no jobs given) follows what was there when it started; a job another process sends meanwhile is
    # not its own.
    ours = {job.local_id for job in jobs} if jobs is not None else _made_before(time.time())
    printer = ProgressPrinter(sys.stderr, enabled=sys.stderr.isatty() and not os.environ.get("SORA_TUI_NO_PROGRESS"),
                              only=ours)
    failures: dict[tuple[str, str], str] = {}

    def on_event(event: Any) -> None:
        printer.on_event(event)
        if isinstance(event, DownloadFailed):
            failures[(event.job.local_id, event.variant)] = event.message

    unsubscribe = session.service.subscribe(on_event)
    try:
        printer.start(jobs or [])
        done = await (session.service.wait(jobs, max_failures=8) if jobs is not None else session.service.resume(max_failures=8))
    finally:
        unsubscribe()
        printer.finish()
    for job in done:
        for variant in missing_downloads(job):
            ref = job.short_id
            again = (f"sora-tui download {ref}" + ("" if variant == "video" else f" --variant {variant}")
                     + f" --out {_('DIR')}")
            reason = failures.get((job.local_id, variant), _("it did not finish."))
            err(_("could not save the {asset} of {id}: {reason} The video is still on the server; fetch it with: "
                  "{command}").format(asset=asset_name(variant), id=ref, reason=reason, command=again))
    return done


def _made_before(started: float) -> Callable[[Any], bool]:
    return lambda job: job.created_at <= started


def exit_for(jobs: list[Any]) -> int:
    from ...core.status import JobStatus

    bad = {JobStatus.FAILED, JobStatus.CANCELED, JobStatus.EXPIRED, JobStatus.UNCERTAIN}
    return EXIT_JOB_FAILED if any(j.status in bad or missing_downloads(j) for j in jobs) else EXIT_OK


def missing_downloads(job: Any) -> list[str]:
    """Assets asked for with --download that are not on disk (the download failed)."""
    from ...core.status import JobStatus

    if job.status not in (JobStatus.COMPLETED, JobStatus.DOWNLOADED):
        return []
    return [v for v in job.auto_download if job.file(v) is None]


async def resume(session: Any, args: argparse.Namespace) -> int:
    from .board_run import resume_boards

    await session.connect()
    jobs = await follow(session, None, args.json)  # None: whatever an earlier session left
    # The boards an earlier run left running go on from where the history says they stand.
    boards = await resume_boards(session, args.json)
    if jobs:
        print_jobs(jobs, args.json)
    elif not boards and not args.json:
        print(_("nothing to resume"))
    return max([exit_for(jobs), *boards])
