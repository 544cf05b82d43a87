"""Where a board's run stands, from real jobs: each shot's state and takes, the take chosen, what may be sent now
(within the profile's concurrency), the take chosen without asking, and the shots that stop the run."""

from __future__ import annotations

from itertools import pairwise
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_board import shiba  # the sample's four shots: cut, continue, dissolve 12 frames, cut

from sora_tui.core.board import JOINS, Board, Shot
from sora_tui.core.board_run import (
    ShotProgress,
    finished,
    first_take,
    link,
    only_take,
    progress,
    sendable,
    stuck,
)
from sora_tui.core.board_toml import board_doc, board_from_doc
from sora_tui.core.job import Job
from sora_tui.core.params import GenerationParams
from sora_tui.core.status import JobStatus

SMALL = settings(max_examples=120, deadline=None, derandomize=True, database=None)
BUSY = (JobStatus.SUBMITTING, JobStatus.QUEUED, JobStatus.IN_PROGRESS, JobStatus.UNCERTAIN)
DEAD = (JobStatus.FAILED, JobStatus.CANCELED, JobStatus.EXPIRED)




def cuts(count: int, joins: tuple[str, ...] = ()) -> Board:
    """A board of `count` shots, cuts unless `joins` (one a shot, the first included) says otherwise."""
    joins = joins or ("cut",) * count
    return Board(title="Cuts", shots=tuple(Shot(f"shot {n}", 4, join, 12 if join == "dissolve" else None,
                                                shot_id=f"sht_{n:08d}") for n, join in enumerate(joins, 1)),
                 board_id="brd_cuts00000001")


def take(board: Board, number: int, status: JobStatus, at: float, source: Job | None = None) -> Job:
    """A real job made for shot `number` (from 1) of `board`, created at `at`; an extension of `source` when given,
    as the service writes one."""
    shot = board.shots[number - 1]
    extra: dict[str, Any] = dict(link(board, shot))
    if source is not None:
        extra["source_id"] = source.local_id
        extra["source_video_id"] = source.video_id
    return Job.new(GenerationParams(shot.prompt, seconds=str(shot.seconds)), status=status, created_at=at,
                   extra=extra, kind="extend" if source is not None else "generate")


def chose(board: Board, number: int, job: Job | str | None) -> Board:
    ref = job.local_id if isinstance(job, Job) else job
    return board.choose(board.shots[number - 1].shot_id, ref)


def states(shots: list[ShotProgress]) -> list[str]:
    return [p.state for p in shots]


# --- each shot's state ------------------------------------------------------------------------------------
def test_a_board_without_jobs_is_drafts_and_a_continue_waits_for_the_shot_before() -> None:
    shots = progress(shiba(), [])
    assert states(shots) == ["draft", "waiting", "draft", "draft"]
    assert [p.number for p in shots] == [1, 2, 3, 4]
    assert all(p.takes == () and p.chosen is None for p in shots)
    assert not finished(shots)


def test_a_continue_waits_while_the_shot_before_has_takes_but_none_chosen() -> None:
    board = shiba()
    jobs = [take(board, 1, JobStatus.COMPLETED, 10), take(board, 1, JobStatus.IN_PROGRESS, 11)]
    assert states(progress(board, jobs))[:2] == ["generating", "waiting"]
    jobs[1].status = JobStatus.COMPLETED
    assert states(progress(board, jobs))[:2] == ["ready", "waiting"]


@pytest.mark.parametrize("busy", BUSY)
def test_a_shot_is_generating_while_any_take_is_being_made(busy: JobStatus) -> None:
    board = shiba()
    jobs = [take(board, 1, JobStatus.COMPLETED, 10), take(board, 1, JobStatus.FAILED, 11), take(board, 1, busy, 12)]
    first = progress(board, jobs)[0]
    assert first.state == "generating" and first.busy
    assert first.takes == tuple(jobs) and first.usable == (jobs[0],)
    assert first_take(first) is None and only_take(first) is None  # nothing chosen while a take may still come


@pytest.mark.parametrize("done", [JobStatus.COMPLETED, JobStatus.DOWNLOADED])
def test_a_shot_is_ready_when_its_takes_are_done_and_one_was_made(done: JobStatus) -> None:
    board = shiba()
    jobs = [take(board, 1, JobStatus.FAILED, 10), take(board, 1, done, 11), take(board, 1, JobStatus.CANCELED, 12)]
    first = progress(board, jobs)[0]
    assert first.state == "ready" and not first.busy and first.chosen is None
    assert first.usable == (jobs[1],)


