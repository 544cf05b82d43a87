"""The `sora-tui` command: the TUI by default, and the headless commands the README lists (their exit codes too)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from . import __version__
from .core.text import json_for_terminal, strip_control

# Exit codes (the contract): 0 ok, 1 a job failed, 2 bad usage or bad input, 3 server unreachable or auth failure.
EXIT_OK, EXIT_JOB_FAILED, EXIT_USAGE, EXIT_SERVER = 0, 1, 2, 3


class CliError(Exception):
    def __init__(self, message: str, code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="sora-tui",
        description="Terminal workbench for /v1/videos (Sora 2 protocol) servers. With no command, opens the TUI.",
        epilog="Exit codes: 0 ok, 1 a job failed, 2 bad usage or input, 3 server unreachable or auth failure.",
    )
    p.add_argument("--version", action="version", version=f"sora-tui {__version__}")
    p.add_argument("--profile", metavar="NAME", help="profile from the config file (default: local engine)")
    p.add_argument("--base-url", metavar="URL", help="talk to this /v1 server (key from OPENAI_API_KEY)")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    e = sub.add_parser("engine", help="run the built-in local /v1/videos engine in the foreground")
    e.add_argument("--host", default="127.0.0.1")
    e.add_argument("--port", type=int, default=8089)
    e.add_argument("--speed", choices=["instant", "fast", "realistic"], default="fast")
    e.add_argument("--faults", default="", metavar="SPEC", help="e.g. 429:0.2,500:0.1,reset:0.05,slow:0.1,truncate:0.05")
    e.add_argument("--seed", type=int, default=0)
    e.add_argument("--state-dir", type=Path, default=None, help="where the engine keeps videos (default: in the data dir)")
    e.add_argument("--api-key-env", metavar="NAME", default=None,
                   help="accept only the key in this environment variable (default: any non-empty key)")
    from .engine.modes import parse_modes  # light: loads no server code

    e.add_argument("--mode", type=parse_modes, default=frozenset(), metavar="LIST",
                   help="answer like another kind of server, e.g. processing,uuid-ids or litellm-like "
                        "(python -m sora_tui.engine --help lists them); default strict")

    g = sub.add_parser("generate", help="create a video (or N variations)")
    g.add_argument("prompt")
    g.add_argument("--model")
    g.add_argument("--size", metavar="WxH")
    g.add_argument("--seconds")
    g.add_argument("--image", metavar="PATH", help="reference image (first frame): path, URL or data URL")
    g.add_argument("--fit", choices=["crop", "pad", "scale"],
                   help="make a reference image of another size fit: crop to fill, pad (letterbox) or scale (stretch)")
    g.add_argument("--character", action="append", default=[], metavar="ID_OR_NAME",
                   help="a cameo character (from `characters list`) to use; its name must appear in the prompt")
    g.add_argument("--variations", type=int, default=1, metavar="N")
    g.add_argument("--wait", action="store_true", help="wait until the jobs finish")
    g.add_argument("--download", action="store_true", help="download when finished (implies --wait)")
    g.add_argument("--assets", default="video", metavar="LIST",
                   help="with --download: comma list of video,thumbnail,spritesheet (default video)")
    g.add_argument("--out", type=Path, metavar="DIR")
    g.add_argument("--json", action="store_true")

    j = sub.add_parser("jobs", help="list the history")
    j.add_argument("--status")
    j.add_argument("--search", metavar="TEXT", help="only prompts/tags/notes containing TEXT")
    j.add_argument("--limit", type=int, default=None)
    j.add_argument("--json", action="store_true")

    s = sub.add_parser("show", help="one job in detail")
    s.add_argument("id")
    s.add_argument("--json", action="store_true")

    d = sub.add_parser("download", help="download a finished job's video, thumbnail or spritesheet")
    d.add_argument("id")
    d.add_argument("--variant", choices=["video", "thumbnail", "spritesheet"], default="video",
                   help="a picture the server cannot give is made from the video (default: video)")
    d.add_argument("--out", type=Path, metavar="DIR",
                   help="save it in DIR (already on disk elsewhere: a copy in DIR, never over a file there)")
    d.add_argument("--json", action="store_true")

    for name, helptext in (("remix", "remix a completed video with a new prompt"),
                           ("edit", "edit a completed video with a new prompt"),
                           ("extend", "extend a completed video (stitched)")):
        r = sub.add_parser(name, help=helptext)
        r.add_argument("id")
        r.add_argument("prompt")
        if name == "extend":
            r.add_argument("--seconds", default="4", help="seconds to add: 4, 8, 12, 16 or 20")
        r.add_argument("--wait", action="store_true")
        r.add_argument("--download", action="store_true")
        r.add_argument("--json", action="store_true")

    rt = sub.add_parser("retry", help="run a job again with the same parameters")
    rt.add_argument("id")
    rt.add_argument("--wait", action="store_true")
    rt.add_argument("--download", action="store_true")
    rt.add_argument("--json", action="store_true")

    dl = sub.add_parser("delete", help="delete a video on the server (the history keeps the record)")
    dl.add_argument("id")
    dl.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    dl.add_argument("--json", action="store_true")

    rs = sub.add_parser("resume", help="reconcile and finish jobs left running by an earlier session")
    rs.add_argument("--json", action="store_true")

    x = sub.add_parser("export", help="export the history")
    x.add_argument("--format", choices=["jsonl", "csv"], default="jsonl")
    x.add_argument("--out", type=Path, metavar="FILE")

    from . import cli_server

    cli_server.add_commands(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from .crash import crash_guard

    with crash_guard() as guard:
        code = _dispatch(args)
    return guard.exit_code if guard.crashed else code


def _dispatch(args: argparse.Namespace) -> int:
    from .backend.errors import BackendError
    from .config import ConfigError
    from .core.files import TemplateError
    from .core.params import InvalidParams
    from .service.jobs import ServiceError
    from .session import SessionError
    from .store.history import HistoryError

    try:
        if args.command is None:
            from .tui.app import run_tui

            return run_tui(profile=args.profile, base_url=args.base_url)
        if args.command == "engine":
            return _engine(args)
        return asyncio.run(_run(args))
    except KeyboardInterrupt:
        _err("interrupted; jobs keep running on the server — `sora-tui resume` picks them up.")
        return 130
    except BrokenPipeError:
        # The reader went away (`sora-tui jobs | head -1`): it has what it wanted; end quietly, as Unix tools do.
        _silence_stdout()
        return EXIT_OK
    except HistoryError as exc:  # the history cannot be used as asked (newer, a directory, a full disk)
        _err(str(exc))
        return EXIT_USAGE
    except (InvalidParams, ServiceError, TemplateError) as exc:
        _err(getattr(exc, "message", str(exc)))
        return EXIT_USAGE
    except ConfigError as exc:
        _err(str(exc))
        return EXIT_USAGE
    except LookupError as exc:  # JobNotFound / AmbiguousJob from the store
        _err(str(exc.args[0]) if exc.args else str(exc))
        return EXIT_USAGE
    except SessionError as exc:
        _err(exc.message)
        return exc.exit_code
    except CliError as exc:
        _err(exc.message)
        return exc.code
    except BackendError as exc:
        _err(exc.user_message())
        return EXIT_SERVER if exc.kind in ("auth", "unreachable", "timeout") else (EXIT_USAGE if exc.kind == "bad_request" else EXIT_JOB_FAILED)


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so the interpreter's last flush at exit does not fail on the closed pipe again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass


def _err(message: str) -> None:
    from .core.text import strip_control

    print(f"sora-tui: {strip_control(message)}", file=sys.stderr)


def _engine(args: argparse.Namespace) -> int:
    from .config import Paths
    from .engine import EngineConfig, serve

    state_dir = args.state_dir
    if state_dir is None:
        paths = Paths.from_env()
        paths.ensure()
        state_dir = paths.engine_dir / "foreground"
    from .engine.faults import FaultSpecError
    from .engine.launcher import EngineStartError

    def listening(base_url: str) -> None:
        print(f"sora-tui local engine (procedural renders, not AI) on {base_url} — any bearer key works. Ctrl+C stops it.",
              file=sys.stderr, flush=True)

    required = None
    if args.api_key_env:
        required = os.environ.get(args.api_key_env, "").strip()
        if not required:
            raise CliError(f"--api-key-env: the environment variable {args.api_key_env} is not set or empty.")
    config = EngineConfig(host=args.host, port=args.port, speed=args.speed, faults=args.faults, seed=args.seed,
                          state_dir=state_dir, api_key=required, modes=args.mode)
    try:
        serve(config, on_listening=listening)
    except KeyboardInterrupt:  # Ctrl+C is how the foreground engine is meant to stop
        print("sora-tui local engine stopped.", file=sys.stderr)
    except FaultSpecError as exc:
        raise CliError(f"--faults: {exc}") from None
    except EngineStartError as exc:
        raise CliError(f"{exc}. Pick another --port (0 picks a free one).") from None
    return EXIT_OK


async def _run(args: argparse.Namespace) -> int:
    from .session import prepare

    if args.command == "export":
        return _export(args)
    if args.command in ("jobs", "show"):
        return _history(args)
    from . import cli_server

    if args.command in cli_server.COMMANDS and not cli_server.needs_server(args):
        return await cli_server.run(None, args, _toolbox())
    # Each handler checks its input against the profile and the history first, then connects.
    session = prepare(args.profile, args.base_url)
    if session.store.recovery_note:
        _err(session.store.recovery_note)
    try:
        if args.command in cli_server.COMMANDS:
            await session.connect()
            return await cli_server.run_connected(session, args, _toolbox())
        handler = {
            "generate": _generate, "download": _download, "remix": _derived, "edit": _derived, "extend": _derived,
            "retry": _retry, "delete": _delete, "resume": _resume,
        }[args.command]
        return await handler(session, args)
    finally:
        await session.aclose()


def _toolbox() -> Any:
    """What cli_server's commands print and raise with (one set of output rules for every command)."""
    from types import SimpleNamespace

    from .core.text import strip_control

    return SimpleNamespace(print_json=_print_json, err=_err, CliError=CliError, job_json=job_json, safe=strip_control,
                           EXIT_OK=EXIT_OK, EXIT_USAGE=EXIT_USAGE, EXIT_JOB_FAILED=EXIT_JOB_FAILED, EXIT_SERVER=EXIT_SERVER)


