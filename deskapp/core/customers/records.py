"""What happens with a customer over time: interactions, needs and life events.

Served tickets become interactions by themselves: queue.complete (`record_served`) and
queue.transfer (`record_service`) write it inside their own transaction, both through
statements.add_service_interaction, so a ticket served for a known customer always leaves exactly
one interaction. Everything else is recorded by staff, each change audited
without its text (a note may hold anything).
"""
from __future__ import annotations

import datetime as dt

from deskapp.core import changes, fields
from deskapp.core.context import Context
from deskapp.core.customers.directory import CustomerNotFound, require
from deskapp.core.customers.rules import CustomerInvalid, parse_date
from deskapp.core.security import audit
from deskapp.core.security.auth import Session
from deskapp.core.security.permissions import acts_as
from deskapp.db import statements
from deskapp.db.database import transaction
from deskapp.db.models import Customer, Interaction, LifeEvent, Need, OfferDecision, Product, Staff, Ticket
from deskapp.i18n import _, ngettext

MANUAL_KINDS = ("call", "meeting", "note")
NEED_STATUSES = ("open", "in_progress", "met", "declined")
NEED_SOURCES = ("teller", "workflow", "feedback", "manager")
NOTE_MAX = 4000

OPEN_NEEDS = ("open", "in_progress")
OFFER_ACCEPTED = "accepted"  # an OfferDecision's decision when the customer said yes


def record_service(ticket_id: int) -> None:
    """One service interaction for a ticket that just ended (done or transferred) with a customer:
    its row read here, then written as record_served writes it (statements.add_service_interaction,
    which also leaves a ticket that already has one alone)."""
    row = (
        Ticket.select(Ticket.id, Ticket.customer, Ticket.branch, Ticket.service, Ticket.staff, Ticket.status,
                      Ticket.started_at, Ticket.ended_at, Ticket.issued_at)
        .where(Ticket.id == ticket_id).tuples().first()
    )
    if row is None:
        return
    ticket, customer_id, branch_id, service_id, staff_id, status, started_at, ended_at, issued_at = row
    if customer_id is None:
        return
    duration = None
    if started_at and ended_at:
        duration = max(0, int((ended_at - started_at).total_seconds()))
    statements.add_service_interaction(ticket, customer_id, branch_id, service_id, staff_id, status, duration,
                                       ended_at or started_at or issued_at)


def record_served(ticket: Ticket, outcome: str, ended_at: dt.datetime) -> None:
    """record_service for a ticket the caller holds and has just ended (its row as read before the
    end, with `outcome` and `ended_at` the values just written): the same interaction, in one
    plain statement instead of a read of the ticket, a check and an insert."""
    if ticket.customer_id is None:
        return
    duration = max(0, int((ended_at - ticket.started_at).total_seconds())) if ticket.started_at else None
    statements.add_service_interaction(ticket.id, ticket.customer_id, ticket.branch_id, ticket.service_id,
                                       ticket.staff_id, outcome, duration, ended_at)


def _customer(customer_id: int) -> Customer:
    row = Customer.get_or_none(Customer.id == customer_id)
    if row is None:
        raise CustomerNotFound(_("There is no customer {customer}.").format(customer=customer_id))
    return row


def _staff_id(login: str) -> int | None:
    row = Staff.get_or_none(Staff.login == login)
    return row.id if row else None


def _text(value: str | None, field: str, *, required: bool = False, limit: int = NOTE_MAX) -> str:
    text = (value or "").strip()
    if required and not text:
        raise CustomerInvalid({field: _("write something here")})
    if len(text) > limit:
        raise CustomerInvalid({field: ngettext("at most {n} character", "at most {n} characters", limit).format(n=limit)})
    return text


@acts_as("customers.record")
def add_interaction(ctx: Context, session: Session, customer_id: int, kind: str, *, note: str = "",
                    outcome: str | None = None, duration_minutes: float | None = None,
                    at: dt.datetime | None = None) -> int:
    """A call, meeting or note recorded by hand; returns its id."""
    require(ctx, session, "record")
    if kind not in MANUAL_KINDS:
        raise CustomerInvalid({"kind": _("choose one of: {choices}").format(choices=", ".join(MANUAL_KINDS))})
    note = _text(note, "note", required=kind == "note")
    outcome = _text(outcome, "outcome", limit=64) or None
    if duration_minutes is not None and not 0 <= duration_minutes <= 24 * 60:
        raise CustomerInvalid({"duration": _("between 0 and 1440 minutes")})

    def work() -> int:
        _customer(customer_id)
        now = ctx.now()
        row = Interaction.create(
            customer=customer_id, branch=ctx.branch_id, kind=kind, staff=_staff_id(session.login), outcome=outcome,
            duration_seconds=None if duration_minutes is None else int(duration_minutes * 60), note=note,
            at=at or now,
        )
        audit.record(now, session.login, "customer_interaction", "customer", customer_id, f"kind={kind}")
        changes.bump(ctx.branch_id)
        return row.id

    return transaction(work)


@acts_as("customers.record")
def add_note(ctx: Context, session: Session, customer_id: int, note: str) -> int:
    return add_interaction(ctx, session, customer_id, "note", note=note)


