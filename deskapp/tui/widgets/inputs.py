"""Input and TextArea that keep the keys in the order they were typed.

Textual (8.2) hands a printable key to the focused box at once, but a key the box handles through a
binding (backspace, delete, the arrows, home, end) first bubbles up to the app and comes back as an
action: when keys arrive together (a fast typist, a barcode scanner, a pasted burst) the letters typed
after a backspace land before it runs, so "12,5" + backspace + "0" reads "12,0" only when typed slowly,
and "1250" in a 3-character box becomes something nobody typed. Here the box runs its own bindings
where the key reaches it, in its queue, so each key acts in turn (tests/e2e/test_typing_pty.py types
bursts of letters, backspaces and arrows in one write). Every box of deskapp's screens is one of these
(tests/tui/test_markup_lint.py checks no screen builds Textual's own).
"""
from __future__ import annotations

from textual import events
from textual.widgets import Input as _Input
from textual.widgets import TextArea as _TextArea


class KeysInOrder:
    """Run this widget's own (non-priority) binding for a non-printable key where the key arrives."""

    async def _on_key(self, event: events.Key) -> None:
        if event.is_printable:
            return
        for binding in self._bindings.key_to_bindings.get(event.key, ()):  # type: ignore[attr-defined]
            if not binding.priority and await self.app.run_action(binding.action, self):  # type: ignore[attr-defined]
                event.stop()
                event.prevent_default()
                return


class Input(KeysInOrder, _Input):
    """Textual's Input, its keys in the order typed."""


class TextArea(KeysInOrder, _TextArea):
    """Textual's TextArea, its keys in the order typed."""
