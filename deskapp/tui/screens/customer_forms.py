"""Modal forms for customers: details (create and edit), note, need, life event, interaction.

One form class serves them all: fields described by `Field`, a `save(values, force)` function
run in a worker (it calls core), and every problem core reports shown under the field it
belongs to (CustomerInvalid.problems). Probable duplicates are listed in the form, and the
Save button becomes "Save anyway" until something is changed.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Label, Select, Static

from deskapp.core.customers import edit as customer_edit
from deskapp.core.customers import records as customer_records
from deskapp.core.customers.directory import Customer360
from deskapp.core.customers.rules import CustomerDraft, CustomerInvalid
from deskapp.core.fields import Formats, input_formats
from deskapp.i18n import _, lazy_gettext
from deskapp.tui.format import escape, plain
from deskapp.tui.screens.staff_words import day_text, word
from deskapp.tui.widgets.fields import FieldInput
from deskapp.tui.widgets.inputs import Input
from deskapp.tui.work import call_core, show_failure


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    kind: str = "input"  # input, select, checkbox, date (an input read as a date, config.input)
    choices: tuple[str, ...] = ()
    placeholder: str = ""
    value: object = None


@dataclass
class FormSpec:
    title: str
    fields: list[Field]
    save: Callable[[dict, bool], object]  # runs in a worker; may raise CustomerInvalid / PossibleDuplicates
    problems_for: dict[str, str] = field(default_factory=dict)  # core field name -> form field name


class CustomerForm(ModalScreen[object]):
    DEFAULT_CSS = """
    CustomerForm { align: center middle; }
    CustomerForm > VerticalScroll { width: 80; max-height: 90%; border: round $primary; background: $panel;
                                    padding: 0 1; height: auto; }
    CustomerForm Label { margin-top: 1; }
    CustomerForm .field-error { color: $error; height: auto; }
    CustomerForm #form-message { color: $warning; height: auto; margin-top: 1; }
    CustomerForm Horizontal { height: auto; margin-top: 1; }
    """
    BINDINGS = [Binding("escape", "dismiss(None)", lazy_gettext("Cancel")),
                Binding("ctrl+s", "save", lazy_gettext("Save"), id="form_save")]

    def __init__(self, spec: FormSpec) -> None:
        super().__init__()
        self.spec = spec
        self.force = False

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(f"[b]{escape(self.spec.title)}[/b]")
            for f in self.spec.fields:
                if f.kind == "checkbox":
                    yield Checkbox(plain(f.label), value=bool(f.value), id=f"field-{f.name}")
                else:
                    yield Label(plain(f.label))
                    if f.kind == "select":
                        options = [(plain(word(c)), c) for c in f.choices]
                        yield Select(options, value=f.value if f.value in f.choices else Select.NULL,
                                     allow_blank=True, id=f"field-{f.name}")
                    else:
                        yield FieldInput(value="" if f.value is None else str(f.value), placeholder=f.placeholder,
                                         kind="date" if f.kind == "date" else "text", formats=self.formats,
                                         id=f"field-{f.name}")
                yield Static("", classes="field-error", id=f"error-{f.name}")
            yield Static("", id="form-message")
            with Horizontal():
                yield Button(_("Save"), variant="primary", id="form-save")
                yield Button(_("Cancel"), id="form-cancel")

    @property
    def formats(self) -> Formats:
        return input_formats(self.app.config)

    def on_mount(self) -> None:
        first = self.query("Input, Select").first()
        self.set_focus(first)  # at once: keys typed as the form opens reach its first box

    @on(FieldInput.Refused)
    def _refused(self, event: FieldInput.Refused) -> None:
        """A key or paste a box refused: said under it in one line."""
        name = (event.box.id or "").removeprefix("field-")
        self.query_one(f"#error-{name}", Static).update(escape(event.reason))

    def values(self) -> dict:
        out: dict = {}
        for f in self.spec.fields:
            widget = self.query_one(f"#field-{f.name}")
            if isinstance(widget, Select):
                out[f.name] = None if widget.value is Select.NULL else widget.value
            elif isinstance(widget, Checkbox):
                out[f.name] = widget.value
            else:
                out[f.name] = widget.value
        return out

    @on(Input.Changed)
    @on(Select.Changed)
    @on(Checkbox.Changed)
    def _edited(self) -> None:
        if self.force:  # something changed since the duplicate warning: check again
            self.force = False
            self.query_one("#form-save", Button).label = _("Save")

    @on(Button.Pressed, "#form-cancel")
    def _cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#form-save")
    @on(Input.Submitted)
    def action_save(self) -> None:
        for error in self.query(".field-error"):
            error.update("")
        self._say(_("Saving…"))
        call_core(self, self.spec.save, self.values(), self.force, then=self._saved, on_error=self._failed,
                  group="form-save", exclusive=True)

    def _saved(self, result: object) -> None:
        self.dismiss(result if result is not None else True)

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, customer_edit.PossibleDuplicates):
            names = "\n".join(
                "  " + _("{number} · {name} · born {birth} · {phone}").format(
                    number=c.number, name=escape(c.name), birth=day_text(c.birth_date) if c.birth_date else "-",
                    phone=c.phone or "-")
                + (f"\n    ({', '.join(exc.reasons[c.id])})" if exc.reasons.get(c.id) else "")
                for c in exc.candidates[:4])
            self._say(_("This may be a customer already on file:\n{names}\nCheck them; press Save anyway if it is "
                        "someone else.").format(names=names))
            self.force = True
            save = self.query_one("#form-save", Button)
            save.label = _("Save anyway")
            self.call_after_refresh(save.scroll_visible, animate=False)  # with the warning above it, at 80x24 too
            return
        if isinstance(exc, CustomerInvalid):
            names = {f.name for f in self.spec.fields}
            leftover = []
            for key, problem in exc.problems.items():
                target = self.spec.problems_for.get(key, key)
                if target in names:
                    self.query_one(f"#error-{target}", Static).update(escape(problem))
                else:
                    leftover.append(f"{key.replace('_', ' ')}: {problem}")
            self._say("\n".join(leftover) or _("Please correct the fields marked."))
            return
        show_failure(self, exc, self._say)

    def _say(self, text: str) -> None:
        self.query_one("#form-message", Static).update(text)


def _phones_text(phones) -> str:
    return "; ".join(phones)


def details_form(app, profile: Customer360 | None) -> CustomerForm:
    """Create (profile None) or edit a customer's details."""
    config = app.config.customers
    ctx, session = app.ctx, app.session
    p = profile
    label = config.national_id.label
    fmt = input_formats(app.config)

    def day(value) -> str:  # a date on file, shown the branch's way
        return fmt.date_example(value) if value else ""
    fields = [
        Field("name", _("Full name"), value=p.name if p else ""),
        Field("national_id", _("National ID ({label})").format(label=label),
              placeholder=_("{id} (type a new one to change it)").format(id=p.national_id) if p and p.national_id
              else "", value=""),
        Field("birth_date", _("Birth date"), "date", placeholder=fmt.date_example(),
              value=day(p.birth_date) if p else ""),
        Field("phones", _("Phones"), placeholder="912 345 678; +44 20 7946 0958",
              value=_phones_text(p.phones) if p else ""),
        Field("email", _("Email"), value=(p.email or "") if p else ""),
        Field("address", _("Address"), value=(p.address or "") if p else ""),
        Field("segment", _("Segment"), "select", tuple(config.segments), value=p.segment if p else None),
        Field("id_doc_type", _("ID document"), "select", tuple(config.id_doc_types),
              value=p.id_doc_type if p else None),
        Field("id_doc_expiry", _("ID document expiry"), "date", placeholder=fmt.date_example(dt.date(2030, 12, 31)),
              value=day(p.id_doc_expiry) if p else ""),
        Field("kyc_review_due", _("KYC review due"), "date", placeholder=fmt.date_example(dt.date(2027, 1, 31)),
              value=day(p.kyc_review_due) if p else ""),
        Field("marketing_consent", _("Agrees to marketing contact"), "checkbox",
              value=p.marketing_consent if p else False),
    ]

    def save(values: dict, force: bool):
        draft = CustomerDraft(
            name=values["name"], national_id=values["national_id"] or (None if p else ""),
            birth_date=values["birth_date"], phones=[x for x in values["phones"].replace(",", ";").split(";")],
            email=values["email"], address=values["address"], segment=values["segment"] or "",
            id_doc_type=values["id_doc_type"] or "", id_doc_expiry=values["id_doc_expiry"],
            kyc_review_due=values["kyc_review_due"], marketing_consent=values["marketing_consent"],
        )
        if p is None:
            return customer_edit.create(ctx, session, draft, force=force)
        return customer_edit.update(ctx, session, p.id, draft, force=force)

    title = _("Edit {name} ({number})").format(name=p.name, number=p.number) if p else _("New customer")
    return CustomerForm(FormSpec(title, fields, save))


