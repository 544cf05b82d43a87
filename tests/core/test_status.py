"""The rule that a running job never goes backwards on screen or in the history (core.status.forward), against
any sequence of what a jumpy gateway may report."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from sora_tui.core.status import ACTIVE, JobStatus, forward

observations = st.lists(st.tuples(st.sampled_from([JobStatus.QUEUED, JobStatus.IN_PROGRESS]),
                                  st.integers(-50, 250)), min_size=1, max_size=30)


@given(observations)
def test_a_running_job_only_moves_forward(seen_reports: list[tuple[JobStatus, int]]) -> None:
    seen = (JobStatus.SUBMITTING, 0)
    for status, progress in seen_reports:
        shown = forward(seen, status, progress)
        assert shown[0] in ACTIVE and 0 <= shown[1] <= 99  # never "done" by a number alone, never below zero
        assert shown[1] >= seen[1]
        assert not (seen[0] == JobStatus.IN_PROGRESS and shown[0] == JobStatus.QUEUED)
        seen = shown


def test_a_finished_job_is_taken_as_the_server_says() -> None:
    assert forward((JobStatus.IN_PROGRESS, 80), JobStatus.COMPLETED, 100) == (JobStatus.COMPLETED, 100)
    assert forward((JobStatus.IN_PROGRESS, 80), JobStatus.FAILED, 0) == (JobStatus.FAILED, 0)
    assert forward((JobStatus.IN_PROGRESS, 40), JobStatus.QUEUED, 10) == (JobStatus.IN_PROGRESS, 40)
    assert forward((JobStatus.QUEUED, 0), JobStatus.IN_PROGRESS, 140) == (JobStatus.IN_PROGRESS, 99)
