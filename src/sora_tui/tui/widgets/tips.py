"""TipsPanel: the prompt read as it is typed — which ingredients are there, what is missing, what conflicts,
and the guardrail warnings. Advice only: it never blocks generating.

The tips are in the interface's language (the core writes them through the catalog); the prompt they read may be
in another (a Japanese prompt in an English interface is still read, by the Japanese lexicon)."""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from rich.console import Group
from rich.text import Text
from textual import work
from textual.dom import DOMNode
from textual.widgets import Static

from ...core.i18n import N_, _, pgettext
from ...core.params import GenerationParams
from ..failures import ReportsWorkerFailures

if TYPE_CHECKING:
    from ...core.tips import Tip, TipsReport

MARK = {"present": ("✓", "green"), "missing": ("○", "dim"), "conflict": ("✗", "bold red"),
        "warning": ("⚠", "bold yellow"), "info": ("·", "dim")}


class HintKeys(NamedTuple):
    """The keys the tips name, as the keymap has them now ("" where the action is on no key: its hint is left out)."""

    snippet: str
    tips: str


def hint_keys(node: DOMNode) -> HintKeys:
    """The snippets' key and the checklist's for the tips shown in `node` (the workbench declares both)."""
    from ..keymap import bound_key

    return HintKeys(bound_key(node, "app.snippet"), bound_key(node, "app.tips"))


def tip_line(tip: Tip, detail: bool) -> Text:
    mark, style = MARK.get(tip.state, ("·", ""))
    line = Text()
    line.append(f"{mark} ", style=style)
    line.append(tip.label, style="bold" if tip.state in ("conflict", "warning") else ("" if tip.state == "present" else "dim"))
    if detail and tip.detail and tip.state != "present":
        line.append(" — " + tip.detail, style="dim" if tip.state in ("missing", "info") else "")
    return line


def report_lines(report: TipsReport, keys: HintKeys) -> Group:
    """The checklist as one line per tip, cut with … (the panel beside the composer); F2 shows it whole."""
    lines: list[Text] = []
    for heading, tips in (("", report.ingredients), (_("Advice"), report.advice),
                          (_("Before you publish"), report.guardrails)):
        if not tips:
            continue
        if heading:
            lines.append(Text(heading, style="bold"))
        for tip in tips:
            line = tip_line(tip, detail=True)
            line.no_wrap, line.overflow = True, "ellipsis"
            lines.append(line)
    hint = keys_line(keys)
    if hint:
        # one line whatever the keys: a long key is cut with …, the panel's height stays
        lines.append(Text(hint, style="dim italic", no_wrap=True, overflow="ellipsis"))
    return Group(*lines)


def keys_line(keys: HintKeys) -> str:
    """The panel's last line: the keys of the snippets and of the whole checklist, as the keymap has them now."""
    if keys.snippet and keys.tips:
        return _("{snippet} snippet · {tips} all tips").format(snippet=keys.snippet, tips=keys.tips)
    if keys.snippet:
        return _("{snippet} snippet").format(snippet=keys.snippet)
    return _("{tips} all tips").format(tips=keys.tips) if keys.tips else ""


def report_text(report: TipsReport, keys: HintKeys) -> Text:
    """The full checklist (F2)."""
    have, total = report.score
    text = Text()
    text.append(_("Ingredients {have}/{total}").format(have=have, total=total) + "\n", style="bold")
    for tip in report.ingredients:
        text.append_text(tip_line(tip, detail=True))
        text.append("\n")
    if report.advice:
        text.append("\n" + _("Advice") + "\n", style="bold")
        for tip in report.advice:
            text.append_text(tip_line(tip, detail=True))
            text.append("\n")
    if report.guardrails:
        text.append("\n" + _("Before you publish") + "\n", style="bold")
        for tip in report.guardrails:
            text.append_text(tip_line(tip, detail=True))
            text.append("\n")
    if keys.snippet:
        text.append("\n" + _("{snippet} inserts a snippet (camera, style, lighting, sound)").format(
            snippet=keys.snippet), style="dim italic")
    return text


