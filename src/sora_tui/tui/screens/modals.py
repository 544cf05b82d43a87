"""Small typed dialogs: confirm, choose one of a few, write a prompt (remix/edit/extend), tags and note.

Each is a `ModalScreen[T]` that returns through `dismiss`; escape always cancels and returns None.
User text is shown through `Content`/`Text`, never parsed as markup.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rich.cells import cell_len, split_graphemes
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Select, Static, TextArea
from textual.widgets.option_list import Option

from ...core.i18n import N_, _, pgettext
from ...core.params import SECONDS_ALL
from ..css import SCREENS_CSS
from ..keymap import key_pieces
from ..widgets.composer import seconds_label


class ConfirmScreen(ModalScreen[bool]):
    """Yes or no; the safe answer (no) is the default."""
    CSS_PATH = SCREENS_CSS

    BINDINGS = [
        Binding("y", "answer(True)", N_("Yes"), id="confirm.yes"),
        Binding("n,escape", "answer(False)", N_("No"), id="confirm.no"),
    ]

    def __init__(self, title: str, question: str) -> None:
        super().__init__()
        self.title_text = title
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog") as box:
            box.border_title = self.title_text
            yield Static(Text(self.question))
            yield Static(Text.assemble(*key_pieces(self, "confirm.yes", "y"), " " + pgettext("answer", "yes") + "   ",
                                       *key_pieces(self, "confirm.no", "n", "esc"), " " + pgettext("answer", "no")),
                         classes="dialog-keys")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


class ChoiceScreen(ModalScreen[str | None]):
    """One of a few options, picked by its key letter or with the arrows and enter."""
    CSS_PATH = SCREENS_CSS

    BINDINGS = [Binding("escape", "cancel", N_("Cancel"), id="choice.cancel")]

    def __init__(self, title: str, options: list[tuple[str, str, str]]) -> None:
        """options: (key letter, value returned, label)."""
        super().__init__()
        self.title_text = title
        self.options = options

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog") as box:
            box.border_title = self.title_text
            yield OptionList(*[Option(Text.assemble((f"{key} ", "bold"), label), id=value)
                               for key, value, label in self.options], id="choices")

    def on_key(self, event) -> None:  # a letter picks its option at once
        for key, value, _label in self.options:
            if event.key == key:
                event.stop()
                self.dismiss(value)
                return

    @on(OptionList.OptionSelected)
    def _picked(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)


@dataclass
class PromptRequest:
    prompt: str
    seconds: str | None = None


class PromptScreen(ModalScreen[PromptRequest | None]):
    """A new prompt for a remix, an edit or an extension, pre-filled and with advice on what to change."""
    CSS_PATH = SCREENS_CSS

    BINDINGS = [
        Binding("ctrl+g,ctrl+s", "submit", N_("Submit"), id="prompt.submit", priority=True),
        Binding("escape", "cancel", N_("Cancel"), id="prompt.cancel"),
    ]

    ADVICE = {
        "remix": N_("Change one thing and name it (\"same shot, switch to 85 mm\", \"same scene at dusk\")."),
        "edit": N_("Say what to change in the finished video; everything else stays as it is."),
        "extend": N_("Describe only the next beat, and keep the direction of the motion."),
    }
    TITLES = {"remix": N_("Remix {source}"), "edit": N_("Edit {source}"), "extend": N_("Extend {source}")}

    def __init__(self, kind: str, source_label: str, prompt: str, seconds: str = "4",
                 price: Callable[[str | None], Text] | None = None) -> None:
        """seconds: an extension's, as first chosen. price: the cost line of what ctrl+g sends, for the seconds
        chosen (None for the others): this dialog is the paid send's confirmation, so it says the price."""
        super().__init__()
        self.kind = kind
        self.source_label = source_label
        self.prompt = prompt
        self.seconds = seconds if seconds in SECONDS_ALL else "4"
        self.price = price

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide") as box:
            title = self.TITLES.get(self.kind)
            box.border_title = (_(title).format(source=self.source_label) if title
                                else f"{self.kind.capitalize()} {self.source_label}")
            advice = self.ADVICE.get(self.kind)
            yield Static(Text(_(advice) if advice else ""), classes="dialog-hint")
            yield TextArea(self.prompt, id="new-prompt", soft_wrap=True, tab_behavior="focus")
            if self.kind == "extend":
                with Horizontal(classes="dialog-row"):
                    yield Label(_("Add") + " ")
                    yield Select([(seconds_label(s), s) for s in SECONDS_ALL], value=self.seconds,
                                 allow_blank=False, id="extend-seconds", compact=True)
            if self.price is not None:
                yield Static(self.price(self._chosen_seconds()), id="prompt-cost", classes="dialog-cost")
            yield Static(Text.assemble(*key_pieces(self, "prompt.submit", "ctrl+g"), " " + _("submit") + "   ",
                                       *key_pieces(self, "prompt.cancel", "esc"), " " + _("cancel")),
                         classes="dialog-keys")

    def _chosen_seconds(self) -> str | None:
        if self.kind != "extend":
            return None
        selects = self.query("#extend-seconds")
        return str(selects.first(Select).value) if selects else self.seconds

    @on(Select.Changed, "#extend-seconds")
    def _seconds_changed(self) -> None:
        if self.price is not None:
            self.query_one("#prompt-cost", Static).update(self.price(self._chosen_seconds()))

    def on_mount(self) -> None:
        area = self.query_one("#new-prompt", TextArea)
        area.focus()
        area.move_cursor(area.document.end)

    def action_submit(self) -> None:
        text = self.query_one("#new-prompt", TextArea).text
        if not text.strip():
            self.notify(_("Write what should change; the prompt is empty."), severity="warning", markup=False)
            return
        seconds = str(self.query_one("#extend-seconds", Select).value) if self.kind == "extend" else None
        self.dismiss(PromptRequest(text, seconds))

    def action_cancel(self) -> None:
        self.dismiss(None)


