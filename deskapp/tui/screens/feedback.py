"""Feedback, for supervisors and managers: what customers said, the four figures, and the loop.

Filters (service, who served, counter, days, score band, tag, who entered it) narrow everything on
the screen. The figures are deskapp.core.metrics over the filter, each with what it counts, and a
dash when there is nothing to count; staff-entered answers have their own line. Follow-ups opened
by feedback show their state, age and whether they are overdue, and are worked from here: detail
(enter or o), start (s), contact (c), close with resolution and root cause (d), reassign (a).
A staff member can also type in what a customer said (tab "Enter feedback", key e).
"""
from __future__ import annotations

import datetime as dt

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Header, Label, Select, Static, TabbedContent, TabPane

from deskapp.core import feedback as fb
from deskapp.core.customers import followups
from deskapp.core.metrics import CES_SCALE, CSAT_SCALE, NPS_SCALE
from deskapp.i18n import _, lazy_gettext, ngettext
from deskapp.tui.format import DASH, escape, percent, person, plain, score, when
from deskapp.tui.screens.base import AppScreen
from deskapp.tui.screens.followup_dialogs import CloseDialog, ContactDialog, FollowUpDetail, ReassignDialog, age
from deskapp.tui.screens.staff_words import figure, word
from deskapp.tui.widgets.inputs import Input
from deskapp.tui.widgets.key_footer import KeyFooter
from deskapp.tui.widgets.table import DataTable
from deskapp.tui.work import call_core, show_failure

DEFAULT_DAYS = 30


def _answers(n: int) -> str:
    return ngettext("{n} answer", "{n} answers", n).format(n=n)


def _mean(value: float | None) -> str:
    """A CES mean to a tenth, as the language writes it; a dash for none."""
    return DASH if value is None else figure(value)


def customer_line(s: fb.FeedbackSummary) -> str:
    """The four figures over customer answers, each saying what it counts (a dash: nothing to count)."""
    c = s.counts
    nps_score = score(s.nps, digits=0, signed=True)
    csat = (_("CSAT {csat} ({satisfied} of {answers} 4-5)").format(
        csat=percent(s.csat_pct), satisfied=c.csat.satisfied, answers=_answers(c.csat.answers))
        if c.csat.answers else _("CSAT {dash} (no answers)").format(dash=DASH))
    nps = (_("NPS {nps} ({promoters} 9-10, {detractors} 0-6, of {answers})").format(
        nps=nps_score, promoters=ngettext("{n} promoter", "{n} promoters", c.nps.promoters).format(n=c.nps.promoters),
        detractors=ngettext("{n} detractor", "{n} detractors", c.nps.detractors).format(n=c.nps.detractors),
        answers=_answers(c.nps.answers))
        if c.nps.answers else _("NPS {dash} (no answers)").format(dash=DASH))
    ces = (_("CES {ces} (mean of {answers} 1-7)").format(ces=_mean(s.ces), answers=_answers(c.ces_answers))
           if c.ces_answers else _("CES {dash} (no answers)").format(dash=DASH))
    rate = (_("Response rate {rate} ({responses} of {completed}; {no_answer} no answer)").format(
        rate=percent(s.response_rate, fraction=True),
        responses=ngettext("{n} response", "{n} responses", c.customer_responses).format(n=c.customer_responses),
        completed=ngettext("{n} completed ticket", "{n} completed tickets", c.completed).format(n=c.completed),
        no_answer=c.no_answer)
        if c.completed else _("Response rate {dash} (no completed tickets)").format(dash=DASH))
    return " · ".join((csat, nps, ces, rate))


def staff_line(s: fb.FeedbackSummary) -> str:
    """Staff-entered answers: reported apart, never counted as responses."""
    c = s.counts
    if not c.responses:
        return _("Staff-entered: no answers")
    return _("Staff-entered: {answers} · CSAT {csat} ({satisfied} of {csat_answers} 4-5) · NPS {nps} ({nps_answers}) "
             "· CES {ces} ({ces_answers})").format(
        answers=_answers(c.responses), csat=percent(s.csat_pct), satisfied=c.csat.satisfied,
        csat_answers=c.csat.answers, nps=score(s.nps, digits=0, signed=True), nps_answers=_answers(c.nps.answers),
        ces=_mean(s.ces), ces_answers=_answers(c.ces_answers))


def _load(ctx, f: fb.FeedbackFilter):
    return fb.summary_by_entry(ctx, f), fb.responses(ctx, f), fb.followups_for(ctx, f)


def _enter(ctx, number: str, answers: dict, login: str) -> fb.FeedbackInfo:
    pending = fb.ticket_for_entry(ctx, number)
    return fb.submit(ctx, pending.ticket_id, **answers, entered_by=fb.STAFF, staff=login)


