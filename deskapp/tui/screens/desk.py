"""The teller's queue screen: the ticket in hand, this counter's queues and their waiting tickets, and
every action a key."""
from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Footer, Header, OptionList, Static
from textual.widgets.option_list import Option

from deskapp.core import appointments as ap
from deskapp.core import queue as q
from deskapp.core.queue import floor, handover
from deskapp.core.queue.words import action_words
from deskapp.core.workflows import guide as workflows
from deskapp.i18n import N_, _, lazy_gettext, ngettext
from deskapp.tui.format import counter_state, elapsed, escape, minutes, plain, ticket_number
from deskapp.tui.screens.appointment_dialogs import expected_text
from deskapp.tui.screens.base import AppScreen
from deskapp.tui.screens.feedback_customer import offer_feedback, refresh_pending
from deskapp.tui.screens.floor_dialogs import PauseDialog, TransferDialog
from deskapp.tui.screens.workflow import guided, open_guide, resume_guide, show_guide, start_guided
from deskapp.tui.widgets.fit_table import Column, FitTable, clip
from deskapp.tui.widgets.key_footer import KeyFooter
from deskapp.tui.widgets.table import DataTable
from deskapp.tui.widgets.waiting_table import waiting_cell, waiting_short
from deskapp.tui.work import call_core

# At 80 columns the service names are cut and two headers shortened, so that the open counters stay.
QUEUES = (Column(N_("Service"), shorten=clip(28)), Column(N_("Waiting"), shorten=waiting_short),
          Column(N_("Longest wait"), short=N_("Longest")), Column(N_("Target")),
          Column(N_("Open counters"), short=N_("Open")))
# The waiting tickets, in the order this counter would call them ("#" 1 is the one `n` takes).
WAITING = (Column("#"), Column(N_("Ticket")), Column(N_("Service"), shorten=clip(18)), Column(N_("Class")),
           Column(N_("Waited")))


@dataclass(frozen=True)
class DeskData:
    """What the desk shows, read together."""
    view: floor.DeskView
    waiting: q.WaitingList
    expected: list
    handovers: handover.DeskHandovers


def _desk_data(ctx, counter: str, login: str | None) -> DeskData:
    """Runs in the worker's thread: the counter's view, its waiting tickets, who is booked for it soon and
    the tickets handed to it."""
    return DeskData(floor.desk_view(ctx, counter, login), q.waiting_list(ctx, counter),
                    ap.expected(ctx, with_staff=login, counter_code=counter),
                    handover.desk_handovers(ctx, counter, login))


class ChooseService(ModalScreen[str | None]):
    """Pick a service (the supervisor's move of a waiting ticket; a transfer has TransferDialog)."""

    BINDINGS = [Binding("escape", "dismiss(None)", lazy_gettext("Cancel"))]

    def __init__(self, services: list[tuple[str, str]], current: str):
        super().__init__()
        self.services = [(code, name) for code, name in services if code != current]

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal"):
            yield Static(_("Transfer to which service?"), classes="section-title")
            yield OptionList(*[Option(plain(f"{code} · {name}"), id=code) for code, name in self.services])
            yield Footer()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)