def summary_text(report: TipsReport, keys: HintKeys) -> Text:
    """Two lines (narrow layout): the score and what is missing, then the most pressing warning."""
    have, total = report.score
    missing = [t.label.lower() for t in report.ingredients if t.state != "present"]
    text = Text()
    text.append(_("Tips {have}/{total}").format(have=have, total=total), style="bold")
    text.append("  " + (_("missing: {names}").format(names=pgettext("list separator", ", ").join(missing)) if missing
                        else _("missing: nothing")), style="dim")
    if keys.snippet:
        text.append("  · " + _("{snippet} snippets").format(snippet=keys.snippet), style="dim")
    urgent = next((t for t in report.advice + report.guardrails if t.state in ("conflict", "warning")), None)
    text.append("\n")
    if urgent is not None:
        text.append_text(tip_line(urgent, detail=True))
    elif keys.tips:
        text.append(_("{tips}: all tips").format(tips=keys.tips), style="dim")
    return text


class TipsPanel(ReportsWorkerFailures, Static):
    """Shows a TipsReport for the composer's current prompt and settings."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.report: TipsReport | None = None
        self.compact = False
        self._pending: tuple[GenerationParams, int, tuple[str, ...]] | None = None

    def on_mount(self) -> None:
        self.border_title = _("Tips")
        self._warm = False
        # The first reading compiles the tips' word lists, English and Japanese: after the first frame, in a
        # thread, before anyone types (on the event loop it held the first keystrokes).
        self.set_timer(0.25, self._compile)

    @work(thread=True, exit_on_error=False, group="tips", description=N_("compile the tips' word lists"))
    def _compile(self) -> None:
        # Imported here too: its 40-odd patterns compile as the module loads (12 ms), in this thread, not before the
        # first frame.
        from ...core.tips import prepare

        prepare()
        self.app.call_from_thread(self._warm_up)

    def _warm_up(self) -> None:
        self._warm = True
        if self._pending is None and self.report is None:
            self._pending = (GenerationParams(prompt=""), 1, ())
        if self._pending is not None:
            self.call_after_refresh(self._analyse)

    def show(self, params: GenerationParams, variations: int, characters: tuple[str, ...] = ()) -> None:
        """Read the prompt after the next frame, so a burst of keystrokes is read once."""
        scheduled = self._pending is not None
        self._pending = (params, variations, characters)
        if not scheduled and getattr(self, "_warm", False):
            self.call_after_refresh(self._analyse)

    def _analyse(self) -> None:
        if self._pending is None:
            return
        params, variations, characters = self._pending
        self._last = self._pending
        self._pending = None
        from ...core.tips import analyse  # loaded by _compile by now

        self.report = analyse(params.prompt, model=params.model, size=params.size, seconds=params.seconds,
                              has_image=bool(params.image), variations=variations, characters=characters)
        self._draw()

    def language_changed(self) -> None:
        """The same prompt read again: the advice is written in the interface's language as it is made."""
        last = getattr(self, "_last", None)
        if last is None or not getattr(self, "_warm", False):
            self.border_title = _("Tips")
            return
        self._pending = last
        self._analyse()

    def set_compact(self, compact: bool) -> None:
        if compact != self.compact:
            self.compact = compact
            self._draw()

    def _draw(self) -> None:
        if self.report is not None:
            keys = hint_keys(self)
            content = summary_text(self.report, keys) if self.compact else report_lines(self.report, keys)
            # A new layout (the whole screen's) only when the panel's height in lines changes, not per key.
            lines = len(content.renderables) if isinstance(content, Group) else content.plain.count("\n")
            self.update(content, layout=lines != getattr(self, "_lines", None))
            self._lines = lines
            have, total = self.report.score
            self.border_title = _("Tips {have}/{total}").format(have=have, total=total)

