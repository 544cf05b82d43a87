"""What the service, backend, store and config layers tell a person, in Japanese: real failures (a refused value,
the local engine refusing the key or rate-limiting, a damaged history file on disk, a download whose name is
taken), each read under the `ja` fixture and, for the same failure, in English as it always read. The server's
own words stay as the server sent them (redacted); everything sora-tui adds around them is translated. What is
data stays English in both: error codes, the capability check's findings, the sidecar's label."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from sora_tui.backend import BackendError, VideosBackend
from sora_tui.backend.capabilities import CheckResult, check_profile
from sora_tui.config import ConfigError, Paths, load_profile
from sora_tui.core.job import Job
from sora_tui.core.params import GenerationParams, InvalidParams, validate_params
from sora_tui.core.status import JobStatus
from sora_tui.engine import EngineConfig, start_engine_thread
from sora_tui.service import JobService, ServiceNotice
from sora_tui.store import HistoryStore

PROMPT = "a red kite over a windy beach, slow pan left, gulls crying"
# What the engine says when refusing WRONG_KEY: its own words, with the key it echoes redacted by the client.
SERVER_SAYS = "Incorrect API key provided: wro***c6a5. (request made with key [redacted])"
ENGINE_KEY = "engine-only-key-0f3a9c"  # what the engine wants
WRONG_KEY = "wrong-key-7d2e41b8c6a5"  # what the client sends: echoed back by echo-key, never shown
# Runs of Latin letters sora-tui's own English would leave in a message (server text, ids, paths aside).
ENGLISH = re.compile(r"\b(the|does|not|choose|was|were|could|server|history|saved|check|retry|wait)\b",
                     re.IGNORECASE)


def _engine(tmp_path: Path, name: str, **config: object) -> Iterator[object]:
    handle = start_engine_thread(EngineConfig(speed="instant", state_dir=tmp_path / name, **config))  # type: ignore[arg-type]
    try:
        yield handle
    finally:
        handle.stop()


@pytest.fixture
def keyed_engine(tmp_path: Path) -> Iterator[object]:
    """An engine that takes one key only and echoes the caller's key in its errors (a gateway that does)."""
    yield from _engine(tmp_path, "keyed", api_key=ENGINE_KEY, modes="echo-key")


@pytest.fixture
def busy_engine(tmp_path: Path) -> Iterator[object]:
    """An engine whose first create answers 429 with Retry-After: 600."""
    yield from _engine(tmp_path, "busy", modes="retry-after-long")


async def _service(tmp_path: Path, base_url: str, key: str) -> tuple[JobService, VideosBackend, HistoryStore]:
    store = HistoryStore(tmp_path / "history.json")
    backend = VideosBackend(base_url, key, max_retries=0)
    return JobService(store, backend, profile="local", download_dir=tmp_path / "downloads"), backend, store


# --- params ------------------------------------------------------------------------------------------------
def test_a_refused_seconds_value_reads_in_japanese(ja: None) -> None:
    with pytest.raises(InvalidParams) as caught:
        validate_params(GenerationParams(PROMPT, seconds="7"))
    assert caught.value.field == "seconds"  # the field is data: the composer marks it whatever the language
    assert caught.value.message == "sora-2 は 7秒を生成できません。4, 8, 12, 16, 20秒のどれかを選んでください。"

    with pytest.raises(InvalidParams) as caught:
        validate_params(GenerationParams(PROMPT, size="1920x1080"))
    assert caught.value.message == ("sora-2 は 1920x1080 を生成できません。720x1280, 1280x720 のどれかを選んでください"
                                    "(大きいサイズには sora-2-pro を使ってください)。")

    with pytest.raises(InvalidParams) as caught:
        validate_params(GenerationParams("  "))
    assert caught.value.message == "プロンプトが空です。作りたい動画を説明してください。"


def test_a_refused_seconds_value_reads_as_before_in_english() -> None:
    with pytest.raises(InvalidParams) as caught:
        validate_params(GenerationParams(PROMPT, seconds="7"))
    assert caught.value.message == "sora-2 does not render 7 s; choose one of 4, 8, 12, 16, 20 seconds."
    with pytest.raises(InvalidParams) as caught:
        validate_params(GenerationParams(PROMPT, size="1920x1080"))
    assert caught.value.message == ("sora-2 does not render 1920x1080; choose one of 720x1280, 1280x720 "
                                    "(or use sora-2-pro for larger sizes).")


