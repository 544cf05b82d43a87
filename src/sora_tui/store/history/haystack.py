"""Text search: the entries' casefolded texts (prompt, tags, notes) joined in pieces, searched with bytes.find and
each hit mapped back to its entry.

A needle typed on from the last one (the history browser's next keystroke) is looked for first among the last one's
matches: every match of "lighthouse a" holds "lighthouse ", so the texts that do not were ruled out already. The
last search may have stopped at its limit (a page of the newest matches): its matches are all known only as far as
it went, and the new one goes on scanning from there; the history browser scans on between keystrokes
(`_scan_on`), so the next one usually finds them all known.

State owned here: _narrowing, the last search's matches and how far they are complete (for the haystack they were
found in); it builds the index's _haystack (index.py), for the order it stands for."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator
from itertools import accumulate

from .index import Index, _Entry

HAYSTACK_PIECE = 2_048  # entries joined per piece of the text search's haystack (~400 kB of prompts)
# Matches kept for the next, longer needle: below this, testing each of them is cheaper than a pass over the haystack
# (a pass over 100,000 prompts when little matches: ~6 ms; `in` over 5,000 texts: ~0.5 ms).
NARROWING_MAX = 5_000


class TextSearch(Index):
    """The text search's haystack, and the hits in it."""

    # (the _haystack they were found in, the needle, its matches newest first as (place in the order, entry), the
    # place in the order up to which they are all of them) | None
    _narrowing: tuple[object, str, list[tuple[int, _Entry]], int] | None = None

    def _text_hits(self, needle: str, oldest_first: bool) -> Iterator[_Entry]:
        """The entries whose prompt, tags or notes hold `needle` (casefolded), newest first (or oldest first).

        Found with bytes.find over the entries' texts joined a few thousand at a time (C speed: ~6 ms through
        100,000 prompts when nothing matches, where `needle in e.hay` per entry took 15-40 ms), each hit mapped back
        to its entry by offset. In pieces, not one 20 MB string: a find or a join holds the GIL throughout, and
        the event loop waits behind it (one join of all of them held it 23 ms)."""
        order, pieces = self._newest_first(), self._haystack_pieces()
        want = needle.encode()
        if not want:
            yield from (reversed(order) if oldest_first else order)
            return
        stamp, last = self._haystack, self._narrowing
        if last is not None and last[0] is stamp and last[1] in needle and (last[3] == len(order) or not oldest_first):
            # the same test as the bytes' find, one entry at a time
            known = [(at, e) for at, e in last[2] if needle in e.hay]
            if oldest_first:  # all of them known (only then is the last search used oldest first)
                self._narrowing = (stamp, needle, known, len(order))
                yield from (e for _, e in reversed(known))
                return
            hits = self._known_then_scanned(known, self._scan(pieces, order, want, False, last[3]))
        elif oldest_first:
            hits = self._scan(pieces, order, want, True)
        else:
            hits = self._scan(pieces, order, want, False)
        found: list[tuple[int, _Entry]] | None = []  # the matches given, while few enough to keep for the next needle
        upto = 0  # the place in the order up to which every match was given
        try:
            for at, entry in hits:
                if found is not None:
                    found.append((at, entry))
                    if len(found) > NARROWING_MAX:
                        found = None
                upto = at + 1
                yield entry
            upto = len(order)  # every match was asked for
        finally:  # also when the search stops at its limit and closes this generator
            if found is not None and (not oldest_first or upto == len(order)):
                self._narrowing = (stamp, needle, found[::-1] if oldest_first else found, upto)
            elif found is None:
                self._narrowing = None

    def _scan_on(self, pieces_at_once: int) -> bool:
        """Go on with the last search's scan where it stopped at its page, a few pieces of the haystack further, so
        that the next needle typed on from it is looked for among known matches instead of through the rest of the
        haystack (4-8 ms of the next keystroke at 100,000 jobs). True while there is more to scan; False when every
        match is known, or there are too many to keep, or the haystack changed since."""
        last = self._narrowing
        if last is None:
            return False
        stamp, needle, found, upto = last
        order = self._newest_first()
        haystack = self._haystack
        if haystack is None or stamp is not haystack or haystack[0] is not order or upto >= len(order):
            return False
        pieces = self._haystack_pieces()
        end = min(len(order), (upto // HAYSTACK_PIECE + pieces_at_once) * HAYSTACK_PIECE)
        more = []
        for at, entry in self._scan(pieces, order, needle.encode(), False, upto):
            if at >= end:  # found again by the next call, which starts from `end`
                break
            more.append((at, entry))
        if len(found) + len(more) > NARROWING_MAX:
            self._narrowing = None
            return False
        self._narrowing = (stamp, needle, found + more, end)
        return end < len(order)

    @staticmethod
    def _known_then_scanned(known: list[tuple[int, _Entry]],
                            scanned: Iterator[tuple[int, _Entry]]) -> Iterator[tuple[int, _Entry]]:
        yield from known
        yield from scanned

    @staticmethod
    def _scan(pieces: list[tuple[bytes, list[int]]], order: list[_Entry], want: bytes,
              oldest_first: bool, start: int = 0) -> Iterator[tuple[int, _Entry]]:
        """(place in the order, entry) of each entry whose text holds `want`, through the haystack's pieces with
        bytes.find (or rfind); newest first from the entry at `start`."""
        n = len(want)
        first = start // HAYSTACK_PIECE
        for k in (range(len(pieces) - 1, -1, -1) if oldest_first else range(first, len(pieces))):
            joined, starts = pieces[k]
            base = k * HAYSTACK_PIECE
            if oldest_first:
                end = len(joined)
                while (pos := joined.rfind(want, 0, end)) >= 0:
                    i = bisect_right(starts, pos) - 1
                    if pos + n < starts[i + 1]:  # inside entry i (not across the separator after it)
                        yield base + i, order[base + i]
                        end = max(0, starts[i] - 1)
                    else:
                        end = pos + n - 1
                continue
            pos = joined.find(want, starts[start - base] if k == first and start > base else 0)
            while pos >= 0:
                i = bisect_right(starts, pos) - 1
                if pos + n < starts[i + 1]:
                    yield base + i, order[base + i]
                    pos = joined.find(want, starts[i + 1])
                else:
                    pos = joined.find(want, pos + 1)

    def _haystack_pieces(self) -> list[tuple[bytes, list[int]]]:
        """The text search's haystack for the current order, built when the order or a text changed."""
        order = self._newest_first()
        if self._haystack is None or self._haystack[0] is not order:
            self._haystack = (order, _haystack(order))
        return self._haystack[1]



def _haystack(order: list[_Entry]) -> list[tuple[bytes, list[int]]]:
    """The entries' texts as UTF-8 (so a prompt with one emoji does not make all of it four bytes a character),
    NUL-separated, HAYSTACK_PIECE entries a piece, with where each entry starts in its piece and one more start
    marking the piece's end."""
    pieces = []
    for at in range(0, len(order), HAYSTACK_PIECE):
        texts = [e.hay.encode() for e in order[at:at + HAYSTACK_PIECE]]
        pieces.append((b"\0".join(texts), list(accumulate((len(t) + 1 for t in texts), initial=0))))
    return pieces
