"""Boxes that take every keystroke at any typing speed and say why when they refuse one.

Textual hands a key to the widget focused when the app reads it, and a focus moved by a handler
further along (Enter's Submitted, a binding checked when the key has bubbled up) moves too late for
the keys typed right behind it. So here Enter moves the focus at once, in the order the keys came
(a priority binding runs as the app reads the key), and what reads the boxes waits until each has
handled what was sent to it (`when_handled`). Tab does the same app-wide (DeskApp's bindings).

A FieldInput of kind money, number or date keeps what fits (deskapp.core.fields.typable) and posts
Refused with one line saying why, instead of Textual's silent bell.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable

from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Select

from deskapp.core import fields
from deskapp.i18n import _, ngettext
from deskapp.tui.widgets.inputs import Input


def when_handled(widgets: Iterable[Widget], callback: Callable[[], None]) -> None:
    """Run callback once every widget has handled the messages (keys) already sent to it."""
    widgets = [w for w in widgets if w.is_attached]
    pending = len(widgets)
    if not pending:
        callback()
        return

    def one() -> None:
        nonlocal pending
        pending -= 1
        if pending == 0:
            callback()

    for widget in widgets:
        if not widget.call_later(one):  # closing: it has nothing left to handle
            one()


class FieldInput(Input):
    """An Input for a typed value: money, number and date boxes refuse a foreign character with a
    reason; `on_enter` (when set) runs as the app reads the Enter key, before the keys behind it."""

    BINDINGS = [Binding("enter", "enter", show=False, priority=True)]

    class Refused(Message):
        """Something typed or pasted was (partly) refused; `reason` is one line for the user."""

        def __init__(self, box: FieldInput, reason: str) -> None:
            super().__init__()
            self.box = box
            self.reason = reason

        @property
        def control(self) -> FieldInput:
            return self.box

    def __init__(self, value: str | None = None, *, kind: str = "text", formats: fields.Formats | None = None,
                 on_enter: Callable[[], None] | None = None, **options) -> None:
        super().__init__(value, **options)
        self.kind = kind
        self.formats = formats or fields.Formats()
        self.on_enter = on_enter

    def action_enter(self) -> None:
        if self.on_enter is not None:
            self.on_enter()
        else:
            # Submitted is posted to this box, behind the keys it has still to handle.
            self.call_later(self.action_submit)

    def replace(self, text: str, start: int, end: int) -> None:
        if text:
            kept, reason = fields.typable(self.kind, text, self.formats)
            if reason is not None:
                self.post_message(self.Refused(self, reason))
            if not kept:
                return
            text = kept
        super().replace(text, start, end)

    def restricted(self) -> None:
        refused = (ngettext("That key was refused: at most {n} character.", "That key was refused: at most {n} characters.",
                            self.max_length).format(n=self.max_length) if self.max_length
                   else _("That key was refused: not accepted here."))
        self.post_message(self.Refused(self, refused))


class FieldSelect(Select):
    """A drop-down that a typed letter chooses in, closed, as in a browser's select: the next option
    whose label starts with it. So a whole step can be typed without waiting for a list to open."""

    def _on_key(self, event: events.Key) -> None:
        char = event.character
        if self.expanded or not event.is_printable or not char or char == " ":
            return
        options = [(str(label), value) for label, value in self._options if value is not Select.NULL]
        matching = [value for label, value in options if label.lower().startswith(char.lower())]
        if not matching:
            return
        event.stop()
        event.prevent_default()
        after = matching.index(self.value) + 1 if self.value in matching else 0
        self.value = matching[after % len(matching)]
