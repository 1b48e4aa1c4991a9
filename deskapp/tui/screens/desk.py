"""The teller's queue screen: the ticket in hand, this counter's queues, and every action a key."""
from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Header, OptionList, Static
from textual.widgets.option_list import Option

from deskapp.core import appointments as ap
from deskapp.core import queue as q
from deskapp.core.queue import floor
from deskapp.core.workflows import guide as workflows
from deskapp.tui.format import elapsed, escape, minutes, plain
from deskapp.tui.screens.appointment_dialogs import expected_text
from deskapp.tui.screens.base import AppScreen
from deskapp.tui.screens.feedback_customer import offer_feedback, refresh_pending
from deskapp.tui.screens.workflow import guided, open_guide, resume_guide
from deskapp.tui.widgets.fit_table import Column, FitTable, clip
from deskapp.tui.widgets.key_footer import KeyFooter
from deskapp.tui.widgets.table import DataTable
from deskapp.tui.work import call_core

# At 80 columns the service names are cut and two headers shortened, so that the open counters stay.
QUEUES = (Column("Service", shorten=clip(28)), Column("Waiting"), Column("Longest wait", short="Longest"),
          Column("Target"), Column("Open counters", short="Open"))


class ChooseService(ModalScreen[str | None]):
    """Pick the service to transfer to."""

    BINDINGS = [("escape", "dismiss(None)", "Cancel")]

    def __init__(self, services: list[tuple[str, str]], current: str):
        super().__init__()
        self.services = [(code, name) for code, name in services if code != current]

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal"):
            yield Static("Transfer to which service?", classes="section-title")
            yield OptionList(*[Option(plain(f"{code} · {name}"), id=code) for code, name in self.services])
            yield Footer()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)


