"""The customer 360: who the customer is, what needs attention, and everything on record.

Opened from lookup, the desk ("o") or any screen with a customer id. The timeline, needs, products
and follow-ups say at which branch (code) each happened: a customer is one across the network. Identifiers are masked;
"v" reveals the national ID for the roles allowed to (audited in core). Keys add a note, a
need, a life event or an interaction (the contact log: call, meeting or note with its outcome), and
edit the details. The Offers tab lists the next-best offers for the customer (deskapp.core.offers):
y records that the customer accepted the highlighted one, n that they declined it (asking why, optionally).
A supervisor merges another record of the same person into this one with m (merge_dialog). Escape goes back.
"""
from __future__ import annotations

from rich.cells import cell_len
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Header, Static, Tab, TabbedContent, TabPane

from deskapp.core import appointments
from deskapp.core.clock import to_local
from deskapp.core.customers import directory as customers
from deskapp.core.customers import followups
from deskapp.core.relationship import offers
from deskapp.i18n import N_, SOURCE, _, current, lazy_gettext
from deskapp.tui.format import escape, person, when
from deskapp.tui.screens import customer_forms as forms
from deskapp.tui.screens.appointment_dialogs import BookDialog, CancelDialog, MoveDialog
from deskapp.tui.screens.merge_dialog import MergeDialog
from deskapp.tui.screens.offer_dialog import DeclineDialog
from deskapp.tui.screens.staff_words import day_text, word
from deskapp.tui.widgets.key_footer import KeyFooter
from deskapp.tui.widgets.table import DataTable
from deskapp.tui.work import call_core

_SEVERITY = {"error": "red", "warning": "yellow", "information": "cyan"}
# Each tab's table and its headers, translated when the screen is built (the staff member's language).
COLUMNS = {
    "#c360-timeline": (N_("When"), N_("Branch"), N_("Kind"), N_("Service"), N_("Staff"), N_("Outcome"),
                       N_("Duration"), N_("Note")),
    "#c360-needs": (N_("Since"), N_("Branch"), N_("Category"), N_("Status"), N_("Source"), N_("Description")),
    "#c360-products": (N_("Type"), N_("Opened"), N_("Branch"), N_("Status"), N_("Account")),
    "#c360-followups": (N_("Due"), N_("Branch"), N_("Source"), N_("Status"), N_("Assignee"), N_("Reason")),
    "#c360-life": (N_("Date"), N_("What"), N_("Note"), N_("By")),
    "#c360-offers": (N_("Offer"), N_("Product"), N_("Kind"), N_("Priority"), N_("Why")),
    "#c360-bookings": (N_("When"), N_("Code"), N_("Service"), N_("With"), N_("Status")),
}
# An offer's kind (config offers: kind), as the Offers tab shows it.
OFFER_KINDS = {"marketing": N_("marketing"), "service": N_("servicing")}
# What the customer's answer to an offer is called in the toast.
DECISIONS = {"accepted": N_("{offer}: accepted."), "declined": N_("{offer}: declined.")}


def _duration(seconds: int | None) -> str:
    if seconds is None:
        return "-"
    return f"{seconds // 60}:{seconds % 60:02d}"