def _scale(name: str, low_high: tuple[int, int]) -> Input:
    low, high = low_high
    return Input(placeholder=_("{low}-{high}, or empty").format(low=low, high=high), id=f"entry-{name}",
                 classes="entry-score",
                 restrict=r"[0-9]*", max_length=2)


class FeedbackScreen(AppScreen):
    BINDINGS = [
        Binding("o", "open_followup", lazy_gettext("Detail"), id="feedback_open"),
        Binding("s", "start_followup", lazy_gettext("Start"), id="feedback_start"),
        Binding("c", "contact", lazy_gettext("Contact"), id="feedback_contact"),
        Binding("d", "close_followup", lazy_gettext("Close"), id="feedback_close"),
        Binding("a", "reassign", lazy_gettext("Reassign"), id="feedback_reassign"),
        Binding("e", "enter_feedback", lazy_gettext("Enter feedback"), id="feedback_enter"),
        Binding("x", "clear_filters", lazy_gettext("Clear filters"), id="feedback_clear"),
    ]
    DEFAULT_CSS = """
    FeedbackScreen #fb-filters { height: 1; margin: 1 1 0 1; }
    FeedbackScreen #fb-filters Select { width: 1fr; margin-right: 1; }
    FeedbackScreen #fb-filters Input { width: 12; margin-right: 1; }
    FeedbackScreen #fb-filter-message { color: $warning; height: auto; margin: 0 1; }
    FeedbackScreen #fb-metrics { height: auto; padding: 0 1; margin: 0 1; border: round $primary; }
    FeedbackScreen TabbedContent { height: 1fr; }
    FeedbackScreen DataTable { height: 1fr; }
    FeedbackScreen #fb-entry { padding: 0 1; height: 1fr; }
    FeedbackScreen #fb-entry .entry-row { height: auto; }
    FeedbackScreen #fb-entry .entry-field { width: 24; height: auto; margin-right: 1; }
    FeedbackScreen #fb-entry #entry-comment { width: 1fr; }
    FeedbackScreen #entry-message { height: auto; }
    """

    def __init__(self) -> None:
        super().__init__(name="feedback")
        self.filter = fb.FeedbackFilter()
        self.followup_rows: list[followups.FollowUpInfo] = []
        self.response_rows: list[fb.FeedbackInfo] = []

    # -- layout -------------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        config = self.app.config
        today = self.app.ctx.today() if self.app.ctx else dt.date.today()
        yield Header()
        with Horizontal(id="fb-filters"):
            yield Select([(plain(f"{s.code} · {s.name}"), s.code) for s in config.services], prompt=_("Service"),
                         id="filter-service", compact=True)
            yield Select([(plain(s.name), s.login) for s in config.staff if s.role in ("teller", "supervisor")],
                         prompt=_("Staff"), id="filter-staff", compact=True)
            yield Select([(plain(c.name), c.code) for c in config.counters], prompt=_("Counter"), id="filter-counter",
                         compact=True)
            yield Input(str(today - dt.timedelta(days=DEFAULT_DAYS - 1)), placeholder=_("from"),
                        id="filter-since", max_length=10, compact=True)
            yield Input(str(today), placeholder=_("to"), id="filter-until", max_length=10, compact=True)
            yield Select([(f"{name} ({what})", name) for name, what in fb.BANDS.items()], prompt=_("Score"),
                         id="filter-band", compact=True)
            yield Select([(plain(t.tag.replace("_", " ")), t.tag) for t in config.feedback.tags], prompt=_("Tag"),
                         id="filter-tag", compact=True)
            yield Select([(_("customer"), fb.CUSTOMER), (_("staff-entered"), fb.STAFF)], prompt=_("Entry"),
                         id="filter-entered", compact=True)
        yield Static("", id="fb-filter-message")
        yield Static(_("Loading…"), id="fb-metrics")
        with TabbedContent(id="fb-tabs"):
            with TabPane(_("Follow-ups"), id="tab-followups"):
                yield DataTable(id="fb-followups", cursor_type="row", zebra_stripes=True)
            with TabPane(_("Responses"), id="tab-responses"):
                yield DataTable(id="fb-responses", cursor_type="row", zebra_stripes=True)
            with TabPane(_("Enter feedback"), id="tab-entry"):
                yield from self._entry_form()
        yield KeyFooter()

    def _entry_form(self) -> ComposeResult:
        questions = self.app.config.feedback.questions
        with VerticalScroll(id="fb-entry"):
            yield Static(_("What a customer told you about today's service, marked as staff-entered."))
            with Horizontal(classes="entry-row"):
                with Vertical(classes="entry-field"):
                    yield Label(_("Ticket (today)"))
                    yield Input(placeholder=_("e.g. {ticket}").format(ticket="A014"), id="entry-ticket", max_length=10)
                for name, scale in (("csat", CSAT_SCALE), ("nps", NPS_SCALE), ("ces", CES_SCALE)):
                    if getattr(questions, name).ask:
                        with Vertical(classes="entry-field"):
                            yield Label(f"{name.upper()} ({scale[0]}-{scale[1]})")
                            yield _scale(name, scale)
            yield Label(_("Comment"))
            with Horizontal(classes="entry-row"):
                yield Input(id="entry-comment", max_length=fb.MAX_COMMENT)
                yield Button(_("Save as staff-entered"), variant="primary", id="entry-save")
            yield Static("", id="entry-message")

    def on_mount(self) -> None:
        self.query_one("#fb-followups", DataTable).add_columns(
            "#", _("State"), _("Due"), _("Age"), _("Assigned to"), _("Customer"), _("Reason"))
        self.query_one("#fb-responses", DataTable).add_columns(
            _("When"), _("Ticket"), _("Service"), _("Counter"), _("Served by"), _("CSAT"), _("NPS"), _("CES"),
            _("Tags"), _("Comment"), _("Entered by"), _("Follow-up"))
        self._read_filters()
        self.query_one("#fb-followups", DataTable).focus()

    # -- loading ------------------------------------------------------------------------------------
    def reload(self) -> None:
        call_core(self, _load, self.ctx, self.filter, then=self._show, on_error=self._load_failed,
                  group="feedback-load", exclusive=True)

    def _load_failed(self, exc: BaseException) -> None:
        show_failure(self, exc, self.query_one("#fb-filter-message", Static).update)

    def _show(self, loaded) -> None:
        summaries, responses, items = loaded
        customers = escape(_("Customers"))
        self.query_one("#fb-metrics", Static).update(
            f"[b]{customers}[/b]: {customer_line(summaries[fb.CUSTOMER])}\n{staff_line(summaries[fb.STAFF])}")
        self._show_followups(items)
        self._show_responses(responses)
        self.refresh_bindings()

    def _when(self, value: dt.datetime) -> str:
        return when(value, self.app.config)

    def _show_followups(self, items: list[followups.FollowUpInfo]) -> None:
        table = self.query_one("#fb-followups", DataTable)
        table.clear()
        now = self.app.now()
        self.followup_rows = items
        for item in items:
            state = word(item.status)
            if item.overdue(now):
                state = Text.assemble((_("OVERDUE"), "bold red"), f" {state}")  # i18n: not words (a style)
            table.add_row(str(item.id), state, self._when(item.due_at), age(item.age_hours(now)),
                          item.assignee_name or _("no one"), item.customer_name or DASH,
                          item.reason.splitlines()[0][:80], key=str(item.id))

    def _show_responses(self, rows: list[fb.FeedbackInfo]) -> None:
        table = self.query_one("#fb-responses", DataTable)
        table.clear()
        self.response_rows = rows
        for r in rows:
            value = (lambda v: DASH if v is None else str(v))
            comment = r.comment.replace("\n", " ")[:60] if r.answered else _("(no answer)")
            who = (_("customer") if r.entered_by == fb.CUSTOMER
                   else _("staff: {name}").format(name=person(r.entered_by_login, self.app.config)))
            table.add_row(self._when(r.at), r.ticket_number, r.service, r.counter or DASH, r.staff_name or DASH,
                          value(r.csat), value(r.nps), value(r.ces), ", ".join(r.tags), comment, who,
                          str(r.followup_id) if r.followup_id else DASH, key=str(r.id))

    # -- filters ------------------------------------------------------------------------------------
    def _read_filters(self) -> bool:
        def choice(widget_id: str) -> str | None:
            value = self.query_one(widget_id, Select).value
            return None if value is Select.NULL else str(value)

        dates: dict[str, dt.date | None] = {}
        for key in ("since", "until"):
            text = self.query_one(f"#filter-{key}", Input).value.strip()
            try:
                dates[key] = dt.date.fromisoformat(text) if text else None
            except ValueError:
                self.query_one("#fb-filter-message", Static).update(
                    _("'{text}' is not a date: write it as {example}.").format(text=escape(text),
                                                                             example=f"{dt.date.today():%Y-%m-%d}"))
                return False
        self.query_one("#fb-filter-message", Static).update("")
        self.filter = fb.FeedbackFilter(
            service=choice("#filter-service"), staff=choice("#filter-staff"), counter=choice("#filter-counter"),
            since=dates["since"], until=dates["until"], band=choice("#filter-band"), tag=choice("#filter-tag"),
            entered_by=choice("#filter-entered"),
        )
        return True

    @on(Select.Changed, "#fb-filters Select")
    @on(Input.Submitted, "#fb-filters Input")
    def _filters_changed(self) -> None:
        if self._read_filters():
            self.reload()

    def action_clear_filters(self) -> None:
        for select in self.query("#fb-filters Select").results(Select):
            select.clear()
        today = self.app.ctx.today() if self.app.ctx else dt.date.today()
        self.query_one("#filter-since", Input).value = str(today - dt.timedelta(days=DEFAULT_DAYS - 1))
        self.query_one("#filter-until", Input).value = str(today)
        self._filters_changed()

    # -- follow-ups ---------------------------------------------------------------------------------
    def selected_followup(self) -> int | None:
        """The id of the follow-up under the cursor: a follow-up's row, or the one a response opened."""
        tabs = self.query_one("#fb-tabs", TabbedContent)
        if tabs.active == "tab-followups":
            table, rows = self.query_one("#fb-followups", DataTable), self.followup_rows
            return rows[table.cursor_row].id if 0 <= table.cursor_row < len(rows) else None
        if tabs.active == "tab-responses":
            table, answers = self.query_one("#fb-responses", DataTable), self.response_rows
            return answers[table.cursor_row].followup_id if 0 <= table.cursor_row < len(answers) else None
        return None

    def refusal(self, action: str, parameters: tuple) -> str | None:
        if action in ("open_followup", "start_followup", "contact", "close_followup", "reassign") \
                and self.selected_followup() is None:
            return _("No follow-up chosen: pick a row with a follow-up on the Follow-ups or Responses tab.")
        return None

    @on(DataTable.RowHighlighted)
    @on(TabbedContent.TabActivated)
    def _selection_moved(self) -> None:
        self.refresh_bindings()

    @on(DataTable.RowSelected)
    def action_open_followup(self) -> None:
        followup_id = self.selected_followup()
        if followup_id is None:
            self.notify(_("This answer opened no follow-up."))
            return
        actions = {"start": self.action_start_followup, "contact": self.action_contact,
                   "close": self.action_close_followup, "reassign": self.action_reassign}

        def chosen(action: str | None) -> None:
            if action in actions:
                actions[action]()

        self.app.push_screen(FollowUpDetail(followup_id), chosen)

    def _dialog(self, dialog_class) -> None:
        """Open a dialog on the follow-up as it is now (another desk may have changed it)."""
        followup_id = self.selected_followup()
        if followup_id is not None:
            call_core(self, followups.get, followup_id,
                      then=lambda item: self.app.push_screen(dialog_class(item), self._saved))

    def _saved(self, saved: bool | None) -> None:
        if saved:
            self.notify(_("Follow-up saved."))
            self.reload()

    def action_start_followup(self) -> None:
        followup_id = self.selected_followup()
        if followup_id is not None:
            call_core(self, followups.start, self.app.ctx, followup_id, by=self.app.session.login,
                      then=lambda _: self._saved(True), on_error=self._followup_refused)

    def _followup_refused(self, exc: BaseException) -> None:
        self.app.report_error(exc)  # a refusal is a short warning, anything else an error

    def action_contact(self) -> None:
        self._dialog(ContactDialog)

    def action_close_followup(self) -> None:
        self._dialog(CloseDialog)

    def action_reassign(self) -> None:
        self._dialog(ReassignDialog)

    # -- staff-entered feedback ---------------------------------------------------------------------
    def action_enter_feedback(self) -> None:
        self.query_one("#fb-tabs", TabbedContent).active = "tab-entry"
        self.query_one("#entry-ticket", Input).focus()

    @on(Button.Pressed, "#entry-save")
    @on(Input.Submitted, "#fb-entry Input")
    def _save_entry(self) -> None:
        number = self.query_one("#entry-ticket", Input).value.strip()
        if not number:
            self._say_entry(_("Enter the ticket number, e.g. {ticket}.").format(ticket="A014"), error=True)
            return
        answers: dict = {"comment": self.query_one("#entry-comment", Input).value}
        for field in self.query(".entry-score").results(Input):
            if field.value.strip():
                answers[(field.id or "").removeprefix("entry-")] = int(field.value)
        self._say_entry(_("Saving…"))
        call_core(self, _enter, self.app.ctx, number, answers, self.app.session.login,
                  then=self._entered, on_error=self._entry_refused)

    def _entered(self, info: fb.FeedbackInfo) -> None:
        if info.followup_id:
            self._say_entry(_("Saved for {ticket} as staff-entered; follow-up {id} opened.").format(
                ticket=info.ticket_number, id=info.followup_id))
        else:
            self._say_entry(_("Saved for {ticket} as staff-entered.").format(ticket=info.ticket_number))

        for field in self.query("#fb-entry Input").results(Input):
            field.value = ""
        self.reload()

    def _entry_refused(self, exc: BaseException) -> None:
        show_failure(self, exc, lambda text: self._say_entry(text, error=bool(text)))

    def _say_entry(self, text: str, *, error: bool = False) -> None:
        self.query_one("#entry-message", Static).update(f"[b $warning]{escape(text)}[/]" if error else escape(text))

