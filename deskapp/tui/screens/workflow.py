"""The guide: walks the teller through the workflow of the ticket being served, one step at a time.

Opened from the desk when service starts (and again at login when the counter's ticket is still in
the middle of its workflow, or with `g`). Next (ctrl+n; Enter on the last box of a form, or on a step
with nothing to fill in) commits the step at once, so a crash loses nothing; the customer stays in
view on the right. Escape goes back to the desk without changing anything: `g` comes back to the
same step. Sensitive values (a field of type id, or marked sensitive) show masked under "Recorded so
far" and in the summary; ctrl+r shows them in full for a role in customers.reveal_roles, each reveal
audited in core (guide.reveal_step_value).

Back (ctrl+b) shows the form recorded last before the current step again, with what was recorded, to be
corrected with a reason (ctrl+b again goes further back; Escape leaves it as it was): Next saves the
correction as a new version (guide.amend_step) and the guide goes on from the first step open, the
later steps decided again with the new values.

This module is longer than 450 lines: the screen, and the desk's ways of opening it (the workflow read
before the push), which share its state and are best read beside it.
"""
from __future__ import annotations

from dataclasses import replace

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Header, Label, Static

from deskapp.core import queue as q
from deskapp.core.context import Context
from deskapp.core.customers.masking import may_reveal
from deskapp.core.security.auth import Session
from deskapp.core.workflows import guide as workflows
from deskapp.core.workflows.guide import RunState, StepInvalid
from deskapp.i18n import _, lazy_gettext
from deskapp.tui.format import escape
from deskapp.tui.screens.base import breakpoint_classes
from deskapp.tui.widgets.fields import when_handled
from deskapp.tui.widgets.inputs import Input
from deskapp.tui.widgets.key_footer import KeyFooter
from deskapp.tui.widgets.workflow_steps import StepPanel, panel_for
from deskapp.tui.work import call_core, show_failure


class AbandonDialog(ModalScreen[str | None]):
    """Why the workflow is abandoned; the reason is recorded."""

    DEFAULT_CSS = """
    AbandonDialog { align: center middle; }
    AbandonDialog > Vertical { width: 70; height: auto; border: round $warning; background: $panel; padding: 1 2; }
    AbandonDialog #abandon-message { color: $warning; height: auto; }
    AbandonDialog Horizontal { height: auto; margin-top: 1; }
    AbandonDialog Button { margin-right: 2; }
    """
    BINDINGS = [Binding("escape", "dismiss(None)", lazy_gettext("Keep going"))]

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(_("[b]Abandon the guided steps?[/b]\nWhat is recorded stays; complete or transfer the "
                           "ticket afterwards."))
            yield Label(_("Reason"))
            yield Input(placeholder=_("e.g. the customer did not bring their ID"), id="abandon-reason")
            yield Static("", id="abandon-message")
            with Horizontal():
                yield Button(_("Abandon"), variant="warning", id="abandon-yes")
                yield Button(_("Keep going"), id="abandon-no")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    @on(Button.Pressed, "#abandon-yes")
    def _confirm(self) -> None:
        reason = self.query_one(Input).value.strip()
        if not reason:
            self.query_one("#abandon-message", Static).update(_("Say why, for the record."))
            return
        self.dismiss(reason)

    @on(Button.Pressed, "#abandon-no")
    def _keep(self) -> None:
        self.dismiss(None)