class DeskScreen(AppScreen):
    # The most used first: the footer shows, of the keys that apply now, as many as fit in this order.
    BINDINGS = [
        Binding("n", "act('call_next')", "Call next", id="call_next"),
        Binding("s", "act('start')", "Start", id="start"),
        Binding("c", "act('complete')", "Complete", id="complete"),
        Binding("g", "guide", "Guide", id="guide"),  # the workflow of the ticket being served
        Binding("v", "customer_feedback", "Customer feedback", id="customer_feedback"),
        Binding("o", "open_customer", "Open customer", id="open_customer"),
        Binding("r", "act('recall')", "Recall", id="recall"),
        Binding("x", "act('no_show')", "No-show", id="no_show"),
        Binding("t", "transfer", "Transfer", id="transfer"),
        Binding("b", "act('requeue')", "Requeue", id="requeue"),
        Binding("f", "act('requeue_front')", "Requeue front", id="requeue_front"),
        Binding("w", "act('cancel')", "Walked away", id="cancel"),
        Binding("p", "pause", "Pause/resume", id="pause"),
        Binding("k", "close_counter", "Close counter", id="close_counter"),
    ]

    def __init__(self) -> None:
        super().__init__(name="desk")
        self.view: floor.DeskView | None = None
        self.feedback_pending = False  # the counter's last completed ticket awaits feedback (key v)
        self.guided_tickets: set[int] = set()  # tickets whose guide has opened by itself (workflow)

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="desk-current")
        yield Static("This counter's queues, in calling order", classes="section-title")
        yield FitTable(QUEUES, id="desk-queues", cursor_type="row", zebra_stripes=True)
        expected = Static("", id="desk-expected")
        expected.display = False  # until someone is booked for this desk in the next hour
        yield expected
        yield KeyFooter()

    def on_mount(self) -> None:
        self.set_interval(1.0, self._show_current)

    def reload(self) -> None:
        if self.counter is None:
            self._show_current()
            return
        call_core(self, floor.desk_view, self.ctx, self.counter, then=self._show, group="desk-load", exclusive=True)
        call_core(self, ap.expected, self.ctx, with_staff=self.session.login if self.session else None,
                  counter_code=self.counter, then=self._show_expected, group="desk-expected", exclusive=True)
        refresh_pending(self, self.counter)

    def _show_expected(self, bookings) -> None:
        panel = self.query_one("#desk-expected", Static)
        panel.display = bool(bookings)
        panel.update(expected_text(bookings))

    def _show(self, view: floor.DeskView) -> None:
        self.view = view
        table = self.query_one(DataTable)
        table.clear()
        for s in view.queues:
            table.add_row(f"{s.code} · {s.name}", str(s.waiting), minutes(s.longest_wait_minutes),
                          f"{s.target_wait_minutes} min", str(s.open_counters), key=s.code)
        self._show_current()
        self.refresh_bindings()
        resume_guide(self, view.counter.ticket, self.guided_tickets)  # after start, or at login mid-workflow

    def _show_current(self) -> None:
        panel = self.query_one("#desk-current", Static)
        if self.counter is None:
            panel.update("No counter chosen: log in again and pick your counter to serve tickets.")
            return
        if self.view is None:
            panel.update("Loading…")
            return
        c = self.view.counter
        head = f"[b]{escape(c.name)}[/b] · {c.state}" + (f" · {escape(c.staff_name)}" if c.staff_name else "")
        t = c.ticket
        if t is None:
            body = "No ticket in hand. Press [b]n[/b] to call the next one."
        else:
            now = self.state.now()
            if t.status == q.CALLED:
                state = f"called {elapsed(now - t.called_at)} ago" + (f", recalled {t.recall_count}×" if t.recall_count else "")
            else:
                state = f"serving for {elapsed(now - t.started_at)}"
            who = escape(t.customer_name or "customer not identified")
            chain = f" · transferred from {escape(t.parent_number)}" if t.parent_number else ""
            was = f"(was {escape(t.former_number)}) " if t.former_number else ""
            body = (f"[b reverse] {escape(t.number)} [/] {was}{escape(t.service_name)} · {escape(t.priority)} · {state}\n"
                    f"Customer: {who}{chain}")
        panel.update(f"{head}\n{body}")

    def refusal(self, action: str, parameters: tuple) -> str | None:
        """Why a key does not apply to the ticket in hand (None: it does); the footer shows only the keys
        that apply, and a key pressed anyway says this."""
        name = parameters[0] if action == "act" else action
        if self.counter is None:
            return "No counter chosen: log in again and pick your counter to serve tickets."
        if self.view is None:
            return "Still loading this counter's queues."
        if name == "customer_feedback":
            return None if self.feedback_pending else (
                "No ticket awaits the customer's rating: the last one completed here has been rated, "
                "or its time for feedback is over.")
        ticket = self.view.counter.ticket
        if ticket is None:
            if name in ("call_next", "pause", "close_counter"):
                return None
            return "No ticket in hand: press n to call the next one."
        number, called = ticket.number, ticket.status == q.CALLED
        if name == "call_next":
            return f"{number} is still in hand: " + (
                "start it (s), requeue it (b) or mark it a no-show (x) first." if called
                else "complete it (c) or transfer it (t) first.")
        if name in ("pause", "close_counter"):
            return f"{number} is still in hand: finish with it before you pause or close the counter."
        if name == "open_customer":
            return None if ticket.customer_id is not None else f"{number} has no customer attached."
        if name in ("complete", "transfer", "guide") and called:
            return f"{number} is called, not served yet: press s to start serving it first."
        if name == "guide":
            return None if guided(self.app, ticket) else f"{ticket.service_name} has no guided steps."
        if name in ("recall", "start", "no_show", "requeue", "requeue_front", "cancel") and not called:
            return f"{number} is already being served: complete it (c) or transfer it (t)."
        return None

    def action_act(self, name: str) -> None:
        ctx, counter = self.ctx, self.counter
        if counter is None:
            self.notify("Pick a counter at login to serve tickets.", severity="warning")
            return
        if name == "call_next":
            call_core(self, q.call_next, ctx, counter, self.session.login, then=self._called)
        elif name == "requeue_front":
            call_core(self, q.requeue, ctx, counter, front=True, by=self.session.login, then=self._acted)
        elif name == "complete":  # refused while the ticket's workflow is unfinished
            call_core(self, workflows.complete_ticket, ctx, counter, by=self.session.login, then=self._acted)
        else:
            call_core(self, getattr(q, name), ctx, counter, by=self.session.login, then=self._acted)

    def _called(self, ticket: q.TicketInfo | None) -> None:
        if ticket is None:
            self.notify("Nobody is waiting for this counter's services.")
        self.reload()

    def _acted(self, ticket: q.TicketInfo) -> None:
        self.notify(f"{ticket.number}: {ticket.status.replace('_', ' ')}")
        self.reload()

    def action_transfer(self) -> None:
        ticket = self.view.counter.ticket if self.view else None
        if ticket is None:
            return
        services = [(s.code, s.name) for s in self.config.services]

        def chosen(code: str | None) -> None:
            if code:
                call_core(self, q.transfer, self.ctx, self.counter, code, by=self.session.login, then=self._acted)

        self.app.push_screen(ChooseService(services, ticket.service), chosen)

    def action_pause(self) -> None:
        state = self.view.counter.state if self.view else "open"
        target = "open" if state == "paused" else "paused"
        call_core(self, q.set_counter_state, self.ctx, self.counter, target, by=self.session.login,
                  then=lambda _: self.reload())

    def action_close_counter(self) -> None:
        call_core(self, q.set_counter_state, self.ctx, self.counter, "closed", by=self.session.login,
                  then=lambda _: self.reload())

    def action_open_customer(self) -> None:
        """The customer 360 of the ticket in hand."""
        from deskapp.tui.screens.customer360 import Customer360Screen

        ticket = self.view.counter.ticket if self.view else None
        if ticket is None or ticket.customer_id is None:
            self.notify("The ticket in hand has no customer attached.", severity="warning")
            return
        self.app.push_screen(Customer360Screen(ticket.customer_id))

    def action_customer_feedback(self) -> None:
        """Turn the screen to the customer: they rate the ticket just completed."""
        if self.counter is not None:
            offer_feedback(self, self.counter)

    def action_guide(self) -> None:
        """Open the guided steps of the ticket being served."""
        if self.view is not None and self.view.counter.ticket is not None:
            open_guide(self, self.view.counter.ticket)
