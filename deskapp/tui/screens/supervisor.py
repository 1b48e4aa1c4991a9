"""The supervisor's home: the floor live, today's figures, alerts, staffing advice, feedback, follow-ups
and charts of the day.

Everything comes from one core call (deskapp.core.supervision.dashboard) in a thread worker. It
reloads when another desk changes something (the app's `changes` signal) and every
REFRESH_SECONDS so that waits and idle times keep counting. Keys act on the row chosen: in the
counters table, pause or close the counter (core refuses either while it holds a ticket) or change
its services and their order (ProfileDialog); in the waiting table, move the ticket to the front of
its line or to another service; in the follow-ups table, reassign the follow-up; in the locked
accounts table (staff locked out by wrong PINs), unlock the account. Core checks the role and
audits each action. `h` shows the history of the chosen waiting ticket or of the ticket the chosen
counter holds (else asks for a number).

The charts are sparklines (Textual's own widget: cheap to redraw on every refresh) with their
numbers written beside them, from core (deskapp.core.stats.hourly and wait_distribution).

Opened from the network screen (`n`), it shows another branch (its Context) and, unless the person
supervises that branch, read-only: its action keys say why they do not apply. It is longer than 450
lines because the one dashboard's nine panels and their seven actions belong together.
"""
from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Footer, Header, OptionList, Sparkline, Static
from textual.widgets.option_list import Option

from deskapp.core import queue as q
from deskapp.core.clock import to_local
from deskapp.core.context import Context
from deskapp.core.queue.words import event_words
from deskapp.core.security import auth
from deskapp.core.security.permissions import allowed
from deskapp.core.stats import dashboard as supervision
from deskapp.core.stats import day_summaries
from deskapp.i18n import N_, _, lazy_gettext, ngettext
from deskapp.tui.format import DASH, elapsed, escape, minutes, percent, plain, score, ticket_number, when
from deskapp.tui.screens.base import AppScreen
from deskapp.tui.screens.desk import ChooseService
from deskapp.tui.screens.floor_dialogs import PauseDialog
from deskapp.tui.screens.followup_dialogs import ReassignDialog
from deskapp.tui.screens.profile_dialog import ProfileDialog
from deskapp.tui.screens.staff_words import columns, figure, without_year, word
from deskapp.tui.widgets.fit_table import Cell, Column, FitTable, before, clip
from deskapp.tui.widgets.key_footer import KeyFooter
from deskapp.tui.widgets.table import DataTable
from deskapp.tui.widgets.waiting_table import waiting_cell, waiting_short
from deskapp.tui.work import call_core

TOTAL_ROW = "All"  # i18n: not words (the key of the today table's row of every service)
REFRESH_SECONDS = 15.0

BRANCH_POLL_SECONDS = 2.0  # another branch's view (from the network screen) polls that branch's change marker


# Every column at 160 columns; at 80, shorter headers and cells, and the columns a supervisor can
# best do without (numbers repeated elsewhere, a counter's list of services) left out first. The
# headers are translated when the screen is built (staff_words.columns).
QUEUES = (Column(N_("Service"), shorten=clip(18)), Column(N_("Waiting"), shorten=waiting_short),
          Column(N_("Longest wait"), short=N_("Longest")), Column(N_("Target")),
          Column(N_("Open counters"), short=N_("Open")), Column(N_("Arrivals 1 h"), drop=1),
          Column(N_("Advice")))
COUNTERS = (Column(N_("Counter"), shorten=clip(14)), Column(N_("State"), shorten=before(":")),
            Column(N_("Who"), shorten=clip(16)), Column(N_("Serves"), drop=2), Column(N_("For")), Column(N_("Ticket")),
            Column(N_("Done today"), short=N_("Done")), Column(N_("Per open hour"), drop=1))
WAITING = (Column(N_("Ticket")), Column(N_("Service")), Column(N_("Priority")), Column(N_("Waiting")),
           Column(N_("Customer"), shorten=clip(20)))
TODAY = (Column(N_("Service")), Column(N_("Arrivals")), Column(N_("Completed"), short=N_("Done")),
         Column(N_("Mean wait"), short=N_("Mean")), Column(N_("P90 wait"), short=N_("P90")),
         Column(N_("Service level"), short=N_("Level")), Column(N_("No-show"), drop=2),
         Column(N_("Walk-away"), short=N_("Walk"), drop=1), Column(N_("Service time"), short=N_("Svc time")))