def test_a_reference_image_of_the_wrong_size_reads_in_japanese(ja: None, tmp_path: Path) -> None:
    from PIL import Image

    from sora_tui.service.reference import ImageSizeMismatch, check_reference_image

    picture = tmp_path / "first.png"
    Image.new("RGB", (640, 360), "navy").save(picture)
    with pytest.raises(ImageSizeMismatch) as caught:
        check_reference_image(str(picture), "1280x720")
    assert caught.value.message == (
        f"参照画像 {picture} は 640x360 ですが、動画は 1280x720 です。最初のフレームは動画のサイズと一致している必要"
        "があります。1280x720 にリサイズまたは切り抜くか、画像に合うサイズを選んでください。")


# --- the server refuses the key (401) -------------------------------------------------------------------------
async def _refused_key(tmp_path: Path, engine: object) -> tuple[BackendError, Job]:
    service, backend, store = await _service(tmp_path, engine.base_url, WRONG_KEY)  # type: ignore[attr-defined]
    try:
        with pytest.raises(BackendError) as caught:
            await service.generate(GenerationParams(PROMPT))
        [job] = store.all()
        return caught.value, job
    finally:
        await backend.aclose()
        store.close()


async def test_a_refused_key_reads_in_japanese_and_stays_redacted(ja: None, tmp_path: Path,
                                                                  keyed_engine: object) -> None:
    exc, job = await _refused_key(tmp_path, keyed_engine)
    base = keyed_engine.base_url  # type: ignore[attr-defined]
    assert exc.kind == "auth" and exc.status == 401 and exc.code == "invalid_api_key"  # data: English
    shown = exc.user_message()
    assert shown == (f"サーバー {base} がAPIキーを拒否しました: {SERVER_SAYS}(HTTP 401)。このプロファイルのAPIキーを"
                     "確認してください(環境変数は設定されていますか、キーはまだ有効ですか)。")
    assert WRONG_KEY not in shown  # the key the server echoed is never shown
    assert not ENGLISH.search(shown.replace(SERVER_SAYS, "").replace(base, ""))
    # The failed job keeps its reason as data in English (what --json and scripts read), and what was said in
    # Japanese beside it for the screens; its code is the server's.
    assert job.status == JobStatus.FAILED and job.error is not None
    assert job.error.code == "invalid_api_key" and job.error.said == shown == job.error.shown
    assert job.error.message == (f"The server at {base} refused the API key: {SERVER_SAYS} (HTTP 401). Check the API "
                                 "key for this profile (is the environment variable set, is the key still valid?).")
    assert WRONG_KEY not in json.dumps(job.to_doc())
    from sora_tui.cli import job_json

    assert job_json(job)["error"] == {"code": "invalid_api_key", "message": job.error.message}  # no Japanese


async def test_a_refused_key_reads_as_before_in_english(tmp_path: Path, keyed_engine: object) -> None:
    exc, _job = await _refused_key(tmp_path, keyed_engine)
    base = keyed_engine.base_url  # type: ignore[attr-defined]
    assert exc.user_message() == (
        f"The server at {base} refused the API key: {SERVER_SAYS} "
        "(HTTP 401). Check the API key for this profile (is the environment variable set, is the key still valid?).")


# --- the server rate-limits a create (429) ---------------------------------------------------------------------
async def _rate_limited(tmp_path: Path, engine: object, monkeypatch: pytest.MonkeyPatch) -> tuple[Job, list[str]]:
    from sora_tui.service import jobs

    # A Retry-After longer than the service waits out: it fails the job at once and says so (600 s > 60 s).
    monkeypatch.setattr(jobs, "MAX_CREATE_WAIT", 60.0)
    service, backend, store = await _service(tmp_path, engine.base_url, "any-key")  # type: ignore[attr-defined]
    notices: list[str] = []
    service.subscribe(lambda e: notices.append(e.message) if isinstance(e, ServiceNotice) else None)
    try:
        [job] = await service.generate(GenerationParams(PROMPT))
        return job, notices
    finally:
        await backend.aclose()
        store.close()


