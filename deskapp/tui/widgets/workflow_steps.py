"""The widgets of one workflow step, one class per kind, all with the same small interface.

`values()` gives what the teller entered, in the shape core.workflows.commit_step takes;
`show_problems(problems)` puts each message under the field it belongs to and returns those it could
not place; `approver()` is the supervisor's login and PIN (approval steps only). A form shown again to
be corrected (`amend=True`) holds what was recorded and asks why it is corrected (`amend_reason()`).
A panel never calls the database itself except through call_core for a customer look-up.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Checkbox, Label, Markdown, Select, Static, Switch

from deskapp.core import fields
from deskapp.core.customers import directory as customers
from deskapp.core.workflows.guide import Approver, RunState, StepState
from deskapp.i18n import _
from deskapp.tui.format import escape, plain
from deskapp.tui.format import label as code_label
from deskapp.tui.widgets.fields import FieldInput, FieldSelect
from deskapp.tui.widgets.inputs import Input, TextArea
from deskapp.tui.work import call_core

_HINTS = {"number": "12", "phone": "912 345 678", "id": "123456789"}
_RESTRICT = {"id": r"[0-9A-Za-z .\-]*"}
_BOXES = "Input, TextArea, Select, Checkbox, Switch, Button"  # i18n: not words (a query)
LONG_TEXT = 200
"""A text field allowed more characters than this is a multi-line box (unless `multiline: false`)."""


def _hint(kind: str, fmt: fields.Formats) -> str:
    if kind == "date":
        return fmt.date_example(dt.date(2026, 3, 31))
    if kind == "money":
        return fmt.amount_example()
    return _HINTS.get(kind, "")


def multiline(spec: Any) -> bool:
    """Whether a form field is typed in a multi-line box: long free text (a complaint, a note)."""
    if spec.type != "text":
        return False
    if spec.multiline is not None:
        return bool(spec.multiline)
    return spec.max is not None and spec.max > LONG_TEXT


def _error(name: str) -> Static:
    return Static("", classes="field-error", id=f"e-{name}")


class StepPanel(Vertical):
    """Base of the step widgets: a step's heading, its widgets, and messages by field."""

    DEFAULT_CSS = """
    StepPanel { height: auto; }
    StepPanel .field-error { color: $error; height: auto; }
    StepPanel .field-help { color: $text-muted; height: auto; }
    StepPanel Label { margin-top: 1; }
    StepPanel .row { height: auto; margin-top: 1; }
    StepPanel .row > * { margin-right: 2; }
    StepPanel .switch-label { margin-top: 1; }
    StepPanel TextArea { height: 5; }
    """

    def __init__(self, state: RunState, step: StepState, *, amend: bool = False, serial: int = 0) -> None:
        # `serial`: a step may be shown again (corrected, or reopened by a correction) beside its hidden panel
        super().__init__(id=f"panel-{step.id}-{serial}", classes=f"step-panel kind-{step.kind}")  # i18n: not words
        self.state = state
        self.step = step
        self.spec = step.definition
        self.amend = amend

    def values(self) -> dict[str, Any]:
        return {}

    def amend_reason(self) -> str:
        found = self.query("#f-amend_reason")
        return found.first(Input).value if found else ""

    def approver(self) -> Approver | None:
        return None

    def show_problems(self, problems: dict[str, str]) -> list[str]:
        for error in self.query(".field-error"):
            error.update("")
        leftover = []
        for name, text in problems.items():
            found = self.query(f"#e-{name}")
            if found:
                found.first(Static).update(text)
            else:
                leftover.append(text)
        return leftover

    @on(FieldInput.Refused)
    def _refused(self, event: FieldInput.Refused) -> None:
        """A key or paste a box refused: said in one line under it, never silently dropped."""
        name = (event.box.id or "").removeprefix("f-")
        found = self.query(f"#e-{name}")
        if found:
            found.first(Static).update(escape(event.reason))
        else:
            self.app.notify(event.reason, severity="warning", timeout=4)

    def on_mount(self) -> None:
        # The children are mounted now; focusing after the next refresh, once they are laid out, also
        # puts the terminal's cursor in the box (an Input places it when it gets the focus).
        self.call_after_refresh(self.focus_first)

    def focus_field(self, names: list[str]) -> None:
        """Focus the first of the named fields this panel shows (the first box when none is)."""
        for name in names:
            found = self.query(f"#f-{name}")
            if found and found.first().can_focus:
                self.screen.set_focus(found.first())
                return
        boxes = [w for w in self.query(_BOXES) if w.can_focus and not w.disabled]
        if boxes:
            self.screen.set_focus(boxes[0])

    def focus_first(self) -> None:
        if not self.is_attached or not self.display:
            return  # closed before it was laid out (Next at once on a summary), or committed and hidden
        boxes = [w for w in self.query(_BOXES) if w.can_focus and not w.disabled]
        if boxes:
            # At once, not through focus()'s deferred call: keys typed meanwhile are the screen's to hand over.
            self.screen.set_focus(boxes[0])
        took_focus = getattr(self.screen, "took_focus", None)
        if took_focus is not None:
            took_focus(boxes[0] if boxes else None)