class WorkflowScreen(Screen[str | None]):
    """Dismissed with "finished", "abandoned", or None (back to the desk, workflow unfinished)."""

    DEFAULT_CSS = """
    WorkflowScreen #wf-body { height: 1fr; }
    WorkflowScreen #wf-main { width: 3fr; padding: 0 1; }
    WorkflowScreen #wf-side { width: 2fr; padding: 0 1; border-left: solid $primary; }
    WorkflowScreen #wf-progress { height: auto; padding: 0 1; background: $primary-muted; }
    WorkflowScreen #wf-left { height: auto; color: $text-muted; padding: 0 1; }
    WorkflowScreen #wf-step { height: 1fr; border: round $primary; padding: 0 1; }
    WorkflowScreen #wf-message { height: auto; color: $warning; padding: 0 1; }
    WorkflowScreen #wf-customer { height: auto; margin-bottom: 1; }
    WorkflowScreen #wf-recap { height: auto; color: $text-muted; }
    """
    BINDINGS = [
        Binding("ctrl+n", "next", lazy_gettext("Next"), priority=True, id="workflow_next"),
        Binding("enter", "next", lazy_gettext("Next"), show=False),  # when the focused widget has no use for Enter
        Binding("ctrl+b", "back", lazy_gettext("Back"), priority=True, id="workflow_back"),
        Binding("ctrl+a", "abandon", lazy_gettext("Abandon"), priority=True, id="workflow_abandon"),
        Binding("escape", "leave", lazy_gettext("To the desk"), id="workflow_leave"),
        Binding("ctrl+r", "reveal", lazy_gettext("Reveal"), priority=True, id="workflow_reveal"),
    ]

    # Nothing takes the focus by itself: the step's first box takes it once laid out (StepPanel), and
    # what is typed before reaches this screen and is kept (on_key). Textual's auto focus gave it to the
    # step's scroll box first, restyling the panel twice (focus, then blur) before the first paint.
    AUTO_FOCUS = ""

    def __init__(self, ticket_id: int, state: RunState | None = None) -> None:
        """`state`: the workflow as start_or_resume gave it, read before the screen is pushed (open_guide):
        the screen is then composed with its step at once, one layout and paint instead of two."""
        super().__init__(name="workflow", classes=breakpoint_classes(type(self)))
        self.ticket_id = ticket_id
        self.fresh = True  # not shown yet: its styles are those applied as it mounted
        self.loaded = state  # read before the push; shown as the screen mounts
        self.state: RunState | None = None
        self.busy = False
        self.revealed: dict[tuple[str, str], str] = {}  # (step id, field) -> value, after an audited reveal
        self.typed_ahead: list[str] | None = None  # characters typed while the next step was being shown
        self.serial = 0  # panels mounted so far: a step shown again gets a panel of its own
        self.current_panel: StepPanel | None = None  # the current step's, kept while a correction is shown

    def compose(self) -> ComposeResult:
        loaded = self.loaded
        # A workflow read before the push comes with its step's panel, mounted with the screen.
        first = self._new_panel(loaded) if loaded is not None and loaded.amending is None \
            and loaded.current is not None else None
        yield Header()
        with Horizontal(id="wf-body"):
            with Vertical(id="wf-main"):
                yield Static(_("Loading the guided steps…"), id="wf-progress")
                yield Static("", id="wf-left")
                yield VerticalScroll(*([first] if first else []), id="wf-step")
                yield Static("", id="wf-message")
            with Vertical(id="wf-side"):
                yield Static("", id="wf-customer")
                yield Static("", id="wf-recap")
        yield KeyFooter()

    def _on_screen_resume(self, event: events.ScreenResume) -> None:
        """Runs before Screen's own handler: a screen just pushed was styled as it mounted, so the
        restyling of every widget that a resume asks for is skipped the first time."""
        if self.fresh:
            self.fresh = False
            event.refresh_styles = False

    def on_mount(self) -> None:
        loaded, self.loaded = self.loaded, None
        if loaded is None:
            self._call(workflows.start_or_resume, self.app.ctx, self.ticket_id, self.app.session.login)
        elif self.current_panel is not None:  # composed with its panel: the words around it
            self.state = loaded
            self.typed_ahead = []
            self._texts(loaded)
        else:
            self._show(loaded)

    def _call(self, fn, *args, **kwargs) -> None:
        self.busy = True
        call_core(self, fn, *args, then=self._show, on_error=self._failed, group="workflow", exclusive=True, **kwargs)

    @property
    def panel(self) -> StepPanel | None:
        """The current step's panel (the one shown)."""
        shown = [p for p in self.query(StepPanel) if p.display]
        return shown[-1] if shown else None

    # -- showing --------------------------------------------------------------------------------
    def _show(self, state: RunState | None) -> None:
        self.busy = False
        if state is None:
            self.dismiss(None)
            return
        previous, self.state = self.state, state
        if state.amending is not None and state.current is not None:
            self._show_amending(state)
            return
        if state.status == "finished":
            self.app.notify(_("{number}: {workflow} done; the ticket is complete.").format(
                number=state.ticket_number, workflow=state.title))
            self.dismiss("finished")
            return
        if state.status == "abandoned":
            self.app.notify(_("{number}: guided steps abandoned. Complete (c) or transfer (t) it.").format(
                number=state.ticket_number))
            self.dismiss("abandoned")
            return
        current = state.current
        self._texts(state)
        kept = self.current_panel
        if previous is not None and previous.amending is not None and kept is not None \
                and kept.step.id == current.id and previous.current is not None and previous.current.id == current.id \
                and state.number == previous.number and not self._changed(previous, state):
            self._display(kept)  # the correction was left as it was: the step as the teller left it
        elif previous is None or previous.current is None or previous.current.id != current.id or self.panel is None \
                or previous.amending is not None:
            self._mount_panel(state)
        else:  # the same step again: its boxes take the focus back, and the keys
            self.panel.focus_field([])
            self.app.release_keys()

    @staticmethod
    def _changed(before: RunState, after: RunState) -> bool:
        return [(s.id, s.status, s.version) for s in before.steps] != [(s.id, s.status, s.version) for s in after.steps]

    def _texts(self, state: RunState) -> None:
        """The words around the current step: where the workflow stands, what comes, the customer."""
        current = state.current
        self.query_one("#wf-progress", Static).update(
            f"[b]{escape(state.title)}[/b] · {state.ticket_number}\n"  # i18n: not words (markup)
            + (_("Step {number} of {total} (more may follow): [b]{step}[/b]") if state.more_may_follow
               else _("Step {number} of {total}: [b]{step}[/b]")).format(
                number=state.number, total=state.total, step=escape(current.title)))
        left = [_("{step} (if needed)").format(step=s.title) if s.status == workflows.MAYBE else s.title
                for s in state.left()]
        self.query_one("#wf-left", Static).update(
            escape(_("Then: {steps}").format(steps=" · ".join(left))) if left else _("This is the last step."))
        self._say("")
        self._side(state)
        self.refresh_bindings()

    def _show_amending(self, state: RunState) -> None:
        """A form recorded earlier, shown again to be corrected, the current step's panel kept hidden."""
        step = state.amending
        self.query_one("#wf-progress", Static).update(
            f"[b]{escape(state.title)}[/b] · {state.ticket_number}\n"
            + _("Correcting step {place}: [b]{step}[/b] (then on from step {number})").format(
                place=state.place(step.id), step=escape(step.title), number=state.number))
        self.query_one("#wf-left", Static).update(_(
            "What was recorded stays on record beside the correction. Next saves it; Escape leaves it as it was; "
            "ctrl+b goes further back."))
        self._say("")
        self._side(state)
        self.refresh_bindings()
        self._mount_panel(state, step, amend=True)

    def _display(self, panel: StepPanel) -> None:
        for old in self.query_one("#wf-step", VerticalScroll).query(StepPanel):
            old.display = old is panel
        panel.focus_first()

    def _mount_panel(self, state: RunState, step=None, *, amend: bool = False) -> None:
        """Show the current step's panel (or `step`'s, to correct it). Panels shown before are hidden, not
        removed: a guide holds a handful, and removing widgets while key presses are still being handled
        loses their messages."""
        body = self.query_one("#wf-step", VerticalScroll)
        # A hidden box keeps the focus (and the keys) until another takes it: nothing has the focus while
        # the new panel appears, so what the teller types meanwhile reaches this screen and is kept.
        self.typed_ahead = []
        self.set_focus(None)
        for old in body.query(StepPanel):
            old.display = False
        body.mount(self._new_panel(state, step, amend=amend))  # it focuses its first box once mounted,
        # then takes what was typed

    def _new_panel(self, state: RunState, step=None, *, amend: bool = False) -> StepPanel:
        self.serial += 1
        panel = panel_for(state, step or state.current, list(self.app.config.customers.need_categories),
                          amend=amend, serial=self.serial)
        if not amend:
            self.current_panel = panel
        return panel

    def on_key(self, event: events.Key) -> None:
        """Keep the characters typed before the new step's first box has the focus (no keystroke lost).

        A printable key only reaches the screen when no box has the focus, or when it was sent here
        before the box took the focus (an Input keeps the printable keys it gets)."""
        if not event.is_printable or event.character is None:
            return
        box = self.focused
        if isinstance(box, Input) and self.panel is not None and box in self.panel.query(Input):
            box.insert_text_at_cursor(event.character)
        elif box is None and self.typed_ahead is not None:
            self.typed_ahead.append(event.character)
        else:
            return
        event.stop()
        event.prevent_default()

    def took_focus(self, box) -> None:
        """The current panel's first box has the focus: give it what was typed meanwhile."""
        if self.busy:  # a step shown a moment ago, already being committed: the keys wait for the next
            return
        typed, self.typed_ahead = self.typed_ahead, None
        if typed and isinstance(box, Input):
            box.insert_text_at_cursor("".join(typed))
        self.app.release_keys()

    def on_screen_suspend(self) -> None:
        self.app.release_keys()  # a dialog (abandon) or the desk takes the keys now

    def on_unmount(self) -> None:
        self.app.release_keys()

    def _side(self, state: RunState) -> None:
        c = state.customer
        if c is None:
            who = _("[b]Customer[/b]\nNot identified.")
        else:
            lines = [f"[b]{escape(c.name)}[/b]",
                     _("no. {number}").format(number=c.number) + (f" · {escape(c.segment)}" if c.segment else "")]
            if c.manager_name:
                lines.append(_("Manager: {name}").format(name=escape(c.manager_name)))
            lines += [f"[$error]! {escape(a)}[/]" for a in c.alerts]
            who = "\n".join(lines)
        self.query_one("#wf-customer", Static).update(who)
        recap = state.recap(self.revealed)
        self.query_one("#wf-recap", Static).update(
            _("[b]Recorded so far[/b]") + "\n" + "\n".join(f"✓ {escape(line)}" for line in recap) if recap else "")

    def _say(self, text: str) -> None:
        self.query_one("#wf-message", Static).update(text)

    # -- actions --------------------------------------------------------------------------------
    def action_next(self) -> None:
        panel, state = self.panel, self.state
        if self.busy or panel is None or state is None or state.current is None:
            return
        self._say(_("Saving…"))
        # While the step is saved, what the teller types belongs to the next step, not to this one's
        # boxes: the app holds it until the next step's first box has the focus (took_focus).
        self.app.hold_keys()
        self.busy = True
        # The boxes are read once each has handled the keys typed before this one (ctrl+n is read by
        # the app as it comes, possibly before the box has put the last characters in).
        when_handled(panel.query("*"), lambda: self._commit(panel, state))

    def _commit(self, panel: StepPanel, state: RunState) -> None:
        self.set_focus(None)
        if state.amending is not None:
            self._call(workflows.amend_step, self.app.ctx, self.ticket_id, state.amending.id, panel.values(),
                       panel.amend_reason(), self.app.session.login, started_at=state.shown_at)
            return
        self._call(workflows.commit_step, self.app.ctx, self.ticket_id, state.current.id, panel.values(),
                   self.app.session.login, approver=panel.approver())

    def action_back(self) -> None:
        if self.busy or self.state is None:
            return
        before = self.state.amending.id if self.state.amending is not None else None
        self._call(workflows.back, self.app.ctx, self.ticket_id, self.app.session.login, before=before)

    def action_abandon(self) -> None:
        if self.busy or self.state is None:
            return

        def confirmed(reason: str | None) -> None:
            if reason:
                self._call(workflows.abandon, self.app.ctx, self.ticket_id, reason, self.app.session.login)

        self.app.push_screen(AbandonDialog(), confirmed)

    def action_leave(self) -> None:
        if self.state is not None and self.state.amending is not None:
            if not self.busy:
                self._show(replace(self.state, amending=None))  # the correction left as it was
            return
        self.dismiss(None)

    def _masked(self) -> list[tuple[str, str]]:
        """(step id, field) of the sensitive values recorded and not revealed here yet."""
        state = self.state
        if state is None:
            return []
        return [(s.id, name) for s in state.steps if s.status in (workflows.DONE, workflows.APPROVED)
                for name in sorted(workflows.sensitive_fields(s.definition))
                if s.values.get(name) not in (None, "") and (s.id, name) not in self.revealed]

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "reveal":
            return bool(self._masked()) and may_reveal(self.app.config, self.app.session.role)
        return True

    def action_reveal(self) -> None:
        wanted = self._masked()
        if self.busy or not wanted:
            return

        def shown(values: dict[tuple[str, str], str]) -> None:
            self.revealed.update(values)
            if self.state is not None:
                self._side(self.state)
            self.refresh_bindings()
            self.notify(_("Shown in full; this was recorded in the audit trail."))

        call_core(self, _reveal, self.app.ctx, self.app.session, self.ticket_id, wanted, then=shown,
                  on_error=lambda exc: show_failure(self, exc, self._say))

    def _failed(self, exc: BaseException) -> None:
        self.busy = False
        self.typed_ahead = None  # typed for a next step that did not come: not put into this step's boxes
        self.app.release_keys()  # ... but to the box the focus goes back to
        if isinstance(exc, StepInvalid):
            panel = self.panel
            leftover = panel.show_problems(exc.problems) if panel else list(exc.problems.values())
            self._say("\n".join(leftover) or _("Please correct the fields marked in red."))
            if panel is not None:
                panel.focus_field(list(exc.problems))
        else:
            show_failure(self, exc, self._say)
            if self.panel is not None:
                self.panel.focus_field([])