async def test_a_rate_limited_create_reads_in_japanese(ja: None, tmp_path: Path, busy_engine: object,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    job, _notices = await _rate_limited(tmp_path, busy_engine, monkeypatch)
    assert job.status == JobStatus.FAILED and job.error is not None
    assert job.error.code == "rate_limit_exceeded"
    message = job.error.shown  # said in Japanese; kept as data in English, word for word as in English
    assert job.error.message.startswith("Rate limited: ") and job.error.message.endswith("Retry it later.")
    assert message.startswith("レート制限中: ") and "(HTTP 429)。" in message
    assert message.endswith("サーバーが新しいジョブをレート制限しているため(10分待つよう求められました)、sora-tui は"
                            "再送信しませんでした。何も作成されておらず、料金もかかっていません。後で再試行してください。")


async def test_a_rate_limited_create_reads_as_before_in_english(tmp_path: Path, busy_engine: object,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    job, _notices = await _rate_limited(tmp_path, busy_engine, monkeypatch)
    assert job.error is not None and job.error.message.startswith("Rate limited: ")
    assert job.error.message.endswith(
        "(HTTP 429). The server is rate-limiting new jobs (it asked to wait 10 min), so sora-tui did not send it "
        "again; nothing was created or billed. Retry it later.")


async def test_a_rate_limited_poll_reads_in_japanese(ja: None, service: JobService) -> None:
    """The tracker's own word for a 429 while polling: it waits by itself, and says so (once)."""
    said: list[str] = []
    service.subscribe(lambda e: said.append(e.message) if isinstance(e, ServiceNotice) else None)
    refused = BackendError("rate_limited", "レート制限中: Rate limit reached", 429)
    service.tracker._notice(refused)
    service.tracker._notice(refused)
    assert said == ["レート制限中: Rate limit reached(HTTP 429)。追跡はサーバーの指示どおり待ってから、自動で続けます。"]


# --- a damaged history file, recovered ------------------------------------------------------------------------
def _damage(tmp_path: Path) -> tuple[Path, Job]:
    path = tmp_path / "history.json"
    store = HistoryStore(path)
    job = Job.new(GenerationParams("kept"))
    store.add(job)
    store.close()
    HistoryStore(path).close()  # a new start refreshes the .bak
    good = path.read_bytes()
    path.write_bytes(good[: len(good) // 2])  # a write cut off mid-way
    return path, job


def test_a_damaged_history_file_is_recovered_and_said_in_japanese(ja: None, tmp_path: Path) -> None:
    path, job = _damage(tmp_path)
    again = HistoryStore(path)
    try:
        assert again.get(job.local_id) is not None
        [kept] = tmp_path.glob("history.json.corrupt-*")
        note = again.recovery_note or ""
        assert note.startswith(f"履歴ファイルが破損していました({path} は破損しています(")
        # the document cut off is read back from the journal, which replays on top; the cut line is said
        assert note.endswith(f"{kept.name} として残しました。履歴には現在1件のジョブがあります(その後の変更1件は"
                             "ジャーナルから)。破損した1行は読み込めませんでした。")
    finally:
        again.close()


def test_a_damaged_history_file_is_recovered_and_said_as_before_in_english(tmp_path: Path) -> None:
    path, _job = _damage(tmp_path)
    again = HistoryStore(path)
    try:
        [kept] = tmp_path.glob("history.json.corrupt-*")
        assert again.recovery_note is not None and again.recovery_note.startswith(
            f"The history file was damaged ({path} is damaged (")
        assert again.recovery_note.endswith(
            f"It was kept as {kept.name}; the history now holds 1 job (1 changed since, from the journal). 1 damaged "
            "line could not be read.")
    finally:
        again.close()


def test_a_damaged_journal_line_is_said_in_japanese(ja: None, tmp_path: Path) -> None:
    path = tmp_path / "history.json"
    store = HistoryStore(path)
    store.add(Job.new(GenerationParams("in the snapshot")))
    store.compact()
    store.add(Job.new(GenerationParams("in the journal")))
    store.close()
    journal = path.with_name("history.json.journal")
    journal.write_bytes(b"garbage that is not json\n" + journal.read_bytes())
    again = HistoryStore(path)
    try:
        [kept] = tmp_path.glob("history.json.damaged-*")
        assert again.recovery_note == (f"履歴に破損したジャーナル行1行(各1件の変更)がありました。{kept.name} に退避し、"
                                       "それ以外はすべて読み込みました(2件のジョブ)。")
    finally:
        again.close()


# --- a download saved as "name (2)" ----------------------------------------------------------------------------
async def _taken(service: JobService) -> tuple[list[str], Path, Job]:
    notices: list[str] = []
    service.subscribe(lambda e: notices.append(e.message) if isinstance(e, ServiceNotice) else None)
    [job] = await service.generate(GenerationParams(PROMPT, size="1280x720", seconds="4"))
    [job] = await service.wait([job], timeout=60)
    planned = service.namer.path_for(job, "video", service.download_dir)
    planned.parent.mkdir(parents=True)
    planned.write_bytes(b"the user's own video")
    await service.download(job, "video")
    return notices, planned, job


async def test_a_download_saved_as_name_2_is_said_in_japanese(ja: None, service: JobService) -> None:
    notices, planned, job = await _taken(service)
    stem = planned.name.removesuffix(".mp4")
    assert notices == [(f"{job.short_id}: {planned.parent} には sora-tui が書いていないファイル {planned.name} がすでに"
                        f"あるため、動画は {stem} (2).mp4 として保存しました。")]
    # the files and the sidecar are data: their names and the label stay as they are
    sidecar = json.loads((planned.parent / f"{stem} (2).json").read_text())
    assert sidecar["label"] == "Procedural render by the sora-tui local engine; not AI-generated."


async def test_a_download_saved_as_name_2_is_said_as_before_in_english(service: JobService) -> None:
    notices, planned, job = await _taken(service)
    stem = planned.name.removesuffix(".mp4")
    assert notices == [(f"{job.short_id}: {planned.name} was already taken in {planned.parent} by a file sora-tui "
                        f"did not write, so the video was saved as {stem} (2).mp4.")]


# --- what a download or the engine check says -----------------------------------------------------------------
def test_download_and_server_errors_read_in_japanese(ja: None) -> None:
    from sora_tui.backend.downloads import _refused
    from sora_tui.core.job import asset_name

    refused = _refused({"variant": asset_name("thumbnail"), "id": "video_123"})
    assert refused.user_message() == (
        "サーバーが video_123 のサムネイルの送信を拒否しました: ファイル全体のリクエストに「range not satisfiable」と"
        "応答しました(HTTP 416)。サーバーで内部エラーが起きました。通常は時間をおいて再試行すれば成功します。")
    assert BackendError("wrong_asset", "x").advice.startswith("サーバー(または ?variant= クエリを落とす")
    assert not any(ENGLISH.search(BackendError(kind, "").advice) for kind in (
        "auth", "unreachable", "timeout", "rate_limited", "bad_request", "not_found", "expired", "server", "network",
        "truncated", "unsupported", "disk", "protocol", "wrong_asset"))


async def test_a_capability_check_is_data_in_english_and_read_in_japanese(ja: None, tmp_path: Path) -> None:
    """`--json` prints the check's findings and the app reads "no answer" in them: they stay English; the summary
    a person reads is Japanese."""
    result = CheckResult(problem="no answer from http://127.0.0.1:9 within 10 s")
    assert result.to_dict()["problem"] == "no answer from http://127.0.0.1:9 within 10 s"
    assert result.summary() == "http://127.0.0.1:9 から 10秒以内に応答がありません"
    partial = CheckResult(reachable=True, key_accepted=True,
                          operations={"list": True, "remix": True, "edits": False, "delete": None},
                          unknown={"delete": "the server was busy (429)"})
    assert partial.summary() == "接続可、キー有効; 対応: 一覧、リミックス; 非対応: 編集; 不明: 削除(サーバーが混雑中 (429))"
    # a profile without a key: the same finding, data and summary
    paths = _paths(tmp_path, '[profiles.far]\nbase_url = "http://127.0.0.1:9/v1"\napi_key_env = "FAR_KEY"\n')
    found = await check_profile(load_profile(paths, "far", environ={}))
    assert found.problem == "no key: set FAR_KEY" and found.summary() == "キーなし: FAR_KEY を設定"


def _paths(tmp_path: Path, config: str) -> Paths:
    home = tmp_path / "home"
    home.mkdir(mode=0o700)
    paths = Paths(home, home / "config.toml")
    paths.config_file.write_text(config, encoding="utf-8")
    paths.config_file.chmod(0o600)
    return paths


def test_a_config_error_reads_in_japanese(ja: None, tmp_path: Path) -> None:
    paths = _paths(tmp_path, '[profiles.far]\nbase_url = "ftp://far"\n')
    with pytest.raises(ConfigError) as caught:
        load_profile(paths, "far", environ={})
    assert str(caught.value) == (f"{paths.config_file} [profiles.far] base_url: 'ftp://far' は http(s) のURLではありません"
                                 "(例: http://127.0.0.1:4000/v1)。")
    with pytest.raises(ConfigError) as caught:
        load_profile(paths, "nowhere", environ={})
    assert str(caught.value).startswith("'nowhere' という名前のプロファイルはありません(あるもの: far, local, openai)。")
