"""Which keys apply now, and why the others do not: one answer for the footer, the key list and the toast.

A screen (or the app) that can say why an action does not apply now defines
`refusal(action, parameters) -> str | None`: the reason in one line, in the user's words ("No ticket
in hand: press n to call the next one."), or None when the action applies. Its `check_action` returns
None (not False) for a refused action, so Textual keeps the binding and the app, instead of doing
nothing, shows the reason when the key is pressed (DeskApp.run_action). False stays what Textual means
by it: a key that does not exist here at all (a kiosk's ctrl+q), never listed, never explained.

The footer (widgets/key_footer.py) shows the keys that apply now; the key list (screens/key_list.py,
`?` or F1) shows every key of the screen with the reason beside those that do not apply.
"""
from __future__ import annotations

from dataclasses import dataclass

from textual import actions
from textual.app import App
from textual.binding import Binding
from textual.dom import DOMNode
from textual.screen import Screen

from deskapp.i18n import N_, _

KEYS_ACTION = "keys"  # DeskApp's binding for the key list (? and F1)
NOT_NOW = N_("Not available right now.")


@dataclass(frozen=True)
class Key:
    """A key as the footer and the key list show it."""

    key: str  # what Textual calls it ("question_mark"), for a click to press it
    display: str  # what the user reads ("?", "F6", "^l")
    description: str  # in the language in effect when the key was listed
    applies: bool
    why_not: str | None  # the reason it does not apply now (None when it applies)
    everywhere: bool  # an app-wide key (F-keys, lock, quit) rather than this screen's own
    in_footer: bool = True  # False: in the key list only (ctrl+p, a second key of one action)


def resolve(app: App, action: str, namespace: DOMNode) -> tuple[DOMNode, str, tuple]:
    """The node an action string acts on ("app.quit" on the app, "act('recall')" on `namespace`),
    its name and its parameters."""
    destination, name, parameters = actions.parse(action)
    target = {"app": app, "screen": app.screen, "focused": app.focused}.get(destination) if destination else None
    return target or namespace, name, parameters


def refusal(node: DOMNode, action: str, parameters: tuple) -> str | None:
    """Why `action` on `node` does not apply now, or None when it does (or the node gives no reason)."""
    reason = getattr(node, "refusal", None)
    return reason(action, parameters) if callable(reason) else None


def screen_keys(screen: Screen) -> list[Key]:
    """The keys of `screen` with a description, its own first (in the order it declares them, the
    most used first), then those of its focused widgets, then the app's; each key once. Keys kept out
    of the footer are listed when deskapp named them (an id, as ctrl+p has), not Textual's
    own (tab, a table's cursor keys)."""
    app: App = screen.app
    declared = {b.id: i for i, b in enumerate(type(app).BINDINGS) if isinstance(b, Binding) and b.id}
    ranked: list[tuple[int, int, Key]] = []
    seen: set[tuple[str, str]] = set()
    for key, active in screen.active_bindings.items():
        binding: Binding = active.binding
        node = active.node
        rank = 0 if node is screen else 2 if isinstance(node, App) else 1
        if not binding.description or binding.action == KEYS_ACTION:
            continue
        if not binding.show and (rank == 1 or not binding.id):  # Textual's own: tab, a table's cursor
            continue
        display = app.get_key_display(binding)
        description = str(binding.description)  # a lazy_gettext description: in the language now in effect
        if (display, description) in seen:  # one row for 1-9, for two keys of one action
            continue
        seen.add((display, description))
        why = None
        if not active.enabled:
            why = refusal(*resolve(app, binding.action, node)) or _(NOT_NOW)
        order = declared.get(binding.id, len(declared)) if rank == 2 else 0  # the app's as DeskApp lists them
        ranked.append((rank, order, Key(key, display, description, active.enabled, why, rank == 2,
                                        binding.show)))
    ranked.sort(key=lambda row: row[:2])  # stable: a screen's keys keep the order it declares
    return [row[2] for row in ranked]


def help_key(screen: Screen) -> Key | None:
    """The key that opens the key list: `?`, or F1 where `?` goes into a text field (or as a keymap
    made them); None where the list is not offered (a kiosk, a customer at the keys)."""
    found = [(key, active) for key, active in screen.active_bindings.items()
             if active.binding.action == KEYS_ACTION and active.enabled]
    if not found:
        return None
    key, active = min(found, key=lambda pair: pair[0] != "question_mark")
    return Key(key, screen.app.get_key_display(active.binding), str(active.binding.description), True, None, True)
