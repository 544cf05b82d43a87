"""The commands that make jobs: `generate` (a video or N variations, with a reference image and characters),
`remix`, `edit` and `extend` of a finished video, and `retry`."""

from __future__ import annotations

import argparse
from typing import Any

from ...core.i18n import _
from ..exits import CliError
from ..output import err, print_jobs
from .follow import exit_for, follow, notices


async def generate(session: Any, args: argparse.Namespace) -> int:
    from ...core.params import GenerationParams, validate_params

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
        raise CliError(_("Variations must be between 1 and 8."))
    if args.fit and not args.image:
        raise CliError(_("--fit needs --image."))
    characters = _characters(session, args.character, args.prompt)
    if args.image and not args.fit:
        from ...service.reference import ImageSizeMismatch, check_reference_image

        try:
            check_reference_image(args.image, params.size)
        except ImageSizeMismatch as exc:
            raise CliError(_("{reason} Or let sora-tui make it fit: --fit crop (fill the frame, cutting the edges), "
                             "--fit pad (letterbox) or --fit scale (stretch).").format(reason=exc.message)) from None
    if args.fit:
        from ...service.reference import fit_reference_image

        fitted = fit_reference_image(args.image, params.size, args.fit, session.paths.home / "references")
        err(_("fitted {image} to {size} ({fit}): {path}").format(image=args.image, size=params.size, fit=args.fit,
                                                                 path=fitted))
        params = GenerationParams(params.prompt, params.model, params.size, params.seconds, str(fitted))
    auto = _assets(args.assets) if args.download else []
    await session.connect()
    with notices(session):
        jobs = await session.service.generate(params, variations=args.variations, auto_download=auto,
                                              download_dir=args.out, character_ids=characters)
    if args.wait or args.download:
        jobs = await follow(session, jobs, args.json)
    print_jobs(jobs, args.json)
    return exit_for(jobs)


def _characters(session: Any, refs: list[str], prompt: str) -> list[str]:
    """--character values: ids, or names from the local character list; the name must be in the prompt."""
    from ...service.servers import character_book

    book = character_book(session.paths.home)
    ids = []
    for ref in refs:
        found = book.find(ref)
        if found is None and not ref.startswith("char"):
            raise CliError(_("--character {ref}: no such character here; `sora-tui characters list` shows "
                             "them.").format(ref=repr(ref)))
        if found is not None and found.name not in prompt:
            raise CliError(_("--character {ref}: write its name {name} in the prompt, exactly as it is; that is how "
                             "the server knows where the character appears.").format(ref=repr(ref),
                                                                                      name=repr(found.name)))
        ids.append(found.id if found else ref)
    if len(ids) > 2:
        raise CliError(_("At most 2 characters per video."))
    return ids


def _assets(text: str) -> list[str]:
    items = [a.strip() for a in text.split(",") if a.strip()]
    bad = [a for a in items if a not in ("video", "thumbnail", "spritesheet")]
    if bad:
        raise CliError(_("--assets takes video, thumbnail and/or spritesheet, not {given}.").format(given=",".join(bad)))
    if not items:
        raise CliError(_("--assets needs at least one of video, thumbnail and spritesheet."))
    return items


async def derived(session: Any, args: argparse.Namespace) -> int:
    from ...core.params import validate_prompt

    job = session.history.resolve(args.id)
    validate_prompt(args.prompt)
    auto = ["video"] if args.download else []
    service = (await session.connect()).service
    with notices(session):
        if args.command == "remix":
            new = await service.remix(job, args.prompt, auto_download=auto)
        elif args.command == "edit":
            new = await service.edit(job, args.prompt, auto_download=auto)
        else:
            new = await service.extend(job, args.prompt, args.seconds, auto_download=auto)
    jobs = [new]
    if args.wait or args.download:
        jobs = await follow(session, jobs, args.json)
    print_jobs(jobs, args.json)
    return exit_for(jobs)


async def retry(session: Any, args: argparse.Namespace) -> int:
    job = session.history.resolve(args.id)
    await session.connect()
    with notices(session):
        new = await session.service.retry(job, auto_download=["video"] if args.download else [])
    jobs = [new]
    if args.wait or args.download:
        jobs = await follow(session, jobs, args.json)
    print_jobs(jobs, args.json)
    return exit_for(jobs)