TAG_CELLS = 40  # a tag is a word or two: at most 40 terminal cells (20 Japanese characters)


def _whole_graphemes(text: str, cells: int) -> str:
    """The start of `text` that fits in `cells` terminal cells, cut between graphemes (never inside a wide glyph,
    an emoji sequence or a letter and its accent)."""
    if cell_len(text) <= cells:
        return text
    graphemes, _length = split_graphemes(text)
    end = used = 0
    for _start, stop, width in graphemes:
        if used + width > cells:
            break
        end, used = stop, used + width
    return text[:end].rstrip()


@dataclass
class Annotation:
    tags: list[str]
    notes: str


class NoteScreen(ModalScreen[Annotation | None]):
    """Tags (comma separated) and a free note on one job."""
    CSS_PATH = SCREENS_CSS

    BINDINGS = [
        Binding("ctrl+s,ctrl+g", "save", N_("Save"), id="note.save", priority=True),
        Binding("escape", "cancel", N_("Cancel"), id="note.cancel"),
    ]

    def __init__(self, label: str, tags: list[str], notes: str) -> None:
        super().__init__()
        self.label = label
        self.tags = tags
        self.notes = notes

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide") as box:
            box.border_title = _("Tags and note · {job}").format(job=self.label)
            yield Input(", ".join(self.tags), placeholder=_("tags, comma separated"), id="tags")
            yield TextArea(self.notes, id="notes", soft_wrap=True, tab_behavior="focus")
            yield Static(Text.assemble(*key_pieces(self, "note.save", "ctrl+s"), " " + _("save") + "   ",
                                       *key_pieces(self, "note.cancel", "esc"), " " + _("cancel")),
                         classes="dialog-keys")

    def on_mount(self) -> None:
        self.query_one("#tags", Input).focus()

    def action_save(self) -> None:
        raw = self.query_one("#tags", Input).value
        tags = []
        for tag in (t.strip() for t in raw.split(",")):
            tag = _whole_graphemes(tag, TAG_CELLS)
            if tag and tag not in tags:
                tags.append(tag)
        self.dismiss(Annotation(tags, self.query_one("#notes", TextArea).text.strip()))

    def action_cancel(self) -> None:
        self.dismiss(None)


# The headings of the snippet kinds (core/tips/snippets.py's SNIPPETS), as the list shows them.
SNIPPET_KINDS = {
    "subject": N_("Subject"), "setting": N_("Setting"), "camera": N_("Camera"), "shot": N_("Shot"),
    "lighting": N_("Lighting"), "style": N_("Style"), "sound": N_("Sound"), "template": N_("Template"),
}