@pytest.mark.parametrize("dead", [DEAD, (JobStatus.FAILED,), (JobStatus.EXPIRED, JobStatus.CANCELED)])
def test_a_shot_failed_when_every_take_failed(dead: tuple[JobStatus, ...]) -> None:
    board = shiba()
    jobs = [take(board, 1, status, 10 + n) for n, status in enumerate(dead)]
    shots = progress(board, jobs)
    assert shots[0].state == "failed" and shots[0].takes == tuple(jobs) and shots[0].usable == ()
    assert shots[1].state == "waiting"


def test_a_chosen_take_by_its_local_id_or_its_short_id() -> None:
    board = shiba()
    a, b = take(board, 1, JobStatus.COMPLETED, 10), take(board, 1, JobStatus.DOWNLOADED, 11)
    for ref in (b.local_id, b.short_id):
        first = progress(chose(board, 1, ref), [a, b])[0]
        assert first.state == "chosen" and first.chosen is b
    assert progress(chose(board, 1, a), [b, a])[0].chosen is a  # the jobs in any order


def test_a_chosen_take_found_through_lookup_when_it_is_not_one_of_the_shots_own() -> None:
    """A take chosen by hand in the board's file: a job of the history made outside the board."""
    board = shiba()
    elsewhere = Job.new(GenerationParams("made by hand, not for the board"), status=JobStatus.DOWNLOADED)
    own = take(board, 1, JobStatus.COMPLETED, 10)
    picked = chose(board, 1, elsewhere.short_id)
    asked: list[str] = []

    def lookup(ref: str) -> Job | None:
        asked.append(ref)
        return elsewhere if ref in (elsewhere.local_id, elsewhere.short_id) else None

    first = progress(picked, [own], lookup)[0]
    assert first.state == "chosen" and first.chosen is elsewhere and first.takes == (own,)
    assert asked == [elsewhere.short_id]
    # without a lookup (or one that finds nothing) the choice names no job: the shot is as its takes say
    assert progress(picked, [own])[0].state == "ready"
    assert progress(chose(board, 1, "job_gone"), [own], lookup)[0].state == "ready"
    # the one found continues the film: the next shot's takes are the extensions of it
    ext = take(board, 2, JobStatus.IN_PROGRESS, 20, source=elsewhere)
    second = progress(picked, [own, ext], lookup)[1]
    assert second.state == "generating" and second.takes == (ext,)


def test_a_chosen_take_that_failed_is_no_choice_and_one_that_expired_still_is() -> None:
    board = shiba()
    bad, good = take(board, 1, JobStatus.FAILED, 10), take(board, 1, JobStatus.COMPLETED, 11)
    first = progress(chose(board, 1, bad), [bad, good])[0]
    assert first.state == "ready" and first.chosen is None
    good.status = JobStatus.EXPIRED  # gone from the server after it was downloaded and chosen: still the film's
    first = progress(chose(board, 1, good), [bad, good])[0]
    assert first.state == "chosen" and first.chosen is good


def test_jobs_of_other_boards_and_of_other_shots_are_not_a_shots_takes() -> None:
    board = shiba()
    other = shiba(board_id="brd_000000000002")
    mine = take(board, 3, JobStatus.COMPLETED, 10)
    theirs = take(other, 1, JobStatus.IN_PROGRESS, 5)
    loose = Job.new(GenerationParams("no board at all"), status=JobStatus.QUEUED)
    shots = progress(board, [theirs, loose, mine])
    assert states(shots) == ["draft", "waiting", "ready", "draft"]
    assert shots[2].takes == (mine,)


def test_takes_are_oldest_first_whatever_order_the_jobs_come_in() -> None:
    board = shiba()
    jobs = [take(board, 1, JobStatus.COMPLETED, at) for at in (30, 10, 20)]
    assert [j.created_at for j in progress(board, jobs)[0].takes] == [10, 20, 30]