def _reveal(ctx: Context, session: Session, ticket_id: int, wanted: list[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """Each wanted value in full (one audited reveal each); runs in the worker's thread."""
    values = {}
    for step_id, name in wanted:
        value = workflows.reveal_step_value(ctx, session, ticket_id, step_id, name)
        if value is not None:
            values[(step_id, name)] = value
    return values


# -------------------------------------------------------------------- used by the desk screen


def guided(app, ticket: q.TicketInfo | None) -> bool:
    """Whether the ticket is being served in a service that has a workflow (from the configuration)."""
    return (ticket is not None and ticket.status == q.SERVING and app.ctx is not None
            and workflows.workflow_for(app.ctx, ticket.service) is not None)


def open_guide(screen: Screen, ticket: q.TicketInfo) -> None:
    """Push the guide over `screen` (only when it is the screen in front: never over a dialog or the
    customer's feedback screen); `screen` reloads when the guide closes.

    The workflow is read first (start_or_resume, in a worker) and the guide pushed with it, composed
    with its step at once; the keys typed meanwhile are held for the step's first box (hold_keys)."""
    if not guided(screen.app, ticket) or screen.app.screen is not screen:
        return
    app = screen.app
    app.hold_keys()

    def failed(exc: BaseException) -> None:
        app.release_keys()
        app.report_error(exc)

    call_core(screen, workflows.start_or_resume, app.ctx, ticket.id, app.session.login,
              then=lambda state: show_guide(screen, ticket.id, state), on_error=failed)


def show_guide(screen: Screen, ticket_id: int, state: RunState | None) -> None:
    """Push the guide for a workflow already read (start_or_resume's state), when `screen` is in front."""
    app = screen.app
    if state is None or app.screen is not screen:
        app.release_keys()
        return
    app.push_screen(WorkflowScreen(ticket_id, state), lambda _result: getattr(screen, "reload", lambda: None)())


def start_guided(ctx: Context, counter: str, login: str) -> tuple[q.TicketInfo, RunState | None]:
    """Start serving the ticket called to `counter` and, when its service has a workflow, start that
    too: one worker for both, so the guide opens without a desk reload in between (runs in a thread)."""
    ticket = q.start(ctx, counter, by=login)
    if ticket.status != q.SERVING or workflows.workflow_for(ctx, ticket.service) is None:
        return ticket, None
    return ticket, workflows.start_or_resume(ctx, ticket.id, login)


def resume_guide(screen: Screen, ticket: q.TicketInfo | None, seen: set[int]) -> None:
    """Open the guide by itself, once, for a ticket in the middle of its workflow: just started, or
    found at login (after a crash, or another desk session)."""
    if not guided(screen.app, ticket) or ticket.id in seen or screen.app.screen is not screen:
        return
    seen.add(ticket.id)
    call_core(screen, workflows.unfinished, screen.app.ctx, ticket.id,
              then=lambda yes: open_guide(screen, ticket) if yes else None)