class SnippetScreen(ModalScreen[str | None]):
    """Insertable phrases by kind (camera moves, styles, lighting, sound): arrows and enter, or type to filter."""
    CSS_PATH = SCREENS_CSS

    BINDINGS = [Binding("escape", "cancel", N_("Cancel"), id="snippet.cancel")]

    def __init__(self, snippets: dict[str, tuple[str, ...]]) -> None:
        super().__init__()
        self.snippets = snippets

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide") as box:
            box.border_title = _("Insert a snippet")
            yield Input(placeholder=_("type to filter…"), id="snippet-filter", compact=True)
            yield OptionList(id="snippets")
            yield Static(Text.assemble(("↑↓", "bold"), " " + _("choose") + "   ", ("enter", "bold"), " " + _("insert") + "   ",
                                       *key_pieces(self, "snippet.cancel", "esc"), " " + _("cancel")),
                         classes="dialog-keys")

    def on_mount(self) -> None:
        self._fill("")
        self.query_one("#snippet-filter", Input).focus()

    def _fill(self, needle: str) -> None:
        options = self.query_one("#snippets", OptionList)
        options.clear_options()
        needle = needle.casefold().strip()
        for kind, phrases in self.snippets.items():
            heading = _(SNIPPET_KINDS[kind]) if kind in SNIPPET_KINDS else kind.capitalize()
            shown = [p for p in phrases if needle in p.casefold() or needle in kind or needle in heading.casefold()]
            if not shown:
                continue
            options.add_option(Option(Text(heading, style="bold"), disabled=True))
            for phrase in shown:
                options.add_option(Option(Text("  " + phrase), id=f"{kind}\x00{phrase}"))
        options.highlighted = next((i for i in range(options.option_count) if not options.get_option_at_index(i).disabled), None)

    @on(Input.Changed, "#snippet-filter")
    def _filter(self, event: Input.Changed) -> None:
        self._fill(event.value)

    @on(Input.Submitted, "#snippet-filter")
    def _take_highlighted(self) -> None:
        options = self.query_one("#snippets", OptionList)
        if options.highlighted is not None:
            self._done(options.get_option_at_index(options.highlighted).id)

    def on_key(self, event) -> None:
        if event.key in ("up", "down") and self.focused is self.query_one("#snippet-filter"):
            options = self.query_one("#snippets", OptionList)
            options.action_cursor_up() if event.key == "up" else options.action_cursor_down()
            event.stop()

    @on(OptionList.OptionSelected)
    def _picked(self, event: OptionList.OptionSelected) -> None:
        self._done(event.option.id)

    def _done(self, option_id: str | None) -> None:
        if option_id:
            self.dismiss(option_id.split("\x00", 1)[1])

    def action_cancel(self) -> None:
        self.dismiss(None)


class TextScreen(ModalScreen[None]):
    """A read-only page of text (the full tips checklist)."""
    CSS_PATH = SCREENS_CSS

    BINDINGS = [Binding("escape,q,f2", "close", N_("Close"), id="text.close")]

    def __init__(self, title: str, body: Text) -> None:
        super().__init__()
        self.title_text = title
        self.body = body

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog wide") as box:
            box.border_title = self.title_text
            yield Static(self.body)

    def action_close(self) -> None:
        self.dismiss(None)


class PictureConfirmScreen(ModalScreen[bool]):
    """A picture and a yes/no question about it (the fitted reference image before it is sent)."""
    CSS_PATH = SCREENS_CSS

    BINDINGS = [
        Binding("y,enter", "answer(True)", N_("Send"), id="picture.yes"),
        Binding("n,escape", "answer(False)", N_("Cancel"), id="picture.no"),
    ]

    def __init__(self, title: str, question: str, picture: object) -> None:
        super().__init__()
        self.title_text = title
        self.question = question
        self.picture = picture

    def compose(self) -> ComposeResult:
        from ..widgets.preview import picture_preview

        with Vertical(classes="dialog wide", id="picture-box") as box:
            box.border_title = self.title_text
            yield picture_preview(id="picture-preview")
            yield Static(Text(self.question))
            yield Static(Text.assemble(*key_pieces(self, "picture.yes", "y"), " " + _("send") + "   ",
                                       *key_pieces(self, "picture.no", "n", "esc"), " " + _("cancel")),
                         classes="dialog-keys")

    def on_mount(self) -> None:
        from ..widgets.preview import PicturePreview

        self.query_one(PicturePreview).show_still(self.picture)  # type: ignore[arg-type]

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
