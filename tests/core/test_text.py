"""Display helpers for untrusted text: one safe line, and file names cut where they say the least; every cut and pad
in terminal cells (a Japanese glyph is two, a combining mark none), never splitting a glyph."""

from __future__ import annotations

import unicodedata

from hypothesis import example, given
from hypothesis import strategies as st
from rich.cells import cell_len, split_graphemes

from sora_tui.core.text import cut, middle, one_line, pad

JA = "夕暮れの海辺を走る柴犬、カメラはゆっくり左へパン、波の音"


def test_one_line_strips_controls_and_folds_whitespace() -> None:
    assert one_line("a\x1b]0;x\x07 \n b\u202e", 10) == "a]0;x b"


def test_middle_keeps_both_ends_of_a_long_name() -> None:
    name = "20261201_a-red-kite-over-the-sea-at-dusk-slow-dolly-left_05b14861afaf178baaf6e798.mp4"
    cut_name = middle(name, 44)
    assert len(cut_name) == 44 and cut_name.startswith("20261201_a-red") and cut_name.endswith("178baaf6e798.mp4")
    assert "…" in cut_name
    assert middle("short.mp4", 44) == "short.mp4"
    assert middle("x\x1b[2Jy.mp4", 44) == "x[2Jy.mp4"


def test_a_japanese_prompt_is_cut_by_cells_not_characters() -> None:
    # 28 characters, 56 cells: cut to 20 cells it keeps 9 glyphs (18 cells), the '…', and a space for the glyph
    # that did not fit, rather than 19 characters (38 cells) as a cut by characters did
    assert cell_len(JA) == 56
    assert one_line(JA, 20) == "夕暮れの海辺を走る… "
    assert one_line(JA, 19) == "夕暮れの海辺を走る…"
    assert one_line(JA, 60) == JA
    assert one_line("abc", 6, fill=True) == "abc   "
    assert cut("e\u0301" * 5, 3) == "e\u0301e\u0301…"  # each mark stays with its letter
    assert cut("👨\u200d👩\u200d👧 family", 3) == "👨\u200d👩\u200d👧…"  # a ZWJ family is one glyph
    assert cut("あい", 1) == "…" and cut("あい", 0) == "" and cut("あ", 2) == "あ"


def test_a_japanese_file_name_is_cut_in_the_middle_by_cells() -> None:
    name = "20261201_夕暮れの海辺を走る柴犬_05b14861afaf178baaf6e798.mp4"
    cut_name = middle(name, 30)
    assert cell_len(cut_name) == 30 and cut_name.startswith("20261201_夕") and cut_name.endswith("e798.mp4")


def test_pad_lines_up_by_cells() -> None:
    assert pad("状態", 8) == "状態    " and pad("42", 4, right=True) == "  42"
    assert pad("ダウンロード済み", 7) == "ダウン…" and pad("ダウンロード済み", 8) == "ダウン… "


# --- any mix of scripts ------------------------------------------------------------------------------------
PIECES = ["a", "Z", " ", "  ", "-", "7", "か", "ナ", "ｶ", "漢", "字", "、", "e\u0301", "\u0301", "\u3099", "か\u3099",
          "🐕", "🌊", "❤\ufe0f", "\ufe0f", "👨\u200d👩\u200d👧", "🏳\ufe0f\u200d🌈", "\u200d", "👍🏽", "\t", "\n", "…",
          "\u200b", "한", "ー"]
mixed = st.lists(st.sampled_from(PIECES), max_size=40).map("".join) | st.text(
    alphabet=st.sampled_from(list("aZ 7かナ漢、…") + ["\u0301", "\u3099", "\u200d", "\ufe0f", "🐕", "🏽", "\u200b"]),
    max_size=40)
limits = st.integers(min_value=0, max_value=48)


def _boundaries(text: str) -> set[int]:
    """Where a cut may fall: between graphemes (a base with its marks, an emoji with its ZWJ sequence)."""
    spans, _ = split_graphemes(text)
    return {0, len(text)} | {start for start, _, _ in spans}


def _whole(text: str, prefix: str) -> bool:
    """`prefix` is a start of `text` that ends between two graphemes, and leaves no mark without its base."""
    if not text.startswith(prefix):
        return False
    if len(prefix) not in _boundaries(text):
        return False
    rest = text[len(prefix):]
    return not (prefix and rest and (unicodedata.combining(rest[0]) or rest[0] in "\u200d\ufe0f"))


