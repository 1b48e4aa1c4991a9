"""Dialogs for working a follow-up: its detail, a contact's outcome, closing, reassigning.

Each dialog calls core itself and stays open with the reason on screen when core refuses (closing
without a resolution, an unknown login), so the user fixes it where they typed it. A dialog
dismisses with True once the change is saved.
"""
from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, OptionList, Select, Static
from textual.widgets.option_list import Option

from deskapp.core import feedback as fb
from deskapp.core.customers import followups
from deskapp.i18n import N_, _, lazy_gettext
from deskapp.tui.format import escape, label, person, plain, role_name
from deskapp.tui.format import when as shown_when
from deskapp.tui.widgets.inputs import TextArea
from deskapp.tui.work import call_core, show_failure

DIALOG_CSS = """/* # i18n: not words (CSS) */
{name} {{ align: center middle; }}
{name} > Vertical {{ width: 90; max-width: 100%; height: auto; max-height: 100%; padding: 1 2;
    border: thick $primary; background: $panel; }}
{name} Label {{ margin-top: 1; }}
{name} TextArea {{ height: 5; }}
{name} .dialog-message {{ color: $error; height: auto; margin-top: 1; }}
{name} .dialog-buttons {{ height: auto; margin-top: 1; }}
{name} .dialog-buttons Button {{ margin-right: 2; }}
"""


