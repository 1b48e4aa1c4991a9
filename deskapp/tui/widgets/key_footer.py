"""The footer of every staff screen: the keys that apply now, whole, and "? Keys" always at the right.

Textual's Footer shows every key, greys those that do not apply and cuts the line wherever the
terminal ends ("k Close counter o Op"), so at 80 columns half the desk's keys were never seen. This
one draws one line itself, on every resize and every change of the screen's bindings: the keys that
apply now in the screen's order (its most used first, then the app's F-keys, lock and quit), as
many whole keys as fit beside "? Keys"; the key list (? or F1) has the rest. A click presses the key.
"""
from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual import events
from textual.widget import Widget

from deskapp.tui.keys import Key, help_key, screen_keys


class KeyFooter(Widget, can_focus=False):
    COMPONENT_CLASSES = {"key-footer--key", "key-footer--description"}
    DEFAULT_CSS = """
    KeyFooter {
        dock: bottom;
        height: 1;
        background: $footer-background;
        color: $footer-foreground;
    }
    KeyFooter > .key-footer--key {
        color: $footer-key-foreground;
        background: $footer-key-background;
        text-style: bold;
    }
    KeyFooter > .key-footer--description {
        color: $footer-description-foreground;
        background: $footer-description-background;
    }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._spans: list[tuple[int, int, str]] = []  # (from x, to x, key) of what render() drew

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, _screen) -> None:
        self.refresh()

    def shown(self, width: int | None = None) -> tuple[list[Key], Key | None]:
        """The keys drawn at `width` columns (the footer's own by default), and "? Keys" at the right."""
        width = self.size.width if width is None else width
        last = help_key(self.screen)
        room = width - (_width(last) if last else 0)
        fits: list[Key] = []
        for key in (k for k in screen_keys(self.screen) if k.applies and k.in_footer):
            room -= _width(key)
            if room < 0:
                break  # the keys after a dropped one are used less: drop them too, never cut one
            fits.append(key)
        return fits, last

    def render(self) -> Text:
        styles = (self.get_component_rich_style("key-footer--key"),
                  self.get_component_rich_style("key-footer--description"))
        keys, last = self.shown()
        line = Text(no_wrap=True, overflow="crop", end="")
        self._spans = []
        for key in keys:
            self._draw(line, key, *styles)
        if last is not None:
            line.append(" " * max(0, self.size.width - line.cell_len - _width(last)))
            self._draw(line, last, *styles)
        return line

    def _draw(self, line: Text, key: Key, key_style, description_style) -> None:
        start = line.cell_len
        line.append(f" {key.display} ", key_style)
        line.append(f"{key.description} ", description_style)
        self._spans.append((start, line.cell_len, key.key))

    def on_click(self, event: events.Click) -> None:
        for start, end, key in self._spans:
            if start <= event.x < end:
                event.stop()
                self.app.simulate_key(key)
                return


def _width(key: Key) -> int:
    return cell_len(key.display) + cell_len(key.description) + 3