class DeskScreen(AppScreen):
    # The most used first: the footer shows, of the keys that apply now, as many as fit in this order.
    BINDINGS = [
        # The labels are translated each time they are drawn (lazy_gettext): the staff member's language
        # is known at login, long after this class is defined.
        Binding("n", "act('call_next')", lazy_gettext("Call next"), id="call_next"),
        Binding("enter", "call_chosen", lazy_gettext("Call this one"), id="call_chosen"),  # the waiting ticket under the cursor
        Binding("s", "act('start')", lazy_gettext("Start"), id="start"),
        Binding("c", "act('complete')", lazy_gettext("Complete"), id="complete"),
        Binding("g", "guide", lazy_gettext("Guide"), id="guide"),  # the workflow of the ticket being served
        Binding("v", "customer_feedback", lazy_gettext("Customer feedback"), id="customer_feedback"),
        Binding("o", "open_customer", lazy_gettext("Open customer"), id="open_customer"),
        Binding("h", "history", lazy_gettext("History"), id="ticket_history"),  # of the ticket in hand, else the chosen one
        Binding("r", "act('recall')", lazy_gettext("Recall"), id="recall"),
        Binding("x", "act('no_show')", lazy_gettext("No-show"), id="no_show"),
        Binding("t", "transfer", lazy_gettext("Transfer"), id="transfer"),
        Binding("b", "act('requeue')", lazy_gettext("Requeue"), id="requeue"),
        Binding("f", "act('requeue_front')", lazy_gettext("Requeue front"), id="requeue_front"),
        Binding("w", "act('cancel')", lazy_gettext("Walked away"), id="cancel"),
        Binding("p", "pause", lazy_gettext("Pause/resume"), id="pause"),
        Binding("k", "close_counter", lazy_gettext("Close counter"), id="close_counter"),
    ]

    def __init__(self) -> None:
        super().__init__(name="desk")
        self.view: floor.DeskView | None = None
        self.waiting: q.WaitingList | None = None
        self.handovers: handover.DeskHandovers | None = None  # tickets handed to this desk by name, notes
        self.feedback_pending = False  # the counter's last completed ticket awaits feedback (key v)
        self.guided_tickets: set[int] = set()  # tickets whose guide has opened by itself (workflow)
        self._clock: Timer | None = None  # the ticket in hand's "serving for", each second

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="desk-current")
        yield Static(_("This counter's queues, in calling order"), classes="section-title")
        queues = FitTable(QUEUES, id="desk-queues", cursor_type="none", zebra_stripes=True)
        queues.can_focus = False  # the waiting tickets below take the cursor
        yield queues
        yield Static(_("Waiting, in calling order (enter: call the chosen one)"), id="desk-waiting-title",
                     classes="section-title")
        yield FitTable(WAITING, id="desk-waiting", cursor_type="row", zebra_stripes=True)
        expected = Static("", id="desk-expected")
        expected.display = False  # until someone is booked for this desk in the next hour
        yield expected
        yield KeyFooter()

    def on_mount(self) -> None:
        self._clock = self.set_interval(1.0, self._show_current)
        self.query_one("#desk-waiting", DataTable).focus()

    def on_screen_suspend(self) -> None:
        if self._clock is not None:
            self._clock.pause()  # under the guide or a dialog: nothing of this screen is seen

    def on_screen_resume(self) -> None:
        if self._clock is not None:
            self._clock.resume()

    def reload(self) -> None:
        """Everything the desk shows, read in one worker and shown in one go (one paint, not five)."""
        self._stale = False
        if self.counter is None:
            self._show_current()
            return
        call_core(self, _desk_data, self.ctx, self.counter, self.session.login if self.session else None,
                  then=self._show_all, group="desk-load", exclusive=True)
        refresh_pending(self, self.counter)

    def _show_all(self, data: DeskData) -> None:
        self.handovers = data.handovers
        self._show_waiting(data.waiting)
        self._show_expected(data.expected)
        self._show(data.view)

    def _show_expected(self, bookings) -> None:
        panel = self.query_one("#desk-expected", Static)
        panel.display = bool(bookings)
        panel.update(expected_text(bookings))

    def _show(self, view: floor.DeskView) -> None:
        self.view = view
        table = self.query_one("#desk-queues", DataTable)
        table.clear()
        for s in view.queues:
            table.add_row(f"{s.code} · {s.name}", waiting_cell(s, desk=True), minutes(s.longest_wait_minutes),
                          minutes(s.target_wait_minutes), str(s.open_counters), key=s.code)
        self._show_current()
        self.refresh_bindings()
        resume_guide(self, view.counter.ticket, self.guided_tickets)  # after start, or at login mid-workflow

    def _show_waiting(self, waiting: q.WaitingList) -> None:
        """The waiting tickets in calling order, the cursor kept on the ticket it was on."""
        kept = self._chosen_waiting()
        self.waiting = waiting
        table = self.query_one("#desk-waiting", DataTable)
        table.clear()
        for t in waiting.tickets:
            table.add_row(str(t.place) if t.place else _("later"), ticket_number(t.number, t.former_number),
                          f"{t.service} · {t.service_name}", t.priority, minutes(t.waited_minutes), key=str(t.id))
        if kept is not None:
            row = next((i for i, t in enumerate(waiting.tickets) if t.id == kept.id), None)
            if row is not None:
                table.move_cursor(row=row, animate=False)
        more = waiting.total - len(waiting.tickets)
        if not waiting.total:
            title = _("Nobody waiting for this counter's services")
        elif more:
            title = _("Waiting, in calling order: {total} (the first {shown} shown) · enter calls the chosen one, "
                      "h shows its history").format(total=waiting.total, shown=len(waiting.tickets))
        else:
            title = _("Waiting, in calling order: {total} · enter calls the chosen one, h shows its history").format(
                total=waiting.total)
        self.query_one("#desk-waiting-title", Static).update(title)
        self.refresh_bindings()

    def _chosen_waiting(self) -> q.WaitingTicket | None:
        """The waiting ticket under the cursor, if any."""
        if self.waiting is None or not self.waiting.tickets:
            return None
        table = self.query_one("#desk-waiting", DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return next((t for t in self.waiting.tickets if str(t.id) == key), None)

    def _show_current(self) -> None:
        panel = self.query_one("#desk-current", Static)
        if self.counter is None:
            panel.update(_("No counter chosen: log in again and pick your counter to serve tickets."))
            return
        if self.view is None:
            panel.update(_("Loading…"))
            return
        c = self.view.counter
        state = (_("paused: {reason}").format(reason=escape(c.pause_reason)) if c.state == "paused" and c.pause_reason
                 else counter_state(c.state))
        head = f"[b]{escape(c.name)}[/b] · {state}" + (f" · {escape(c.staff_name)}" if c.staff_name else "")
        t = c.ticket
        if t is None:
            body = _("No ticket in hand. Press [b]n[/b] to call the next one.")
        else:
            now = self.state.now()
            if t.status == q.CALLED:
                state = (_("called {time} ago, recalled {count}×") if t.recall_count else _("called {time} ago")).format(
                    time=elapsed(now - t.called_at), count=t.recall_count)
            else:
                state = _("serving for {time}").format(time=elapsed(now - t.started_at))
            who = escape(t.customer_name or _("customer not identified"))
            was = _("(was {number})").format(number=escape(t.former_number)) + " " if t.former_number else ""
            body = f"[b reverse] {escape(t.number)} [/] {was}{escape(self.app.config.service_name(t.service, t.service_name))} · {escape(t.priority)} · {state}\n"
            body += (_("Customer: {customer} · transferred from {number}").format(
                customer=who, number=escape(t.parent_number)) if t.parent_number
                else _("Customer: {customer}").format(customer=who))
            found = self.handovers.in_hand if self.handovers else None
            if found is not None and found.number == t.number:
                body += "\n" + _("[b]Transfer note[/b] {note}").format(note=escape(handover.describe(found)))
        waiting = self.handovers.waiting if self.handovers else ()
        if waiting:
            tickets = ", ".join(f"{escape(h.number)} ({escape(h.from_name or _('a script'))})" for h in waiting[:4])
            if len(waiting) > 4:
                tickets = ngettext("{tickets} and {n} more", "{tickets} and {n} more", len(waiting) - 4).format(
                    tickets=tickets, n=len(waiting) - 4)
            body += "\n" + _("Handed to you, called first: {tickets}").format(tickets=tickets)
        panel.update(f"{head}\n{body}")

    def refusal(self, action: str, parameters: tuple) -> str | None:
        """Why a key does not apply to the ticket in hand (None: it does); the footer shows only the keys
        that apply, and a key pressed anyway says this."""
        name = parameters[0] if action == "act" else action
        if self.counter is None:
            return _("No counter chosen: log in again and pick your counter to serve tickets.")
        if self.view is None:
            return _("Still loading this counter's queues.")
        if name == "customer_feedback":
            return None if self.feedback_pending else _(
                "No ticket awaits the customer's rating: the last one completed here has been rated, "
                "or its time for feedback is over.")
        ticket = self.view.counter.ticket
        if name == "call_chosen":
            if ticket is not None:
                return _("{number} is still in hand: finish with it before you call another.").format(number=ticket.number)
            return None if self._chosen_waiting() is not None else _(
                "No waiting ticket chosen: move the cursor to one in the waiting list.")
        if name == "history":
            return None if ticket is not None or self._chosen_waiting() is not None else _(
                "No ticket in hand or chosen in the waiting list.")
        if ticket is None:
            if name in ("call_next", "pause", "close_counter"):
                return None
            return _("No ticket in hand: press n to call the next one.")
        number, called = ticket.number, ticket.status == q.CALLED
        if name == "call_next":
            return (_("{number} is still in hand: start it (s), requeue it (b) or mark it a no-show (x) first.") if called
                    else _("{number} is still in hand: complete it (c) or transfer it (t) first.")).format(number=number)
        if name in ("pause", "close_counter"):
            return _("{number} is still in hand: finish with it before you pause or close the counter.").format(
                number=number)
        if name == "open_customer":
            return None if ticket.customer_id is not None else _("{number} has no customer attached.").format(
                number=number)
        if name in ("complete", "transfer", "guide") and called:
            return _("{number} is called, not served yet: press s to start serving it first.").format(number=number)
        if name == "guide":
            return None if guided(self.app, ticket) else _("{service} has no guided steps.").format(
                service=ticket.service_name)
        if name in ("recall", "start", "no_show", "requeue", "requeue_front", "cancel") and not called:
            return _("{number} is already being served: complete it (c) or transfer it (t).").format(number=number)
        return None

    def action_act(self, name: str) -> None:
        ctx, counter = self.ctx, self.counter
        if counter is None:
            self.notify(_("Pick a counter at login to serve tickets."), severity="warning")
            return
        if name == "call_next":
            call_core(self, q.call_next, ctx, counter, self.session.login, then=self._called)
        elif name == "start" and (held := self._held()) is not None and held.id not in self.guided_tickets \
                and workflows.workflow_for(ctx, held.service) is not None:
            # Service and workflow started in one worker, the guide pushed with its first step (once a
            # ticket, as resume_guide does); the keys typed meanwhile wait for the step's first box.
            self.app.hold_keys()
            call_core(self, start_guided, ctx, counter, self.session.login, then=self._started,
                      on_error=self._start_failed)
        elif name == "requeue_front":
            call_core(self, q.requeue, ctx, counter, front=True, by=self.session.login,
                      then=lambda t: self._acted(name, t))
        elif name == "complete":  # refused while the ticket's workflow is unfinished
            call_core(self, workflows.complete_ticket, ctx, counter, by=self.session.login,
                      then=lambda t: self._acted(name, t))
        else:
            call_core(self, getattr(q, name), ctx, counter, by=self.session.login, then=lambda t: self._acted(name, t))

    def _held(self) -> q.TicketInfo | None:
        return self.view.counter.ticket if self.view else None

    def _started(self, result: tuple[q.TicketInfo, workflows.RunState | None]) -> None:
        ticket, state = result
        self.notify(action_words("start", ticket))
        if state is None:
            self.app.release_keys()
            self.reload()
            return
        self.guided_tickets.add(ticket.id)  # opened here: the desk's reload does not open it again
        show_guide(self, ticket.id, state)

    def _start_failed(self, exc: BaseException) -> None:
        self.app.release_keys()
        self.app.report_error(exc)
        self.reload()

    def _called(self, ticket: q.TicketInfo | None) -> None:
        if ticket is None:
            self.notify(_("Nobody is waiting for this counter's services."))
        self.reload()

    def _acted(self, action: str, ticket: q.TicketInfo) -> None:
        self.notify(action_words(action, ticket))
        self.reload()

    @on(DataTable.RowSelected, "#desk-waiting")
    def _row_chosen(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_call_chosen()

    @on(DataTable.RowHighlighted, "#desk-waiting")
    def _row_moved(self, _event: DataTable.RowHighlighted) -> None:
        self.refresh_bindings()

    def action_call_chosen(self) -> None:
        """Call the waiting ticket under the cursor; before its turn, after asking why."""
        from deskapp.tui.screens.out_of_order import OutOfOrderReason

        chosen = self._chosen_waiting()
        if self.counter is None or chosen is None:
            self.notify(_("Choose a waiting ticket first (arrow keys in the waiting list)."), severity="warning")
            return
        held = self.view.counter.ticket if self.view else None
        if held is not None:
            self.notify(_("You hold {number}: complete, requeue or mark it a no-show first.").format(number=held.number),
                        severity="warning")
            return
        ctx, counter, login = self.ctx, self.counter, self.session.login

        def call(reason: str | None) -> None:
            call_core(self, q.call_ticket, ctx, counter, chosen.id, reason, by=login, then=self._called_chosen)

        if chosen.place == 1:
            call(None)
            return
        first = self.waiting.tickets[0] if self.waiting and self.waiting.tickets else None
        next_number = first.number if first is not None and first.place == 1 else None

        def answered(reason: str | None) -> None:
            if reason:
                call(reason)

        self.app.push_screen(OutOfOrderReason(chosen.number, next_number, list(self.config.queue.out_of_order_reasons)),
                             answered)

    def _called_chosen(self, ticket: q.TicketInfo) -> None:
        self.notify(_("{number} called to your counter.").format(number=ticket.number))
        self.reload()

    def action_history(self) -> None:
        """The history of the ticket in hand, else of the waiting ticket under the cursor."""
        from deskapp.tui.screens.ticket_history import show_history

        held = self.view.counter.ticket if self.view else None
        chosen = self._chosen_waiting()
        if held is None and chosen is None:
            self.notify(_("No ticket in hand and none waiting to choose."), severity="warning")
            return
        show_history(self, held.id if held is not None else chosen.id)

    def action_transfer(self) -> None:
        """To a service, a counter or a colleague, with a note (TransferDialog does the transfer)."""
        ticket = self.view.counter.ticket if self.view else None
        if ticket is None or self.counter is None:
            return

        def done(new: q.TicketInfo | None) -> None:
            if new is not None:
                self._acted("transfer", new)

        def show(targets: handover.Targets) -> None:
            self.app.push_screen(TransferDialog(ticket, targets, self.counter), done)

        call_core(self, handover.transfer_targets, self.ctx, self.counter, then=show)

    def action_pause(self) -> None:
        """Resume a paused counter; pause an open one with a reason chosen in PauseDialog."""
        counter = self.view.counter if self.view else None
        if counter is not None and counter.state == "paused":
            call_core(self, q.set_counter_state, self.ctx, self.counter, "open", by=self.session.login,
                      then=lambda _: self.reload())
            return

        def chosen(reason: str | None) -> None:
            if reason:
                call_core(self, q.set_counter_state, self.ctx, self.counter, "paused", by=self.session.login,
                          reason=reason, then=lambda _: self.reload())

        reasons = [(r.code, r.label) for r in self.config.pause_reasons]
        self.app.push_screen(PauseDialog(reasons, counter.name if counter else _("the counter")), chosen)

    def action_close_counter(self) -> None:
        call_core(self, q.set_counter_state, self.ctx, self.counter, "closed", by=self.session.login,
                  then=lambda _: self.reload())

    def action_open_customer(self) -> None:
        """The customer 360 of the ticket in hand."""
        from deskapp.tui.screens.customer360 import Customer360Screen

        ticket = self.view.counter.ticket if self.view else None
        if ticket is None or ticket.customer_id is None:
            self.notify(_("The ticket in hand has no customer attached."), severity="warning")
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
