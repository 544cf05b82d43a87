"""PromptArea: the prompt's text area, Textual's TextArea with the readline editing keys and the editor key taken
out of its own bindings, so that the composer's bindings of them (with ids, in the help, movable by a keymap) apply.
The keys themselves are declared here, next to the widget they act on; PromptComposer binds them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from textual import events
from textual.binding import Binding, BindingType
from textual.containers import ScrollableContainer
from textual.widgets import TextArea

from ...core.i18n import N_

# The prompt's editing keys, as terminal users expect them (readline's, where they clash with nothing of the app's:
# ctrl+b is tmux's prefix and ctrl+f searches in the history, so the arrows stay for one character). They are the
# composer's, with ids, so that the help lists them and a keymap can move them; each acts only while the prompt
# has the focus (check_action), and in the image and variations fields those fields' own keys apply.
PROMPT_KEYS = [
    Binding("ctrl+a,f7", "prompt('select_all')", N_("Select all"), tooltip=N_("Select the whole prompt; typing "
                                                                            "then replaces it"),
            id="composer.select_all", show=False),
    Binding("ctrl+u", "prompt('delete_to_start_of_line')", N_("Delete to line start"), id="composer.delete_line_start",
            show=False),
    Binding("ctrl+k", "prompt('delete_to_end_of_line_or_delete_line')", N_("Delete to line end"),
            id="composer.delete_line_end", show=False),
    Binding("ctrl+w", "prompt('delete_word_left')", N_("Delete the word before the cursor"),
            id="composer.delete_word_left", show=False),
    Binding("alt+d", "prompt('delete_word_right')", N_("Delete the word after the cursor"),
            id="composer.delete_word_right", show=False),
    Binding("alt+b", "prompt('cursor_word_left')", N_("Word left"), id="composer.word_left", show=False),
    Binding("alt+f", "prompt('cursor_word_right')", N_("Word right"), id="composer.word_right", show=False),
]
EDITOR_KEY = Binding("ctrl+e", "edit_in_editor", N_("Editor"),
                     tooltip=N_("Edit the prompt in your editor ($VISUAL, else $EDITOR); read back when it closes"),
                     id="composer.editor", show=False)


def _keys(bindings: list) -> set[str]:
    return {key.strip() for binding in bindings for key in binding.key.split(",")}


def _without(bindings: Iterable[BindingType], taken: set[str]) -> list[BindingType]:
    """`bindings` less the keys in `taken` (a binding left with no key is dropped). Textual's widgets declare
    theirs as Binding objects; the tuple form they may be declared in is not used there."""
    kept: list[BindingType] = []
    for binding in bindings:
        assert isinstance(binding, Binding)
        keys = [key.strip() for key in binding.key.split(",") if key.strip() not in taken]
        if keys:
            kept.append(replace(binding, key=",".join(keys)))
    return kept


class PromptArea(TextArea, inherit_bindings=False):
    """The prompt: Textual's TextArea less the keys the composer binds (TextArea's ctrl+a and ctrl+e move to the line's
    start and end; home and end still do). Taken out, not shadowed: a key the focused widget binds never reaches
    the composer, and a binding without an id is one a keymap could not move."""

    # As Textual merges them: a key TextArea binds replaces the scrolling container's binding of it.
    BINDINGS = _without(_without(list(ScrollableContainer.BINDINGS), _keys(TextArea.BINDINGS)) + list(TextArea.BINDINGS),
                        _keys([*PROMPT_KEYS, EDITOR_KEY]))

    def on_key(self, event: events.Key) -> None:
        # A terminal's alt+d (ESC d) reaches Textual as the key "alt+d" carrying the character "d", which TextArea
        # would type. With a modifier it is a key, never text: TextArea's typing is skipped (this handler runs
        # first) and the key goes on to the bindings, the composer's alt+d, alt+b and alt+f among them.
        if event.key.startswith(("alt+", "ctrl+", "super+", "meta+", "hyper+")):
            event.prevent_default()
