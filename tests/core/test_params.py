from __future__ import annotations

import pytest

from sora_tui.core.params import GenerationParams, InvalidParams, estimate_cost, validate_params
from sora_tui.core.status import JobStatus, from_server
from sora_tui.core.text import one_line, strip_control


def test_defaults_and_normalisation() -> None:
    p = validate_params(GenerationParams("  a kite  ", size="1280X720", seconds=" 8 "))
    assert (p.prompt, p.model, p.size, p.seconds) == ("a kite", "sora-2", "1280x720", "8")


@pytest.mark.parametrize(
    ("params", "field", "fragment"),
    [
        (GenerationParams("   "), "prompt", "empty"),
        (GenerationParams("x" * 32_001), "prompt", "32,000"),
        (GenerationParams("x", size="1920x1080"), "size", "sora-2 does not render 1920x1080"),
        (GenerationParams("x", size="big"), "size", "WIDTHxHEIGHT"),
        (GenerationParams("x", seconds="10"), "seconds", "4, 8, 12, 16, 20"),
        (GenerationParams("x", seconds="-4"), "seconds", "whole number"),
    ],
)
def test_invalid(params: GenerationParams, field: str, fragment: str) -> None:
    with pytest.raises(InvalidParams) as info:
        validate_params(params)
    assert info.value.field == field
    assert fragment in info.value.message


def test_pro_sizes_and_unknown_models() -> None:
    assert validate_params(GenerationParams("x", model="sora-2-pro", size="1920x1080")).size == "1920x1080"
    # another server's model passes with basic checks only
    assert validate_params(GenerationParams("x", model="veo-3", size="1920x1080", seconds="6")).seconds == "6"


def test_cost() -> None:
    assert estimate_cost("sora-2", "720x1280", "8") == pytest.approx(0.8)
    assert estimate_cost("sora-2-pro", "1280x720", "4") == pytest.approx(1.2)
    assert estimate_cost("sora-2-pro", "1920x1080", "4") == pytest.approx(2.0)
    assert estimate_cost("veo-3", "1280x720", "4") is None


def test_server_status_words() -> None:
    assert from_server("processing") is JobStatus.IN_PROGRESS
    assert from_server("succeeded") is JobStatus.COMPLETED
    assert from_server("cancelled") is JobStatus.CANCELED
    assert from_server("something-new") is JobStatus.IN_PROGRESS  # never counted as done


def test_strip_control() -> None:
    assert strip_control("a\x1b]0;evil\x07b\u202ec\tz\n") == "a]0;evilbc\tz\n"
    assert one_line("a\n\n b  c", 4) == "a b…"
