"""`deskapp demo`: realistic, and deterministic for a seed and a clock."""
from __future__ import annotations

import datetime as dt

from deskapp import i18n
from deskapp.core.clock import FixedClock
from deskapp.core.demo import branch as demo
from deskapp.core.startup import open_context
from deskapp.db import database
from deskapp.db.models import MODELS, Customer, Staff, Ticket, TicketEvent
from tests.conftest import PgSchema, require_pg

NOW = dt.datetime(2026, 3, 11, 16, 0)  # a Wednesday after closing: two full days of history


def build_and_dump(config, url: str):
    ctx = open_context(config, url, FixedClock(NOW))
    result = demo.build(ctx, customers=60, days=2, seed=1)
    tables = {}
    for model in MODELS:
        query = model.select().order_by(model._meta.primary_key)
        rows = []
        for row in query.dicts():
            row.pop("pin_hash", None)  # salted: differs by design
            rows.append(row)
        tables[model._meta.table_name] = rows
    database.close()
    return result, tables


def test_same_seed_gives_identical_data_on_sqlite(config, tmp_path):
    first = build_and_dump(config, f"sqlite:///{tmp_path / 'a.db'}")
    second = build_and_dump(config, f"sqlite:///{tmp_path / 'b.db'}")
    assert first[0].pins == second[0].pins
    assert first[1] == second[1]


def test_same_seed_gives_identical_data_on_postgres(config):
    require_pg()
    schemas = [PgSchema(), PgSchema()]
    try:
        first, second = (build_and_dump(config, s.url) for s in schemas)
    finally:
        for s in schemas:
            s.drop()
    assert first[1] == second[1]


def test_demo_data_is_realistic(config, tmp_path):
    ctx = open_context(config, f"sqlite:///{tmp_path / 'demo.db'}", FixedClock(NOW))
    result = demo.build(ctx, customers=60, days=2, seed=3)
    assert Customer.select().count() == 60
    assert any(not name.isascii() for (name,) in Customer.select(Customer.name).tuples())
    tickets = Ticket.select().count()
    assert tickets == result.tickets > 100
    statuses = {s for (s,) in Ticket.select(Ticket.status).distinct().tuples()}
    assert {"done", "no_show", "cancelled"} <= statuses
    assert TicketEvent.select().where(TicketEvent.kind == "issued").count() == tickets
    # Every staff member got a working demo PIN.
    from deskapp.core.security import auth

    for login, (role, pin) in result.pins.items():
        assert auth.login(ctx, login, pin).role == role == Staff.get(Staff.login == login).role
    # The coming week's agenda (issue 17): meetings with the customer's own manager, desk visits with
    # anyone, every booking audited and in a future slot.
    from deskapp.db.models import Appointment, AuditEvent

    booked = list(Appointment.select())
    assert len(booked) >= 20 and all(NOW < b.starts_at < NOW + dt.timedelta(days=8) for b in booked)
    meetings = [b for b in booked if b.service.code in ("LOAN", "ACCT")]
    assert meetings and all(b.staff_id == b.customer.manager_id for b in meetings)
    assert any(b.staff_id is None for b in booked)
    assert AuditEvent.select().where(AuditEvent.action == "appointment_booked").count() == len(booked)
    database.close()


def test_load_multiplies_arrivals_and_demo_tickets_carry_their_promise(config, tmp_path):
    import pytest

    issued = {}
    for load in (1.0, 1.8):
        ctx = open_context(config, f"sqlite:///{tmp_path / f'load{load}.db'}", FixedClock(NOW))
        issued[load] = demo.history(ctx, days=1, seed=5, load=load)
        promised = Ticket.select().where(Ticket.estimated_wait_minutes.is_null(False) & (Ticket.channel != "transfer"))
        kiosk_like = Ticket.select().where(Ticket.channel != "transfer")
        # Every ticket issued while a counter served its service was told a wait, kept with it.
        assert promised.count() >= 0.9 * kiosk_like.count() > 0
        assert all(t.estimated_wait_low <= t.estimated_wait_minutes <= t.estimated_wait_high for t in promised)
        database.close()
    assert issued[1.8] > 1.5 * issued[1.0]
    ctx = open_context(config, f"sqlite:///{tmp_path / 'bad.db'}", FixedClock(NOW))
    with pytest.raises(demo.DemoError, match="load"):
        demo.build(ctx, customers=0, days=1, load=0)
    with i18n.use("pt"), pytest.raises(demo.DemoError, match="A carga da demonstração tem de ser"):
        demo.build(ctx, customers=0, days=1, load=11)
    with i18n.use("pt"), pytest.raises(demo.DemoError, match="a configuração descreve 1 agência"):
        demo.build(ctx, customers=0, days=1, branches=2)
    database.close()
