"""The relationship manager's workspace (home screen of the manager role): three tabs.

- My customers (1): the portfolio with segment, products, last contact, open needs and follow-ups and
  alerts; type to search by name or number, filter by segment and alert, choose the order; enter opens
  the 360 profile (offers with accept/decline and the contact log are there).
- My follow-ups (2): every open follow-up assigned to me, overdue first, then due today, then upcoming;
  c records a contact, d completes it with a resolution, z snoozes it with a reason, a reassigns it.
- Needs pipeline (3): needs by category and status, and the needs met by a product with the days it
  took; p switches between my portfolio and every customer.
- Agenda (4): my bookings for a day or a week ([ and ] go back and forward, w switches day/week, p mine or
  the whole branch's); b books, m moves, k cancels the booking chosen.

A supervisor opens the same workspace (F7) with a Manager choice in the filter row: whose portfolio,
follow-up board and pipeline are shown.

What each figure means is in deskapp.core.portfolio and deskapp.core.pipeline; core checks that the
person may see the portfolio, whatever this screen shows.
"""
from __future__ import annotations

import datetime as dt

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Header, Select, Static, TabbedContent, TabPane

from deskapp.core import appointments as ap
from deskapp.core.customers import followups
from deskapp.core.relationship import pipeline, portfolio
from deskapp.i18n import N_, _, lazy_gettext, ngettext
from deskapp.tui.format import DASH, person, plain, when
from deskapp.tui.screens.appointment_dialogs import BookDialog, CancelDialog, MoveDialog
from deskapp.tui.screens.base import AppScreen
from deskapp.tui.screens.customer360 import Customer360Screen
from deskapp.tui.screens.followup_dialogs import CloseDialog, ContactDialog, ReassignDialog
from deskapp.tui.screens.manager_dialogs import SnoozeDialog
from deskapp.tui.screens.staff_words import columns, day_and_time, day_text, figure, weekday_date, without_year, word
from deskapp.tui.widgets.fit_table import Column, FitTable, clip
from deskapp.tui.widgets.inputs import Input
from deskapp.tui.widgets.key_footer import KeyFooter
from deskapp.tui.widgets.table import DataTable
from deskapp.tui.work import call_core

# The words below are marked with N_() and translated where shown: the staff member's language is
# known at login, after import.
ALERT_KINDS = {"id_expiring": N_("ID expiring"), "id_expired": N_("ID expired"), "kyc_overdue": N_("KYC due"),
               "kyc_due_soon": N_("KYC due soon"), "birthday": N_("birthday"), "dormant": N_("dormant"),
               "complaint": N_("complaint"), "followup": N_("follow-ups")}
SORT_LABELS = {"name": N_("by name"), "last_contact": N_("by longest without contact"), "alerts": N_("by most alerts"),
               "open_needs": N_("by most open needs"), "segment": N_("by segment")}
TABS = ("tab-customers", "tab-followups", "tab-pipeline", "tab-agenda")
TAB_NAMES = {"tab-customers": N_("My customers (1)"), "tab-followups": N_("My follow-ups (2)"),
             "tab-pipeline": N_("Needs pipeline (3)"), "tab-agenda": N_("Agenda (4)")}
# At 80 columns the portfolio keeps who, the last contact and what is open or alerting; the
# products go first, then the segment (a filter above the table chooses it anyway).
PORTFOLIO = (Column(N_("Name"), shorten=clip(16)), Column(N_("Number")), Column(N_("Segment"), drop=2),
             Column(N_("Products"), drop=1), Column(N_("Last contact"), short=N_("Contact")), Column(N_("Needs")),
             Column(N_("Follow-ups")), Column(N_("Alerts"), shorten=clip(14)))
BOARD = (Column(N_("When")), Column(N_("Due"), shorten=without_year), Column(N_("Customer"), shorten=clip(16)), Column(N_("Source"), drop=1),
         Column(N_("Status")), Column(N_("Reason"), shorten=clip(14)))
AGENDA = (Column(N_("When")), Column(N_("Code")), Column(N_("Customer"), shorten=clip(16)), Column(N_("Service")),
          Column(N_("With"), drop=1), Column(N_("Status")))


def _load(ctx, session, login: str, search: str, segment, alert, sort: str, whole_branch: bool):
    return (portfolio.customers_of(ctx, session, login, search=search, segment=segment, alert=alert, sort=sort),
            portfolio.followups_of(ctx, session, login),
            pipeline.needs_pipeline(ctx, manager=None if whole_branch else login))


