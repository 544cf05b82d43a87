"""Maintain the message catalogs with Babel (a test and development tool, not needed to run the app).

    python scripts/catalog.py update          # extract every _() / N_() / ngettext() / pgettext() string
                                              # from src/sora_tui into each language's .po (translations kept,
                                              # new messages empty, gone ones dropped), then compile the .mo
    python scripts/catalog.py merge A.po ...  # take the translations in A.po ... into the catalogs, then compile
    python scripts/catalog.py check           # what tests/core/test_catalogs.py checks; exit 1 with a list
    python scripts/catalog.py fragment OUT.po FILE...
                                              # the messages of some source files alone, with the translations
                                              # OUT.po or the catalog already has: for translating one part at
                                              # a time; lists what is still untranslated

A message is a Python format string with named fields ("Saved {name}"), so a translation can put them in its
own order; check fails when a translation's fields differ from the message's.
"""

from __future__ import annotations

import contextlib
import fcntl
import io
import re
import string
import sys
from collections.abc import Iterator
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "src" / "sora_tui"
LOCALE = SOURCE / "locale"
DOMAIN = "sora_tui"
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2)}


def languages() -> list[str]:
    return sorted(p.name for p in LOCALE.iterdir() if (p / "LC_MESSAGES" / f"{DOMAIN}.po").is_file())


def po_path(lang: str) -> Path:
    return LOCALE / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def extract(only: set[Path] | None = None) -> Catalog:
    """Every marked message in the sources (or in the files `only`), with where it is used."""
    template = Catalog(project="sora-tui", domain=DOMAIN, charset="utf-8")
    # The locale folder holds no code; the engine speaks only to programs, never to a person.
    skip = re.compile(r"(^|/)(locale|engine)(/|$)")
    for filename, lineno, message, comments, context in extract_from_dir(
        str(SOURCE), keywords=KEYWORDS, directory_filter=lambda d: not skip.search(Path(d).as_posix())
    ):
        if only is not None and (SOURCE / filename).resolve() not in only:
            continue
        template.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return template


def read(lang: str) -> Catalog:
    with po_path(lang).open("rb") as f:
        return read_po(f, locale=lang, domain=DOMAIN)


def write(lang: str, catalog: Catalog) -> None:
    out = io.BytesIO()
    write_po(out, catalog, width=116, sort_output=True, omit_header=False, ignore_obsolete=True,
             include_lineno=False)
    po_path(lang).write_bytes(out.getvalue())
    compile_mo(lang, catalog)


def mo_bytes(catalog: Catalog) -> bytes:
    out = io.BytesIO()
    write_mo(out, catalog, use_fuzzy=False)
    return out.getvalue()


def compile_mo(lang: str, catalog: Catalog | None = None) -> None:
    catalog = catalog if catalog is not None else read(lang)
    po_path(lang).with_suffix(".mo").write_bytes(mo_bytes(catalog))


@contextlib.contextmanager
def _locked() -> Iterator[None]:
    """One writer at a time: several people (or agents) may run update and merge in one checkout."""
    # Beside the checkout, not in the package: a lock file under src/ would be shipped in the wheel.
    with (ROOT / ".catalog.lock").open("a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        yield


def update() -> None:
    with _locked():
        _update()


def _update() -> None:
    template = extract()
    for lang in languages():
        catalog = read(lang)
        template.creation_date = catalog.creation_date  # an unchanged catalog stays byte for byte the same
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        write(lang, catalog)


def merge(fragments: list[Path]) -> None:
    with _locked():
        _merge(fragments)


def _merge(fragments: list[Path]) -> None:
    for lang in languages():
        catalog = read(lang)
        for path in fragments:
            with path.open("rb") as f:
                part = read_po(f, locale=lang, domain=DOMAIN)
            for message in part:
                if not message.id or not message.string:
                    continue
                mine = catalog.get(message.id, context=message.context)
                if mine is not None:
                    mine.string = message.string
                    mine.flags.discard("fuzzy")
        write(lang, catalog)


def fragment(out: Path, files: list[Path]) -> list[str]:
    """Write OUT.po with the messages of `files`; returns the ones without a translation yet."""
    template = extract({f.resolve() for f in files})
    known: list[Catalog] = []
    if out.is_file():
        with out.open("rb") as f:
            known.append(read_po(f, locale="ja", domain=DOMAIN))
    known += [read(lang) for lang in languages()]
    missing = []
    for message in template:
        if not message.id:
            continue
        for catalog in known:
            have = catalog.get(message.id, context=message.context)
            if have is not None and have.string and (not isinstance(have.string, tuple) or all(have.string)):
                message.string = have.string
                break
        else:
            missing.append(message.id if isinstance(message.id, str) else message.id[0])
    buf = io.BytesIO()
    write_po(buf, template, width=116, sort_output=True, include_lineno=True)
    out.write_bytes(buf.getvalue())
    return missing


def _fields(text: str) -> set[str]:
    try:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError:
        return {"<broken braces>"}


def problems() -> list[str]:
    """Why the catalogs are not complete and current, one line each (nothing when they are)."""
    found: list[str] = []
    template = extract()
    wanted = {(m.id if isinstance(m.id, str) else m.id[0], m.context) for m in template if m.id}
    for lang in languages():
        catalog = read(lang)
        have = {}
        for m in catalog:
            if m.id:
                have[(m.id if isinstance(m.id, str) else m.id[0], m.context)] = m
        for key in sorted(wanted - have.keys(), key=str):
            found.append(f"{lang}: not in the catalog: {key[0]!r}")
        for key, m in sorted(have.items(), key=lambda kv: str(kv[0])):
            if key not in wanted:
                found.append(f"{lang}: no longer used in the code: {key[0]!r}")
                continue
            ids = m.id if isinstance(m.id, tuple) else (m.id,)
            strings = m.string if isinstance(m.string, tuple) else (m.string,)
            if not all(strings) or m.fuzzy:
                found.append(f"{lang}: untranslated: {ids[0]!r}")
                continue
            for text in strings:
                if _fields(text) != _fields(ids[-1]) and _fields(text) != _fields(ids[0]):
                    found.append(f"{lang}: fields differ in {ids[0]!r}: {text!r}")
        mo = po_path(lang).with_suffix(".mo")
        if not mo.is_file() or mo.read_bytes() != mo_bytes(catalog):
            found.append(f"{lang}: {mo.name} is not compiled from the current .po (python scripts/catalog.py update)")
    return found


def main(argv: list[str]) -> int:
    if argv and argv[0] == "fragment" and len(argv) > 2:
        missing = fragment(Path(argv[1]), [Path(p) for p in argv[2:]])
        for text in missing:
            print(f"untranslated: {text!r}")
        return 1 if missing else 0
    if not argv or argv[0] not in ("update", "merge", "check", "compile"):
        print(__doc__)
        return 2
    if argv[0] == "update":
        update()
    elif argv[0] == "merge":
        merge([Path(p) for p in argv[1:]])
    elif argv[0] == "compile":
        for lang in languages():
            compile_mo(lang)
    found = problems()
    for line in found:
        print(line)
    return 1 if found and argv[0] == "check" else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
