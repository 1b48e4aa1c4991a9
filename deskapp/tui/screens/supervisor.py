"""The supervisor's home: the floor live, today's figures, alerts, staffing advice and feedback.

Everything comes from one core call (deskapp.core.supervision.dashboard) in a thread worker. It
reloads when another desk changes something (the app's `changes` signal) and every
REFRESH_SECONDS so that waits and idle times keep counting. Keys act on the row chosen: in the
counters table, pause or close the counter (core refuses either while it holds a ticket); in the
waiting table, move the ticket to the front of its line or to another service (audited by core).
"""
from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, OptionList, Static
from textual.widgets.option_list import Option

from deskapp.core import queue as q
from deskapp.core import supervision
from deskapp.tui.format import DASH, elapsed, minutes, percent, score
from deskapp.tui.screens.desk import ChooseService
from deskapp.tui.work import call_core

REFRESH_SECONDS = 15.0


def stat_minutes(value: float | None) -> str:
    """A measured figure to a tenth of a minute (format.minutes rounds up, as fits a promised wait)."""
    return DASH if value is None else f"{score(value)} min"


class MoveToService(ChooseService):
    """The desk's service picker, asked as a move rather than a transfer."""

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal"):
            yield Static("Move the ticket to which service?", classes="section-title")
            yield OptionList(*[Option(f"{code} · {name}", id=code) for code, name in self.services])
            yield Footer()