STEPS = (Column(N_("Workflow")), Column(N_("Step")), Column(N_("Done")), Column(N_("Mean")), Column(N_("P90")))
FOLLOWUPS = (Column(N_("Due"), shorten=without_year), Column(N_("Status")), Column(N_("With"), shorten=clip(12), drop=1),
             Column(N_("Customer"), shorten=clip(14)), Column(N_("Reason"), shorten=clip(20)))
LOCKED = (Column(N_("Login")), Column(N_("Name"), shorten=clip(18)), Column(N_("Role")),
          Column(N_("Locked until"), short=N_("Until")), Column(N_("Failed attempts"), short=N_("Failed")))


def stat_minutes(value: float | None) -> str:
    """A measured figure to a tenth of a minute (format.minutes rounds up, as fits a promised wait)."""
    return DASH if value is None else _("{minutes} min").format(minutes=figure(value))


def plan_line(plan) -> str:
    """The rest of today: per coming hour, counters needed (pooled Erlang C on forecast arrivals) and open."""
    if not plan:
        return _("Coming hours: the branch is closed for the rest of today")
    if not any(h.arrivals for h in plan):
        return _("Coming hours: no history yet to forecast arrivals from")
    cells = [_("{hour} needed {needed}, open {open}").format(
        hour=f"{h.hour:02d}:00", needed=DASH if h.needed is None else h.needed, open=h.open_counters) for h in plan]
    return _("Coming hours: {hours}").format(hours=" · ".join(cells))


def estimates_line(rows) -> str:
    """Today's promised waits against actual ones: the ALL row, and the service promised worst."""
    found = dict(rows)
    total_code = "ALL"  # i18n: not words (the row of every service)
    total = found.get(total_code)
    if total is None or not total.tickets:
        return _("Wait promises today: none checked yet (a promise counts once its ticket is called)")
    worst = max(((code, a) for code, a in rows if code != total_code and a.tickets), key=lambda r: abs(r[1].bias))
    return _("Wait promises today, {called} called: waited {waited}, promised {promised} · bias {bias} · off by "
             "{off} (mean-only {baseline}) · {coverage} within range · worst {worst} {worst_bias}").format(
        called=total.tickets, waited=stat_minutes(total.mean_actual), promised=stat_minutes(total.mean_estimate),
        bias=_signed(total.bias), off=stat_minutes(total.mae), baseline=stat_minutes(total.baseline_mae),
        coverage=percent(total.range_coverage, fraction=True), worst=worst[0], worst_bias=_signed(worst[1].bias))


def _signed(value: float) -> str:
    return _("{minutes} min").format(minutes=f"{'+' if value >= 0 else '-'}{figure(abs(value))}")


def feedback_line(label: str, fb: supervision.FeedbackToday | None) -> str:
    if fb is None:
        return _("{label}: not available in this build").format(label=label)
    return ngettext("{label}: CSAT {csat} · NPS {nps} · response rate {rate} ({n} answer)",
                    "{label}: CSAT {csat} · NPS {nps} · response rate {rate} ({n} answers)", fb.responses).format(
        label=label, csat=percent(fb.csat_pct), nps=score(fb.nps, digits=0, signed=True),
        rate=percent(fb.response_rate, fraction=True), n=fb.responses)


def out_of_order_line(rows) -> str:
    """Today's calls before the ticket's turn: how many of all calls, why, and who (stats.out_of_order)."""
    total = next((r for r in rows if r.by == "all"), None)
    if total is None or not total.calls:
        return ""  # nobody called yet
    if not total.out_of_order:
        return ngettext("Called out of order today: none of {n} call", "Called out of order today: none of {n} calls",
                        total.calls).format(n=total.calls)
    why = ", ".join(f"{r.key} {r.out_of_order}" for r in rows if r.by == "reason")
    who = ", ".join(_("{name} {count} of {calls}").format(name=r.name, count=r.out_of_order, calls=r.calls)
                    for r in rows if r.by == "staff")
    return _("Called out of order today: {count} of {calls} calls ({share}) · why: {why} · who: {who}").format(
        count=total.out_of_order, calls=total.calls, share=percent(total.share, fraction=True), why=why, who=who)


def hour_span(hours, open_hour: int, close_hour: int) -> list[int]:
    """The hours a day's chart covers: opening to closing, stretched to any hour with data."""
    seen = [h.hour for h in hours]
    return list(range(min([open_hour, *seen]), max([close_hour, *seen]) + 1))