class InfoPanel(StepPanel):
    def compose(self) -> ComposeResult:
        yield Markdown(self.spec.text)


class SummaryPanel(StepPanel):
    def compose(self) -> ComposeResult:
        lines = self.state.recap() or [_("Nothing recorded.")]
        yield Static("\n".join(f"• {escape(line)}" for line in lines), id="wf-summary")
        if self.spec.text:
            yield Static(plain(self.spec.text), classes="field-help")
        yield Static(_("Next completes the ticket."), classes="field-help")


class ChecklistPanel(StepPanel):
    def compose(self) -> ComposeResult:
        for i, item in enumerate(self.spec.items):
            yield Checkbox(plain(item), id=f"c-{i}")
        yield _error("items")

    def values(self) -> dict[str, Any]:
        return {"ticked": [i for i in range(len(self.spec.items)) if self.query_one(f"#c-{i}", Checkbox).value]}


class FormPanel(StepPanel):
    def compose(self) -> ComposeResult:
        fmt = fields.formats(self.app.config)
        recorded = self.step.values if self.amend else {}
        for f in self.spec.fields:
            label = f.label + (" *" if f.required else "")
            value = recorded.get(f.name)
            if f.type == "yesno":
                with Horizontal(classes="row"):
                    yield Switch(value=value is True, id=f"f-{f.name}")
                    yield Static(plain(label), classes="switch-label")
            else:
                yield Label(plain(label))
                if f.type == "choice":
                    options = [(plain(code_label(c)), c) for c in f.choices or []]
                    chosen = value if value in (f.choices or []) else Select.NULL
                    yield FieldSelect(options, allow_blank=True, prompt=_("Choose…"), value=chosen, id=f"f-{f.name}")
                elif multiline(f):
                    yield TextArea("" if value is None else str(value), id=f"f-{f.name}", soft_wrap=True,
                                   show_line_numbers=False)
                else:
                    kept = self.amend and f.masked
                    yield FieldInput(fields.shown(f.type, value, fmt),
                                     placeholder=_("as recorded (type to replace)") if kept else _hint(f.type, fmt),
                                     restrict=_RESTRICT.get(f.type), kind=f.type, formats=fmt,
                                     on_enter=self._enter_key(f.name), id=f"f-{f.name}")
            if f.help:
                yield Static(plain(f.help), classes="field-help")
            yield _error(f.name)
        if self.amend:
            yield Label(_("Why is it corrected? *"))
            yield FieldInput(placeholder=_("e.g. the amount was mistyped"), max_length=500,
                             on_enter=self._enter_key("amend_reason"), id="f-amend_reason")
            yield _error("amend_reason")

    def values(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in self.spec.fields:
            widget = self.query_one(f"#f-{f.name}")
            if isinstance(widget, Select):
                out[f.name] = None if widget.value is Select.NULL else widget.value
            elif isinstance(widget, TextArea):
                out[f.name] = widget.text
            else:
                out[f.name] = widget.value
        return out

    def _names(self) -> list[str]:
        return [f.name for f in self.spec.fields] + (["amend_reason"] if self.amend else [])

    def _enter_key(self, name: str):
        """Enter goes to the next box; on the last one it commits the step (or the correction). It runs
        as the app reads the key, so what is typed behind it goes to the next box (FieldInput.on_enter)."""
        def enter() -> None:
            widgets = [self.query_one(f"#f-{n}") for n in self._names()]
            index = widgets.index(self.query_one(f"#f-{name}"))
            if index + 1 < len(widgets):
                self.screen.set_focus(widgets[index + 1])
            else:
                self.screen.action_next()
        return enter


class IdentifyPanel(StepPanel):
    def __init__(self, state: RunState, step: StepState, **kwargs: Any) -> None:
        super().__init__(state, step, **kwargs)
        self.customer_id = state.customer.id if state.customer else None
        self.customer_name = state.customer.name if state.customer else None

    def compose(self) -> ComposeResult:
        yield Static(self._chosen_text(), id="wf-identified")
        with Horizontal(classes="row"):
            yield Button(_("Find customer"), id="wf-find", variant="primary")
            yield Button(_("New customer"), id="wf-new")
            if not (self.spec.required or self.state.require_customer):
                yield Button(_("No customer"), id="wf-none")
        yield _error("customer")

    def _chosen_text(self) -> str:
        if self.customer_id is None:
            if self.spec.required or self.state.require_customer:
                return _("No customer identified yet (required).")
            return _("No customer identified yet (optional).")
        return _("Customer: [b]{name}[/b]. Next confirms; Find customer changes it.").format(
            name=escape(self.customer_name or ""))

    def _set(self, customer_id: int | None, name: str | None) -> None:
        self.customer_id, self.customer_name = customer_id, name
        self.query_one("#wf-identified", Static).update(self._chosen_text())
        self.query_one("#e-customer", Static).update("")

    @on(Button.Pressed, "#wf-find")
    def _find(self) -> None:
        from deskapp.tui.widgets.customer_picker import CustomerPicker

        def chosen(customer_id: int | None) -> None:
            if customer_id is not None:
                call_core(self, customers.summary, self.app.ctx, customer_id,
                          then=lambda found: self._set(found.id, found.name))

        self.app.push_screen(CustomerPicker(_("Identify the customer")), chosen)

    @on(Button.Pressed, "#wf-new")
    def _new(self) -> None:
        from deskapp.tui.screens.customer_forms import details_form

        def created(result: Any) -> None:
            if isinstance(result, customers.CustomerSummary):
                self._set(result.id, result.name)

        self.app.push_screen(details_form(self.app, None), created)

    @on(Button.Pressed, "#wf-none")
    def _none(self) -> None:
        self._set(None, None)

    def values(self) -> dict[str, Any]:
        return {"customer_id": self.customer_id}


class NeedsPanel(StepPanel):
    def __init__(self, state: RunState, step: StepState, categories: list[str], *, serial: int = 0) -> None:
        super().__init__(state, step, serial=serial)
        self.categories = categories
        self.needs: list[dict[str, str]] = []

    def compose(self) -> ComposeResult:
        yield Static(_("Record what the customer needs or may need soon (at least one).") if self.spec.required
                     else _("Record what the customer needs or may need soon; Next with none is fine."))
        yield Label(_("Category"))
        yield Select([(plain(c.replace("_", " ")), c) for c in self.categories], allow_blank=True, prompt=_("Choose…"),
                     id="need-category")
        yield _error("category")
        yield Label(_("Description"))
        yield Input(placeholder=_("e.g. saving for a flat in two years"), id="need-description")
        yield _error("description")
        yield Button(_("Add need"), id="need-add")
        yield Static("", id="need-list")
        yield _error("needs")

    def _pending(self) -> dict[str, str] | None:
        category = self.query_one("#need-category", Select).value
        if category is Select.NULL:
            return None
        return {"category": str(category), "description": self.query_one("#need-description", Input).value.strip()}

    @on(Button.Pressed, "#need-add")
    @on(Input.Submitted, "#need-description")
    def _add(self, event: Any) -> None:
        event.stop()
        pending = self._pending()
        if pending is None:
            self.query_one("#e-category", Static).update(_("choose a category first"))
            return
        self.needs.append(pending)
        self.query_one("#need-category", Select).clear()
        self.query_one("#need-description", Input).value = ""
        self.query_one("#e-category", Static).update("")
        self.query_one("#need-list", Static).update(
            "\n".join(f"• {n['category'].replace('_', ' ')}: {escape(n['description'] or '-')}" for n in self.needs))

    def values(self) -> dict[str, Any]:
        pending = self._pending()  # chosen but not added yet: the teller surely meant it
        return {"needs": self.needs + ([pending] if pending else [])}


class OffersPanel(StepPanel):
    def compose(self) -> ComposeResult:
        if self.spec.text:
            yield Static(plain(self.spec.text))
        for offer in self.state.offers:
            yield Label(f"[b]{escape(offer.title)}[/b]" + (f" · {escape(offer.text)}" if offer.text else ""))
            yield Select([(_("Accepted"), "accepted"), (_("Declined"), "declined")], allow_blank=True, prompt=_("Answer…"),
                         id=f"o-{offer.code}")
            yield _error(offer.code)

    def values(self) -> dict[str, Any]:
        decisions = {}
        for offer in self.state.offers:
            value = self.query_one(f"#o-{offer.code}", Select).value
            if value is not Select.NULL:
                decisions[offer.code] = value
        return {"decisions": decisions}


class ApprovalPanel(StepPanel):
    def compose(self) -> ComposeResult:
        yield Static(_("[b]A supervisor must approve at this desk.[/b]") + f"\n{escape(self.spec.reason)}")
        yield Label(_("Supervisor login"))
        yield FieldInput(placeholder=_("e.g. sofia"), id="approver-login", on_enter=self._enter_key("approver-login"))
        yield _error("approver")
        yield Label(_("Supervisor PIN"))
        yield FieldInput(password=True, restrict=r"[0-9]*", max_length=12, id="approver-pin",
                         on_enter=self._enter_key("approver-pin"))
        yield _error("pin")
        yield Label(_("Note (optional)"))
        yield FieldInput(id="approval-note", on_enter=self._enter_key("approval-note"))
        yield _error("note")

    def values(self) -> dict[str, Any]:
        return {"note": self.query_one("#approval-note", Input).value}

    def approver(self) -> Approver | None:
        login = self.query_one("#approver-login", Input).value.strip()
        pin = self.query_one("#approver-pin", Input).value
        return Approver(login, pin) if login or pin else None

    def show_problems(self, problems: dict[str, str]) -> list[str]:
        self.query_one("#approver-pin", Input).value = ""  # a PIN is never left on screen after a refusal
        return super().show_problems(problems)

    def _enter_key(self, box: str):
        """Enter goes on to the next box, and commits on the last, as the app reads the key."""
        def enter() -> None:
            order = ["approver-login", "approver-pin", "approval-note"]
            index = order.index(box)
            if index + 1 < len(order):
                self.screen.set_focus(self.query_one(f"#{order[index + 1]}", Input))
            else:
                self.screen.action_next()
        return enter


class ReferralPanel(StepPanel):
    def compose(self) -> ComposeResult:
        to = escape(self.state.assignee_name or _("nobody yet (a supervisor will assign it)"))
        yield Static((_("Next opens a complaint for [b]{name}[/b].") if self.spec.source == "complaint"
                      else _("Next opens a follow-up for [b]{name}[/b].")).format(name=to))
        yield Label(_("Reason"))
        yield TextArea(self.spec.reason, id="referral-reason", soft_wrap=True, show_line_numbers=False)
        yield _error("reason")
        yield Label(_("Due in (hours)"))
        yield FieldInput(value=str(self.spec.due_hours), kind="number", max_length=4, id="referral-due")
        yield _error("due_hours")

    def values(self) -> dict[str, Any]:
        return {"reason": self.query_one("#referral-reason", TextArea).text,
                "due_hours": self.query_one("#referral-due", Input).value}


def panel_for(state: RunState, step: StepState, need_categories: list[str], *, amend: bool = False,
              serial: int = 0) -> StepPanel:
    """The widgets for the current step, or for a form recorded earlier to be corrected (`amend`)."""
    kind = step.kind
    if kind == "capture_needs":
        return NeedsPanel(state, step, step.definition.categories or need_categories, serial=serial)
    panels = {"info": InfoPanel, "summary": SummaryPanel, "checklist": ChecklistPanel, "form": FormPanel,
              "identify": IdentifyPanel, "offers": OffersPanel, "approval": ApprovalPanel, "referral": ReferralPanel}
    return panels[kind](state, step, amend=amend, serial=serial)
