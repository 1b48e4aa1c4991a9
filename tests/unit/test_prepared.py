"""statements.Prepared: a Peewee query compiled once, then run with new values, reads exactly what the
query reads (models with their joins, tuples, converted values) on both databases; a builder that
hides a constant parameter fails at once instead of running with the wrong value."""
from __future__ import annotations

import datetime as dt

import pytest

from deskapp.core import queue as q
from deskapp.db import statements
from deskapp.db.models import Service, Ticket


def _by_service(service_id):
    return (Ticket.select(Ticket, Service).join(Service).where(Ticket.service == service_id).order_by(Ticket.id))


def test_a_prepared_query_reads_what_the_query_reads(ctx) -> None:
    for code in ("CASH", "CASH", "INFO"):
        q.issue(ctx, code, with_estimate=False)
    q.call_next(ctx, "1", "ana")
    prepared = statements.Prepared(_by_service, 1)
    for service in Service.select().where(Service.branch == ctx.branch_id):
        expected = [(t.id, t.number, t.status, t.issued_at, t.called_at, t.service.code) for t in _by_service(service.id)]
        got = [(t.id, t.number, t.status, t.issued_at, t.called_at, t.service.code) for t in prepared.rows(service.id)]
        assert got == expected
    cash = Service.get(Service.code == "CASH", Service.branch == ctx.branch_id)
    first = prepared.first(cash.id)
    assert isinstance(first, Ticket) and isinstance(first.issued_at, dt.datetime) and first.status == "called"
    assert prepared.first(-1) is None
    pairs = statements.Prepared(lambda i: Ticket.select(Ticket.status, Ticket.service).where(Ticket.id == i).tuples(), 1)
    assert pairs.first(first.id) == ("called", cash.id)


def test_a_prepared_lookup_by_text_and_the_number_of_values(ctx) -> None:
    by_code = statements.Prepared(
        lambda branch, code: Service.select().where((Service.branch == branch) & (Service.code == code) & Service.active), 2)
    assert by_code.first(ctx.branch_id, "INFO").code == "INFO"
    assert by_code.first(ctx.branch_id, "NOPE") is None
    with pytest.raises(TypeError):
        by_code.rows(ctx.branch_id)


def test_a_builder_with_a_hidden_constant_fails_loudly(ctx) -> None:
    hidden = statements.Prepared(lambda i: Service.select().where((Service.id == i) & (Service.code == "CASH")), 1)
    with pytest.raises(RuntimeError, match="cannot prepare"):
        hidden.rows(1)
    limited = statements.Prepared(lambda i: Service.select().where(Service.id == i).limit(1), 1)
    with pytest.raises(RuntimeError, match="cannot prepare"):
        limited.rows(1)
