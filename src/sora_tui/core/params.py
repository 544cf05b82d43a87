"""Generation parameters and their validation per model (what the /v1/videos servers accept)."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from .i18n import N_, _

MAX_PROMPT_CHARS = 32_000

SECONDS_ALL = ("4", "8", "12", "16", "20")
SIZES_SORA2 = ("720x1280", "1280x720")
SIZES_SORA2_PRO = SIZES_SORA2 + ("1024x1792", "1792x1024", "1080x1920", "1920x1080")

DEFAULT_MODEL = "sora-2"
DEFAULT_SIZE = "720x1280"
DEFAULT_SECONDS = "4"


@dataclass(frozen=True)
class ModelSpec:
    """What one model accepts. Profiles (other servers) can add their own."""

    name: str
    sizes: tuple[str, ...]
    seconds: tuple[str, ...] = SECONDS_ALL
    # USD per generated second, by size; "*" is the fallback. Empty (or a size it does not name, without "*"):
    # the price is unknown, which is never taken for free. 0: free (the built-in local engine's).
    price_per_second: dict[str, float] = field(default_factory=dict)

    def price(self, size: str) -> float | None:
        """USD per second at this size, or None when the price is unknown."""
        return self.price_per_second.get(size, self.price_per_second.get("*"))


_PRO_PRICES = {"1280x720": 0.30, "720x1280": 0.30, "*": 0.50}

MODELS: dict[str, ModelSpec] = {
    spec.name: spec
    for spec in (
        ModelSpec("sora-2", SIZES_SORA2, price_per_second={"*": 0.10}),
        ModelSpec("sora-2-2025-10-06", SIZES_SORA2, price_per_second={"*": 0.10}),
        ModelSpec("sora-2-2025-12-08", SIZES_SORA2, price_per_second={"*": 0.10}),
        ModelSpec("sora-2-pro", SIZES_SORA2_PRO, price_per_second=_PRO_PRICES),
        ModelSpec("sora-2-pro-2025-10-06", SIZES_SORA2_PRO, price_per_second=_PRO_PRICES),
    )
}

# The built-in local engine renders procedurally on this machine: the same models, at no charge. Profiles that use
# the local engine start from these; a server's profile starts from MODELS (OpenAI's published prices).
LOCAL_MODELS: dict[str, ModelSpec] = {
    name: ModelSpec(name, spec.sizes, spec.seconds, price_per_second={"*": 0.0}) for name, spec in MODELS.items()
}

# Names by use, for people who think "Reels" rather than "720x1280" (translated with _() where shown).
SIZE_USES: dict[str, str] = {
    "1280x720": N_("landscape 16:9 (YouTube)"),
    "720x1280": N_("vertical 9:16 (Reels, TikTok, Shorts, Stories)"),
    "1792x1024": N_("wide landscape (pro)"),
    "1024x1792": N_("tall vertical (pro)"),
    "1920x1080": N_("landscape 1080p (pro)"),
    "1080x1920": N_("vertical 1080p (pro)"),
}


class InvalidParams(ValueError):
    """Bad generation input. `message` is written for the user and says how to fix it."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass
class GenerationParams:
    """Everything a create request carries (besides the server and key)."""

    prompt: str
    model: str = DEFAULT_MODEL
    size: str = DEFAULT_SIZE
    seconds: str = DEFAULT_SECONDS
    # Local path, URL or data URL of a reference image (the first frame), if any.
    image: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> GenerationParams:
        known = {k: data[k] for k in ("prompt", "model", "size", "seconds", "image") if k in data}
        if "seconds" in known and known["seconds"] is not None:
            known["seconds"] = str(known["seconds"])
        return cls(**known)

    @property
    def width(self) -> int:
        return int(self.size.split("x")[0])

    @property
    def height(self) -> int:
        return int(self.size.split("x")[1])