class ManagerScreen(AppScreen):
    BINDINGS = [
        Binding("1", "tab('tab-customers')", lazy_gettext("Customers"), id="manager_tab_customers"),
        Binding("2", "tab('tab-followups')", lazy_gettext("Follow-ups"), id="manager_tab_followups"),
        Binding("3", "tab('tab-pipeline')", lazy_gettext("Pipeline"), id="manager_tab_pipeline"),
        Binding("slash", "search", lazy_gettext("Search"), id="manager_search"),
        Binding("o", "open_customer", lazy_gettext("Open 360"), id="manager_open"),
        Binding("x", "clear_filters", lazy_gettext("Clear filters"), id="manager_clear"),
        Binding("c", "followup('contact')", lazy_gettext("Contact"), id="manager_contact"),
        Binding("d", "followup('close')", lazy_gettext("Complete"), id="manager_complete"),
        Binding("z", "followup('snooze')", lazy_gettext("Snooze"), id="manager_snooze"),
        Binding("a", "followup('reassign')", lazy_gettext("Reassign"), id="manager_reassign"),
        Binding("p", "toggle_scope", lazy_gettext("Mine/all"), id="manager_scope"),
        Binding("n", "network", lazy_gettext("Network"), id="manager_network"),
        Binding("4", "tab('tab-agenda')", lazy_gettext("Agenda"), id="manager_tab_agenda"),
        Binding("left_square_bracket", "agenda_step(-1)", lazy_gettext("Earlier"), key_display="[",
                id="manager_agenda_back"),
        Binding("right_square_bracket", "agenda_step(1)", lazy_gettext("Later"), key_display="]",
                id="manager_agenda_on"),
        Binding("w", "agenda_span", lazy_gettext("Day/week"), id="manager_agenda_span"),
        Binding("b", "book", lazy_gettext("Book"), id="manager_book"),
        Binding("m", "booking('move')", lazy_gettext("Move"), id="manager_move"),
        Binding("k", "booking('cancel')", lazy_gettext("Cancel booking"), id="manager_cancel_booking"),
    ]
    DEFAULT_CSS = """
    ManagerScreen #mgr-filters { height: 1; margin: 1 1 0 1; }
    /* The search keeps at least 24 columns: the choices narrow first (at 110 columns a supervisor's
       row of five squeezed the search to "Sea"). */
    ManagerScreen #mgr-filters Input { width: 2fr; min-width: 24; margin-right: 1; }
    ManagerScreen #mgr-filters Select { width: 1fr; min-width: 14; max-width: 24; margin-right: 1; }
    ManagerScreen #mgr-filters #mgr-owner { max-width: 28; }
    /* Under 100 columns the search gets a line of its own (beside the manager a supervisor chose),
       the three choices share the next one. */
    ManagerScreen.-narrow #mgr-filters { layout: grid; grid-size: 3 2; grid-columns: 1fr; grid-gutter: 0 1; height: 2; }
    ManagerScreen.-narrow #mgr-filters Input, ManagerScreen.-narrow #mgr-filters Select { width: 100%; margin: 0; }
    ManagerScreen.-narrow #mgr-filters #mgr-search { column-span: 3; }
    ManagerScreen.-narrow #mgr-filters.with-owner #mgr-search { column-span: 2; }
    ManagerScreen TabbedContent { height: 1fr; }
    ManagerScreen DataTable { height: 1fr; }
    ManagerScreen .mgr-summary { height: auto; padding: 0 1; }
    """

    def __init__(self) -> None:
        super().__init__(name="manager")
        self.rows: list[portfolio.PortfolioRow] = []
        self.board_rows: list[followups.FollowUpInfo] = []
        self.whole_branch = False
        self.agenda_rows: list[ap.AppointmentInfo] = []
        self.agenda_day = None  # the first day shown; today until moved
        self.agenda_days = 1  # 1: a day, 7: a week
        self.agenda_all = False
        self._new_list = False  # the search or a filter changed: the customers table starts at its first row

    def compose(self) -> ComposeResult:
        config = self.config
        yield Header()
        with TabbedContent(id="mgr-tabs"):
            with TabPane(_("My customers"), id="tab-customers"):
                chooses_owner = self.session is not None and self.session.role != "manager"
                with Horizontal(id="mgr-filters", classes="with-owner" if chooses_owner else ""):
                    if chooses_owner:
                        # A supervisor looks after every portfolio: whose is chosen here.
                        managers = [(plain(m.name), m.login) for m in config.staff if m.role == "manager"]
                        yield Select(managers, value=managers[0][1] if managers else Select.NULL,
                                     allow_blank=not managers, prompt=_("Manager"), id="mgr-owner", compact=True)
                    yield Input(placeholder=_("Search name or customer number (/)"), id="mgr-search", compact=True)
                    yield Select([(plain(s), s) for s in config.customers.segments], prompt=_("Segment"),
                                 id="mgr-segment", compact=True)
                    yield Select([(_(label), kind) for kind, label in ALERT_KINDS.items()], prompt=_("Alert"),
                                 id="mgr-alert", compact=True)
                    yield Select([(_(label), key) for key, label in SORT_LABELS.items()], value="name",
                                 allow_blank=False, id="mgr-sort", compact=True)
                yield Static(_("Loading…"), id="mgr-customers-summary", classes="mgr-summary")
                yield FitTable(columns(PORTFOLIO), id="mgr-customers", cursor_type="row", zebra_stripes=True)
            with TabPane(_("My follow-ups"), id="tab-followups"):
                yield Static(_("Loading…"), id="mgr-followups-summary", classes="mgr-summary")
                yield FitTable(columns(BOARD), id="mgr-followups", cursor_type="row", zebra_stripes=True)
            with TabPane(_("Needs pipeline"), id="tab-pipeline"):
                yield Static(_("Loading…"), id="mgr-pipeline-summary", classes="mgr-summary")
                yield DataTable(id="mgr-pipeline", cursor_type="row", zebra_stripes=True)
                yield DataTable(id="mgr-converted", cursor_type="row", zebra_stripes=True)
            with TabPane(_("Agenda"), id="tab-agenda"):
                yield Static(_("Loading…"), id="mgr-agenda-summary", classes="mgr-summary")
                yield FitTable(columns(AGENDA), id="mgr-agenda", cursor_type="row", zebra_stripes=True)
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#mgr-pipeline", DataTable).add_columns(
            _("Category"), _("Open"), _("In progress"), _("Met"), _("Declined"), _("Total"))
        self.query_one("#mgr-converted", DataTable).add_columns(
            _("Customer"), _("Need"), _("Product"), _("Recorded"), _("Met"), _("Days"))

    # -- loading ------------------------------------------------------------------------------------
    def _choice(self, selector: str):
        value = self.query_one(selector, Select).value
        return None if value is Select.NULL else value

    @property
    def owner(self) -> str | None:
        """Whose portfolio is shown: the manager's own, or the one a supervisor chose."""
        session = self.session
        if session is None:
            return None
        if session.role == "manager":
            return session.login
        return self._choice("#mgr-owner") if self.query("#mgr-owner") else None

    def reload(self) -> None:
        session = self.session
        owner = self.owner
        if session is None or owner is None:
            return
        call_core(self, _load, self.ctx, session, owner, self.query_one("#mgr-search", Input).value,
                  self._choice("#mgr-segment"), self._choice("#mgr-alert"), self._choice("#mgr-sort") or "name",
                  self.whole_branch, then=self._show, group="manager-load", exclusive=True)
        self._load_agenda()

    def _load_agenda(self) -> None:
        owner = self.owner
        first = self.agenda_day or self.ctx.today()
        call_core(self, ap.agenda, self.ctx, first, self.agenda_days, with_staff=None if self.agenda_all else owner,
                  then=self._show_agenda, group="manager-agenda", exclusive=True)

    def _show_agenda(self, rows: list[ap.AppointmentInfo]) -> None:
        self.agenda_rows = rows
        table = self.query_one("#mgr-agenda", DataTable)
        table.clear()
        for b in rows:
            at = day_and_time(b.starts_at) if self.agenda_days > 1 else f"{b.starts_at:%H:%M}"
            table.add_row(at, b.code, b.customer_name, b.service,
                          person(b.staff, self.config) if b.staff else _("anyone"), word(b.status), key=b.code)
        first = self.agenda_day or self.ctx.today()
        last = first + dt.timedelta(days=self.agenda_days - 1)
        span = (weekday_date(first) if self.agenda_days == 1 else
                _("week {first} to {last}").format(first=day_text(first), last=day_text(last)))
        whose = _("the whole branch") if self.agenda_all else _("mine")
        self.query_one("#mgr-agenda-summary", Static).update(
            ngettext("{span} · {whose} (p) · {n} booking · [ ] earlier/later, w day/week",
                     "{span} · {whose} (p) · {n} bookings · [ ] earlier/later, w day/week", len(rows)).format(
                span=span, whose=whose, n=len(rows)))
        self.refresh_bindings()

    def _when(self, value) -> str:
        return when(value, self.config)

    def _show(self, loaded) -> None:
        rows, board, needs = loaded
        self._show_customers(rows)
        self._show_followups(board)
        self._show_pipeline(needs)
        self.refresh_bindings()

    def _show_customers(self, rows: list[portfolio.PortfolioRow]) -> None:
        self.rows = rows
        table = self.query_one("#mgr-customers", DataTable)
        table.clear(keep_cursor=not self._new_list)
        self._new_list = False
        for r in rows:
            table.add_row(r.name, r.number, r.segment or DASH, ", ".join(word(p) for p in r.products) or DASH,
                          when(r.last_contact, self.config, date_only=True), str(r.open_needs), str(r.open_followups),
                          "; ".join(a.text for a in r.alerts) or DASH, key=str(r.id))
        alerted = sum(1 for r in rows if r.alerts)
        self.query_one("#mgr-customers-summary", Static).update(
            ngettext("{n} customer · {alerted} with alerts", "{n} customers · {alerted} with alerts", len(rows)).format(
                n=len(rows), alerted=alerted))

    def _show_followups(self, board: portfolio.FollowUpBoard) -> None:
        self.board_rows = list(board.all())
        table = self.query_one("#mgr-followups", DataTable)
        table.clear()
        for label, items in ((Text(_("overdue"), style="bold red"), board.overdue),  # i18n: not words (a style)
                             (Text(_("today"), style="bold"), board.today), (Text(_("upcoming")), board.upcoming)):
            for f in items:
                table.add_row(label, self._when(f.due_at), f.customer_name or DASH, followups.source_label(f.source),
                              word(f.status), f.reason.splitlines()[0][:80], key=str(f.id))
        self.query_one("#mgr-followups-summary", Static).update(
            _("{overdue} overdue · {today} due today · {upcoming} upcoming").format(
                overdue=len(board.overdue), today=len(board.today), upcoming=len(board.upcoming)))

    def _show_pipeline(self, needs: pipeline.Pipeline) -> None:
        table = self.query_one("#mgr-pipeline", DataTable)
        table.clear()
        for row in needs.categories:
            c = row.counts
            table.add_row(word(row.category), str(c["open"]), str(c["in_progress"]), str(c["met"]),
                          str(c["declined"]), str(row.total))
        converted = self.query_one("#mgr-converted", DataTable)
        converted.clear()
        for n in needs.to_products:
            converted.add_row(n.customer, word(n.category), word(n.product),
                              when(n.created_at, self.config, date_only=True),
                              when(n.met_at, self.config, date_only=True), figure(n.days))
        median = needs.median_days_to_product
        if self.whole_branch:
            scope = _("Needs of every customer")
        elif self.session is not None and self.session.role == "manager":
            scope = _("Needs of my portfolio")
        else:
            names = {m.login: m.name for m in self.config.staff}
            scope = _("Needs of {name}'s portfolio").format(name=names.get(self.owner, self.owner))
        self.query_one("#mgr-pipeline-summary", Static).update(
            ngettext("{scope} (p switches) · {n} turned into a product · median {median} days from need to product",
                     "{scope} (p switches) · {n} turned into products · median {median} days from need to product",
                     len(needs.to_products)).format(scope=scope, n=len(needs.to_products),
                                                    median=DASH if median is None else figure(median)))

    @on(Input.Changed, "#mgr-search")
    @on(Select.Changed)
    def _filters_changed(self) -> None:
        self._new_list = True  # another list of customers: its first row, not the cursor's customer
        self.reload()

    # -- actions ------------------------------------------------------------------------------------
    def _active_tab(self) -> str:
        return self.query_one("#mgr-tabs", TabbedContent).active

    def refusal(self, action: str, parameters: tuple) -> str | None:
        """Most keys act on one tab's rows: elsewhere they say which tab (the footer shows the tab's own)."""
        tab = self._active_tab() if self.is_mounted else ""
        tabs = {"open_customer": ("tab-customers",), "search": ("tab-customers",), "clear_filters": ("tab-customers",),
                "followup": ("tab-followups",), "toggle_scope": ("tab-pipeline", "tab-agenda"),
                "agenda_step": ("tab-agenda",), "agenda_span": ("tab-agenda",), "book": ("tab-agenda",),
                "booking": ("tab-agenda",)}.get(action)
        if tabs is not None and tab not in tabs:
            if len(tabs) == 1:
                return _("Only on the {tab} tab.").format(tab=_(TAB_NAMES[tabs[0]]))
            return _("Only on the {tab} or the {other} tab.").format(tab=_(TAB_NAMES[tabs[0]]),
                                                                     other=_(TAB_NAMES[tabs[1]]))
        if action == "followup" and not self.board_rows:
            return _("No follow-up in the list.")
        if action == "booking" and not self.agenda_rows:
            return _("No booking in the agenda shown.")
        return None

    @on(TabbedContent.TabActivated)
    def _tab_changed(self) -> None:
        self.refresh_bindings()

    def action_tab(self, tab: str) -> None:
        self.query_one("#mgr-tabs", TabbedContent).active = tab
        table = {"tab-customers": "#mgr-customers", "tab-followups": "#mgr-followups",
                 "tab-agenda": "#mgr-agenda"}.get(tab)
        if table:
            self.query_one(table, DataTable).focus()
        self.refresh_bindings()

    def action_search(self) -> None:
        self.query_one("#mgr-search", Input).focus()

    def action_clear_filters(self) -> None:  # the chosen manager stays
        self.query_one("#mgr-search", Input).value = ""
        self.query_one("#mgr-segment", Select).clear()
        self.query_one("#mgr-alert", Select).clear()
        self.query_one("#mgr-sort", Select).value = "name"
        self.reload()

    def _selected(self, selector: str) -> int | None:
        table = self.query_one(selector, DataTable)
        if table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        return int(key.value) if key.value is not None else None

    @on(DataTable.RowSelected, "#mgr-customers")
    def action_open_customer(self) -> None:
        customer_id = self._selected("#mgr-customers")
        if customer_id is not None:
            self.app.push_screen(Customer360Screen(customer_id), lambda _: self.reload())

    @on(Input.Submitted, "#mgr-search")
    def _search_done(self) -> None:
        self.query_one("#mgr-customers", DataTable).focus()

    def action_followup(self, what: str) -> None:
        followup_id = self._selected("#mgr-followups")
        item = next((f for f in self.board_rows if f.id == followup_id), None)
        if item is None:
            return
        dialog = {"contact": ContactDialog, "close": CloseDialog, "snooze": SnoozeDialog,
                  "reassign": ReassignDialog}[what]
        self.app.push_screen(dialog(item), self._saved)

    def _saved(self, saved: bool | None) -> None:
        if saved:
            self.notify(_("Saved."))
            self.reload()

    def action_network(self) -> None:
        """Every branch's floor now (deskapp.tui.screens.network); core checks network.view."""
        from deskapp.tui.screens.network import NetworkScreen
        from deskapp.tui.screens.supervisor import SupervisorScreen

        self.app.push_screen(NetworkScreen(open_branch=lambda ctx, read_only: SupervisorScreen(ctx, read_only=read_only)))

    def action_toggle_scope(self) -> None:
        if self._active_tab() == "tab-agenda":
            self.agenda_all = not self.agenda_all
            self._load_agenda()
            return
        self.whole_branch = not self.whole_branch
        self.reload()

    # -- the agenda ---------------------------------------------------------------------------------
    def action_agenda_step(self, direction: int) -> None:
        first = self.agenda_day or self.ctx.today()
        self.agenda_day = first + dt.timedelta(days=direction * self.agenda_days)
        self._load_agenda()

    def action_agenda_span(self) -> None:
        self.agenda_days = 7 if self.agenda_days == 1 else 1
        if self.agenda_days == 7:  # a week starts on Monday
            first = self.agenda_day or self.ctx.today()
            self.agenda_day = first - dt.timedelta(days=first.weekday())
        self._load_agenda()

    def action_book(self) -> None:
        staff = self.owner if self.session is not None and self.session.role == "manager" else None
        self.app.push_screen(BookDialog(staff=staff), self._booked)

    def action_booking(self, what: str) -> None:
        table = self.query_one("#mgr-agenda", DataTable)
        if table.row_count == 0:
            return
        code = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        booking = next((b for b in self.agenda_rows if b.code == code), None)
        if booking is None:
            return
        self.app.push_screen(MoveDialog(booking) if what == "move" else CancelDialog(booking), self._booked)

    def _booked(self, booking: ap.AppointmentInfo | None) -> None:
        if booking is not None:
            self.notify(f"{booking.code}: {word(booking.status)}, {when(booking.starts_at, self.config, local=True)}.")

            self._load_agenda()
