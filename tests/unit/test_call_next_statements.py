"""How many SQL statements one call-next and one no-show send, so that the number cannot creep back up.

#15 measured a call-next + no-show cycle at 23 statements, where a raw FOR UPDATE SKIP LOCKED loop
sends 2-3: on PostgreSQL every statement is a round trip (two through PgBouncer), and the claim rate
was bounded by them. Counted at Peewee's execute_sql, through which every statement goes (BEGIN and
COMMIT, one each per transaction, are not counted). The queue rules themselves are the other tests'
(test_queue, test_queue_statemachine, test_ordering, test_queue_concurrency).
"""
from __future__ import annotations

from contextlib import contextmanager

from deskapp.core import queue as q
from deskapp.db import database
from deskapp.db.database import is_postgres

# PostgreSQL: counter, staff and profile; candidates and recent calls; the counter's lock; the claim
# with its event, the change marker and the ticket's row. No-show: the same first read, the lock, the
# held ticket, the change with its event and marker, the ticket shown.
LIMITS = {"pg": {"call_next": 4, "no_show": 5}, "sqlite": {"call_next": 8, "no_show": 7}}


@contextmanager
def counted():
    seen: list[str] = []
    real = database.db.obj.execute_sql

    def execute_sql(sql, params=None):
        seen.append(sql)
        return real(sql, params)

    database.db.obj.execute_sql = execute_sql
    try:
        yield seen
    finally:
        del database.db.obj.execute_sql


def test_one_call_next_and_one_no_show_send_few_statements(ctx) -> None:
    limits = LIMITS["pg" if is_postgres() else "sqlite"]
    for _ in range(4):
        q.issue(ctx, "CASH", with_estimate=False)
    q.issue(ctx, "CASH", "priority", with_estimate=False)
    q.call_next(ctx, "1", "ana")  # the first opens the counter and starts the day: not the steady state
    q.no_show(ctx, "1", by="ana")
    with counted() as calls:
        called = q.call_next(ctx, "1", "ana")
    assert called is not None and called.counter == "1" and called.status == "called"
    assert len(calls) <= limits["call_next"], "\n".join(calls)
    with counted() as calls:
        shown = q.no_show(ctx, "1", by="ana")
    assert shown.status == "no_show"
    assert len(calls) <= limits["no_show"], "\n".join(calls)


def test_nothing_waiting_costs_two_reads_and_no_transaction(ctx) -> None:
    q.issue(ctx, "CASH", with_estimate=False)
    q.call_next(ctx, "1", "ana")
    q.no_show(ctx, "1", by="ana")
    with counted() as calls:
        assert q.call_next(ctx, "1", "ana") is None
    assert len(calls) == 2, "\n".join(calls)


def _notifications_on(ctx):
    from deskapp.config.notify_schema import Email, Notifications

    section = Notifications(enabled=True, turn_soon_position=2,
                            email=Email(host="127.0.0.1", port=9, starttls=False, sender="b@bank.example"))
    ctx.config = ctx.config.model_copy(update={"notifications": section})


def _touches_the_outbox(statements: list[str]) -> bool:
    return any("notification_outbox" in sql or "ticket_contact" in sql for sql in statements)


def test_a_call_with_nobody_to_tell_costs_what_it_costs_with_notifications_off(ctx) -> None:
    """#17: with notifications on, every call-next carried the outbox's call rule (PostgreSQL: inside the
    claim's statement, 1.16-1.31 x the call's time; SQLite: two statements more) although most tickets
    leave no contact. Now the candidates' read says whether any ticket waiting has one."""
    from deskapp.core.notify import parse_contact

    for _ in range(3):
        q.issue(ctx, "CASH", with_estimate=False)
    q.call_next(ctx, "1", "ana")
    q.no_show(ctx, "1", by="ana")
    with counted() as off:
        q.call_next(ctx, "1", "ana")
    q.no_show(ctx, "1", by="ana")
    _notifications_on(ctx)
    with counted() as on:
        assert q.call_next(ctx, "1", "ana") is not None
    assert len(on) == len(off) and not _touches_the_outbox(on), "\n".join(on)
    q.no_show(ctx, "1", by="ana")
    # Someone waiting left a contact: the call carries its rule again, and the message is written.
    told = q.issue(ctx, "CASH", contact=parse_contact(ctx, None, "rosa@example.com"), with_estimate=False).ticket
    with counted() as on:
        called = q.call_next(ctx, "1", "ana")
    assert called.number == told.number and _touches_the_outbox(on)
    from deskapp.db.models import NotificationOutbox

    assert NotificationOutbox.select().where(NotificationOutbox.kind == "ticket_called").count() == 1


# Completing a known customer's ticket: the same first read, the lock and the held ticket, the
# change with its event and marker, the interaction (one statement: #19 read the ticket and checked
# for an interaction first, 2 more), the ticket shown; SQLite reads the counter in two.
COMPLETE_LIMITS = {"pg": 8, "sqlite": 8}  # both 10 before


def test_completing_a_customers_ticket_records_its_interaction_in_one_statement(ctx) -> None:
    from deskapp.core.customers import edit as customer_edit
    from deskapp.core.security.auth import Session
    from deskapp.db.models import Interaction
    from tests.unit.test_customers_core import draft

    made = customer_edit.create(ctx, Session("ana", "Ana Costa", "teller"), draft())
    for _ in range(2):
        q.issue(ctx, "CASH", customer_id=made.id, with_estimate=False)
    q.call_next(ctx, "1", "ana")
    q.start(ctx, "1", by="ana")
    q.complete(ctx, "1", by="ana")  # the first: not the steady state
    q.call_next(ctx, "1", "ana")
    q.start(ctx, "1", by="ana")
    with counted() as calls:
        done = q.complete(ctx, "1", by="ana")
    assert done.status == "done"
    assert Interaction.select().where(Interaction.customer == made.id).count() == 2
    assert len(calls) <= COMPLETE_LIMITS["pg" if is_postgres() else "sqlite"], "\n".join(calls)