# --- output ----------------------------------------------------------------------------------------
def job_json(job: Any) -> dict[str, Any]:
    doc = job.to_doc()
    doc["id"] = job.video_id
    return doc


def _print_json(obj: Any) -> None:
    # Safe on a terminal and the same data for a parser: the export's JSON lines are written the same way.
    sys.stdout.write(json_for_terminal(json.dumps(obj, ensure_ascii=False)) + "\n")


def _print_jobs(jobs: list[Any], as_json: bool) -> None:
    from .cli_format import job_line
    from .core.status import JobStatus

    for job in jobs:  # why a job failed goes to stderr, whatever stdout carries
        if job.status in (JobStatus.FAILED, JobStatus.CANCELED, JobStatus.EXPIRED, JobStatus.UNCERTAIN) and job.error:
            _err(f"{job.short_id} {job.status.value}: {job.error.message}")
    if as_json:
        if len(jobs) == 1:
            _print_json(job_json(jobs[0]))
        else:
            for job in jobs:
                _print_json(job_json(job))
        return
    for job in jobs:
        print(job_line(job))


def _exit_for(jobs: list[Any]) -> int:
    from .core.status import JobStatus

    bad = {JobStatus.FAILED, JobStatus.CANCELED, JobStatus.EXPIRED, JobStatus.UNCERTAIN}
    return EXIT_JOB_FAILED if any(j.status in bad or _missing_downloads(j) for j in jobs) else EXIT_OK


