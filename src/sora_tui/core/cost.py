"""What a job costs: one rule for every place that shows money (the composer, the tables, the details, the CLI).

A job is priced by what the server generates for it: the seconds the server accepted (its answer's `seconds`,
when it said, else those asked for), an extension by the seconds it adds, a remix by the remixed video's seconds.
A job the server never created costs nothing and says so ("not billed"); a price nobody gave is "unknown", never
$0; a price of 0 is the built-in local engine's ("free (local render)").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .i18n import _, pgettext
from .params import ModelSpec, estimate_cost
from .status import JobStatus

if TYPE_CHECKING:
    from .job import Job

# Where a job keeps what the server accepted (its create or status answer), when that is known: job.extra keys.
ACCEPTED_SECONDS = "accepted_seconds"
ACCEPTED_SIZE = "accepted_size"

# Statuses of a job with no server id that can still be created (it is being sent, or may have been): these show
# the estimate. Any other status without a server id is final, and the server never made the video.
MAY_BE_CREATED = frozenset({JobStatus.DRAFT, JobStatus.SUBMITTING, JobStatus.QUEUED, JobStatus.IN_PROGRESS,
                             JobStatus.UNCERTAIN})
_FINAL = frozenset({JobStatus.COMPLETED, JobStatus.DOWNLOADED, JobStatus.EXPIRED})


@dataclass(frozen=True)
class Cost:
    """USD for one job or one planned generation.

    amount: None when the price is unknown; 0.0 when free or not billed.
    known: a price applies (amount is a number).
    billed: the server created (or may have created) the job, so it can charge for it.
    estimate: not final yet (the job has not finished, or it is a plan).
    seconds: the generated seconds it is priced by, when known.
    """

    amount: float | None
    known: bool
    billed: bool
    estimate: bool
    seconds: int | None = None

    @property
    def free(self) -> bool:
        """Generated at no charge (a price of 0), as opposed to not billed at all."""
        return self.billed and self.known and self.amount == 0

    @property
    def sort_key(self) -> float:
        """For sorting by cost: unknown after free and not billed, below any known charge."""
        return self.amount if self.amount is not None else -1.0


UNKNOWN_PLAN = Cost(None, False, True, True)
NOT_BILLED = Cost(0.0, True, False, False, 0)


def _whole(value: Any) -> int | None:
    try:
        n = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return n if n >= 0 else None


def price_per_second(model: str, size: str, models: Mapping[str, ModelSpec] | None) -> float | None:
    spec = models.get(model) if models is not None else None
    return spec.price(size) if spec is not None else None


def estimate(model: str, size: str, seconds: str | int, models: Mapping[str, ModelSpec] | None, count: int = 1) -> Cost:
    """A planned generation (`count` of them): what the composer and the paid question show before anything is
    sent (priced by estimate_cost, the one price rule the service also stores on each job)."""
    one = estimate_cost(model, size, seconds, dict(models) if models is not None else None)
    secs = _whole(seconds)
    if one is None or secs is None:
        return Cost(None, False, True, True, secs)
    return Cost(round(one * max(1, count), 4), True, True, True, secs * max(1, count))


def never_created(job: Job) -> bool:
    """The server never made this job's video: it has no server id and nothing can create it any more (refused
    creates, a create that never arrived, a job cancelled before it was sent)."""
    return _never_created(bool(job.video_id), job.status)


def _never_created(has_video: bool, status: str) -> bool:
    return not has_video and status not in MAY_BE_CREATED


_LOOPBACK = ("//127.0.0.1:", "//localhost:", "//[::1]:", "//127.0.0.1/", "//localhost/")


def local_render(profile: str, server: str) -> bool:
    """A job of the built-in local engine: free, whatever an older sora-tui estimated for it (before the engine's
    prices were zero its jobs were estimated at the published ones, and a ledger would add those up). Only sora-tui
    names a profile "local" (none of that name can be added), and the engine listens on loopback."""
    return profile == "local" and any(host in server for host in _LOOPBACK)


def _priced(*, status: str, has_video: bool, kind: str, seconds: Any, extension_seconds: Any, accepted_seconds: Any,
            size: str, model: str, cost_estimate: float | None, models: Mapping[str, ModelSpec] | None,
            local: bool = False) -> Cost:
    """The one rule (see the module's doc), on a job's fields: a Job's (job_cost) or a stored document's
    (doc_cost, what the history's index keeps for the ledger and budgets). `local`: made by the built-in engine."""
    if _never_created(has_video, status):
        return NOT_BILLED
    if local:
        models, cost_estimate = None, 0.0
    # An extension is priced by the seconds it adds, not the whole video's; what the server accepted, when it said
    asked = _whole(extension_seconds) if kind == "extend" else _whole(seconds)
    generated = _whole(accepted_seconds)
    if generated is None:
        generated = asked
    elif kind == "extend":
        # The server answers with the whole extended video's length; the source's part was priced already.
        total = _whole(seconds)
        generated = asked if asked is None or total is None else max(0, generated - (total - asked))
    final = status in _FINAL
    rate = price_per_second(model, size, models)
    if rate is None and cost_estimate is not None:
        if cost_estimate == 0:
            rate = 0.0
        elif asked:
            rate = cost_estimate / asked
    if rate is None or generated is None:
        return Cost(None, False, True, not final, generated)
    return Cost(round(rate * generated, 4), True, True, not final, generated)


def job_cost(job: Job, models: Mapping[str, ModelSpec] | None = None) -> Cost:
    """What `job` costs (or will): the one rule (see the module's doc).

    `models`: the price table of the profile the job was made with, when the caller has it (the config's current
    prices). Without it, the price is the one the job's own estimate was made with (job.cost_estimate, which every
    history has had), so an old history still reads as it did.
    """
    extra = job.extra
    return _priced(status=job.status, has_video=bool(job.video_id), kind=job.kind, seconds=job.params.seconds,
                   extension_seconds=extra.get("extension_seconds"), accepted_seconds=extra.get(ACCEPTED_SECONDS),
                   size=str(extra.get(ACCEPTED_SIZE) or job.params.size), model=job.params.model,
                   cost_estimate=job.cost_estimate, models=models, local=local_render(job.profile, job.server))


def doc_cost(doc: Mapping[str, Any]) -> Cost:
    """job_cost of a stored job document, at the price its estimate was made with, without building the Job
    (the history's index prices 100,000 of them when it opens)."""
    params = doc.get("params") or {}
    extra = doc.get("extra") or {}
    estimate_ = doc.get("cost_estimate")
    return _priced(status=str(doc.get("status") or ""), has_video=bool(doc.get("video_id")),
                   kind=str(doc.get("kind") or "generate"), seconds=params.get("seconds"),
                   extension_seconds=extra.get("extension_seconds"), accepted_seconds=extra.get(ACCEPTED_SECONDS),
                   size=str(extra.get(ACCEPTED_SIZE) or params.get("size") or ""), model=str(params.get("model") or ""),
                   cost_estimate=float(estimate_) if isinstance(estimate_, (int, float)) else None, models=None,
                   local=local_render(str(doc.get("profile") or ""), str(doc.get("server") or "")))


def accepted(job: Job, seconds: Any, size: Any) -> dict[str, Any]:
    """job.extra with what the server accepted (a create or status answer's `seconds` and `size`; None: it did not
    say), for whoever records that answer."""
    extra = dict(job.extra)
    if _whole(seconds) is not None:
        extra[ACCEPTED_SECONDS] = str(_whole(seconds))
    if isinstance(size, str) and size.strip():
        extra[ACCEPTED_SIZE] = size.strip().lower()
    return extra


def money(amount: float) -> str:
    return f"${amount:,.2f}"


def cost_text(cost: Cost) -> str:
    """The cost in words, for the details screen, `sora-tui show` and the composer."""
    if not cost.billed:
        return _("not billed (the server never created it)")
    if not cost.known or cost.amount is None:
        return _("unknown (no price for this model)")
    if cost.amount == 0:
        return _("free (local render)")
    if cost.estimate:
        return _("≈ {amount} (estimate)").format(amount=money(cost.amount))
    return money(cost.amount)


def price_text(cost: Cost) -> str:
    """The price of a planned send in a question ("$1.00", "free", "price unknown")."""
    if not cost.known or cost.amount is None:
        return _("price unknown")
    return pgettext("cost cell", "free") if cost.amount == 0 else money(cost.amount)


def cost_cells() -> int:
    """The cells a narrow cost column needs for its words, in the interface's language ("$12.34" takes 6)."""
    from rich.cells import cell_len

    return max(6, cell_len(pgettext("cost cell", "none")), cell_len(pgettext("cost cell", "free")))


def cost_cell_text(cost: Cost) -> str:
    """The cost in a table's narrow column (at most COST_CELLS cells in English and Japanese)."""
    if not cost.billed:
        return pgettext("cost cell", "none")
    if not cost.known or cost.amount is None:
        return "?"
    if cost.amount == 0:
        return pgettext("cost cell", "free")
    return money(cost.amount)