def parse_size(size: str) -> tuple[int, int]:
    """'1280x720' -> (1280, 720); raises InvalidParams on anything else."""
    text = str(size).strip().lower().replace("×", "x")
    parts = text.split("x")
    if len(parts) != 2 or not all(p.isdigit() for p in parts):
        raise InvalidParams(_("Size {size} is not WIDTHxHEIGHT (for example 1280x720).").format(size=repr(size)),
                            "size")
    return int(parts[0]), int(parts[1])


# Terminal controls (ESC, BEL, ...), DEL, C1 and bidi overrides: never meaningful in a prompt, and
# a pasted escape sequence would travel to the server and back into every terminal that shows it.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f\x80-\x9f\u202a-\u202e\u2066-\u2069]")


def clean_prompt(prompt: str) -> str:
    """The prompt as it will be sent: surrounding whitespace removed, nothing else changed."""
    return prompt.strip()


def validate_prompt(prompt: str | None) -> str:
    if prompt is None or not prompt.strip():
        raise InvalidParams(_("The prompt is empty: describe the video you want."), "prompt")
    prompt = clean_prompt(prompt)
    bad = _CONTROL.search(prompt)
    if bad:
        raise InvalidParams(
            _("The prompt contains a control character ({char} at position {position}); remove it (line breaks and "
              "tabs are fine).").format(char=f"U+{ord(bad.group()):04X}", position=bad.start() + 1), "prompt")
    if len(prompt) > MAX_PROMPT_CHARS:
        raise InvalidParams(
            _("The prompt has {count} characters; the limit is {limit}. Shorten it.").format(
                count=f"{len(prompt):,}", limit=f"{MAX_PROMPT_CHARS:,}"),
            "prompt",
        )
    return prompt


def validate_params(params: GenerationParams, models: dict[str, ModelSpec] | None = None, *,
                    listed_only: bool = False) -> GenerationParams:
    """Check a generation against what its model accepts; return a normalised copy.

    With `listed_only` (a profile that says which models its server has) a model outside `models` is refused here,
    before anything is sent; otherwise unknown models pass with only basic checks, since other servers offer
    their own models.
    """
    models = MODELS if models is None else models
    prompt = validate_prompt(params.prompt)
    model = (params.model or DEFAULT_MODEL).strip()
    w, h = parse_size(params.size or DEFAULT_SIZE)
    size = f"{w}x{h}"
    seconds = str(params.seconds or DEFAULT_SECONDS).strip()
    if not seconds.isdigit() or int(seconds) <= 0:
        raise InvalidParams(_("Seconds {seconds} is not a whole number of seconds.").format(
            seconds=repr(params.seconds)), "seconds")
    spec = models.get(model)
    if spec is not None:
        if size not in spec.sizes:
            larger = model.startswith("sora-2") and "pro" not in model
            raise InvalidParams(
                (_("{model} does not render {size}; choose one of {sizes} (or use sora-2-pro for larger sizes).")
                 if larger else _("{model} does not render {size}; choose one of {sizes}.")).format(
                    model=model, size=size, sizes=", ".join(spec.sizes)),
                "size",
            )
        if seconds not in spec.seconds:
            raise InvalidParams(
                _("{model} does not render {seconds} s; choose one of {choices} seconds.").format(
                    model=model, seconds=seconds, choices=", ".join(spec.seconds)),
                "seconds",
            )
    elif not model:
        raise InvalidParams(_("The model name is empty."), "model")
    elif listed_only:
        raise InvalidParams(_("This profile has no model {model}; use one of {models} (or add it to the profile's "
                              "models in the config file, if its server has it).").format(
                                  model=repr(model), models=", ".join(models)), "model")
    return GenerationParams(prompt=prompt, model=model, size=size, seconds=seconds, image=params.image)


def estimate_cost(model: str, size: str, seconds: str | int, models: dict[str, ModelSpec] | None = None) -> float | None:
    """USD estimate for one generation, or None when the model's price is unknown (0.0 is free, not unknown)."""
    spec = (MODELS if models is None else models).get(model)
    price = spec.price(size) if spec is not None else None
    if price is None:
        return None
    try:
        secs = int(seconds)
    except (TypeError, ValueError):
        return None
    return round(price * secs, 4)