def _missing_downloads(job: Any) -> list[str]:
    """Assets asked for with --download that are not on disk (the download failed)."""
    from .core.status import JobStatus

    if job.status not in (JobStatus.COMPLETED, JobStatus.DOWNLOADED):
        return []
    return [v for v in job.auto_download if job.file(v) is None]


def _assets(text: str) -> list[str]:
    items = [a.strip() for a in text.split(",") if a.strip()]
    bad = [a for a in items if a not in ("video", "thumbnail", "spritesheet")]
    if bad or not items:
        raise CliError(f"--assets takes video, thumbnail and/or spritesheet, not {','.join(bad) or 'nothing'}.")
    return items


@contextlib.contextmanager
def _notices(session: Any) -> Iterator[None]:
    """What the service says while a job is being sent (the server asked to wait ten minutes before another
    create...) reaches stderr: a command that pauses says why, terminal or not."""
    from .service.events import ServiceNotice

    unsubscribe = session.service.subscribe(lambda event: _err(event.message) if isinstance(event, ServiceNotice) else None)
    try:
        yield
    finally:
        unsubscribe()


async def _follow(session: Any, jobs: list[Any] | None, as_json: bool) -> list[Any]:
    """Wait for jobs, showing progress on a terminal's stderr (never on stdout, which may be JSON)."""
    from .cli_format import ProgressPrinter
    from .service.events import DownloadFailed

    printer = ProgressPrinter(sys.stderr, enabled=sys.stderr.isatty() and not os.environ.get("SORA_TUI_NO_PROGRESS"))
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
        for variant in _missing_downloads(job):
            ref = job.short_id
            again = f"sora-tui download {ref}" + ("" if variant == "video" else f" --variant {variant}") + " --out DIR"
            reason = failures.get((job.local_id, variant), "it did not finish.")
            _err(f"could not save the {variant} of {ref}: {reason} The video is still on the server; "
                 f"fetch it with: {again}")
    return done


