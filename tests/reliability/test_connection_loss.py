"""Connection loss: the PostgreSQL backend of a working desk is ended (pg_terminate_backend).

Between two actions, while a claim waits for a lock inside its transaction, and while a
transaction is committing. The desk reconnects by itself; a whole transaction that failed
before its COMMIT is run again (it was rolled back, so nothing doubles); one that lost its
connection during COMMIT is not (it might have been saved) and says so. Afterwards the
invariant checker finds nothing.
"""
from __future__ import annotations

import threading

import psycopg
import pytest

from deskapp.config.load import load_config
from deskapp.core import queue as q
from deskapp.core.clock import FixedClock
from deskapp.core.startup import open_context
from deskapp.core.stats.integrity import check
from deskapp.db import database
from deskapp.db.database import ConnectionLost
from deskapp.db.models import Ticket, TicketEvent
from tests.conftest import CONFIG, T0, require_pg, require_pgbouncer
from tests.reliability.pgfaults import BouncedNamedSchema, NamedSchema, backends, terminate, wait_for_waiter


@pytest.fixture(params=["direct", "pgbouncer"])
def pg_desk(request):
    """A desk's Context on a PostgreSQL schema of its own, with three CASH tickets waiting; connected
    directly, or through PgBouncer in transaction pooling mode (whose server connection is then ended:
    PgBouncer closes the client's connection when that happens inside a transaction)."""
    require_pg()
    if request.param == "pgbouncer":
        require_pgbouncer()
        schema = BouncedNamedSchema(request.getfixturevalue("pgbouncer"))
    else:
        schema = NamedSchema()
    try:
        ctx = open_context(load_config(CONFIG), schema.url, FixedClock(T0))
        for _ in range(3):
            q.issue(ctx, "CASH", with_estimate=False)
        yield ctx, schema
    finally:
        database.close()
        schema.drop()


def called_events(ticket_id: int) -> int:
    return TicketEvent.select().where((TicketEvent.ticket == ticket_id) & (TicketEvent.kind == "called")).count()


def test_the_desk_reconnects_after_its_connection_was_ended_between_actions(pg_desk) -> None:
    ctx, schema = pg_desk
    (pid,) = backends(schema)
    terminate(pid)
    called = q.call_next(ctx, "1", "ana")  # its first statement finds the connection dead
    assert called is not None and called.number == "A001"
    assert backends(schema) and backends(schema) != [pid]
    terminate(backends(schema)[0])
    assert q.start(ctx, "1").status == "serving"
    terminate(backends(schema)[0])
    assert q.held_by(ctx, "1").number == "A001"
    assert q.complete(ctx, "1").status == "done"
    assert called_events(called.id) == 1
    assert check(ctx.branch_id) == []


def test_a_claim_cut_off_while_waiting_for_a_lock_runs_again_whole(pg_desk) -> None:
    ctx, schema = pg_desk
    holder = psycopg.connect(schema.url.replace(schema.app_name, "holder"))
    holder.execute("SELECT id FROM counter WHERE code = '1' FOR UPDATE")  # a colleague's long transaction
    outcome: dict = {}

    def desk() -> None:
        try:
            outcome["ticket"] = q.call_next(ctx, "1", "ana")
        except Exception as exc:  # noqa: BLE001  asserted below
            outcome["error"] = exc
        finally:
            database.close()

    thread = threading.Thread(target=desk)
    thread.start()
    first = wait_for_waiter(schema)
    terminate(first)  # inside the claim transaction, blocked on the counter's row lock
    wait_for_waiter(schema, other_than=(first,))  # the retry, on a new connection, waits again
    holder.commit()
    holder.close()
    thread.join(timeout=60)
    assert "error" not in outcome, outcome.get("error")
    ticket = outcome["ticket"]
    assert ticket.number == "A001" and ticket.counter == "1"
    assert called_events(ticket.id) == 1
    assert Ticket.select().where(Ticket.status == "called").count() == 1
    assert check(ctx.branch_id) == []


def test_a_connection_lost_during_commit_is_not_run_twice(pg_desk) -> None:
    ctx, schema = pg_desk
    # A deferred trigger that sleeps makes COMMIT itself take a moment; the backend is ended then.
    database.db.execute_sql(
        "CREATE FUNCTION slow_commit() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN PERFORM pg_sleep(30); RETURN NULL; END $$")
    database.db.execute_sql(
        "CREATE CONSTRAINT TRIGGER slow_commit AFTER INSERT ON ticket DEFERRABLE INITIALLY DEFERRED "
        "FOR EACH ROW EXECUTE FUNCTION slow_commit()")
    before = Ticket.select().count()
    outcome: dict = {}

    def kiosk() -> None:
        try:
            outcome["issued"] = q.issue(ctx, "CASH", with_estimate=False)
        except Exception as exc:  # noqa: BLE001  asserted below
            outcome["error"] = exc
        finally:
            database.close()

    # Through PgBouncer the kiosk's transaction may well run on the server connection used before.
    pids_before = set() if isinstance(schema, BouncedNamedSchema) else set(backends(schema))
    thread = threading.Thread(target=kiosk)
    thread.start()
    committing = wait_for_sleeper(schema, exclude=pids_before)
    terminate(committing)
    thread.join(timeout=60)
    assert isinstance(outcome.get("error"), ConnectionLost), outcome
    assert "not known whether the change was saved" in str(outcome["error"])
    database.db.execute_sql("DROP TRIGGER slow_commit ON ticket")
    assert Ticket.select().count() == before, "not run a second time"
    assert q.issue(ctx, "CASH", with_estimate=False).ticket.number == "A004"  # the desk goes on
    assert check(ctx.branch_id) == []


def wait_for_sleeper(schema: NamedSchema, exclude: set[int], timeout: float = 30.0) -> int:
    import time

    deadline = time.monotonic() + timeout
    with psycopg.connect(schema.url.replace(schema.app_name, "admin"), autocommit=True) as admin:
        while time.monotonic() < deadline:
            row = admin.execute(
                "SELECT pid FROM pg_stat_activity WHERE application_name = %s AND wait_event = 'PgSleep'",
                (schema.app_name,)).fetchone()
            if row and row[0] not in exclude:
                return row[0]
            time.sleep(0.02)
    raise AssertionError("the commit never started")
