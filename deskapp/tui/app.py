"""The Textual App: wiring only. Screens own their behaviour; core owns the rules.

It holds the Context (configuration, clock, branch), the logged-in Session and this desk's
counter; switches between the screens the role allows; polls the change marker so screens
reload when another desk changes something; locks the desk after the idle time; and shows
every failure from a worker as a message, never a traceback. A little longer than 450 lines: the keys
typed ahead (hold and replay) and the idle lock live here because they are the app's own event loop.
"""
from __future__ import annotations

import datetime as dt
import gc
from typing import TYPE_CHECKING

from textual import events, work
from textual.app import App
from textual.binding import Binding
from textual.content import Content
from textual.notifications import SeverityLevel
from textual.signal import Signal
from textual.timer import Timer

from deskapp import i18n
from deskapp.i18n import N_, _, lazy_gettext
from deskapp.tui.commands import DeskCommands

if TYPE_CHECKING:  # imported lazily: the login screen paints before config and database load
    from deskapp.config.schema import Config
    from deskapp.core.clock import Clock
    from deskapp.core.context import Context
    from deskapp.core.errors import Description
    from deskapp.core.security.auth import Session

SWITCH_KEYS = {"desk": "f2", "reception": "f3", "customers": "f4", "feedback": "f5",
               "supervisor": "f6", "manager": "f7", "audit": "f8"}


def _screen_factory(name: str):
    """The screen class for a screen name; imported lazily to keep start-up fast."""
    if name == "desk":
        from deskapp.tui.screens.desk import DeskScreen

        return DeskScreen
    if name == "reception":
        from deskapp.tui.screens.reception import ReceptionScreen

        return ReceptionScreen
    if name == "feedback":
        from deskapp.tui.screens.feedback import FeedbackScreen

        return FeedbackScreen
    if name == "customers":
        from deskapp.tui.screens.customers import CustomersScreen

        return CustomersScreen
    if name == "audit":
        from deskapp.tui.screens.audit import AuditScreen

        return AuditScreen
    if name == "supervisor":
        from deskapp.tui.screens.supervisor import SupervisorScreen

        return SupervisorScreen
    if name == "manager":
        from deskapp.tui.screens.manager import ManagerScreen

        return ManagerScreen
    if name == "network":  # an area manager's home: Enter opens a branch's supervisor view
        from deskapp.tui.screens.network import NetworkScreen
        from deskapp.tui.screens.supervisor import SupervisorScreen

        return lambda: NetworkScreen(home=True, open_branch=lambda ctx, read_only: SupervisorScreen(
            ctx, read_only=read_only))
    from deskapp.tui.screens.placeholder import PlaceholderScreen

    return lambda: PlaceholderScreen(name)


# Textual's own command-palette entries (App.get_system_commands) by their English title: our words for
# title and help, so that a Portuguese palette does not say "Quit the application as soon as possible".
TEXTUAL_COMMANDS = {
    "Theme": (N_("Theme"), N_("Change the colours of the screens")),  # i18n: not words (the keys)
    "Quit": (N_("Quit"), N_("Quit the application now")),  # i18n: not words
    "Minimize": (N_("Minimize"), N_("Give the widget back its place on the screen")),  # i18n: not words
    "Maximize": (N_("Maximize"), N_("Show the chosen widget on the whole screen")),  # i18n: not words
    "Screenshot": (N_("Screenshot"), N_("Save a picture of this screen (SVG)")),  # i18n: not words
}