def test_a_continued_shots_takes_are_the_extensions_of_the_take_chosen_before_it() -> None:
    board = shiba()
    a, b, c = (take(board, 1, JobStatus.DOWNLOADED, at) for at in (10, 11, 12))
    from_a = take(board, 2, JobStatus.COMPLETED, 20, source=a)
    from_b = [take(board, 2, JobStatus.COMPLETED, 21, source=b), take(board, 2, JobStatus.FAILED, 22, source=b)]
    jobs = [a, b, c, from_a, *from_b]

    unchosen = progress(board, jobs)
    assert states(unchosen)[:2] == ["ready", "waiting"] and unchosen[1].takes == ()

    on_a = progress(chose(board, 1, a), jobs)
    assert on_a[1].state == "ready" and on_a[1].takes == (from_a,)
    assert only_take(on_a[1]) is from_a

    on_b = progress(chose(board, 1, b), jobs)
    assert on_b[1].state == "ready" and on_b[1].takes == tuple(from_b)

    # another take before: the continue is to be made again from it (the old extensions stay in the history)
    on_c = progress(chose(chose(board, 2, from_a), 1, c), jobs)
    assert on_c[1].state == "draft" and on_c[1].takes == () and on_c[1].chosen is None
    assert [p.number for p in sendable(on_c)] == [2, 3, 4]

    # back to a: the extension chosen for shot 2 counts again
    back = progress(chose(chose(board, 2, from_a), 1, a), jobs)
    assert states(back)[:2] == ["chosen", "chosen"] and back[1].chosen is from_a


def test_an_extension_chosen_by_hand_from_another_take_before_is_no_choice() -> None:
    """Shot 2's chosen take extends b, but a is chosen for shot 1 now: the film would not join, so it is not used."""
    board = shiba()
    a, b = take(board, 1, JobStatus.COMPLETED, 10), take(board, 1, JobStatus.COMPLETED, 11)
    from_b = take(board, 2, JobStatus.COMPLETED, 20, source=b)
    shots = progress(chose(chose(board, 1, a), 2, from_b), [a, b, from_b])
    assert shots[1].state == "draft" and shots[1].chosen is None


def test_a_stale_extension_found_through_lookup_is_no_choice_once_another_take_is_chosen_before() -> None:
    """The service always passes the history as `lookup`. Shot 1 had take a chosen and shot 2 the extension of a;
    then a person chose b for shot 1: shot 2 is to be made again from b, and the old extension, found through the
    lookup, is no choice any more (else the run would be "finished" with a's extension in the film)."""
    board = shiba()
    a, b = take(board, 1, JobStatus.DOWNLOADED, 10), take(board, 1, JobStatus.DOWNLOADED, 11)
    from_a = take(board, 2, JobStatus.DOWNLOADED, 20, source=a)
    history = {j.local_id: j for j in (a, b, from_a)}
    rechosen = chose(chose(board, 1, a), 2, from_a)
    rechosen = chose(rechosen, 1, b)
    shots = progress(rechosen, [a, b, from_a], history.get)
    assert shots[1].chosen is None and shots[1].state == "draft"


def test_a_first_shot_marked_continue_is_taken_as_a_cut() -> None:
    board = cuts(2, ("continue", "continue"))
    assert states(progress(board, [])) == ["draft", "waiting"]
    made = take(board, 1, JobStatus.COMPLETED, 10)
    assert progress(board, [made])[0].takes == (made,)


def test_finished_only_when_every_shot_has_its_chosen_take() -> None:
    board = shiba()
    one = take(board, 1, JobStatus.DOWNLOADED, 10)
    two = take(board, 2, JobStatus.DOWNLOADED, 20, source=one)
    three = take(board, 3, JobStatus.DOWNLOADED, 30)
    four = take(board, 4, JobStatus.COMPLETED, 40)
    jobs = [one, two, three, four]
    board = chose(chose(chose(board, 1, one), 2, two), 3, three)
    assert not finished(progress(board, jobs))
    assert finished(progress(chose(board, 4, four), jobs))
    assert finished([])  # nothing to choose


