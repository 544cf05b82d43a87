"""The commands that read the history alone, with no server: `jobs` (the listing, a page at a time; `--kept`: the
takes chosen with Keep), `show` and `export`."""

from __future__ import annotations

import argparse
import os
import sys

from ...core.i18n import _
from ..exits import EXIT_OK, CliError
from ..output import err, job_json, print_json

_PAGE = 500  # jobs decoded at a time when a command prints many


def jobs_or_show(args: argparse.Namespace) -> int:
    from ...config import Paths
    from ...session import open_store

    store = open_store(Paths.from_env())
    try:
        if store.recovery_note:
            err(store.recovery_note)
        if args.command == "show":
            job = store.resolve(args.id)
            if args.json:
                print_json(job_json(job))
            else:
                from ..listing import job_detail

                print(job_detail(job))
            return EXIT_OK
        from ..listing import job_line, jobs_header
        from ..output import terminal_width

        # On a terminal the listing fits its width, under a header; a pipe gets every column and no header.
        width = None if args.json else terminal_width()
        # The matches' ids only, then their jobs a page at a time, each page printed and let go: decoding
        # every match at once held them all (`jobs --search` over 50,000 matches peaked at 218 MB, 80 MB for
        # one match).
        ids = store.search(status=args.status, text=args.search, kept=True if args.kept else None, limit=args.limit,
                           decode=0).later
        if ids and width is not None:
            print(jobs_header(width))
        for at in range(0, len(ids), _PAGE):
            for job in store.get_many(ids[at:at + _PAGE]):
                if args.json:
                    print_json(job_json(job))
                else:
                    print(job_line(job, width))
        if not ids and not args.json and args.kept:
            err(_("no kept takes: in the TUI, compare the takes of a group (=) and keep the best one (k)"))
        elif not ids and not args.json:
            err(_("no jobs in the history yet — try: sora-tui generate \"a red kite over a windy beach\" --wait"))
        return EXIT_OK
    finally:
        store.close()


def export(args: argparse.Namespace) -> int:
    from ...config import Paths
    from ...session import open_store

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
                raise CliError(_("cannot write {path}: {reason}. Choose a path in an existing, writable "
                                 "directory.").format(path=args.out, reason=exc.strerror or exc)) from None
            err(_("exported to {path}").format(path=args.out))
        else:
            for line in lines:
                sys.stdout.write(line if line.endswith("\n") else line + "\n")
        return EXIT_OK
    finally:
        store.close()