async def _generate(session: Any, args: argparse.Namespace) -> int:
    from .core.params import GenerationParams, validate_params

    profile = session.profile
    model = args.model or profile.default_model
    spec = profile.models.get(model)
    params = GenerationParams(
        prompt=args.prompt,
        model=model,
        size=args.size or ("720x1280" if spec is None or "720x1280" in spec.sizes else spec.sizes[0]),
        seconds=args.seconds or ("4" if spec is None or "4" in spec.seconds else spec.seconds[0]),
        image=args.image,
    )
    validate_params(params, profile.models, listed_only=profile.models_listed)
    if not 1 <= args.variations <= 8:
        raise CliError("Variations must be between 1 and 8.")
    if args.fit and not args.image:
        raise CliError("--fit needs --image.")
    characters = _characters(session, args.character, args.prompt)
    if args.image and not args.fit:
        from .service.reference import ImageSizeMismatch, check_reference_image

        try:
            check_reference_image(args.image, params.size)
        except ImageSizeMismatch as exc:
            raise CliError(f"{exc.message} Or let sora-tui make it fit: --fit crop (fill the frame, cutting the edges), "
                           "--fit pad (letterbox) or --fit scale (stretch).") from None
    if args.fit:
        from .service.reference import fit_reference_image

        fitted = fit_reference_image(args.image, params.size, args.fit, session.paths.home / "references")
        _err(f"fitted {args.image} to {params.size} ({args.fit}): {fitted}")
        params = GenerationParams(params.prompt, params.model, params.size, params.seconds, str(fitted))
    auto = _assets(args.assets) if args.download else []
    await session.connect()
    with _notices(session):
        jobs = await session.service.generate(params, variations=args.variations, auto_download=auto,
                                              download_dir=args.out, character_ids=characters)
    if args.wait or args.download:
        jobs = await _follow(session, jobs, args.json)
    _print_jobs(jobs, args.json)
    return _exit_for(jobs)


def _characters(session: Any, refs: list[str], prompt: str) -> list[str]:
    """--character values: ids, or names from the local character list; the name must be in the prompt."""
    from .store.characters import CharacterBook

    book = CharacterBook(session.paths.home / "characters.json")
    ids = []
    for ref in refs:
        found = book.find(ref)
        if found is None and not ref.startswith("char"):
            raise CliError(f"--character {ref!r}: no such character here; `sora-tui characters list` shows them.")
        if found is not None and found.name not in prompt:
            raise CliError(f"--character {ref!r}: write its name {found.name!r} in the prompt, exactly as it is; "
                           "that is how the server knows where the character appears.")
        ids.append(found.id if found else ref)
    if len(ids) > 2:
        raise CliError("At most 2 characters per video.")
    return ids


async def _derived(session: Any, args: argparse.Namespace) -> int:
    from .core.params import validate_prompt

    job = session.store.resolve(args.id)
    validate_prompt(args.prompt)
    auto = ["video"] if args.download else []
    service = (await session.connect()).service
    with _notices(session):
        if args.command == "remix":
            new = await service.remix(job, args.prompt, auto_download=auto)
        elif args.command == "edit":
            new = await service.edit(job, args.prompt, auto_download=auto)
        else:
            new = await service.extend(job, args.prompt, args.seconds, auto_download=auto)
    jobs = [new]
    if args.wait or args.download:
        jobs = await _follow(session, jobs, args.json)
    _print_jobs(jobs, args.json)
    return _exit_for(jobs)


async def _retry(session: Any, args: argparse.Namespace) -> int:
    job = session.store.resolve(args.id)
    await session.connect()
    with _notices(session):
        new = await session.service.retry(job, auto_download=["video"] if args.download else [])
    jobs = [new]
    if args.wait or args.download:
        jobs = await _follow(session, jobs, args.json)
    _print_jobs(jobs, args.json)
    return _exit_for(jobs)


async def _download(session: Any, args: argparse.Namespace) -> int:
    job = session.store.resolve(args.id)
    await session.connect()
    with _notices(session):  # a name already taken, a picture made from the video: said on stderr
        record = await session.service.download(job, args.variant, args.out)
    path, copied_from = record.path, None
    if args.out is not None and Path(record.path).parent.resolve() != args.out.resolve():
        path, copied_from = await _copy_out(record, args.out), record.path  # it was on disk elsewhere
    if args.json:
        _print_json({"id": job.video_id, "local_id": job.local_id, "variant": record.variant, "path": path,
                     "bytes": record.bytes, "sha256": record.sha256, "short_id": job.short_id,
                     "made_locally": record.made_locally, "copied_from": copied_from})
    else:
        print(path)
    return EXIT_OK


