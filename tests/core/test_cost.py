"""The one rule for what a job costs (core/cost.py): estimates, what the server accepted, never-created jobs,
extensions and remixes, unknown and zero prices, and how each is said."""

from __future__ import annotations

import pytest

from sora_tui.core.cost import (
    ACCEPTED_SECONDS,
    ACCEPTED_SIZE,
    accepted,
    cost_cell_text,
    cost_text,
    estimate,
    job_cost,
)
from sora_tui.core.job import Job, JobError
from sora_tui.core.params import LOCAL_MODELS, MODELS, GenerationParams, ModelSpec
from sora_tui.core.status import JobStatus


def _job(seconds: str = "8", model: str = "sora-2", size: str = "720x1280", **kw) -> Job:
    job = Job.new(GenerationParams("a red kite", model=model, size=size, seconds=seconds), **kw)
    return job


def test_a_plan_is_an_estimate_at_the_profiles_price() -> None:
    cost = estimate("sora-2", "720x1280", "8", MODELS, count=3)
    assert cost.known and cost.billed and cost.estimate
    assert cost.amount == pytest.approx(2.4)
    assert cost_text(cost) == "≈ $2.40 (estimate)"


def test_a_job_not_yet_created_shows_its_estimate() -> None:
    job = _job(status=JobStatus.SUBMITTING)
    cost = job_cost(job, MODELS)
    assert cost.estimate and cost.billed and cost.amount == pytest.approx(0.8)


def test_a_running_job_is_an_estimate_and_a_completed_one_is_not() -> None:
    job = _job(status=JobStatus.IN_PROGRESS, video_id="video_1")
    assert job_cost(job).estimate
    job.status = JobStatus.COMPLETED
    cost = job_cost(job)
    assert not cost.estimate and cost.amount == pytest.approx(0.8)
    assert cost_text(cost) == "$0.80" and cost_cell_text(cost) == "$0.80"


def test_the_seconds_the_server_accepted_are_what_is_priced() -> None:
    job = _job(seconds="8", status=JobStatus.COMPLETED, video_id="video_1")
    job.extra = accepted(job, "4", None)
    assert job.extra[ACCEPTED_SECONDS] == "4"
    cost = job_cost(job, MODELS)
    assert cost.amount == pytest.approx(0.4) and cost.seconds == 4


def test_the_size_the_server_accepted_sets_the_price() -> None:
    job = _job(seconds="4", model="sora-2-pro", size="720x1280", status=JobStatus.COMPLETED, video_id="video_1")
    job.extra = accepted(job, 4, "1792x1024")
    assert job.extra[ACCEPTED_SIZE] == "1792x1024"
    assert job_cost(job, MODELS).amount == pytest.approx(2.0)  # 0.50/s at 1792x1024, not 0.30


@pytest.mark.parametrize("code", ["not_submitted", "unreachable", "auth", "rate_limited", "bad_request"])
def test_a_job_the_server_never_created_is_not_billed(code: str) -> None:
    job = _job(status=JobStatus.FAILED, error=JobError(code, "refused"))
    assert job.cost_estimate == pytest.approx(0.8)  # the old field still holds the estimate made before sending
    cost = job_cost(job, MODELS)
    assert cost.amount == 0 and not cost.billed and cost.known
    assert cost_text(cost) == "not billed (the server never created it)"
    assert cost_cell_text(cost) == "none"
    assert "$" not in cost_text(cost) + cost_cell_text(cost)


def test_a_job_cancelled_before_it_was_sent_is_not_billed() -> None:
    assert not job_cost(_job(status=JobStatus.CANCELED)).billed


def test_a_job_that_may_have_been_created_keeps_its_estimate() -> None:
    cost = job_cost(_job(status=JobStatus.UNCERTAIN))
    assert cost.billed and cost.estimate and cost.amount == pytest.approx(0.8)


def test_an_extension_is_priced_by_the_seconds_it_adds() -> None:
    # Made as the service makes one: the whole length in its params, the added seconds in extra.
    job = _job(seconds="12", kind="extend", status=JobStatus.COMPLETED, video_id="video_2",
               extra={"extension_seconds": "4", "source_video_id": "video_1"})
    assert job_cost(job, MODELS).amount == pytest.approx(0.4)
    job.extra = accepted(job, "16", None)  # the server made the source 8 s and added 8: the extended video is 16 s
    assert job_cost(job, MODELS).amount == pytest.approx(0.8)


def test_an_extension_from_an_old_history_reads_its_stored_estimate() -> None:
    job = _job(seconds="12", kind="extend", status=JobStatus.COMPLETED, video_id="video_2",
               extra={"extension_seconds": "4"}, cost_estimate=0.4)
    assert job_cost(job).amount == pytest.approx(0.4)


def test_a_remix_is_priced_by_the_remixed_videos_seconds() -> None:
    job = _job(seconds="8", kind="remix", status=JobStatus.COMPLETED, video_id="video_3",
               extra={"source_video_id": "video_1"})
    assert job_cost(job, MODELS).amount == pytest.approx(0.8)
    job.extra = accepted(job, "12", None)  # the server says the remix is 12 s long
    assert job_cost(job, MODELS).amount == pytest.approx(1.2)


def test_an_unknown_price_is_unknown_never_zero() -> None:
    job = _job(model="veo-3", size="1280x720", status=JobStatus.COMPLETED, video_id="video_4")
    assert job.cost_estimate is None
    cost = job_cost(job, MODELS)
    assert cost.amount is None and not cost.known and cost.billed
    assert cost_text(cost) == "unknown (no price for this model)"
    assert cost_cell_text(cost) == "?"
    assert not estimate("veo-3", "1280x720", "4", MODELS).known