# --- what is sent now -------------------------------------------------------------------------------------
def test_sendable_sends_drafts_in_order_within_the_room_the_busy_shots_leave() -> None:
    board = cuts(5)
    jobs = [take(board, 1, JobStatus.IN_PROGRESS, 10), take(board, 4, JobStatus.FAILED, 11),
            take(board, 5, JobStatus.COMPLETED, 12)]
    shots = progress(board, jobs)
    assert states(shots) == ["generating", "draft", "draft", "failed", "ready"]
    assert [p.number for p in sendable(shots)] == [2, 3]
    assert [p.number for p in sendable(shots, limit=3)] == [2, 3]
    assert [p.number for p in sendable(shots, limit=2)] == [2]  # one is generating: room for one more
    assert sendable(shots, limit=1) == [] and sendable(shots, limit=0) == []
    # failed shots only when a person asks for them again
    assert [p.number for p in sendable(shots, again=True)] == [2, 3, 4]
    assert [p.number for p in sendable(shots, again=True, limit=3)] == [2, 3]


def test_sendable_never_sends_a_waiting_shot_and_counts_every_busy_shot() -> None:
    board = cuts(4, ("cut", "continue", "cut", "cut"))
    jobs = [take(board, 1, JobStatus.QUEUED, 10), take(board, 3, JobStatus.UNCERTAIN, 11)]
    shots = progress(board, jobs)
    assert states(shots) == ["generating", "waiting", "generating", "draft"]
    assert [p.number for p in sendable(shots, again=True)] == [4]
    assert sendable(shots, limit=2) == []
    assert [p.number for p in sendable(shots, limit=3)] == [4]


# --- the take chosen without asking -----------------------------------------------------------------------
def test_only_take_is_the_one_take_the_server_made_once_the_shot_is_done() -> None:
    board = shiba()
    failed, made = take(board, 1, JobStatus.FAILED, 10), take(board, 1, JobStatus.COMPLETED, 11)
    ready = progress(board, [failed, made])[0]
    assert only_take(ready) is made and first_take(ready) is made
    second = take(board, 1, JobStatus.DOWNLOADED, 12)
    two = progress(board, [failed, made, second])[0]
    assert only_take(two) is None  # a person chooses between two (or --pick first does)
    assert first_take(two) is made


def test_first_take_is_the_oldest_the_server_made_not_the_oldest_job() -> None:
    board = shiba()
    jobs = [take(board, 1, JobStatus.DOWNLOADED, 30), take(board, 1, JobStatus.FAILED, 5),
            take(board, 1, JobStatus.CANCELED, 6), take(board, 1, JobStatus.COMPLETED, 20),
            take(board, 1, JobStatus.EXPIRED, 7)]
    ready = progress(board, jobs)[0]
    assert ready.state == "ready" and first_take(ready) is jobs[3]
    assert ready.usable == (jobs[3], jobs[0])


def test_no_take_is_chosen_for_a_shot_that_is_not_ready() -> None:
    board = shiba()
    made = take(board, 1, JobStatus.COMPLETED, 10)
    chosen = progress(chose(board, 1, made), [made])[0]
    failed = progress(board, [take(board, 1, JobStatus.FAILED, 10)])[0]
    for p in (chosen, failed, progress(board, [])[0], progress(board, [])[1]):
        assert only_take(p) is None and first_take(p) is None


# --- what stops the run -----------------------------------------------------------------------------------
def test_stuck_is_a_failed_shot_and_the_continues_waiting_behind_it_not_a_later_cut() -> None:
    board = cuts(7, ("cut", "continue", "continue", "cut", "continue", "dissolve", "continue"))
    jobs = [take(board, 1, JobStatus.FAILED, 10), take(board, 6, JobStatus.EXPIRED, 11)]
    shots = progress(board, jobs)
    assert states(shots) == ["failed", "waiting", "waiting", "draft", "waiting", "failed", "waiting"]
    # shot 5 waits for shot 4, which is still to be sent: that is not stuck
    assert [p.number for p in stuck(shots)] == [1, 2, 3, 6, 7]


def test_nothing_is_stuck_when_nothing_failed() -> None:
    board = shiba()
    made = take(board, 1, JobStatus.COMPLETED, 10)
    assert stuck(progress(board, [made])) == [] and stuck(progress(board, [])) == []


def test_a_failed_shot_sent_again_is_no_longer_stuck() -> None:
    board = cuts(2, ("cut", "continue"))
    failed = take(board, 1, JobStatus.FAILED, 10)
    assert [p.number for p in stuck(progress(board, [failed]))] == [1, 2]
    again = take(board, 1, JobStatus.SUBMITTING, 20)
    shots = progress(board, [failed, again])
    assert states(shots) == ["generating", "waiting"] and stuck(shots) == []


