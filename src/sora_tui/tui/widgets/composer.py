"""PromptComposer: the prompt, model, size (named by use), seconds, variations and a reference image, with a
live cost line. It edits a GenerationParams and says when it changed; the screen decides what happens."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.color import Color
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Input, Static, TextArea

from ...core.cost import cost_text, estimate
from ...core.i18n import N_, _
from ...core.params import (
    MAX_PROMPT_CHARS,
    MODELS,
    SECONDS_ALL,
    SIZE_USES,
    GenerationParams,
    InvalidParams,
    parse_size,
)
from ...core.text import one_line
from ..failures import ReportsWorkerFailures
from .path_suggester import PathSuggester
from .picker import Picker
from .prompt_area import EDITOR_KEY, PROMPT_KEYS, PromptArea

# What each size is for, translated where shown (the size itself stays as the server spells it).
SHORT_USE = {
    "720x1280": N_("vertical · Reels/TikTok/Shorts"),
    "1280x720": N_("landscape · YouTube"),
    "1024x1792": N_("tall vertical (pro)"),
    "1792x1024": N_("wide landscape (pro)"),
    "1080x1920": N_("vertical 1080p (pro)"),
    "1920x1080": N_("landscape 1080p (pro)"),
}
MODEL_CHOICES = ("sora-2", "sora-2-pro")
FIT_CHOICES = [(N_("send as is"), ""), (N_("fit: crop to fill"), "crop"), (N_("fit: pad (letterbox)"), "pad"),
               (N_("fit: scale (stretch)"), "scale")]
FIT_NAMES = {"crop": N_("crop"), "pad": N_("pad"), "scale": N_("scale")}  # a fit named in a sentence


def seconds_label(seconds: str) -> str:
    """A length as the pickers show it ("4 s", 「4秒」)."""
    return _("{seconds} s").format(seconds=seconds)


# Kana, kanji and full-width forms: where a snippet meets Japanese text it is joined the Japanese way.
JAPANESE = re.compile("[\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")


class PromptComposer(ReportsWorkerFailures, Vertical):
    """Edits a GenerationParams; posts Changed as it is edited and Generate when the user asks."""

    BINDINGS = [
        Binding("ctrl+r", "focus_image", N_("Image"), tooltip=N_("Reference image: a path (→ completes), URL or data URL"),
                id="composer.image", show=False),
        EDITOR_KEY,
        *PROMPT_KEYS,
    ]

    @dataclass
    class Generate(Message):
        params: GenerationParams
        variations: int
        fit: str  # "" or crop | pad | scale: make the reference image match the size first
        character_ids: list[str]

    @dataclass
    class Changed(Message):
        params: GenerationParams
        variations: int
        characters: tuple[str, ...] = ()  # names of the cameo characters inserted

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.spending: object = None  # the app's last count of what was spent (tui.spending.Spending)
        self.models = dict(MODELS)
        self.model_choices = list(MODEL_CHOICES)
        self.characters: dict[str, str] = {}  # character id -> name, for those inserted into this prompt
        self.prompt_area = PromptArea(id="prompt", soft_wrap=True, show_line_numbers=False, tab_behavior="focus",
                                      placeholder=self._prompt_placeholder())

    @staticmethod
    def _prompt_placeholder() -> str:
        return _("Describe the shot: subject and action, setting, camera move, lighting, style, sound…")

    @staticmethod
    def _image_placeholder() -> str:
        return _("reference image (optional): path, URL or data URL")

    @staticmethod
    def _variations_tooltip() -> str:
        return _("Number of variations (1-8), made as one group")

    def compose(self) -> ComposeResult:
        yield self.prompt_area
        with Horizontal(id="settings"):
            yield Picker([(m, m) for m in MODEL_CHOICES], value="sora-2", id="model")
            yield Picker(self._size_options("sora-2"), value="720x1280", id="size")
            yield Picker(self._seconds_options("sora-2"), value="4", id="seconds")
            yield Input("1", id="variations", type="integer", max_length=1, compact=True,
                        tooltip=self._variations_tooltip())
        with Horizontal(id="image-row"):
            yield Input(placeholder=self._image_placeholder(), id="image", compact=True,
                        suggester=PathSuggester())
            yield Picker([(_(label), value) for label, value in FIT_CHOICES], value="", id="image-fit")
        yield Static(id="image-note")
        yield Static(id="estimate")

    def _size_options(self, model: str) -> list[tuple[str, str]]:
        spec = self.models.get(model)
        sizes = spec.sizes if spec else tuple(SIZE_USES)
        return [(f"{s} {_(SHORT_USE[s]) if s in SHORT_USE else ''}".strip(), s) for s in sizes]

    def _seconds_options(self, model: str) -> list[tuple[str, str]]:
        spec = self.models.get(model)
        return [(seconds_label(s), s) for s in (spec.seconds if spec else SECONDS_ALL)]

    def set_models(self, models: dict, default: str) -> None:
        """The models a profile offers, with their sizes and seconds (another server, other models)."""
        self.models = dict(models) or dict(MODELS)
        choices = [m for m in self.models if m in MODEL_CHOICES] or list(self.models)
        if default in self.models and default not in choices:
            choices.insert(0, default)
        self.model_choices = choices
        model = self.query_one("#model", Picker)
        model.set_options([(m, m) for m in choices])
        model.value = default if default in choices else choices[0]
        self._sizes_for(str(model.value))
        self._refresh()  # the estimate line, at this profile's prices, even when no choice changed

    def add_character(self, character_id: str, name: str) -> None:
        """Use a cameo character: its name goes into the prompt (verbatim, as the server requires)."""
        if len(self.characters) >= 2 and character_id not in self.characters:
            self.notify(_("A video can use at most 2 characters."), severity="warning", markup=False)
            return
        self.characters[character_id] = name
        if name not in self.prompt_text:
            self.insert_snippet(name)
        self._refresh()

    def on_mount(self) -> None:
        self.border_title = _("Prompt")
        self.query_one("#image-fit").display = False
        self.query_one("#image-note").display = False
        self._refresh()
        self.show_focus()
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self.show_focus())

    # --- the border lights up while focus is inside ---------------------------------------------------
    # Not a `:focus-within` rule in the TCSS: with one, Textual restyles all 32 widgets of the composer on every
    # focus change into or out of it (24-33 ms on the event loop, bench/keys.py); this sets one style on one widget.
    # The screen calls it as its focus changes (MainScreen.watch_focused), in the same step, as the rule would.
    def show_focus(self) -> None:
        for side in ("border_top", "border_right", "border_bottom", "border_left"):
            self.styles.clear_rule(side)  # back to the TCSS border (dimmed); clearing does not redraw by itself
        if self.has_focus_within:
            self.styles.border = ("round", Color.parse(self.app.theme_variables["primary"]))
        self.refresh()

    # --- reading and writing the form -------------------------------------------------------------
    @property
    def prompt_text(self) -> str:
        return self.query_one("#prompt", TextArea).text

    def set_prompt(self, text: str) -> None:
        self.query_one("#prompt", TextArea).text = text

    def params(self) -> GenerationParams:
        image = self.query_one("#image", Input).value.strip() or None
        return GenerationParams(
            prompt=self.prompt_text,
            model=str(self.query_one("#model", Picker).value),
            size=str(self.query_one("#size", Picker).value),
            seconds=str(self.query_one("#seconds", Picker).value),
            image=image,
        )

    def load_params(self, params: GenerationParams) -> None:
        """A past job's prompt and settings (values this composer cannot offer are kept as they are)."""
        model = self.query_one("#model", Picker)
        if params.model in self.model_choices:
            model.value = params.model
            self._sizes_for(params.model)
        size = self.query_one("#size", Picker)
        if params.size in [v for _, v in self._size_options(str(model.value))]:
            size.value = params.size
        if params.seconds in [v for _, v in self._seconds_options(str(model.value))]:
            self.query_one("#seconds", Picker).value = params.seconds
        self.query_one("#image", Input).value = params.image or ""
        self.set_prompt(params.prompt)

    def insert_snippet(self, text: str) -> None:
        """Append a snippet to the prompt, joined with ", " unless the prompt ends a sentence or is empty; in
        Japanese with 「、」, and with nothing after Japanese punctuation (which needs no space)."""
        area = self.query_one("#prompt", TextArea)
        before = area.text.rstrip()
        if not before or before.endswith(("。", "、", "！", "？", "：", "；", "」")):
            glue = ""
        elif before.endswith((".", "!", "?", ":", ";", ",")):
            glue = " "
        else:
            glue = "、" if JAPANESE.search(before[-1] + text[:1]) else ", "
        area.text = before + glue + text
        area.move_cursor(area.document.end)
        area.focus()

    def variations(self) -> int:
        raw = self.query_one("#variations", Input).value.strip()
        return int(raw) if raw.isdigit() else 0

    def action_generate(self) -> None:
        self.request_generate()

    def request_generate(self) -> None:
        fit = str(self.query_one("#image-fit", Picker).value or "") if self.query_one("#image-fit").display else ""
        in_prompt = [cid for cid, name in self.characters.items() if name in self.prompt_text]
        self.post_message(self.Generate(self.params(), self.variations(), fit, in_prompt))

    def action_focus_image(self) -> None:
        self.query_one("#image", Input).focus()

    # --- the prompt's editing keys and the user's editor ----------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "prompt":
            # The screen's focus, not the app's: with the command palette open over it, the prompt still counts.
            return self.is_mounted and self.screen.focused is self.prompt_area
        return True

    async def action_prompt(self, action: str) -> None:
        """One of TextArea's own editing actions, on the prompt."""
        await self.prompt_area.run_action(action)

    def select_all(self) -> None:
        """The whole prompt selected, and focused (what ctrl+a does; for the command palette too)."""
        self.prompt_area.focus()
        self.prompt_area.select_all()

    def action_edit_in_editor(self) -> None:
        """The prompt edited in $VISUAL or $EDITOR; on any failure it stays as it was and a message says why."""
        from ..editor import EditorProblem, edit_in_editor

        area = self.prompt_area
        try:
            text = edit_in_editor(self.app, area.text)
        except EditorProblem as problem:
            self.notify(problem.message, severity="warning", timeout=12, markup=False)
            return
        if text != area.text:
            # replace(), not `text =`: one step ctrl+z takes back, where setting the text clears the undo history
            area.replace(text, area.document.start, area.document.end)
        area.move_cursor(area.document.end)
        area.focus()

    # --- what was spent, on the lower border -------------------------------------------------------
    # There, not on the status line: that one shows messages and the paid question, and either would hide it.
    def show_spending(self, spending: object) -> None:
        self.spending = spending
        self._fit_spending()

    def on_resize(self) -> None:
        self._fit_spending()

    def _fit_spending(self) -> None:
        from ..spending import spend_line

        # the border's corners and the blanks either side of the text take four of its cells
        cells = (self.outer_size.width or self.app.size.width) - 4
        line = spend_line(self.spending, max(1, cells))  # type: ignore[arg-type]
        # a Text, not a string: its "$" and brackets are never read as markup
        self.border_subtitle = line  # type: ignore[assignment]

    # --- live feedback ------------------------------------------------------------------------------
    def language_changed(self) -> None:
        """Every label in the new language; what was typed and chosen stays (the app calls this on a switch)."""
        self.border_title = _("Prompt")
        self._fit_spending()
        self.query_one("#prompt", TextArea).placeholder = self._prompt_placeholder()
        self.query_one("#image", Input).placeholder = self._image_placeholder()
        self.query_one("#variations", Input).tooltip = self._variations_tooltip()
        self.query_one("#image-fit", Picker).set_options([(_(label), value) for label, value in FIT_CHOICES])
        self._sizes_for(str(self.query_one("#model", Picker).value))
        self._refresh()

    def _sizes_for(self, model: str) -> None:
        for field, options in (("#size", self._size_options(model)), ("#seconds", self._seconds_options(model))):
            picker = self.query_one(field, Picker)
            current = picker.value
            picker.set_options(options)
            picker.value = current if current in [v for _, v in options] else options[0][1]

    @on(TextArea.Changed)
    @on(Picker.Changed)
    @on(Input.Changed)
    def _changed(self, event: Message) -> None:
        if isinstance(event, Picker.Changed) and event.picker.id == "model":
            self._sizes_for(str(event.value))
        if (isinstance(event, Input.Changed) and event.input.id == "image") or (
                isinstance(event, Picker.Changed) and event.picker.id == "size"):
            self.check_image()
        self._refresh()

    def _refresh(self) -> None:
        p = self.params()
        n = max(1, self.variations())
        cost = estimate(p.model, p.size, p.seconds, self.models, n)
        chars = len(p.prompt.strip())
        line = Text()
        # characters, not cells: the server's limit counts characters (a Japanese one is two cells, one here)
        line.append(_("{count}/{limit} chars").format(count=f"{chars:,}", limit=f"{MAX_PROMPT_CHARS:,}"),
                    style="bold red" if chars > MAX_PROMPT_CHARS else "dim")
        line.append("  ·  ")
        if getattr(self.app, "session", True) is None:
            # The profile (and so its prices: the local engine's are 0) comes with the session; until then a
            # price would be a guess, and the paid one is wrong for the local engine.
            line.append(_("cost shown once connected"), style="dim")
        elif not cost.known or cost.amount is None:
            line.append(_("cost unknown for this model"), style="dim")
        elif cost.amount == 0:
            line.append(cost_text(cost), style="bold")
        else:
            line.append(f"≈ ${cost.amount:,.2f}", style="bold")
            said = _("({n} × {seconds} s × {model} @ {size})").format(n=n, seconds=p.seconds, model=p.model, size=p.size)
            line.append(" " + said, style="dim")
        used = [name for name in self.characters.values() if name in p.prompt]
        if used:
            line.append("  ·  " + _("characters: {names}").format(names=", ".join(used)), style="italic")
        self.query_one("#estimate", Static).update(line, layout=False)  # one line, always: no new layout per key
        self.post_message(self.Changed(p, n, tuple(self.characters.values())))

    @work(exclusive=True, exit_on_error=False, group="image-check", description=N_("check the reference image"))
    async def check_image(self) -> None:
        await asyncio.sleep(0.15)  # typing a path: check once it settles
        p = self.params()
        note = self.query_one("#image-note", Static)
        fit = self.query_one("#image-fit", Picker)
        note.display = bool(p.image)
        if not p.image:
            note.update("")
            fit.display = False
            return
        # Imported only when there is an image to check: the service package costs ~30 ms, and this runs once
        # at start-up with no image, before the first frame.
        from ...service.reference import check_reference_image, image_dimensions

        dims: tuple[int, int] | None = None
        try:
            dims = await asyncio.to_thread(image_dimensions, p.image)
            if dims is None:
                note.update(Text(_("The server fetches this URL itself; it must be the first frame at {size}.").format(
                    size=p.size), style="dim"))
                fit.display = False
                return
            await asyncio.to_thread(check_reference_image, p.image, p.size)
        except InvalidParams as exc:
            mismatch = dims is not None and dims != parse_size(p.size)
            fit.display = mismatch
            text = Text("⚠ ", style="bold yellow")
            if mismatch and dims is not None:
                text.append(_("The image is {image} but the video is {size}: pick a fit (crop, pad or scale) beside "
                              "the path, or a size that matches. It must be the first frame.").format(
                    image=f"{dims[0]}x{dims[1]}", size=p.size))
            else:
                text.append(one_line(exc.message, 200))
            note.update(text)
            return
        fit.display = False
        name = _("image") if p.image.startswith("data:") else one_line(Path(p.image).name)
        note.update(Text("✓ " + _("{name} {image} matches {size}; it will be the first frame.").format(
            name=name, image=f"{dims[0]}x{dims[1]}", size=p.size), style="green"))
