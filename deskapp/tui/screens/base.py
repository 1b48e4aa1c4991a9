"""The base of deskapp's screens: the app's state, typed, and a reload whenever the data changes.

Screens read the app's Context, the logged-in Session and this desk's counter. `AppScreen` gives
them as typed properties instead of untyped `self.app.ctx`, and owns the one subscription to the
app's change signal: on mount, and each time the branch's change marker moves, it calls the
screen's `reload()` once the context is open (under a whole screen, such as the guide over the desk,
once it is in front again: a screen nobody sees is not read for every change). A screen overrides `reload()` and nothing else.

A key that does not apply now is explained, not just greyed: a screen says why in `refusal()`, and
`check_action` follows it, so the footer, the key list and the toast agree (deskapp.tui.keys).

The properties read the app through `AppState`, a Protocol of what `DeskApp` offers screens: the
screens module cannot import `deskapp.tui.app` itself, since the app imports the screens.
"""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, cast, runtime_checkable

from textual import events
from textual.screen import Screen

if TYPE_CHECKING:
    from textual.signal import Signal

    from deskapp.config.schema import Config
    from deskapp.core.context import Context
    from deskapp.core.security.auth import Session

ResultType = TypeVar("ResultType")  # i18n: not words


@runtime_checkable
class AppState(Protocol):
    """What DeskApp holds for its screens (deskapp.tui.app.DeskApp implements it; a test checks)."""

    ctx: Context | None
    config: Config | None
    session: Session | None
    counter: str | None
    changes: Signal[int]

    def now(self) -> dt.datetime: ...

    def report_error(self, exc: BaseException) -> None: ...


def breakpoint_classes(screen_class: type[Screen]) -> str | None:
    """The breakpoint classes (-narrow/-wide, -short/-tall) a screen of this class gets for the
    app's present size, to be given at construction: Textual adds them on the screen's first resize,
    after it mounted, and restyles every widget of the screen for it."""
    from textual._context import NoActiveAppError, active_app

    try:
        app = active_app.get()
    except (LookupError, NoActiveAppError):
        return None
    width, height = app.size
    found = []
    horizontal, vertical = screen_class.HORIZONTAL_BREAKPOINTS, screen_class.VERTICAL_BREAKPOINTS
    for dimension, breakpoints in ((width, app.HORIZONTAL_BREAKPOINTS if horizontal is None else horizontal),
                                   (height, app.VERTICAL_BREAKPOINTS if vertical is None else vertical)):
        for limit, name in sorted(breakpoints or [], reverse=True):
            if dimension >= limit:
                found.append(name)
                break
    return " ".join(found) or None


class ContextNotOpen(RuntimeError):
    """A screen asked for the context before the app had opened it: a bug, not a user error."""


class AppScreen(Screen[ResultType]):
    """A screen of deskapp: typed app state, and `reload()` on mount and on every change."""

    _stale = False  # a change came while a whole screen covered this one: reload() when shown again

    @property
    def state(self) -> AppState:
        return cast("AppState", self.app)  # i18n: not words

    @property
    def loaded(self) -> bool:
        """Whether the configuration and database are open (screens shown before login wait for it)."""
        return self.state.ctx is not None

    @property
    def ctx(self) -> Context:
        ctx = self.state.ctx
        if ctx is None:
            raise ContextNotOpen(f"{type(self).__name__} used the context before the app opened it")  # i18n: not words (a bug)
        return ctx

    @property
    def config(self) -> Config:
        config = self.state.config
        if config is None:
            raise ContextNotOpen(  # a bug, for the log
                f"{type(self).__name__} used the configuration before the app loaded it")  # i18n: not words
        return config

    @property
    def session(self) -> Session | None:
        """The staff member logged in; None on screens that need no login (display, terminals)."""
        return self.state.session

    @property
    def counter(self) -> str | None:
        """This desk's counter, chosen at login or given on the command line."""
        return self.state.counter

    def reload(self) -> None:
        """Load what the screen shows; called on mount and whenever another desk changes data."""

    def refusal(self, action: str, parameters: tuple) -> str | None:
        """Why `action` does not apply now, in one line of the user's words; None when it applies."""
        return None

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        """Refused actions stay listed (None), so that pressing their key says why (DeskApp.run_action)."""
        return None if self.refusal(action, parameters) else True

    def _on_mount(self, event: events.Mount) -> None:
        # Textual calls this after the subclass's own on_mount (handlers run down the MRO), so a
        # screen's tables have their columns before the first reload; Screen's own _on_mount is
        # dispatched by Textual as well, so it is not called here.
        self.state.changes.subscribe(self, self._changed)
        self._changed()

    def _changed(self, _marker: Any = None) -> None:
        if not self.loaded:
            return
        top = self.app.screen
        if top is not self and self in self.app.screen_stack and not top.is_modal:
            self._stale = True  # covered by a whole screen (the guide): read again when shown, not now
            return
        self.reload()

    def _on_screen_resume(self, _event: events.ScreenResume) -> None:
        if self._stale:
            self._stale = False
            self.reload()