class MoveToService(ChooseService):
    """The desk's service picker, asked as a move rather than a transfer."""

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal"):
            yield Static(_("Move the ticket to which service?"), classes="section-title")
            yield OptionList(*[Option(plain(f"{code} · {name}"), id=code) for code, name in self.services])
            yield Footer()


# Each action key's right (deskapp.core.security.permissions) and, when the role lacks it, the refusal.
ACTION_RIGHTS = {
    "counter_state": ("queue.counter_others", N_("Your role ({role}) may not pause or close another person's counter.")),
    "move_front": ("queue.move", N_("Your role ({role}) may not move waiting tickets.")),
    "move_service": ("queue.move", N_("Your role ({role}) may not move waiting tickets.")),
    "edit_profile": ("queue.counter_profile", N_("Your role ({role}) may not change a counter's services.")),
    "reassign": ("followups.reassign_others", N_("Your role ({role}) may not reassign another person's follow-up.")),
    "unlock": ("staff.unlock", N_("Your role ({role}) may not unlock accounts.")),
}
# What a counter's state change says, per state (whole sentences: each language words them its own way).
NOW = {"paused": N_("{counter} is now paused{why}."), "closed": N_("{counter} is now closed{why}."),
       "open": N_("{counter} is now open{why}.")}
ALREADY = {"paused": N_("{counter} is paused already."), "closed": N_("{counter} is closed already.")}
HOLDS = {"paused": N_("{counter} holds {ticket}: it can pause once that ticket is finished or requeued."),
         "closed": N_("{counter} holds {ticket}: it can close once that ticket is finished or requeued.")}