def _head(result: str) -> str:
    """The text a cut kept: the result without its filling spaces and its '…'."""
    stripped = result.rstrip(" ")
    assert stripped.endswith("…"), result
    return stripped[:-1]


@given(mixed, limits)
def test_a_cut_is_never_wider_than_asked_exactly_as_wide_when_cut_and_a_whole_prefix(text: str, limit: int) -> None:
    result = cut(text, limit)
    assert cell_len(result) <= limit
    if cell_len(text) <= limit:
        assert result == text
    elif limit > 0:
        assert cell_len(result) == limit
        assert _whole(text, _head(result))


@given(mixed, limits)
def test_one_line_is_a_whole_prefix_of_the_folded_line_in_cells(text: str, limit: int) -> None:
    line = one_line(text)
    result = one_line(text, limit)
    assert "\n" not in result and "\t" not in result
    assert cell_len(result) <= limit
    if cell_len(line) <= limit:
        assert result == line
    elif limit > 0:
        assert cell_len(result) == limit
        assert _whole(line, _head(result))
    filled = one_line(text, limit, fill=True)
    assert cell_len(filled) == limit and filled.rstrip(" ") == result.rstrip(" ")


@given(mixed, limits, st.booleans())
def test_pad_is_exactly_as_wide_as_asked(text: str, width: int, right: bool) -> None:
    line = one_line(text)
    result = pad(line, width, right=right)
    assert cell_len(result) == width
    assert (result.lstrip(" ") if right else result.rstrip(" ")) in (line, cut(line, width).rstrip(" "))


@given(mixed, limits)
def test_middle_keeps_a_whole_start_and_a_whole_end(text: str, limit: int) -> None:
    line = one_line(text)
    result = middle(text, limit)
    assert cell_len(result) <= limit
    if cell_len(line) <= limit:
        assert result == line
        return
    if limit <= 1:
        return
    assert cell_len(result) == limit
    stripped = result.rstrip(" ")
    # some '…' in it is the cut: before it a whole start of the line, after it a whole end of it
    assert any(stripped[i] == "…" and _whole(line, stripped[:i]) and line.endswith(stripped[i + 1:])
               and len(line) - len(stripped[i + 1:]) in _boundaries(line) for i in range(len(stripped)))
    assert len(stripped) - 1 <= len(line)  # the start and the end kept do not overlap


def _cut_splitting_all(text: str, limit: int) -> str:
    """cut() as it was before it split only what it needs: every grapheme of the text, then the run that fits."""
    if cell_len(text) <= limit:
        return text
    if limit <= 0:
        return ""

    def prefix(s: str, room: int) -> str:
        end = used = 0
        for _start, stop, width in split_graphemes(s)[0] if room > 0 else []:
            if used + width > room:
                break
            end, used = stop, used + width
        head = s[:end]
        while head and cell_len(head) > room:
            head = head[:-1]
        return head

    head = prefix(text, limit - 1)
    while head and cell_len(head + "…") > limit:
        head = prefix(head, cell_len(head) - 1)
    line = head + "…"
    while cell_len(line) < limit:
        line += " "
    return line


# Long texts of what the split must get right at any window's edge: wide glyphs, marks, joiners, variation selectors.
edges = st.text(alphabet=st.sampled_from(["a", " ", "é", "e", "\u0301", "北", "ｶ", "🌊", "\u200d", "\ufe0f", "❤",
                                          "👩", "\U0001f3fd", "\t", "~"]), max_size=160)


@given(edges, st.integers(min_value=0, max_value=40))
@example("e\u0301\u0301\u0301" * 30, 10)  # a start whose marks take no room: more of it fits than its first characters
@example("e\u0301\u0301\u0301" * 6 + "abc" + "❤\ufe0f" + "x" * 20, 10)  # a glyph made wide by what follows it
@example("a" * 27 + "👩\u200d\U0001f3fd" + "x" * 20, 10)
def test_cutting_a_long_text_splits_only_its_start_and_cuts_where_splitting_all_of_it_would(text: str, limit: int) -> None:
    assert cut(text, limit) == _cut_splitting_all(text, limit)
    ascii_text = "".join(ch for ch in text if ch.isascii() and ch.isprintable())
    assert cut(ascii_text, limit) == _cut_splitting_all(ascii_text, limit)
