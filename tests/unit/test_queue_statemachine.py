"""The queue engine against a model of DESIGN.md's state machine, on SQLite and PostgreSQL.

Hypothesis drives three counters and three tellers (and a greeter cancelling waiting tickets)
through random days: it issues, calls, recalls, starts, completes, marks no-shows, requeues,
cancels, transfers and lets time pass, over midnight too. Before each action the test predicts
from the database whether the action is allowed; a refused action must raise QueueError and
change nothing. After every step the invariants hold: each ticket in exactly one valid state, a
counter holds at most one ticket, numbers unique per service and day, every ticket's events a
legal path from "issued" that ends in its status, and its times in order.
"""
from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from deskapp.core import queue as q
from deskapp.core.clock import FixedClock
from deskapp.core.context import Context
from deskapp.core.queue import QueueError
from deskapp.core.queue.ordering import next_ticket
from deskapp.core.startup import open_context
from deskapp.db import database
from deskapp.db.models import Branch, Counter, Service, Staff, Ticket, TicketEvent

T0 = dt.datetime(2026, 3, 10, 10, 0, 0)
SERVICES = ("CASH", "CARD", "ACCT", "INFO", "LOAN")  # LOAN: no counter here serves it
COUNTERS = ("1", "2", "3")
TELLERS = ("ana", "joao", "mehmet")
STATES = {"waiting", "called", "serving", "done", "no_show", "cancelled", "transferred", "removed_by_reset"}
HELD = ("called", "serving")
OPEN = ("waiting", "called", "serving")
# DESIGN.md "Queue rules" as event kind -> next state, from each state a ticket can leave.
NEXT = {
    "waiting": {"called": "called", "cancelled": "cancelled", "removed": "removed_by_reset"},
    "called": {"recalled": "called", "started": "serving", "requeued": "waiting", "no_show": "no_show",
               "cancelled": "cancelled", "removed": "removed_by_reset"},
    "serving": {"completed": "done", "transferred": "transferred", "removed": "removed_by_reset"},
}
# The state a counter action needs, and the state it leaves.
ACTIONS = {
    "recall": ("called", "called"),
    "start": ("called", "serving"),
    "complete": ("serving", "done"),
    "no_show": ("called", "no_show"),
    "requeue": ("called", "waiting"),
    "cancel": ("called", "cancelled"),
    "transfer": ("serving", "transferred"),
}
PRIORITIES = ("normal", "normal", "priority")
MINUTES = (0.5, 1, 1, 2, 2, 3, 5, 8, 12, 31, 14 * 60)  # over midnight now and then
# What a step does, as often as it happens at a branch (roughly).
STEPS = ("issue",) * 4 + ("call_next",) * 4 + ("start", "complete") * 3 + (
    "recall", "no_show", "requeue", "cancel", "transfer", "cancel_waiting", "advance_clock", "advance_clock")


def snapshot() -> tuple:
    """Everything a refused action must leave as it was."""
    tickets = tuple(Ticket.select(Ticket.id, Ticket.status, Ticket.counter, Ticket.recall_count, Ticket.service,
                                  Ticket.front, Ticket.queued_at).order_by(Ticket.id).tuples())
    counters = tuple(Counter.select(Counter.id, Counter.state, Counter.staff).order_by(Counter.id).tuples())
    return tickets, counters, TicketEvent.select().count()


