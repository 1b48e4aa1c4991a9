"""Login: staff login and PIN; a desk role also picks (or confirms) its counter."""
from __future__ import annotations

from textual import on
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Vertical
from textual.screen import Screen
from textual.widgets import Button, Header, Label, Select, Static

from deskapp.i18n import _, lazy_gettext
from deskapp.tui.format import escape, plain
from deskapp.tui.widgets.inputs import Input
from deskapp.tui.widgets.key_footer import KeyFooter
from deskapp.tui.work import call_core, show_failure


def _login_at_counter(ctx, login: str, pin: str, counter: str | None):
    """Check the PIN, then sit the teller down at the counter (resuming any ticket it holds)."""
    from deskapp.core import queue as q
    from deskapp.core.security import auth

    session = auth.login(ctx, login, pin)
    if "desk" in session.screens and counter:
        q.open_counter(ctx, counter, session.login)
    elif "desk" not in session.screens:
        counter = None
    return session, counter


class LoginScreen(Screen):
    """The first screen of every desk."""

    # Enter is read where the keys are read in order (a priority binding runs in the app's queue): in
    # the login it moves the focus to the PIN before the next key is handed on, so digits typed right
    # behind it, however fast and however busy the machine, reach the PIN in the order typed.
    BINDINGS = [Binding("escape", "clear", lazy_gettext("Clear")), Binding("enter", "enter", show=False, priority=True)]
    DEFAULT_CSS = """
    LoginScreen #counter-pending { height: 3; border: tall $border-blurred; padding: 0 2; color: $text-muted; }
    """

    @staticmethod
    def _words() -> dict[str, str]:
        """The screen's words by widget id, in the language now in effect (compose and relabel)."""
        return {"login-label": _("Login"), "login": _("e.g. ana"), "pin-label": _("PIN"), "pin": _("PIN"),
                "counter-label": _("Counter (tellers)"), "counter-pending": _("No counter"), "submit": _("Log in")}

    def compose(self) -> ComposeResult:
        config = self.app.config
        branch = config.branch.name if config else "deskapp"
        words = self._words()
        yield Header()
        with Center():
            with Vertical(id="login-box"):
                yield Static(f"[b]{escape(branch)}[/b]\n" + _("Staff login"), id="login-title")
                yield Label(words["login-label"], id="login-label")
                yield Input(placeholder=words["login"], id="login")
                yield Label(words["pin-label"], id="pin-label")
                yield Input(placeholder=words["pin"], password=True, id="pin", restrict=r"[0-9]*", max_length=12)
                yield Label(words["counter-label"], id="counter-label")
                if config:
                    yield self._counter_select(config)
                else:
                    # The counters come with the configuration, after the first frame; the Select
                    # (with its overlay) is the costliest widget here, so it is mounted then.
                    yield Static(words["counter-pending"], id="counter-pending")
                yield Button(words["submit"], variant="primary", id="submit")
                yield Static("", id="login-message")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#login", Input).focus()

    def on_screen_resume(self) -> None:
        """Back after a lock (ctrl+l or idle): the login is still filled in, so the PIN takes the
        keys at once (set now, not deferred: digits typed right away must not go elsewhere)."""
        login = self.query_one("#login", Input)
        self.set_focus(self.query_one("#pin", Input) if login.value.strip() else login)

    _waiting = False

    def context_ready(self) -> None:
        if self._waiting:
            self.submit()

    def _given_counter(self, config):
        """--counter, when the configuration has that counter."""
        return self.app.counter if self.app.counter in {c.code for c in config.counters} else Select.NULL

    def _counter_select(self, config) -> Select:
        counters = [(plain(f"{c.code} · {config.counter_name(c.code)}"), c.code) for c in config.counters]
        return Select(counters, value=self._given_counter(config), allow_blank=True, prompt=_("No counter"),
                      id="counter")

    def relabel(self) -> None:
        """The screen's words again, in the language now in effect (the branch's, chosen when the
        configuration arrived after the first frame); what was typed stays."""
        words = self._words()
        for label in ("login-label", "pin-label", "counter-label"):
            self.query_one(f"#{label}", Label).update(words[label])
        for box in ("login", "pin"):
            self.query_one(f"#{box}", Input).placeholder = words[box]
        for pending in self.query("#counter-pending").results(Static):
            pending.update(words["counter-pending"])
        self.query_one("#submit", Button).label = words["submit"]
        self.query_one(KeyFooter).refresh()

    def configure(self, config) -> None:
        """The configuration arrived after the screen was painted: show the branch and its counters."""
        self.query_one("#login-title", Static).update(f"[b]{escape(config.branch.name)}[/b]\n" + _("Staff login"))
        pending = self.query("#counter-pending")
        if pending:
            self.query_one("#login-box").mount(self._counter_select(config), before=pending.first())
            pending.remove()
            return
        select = self.query_one("#counter", Select)
        select.set_options([(f"{c.code} · {c.name}", c.code) for c in config.counters])
        if self.app.counter in {c.code for c in config.counters}:
            select.value = self.app.counter

    def action_enter(self) -> None:
        focused = self.focused
        if focused is not None and focused.id == "login":
            self.set_focus(self.query_one("#pin", Input))  # now, not via focus() (deferred)
        elif focused is not None and focused.id == "pin":
            # After the keys already handed to the two boxes (each has its own queue): a burst of
            # "login Enter PIN Enter" is read with every digit in place.
            login, pin = self.query_one("#login", Input), self.query_one("#pin", Input)
            login.call_later(pin.call_later, self.submit)
        else:
            raise SkipAction()  # the counter's list or a button takes Enter as usual

    @on(Button.Pressed, "#submit")
    def submit(self) -> None:
        if self.app.ctx is None:
            # Typed before the database answered: log in as soon as it does.
            self._waiting = True
            self._say(_("Connecting to the database…"))
            return
        self._waiting = False
        login = self.query_one("#login", Input).value.strip()
        pin = self.query_one("#pin", Input).value
        if not login or not pin:
            self._say(_("Enter your login and PIN."))
            return
        select = self.query_one("#counter", Select)
        # Mounted only just now (typed before the configuration came): it holds --counter, if any.
        counter = select.value if select.is_mounted else self._given_counter(self.app.config)
        counter = None if counter is Select.NULL else str(counter)
        self._say(_("Checking…"))
        call_core(self, _login_at_counter, self.app.ctx, login, pin, counter, then=self._done, on_error=self._failed)

    def _done(self, result) -> None:
        session, counter = result
        self.query_one("#pin", Input).value = ""
        self._say("")
        self.app.logged_in(session, counter)

    def _failed(self, exc: BaseException) -> None:
        pin = self.query_one("#pin", Input)
        pin.value = ""
        show_failure(self, exc, self._say)
        pin.focus()

    def action_clear(self) -> None:
        for widget_id in ("#login", "#pin"):
            self.query_one(widget_id, Input).value = ""
        self._say("")
        self.query_one("#login", Input).focus()

    def _say(self, text: str) -> None:
        self.query_one("#login-message", Static).update(text)
