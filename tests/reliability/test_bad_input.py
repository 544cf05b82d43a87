"""The bad-input catalogue: each case is a real `sora-tui` command, its exact user-facing answer and exit code,
and proof that it changed nothing (the history file byte for byte, the server's videos)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from harness import run_cli
from PIL import Image

from sora_tui.core.job import Job, JobError, short_id_for
from sora_tui.core.params import GenerationParams
from sora_tui.core.status import JobStatus
from sora_tui.engine import EngineConfig, start_engine_thread
from sora_tui.store import HistoryStore

DONE = "video_aa11" + "1" * 28
QUEUED = "video_ab22" + "2" * 28
FAILED = "video_cc33" + "3" * 28
# fixed local ids, so that the short ids the answers name are known here
LOCAL = {DONE: "job_d0e0000000000001", QUEUED: "job_9ee0000000000002", FAILED: "job_fa10000000000003"}
SHORT = {video_id: short_id_for(local_id) for video_id, local_id in LOCAL.items()}
NEVER_SENT = "job_neversent0000"


@dataclass
class Case:
    name: str
    args: list[str]
    code: int
    err: str  # the exact stderr (every line), with {home} {tmp} {config} filled in
    setup: Callable[[Path, Path], None] | None = None
    env: dict[str, str] = field(default_factory=dict)
    base_url: bool = True  # talk to the test engine (bad input must be refused before that matters)
    last_line: bool = False  # argparse's own usage text above its error line wraps with the terminal width


def png(path: Path, w: int, h: int, fmt: str = "PNG") -> None:
    Image.new("RGB", (w, h), (20, 120, 200)).save(path, fmt)


def _image(name: str, w: int = 720, h: int = 1280, fmt: str = "PNG") -> Callable[[Path, Path], None]:
    return lambda home, tmp: png(tmp / name, w, h, fmt)


def _write(name: str, data: bytes | str, mode: int | None = None) -> Callable[[Path, Path], None]:
    def make(home: Path, tmp: Path) -> None:
        target = tmp / name
        target.write_bytes(data) if isinstance(data, bytes) else target.write_text(data)
        if mode is not None:
            os.chmod(target, mode)
    return make


def _huge(home: Path, tmp: Path) -> None:
    with open(tmp / "huge.png", "wb") as fh:
        fh.truncate(21 * 1024 * 1024)  # sparse: 21 MB on paper


CONFIG = "{tmp}/config.toml"
P = "a red kite over a windy beach"
CASES = [
    Case("empty prompt", ["generate", ""], 2, "sora-tui: The prompt is empty: describe the video you want."),
    Case("whitespace prompt", ["generate", "  \n\t  "], 2, "sora-tui: The prompt is empty: describe the video you want."),
    Case("prompt over 32,000 characters", ["generate", "x" * 32_001], 2,
         "sora-tui: The prompt has 32,001 characters; the limit is 32,000. Shorten it."),
    Case("escape sequence in the prompt", ["generate", "a kite \x1b]0;owned\x07"], 2,
         "sora-tui: The prompt contains a control character (U+001B at position 8); remove it (line breaks and tabs are fine)."),
    Case("bidi override in the prompt", ["generate", "kite \u202eetik"], 2,
         "sora-tui: The prompt contains a control character (U+202E at position 6); remove it (line breaks and tabs are fine)."),
    Case("size not WxH", ["generate", P, "--size", "big"], 2,
         "sora-tui: Size 'big' is not WIDTHxHEIGHT (for example 1280x720)."),
    Case("1080p on sora-2", ["generate", P, "--size", "1920x1080"], 2,
         "sora-tui: sora-2 does not render 1920x1080; choose one of 720x1280, 1280x720 (or use sora-2-pro for larger sizes)."),
    Case("odd size on sora-2-pro", ["generate", P, "--model", "sora-2-pro", "--size", "640x480"], 2,
         "sora-tui: sora-2-pro does not render 640x480; choose one of 720x1280, 1280x720, 1024x1792, 1792x1024, 1080x1920, 1920x1080."),
    Case("seconds not allowed", ["generate", P, "--seconds", "5"], 2,
         "sora-tui: sora-2 does not render 5 s; choose one of 4, 8, 12, 16, 20 seconds."),
    Case("seconds not a number", ["generate", P, "--seconds=ten"], 2,
         "sora-tui: Seconds 'ten' is not a whole number of seconds."),
    Case("zero variations", ["generate", P, "--variations", "0"], 2, "sora-tui: Variations must be between 1 and 8."),
    Case("nine variations", ["generate", P, "--variations", "9"], 2, "sora-tui: Variations must be between 1 and 8."),
    Case("unknown asset", ["generate", P, "--download", "--assets", "video,poster"], 2,
         "sora-tui: --assets takes video, thumbnail and/or spritesheet, not poster."),
    Case("missing reference image", ["generate", P, "--image", "{tmp}/nope.png"], 2,
         "sora-tui: Reference image {tmp}/nope.png does not exist."),
    Case("reference image is a directory", ["generate", P, "--image", "{tmp}"], 2,
         "sora-tui: Reference image {tmp} cannot be read: Is a directory."),
    Case("reference image is text", ["generate", P, "--image", "{tmp}/notes.png"], 2,
         "sora-tui: Reference image {tmp}/notes.png is not an image sora-tui can read; use a JPEG, PNG or WEBP file.",
         setup=_write("notes.png", "shopping list: eggs")),
    Case("reference image is a GIF", ["generate", P, "--image", "{tmp}/anim.gif"], 2,
         "sora-tui: Reference image {tmp}/anim.gif is a GIF image; the server takes JPEG, PNG or WEBP. Convert it first.",
         setup=_image("anim.gif", fmt="GIF")),
    Case("huge reference image", ["generate", P, "--image", "{tmp}/huge.png"], 2,
         "sora-tui: Reference image {tmp}/huge.png is 22.0 MB; the limit is 20 MB. Save it smaller (it only needs 720x1280).",
         setup=_huge),
    Case("reference image of the wrong size", ["generate", P, "--image", "{tmp}/small.png"], 2,
         "sora-tui: Reference image {tmp}/small.png is 640x480 but the video is 720x1280; the first frame must match "
         "the video size. Resize or crop it to 720x1280, or choose the size that matches the image. Or let sora-tui "
         "make it fit: --fit crop (fill the frame, cutting the edges), --fit pad (letterbox) or --fit scale (stretch).",
         setup=_image("small.png", 640, 480)),
    Case("broken data URL", ["generate", P, "--image", "data:image/png;base64,@@not-base64@@"], 2,
         "sora-tui: The reference image data URL is not valid base64."),
    Case("unknown id", ["show", "video_nope"], 2, "sora-tui: No job matches 'video_nope'; `sora-tui jobs` lists the ids."),
    Case("ambiguous id", ["remix", "video_a", "again"], 2,
         f"sora-tui: 'video_a' matches 2 jobs; give more of the id, or one of these:\n  {SHORT[QUEUED]}  queued one\n"
         f"  {SHORT[DONE]}  finished one"),
    Case("remix of an unfinished job", ["remix", QUEUED, "at dusk"], 2,
         f"sora-tui: Job {SHORT[QUEUED]} is queued; only a completed video can be used for a remix. Wait for it to complete."),
    Case("extend of a failed job", ["extend", FAILED, "more"], 2,
         f"sora-tui: Job {SHORT[FAILED]} failed; only a completed video can be used for an extension. Retry it first."),
    Case("edit of a job that never reached the server", ["edit", NEVER_SENT, "brighter"], 2,
         f"sora-tui: Job {short_id_for(NEVER_SENT)} never reached the server, so it cannot be used for an edit; retry it "
         "instead."),
    Case("extension seconds not allowed", ["extend", DONE, "more", "--seconds", "5"], 2,
         "sora-tui: An extension adds 4, 8, 12, 16, 20 seconds, not '5'."),
    Case("remix with an empty prompt", ["remix", DONE, " "], 2, "sora-tui: The prompt is empty: describe the video you want."),
    Case("download of an unfinished job", ["download", QUEUED], 2,
         f"sora-tui: Job {SHORT[QUEUED]} is queued; only completed videos can be downloaded."),
    Case("unknown download variant", ["download", DONE, "--variant", "poster"], 2,
         "sora-tui download: error: argument --variant: invalid choice: 'poster' "
         "(choose from 'video', 'thumbnail', 'spritesheet')", last_line=True),
    Case("unknown export format", ["export", "--format", "xml"], 2,
         "sora-tui export: error: argument --format: invalid choice: 'xml' (choose from 'jsonl', 'csv')", last_line=True),
    Case("delete without --yes, not on a terminal", ["delete", DONE], 2,
         "sora-tui: delete needs --yes when not run from a terminal (it cannot be undone)."),
    Case("delete of a job with no server id", ["delete", NEVER_SENT, "--yes"], 2,
         f"sora-tui: Job {short_id_for(NEVER_SENT)} has no server id; nothing to delete on the server."),
    Case("export into a missing directory", ["export", "--out", "{tmp}/no/such/dir/h.csv", "--format", "csv"], 2,
         "sora-tui: cannot write {tmp}/no/such/dir/h.csv: No such file or directory. Choose a path in an existing, writable directory."),
    Case("base URL that is not http", ["--base-url", "ftp://example/v1", "generate", P], 2,
         "sora-tui: --base-url: 'ftp://example/v1' is not an http(s) URL (for example http://127.0.0.1:4000/v1).", base_url=False),
    Case("unknown profile", ["--profile", "nope", "generate", P], 2,
         "sora-tui: No profile named 'nope' (known: local, openai). Add [profiles.nope] to {tmp}/config.toml.", base_url=False),
    Case("config that is not TOML", ["generate", P], 2,
         "sora-tui: {tmp}/config.toml: not valid TOML (Expected '=' after a key in a key/value pair (at line 1, column 6)). "
         "Fix the file or move it away.", setup=_write("config.toml", "this is not toml"), base_url=False),
    Case("config timeout that is not a number", ["generate", P], 2,
         "sora-tui: {tmp}/config.toml [profiles.proxy] timeout: expected a number, not 'soon'.",
         setup=_write("config.toml", 'default_profile = "proxy"\n[profiles.proxy]\nbase_url = "http://127.0.0.1:9/v1"\ntimeout = "soon"\n'),
         base_url=False),
    Case("config holding a key, readable by others", ["generate", P], 2,
         "sora-tui: {tmp}/config.toml holds an API key but is readable by other users: run `chmod 600 {tmp}/config.toml`.",
         setup=_write("config.toml", 'default_profile = "proxy"\n[profiles.proxy]\nbase_url = "http://127.0.0.1:9/v1"\n'
                                     'api_key = "sk-in-a-shared-file-0000"\n', mode=0o644), base_url=False),
    Case("profile key variable not set", ["generate", P], 3,
         "sora-tui: Profile 'proxy' needs an API key: set SORA_TUI_TEST_NO_SUCH_KEY in the environment.",
         setup=_write("config.toml", 'default_profile = "proxy"\n[profiles.proxy]\nbase_url = "http://127.0.0.1:9/v1"\n'
                                     'api_key_env = "SORA_TUI_TEST_NO_SUCH_KEY"\n'), base_url=False),
]


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    handle = start_engine_thread(EngineConfig(speed="instant", state_dir=tmp_path_factory.mktemp("engine")))
    try:
        yield handle
    finally:
        handle.stop()


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("template")
    store = HistoryStore(home / "history.json")
    for job in (Job.new(GenerationParams("finished one"), status=JobStatus.COMPLETED, video_id=DONE),
                Job.new(GenerationParams("queued one"), status=JobStatus.QUEUED, video_id=QUEUED),
                Job.new(GenerationParams("failed one"), status=JobStatus.FAILED, video_id=FAILED,
                        error=JobError("moderation_blocked", "blocked"))):
        job.local_id = LOCAL[job.video_id]
        store.add(job)
    never = Job.new(GenerationParams("never sent"), status=JobStatus.FAILED, error=JobError("unreachable", "no server"))
    never.local_id = NEVER_SENT
    store.add(never)
    store.close()
    return home


def test_the_catalogue_has_at_least_thirty_cases() -> None:
    assert len(CASES) >= 30 and len({c.name for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input(case: Case, engine, template: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    shutil.copytree(template, home)
    if case.setup:
        case.setup(home, tmp_path)
    fill = {"home": str(home), "tmp": str(tmp_path)}
    args = [a.format(**fill) if "{" in a and "}" in a else a for a in case.args]
    env = {"SORA_TUI_CONFIG": str(tmp_path / "config.toml"), **case.env}
    before = (home / "history.json").read_bytes()
    videos_before = len(engine.engine.state.videos)
    if case.base_url:
        r = run_cli(home, engine.base_url, *args, env_extra=env)
    else:
        r = run_cli(home, None, *args, env_extra=env)
    said = r.stderr.rstrip("\n").splitlines()[-1] if case.last_line else r.stderr.rstrip("\n")
    assert said == case.err.format(**fill), r.stderr
    assert r.returncode == case.code, r.stderr
    assert r.stdout == ""
    assert (home / "history.json").read_bytes() == before, "the history changed"
    assert len(engine.engine.state.videos) == videos_before, "the server was asked to make a video"
    assert not list(home.glob("downloads/*")) if (home / "downloads").exists() else True


def test_markup_in_a_prompt_is_accepted_and_kept_literally(engine, tmp_path: Path) -> None:
    import json

    home = tmp_path / "home"
    prompt = "[bold red]a kite[/] [@click=app.quit]x[/] :rocket: $accent {field} %s"
    r = run_cli(home, engine.base_url, "generate", prompt, "--json")
    assert r.returncode == 0, r.stderr
    job = json.loads(r.stdout)
    assert job["params"]["prompt"] == prompt
    shown = run_cli(home, engine.base_url, "show", job["id"])
    assert prompt in shown.stdout