class SupervisorScreen(Screen):
    DEFAULT_CSS = """
    SupervisorScreen #sup-alerts { padding: 0 1; min-height: 1; }
    SupervisorScreen #sup-alerts.alerting { background: $error 20%; }
    SupervisorScreen DataTable { height: auto; max-height: 12; margin-bottom: 1; }
    SupervisorScreen #sup-feedback { padding: 0 1; }
    """
    BINDINGS = [
        Binding("p", "counter_state('paused')", "Pause counter", id="supervisor_pause"),
        Binding("k", "counter_state('closed')", "Close counter", id="supervisor_close"),
        Binding("f", "move_front", "Ticket to front", id="supervisor_front"),
        Binding("m", "move_service", "Ticket to service", id="supervisor_move"),
        Binding("ctrl+r", "reload", "Refresh", id="supervisor_refresh"),
    ]

    def __init__(self) -> None:
        super().__init__(name="supervisor")
        self.data: supervision.Dashboard | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll():
            yield Static("Loading…", id="sup-alerts")
            yield Static("Queues now", classes="section-title")
            yield DataTable(id="sup-queues", cursor_type="none", zebra_stripes=True)
            yield Static("Counters", classes="section-title")
            yield DataTable(id="sup-counters", cursor_type="row", zebra_stripes=True)
            yield Static("Waiting tickets", classes="section-title")
            yield DataTable(id="sup-waiting", cursor_type="row", zebra_stripes=True)
            yield Static("Today per service", classes="section-title")
            yield DataTable(id="sup-today", cursor_type="none", zebra_stripes=True)
            yield Static("", id="sup-feedback")
            yield Static("Slowest workflow steps today", classes="section-title")
            yield DataTable(id="sup-steps", cursor_type="none", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#sup-queues", DataTable).add_columns(
            "Service", "Waiting", "Longest wait", "Target", "Open counters", "Arrivals 1 h", "Advice")
        self.query_one("#sup-counters", DataTable).add_columns("Counter", "State", "Who", "Serves", "For", "Ticket")
        self.query_one("#sup-waiting", DataTable).add_columns("Ticket", "Service", "Priority", "Waiting", "Customer")
        self.query_one("#sup-today", DataTable).add_columns(
            "Service", "Arrivals", "Completed", "Mean wait", "P90 wait", "Service level", "No-show", "Walk-away",
            "Service time")
        self.query_one("#sup-steps", DataTable).add_columns("Workflow", "Step", "Done", "Mean", "P90")
        self.app.changes.subscribe(self, lambda _: self.reload())
        self.set_interval(REFRESH_SECONDS, self.reload)
        self.reload()

    def action_reload(self) -> None:
        self.reload()

    def reload(self) -> None:
        if self.app.ctx is None:
            return
        call_core(self, supervision.dashboard, self.app.ctx, then=self._show, group="supervisor-load", exclusive=True)

    def _show(self, data: supervision.Dashboard) -> None:
        self.data = data
        alerts = self.query_one("#sup-alerts", Static)
        alerts.update("\n".join(f"⚠ {a}" for a in data.alerts) if data.alerts else "No alerts.")
        alerts.set_class(bool(data.alerts), "alerting")

        advice = {a.service: a for a in data.advice}
        queues = self.query_one("#sup-queues", DataTable)
        queues.clear()
        for s in data.services:
            a = advice.get(s.code)
            queues.add_row(f"{s.code} · {s.name}", str(s.waiting), minutes(s.longest_wait_minutes),
                           f"{s.target_wait_minutes} min", str(s.open_counters),
                           str(a.arrivals_last_hour) if a else DASH, a.text if a else DASH, key=s.code)

        counters = self.query_one("#sup-counters", DataTable)
        keep = counters.cursor_row
        counters.clear()
        for c in data.counters:
            st = c.status
            t = st.ticket
            if t is not None:
                doing = f"{t.number} {t.status}"
                started = t.started_at if t.status == q.SERVING else t.called_at
            else:
                doing = "idle" if c.idle_since else DASH
                started = c.idle_since or st.since
            length = elapsed(data.at - started) if started else DASH
            counters.add_row(st.name, st.state, st.staff_name or DASH, ", ".join(st.services), length, doing,
                             key=st.code)
        if counters.row_count:
            counters.move_cursor(row=min(keep, counters.row_count - 1))

        waiting = self.query_one("#sup-waiting", DataTable)
        keep = waiting.cursor_row
        waiting.clear()
        for t in data.waiting:
            waiting.add_row(t.number, t.service, t.priority, elapsed(data.at - t.issued_at), t.customer_name or DASH,
                            key=str(t.id))
        if waiting.row_count:
            waiting.move_cursor(row=min(keep, waiting.row_count - 1))

        today = self.query_one("#sup-today", DataTable)
        today.clear()
        rows = [("All", data.today.total)] + [(x.code, x.figures) for x in data.today.services]
        for name, f in rows:
            today.add_row(name, str(f.arrivals), str(f.completed), stat_minutes(f.mean_wait_minutes),
                          stat_minutes(f.p90_wait_minutes), percent(f.service_level, fraction=True),
                          percent(f.no_show_rate, fraction=True), percent(f.walk_away_rate, fraction=True),
                          stat_minutes(f.mean_service_minutes), key=name)

        fb = data.feedback
        self.query_one("#sup-feedback", Static).update(
            "Feedback today: not available in this build" if fb is None else
            f"Feedback today: CSAT {percent(fb.csat_pct)} · NPS {score(fb.nps, digits=0, signed=True)} · "
            f"response rate {percent(fb.response_rate, fraction=True)} ({fb.responses} answers)")

        steps = self.query_one("#sup-steps", DataTable)
        steps.clear()
        for s in data.slowest_steps:
            steps.add_row(s.workflow, s.step_id, str(s.worked), stat_minutes(s.mean_minutes),
                          stat_minutes(s.p90_minutes))

    def _chosen(self, table_id: str) -> str | None:
        table = self.query_one(table_id, DataTable)
        if not table.row_count:
            return None
        return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value

    def action_counter_state(self, state: str) -> None:
        code = self._chosen("#sup-counters")
        if code is None or self.app.ctx is None or self.app.session is None:
            return

        def done(_: object) -> None:
            self.notify(f"Counter {code} {state}.")
            self.reload()

        call_core(self, q.set_counter_state, self.app.ctx, code, state, by=self.app.session.login, then=done)

    def _move(self, **where: object) -> None:
        ticket_id = self._chosen("#sup-waiting")
        if ticket_id is None or self.app.ctx is None or self.app.session is None:
            return

        def done(t: q.TicketInfo) -> None:
            self.notify(f"{t.number} moved" + (" to the front" if where.get("front") else f" to {t.service}") + ".")
            self.reload()

        call_core(self, q.move_waiting, self.app.ctx, int(ticket_id), by=self.app.session.login, then=done, **where)

    def action_move_front(self) -> None:
        self._move(front=True)

    def action_move_service(self) -> None:
        ticket_id = self._chosen("#sup-waiting")
        if ticket_id is None or self.data is None:
            return
        current = next((t.service for t in self.data.waiting if str(t.id) == ticket_id), "")
        services = [(s.code, s.name) for s in self.app.config.services]

        def chosen(code: str | None) -> None:
            if code:
                self._move(to_service=code)

        self.app.push_screen(MoveToService(services, current), chosen)