async def _copy_out(record: Any, out: Path) -> str:
    """`download --out DIR` for a file already downloaded elsewhere: a copy of it in DIR (a hard link where
    the filesystem allows), never over a file there, and said."""
    from .backend.errors import BackendError
    from .service.files import copy_into

    try:
        placed, how = await asyncio.to_thread(copy_into, Path(record.path), out)
    except OSError as exc:
        raise CliError(f"the {record.variant} is already downloaded ({record.path}), but no copy could be "
                       f"put in {out}: {exc.strerror or exc}. Choose a writable directory.") from None
    except BackendError as exc:  # every name a copy could take there is taken
        raise CliError(f"the {record.variant} is already downloaded ({record.path}), but "
                       f"{exc.user_message()}") from None
    said = {"linked": f"linked it into {out} as {placed.name} (a hard link: the same file, no extra space)",
            "copied": f"copied it to {placed}",
            "already there": f"{out} already holds the same file as {placed.name}; nothing was written"}[how]
    _err(f"the {record.variant} was already downloaded to {record.path}; {said}.")
    return str(placed)


async def _delete(session: Any, args: argparse.Namespace) -> int:
    job = session.store.resolve(args.id)
    if not args.yes:
        if not sys.stdin.isatty():
            raise CliError("delete needs --yes when not run from a terminal (it cannot be undone).")
        answer = input(f"Delete {job.short_id} ({strip_control(job.video_id)}) on the server? This cannot be undone. "
                       "[y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            _err("not deleted.")
            return EXIT_OK
    await session.connect()
    updated = await session.service.delete_remote(job)
    if args.json:
        _print_json({"id": updated.video_id, "deleted": True, "short_id": updated.short_id})
    else:
        print(f"deleted {updated.short_id} ({strip_control(updated.video_id)}) on the server (still in your "
              "history)")
    return EXIT_OK


async def _resume(session: Any, args: argparse.Namespace) -> int:
    await session.connect()
    jobs = await _follow(session, None, args.json)  # None: whatever an earlier session left
    _print_jobs(jobs, args.json) if jobs else (None if args.json else print("nothing to resume"))
    return _exit_for(jobs)


def _history(args: argparse.Namespace) -> int:
    from .config import Paths
    from .session import open_store

    store = open_store(Paths.from_env())
    try:
        if store.recovery_note:
            _err(store.recovery_note)
        if args.command == "show":
            job = store.resolve(args.id)
            if args.json:
                _print_json(job_json(job))
            else:
                from .cli_format import job_detail

                print(job_detail(job))
            return EXIT_OK
        from .cli_format import job_line

        # The matches' ids only, then their jobs a page at a time, each page printed and let go: decoding
        # every match at once held them all (`jobs --search` over 50,000 matches peaked at 218 MB, 80 MB for
        # one match).
        ids = store.search(status=args.status, text=args.search, limit=args.limit, decode=0).later
        for at in range(0, len(ids), _PAGE):
            for job in store.get_many(ids[at:at + _PAGE]):
                if args.json:
                    _print_json(job_json(job))
                else:
                    print(job_line(job))
        if not ids and not args.json:
            _err("no jobs in the history yet — try: "
                 "sora-tui generate \"a red kite over a windy beach\" --wait")
        return EXIT_OK
    finally:
        store.close()


_PAGE = 500  # jobs decoded at a time when a command prints many


def _export(args: argparse.Namespace) -> int:
    from .config import Paths
    from .session import open_store

    store = open_store(Paths.from_env())
    try:
        lines = store.export(args.format)
        if args.out:
            tmp = args.out.with_name(args.out.name + ".tmp")
            try:
                with open(tmp, "w", encoding="utf-8", newline="") as fh:
                    fh.writelines(line if line.endswith("\n") else line + "\n" for line in lines)
                os.replace(tmp, args.out)
            except OSError as exc:
                tmp.unlink(missing_ok=True) if tmp.parent.is_dir() else None
                raise CliError(f"cannot write {args.out}: {exc.strerror or exc}. Choose a path in an existing, "
                               "writable directory.") from None
            _err(f"exported to {args.out}")
        else:
            for line in lines:
                sys.stdout.write(line if line.endswith("\n") else line + "\n")
        return EXIT_OK
    finally:
        store.close()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