def age(hours: float) -> str:
    """A follow-up's age: "45 min", "5 h", "2 d 3 h"."""
    if hours < 1:
        return _("{minutes} min").format(minutes=int(hours * 60))
    if hours < 48:
        return _("{hours} h").format(hours=int(hours))
    return _("{days} d {hours} h").format(days=int(hours // 24), hours=int(hours % 24))


# A follow-up's status code in words (deskapp.core.customers.followups).
FOLLOWUP_STATES = {"open": N_("open"), "in_progress": N_("in progress"), "done": N_("closed")}


class _Dialog(ModalScreen[bool]):
    BINDINGS = [Binding("escape", "dismiss(False)", lazy_gettext("Back"))]

    def __init__(self, item: followups.FollowUpInfo) -> None:
        super().__init__()
        self.item = item

    @property
    def login(self) -> str:
        return self.app.session.login

    def _say(self, text: str) -> None:
        self.query_one(".dialog-message", Static).update(text)

    def _refused(self, exc: BaseException) -> None:
        show_failure(self, exc, self._say)

    @on(Button.Pressed, ".dialog-back")
    def _back(self) -> None:
        self.dismiss(False)

    def _buttons(self, label: str, variant: str = "primary") -> Horizontal:
        return Horizontal(Button(label, variant=variant, classes="dialog-save"), Button(_("Back"), classes="dialog-back"),
                          classes="dialog-buttons")


class ContactDialog(_Dialog):
    """What came of contacting the customer, in a box of several lines (Enter starts a new line;
    ctrl+s or the button saves)."""

    DEFAULT_CSS = DIALOG_CSS.format(name="ContactDialog")
    BINDINGS = [Binding("ctrl+s", "save", lazy_gettext("Save"), id="contact_save")]

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(_("[b]Follow-up {id}: record a contact[/b]").format(id=self.item.id)
                         + f"\n{escape(self.item.reason.splitlines()[0])}")
            yield Label(_("Outcome (reached, voicemail, no answer, what was agreed …)"))
            yield TextArea(id="contact-outcome", soft_wrap=True)
            yield Static("", classes="dialog-message")
            yield self._buttons(_("Save contact"))

    @on(Button.Pressed, ".dialog-save")
    def action_save(self) -> None:
        outcome = self.query_one("#contact-outcome", TextArea).text
        call_core(self, followups.record_contact, self.app.ctx, self.item.id, outcome, by=self.login,
                  then=lambda _: self.dismiss(True), on_error=self._refused)


class CloseDialog(_Dialog):
    """Closing needs what was done for the customer and, for a complaint or poor feedback, why it happened."""

    DEFAULT_CSS = DIALOG_CSS.format(name="CloseDialog")

    def compose(self) -> ComposeResult:
        causes = self.app.config.followups.root_causes
        needed = followups.needs_root_cause(self.item.source)
        with Vertical():
            yield Static(_("[b]Close follow-up {id}[/b]").format(id=self.item.id)
                         + f"\n{escape(self.item.reason.splitlines()[0])}")
            yield Label(_("Resolution: what was done for the customer (required)"))
            yield TextArea(id="close-resolution")
            yield Label(_("Root cause: why it happened (required)") if needed else _("Root cause (optional)"),
                        id="close-cause-label")
            yield Select([(plain(label(c)), c) for c in causes], prompt=_("Choose a root cause"), id="close-cause")
            yield Static("", classes="dialog-message")
            yield self._buttons(_("Close follow-up"), "success")

    @on(Button.Pressed, ".dialog-save")
    def _save(self) -> None:
        resolution = self.query_one("#close-resolution", TextArea).text
        cause = self.query_one("#close-cause", Select).value
        call_core(self, followups.close, self.app.ctx, self.item.id, resolution=resolution,
                  root_cause=None if cause is Select.NULL else str(cause), by=self.login,
                  then=lambda _: self.dismiss(True), on_error=self._refused)


class ReassignDialog(_Dialog):
    """Give the follow-up to someone else: a list inside the dialog (a dropdown ran past its border at 80x24)."""

    DEFAULT_CSS = DIALOG_CSS.format(name="ReassignDialog") + """/* # i18n: not words (CSS) */
    ReassignDialog OptionList { height: auto; max-height: 10; }
    ReassignDialog.-short OptionList { max-height: 7; }
    """

    def compose(self) -> ComposeResult:
        people = [Option(plain(f"{s.name} ({role_name(s.role)})"), id=s.login) for s in self.app.config.staff
                  if s.role != "greeter"]
        with Vertical():
            yield Static(_("[b]Reassign follow-up {id}[/b]\nNow with: {name}").format(
                id=self.item.id, name=escape(self.item.assignee_name or _("no one"))))
            yield Label(_("To (arrows, then Enter)"))
            yield OptionList(*people, id="reassign-to")
            yield Static("", classes="dialog-message")
            yield self._buttons(_("Reassign"))

    def on_mount(self) -> None:
        # Nobody is chosen until the user moves to a name (the list highlights its first by itself).
        self.call_after_refresh(setattr, self.query_one("#reassign-to", OptionList), "highlighted", None)

    @on(OptionList.OptionSelected)
    @on(Button.Pressed, ".dialog-save")
    def _save(self) -> None:
        chooser = self.query_one("#reassign-to", OptionList)
        if chooser.highlighted is None:
            self._say(_("Choose who takes it over."))
            return
        to = chooser.get_option_at_index(chooser.highlighted).id
        call_core(self, followups.reassign, self.app.ctx, self.item.id, str(to), by=self.login,
                  then=lambda _: self.dismiss(True), on_error=self._refused)


def _detail(ctx, followup_id: int):
    item = followups.get(followup_id)
    answer = fb.get(ctx, item.feedback_id) if item.feedback_id else None
    return item, answer


class FollowUpDetail(ModalScreen[str | None]):
    """Everything about one follow-up and the answer behind it; dismisses with the action chosen."""

    BINDINGS = [
        Binding("escape", "dismiss(None)", lazy_gettext("Back")),
        Binding("s", "dismiss('start')", lazy_gettext("Start")),
        Binding("c", "dismiss('contact')", lazy_gettext("Contact")),
        Binding("d", "dismiss('close')", lazy_gettext("Close")),
        Binding("a", "dismiss('reassign')", lazy_gettext("Reassign")),
    ]
    DEFAULT_CSS = DIALOG_CSS.format(name="FollowUpDetail") + """/* # i18n: not words (CSS) */
    FollowUpDetail #detail-body { height: auto; max-height: 24; overflow-y: auto; }
    """

    def __init__(self, followup_id: int) -> None:
        super().__init__()
        self.followup_id = followup_id

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(_("Loading…"), id="detail-body")
            yield Horizontal(
                Button(_("Start (s)"), id="detail-start"), Button(_("Contact (c)"), id="detail-contact"),
                Button(_("Close (d)"), variant="success", id="detail-close"),
                Button(_("Reassign (a)"), id="detail-reassign"), Button(_("Back"), id="detail-back"),
                classes="dialog-buttons",
            )
            yield Static("", classes="dialog-message")

    def on_mount(self) -> None:
        call_core(self, _detail, self.app.ctx, self.followup_id, then=self._show)

    def _show(self, result) -> None:
        item, answer = result
        config, now = self.app.config, self.app.now()

        def when(value) -> str:
            return shown_when(value, config)

        state = _(FOLLOWUP_STATES[item.status]) if item.status in FOLLOWUP_STATES else label(item.status)
        if item.overdue(now):
            state += " · " + _("[b red]OVERDUE[/]")
        lines = [
            _("[b]Follow-up {id}[/b] · {state} · age {age}").format(id=item.id, state=state, age=age(item.age_hours(now))),
            _("Customer: {customer}").format(customer=escape(item.customer_name or _("not identified"))),
            _("Assigned to: {name} · due {due} · opened {opened}").format(
                name=escape(item.assignee_name or _("no one")), due=when(item.due_at), opened=when(item.created_at)),
            "",
            escape(item.reason),
        ]
        if answer is not None:
            by = escape(person(answer.entered_by_login, config)) if answer.entered_by_login else None
            lines += ["", (_("Answer entered by {who} ({name}) at {when}") if by else _("Answer entered by {who} at {when}"))
                      .format(who=answer.entered_by, name=by, when=when(answer.at))]
        if item.contact_outcome:
            lines += ["", _("[b]Contacts[/b]"), escape(item.contact_outcome)]
        if item.status == followups.DONE:
            closed = (_("[b]Closed[/b] {when} · root cause {cause}") if item.root_cause else _("[b]Closed[/b] {when}"))
            lines += ["", closed.format(when=when(item.closed_at), cause=escape(label(item.root_cause))),
                      escape(item.resolution or "")]
        self.query_one("#detail-body", Static).update("\n".join(lines))

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        action = (event.button.id or "").removeprefix("detail-")
        self.dismiss(None if action == "back" else action)