class QueueMachine(RuleBasedStateMachine):
    base: Context  # set by the test: a migrated, synced database for this backend

    def __init__(self) -> None:
        super().__init__()
        # A fresh day in the same database: no tickets, counters closed, the branch day unset.
        TicketEvent.delete().execute()
        Ticket.delete().execute()
        Counter.update(state="closed", staff=None, state_since=None).execute()
        Branch.update(current_day=None).execute()
        self.clock = FixedClock(T0)
        self.ctx = Context(config=self.base.config, clock=self.clock, branch_id=self.base.branch_id)
        self.limit = self.ctx.config.queue.recall_limit
        self.profiles = {c.code: set(c.services) for c in self.ctx.config.counters}
        self.staff_ids = {s.login: s.id for s in Staff.select()}
        self.service_codes = {s.id: s.code for s in Service.select()}
        self.prefixes = {s.id: s.prefix for s in Service.select()}

    # --- what the database says now -----------------------------------------------------------

    def day_starts(self) -> bool:
        """Whether the next issue or call starts a new branch day (and so removes open tickets)."""
        return Branch.get_by_id(self.ctx.branch_id).current_day != self.ctx.today()

    def held(self, counter: str) -> Ticket | None:
        return (Ticket.select().join(Counter, on=(Ticket.counter == Counter.id))
                .where((Counter.code == counter) & Ticket.status.in_(HELD)).first())

    def refused(self, action, before: tuple) -> str:
        try:
            action()
        except QueueError as exc:
            message = str(exc)
        else:
            raise AssertionError("the action should have been refused")
        assert message and "\n" not in message and message.endswith("."), message
        assert snapshot() == before, f"refused ({message}) but changed the database"
        return message

    # --- the steps ---------------------------------------------------------------------------
    # One rule draws which step to take, with weights: Hypothesis switches whole rules off per
    # example, and with a rule per action, issue, call, start and complete were seldom all on.

    @rule(data=st.data())
    def step(self, data) -> None:
        kind = data.draw(st.sampled_from(STEPS), label="step")
        if kind == "issue":
            self.issue(data.draw(st.lists(st.tuples(st.sampled_from(SERVICES), st.sampled_from(PRIORITIES)),
                                          min_size=1, max_size=3), label="tickets"))
        elif kind == "call_next":
            self.call_next(data.draw(st.sampled_from(COUNTERS), label="counter"),
                           data.draw(st.sampled_from(TELLERS), label="staff"))
        elif kind in ACTIONS:
            extra = {}
            if kind == "requeue":
                extra = {"front": data.draw(st.booleans(), label="front")}
            if kind == "transfer":
                extra = {"to_service": data.draw(st.sampled_from(SERVICES), label="to")}
            self.counter_action(kind, data.draw(st.integers(0, 11), label="which"), **extra)
        elif kind == "cancel_waiting":
            self.cancel_waiting(data.draw(st.integers(0, 10_000), label="index"))
        else:
            self.clock.advance(minutes=data.draw(st.sampled_from(MINUTES), label="minutes"))

    def issue(self, tickets: list[tuple[str, str]]) -> None:
        for service, priority in tickets:
            issued = q.issue(self.ctx, service, priority)
            t = issued.ticket
            assert (t.service, t.priority, t.status) == (service, priority, "waiting")
            assert Ticket.get_by_id(t.id).day == self.ctx.today()
            assert issued.position >= 1

    def call_next(self, counter: str, staff: str) -> None:
        """Call at `counter` as `staff`; the outcome predicted from the database beforehand."""
        before = snapshot()
        new_day = self.day_starts()
        today = self.ctx.today()
        held = self.held(counter)
        if held is not None and new_day and held.day < today:
            held = None  # the day's start removes it first
        elsewhere = [
            t for t in Ticket.select().join(Counter, on=(Ticket.counter == Counter.id))
            .where((Counter.staff == self.staff_ids[staff]) & (Counter.code != counter) & (Counter.state != "closed")
                   & Ticket.status.in_(HELD))
            if not (new_day and t.day < today)
        ]
        if held is not None:
            assert self.refused(lambda: q.call_next(self.ctx, counter, staff), before) == (
                f"{held.counter.name} already holds {held.number}; complete, requeue or mark it a no-show first.")
            return
        if elsewhere:
            message = self.refused(lambda: q.call_next(self.ctx, counter, staff), before)
            assert message == f"You still hold {elsewhere[0].number} at {elsewhere[0].counter.name}; " \
                              "finish or requeue it first.", message
            return
        waiting = [
            t for t in Ticket.select().where((Ticket.status == "waiting") & (Ticket.day == today))
            if self.service_codes[t.service_id] in self.profiles[counter]
        ]
        if waiting and not new_day:
            # The ticket the calling order picks (ordering.next_ticket, fed as call_next feeds it).
            rules = q.priority_rules(self.ctx)
            services = q.profile(Counter.get(Counter.code == counter).id)
            pending = q.waiting_for(self.ctx, services)
            expected = next_ticket(pending, services, rules,
                                   {s: q.recent_classes(self.ctx, s, sum(r.weight for r in rules)) for s in services},
                                   self.clock.now(), dt.timedelta(minutes=self.ctx.config.queue.max_wait_minutes))
        called = q.call_next(self.ctx, counter, staff)
        if waiting and not new_day:
            assert called is not None and called.id == expected.id
        row = Counter.get(Counter.code == counter)
        assert (row.state, row.staff_id) == ("open", self.staff_ids[staff])
        if not waiting:
            assert called is None
            return
        assert called is not None and called.id in {t.id for t in waiting}
        assert (called.status, called.counter, called.called_at) == ("called", counter, self.clock.now())

    def counter_action(self, name: str, which: int, **kwargs) -> None:
        """`name` at a counter: mostly one that holds a ticket, now and then any of the three."""
        holders = sorted(c.code for c in Counter.select().join(Ticket, on=(Ticket.counter == Counter.id))
                         .where(Ticket.status.in_(HELD)))
        counter = holders[which % len(holders)] if holders and which % 4 else COUNTERS[which % 3]
        needs, leaves = ACTIONS[name]
        before = snapshot()
        held = self.held(counter)
        seated = Counter.get(Counter.code == counter)
        by = seated.staff.login if seated.staff_id else None  # the desk acts in its holder's name
        act = lambda: getattr(q, name)(self.ctx, counter, by=by, **kwargs)
        if held is None:
            assert self.refused(act, before) == f"Counter {counter} holds no ticket; call the next one first."
            return
        if held.status != needs:
            assert self.refused(act, before) == {
                "called": f"{held.number} has been called at Counter {counter}.",
                "serving": f"{held.number} is already being served at Counter {counter}.",
            }[held.status]
            return
        if name == "recall" and held.recall_count >= self.limit:
            assert self.refused(act, before) == (
                f"{held.number} has been recalled {held.recall_count} times; start it or mark it a no-show.")
            return
        if name == "transfer" and self.service_codes[held.service_id] == kwargs["to_service"]:
            assert self.refused(act, before).startswith(f"{held.number} is already in ")
            return
        result = act()
        assert Ticket.get_by_id(held.id).status == leaves
        if name == "transfer":
            assert (result.status, result.service, result.parent_number) == ("waiting", kwargs["to_service"],
                                                                             held.number)
        else:
            assert result.id == held.id
        if name == "recall":
            assert result.recall_count == held.recall_count + 1

    def cancel_waiting(self, index: int) -> None:
        today = list(Ticket.select().where(Ticket.day == self.ctx.today()).order_by(Ticket.id))
        if not today:
            return
        t = today[index % len(today)]
        before = snapshot()
        if t.status == "waiting":
            assert q.cancel_waiting(self.ctx, t.number, by="rita").status == "cancelled"
        else:
            message = self.refused(lambda: q.cancel_waiting(self.ctx, t.number, by="rita"), before)
            assert message.startswith(f"{t.number} ") and message.endswith(
                "; only a waiting ticket can be cancelled here."), message

    # --- invariants ----------------------------------------------------------------------------

    @invariant()
    def queue_is_consistent(self) -> None:
        tickets = {t.id: t for t in Ticket.select()}
        events: dict[int, list[TicketEvent]] = {}
        for e in TicketEvent.select().order_by(TicketEvent.id):
            events.setdefault(e.ticket_id, []).append(e)
        counters = {c.id: c for c in Counter.select()}
        current_day = Branch.get_by_id(self.ctx.branch_id).current_day
        numbers: set = set()
        held: dict[int, Ticket] = {}
        for t in tickets.values():
            # exactly one valid state, and what goes with it
            assert t.status in STATES, t.status
            if t.status in HELD:
                assert t.counter_id is not None and t.staff_id is not None
                assert t.counter_id not in held, f"counter {t.counter_id} holds {held[t.counter_id].number} and {t.number}"
                held[t.counter_id] = t
            if t.status == "waiting":
                assert t.counter_id is None
            assert (t.ended_at is None) == (t.status in OPEN), (t.number, t.status, t.ended_at)
            if t.status in OPEN:
                assert t.day == current_day, "an open ticket of another day survived the day's start"
            # numbers unique per service and day, and spelled from the sequence
            for key in ((t.service_id, t.day, t.number), (t.service_id, t.day, "seq", t.seq)):
                assert key not in numbers, key
                numbers.add(key)
            assert t.number == f"{self.prefixes[t.service_id]}{t.seq:03d}"
            # times in order
            times = [x for x in (t.issued_at, t.called_at, t.started_at, t.ended_at) if x is not None]
            assert times == sorted(times), (t.number, times)
            assert t.queued_at >= t.issued_at
            assert t.started_at is None or t.called_at is not None
            # the events: a legal path from "issued" that ends in the ticket's status, in time order
            kinds = [e.kind for e in events.get(t.id, [])]
            assert kinds and kinds[0] == "issued", kinds
            state = "waiting"
            for kind in kinds[1:]:
                assert kind in NEXT.get(state, {}), f"{t.number}: {kind} after {state} in {kinds}"
                state = NEXT[state][kind]
            assert state == t.status, (t.number, kinds, t.status)
            ats = [e.at for e in events[t.id]]
            assert ats == sorted(ats)
            # what a desk did names the desk and who sat there (the day's reset is nobody's doing,
            # and reception issues and cancels without a counter)
            for e in events[t.id]:
                if e.kind == "removed" or (e.kind in ("issued", "cancelled") and e.counter_id is None):
                    continue
                assert e.staff_id and e.counter_id, (t.number, e.kind)
            if t.parent_id is not None:
                assert tickets[t.parent_id].status == "transferred" and t.channel == "transfer"
        # a counter holding a ticket is open, for the teller named on the ticket
        for counter_id, t in held.items():
            assert (counters[counter_id].state, counters[counter_id].staff_id) == ("open", t.staff_id)
        # a teller sits at one counter at most
        seated = [c.staff_id for c in counters.values() if c.state != "closed"]
        assert None not in seated and len(seated) == len(set(seated))


SETTINGS = settings(max_examples=30, stateful_step_count=40, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


def without_fsync(url: str) -> str:
    """PostgreSQL commits without waiting for the disk: the same locking and isolation, a tenth of
    the time (durability is not what this test is about)."""
    if url.startswith("postgresql://") and "options=" in url:
        return url + "%20-csynchronous_commit%3Doff"
    return url


def test_queue_state_machine(config, db_url) -> None:
    QueueMachine.base = open_context(config, without_fsync(db_url), FixedClock(T0))
    try:
        run_state_machine_as_test(QueueMachine, settings=SETTINGS)
    finally:
        database.close()