class Customer360Screen(Screen):
    DEFAULT_CSS = """
    Customer360Screen #c360-top { height: auto; }
    Customer360Screen #c360-identity { width: 2fr; height: auto; padding: 0 1; border: round $primary; margin: 0 1; }
    Customer360Screen #c360-alerts { width: 1fr; height: auto; padding: 0 1; border: round $warning; margin: 0 1 0 0; }
    Customer360Screen TabbedContent { height: 1fr; }
    Customer360Screen DataTable { height: 1fr; }
    Customer360Screen TabbedContent.-tight Tab { padding: 0 0 0 1; }
    """
    BINDINGS = [
        Binding("escape", "back", lazy_gettext("Back"), id="c360_back"),
        Binding("a", "form('note')", lazy_gettext("Note"), id="c360_note"),
        Binding("d", "form('need')", lazy_gettext("Need"), id="c360_need"),
        Binding("l", "form('life_event')", lazy_gettext("Life event"), id="c360_life_event"),
        Binding("i", "form('interaction')", lazy_gettext("Interaction"), id="c360_interaction"),
        Binding("e", "edit", lazy_gettext("Edit details"), id="c360_edit"),
        Binding("v", "reveal", lazy_gettext("Reveal ID"), id="c360_reveal"),
        Binding("y", "offer('accepted')", lazy_gettext("Offer accepted"), id="c360_offer_accept"),
        Binding("n", "offer('declined')", lazy_gettext("Offer declined"), id="c360_offer_decline"),
        Binding("m", "merge", lazy_gettext("Merge"), id="c360_merge"),
        Binding("b", "book", lazy_gettext("Book"), id="c360_book"),
        Binding("g", "booking('move')", lazy_gettext("Move booking"), id="c360_move_booking"),
        Binding("k", "booking('cancel')", lazy_gettext("Cancel booking"), id="c360_cancel_booking"),
    ]

    def __init__(self, customer_id: int) -> None:
        super().__init__(name="customer360")
        self.customer_id = customer_id
        self.view: customers.Customer360 | None = None
        self.revealed: str | None = None
        self.offers: list = []
        self.bookings: list = []

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="c360-top"):
            yield Static(_("Loading…"), id="c360-identity")
            yield Static("", id="c360-alerts")
        with TabbedContent(id="c360-tabs"):
            with TabPane(_("Timeline"), id="tab-timeline"):
                yield DataTable(id="c360-timeline", cursor_type="row", zebra_stripes=True)
            with TabPane(_("Needs"), id="tab-needs"):
                yield DataTable(id="c360-needs", cursor_type="row", zebra_stripes=True)
            with TabPane(_("Products"), id="tab-products"):
                yield DataTable(id="c360-products", cursor_type="row", zebra_stripes=True)
            with TabPane(_("Follow-ups"), id="tab-followups"):
                yield DataTable(id="c360-followups", cursor_type="row", zebra_stripes=True)
            with TabPane(_("Life events"), id="tab-life"):
                yield DataTable(id="c360-life", cursor_type="row", zebra_stripes=True)
            with TabPane(_("Offers"), id="tab-offers"):
                yield DataTable(id="c360-offers", cursor_type="row", zebra_stripes=True)
            with TabPane(_("Bookings"), id="tab-bookings"):
                yield DataTable(id="c360-bookings", cursor_type="row", zebra_stripes=True)
        yield KeyFooter()

    def on_mount(self) -> None:
        for selector, names in COLUMNS.items():
            self.query_one(selector, DataTable).add_columns(*(_(name) for name in names))
        self.load(refresh=False)

    def load(self, *, refresh: bool = True) -> None:
        call_core(self, customers.profile, self.app.ctx, self.app.session, self.customer_id, refresh=refresh,
                  then=self._show, group="c360-load", exclusive=True)
        call_core(self, offers.shown_for, self.app.ctx, self.app.session, self.customer_id,
                  then=self._show_offers, group="c360-offers", exclusive=True)
        call_core(self, appointments.of_customer, self.app.ctx, self.customer_id,
                  then=self._show_bookings, group="c360-bookings", exclusive=True)

    def on_resize(self) -> None:
        self._fit_tabs()

    def _fit_tabs(self) -> None:
        """Tabs whose labels are wider than the screen (Portuguese's, at 80 columns) keep one column
        between them instead of two, so that the last one is not cut off."""
        tabs = self.query_one("#c360-tabs", TabbedContent)
        wide = sum(cell_len(str(tab.label)) + 2 for tab in tabs.query(Tab))
        tabs.set_class(wide > self.size.width, "-tight")

    def _show_bookings(self, found: list) -> None:
        self.bookings = list(found)
        self._fill("#c360-bookings", [(when(b.starts_at, self.app.config, local=True), b.code, b.service,
                                       person(b.staff, self.app.config) if b.staff else _("anyone"),
                                       word(b.status)) for b in self.bookings])
        self.query_one("#c360-tabs", TabbedContent).get_tab("tab-bookings").label = _("Bookings ({n})").format(
            n=len(self.bookings))
        self._fit_tabs()
        self.refresh_bindings()

    def _show_offers(self, found: list) -> None:
        self.offers = list(found)
        self._fill("#c360-offers", [(o.title, word(o.product), _(OFFER_KINDS[o.kind]) if o.kind in OFFER_KINDS else o.kind,
                                     str(o.priority), o.reason)
                                    for o in self.offers])
        self.query_one("#c360-tabs", TabbedContent).get_tab("tab-offers").label = _("Offers ({n})").format(
            n=len(self.offers))
        self._fit_tabs()
        self.refresh_bindings()

    def _show(self, view: customers.Customer360) -> None:
        self.view = view
        self.sub_title = f"{view.name} · {view.number}"
        self._identity()
        alerts = "\n".join(f"[{_SEVERITY.get(a.severity, 'white')}]● {escape(a.text)}[/]" for a in view.alerts)
        calm = escape(_("Nothing needs attention."))
        self.query_one("#c360-alerts", Static).update(alerts or f"[dim]{calm}[/dim]")
        config = self.app.config

        def local(value) -> str:
            return when(value, config)

        self._fill("#c360-timeline", [
            (local(i.at), i.branch or "-", word(i.kind), i.service or "-", i.staff_name or "-", i.outcome or "-",
             _duration(i.duration_seconds), (i.note or "").replace("\n", " ")[:80])
            for i in view.interactions
        ])
        self._fill("#c360-needs", [
            (when(n.created_at, config, date_only=True), n.branch or "-", word(n.category), word(n.status),
             word(n.source), n.description[:80])
            for n in view.needs
        ])
        self._fill("#c360-products", [
            (word(p.type), when(p.opened, config), p.branch or "-", word(p.status), p.account_number or "-")
            for p in view.products
        ])
        self._fill("#c360-followups", [
            (local(f.due_at), f.branch or "-", followups.source_label(f.source), word(f.status), f.assignee_name or "-",
             f.reason[:80]) for f in view.followups
        ])
        self._fill("#c360-life", [
            (when(e.date, config), word(e.kind), e.note[:80], person(e.created_by, config))
            for e in view.life_events
        ])
        self.refresh_bindings()

    def _fill(self, selector: str, rows: list[tuple]) -> None:
        table = self.query_one(selector, DataTable)
        table.clear()
        for row in rows:
            table.add_row(*row)

    def _identity(self) -> None:
        v = self.view
        assert v is not None
        label = self.app.config.customers.national_id.label
        nid = self.revealed if self.revealed is not None else (v.national_id or "-")
        config = self.app.config
        if not v.marketing_consent:
            consent = _("no")
        elif v.consent_at:
            since = (when(v.consent_at, config, date_only=True) if current() == SOURCE
                     else day_text(to_local(v.consent_at, config.branch.timezone).date()))
            consent = _("yes since {date}").format(date=since)
        else:
            consent = _("yes")
        consent += f" ({v.consent_source})" if v.consent_source else ""
        born = _("{id_label} {id} · born {birth}").format(
            id_label=label, id=nid, birth=day_text(v.birth_date) if v.birth_date else "-")
        head = f"[b]{escape(v.name)}[/b]"
        if not v.active:
            inactive = escape(_("(inactive)"))
            head += f" [red]{inactive}[/red]"
        if v.legal_hold:
            hold = escape(_("(legal hold)"))
            head += f" [yellow]{hold}[/yellow]"
        head += "   " + escape(_("customer {number}").format(number=v.number))
        lines = [
            born + (f" ({v.age})" if v.age is not None else ""),
            _("Phones {phones} · email {email}").format(phones=", ".join(v.phones) or "-", email=v.email or "-"),
            _("Address {address}").format(address=v.address or "-"),
            _("Segment {segment} · manager {manager} · marketing {consent}").format(
                segment=v.segment or "-", manager=v.manager_name or "-", consent=consent),
            _("ID document {document} until {expiry} · KYC review {review}").format(
                document=word(v.id_doc_type) if v.id_doc_type else "-",
                expiry=day_text(v.id_doc_expiry) if v.id_doc_expiry else "-",
                review=day_text(v.kyc_review_due) if v.kyc_review_due else "-"),
        ]
        self.query_one("#c360-identity", Static).update(head + "\n" + escape("\n".join(lines)))

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        """A refused key stays listed (None) so that pressing it says why (deskapp.tui.keys)."""
        return None if self.refusal(action, parameters) else True

    def refusal(self, action: str, parameters: tuple) -> str | None:
        """Why a key does not apply to this customer now, for this role; None when it does."""
        if action == "back":
            return None
        role = word(self.app.session.role) if self.app.session else _("nobody")
        if self.view is None:
            return _("Still loading the customer.")
        if action == "reveal":
            if not self.view.may_reveal:
                return _("Your role ({role}) may not reveal a national ID.").format(role=role)
            if not self.view.national_id:
                return _("This customer has no national ID on record.")
            return _("The national ID is already shown in full.") if self.revealed is not None else None
        if action == "edit" and not self.view.may_edit:
            return _("Your role ({role}) may not edit a customer's details.").format(role=role)
        if action == "offer" and not self.offers:
            return _("No offer is shown for this customer.")
        if action == "booking" and not any(b.status == "booked" for b in self.bookings):
            return _("This customer has no booking to move or cancel.")
        if action == "merge" and not customers.allowed(self.app.ctx, self.app.session, "merge"):
            return _("Your role ({role}) may not merge customer records.").format(role=role)
        return None

    def action_merge(self) -> None:
        if self.view is not None:
            self.app.push_screen(MergeDialog(self.customer_id, self.view.number), self._merged)

    def _merged(self, survivor: int | None) -> None:
        if survivor is not None:
            self.customer_id = survivor
            self.notify(_("Merged; this is the record that remains."))
            self.revealed = None
            self.load()

    def action_offer(self, decision: str) -> None:
        table = self.query_one("#c360-offers", DataTable)
        if not self.offers or not 0 <= table.cursor_row < len(self.offers):
            return
        offer = self.offers[table.cursor_row]
        if decision == "declined":
            self.app.push_screen(DeclineDialog(offer.title), lambda note: self._record(offer, decision, note))
        else:
            self._record(offer, decision, "")

    def _record(self, offer, decision: str, note: str | None) -> None:
        if note is None:  # the decline dialog was left with Back: nothing recorded
            return
        call_core(self, offers.decide, self.app.ctx, self.app.session, self.customer_id, offer.code, decision,
                  note=note, then=lambda _: self._decided(offer.title, decision))

    def _decided(self, title: str, decision: str) -> None:
        self.notify(_(DECISIONS[decision]).format(offer=title) if decision in DECISIONS else f"{title}: {decision}.")
        self.load()

    def action_back(self) -> None:
        self.dismiss(None)

    def action_book(self) -> None:
        if self.view is not None:
            self.app.push_screen(BookDialog(self.view.number, staff=self.view.manager), self._saved)

    def action_booking(self, what: str) -> None:
        table = self.query_one("#c360-bookings", DataTable)
        if not 0 <= table.cursor_row < len(self.bookings):
            return
        booking = self.bookings[table.cursor_row]
        if booking.status != "booked":
            self.notify(_("Booking {code} is {status}.").format(code=booking.code, status=word(booking.status)),
                        severity="warning")
            return
        self.query_one("#c360-tabs", TabbedContent).active = "tab-bookings"
        self.app.push_screen(MoveDialog(booking) if what == "move" else CancelDialog(booking), self._saved)

    def action_form(self, kind: str) -> None:
        if self.view is None:
            return
        build = {"note": forms.note_form, "need": forms.need_form, "life_event": forms.life_event_form,
                 "interaction": forms.interaction_form}[kind]
        self.app.push_screen(build(self.app, self.customer_id), self._saved)

    def action_edit(self) -> None:
        if self.view is not None:
            self.app.push_screen(forms.details_form(self.app, self.view), self._saved)

    def _saved(self, result: object) -> None:
        if result is not None:
            self.notify(_("Saved."))
            self.revealed = None
            self.load()

    def action_reveal(self) -> None:
        call_core(self, customers.reveal, self.app.ctx, self.app.session, self.customer_id, "national_id",
                  then=self._revealed)

    def _revealed(self, value: str | None) -> None:
        self.revealed = value or "-"
        self._identity()
        self.refresh_bindings()
        self.notify(_("Shown in full; this was recorded in the audit trail."))

