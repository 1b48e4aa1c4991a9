"""Connection loss seen from the desk screen (pilot test, PostgreSQL).

The background refresh (the change poll) is cut off while it reads: the teller gets one
notification saying the database cannot be reached, then one when it answers again, never a
traceback. A call-next cut off inside its claim transaction is run again and the ticket shows.
"""
from __future__ import annotations

import psycopg
import pytest
from textual.widgets import Static

from deskapp.config.load import load_config
from deskapp.core import queue as q
from deskapp.core import startup as sync
from deskapp.core.startup import open_context
from deskapp.core.stats.integrity import check
from deskapp.db import database
from deskapp.db.models import Ticket, TicketEvent
from tests.conftest import CONFIG, english_first, require_pg
from tests.reliability.pgfaults import NamedSchema, backends, terminate
from tests.tui.helpers import log_in, make_app, set_pins, settle


@pytest.fixture
def pg_branch(clock):
    require_pg()
    schema = NamedSchema()
    try:
        ctx = open_context(english_first(load_config(CONFIG)), schema.url, clock)  # its words are checked in English
        services = [s.model_copy(update={"workflow": None}) for s in ctx.config.services]
        ctx.config = ctx.config.model_copy(update={"services": services, "workflows": {}, "workflow_files": []})
        sync.sync_from_config(ctx)
        set_pins(ctx)
        database.close()
        yield ctx, schema
    finally:
        database.close()
        schema.drop()


def messages(app) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def wait(pilot, condition, what: str, seconds: float = 30.0) -> None:
    """Poll without waiting for workers (some are blocked on purpose)."""
    for _ in range(int(seconds / 0.1)):
        if condition():
            return
        await pilot.pause(0.1)
    raise AssertionError(f"timed out waiting for {what}: {messages(pilot.app)} {pilot.app.screen!r} {pilot.app.sub_title!r}")


async def test_the_desk_tells_the_teller_and_recovers(pg_branch, clock) -> None:
    ctx, schema = pg_branch
    q.issue(ctx, "CASH")
    database.close()
    app = make_app(ctx, clock)
    app.config = ctx.config
    async with app.run_test(size=(130, 40)) as pilot:
        await settle(pilot)
        await log_in(pilot, "ana", counter="2")
        await settle(pilot, 0.3)

        # The refresh: the poll blocks behind a lock, and its connection is ended (its one
        # repeated read too) until the failure reaches the screen.
        holder = psycopg.connect(schema.url.replace(schema.app_name, "holder"))
        # Closed whatever happens: a failed step left its lock held, and the schema's teardown (DROP
        # SCHEMA) waited for it for ever, stopping the whole run.
        try:
            holder.execute("LOCK TABLE change_marker IN ACCESS EXCLUSIVE MODE")

            def cut_off() -> bool:
                for pid in backends(schema, waiting_on_lock=True):
                    terminate(pid)
                return any("Cannot reach the database" in m for m in messages(app))

            await wait(pilot, cut_off, "the lost-connection notification")
            holder.commit()
            await wait(pilot, lambda: any("Connected to the database again" in m for m in messages(app)),
                       "the reconnected notification")
            assert sum("Cannot reach the database" in m for m in messages(app)) == 1, "said once, not every second"

            # A call-next whose claim transaction loses its connection while it waits for a lock.
            holder.execute("SELECT id FROM counter WHERE code = '2' FOR UPDATE")
            await pilot.press("n")
            waiting: list[int] = []
            await wait(pilot, lambda: bool(waiting.extend(backends(schema, waiting_on_lock=True)) or waiting),
                       "the claim to wait for the lock")
            terminate(waiting[0])
            await wait(pilot, lambda: any(p not in waiting for p in backends(schema, waiting_on_lock=True)),
                       "the claim to run again on a new connection")
            holder.commit()
            holder.close()
            await settle(pilot, 0.3)
            assert "A001" in str(app.screen.query_one("#desk-current", Static).render())
            assert app.return_code is None and app.is_running
        finally:
            holder.close()
    database.connect(schema.url)
    ticket = Ticket.get(Ticket.number == "A001")
    assert ticket.status == "called" and ticket.counter.code == "2"
    assert TicketEvent.select().where((TicketEvent.ticket == ticket) & (TicketEvent.kind == "called")).count() == 1
    assert check(ctx.branch_id) == []
