"""How the job service's messages say a wait, a derived job's kind and a job's status, in the interface's language."""

from __future__ import annotations

from ..core.i18n import _, pgettext
from ..core.status import JobStatus


def _duration(seconds: float) -> str:
    """A wait in words: 45 s, 10 min, 2 h 5 min."""
    s = max(0, round(seconds))
    if s < 90:
        return _("{seconds} s").format(seconds=s)
    if s < 5400:
        return _("{minutes} min").format(minutes=round(s / 60))
    return _("{hours} h {minutes} min").format(hours=s // 3600, minutes=round(s % 3600 / 60))


def _kind_name(kind: str) -> str:
    """A derived job's kind as a noun (the job this remix came from)."""
    names = {"remix": pgettext("job kind", "remix"), "edit": pgettext("job kind", "edit"),
             "extend": pgettext("job kind", "extend")}
    return names.get(kind, kind)


def _status_word(status: JobStatus) -> str:
    """A job's status as the sentence says it (Job 3f2 is queued)."""
    words = {
        JobStatus.DRAFT: pgettext("job status", "draft"),
        JobStatus.SUBMITTING: pgettext("job status", "submitting"),
        JobStatus.QUEUED: pgettext("job status", "queued"),
        JobStatus.IN_PROGRESS: pgettext("job status", "in progress"),
        JobStatus.COMPLETED: pgettext("job status", "completed"),
        JobStatus.DOWNLOADED: pgettext("job status", "downloaded"),
        JobStatus.FAILED: pgettext("job status", "failed"),
        JobStatus.CANCELED: pgettext("job status", "canceled"),
        JobStatus.EXPIRED: pgettext("job status", "expired"),
        JobStatus.UNCERTAIN: pgettext("job status", "uncertain"),
    }
    return words.get(status, status.value.replace("_", " "))