# --- properties -------------------------------------------------------------------------------------------
@st.composite
def runs(draw: st.DrawFn) -> tuple[Board, list[Job]]:
    """A board of 1-6 shots (the first a cut) and random jobs for each shot, in random statuses; a continued shot's
    jobs extend a take of the shot before (any of them, as choices change), a few unrelated jobs beside them."""
    count = draw(st.integers(min_value=1, max_value=6))
    joins = ["cut", *(draw(st.sampled_from(JOINS)) for _ in range(count - 1))]
    text = st.text(max_size=12)
    shots = tuple(Shot(draw(text) or "x", 4 if join == "continue" else draw(st.sampled_from([4, 8, 12])), join,
                       12 if join == "dissolve" else None,
                       image=None if join == "continue" else draw(st.none() | st.just("still.png")),
                       takes=draw(st.none() | st.integers(min_value=1, max_value=3)), shot_id=f"sht_{n:08d}")
                  for n, join in enumerate(joins))
    board = Board(title=draw(text), style=draw(text), takes=draw(st.integers(min_value=1, max_value=4)),
                  shots=shots, board_id="brd_property0001")
    # every status, with the finished ones more often, so runs get far (continues with takes, finished boards)
    statuses = st.sampled_from(list(JobStatus)) | st.sampled_from([JobStatus.COMPLETED, JobStatus.DOWNLOADED])
    clock = st.floats(min_value=0, max_value=1000, allow_nan=False)
    jobs: list[Job] = []
    before: list[Job] = []
    chosen_before: Job | None = None
    for number, shot in enumerate(shots, 1):
        made = []
        for _ in range(draw(st.integers(min_value=0, max_value=3))):
            source = None
            if shot.join == "continue" and number > 1 and before:
                source = chosen_before if chosen_before and draw(st.booleans()) else draw(st.sampled_from(before))
            made.append(take(board, number, draw(statuses), draw(clock), source=source))
        refs = [None, "job_not_in_the_history", *(j.local_id for j in made), *(j.short_id for j in made)]
        usable = [j for j in made if j.status in (JobStatus.COMPLETED, JobStatus.DOWNLOADED)]
        pick = draw(st.sampled_from(usable)) if usable and draw(st.booleans()) else None
        board = chose(board, number, pick.local_id if pick else draw(st.sampled_from(refs)))
        jobs += made
        before, chosen_before = made, pick
    elsewhere = cuts(1)
    jobs += [take(elsewhere, 1, draw(statuses), draw(clock)) for _ in range(draw(st.integers(0, 2)))]
    return board, draw(st.permutations(jobs))


@SMALL
@given(run=runs(), limit=st.none() | st.integers(min_value=0, max_value=4))
def test_the_planner_keeps_its_rules_on_random_runs(run: tuple[Board, list[Job]], limit: int | None) -> None:
    board, jobs = run
    shots = progress(board, jobs)
    assert [p.shot for p in shots] == list(board.shots)
    # (a) a shot that has a take is never sent again unless a person asks
    assert all(not p.takes for p in sendable(shots, again=False, limit=limit))
    assert all(p.state == "draft" for p in sendable(shots, limit=limit))
    if limit is not None:
        busy = sum(p.busy for p in shots)
        assert busy + len(sendable(shots, again=True, limit=limit)) <= max(limit, busy)
    # (b) a continue behind a shot without its chosen take has nothing to extend yet
    for before, p in pairwise(shots):
        if p.shot.join == "continue" and before.state != "chosen":
            assert p.takes == () and p.state == "waiting"
    # (c) finished iff every shot has its chosen take
    assert finished(shots) == all(p.state == "chosen" for p in shots)
    for p in shots:
        assert all(j.extra["board_id"] == board.board_id and j.extra["shot_id"] == p.shot.shot_id for j in p.takes)
        assert [j.created_at for j in p.takes] == sorted(j.created_at for j in p.takes)
        assert (p.state == "chosen") == (p.chosen is not None)
        assert p.state != "failed" or (p.takes and not p.usable)
        assert only_take(p) is None or first_take(p) is only_take(p)
    assert all(p.state in ("failed", "waiting") for p in stuck(shots))
    # (d) the board as the history stores it (through JSON bytes, as the store writes it) comes back the same
    assert board_from_doc(board_doc(board)) == board
    assert board_from_doc(orjson.loads(orjson.dumps(board_doc(board)))) == board
