"""Display helpers for untrusted text: one safe line, and file names cut where they say the least."""

from __future__ import annotations

from sora_tui.core.text import middle, one_line


def test_one_line_strips_controls_and_folds_whitespace() -> None:
    assert one_line("a\x1b]0;x\x07 \n b\u202e", 10) == "a]0;x b"


def test_middle_keeps_both_ends_of_a_long_name() -> None:
    name = "20261201_a-red-kite-over-the-sea-at-dusk-slow-dolly-left_05b14861afaf178baaf6e798.mp4"
    cut = middle(name, 44)
    assert len(cut) == 44 and cut.startswith("20261201_a-red") and cut.endswith("178baaf6e798.mp4") and "…" in cut
    assert middle("short.mp4", 44) == "short.mp4"
    assert middle("x\x1b[2Jy.mp4", 44) == "x[2Jy.mp4"
