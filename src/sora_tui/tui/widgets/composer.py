"""PromptComposer: the prompt, model, size (named by use), seconds and variations, with a live cost line."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Input, Label, Select, Static, TextArea

from ...core.params import MAX_PROMPT_CHARS, MODELS, SECONDS_ALL, SIZE_USES, GenerationParams, estimate_cost

SHORT_USE = {
    "720x1280": "vertical · Reels/TikTok/Shorts",
    "1280x720": "landscape · YouTube",
    "1024x1792": "tall vertical (pro)",
    "1792x1024": "wide landscape (pro)",
    "1080x1920": "vertical 1080p (pro)",
    "1920x1080": "landscape 1080p (pro)",
}
MODEL_CHOICES = ("sora-2", "sora-2-pro")


class PromptComposer(Vertical):
    """Edits a GenerationParams; posts Generate when the user asks. Knows nothing of servers."""

    @dataclass
    class Generate(Message):
        params: GenerationParams
        variations: int

    def compose(self) -> ComposeResult:
        yield Label("Prompt", id="prompt-label")
        yield TextArea(id="prompt", soft_wrap=True, show_line_numbers=False, tab_behavior="focus")
        with Horizontal(id="settings"):
            yield Select([(m, m) for m in MODEL_CHOICES], value="sora-2", allow_blank=False, id="model", compact=True)
            yield Select(self._size_options("sora-2"), value="720x1280", allow_blank=False, id="size", compact=True)
            yield Select([(f"{s} s", s) for s in SECONDS_ALL], value="4", allow_blank=False, id="seconds", compact=True)
            yield Input("1", id="variations", type="integer", max_length=1, compact=True, tooltip="Variations (1-8)")
        yield Static(id="estimate")

    @staticmethod
    def _size_options(model: str) -> list[tuple[str, str]]:
        spec = MODELS.get(model)
        sizes = spec.sizes if spec else tuple(SIZE_USES)
        return [(f"{s} {SHORT_USE.get(s, '')}".strip(), s) for s in sizes]

    def on_mount(self) -> None:
        self.query_one("#variations", Input).tooltip = "Number of variations (1-8), made as one group"
        self._refresh_estimate()

    # --- reading the form -------------------------------------------------------------------------
    @property
    def prompt_text(self) -> str:
        return self.query_one("#prompt", TextArea).text

    def set_prompt(self, text: str) -> None:
        self.query_one("#prompt", TextArea).text = text

    def params(self) -> GenerationParams:
        return GenerationParams(
            prompt=self.prompt_text,
            model=str(self.query_one("#model", Select).value),
            size=str(self.query_one("#size", Select).value),
            seconds=str(self.query_one("#seconds", Select).value),
        )

    def variations(self) -> int:
        raw = self.query_one("#variations", Input).value.strip()
        return int(raw) if raw.isdigit() else 0

    def request_generate(self) -> None:
        self.post_message(self.Generate(self.params(), self.variations()))

    # --- live feedback ------------------------------------------------------------------------------
    @on(TextArea.Changed)
    @on(Select.Changed)
    @on(Input.Changed)
    def _changed(self, event: Message) -> None:
        if isinstance(event, Select.Changed) and event.select.id == "model":
            size = self.query_one("#size", Select)
            current = size.value
            options = self._size_options(str(event.value))
            size.set_options(options)
            size.value = current if current in [v for _, v in options] else options[0][1]
        self._refresh_estimate()

    def _refresh_estimate(self) -> None:
        p = self.params()
        n = max(1, self.variations())
        cost = estimate_cost(p.model, p.size, p.seconds)
        chars = len(p.prompt.strip())
        line = Text()
        line.append(f"{chars:,}/{MAX_PROMPT_CHARS:,} chars", style="bold red" if chars > MAX_PROMPT_CHARS else "dim")
        line.append("  ·  ")
        if cost is None:
            line.append("cost unknown for this model", style="dim")
        else:
            line.append(f"≈ ${cost * n:.2f}", style="bold")
            line.append(f" ({n} × {p.seconds} s × {p.model} @ {p.size})", style="dim")
        line.append("  ·  ctrl+g generate", style="dim")
        self.query_one("#estimate", Static).update(line)