def test_a_size_without_a_price_is_unknown() -> None:
    models = {"m": ModelSpec("m", ("1280x720", "640x480"), price_per_second={"1280x720": 0.2})}
    assert estimate("m", "640x480", "4", models).amount is None
    assert estimate("m", "1280x720", "4", models).amount == pytest.approx(0.8)


def test_a_zero_price_is_free() -> None:
    plan = estimate("sora-2", "720x1280", "8", LOCAL_MODELS)
    assert plan.amount == 0 and plan.known and plan.free
    assert cost_text(plan) == "free (local render)"
    job = _job(status=JobStatus.COMPLETED, video_id="video_5", cost_estimate=0.0)
    cost = job_cost(job)
    assert cost.free and cost_cell_text(cost) == "free" and cost_text(cost) == "free (local render)"


def test_the_profiles_prices_win_over_the_stored_estimate() -> None:
    # An old history's local job was estimated at the paid price; the local profile's table says it is free.
    job = _job(status=JobStatus.DOWNLOADED, video_id="video_6")
    assert job.cost_estimate == pytest.approx(0.8)
    assert job_cost(job).amount == pytest.approx(0.8)
    assert job_cost(job, LOCAL_MODELS).free


def test_an_old_history_job_reads_as_before() -> None:
    doc = {"local_id": "job_0123456789abcdef", "params": {"prompt": "x", "model": "sora-2", "size": "1280x720",
                                                          "seconds": 4},
           "status": "completed", "video_id": "video_7", "cost_estimate": 0.4}
    cost = job_cost(Job.from_doc(doc))
    assert cost.amount == pytest.approx(0.4) and not cost.estimate


def test_in_japanese(ja: None) -> None:
    assert cost_text(estimate("sora-2", "720x1280", "8", LOCAL_MODELS)) == "無料（ローカルレンダー）"
    never = job_cost(_job(status=JobStatus.FAILED))
    assert cost_cell_text(never) == "未請求" and cost_text(never).startswith("未請求")
    unknown = estimate("veo-3", "1280x720", "4", MODELS)
    assert cost_text(unknown).startswith("不明")
    assert cost_cell_text(job_cost(_job(status=JobStatus.COMPLETED, video_id="v", cost_estimate=0.0))) == "無料"


def test_each_profile_keeps_its_prices(tmp_path) -> None:
    from sora_tui.config import Paths, load_profile

    config = tmp_path / "config.toml"
    config.write_text(
        '[profiles.bench]\n'  # another local-engine profile: free unless it says otherwise
        'engine_speed = "instant"\n'
        '[profiles.gateway]\n'
        'base_url = "https://videos.example.com/v1"\n'
        'api_key_env = "GATEWAY_KEY"\n'
        '[profiles.gateway.models.sora-2]\n'
        '[profiles.gateway.models.house-model]\n'
        'sizes = ["1280x720"]\n'
        'seconds = ["4"]\n'
        '[profiles.gateway.models.cheap]\n'
        'sizes = ["1280x720"]\n'
        'seconds = ["4"]\n'
        'price_per_second = 0.05\n', encoding="utf-8")
    config.chmod(0o600)
    paths = Paths(home=tmp_path, config_file=config)
    env = {"GATEWAY_KEY": "sk-gateway-0123456789"}

    def plan(profile: str, model: str, size: str = "1280x720"):
        return estimate(model, size, "4", load_profile(paths, profile, environ=env).models)

    assert plan("local", "sora-2").free and plan("bench", "sora-2").free
    assert plan("openai", "sora-2").amount == pytest.approx(0.4)
    assert plan("gateway", "sora-2").amount == pytest.approx(0.4)  # a known model keeps its published price
    assert not plan("gateway", "house-model").known  # a model nobody priced
    assert plan("gateway", "cheap").amount == pytest.approx(0.2)
    custom = load_profile(paths, base_url="https://other.example.com/v1", environ=env)
    assert estimate("sora-2", "1280x720", "4", custom.models).amount == pytest.approx(0.4)


def test_a_job_of_the_built_in_engine_is_free_whatever_an_older_estimate_said() -> None:
    """Before the engine's prices were zero its jobs were estimated at the published ones ($0.40 for 4 s): the
    details, the tables and the ledger must not add those up as money spent."""
    from sora_tui.core.cost import doc_cost

    old = _job(seconds="4", status=JobStatus.DOWNLOADED, video_id="video_1", profile="local",
               server="http://127.0.0.1:8089/v1", cost_estimate=0.4)
    assert job_cost(old).free and doc_cost(old.to_doc()).free
    assert cost_text(job_cost(old)) == "free (local render)"
    # a paid server on loopback (a LiteLLM proxy on this machine) is priced as any other
    proxy = _job(seconds="4", status=JobStatus.DOWNLOADED, video_id="video_2", profile="proxy",
                 server="http://127.0.0.1:4000/v1", cost_estimate=0.4)
    assert job_cost(proxy).amount == pytest.approx(0.4) and doc_cost(proxy.to_doc()).amount == pytest.approx(0.4)
    # a profile named local that points at a remote server (only a hand-edited config can) is priced too
    remote = _job(seconds="4", status=JobStatus.DOWNLOADED, video_id="video_3", profile="local",
                  server="https://api.example.com/v1", cost_estimate=0.4)
    assert job_cost(remote).amount == pytest.approx(0.4)