class SupervisorScreen(AppScreen):
    DEFAULT_CSS = """
    SupervisorScreen #sup-alerts { padding: 0 1; min-height: 1; }
    SupervisorScreen #sup-alerts.alerting { background: $error 20%; }
    SupervisorScreen DataTable { height: auto; max-height: 12; margin-bottom: 1; }
    SupervisorScreen #sup-feedback, SupervisorScreen #sup-staff, SupervisorScreen #sup-estimates,
    SupervisorScreen #sup-plan { padding: 0 1; height: auto; }
    SupervisorScreen .chart { height: 3; margin: 0 1; }
    SupervisorScreen .chart-caption { padding: 0 1; color: $text-muted; }
    """
    BINDINGS = [
        Binding("n", "network", lazy_gettext("Network"), id="supervisor_network"),
        Binding("p", "counter_state('paused')", lazy_gettext("Pause counter"), id="supervisor_pause"),
        Binding("k", "counter_state('closed')", lazy_gettext("Close counter"), id="supervisor_close"),
        Binding("f", "move_front", lazy_gettext("Ticket to front"), id="supervisor_front"),
        Binding("m", "move_service", lazy_gettext("Ticket to service"), id="supervisor_move"),
        Binding("e", "edit_profile", lazy_gettext("Counter services"), id="supervisor_profile"),
        Binding("a", "reassign", lazy_gettext("Reassign follow-up"), id="supervisor_reassign"),
        Binding("u", "unlock", lazy_gettext("Unlock account"), id="supervisor_unlock"),
        Binding("h", "history", lazy_gettext("Ticket history"), id="supervisor_history"),
        Binding("ctrl+r", "reload", lazy_gettext("Refresh"), id="supervisor_refresh"),
        Binding("escape", "back", lazy_gettext("Back to network"), id="supervisor_back"),
    ]
    ACTIONS = {"counter_state", "move_front", "move_service", "edit_profile", "reassign", "unlock"}

    def __init__(self, branch: Context | None = None, *, read_only: bool = False) -> None:
        """`branch`: another branch's context (opened from the network screen); None: this desk's branch.
        `read_only`: its action keys say why they do not apply instead of acting."""
        super().__init__(name="supervisor")
        self.data: supervision.Dashboard | None = None
        self.branch = branch
        self.read_only = read_only

    @property
    def ctx(self) -> Context:
        return self.branch if self.branch is not None else super().ctx

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "back":
            return self.branch is not None  # opened from the network screen
        if action == "network":
            return self.branch is None and self.session is not None and allowed(self.session.role, "network.view")
        return super().check_action(action, parameters)

    def refusal(self, action: str, parameters: tuple) -> str | None:
        """Why an action key does not apply now, in one line (None: it does): a read-only view of another
        branch, a role without the right, nothing chosen, or a counter or ticket in the wrong state."""
        if action not in ACTION_RIGHTS:
            return None
        if self.read_only:
            return _("Read-only: you do not supervise {branch}, so its counters, tickets, follow-ups and accounts "
                     "are not yours to change.").format(branch=self.ctx.config.branch.name)
        right, refused = ACTION_RIGHTS[action]
        if self.session is None or not allowed(self.session.role, right):
            role = word(self.session.role) if self.session else _("nobody logged in")
            return _(refused).format(role=role)
        if self.data is None:
            return _("Still loading the floor.")
        if action == "counter_state":
            return self._counter_refusal(str(parameters[0]) if parameters else "")
        if action in ("move_front", "move_service"):
            return None if self._chosen("#sup-waiting") else _("No waiting ticket to move: nobody is waiting now.")
        if action == "edit_profile":
            return None if self._chosen("#sup-counters") else _("No counter chosen: this branch has no counters.")
        if action == "reassign":
            if self.data.followups is None:
                return _("Follow-ups are not available in this build.")
            return None if self._chosen("#sup-followups") else _("No follow-up to reassign: none is open.")
        if action == "unlock":
            return None if self._chosen("#sup-locked") else _("No account is locked.")
        return None

    def _counter_refusal(self, state: str) -> str | None:
        code = self._chosen("#sup-counters")
        if code is None:
            return _("No counter chosen: this branch has no counters.")
        counter = next((c.status for c in self.data.counters if c.status.code == code), None) if self.data else None
        if counter is None:
            return None
        if counter.ticket is not None:
            return _(HOLDS["paused" if state == "paused" else "closed"]).format(counter=counter.name,
                                                                                 ticket=counter.ticket.number)
        if counter.state == state and state in ALREADY:
            return _(ALREADY[state]).format(counter=counter.name)
        if state == "paused" and counter.state == "closed":
            return _("{counter} is closed: only an open counter can pause.").format(counter=counter.name)
        return None

    def _refused(self) -> bool:
        """Whether an action must not run (its key says why through refusal(), as the app's run_action shows)."""
        return self.read_only

    def action_back(self) -> None:
        self.dismiss()

    def action_network(self) -> None:
        from deskapp.tui.screens.network import NetworkScreen

        self.app.push_screen(NetworkScreen(open_branch=lambda ctx, read_only: SupervisorScreen(ctx, read_only=read_only)))

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll():
            yield Static(_("Loading…"), id="sup-alerts")
            yield Static(_("Queues now"), classes="section-title")
            yield FitTable(columns(QUEUES), id="sup-queues", cursor_type="none", zebra_stripes=True)
            yield Static("", id="sup-plan")
            yield Static(_("Counters"), classes="section-title")
            yield FitTable(columns(COUNTERS), id="sup-counters", cursor_type="row", zebra_stripes=True)
            yield Static(_("Waiting tickets"), classes="section-title")
            yield FitTable(columns(WAITING), id="sup-waiting", cursor_type="row", zebra_stripes=True)
            yield Static(_("Today per service"), classes="section-title")
            yield FitTable(columns(TODAY), id="sup-today", cursor_type="none", zebra_stripes=True)
            yield Static("", id="sup-staff")
            yield Static("", id="sup-feedback")
            yield Static("", id="sup-estimates")
            yield Static(_("Follow-ups"), id="sup-followups-title", classes="section-title")
            yield FitTable(columns(FOLLOWUPS), id="sup-followups", cursor_type="row", zebra_stripes=True)
            yield Static(_("Locked accounts"), id="sup-locked-title", classes="section-title")
            yield FitTable(columns(LOCKED), id="sup-locked", cursor_type="row", zebra_stripes=True)
            yield Static(_("Today by hour"), classes="section-title")
            for name in ("arrivals", "completed", "level", "waits"):
                yield Static("", id=f"sup-chart-{name}-caption", classes="chart-caption")
                yield Sparkline([], id=f"sup-chart-{name}", classes="chart")
            yield Static(_("Slowest workflow steps today"), classes="section-title")
            yield FitTable(columns(STEPS), id="sup-steps", cursor_type="none", zebra_stripes=True)
        yield KeyFooter()

    def on_mount(self) -> None:
        self.set_interval(REFRESH_SECONDS, self.reload)
        if self.branch is not None:
            name = self.ctx.config.branch.name
            self.sub_title = _("{branch} (read-only)").format(branch=name) if self.read_only else name
            if self.branch.branch_id != self.state.ctx.branch_id:  # the app polls its own branch only
                self._marker: int | None = None
                self.set_interval(BRANCH_POLL_SECONDS, self._poll_branch)
        if self.loaded and not self.read_only:
            # Recent closed days summarised in the background: the next long report is warm. A
            # failure here costs nothing but speed (the report summarises what it lacks itself).
            call_core(self, day_summaries.ensure_recent, self.ctx, group="day-summaries",
                      on_error=lambda _exc: None)

    @work(thread=True, exclusive=True, group="supervisor-poll", exit_on_error=False)
    def _poll_branch(self) -> None:
        """Another branch's change marker, in a thread: reload when it moved."""
        from deskapp.core import changes
        from deskapp.db.pool import borrowed

        try:
            with borrowed():
                marker = changes.current(self.ctx.branch_id)
        except Exception:  # noqa: BLE001  the app's own poll tells of a lost database; retried next tick
            return
        if marker != self._marker:
            self._marker = marker
            self.app.call_from_thread(self.reload)

    def action_reload(self) -> None:
        self.reload()

    def reload(self) -> None:
        call_core(self, supervision.dashboard, self.ctx, then=self._show, group="supervisor-load", exclusive=True)

    def _show(self, data: supervision.Dashboard) -> None:
        self.data = data
        alerts = self.query_one("#sup-alerts", Static)
        found = list(data.alerts)
        if data.locked:
            found.append(ngettext("{n} staff account locked: see Locked accounts (u unlocks)",
                                  "{n} staff accounts locked: see Locked accounts (u unlocks)",
                                  len(data.locked)).format(n=len(data.locked)))
        alerts.update("\n".join(f"⚠ {escape(a)}" for a in found) if found else _("No alerts."))
        alerts.set_class(bool(found), "alerting")

        advice = {a.service: a for a in data.advice}
        queues = self.query_one("#sup-queues", DataTable)
        queues.clear()
        for s in data.services:
            a = advice.get(s.code)
            queues.add_row(f"{s.code} · {s.name}", waiting_cell(s), minutes(s.longest_wait_minutes),
                           _("{minutes} min").format(minutes=s.target_wait_minutes), str(s.open_counters),
                           str(a.arrivals_last_hour) if a else DASH, Cell(a.text, a.short) if a else DASH, key=s.code)

        self.query_one("#sup-plan", Static).update(plan_line(data.plan))

        per_counter = {c.code: c for c in data.today.counters}
        counters = self.query_one("#sup-counters", DataTable)
        counters.clear()
        for c in data.counters:
            st = c.status
            t = st.ticket
            if t is not None:
                doing = f"{ticket_number(t.number, t.former_number)} {word(t.status)}"
                started = t.started_at if t.status == q.SERVING else t.called_at
            else:
                doing = _("idle") if c.idle_since else DASH
                started = c.idle_since or st.since
            tz = self.ctx.timezone
            if started is None or (st.state == "closed" and to_local(started, tz).date() != to_local(data.at, tz).date()):
                length = DASH  # a counter closed since an earlier day: hours since then say nothing
            else:
                length = elapsed(data.at - started)
            f = per_counter.get(st.code)
            paused = st.state == "paused" and st.pause_reason
            state = _("paused: {reason}").format(reason=st.pause_reason) if paused else word(st.state)
            counters.add_row(st.name, state, st.staff_name or DASH, ", ".join(st.services), length, doing,
                             str(f.completed) if f else "0",
                             DASH if f is None or f.throughput is None else f"{figure(f.throughput)}/h", key=st.code)

        waiting = self.query_one("#sup-waiting", DataTable)
        waiting.clear()
        for t in data.waiting:
            waiting.add_row(ticket_number(t.number, t.former_number), t.service, t.priority,
                            elapsed(data.at - t.issued_at), t.customer_name or DASH, key=str(t.id))

        today = self.query_one("#sup-today", DataTable)
        today.clear()
        rows = [(TOTAL_ROW, _("All"), data.today.total)] + [(x.code, x.code, x.figures) for x in data.today.services]
        for key, name, f in rows:
            today.add_row(name, str(f.arrivals), str(f.completed), stat_minutes(f.mean_wait_minutes),
                          stat_minutes(f.p90_wait_minutes), percent(f.service_level, fraction=True),
                          percent(f.no_show_rate, fraction=True), percent(f.walk_away_rate, fraction=True),
                          stat_minutes(f.mean_service_minutes), key=key)

        tellers = " · ".join(_("{name} {completed} (service {minutes})").format(
            name=x.name, completed=x.completed, minutes=stat_minutes(x.mean_service_minutes)) for x in data.today.staff)
        self.query_one("#sup-staff", Static).update(plain(
            _("Completed today per teller: {tellers}").format(tellers=tellers or DASH)
            + "".join(f"\n{line}" for line in [out_of_order_line(data.out_of_order)] if line)))
        days = supervision.FEEDBACK_DAYS
        self.query_one("#sup-feedback", Static).update(
            feedback_line(_("Feedback today"), data.feedback) + "\n"
            + feedback_line(ngettext("Feedback {n} day", "Feedback {n} days", days).format(n=days), data.feedback_30d))
        self.query_one("#sup-estimates", Static).update(estimates_line(data.estimates))
        self._show_followups(data)
        self._show_locked(data)
        self._show_charts(data)

        steps = self.query_one("#sup-steps", DataTable)
        steps.clear()
        for s in data.slowest_steps:
            steps.add_row(s.workflow, s.step_id, str(s.worked), stat_minutes(s.mean_minutes),
                          stat_minutes(s.p90_minutes))
        self.refresh_bindings()  # which keys apply depends on the rows just shown (the footer, the key list)

    def _show_followups(self, data: supervision.Dashboard) -> None:
        f = data.followups
        if f is None:
            return
        self.query_one("#sup-followups-title", Static).update(
            _("Follow-ups: {open} open, {overdue} overdue").format(open=f.open, overdue=f.overdue))
        table = self.query_one("#sup-followups", DataTable)
        table.clear()
        for item in f.items:
            due = when(item.due_at, self.ctx.config)
            table.add_row(_("OVERDUE {due}").format(due=due) if item.overdue(data.at) else due, word(item.status),
                          item.assignee_name or DASH, item.customer_name or DASH,
                          item.reason.splitlines()[0][:60], key=str(item.id))

    def _show_locked(self, data: supervision.Dashboard) -> None:
        self.query_one("#sup-locked-title", Static).update(
            _("Locked accounts: {n}").format(n=len(data.locked)) if data.locked else _("Locked accounts: none"))
        table = self.query_one("#sup-locked", DataTable)
        table.clear()
        for s in data.locked:
            table.add_row(s.login, s.name, word(s.role), to_local(s.locked_until, self.ctx.timezone).strftime("%H:%M"),
                          str(s.failed_attempts), key=s.login)

    def _show_charts(self, data: supervision.Dashboard) -> None:
        hours = self.config.branch.hours
        span = hour_span(data.hours, int(hours.open[:2]), int(hours.close[:2]))
        by_hour = {h.hour: h for h in data.hours}
        first = f"{span[0]:02d}:00" if span else ""

        def chart(name: str, label: str, values: list, shown: list[str]) -> None:
            self.query_one(f"#sup-chart-{name}", Sparkline).data = [v or 0 for v in values] or [0]
            self.query_one(f"#sup-chart-{name}-caption", Static).update(f"{label}: {' '.join(shown)}")

        arrivals = [by_hour[h].arrivals if h in by_hour else 0 for h in span]
        completed = [by_hour[h].completed if h in by_hour else 0 for h in span]
        level = [by_hour[h].service_level if h in by_hour else None for h in span]
        chart("arrivals", _("Arrivals per hour from {hour}").format(hour=first), arrivals, [str(v) for v in arrivals])
        chart("completed", _("Completed per hour from {hour}").format(hour=first), completed,
              [str(v) for v in completed])
        chart("level", _("Service level per hour from {hour}").format(hour=first),
              [v * 100 if v is not None else 0 for v in level], [percent(v, fraction=True) for v in level])
        chart("waits", _("Waits (min)"), [b.count for b in data.waits], [f"{b.label}: {b.count}" for b in data.waits])

    def _chosen(self, table_id: str) -> str | None:
        table = self.query_one(table_id, DataTable)
        if not table.row_count:
            return None
        return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value

    def action_history(self) -> None:
        """The history of the ticket chosen in the waiting table, or held by the chosen counter."""
        from deskapp.tui.screens.ticket_history import show_history

        ticket: int | str | None = None
        focused = self.focused.id if self.focused is not None else None
        if focused == "sup-waiting":
            ticket = self._chosen("#sup-waiting")
        elif focused == "sup-counters" and self.data is not None:
            code = self._chosen("#sup-counters")
            held = next((c.status.ticket for c in self.data.counters if c.status.code == code), None)
            ticket = held.id if held is not None else None
        show_history(self, int(ticket) if ticket is not None else None, ctx=self.ctx)

    def action_counter_state(self, state: str) -> None:
        if self._refused():
            return
        code = self._chosen("#sup-counters")
        if code is None or self.session is None:
            return

        names = {c.status.code: c.status.name for c in self.data.counters} if self.data else {}
        name = names.get(code) or _("Counter {code}").format(code=code)
        reasons = {r.code: r.label for r in self.config.pause_reasons}

        def done(reason: str | None) -> None:
            why = f" ({reasons.get(reason, reason)})" if reason else ""
            self.notify(_(NOW.get(state, NOW["open"])).format(counter=name, why=why))
            self.reload()

        if state != "paused" or not reasons:
            call_core(self, q.set_counter_state, self.ctx, code, state, by=self.session.login,
                      then=lambda _: done(None))
            return

        def chosen(reason: str | None) -> None:  # the desk's pause dialog: the same reasons, recorded the same way
            if reason:
                call_core(self, q.set_counter_state, self.ctx, code, state, by=self.session.login, reason=reason,
                          then=lambda _: done(reason))

        self.app.push_screen(PauseDialog(list(reasons.items()), name), chosen)

    def _move(self, **where: object) -> None:
        ticket_id = self._chosen("#sup-waiting")
        if ticket_id is None or self.session is None:
            return

        def done(t: q.TicketInfo) -> None:
            front = bool(where.get("front"))
            self.notify(event_words("moved", t.former_number if t.former_number and not front else
                                    ticket_number(t.number, t.former_number),
                                    front=front, service=self.app.config.service_name(t.service, t.service_name),
                                    new=t.number) + ".")
            self.reload()

        call_core(self, q.move_waiting, self.ctx, int(ticket_id), by=self.session.login, then=done, **where)

    def action_move_front(self) -> None:
        if self._refused():
            return
        self._move(front=True)

    def action_move_service(self) -> None:
        if self._refused():
            return
        ticket_id = self._chosen("#sup-waiting")
        if ticket_id is None or self.data is None:
            return
        current = next((t.service for t in self.data.waiting if str(t.id) == ticket_id), "")
        services = [(s.code, s.name) for s in self.config.services]

        def chosen(code: str | None) -> None:
            if code:
                self._move(to_service=code)

        self.app.push_screen(MoveToService(services, current), chosen)

    def action_edit_profile(self) -> None:
        if self._refused():
            return
        code = self._chosen("#sup-counters")
        if code is None or self.data is None:
            return
        counter = next(c.status for c in self.data.counters if c.status.code == code)
        services = [(s.code, s.name) for s in self.config.services]

        def saved(changed: bool | None) -> None:
            if changed:
                self.notify(_("{counter} now serves its new list of services.").format(counter=counter.name))
                self.reload()

        self.app.push_screen(ProfileDialog(code, counter.name, list(counter.services), services), saved)

    def action_reassign(self) -> None:
        if self._refused():
            return
        chosen = self._chosen("#sup-followups")
        if chosen is None or self.data is None or self.data.followups is None:
            return
        item = next((f for f in self.data.followups.items if str(f.id) == chosen), None)
        if item is None:
            return

        def saved(changed: bool | None) -> None:
            if changed:
                self.notify(_("Follow-up {id} reassigned.").format(id=item.id))
                self.reload()

        self.app.push_screen(ReassignDialog(item), saved)

    def action_unlock(self) -> None:
        if self._refused():
            return
        login = self._chosen("#sup-locked")
        if login is None or self.session is None:
            return

        name = next((s.name for s in self.data.locked if s.login == login), login) if self.data else login

        def done(_: object) -> None:
            self.notify(_("{name} can log in again.").format(name=name))

            self.reload()

        call_core(self, auth.unlock, self.ctx, login, by=self.session.login, then=done)
