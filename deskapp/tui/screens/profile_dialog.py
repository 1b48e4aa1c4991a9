"""The supervisor changes which services a counter serves and in what order (its work profile).

Every service of the branch is listed: first those the counter serves, in calling order and
numbered, then the others. Keys only: space takes a service in or out, `u` / `d` (or shift+up /
shift+down) move it up or down the calling order, `s` saves, escape leaves without saving. Core
(deskapp.core.queue.set_profile) checks the role, refuses an empty profile and audits the change;
a refusal stays on screen in the dialog.
"""
from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from deskapp.core import queue as q
from deskapp.i18n import _, lazy_gettext
from deskapp.tui.format import escape, plain
from deskapp.tui.work import call_core, show_failure


class ProfileDialog(ModalScreen[bool]):
    """Dismisses with True once the new profile is saved, False when left."""

    DEFAULT_CSS = """
    ProfileDialog { align: center middle; }
    ProfileDialog > Vertical { width: 80; max-width: 100%; height: auto; max-height: 100%; padding: 1 2;
        border: thick $primary; background: $panel; }
    ProfileDialog OptionList { height: auto; max-height: 16; margin-top: 1; }
    ProfileDialog #profile-message { color: $error; height: auto; margin-top: 1; }
    """
    BINDINGS = [
        Binding("space", "toggle", lazy_gettext("In / out"), id="profile_toggle"),
        Binding("u,shift+up", "move(-1)", lazy_gettext("Up"), id="profile_up"),
        Binding("d,shift+down", "move(1)", lazy_gettext("Down"), id="profile_down"),
        Binding("s,ctrl+s", "save", lazy_gettext("Save"), id="profile_save"),
        Binding("escape", "dismiss(False)", lazy_gettext("Back"), id="profile_back"),
    ]

    def __init__(self, counter: str, counter_name: str, serves: list[str], services: list[tuple[str, str]]) -> None:
        super().__init__()
        self.counter, self.counter_name = counter, counter_name
        self.names = dict(services)
        self.chosen = [code for code in serves if code in self.names]
        self.others = [code for code, _name in services if code not in self.chosen]

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(_("[b]Services of {counter}[/b], in calling order").format(counter=escape(self.counter_name)))
            yield OptionList(id="profile-list")
            yield Static("", id="profile-message")
            yield Footer()

    def on_mount(self) -> None:
        self._redraw(0)

    def _order(self) -> list[str]:
        return self.chosen + self.others

    def _redraw(self, highlight: int) -> None:
        options = self.query_one(OptionList)
        options.clear_options()
        rows = [Option(plain(f"{i + 1}. {code} · {self.names[code]}"), id=code) for i, code in enumerate(self.chosen)]
        rows += [Option(plain(f"   {code} · {self.names[code]}  " + _("(not served)")), id=code) for code in self.others]
        options.add_options(rows)
        options.highlighted = max(0, min(highlight, len(rows) - 1))
        options.focus()

    def _current(self) -> str | None:
        index = self.query_one(OptionList).highlighted
        return None if index is None else self._order()[index]

    def action_toggle(self) -> None:
        code = self._current()
        if code is None:
            return
        if code in self.chosen:
            self.chosen.remove(code)
            self.others.insert(0, code)
        else:
            self.others.remove(code)
            self.chosen.append(code)
        self._redraw(self._order().index(code))

    def action_move(self, step: int) -> None:
        code = self._current()
        if code is None or code not in self.chosen:
            return
        i = self.chosen.index(code)
        j = max(0, min(len(self.chosen) - 1, i + step))
        self.chosen[i], self.chosen[j] = self.chosen[j], self.chosen[i]
        self._redraw(j)

    def action_save(self) -> None:
        def refused(exc: BaseException) -> None:
            show_failure(self, exc, lambda text: self.query_one("#profile-message", Static).update(escape(text)))

        call_core(self, q.set_profile, self.app.ctx, self.counter, list(self.chosen), by=self.app.session.login,
                  then=lambda _saved: self.dismiss(True), on_error=refused)