class DeskApp(App):
    CSS_PATH = "deskapp.tcss"
    TITLE = "deskapp"
    ENABLE_COMMAND_PALETTE = True
    COMMANDS = App.COMMANDS | {DeskCommands}
    # Every screen carries -narrow or -wide, -short or -tall: deskapp.tcss and the screens' own
    # rules fit their layouts to a small terminal (80x24) with them.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (30, "-tall")]
    # Labels translated each time they are drawn (lazy_gettext): the language is the staff member's, from login.
    BINDINGS = [
        Binding("f2", "open('desk')", lazy_gettext("Queue"), show=True, id="open_desk"),
        Binding("f3", "open('reception')", lazy_gettext("Reception"), show=True, id="open_reception"),
        Binding("f4", "open('customers')", lazy_gettext("Customers"), show=True, id="open_customers"),
        Binding("f5", "open('feedback')", lazy_gettext("Feedback"), show=True, id="open_feedback"),
        Binding("f6", "open('supervisor')", lazy_gettext("Supervisor"), show=True, id="open_supervisor"),
        Binding("f7", "open('manager')", lazy_gettext("Manager"), show=True, id="open_manager"),
        Binding("f8", "open('audit')", lazy_gettext("Audit"), show=True, id="open_audit"),
        Binding("ctrl+l", "lock", lazy_gettext("Lock"), id="lock"),
        Binding("ctrl+q", "quit", lazy_gettext("Quit"), id="quit"),
        # Tab moves the focus as the app reads it (priority), not once the key has bubbled up past the
        # box: the keys typed right behind it then reach the next box (deskapp/tui/widgets/fields.py).
        Binding("tab", "focus_next", show=False, priority=True),
        Binding("shift+tab", "focus_previous", show=False, priority=True),
        Binding("question_mark,f1", "keys", lazy_gettext("Keys"), show=False, id="keys"),  # the footer draws it at the right
        Binding("ctrl+p", "command_palette", lazy_gettext("Command palette"), show=False, priority=True,
                id="command_palette"),
    ]
    HOLD_KEYS_SECONDS = 15.0
    """Longest a screen may hold the keys typed ahead (hold_keys) before they are let through anyway."""

    def __init__(self, ctx: Context | None, *, config: Config | None = None, config_path: str | None = None,
                 db_url: str | None = None, mode: str = "desk", counter: str | None = None,
                 clock: Clock | None = None):
        super().__init__()
        self.ctx = ctx
        self.config = config
        self.config_path = config_path
        self.db_url = db_url
        self.start_mode = mode
        self.counter = counter
        self.branch: str | None = None  # --branch: the branch whose configuration this desk loads
        self.clock = clock
        self.session: Session | None = None
        self.lang: str | None = None  # --lang: every screen in it, whoever logs in
        self.changes = Signal[int](self, "changes")
        self._marker = -1
        self._poll_failing = False  # the last change poll could not reach the database
        self._last_activity = dt.datetime.min
        self._modes_added: set[str] = set()
        self._held_keys: list[events.Key] | None = None  # keys typed while a screen moves the focus
        self._hold_timer: Timer | None = None
        self._replaying = False
        if mode == "kiosk":
            # A kiosk is used by the public: no command palette (its system commands), no ctrl+q.
            self.use_command_palette = False

    # -- start-up -------------------------------------------------------------------------------
    # The first screen is the default mode's base screen: switching modes at start-up would make
    # Textual re-parse every stylesheet twice before the first frame.
    DEFAULT_MODE = "login"

    def get_default_screen(self):
        self._speak_the_branch()
        return self._first_screen()

    def _speak_the_branch(self) -> bool:
        """Before anyone logs in, with no --lang: a kiosk, display or survey speaks the branch's first
        language; a desk's login screen too when the terminal's locale names none deskapp speaks (C,
        POSIX: a branch's shared machine). True when that changed the language."""
        if self.lang is not None or self.config is None or self.session is not None:
            return False
        if self.start_mode == "desk" and i18n.from_environment() is not None:
            return False
        before = i18n.current()
        return i18n.set_default(self.config.branch.language) != before

    def on_mount(self) -> None:
        if self.config is not None:
            self.title = f"deskapp · {self.config.branch.name}"  # i18n: not words (a name and a place)
        self.add_mode("login", self._first_screen)  # already on screen; named for switch_mode("login")
        self.set_interval(1.0, self._tick)
        from deskapp.tui import hangup

        hangup.watch(self)  # a closed terminal (SIGHUP, end of input) ends the app, counter kept

    def on_ready(self) -> None:
        """The first frame is on screen: now the heavy imports, configuration and database."""
        if self.ctx is None:
            self._open_context()

    def _first_screen(self):
        if self.start_mode == "display":
            from deskapp.tui.screens.display import DisplayScreen

            return DisplayScreen()
        if self.start_mode == "kiosk":
            from deskapp.tui.screens.kiosk import KioskScreen

            return KioskScreen()
        if self.start_mode == "feedback-kiosk":
            from deskapp.tui.screens.feedback_customer import FeedbackTerminal

            return FeedbackTerminal()
        from deskapp.tui.screens.login import LoginScreen

        return LoginScreen()

    @work(thread=True, exit_on_error=False)
    def _open_context(self) -> None:
        """Configuration and database, loaded while the login screen is already on screen."""
        from deskapp.config.errors import ConfigInvalid, UnknownBranch
        from deskapp.config.load import load_config
        from deskapp.core.errors import describe
        from deskapp.core.queue import ensure_day
        from deskapp.core.startup import open_context
        from deskapp.db.pool import borrowed

        try:
            config = self.config or load_config(self.config_path, self.branch)
        except (ConfigInvalid, UnknownBranch) as exc:
            # The same messages as every command, printed once the terminal is restored.
            told = describe(exc)
            self.call_from_thread(self.exit, None, told.exit_code, told.message)
            return
        try:
            with borrowed():  # the connection goes to the pool, for the screens' first calls
                ctx = open_context(config, self.db_url, self.clock)
                ensure_day(ctx)
        except Exception as exc:  # noqa: BLE001  shown on screen; the app stays usable to quit
            self.call_from_thread(self.report_error, exc)
            return
        self.call_from_thread(self._context_ready, ctx)

    def _context_ready(self, ctx: Context) -> None:
        self.ctx = ctx
        if self.config is None:
            self.config = ctx.config
            self.title = f"deskapp · {self.config.branch.name}"  # i18n: not words (a name and a place)
            relabel = getattr(self.screen, "relabel", None)
            if relabel is not None and self._speak_the_branch():
                relabel()  # the login, painted before the configuration said the branch's language
            configure = getattr(self.screen, "configure", None)
            if configure is not None:
                configure(self.config)
        ready = getattr(self.screen, "context_ready", None)
        if ready is not None:
            ready()
        self.changes.publish(-1)

    def customer_language(self) -> str:
        """The language a kiosk, display or survey starts in: --lang, else the branch's own."""
        return self.lang or self.config.branch.language

    # -- session --------------------------------------------------------------------------------
    def logged_in(self, session: Session, counter: str | None) -> None:
        """Called by the login screen: open the role's home screen, in the person's language."""
        self.session = session
        if self.lang is None and self.config is not None:
            i18n.set_default(self.config.staff_language(session.login))
        self.counter = counter
        self.touch()
        from deskapp.tui.format import role_name

        # The counter by its name in the person's language ("Balcão 2", "Counter 2"), not its code.
        named = self.config.counter_name(counter) if counter and self.config is not None else counter
        self.sub_title = _("{name} ({role}) · {counter}") if counter else _("{name} ({role})")
        self.sub_title = self.sub_title.format(name=session.name, role=role_name(session.role), counter=named)
        self.action_open(session.screens[0])
        self.refresh_bindings()
        if not gc.get_freeze_count():
            # Once, the first screen shown: what lives as long as the app (modules, configuration,
            # stylesheets) leaves the garbage collector's walks; each full collection walked it all,
            # 0.3-0.9 s at load 12 in the middle of a key's work (bench/desk.py, opening the guide).
            self.call_after_refresh(gc.freeze)

    async def action_lock(self, reason: str = "logout") -> None:
        """Back to the login screen; the counter and its ticket stay as they are."""
        if self.session is None:
            return
        from deskapp.core import queue as q
        from deskapp.tui.work import call_core

        session, self.session = self.session, None
        call_core(self, q.logout, self.ctx, session, reason)
        self.sub_title = ""
        await self.switch_mode("login")
        for name in SWITCH_KEYS:
            if name in self._modes_added:
                await self.remove_mode(name)
        self._modes_added.clear()
        self.refresh_bindings()

    def action_open(self, name: str) -> None:
        if self.session is None:
            return
        from deskapp.core.security.auth import authorize

        try:
            authorize(self.session, name)
        except Exception as exc:  # noqa: BLE001  Forbidden: told, not crashed
            self.report_error(exc)
            return
        if name not in self._modes_added:
            self.add_mode(name, _screen_factory(name))
            self._modes_added.add(name)
        self.switch_mode(name)

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if self.start_mode == "kiosk" and action in ("quit", "command_palette", "help_quit"):
            return False  # only a supervisor's PIN closes a kiosk (KioskScreen)
        top = self.screen_stack[-1] if self.screen_stack else None
        if getattr(top, "CUSTOMER_FACING", False) and (
                action in ("quit", "command_palette", "help_quit", "keys") or self.refusal(action, parameters)):
            return False  # a customer is at the keys (feedback): staff end it with ctrl+x; nothing to explain
        if self.start_mode != "desk" and action in ("open", "lock", "keys"):
            return False  # a kiosk, display or feedback terminal: no staff keys to offer or explain
        return None if self.refusal(action, parameters) else True

    def refusal(self, action: str, parameters: tuple) -> str | None:
        """Why an app-wide key does not apply now (deskapp.tui.keys), or None."""
        if action in ("open", "lock") and self.session is None:
            return _("Nobody is logged in: log in first.")
        if action == "open":
            from deskapp.core.security.auth import SCREENS
            from deskapp.tui.format import one_of, role_name, screen_title

            name = parameters[0]
            title = screen_title(name)
            if not self.session.may(name):
                roles = one_of([role_name(r) for r, screens in SCREENS.items() if name in screens])
                return _("The {screen} screen is for a {roles}; you are logged in as a {role}.").format(
                    screen=title, roles=roles, role=role_name(self.session.role))
            if self.current_mode == name and len(self.screen_stack) == 1:
                return _("This is the {screen} screen.").format(screen=title)
        return None

    async def run_action(self, action, default_namespace=None, namespaces=None) -> bool:
        """A key that does not apply now says why, in one line, instead of doing nothing."""
        from deskapp.tui import keys

        if isinstance(action, str) and not namespaces:
            target, name, parameters = keys.resolve(self, action, default_namespace or self)
            if target.check_action(name, parameters) is None:
                reason = keys.refusal(target, name, parameters)
                if reason:
                    self.notify(reason, severity="warning", timeout=5)
                    return True
        return await super().run_action(action, default_namespace, namespaces)

    def get_key_display(self, binding: Binding) -> str:
        """Function keys as printed on the keyboard: F2, not f2."""
        shown = super().get_key_display(binding)
        return shown.upper() if len(shown) <= 3 and shown[:1] == "f" and shown[1:].isdigit() else shown

    def action_keys(self) -> None:
        """The key list of the screen in front (? or F1); pressed again, it closes."""
        from deskapp.tui.screens.key_list import KeyList

        if isinstance(self.screen, KeyList):
            self.screen.dismiss(None)
        else:
            self.push_screen(KeyList(self.screen))

    def action_command_palette(self) -> None:
        """Textual's command palette (ctrl+p), its search box's placeholder in the app's language."""
        from textual.command import CommandPalette

        if self.use_command_palette and not CommandPalette.is_open(self):
            self.push_screen(CommandPalette(placeholder=_("Search for commands…"), id="--command-palette"))  # i18n: not words (the id)

    def get_system_commands(self, screen):
        """Textual's commands in the app's language (their titles and help are Textual's English: each is
        matched by its title and said in our words, TEXTUAL_COMMANDS), with its Keys panel (which Escape
        did not close) replaced by the key list."""
        from textual.app import SystemCommand

        for command in super().get_system_commands(screen):
            if command.title == "Keys":  # i18n: not words (Textual's own command, by its title)
                continue
            ours = TEXTUAL_COMMANDS.get(command.title)
            yield command._replace(title=_(ours[0]), help=_(ours[1])) if ours else command
        if self.check_action("keys", ()):
            yield SystemCommand(_("Keys"), _("Every key of this screen, and why some do not apply now"), self.action_keys)

    # -- keys typed ahead -------------------------------------------------------------------------
    def hold_keys(self) -> None:
        """Keep the keys typed from now on, in order, until release_keys(): a screen that saves and
        then shows new boxes (a workflow step) gives them to the box that takes the focus, none lost."""
        if self._held_keys is None:
            self._held_keys = []
        if self._hold_timer is not None:
            self._hold_timer.stop()
        self._hold_timer = self.set_timer(self.HOLD_KEYS_SECONDS, self.release_keys)

    def release_keys(self) -> None:
        """Hand the held keys on, in the order typed, as if they were typed now."""
        if self._hold_timer is not None:
            self._hold_timer.stop()
            self._hold_timer = None
        if self._held_keys is not None and not self._replaying:
            self._replaying = True  # keys arriving before the replay runs are held behind the others
            self.call_later(self._replay_keys)

    async def _replay_keys(self) -> None:
        self._replaying = False
        held, self._held_keys = self._held_keys or [], None
        while held:
            await super().on_event(held.pop(0))
            if self._held_keys is not None:  # that key started a new hold: the rest wait behind it
                self._held_keys[:0] = held
                return

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key) and not event.is_forwarded and self._held_keys is not None:
            self._held_keys.append(event)
            return
        await super().on_event(event)

    # -- activity, idle lock and change polling --------------------------------------------------
    def now(self) -> dt.datetime:
        return self.ctx.now() if self.ctx else dt.datetime.now(dt.UTC).replace(tzinfo=None)

    def touch(self) -> None:
        self._last_activity = self.now()

    def on_key(self) -> None:
        self.touch()

    def on_mouse_down(self) -> None:
        self.touch()

    def _tick(self) -> None:
        if self.ctx is None:
            return
        minutes = self.config.security.idle_lock_for(self.session.role) if self.session is not None else None
        if minutes is not None:  # None: no session, or a role the configuration never locks
            if self.now() - self._last_activity >= dt.timedelta(minutes=minutes):
                self.run_worker(self.action_lock("idle_lock"), exclusive=True, group="lock")
                self.notify(_("Locked after inactivity."), severity="information")
        self._poll_changes()

    @work(thread=True, exclusive=True, group="poll", exit_on_error=False)
    def _poll_changes(self) -> None:
        from deskapp.core import changes
        from deskapp.db.pool import borrowed

        try:
            with borrowed():
                marker = changes.current(self.ctx.branch_id)
        except Exception as exc:  # noqa: BLE001  a lost connection is shown once, then retried each tick
            self.call_from_thread(self._poll_failed, exc)
            return
        if self._poll_failing:
            self.call_from_thread(self._poll_recovered)
        if marker != self._marker:
            self._marker = marker
            self.call_from_thread(self.changes.publish, marker)

    # -- errors ---------------------------------------------------------------------------------
    def _poll_failed(self, exc: BaseException) -> None:
        """The background refresh lost the database: said once, not every second (UI thread)."""
        from deskapp.db.database import first_line

        if self._poll_failing:
            return
        self._poll_failing = True
        said = first_line(exc)  # "Cannot reach the database at HOST:PORT (...)." from the pool, or the driver's words
        if said.startswith("Cannot reach"):  # i18n: not words (the pool's message, already a sentence)
            said = said.rstrip(".")
        else:
            said = _("Cannot reach the database ({problem})").format(problem=said)
        self.notify(_("{problem}; trying again every second. What you see may be out of date until it answers.").format(
            problem=said), title=_("Database problem"), severity="error", timeout=15)

    def _poll_recovered(self) -> None:
        if self._poll_failing:
            self._poll_failing = False
            self.notify(_("Connected to the database again; the screen is up to date."), title=_("Database"),
                        severity="information", timeout=6)

    def format_title(self, title: str, sub_title: str) -> Content:
        """The header's title and subtitle carry the branch's and the staff member's names (config texts):
        control characters are shown, never sent to the terminal."""
        from deskapp.tui.format import literal

        return super().format_title(literal(title), literal(sub_title))

    def notify(self, message: str, *, title: str = "", severity: SeverityLevel = "information",
               timeout: float | None = None, markup: bool = False) -> None:
        """Notifications carry names, numbers and error texts from data: always plain text, never markup."""
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=False)

    def report_error(self, exc: BaseException) -> None:
        """The one place where failures become messages on screen (words from deskapp.core.errors.describe)."""
        from deskapp.core.errors import describe

        self.show_error(describe(exc))

    def show_error(self, told: Description) -> None:
        """A described failure as a notification: a refusal briefly, an error for longer."""
        timeout = 6 if told.severity == "warning" else 15
        self.notify(told.message, title=told.title, severity=told.severity, timeout=timeout)  # type: ignore[arg-type]


def run_app(config: Config | None, db_url: str | None, *, config_path: str | None = None, mode: str = "desk",
            counter: str | None = None, branch: str | None = None, lang: str | None = None) -> int:
    """Run the app; its exit code (2 when the configuration is bad). `lang`: --lang, which overrides the
    staff member's and the branch's language."""
    app = DeskApp(None, config=config, config_path=config_path, db_url=db_url, mode=mode, counter=counter)
    app.branch = branch
    app.lang = lang
    app.run()
    return app.return_code or 0