@acts_as("customers.record")
def add_need(ctx: Context, session: Session, customer_id: int, category: str, description: str = "", *,
             source: str = "teller") -> int:
    require(ctx, session, "record")
    categories = ctx.config.customers.need_categories
    if category not in categories:
        raise CustomerInvalid({"category": _("choose one of: {choices}").format(choices=", ".join(categories))})
    if source not in NEED_SOURCES:
        raise CustomerInvalid({"source": _("one of: {choices}").format(choices=", ".join(NEED_SOURCES))})
    description = _text(description, "description")

    def work() -> int:
        _customer(customer_id)
        now = ctx.now()
        row = Need.create(customer=customer_id, branch=ctx.branch_id, category=category, description=description, status="open",
                          source=source, created_by=session.login, created_at=now, updated_at=now)
        audit.record(now, session.login, "customer_need", "customer", customer_id, f"need={row.id} category={category}")
        changes.bump(ctx.branch_id)
        return row.id

    return transaction(work)


@acts_as("customers.record")
def set_need_status(ctx: Context, session: Session, need_id: int, status: str, *,
                    met_by_product: int | None = None) -> None:
    require(ctx, session, "record")
    if status not in NEED_STATUSES:
        raise CustomerInvalid({"status": _("one of: {choices}").format(choices=", ".join(NEED_STATUSES))})

    def work() -> None:
        need = Need.get_or_none(Need.id == need_id)
        if need is None:
            raise CustomerNotFound(_("There is no need {need}.").format(need=need_id))
        if met_by_product is not None and not Product.select().where(
            (Product.id == met_by_product) & (Product.customer == need.customer_id)
        ).exists():
            raise CustomerInvalid({"product": _("that product is not the customer's")})
        now = ctx.now()
        need.status, need.updated_at = status, now
        need.met_at = now if status == "met" else None
        need.met_by_product = met_by_product if status == "met" else None
        need.save()
        audit.record(now, session.login, "customer_need", "customer", need.customer_id, f"need={need.id} status={status}")
        changes.bump(ctx.branch_id)

    transaction(work)


@acts_as("customers.record")
def add_life_event(ctx: Context, session: Session, customer_id: int, kind: str, date: str | dt.date | None = None,
                   note: str = "") -> int:
    require(ctx, session, "record")
    kinds = ctx.config.customers.life_event_kinds
    if kind not in kinds:
        raise CustomerInvalid({"kind": _("choose one of: {choices}").format(choices=", ".join(kinds))})
    try:
        day = parse_date(date, fields.formats(ctx.config))
    except ValueError as exc:
        raise CustomerInvalid({"date": str(exc)}) from None
    if day is not None and day > ctx.today() + dt.timedelta(days=366):
        raise CustomerInvalid({"date": _("more than a year ahead")})
    note = _text(note, "note")

    def work() -> int:
        _customer(customer_id)
        now = ctx.now()
        row = LifeEvent.create(customer=customer_id, kind=kind, date=day, note=note, created_by=session.login,
                               created_at=now)
        audit.record(now, session.login, "customer_life_event", "customer", customer_id, f"kind={kind}")
        changes.bump(ctx.branch_id)
        return row.id

    return transaction(work)


@acts_as("customers.edit")
def add_product(ctx: Context, session: Session, customer_id: int, type: str, opened: str | dt.date,
                account_number: str | None = None, status: str = "active") -> int:
    require(ctx, session, "edit")
    types = ctx.config.customers.product_types
    if type not in types:
        raise CustomerInvalid({"type": _("choose one of: {choices}").format(choices=", ".join(types))})
    try:
        day = parse_date(opened, fields.formats(ctx.config))
    except ValueError as exc:
        raise CustomerInvalid({"opened": str(exc)}) from None
    if day is None:
        raise CustomerInvalid({"opened": _("when was it opened?")})

    def work() -> int:
        _customer(customer_id)
        now = ctx.now()
        row = Product.create(customer=customer_id, branch=ctx.branch_id, type=type, opened=day, status=status,
                             account_number=(account_number or "").replace(" ", "").upper() or None, created_at=now)
        audit.record(now, session.login, "customer_product", "customer", customer_id, f"product={row.id} type={type}")
        meet_offer_needs(ctx, session.login, customer_id, row.id, type)
        changes.bump(ctx.branch_id)
        return row.id

    return transaction(work)


def meet_offer_needs(ctx: Context, by: str | None, customer_id: int, product_id: int, product_type: str) -> list[int]:
    """Mark as met by this product the customer's open needs that accepted offers of its type created.

    Runs inside the caller's transaction (the one that opened the product); returns the need ids."""
    need_ids = [n for (n,) in OfferDecision.select(OfferDecision.need).where(
        (OfferDecision.customer == customer_id) & (OfferDecision.product == product_type)
        & (OfferDecision.decision == OFFER_ACCEPTED) & OfferDecision.need.is_null(False)).tuples()]
    if not need_ids:
        return []
    now = ctx.now()
    met = [n.id for n in Need.select(Need.id).where(Need.id.in_(need_ids) & Need.status.in_(OPEN_NEEDS))]
    if met:
        Need.update(status="met", met_at=now, met_by_product=product_id, updated_at=now).where(
            Need.id.in_(met)).execute()
        for need_id in met:
            audit.record(now, by, "customer_need", "customer", customer_id, f"need={need_id} status=met "  # i18n: not words
                                                                            f"product={product_id}")
    return met