def note_form(app, customer_id: int) -> CustomerForm:
    def save(values: dict, force: bool):
        return customer_records.add_note(app.ctx, app.session, customer_id, values["note"])

    return CustomerForm(FormSpec(_("Add a note"), [Field("note", _("Note"))], save))


def need_form(app, customer_id: int) -> CustomerForm:
    categories = tuple(app.config.customers.need_categories)

    def save(values: dict, force: bool):
        if not values["category"]:
            raise CustomerInvalid({"category": _("choose a category")})
        return customer_records.add_need(app.ctx, app.session, customer_id, values["category"], values["description"])

    return CustomerForm(FormSpec(_("Record a need"), [
        Field("category", _("Category"), "select", categories), Field("description", _("What the customer needs")),
    ], save))


def life_event_form(app, customer_id: int) -> CustomerForm:
    kinds = tuple(app.config.customers.life_event_kinds)

    def save(values: dict, force: bool):
        if not values["kind"]:
            raise CustomerInvalid({"kind": _("choose what happened")})
        return customer_records.add_life_event(app.ctx, app.session, customer_id, values["kind"], values["date"],
                                               values["note"])

    return CustomerForm(FormSpec(_("Record a life event"), [
        Field("kind", _("What happened"), "select", kinds),
        Field("date", _("When"), "date", placeholder=input_formats(app.config).date_example(dt.date(2026, 3, 1))),
        Field("note", _("Note")),
    ], save))


def interaction_form(app, customer_id: int) -> CustomerForm:
    def save(values: dict, force: bool):
        if not values["kind"]:
            raise CustomerInvalid({"kind": _("choose call, meeting or note")})
        minutes = values["duration"].strip()
        try:
            duration = float(minutes) if minutes else None
        except ValueError:
            raise CustomerInvalid({"duration": _("minutes, as a number")}) from None
        return customer_records.add_interaction(app.ctx, app.session, customer_id, values["kind"],
                                                note=values["note"], outcome=values["outcome"],
                                                duration_minutes=duration)

    return CustomerForm(FormSpec(_("Record an interaction"), [
        Field("kind", _("Kind"), "select", customer_records.MANUAL_KINDS),
        Field("outcome", _("Outcome"), placeholder=_("reached, voicemail …")),
        Field("duration", _("Duration (minutes)")), Field("note", _("Note")),
    ], save))

