"""Customers: lookup as you type, the 360 profile with its alerts, reveals, and who may do what.

Everything returned is a plain dataclass with national IDs and account numbers masked; the full
value comes only from `reveal`, for the roles in config `customers.reveal_roles`, and leaves an
audit event. Views of a profile, reveals, edits and exports are audited without the value.

Who may do what is checked here, whatever a screen shows, against the rows customers.search, .view,
.create, .edit, .record (notes, needs, life events, interactions), .export and .reveal of the one role
table, deskapp.core.security.permissions (and .merge, .erase, .export_one beside, in merge and erasure).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from peewee import JOIN

from deskapp.core.context import Context
from deskapp.core.customers import followups
from deskapp.core.customers.alerts import Alert, alerts
from deskapp.core.customers.masking import mask
from deskapp.core.customers.rules import age_on, format_national_id, format_phone
from deskapp.core.security import audit, permissions
from deskapp.core.security.auth import Session
from deskapp.core.security.permissions import Reader, acts_as
from deskapp.db import phones
from deskapp.db.database import db, transaction
from deskapp.db.models import Branch, Customer, CustomerPhone, Interaction, LifeEvent, Need, Product, Staff, Ticket
from deskapp.db.search import MIN_DIGITS, SIMILAR, search_customers  # noqa: F401 (SIMILAR for the screens)
from deskapp.errors import BadInput
from deskapp.i18n import _

REVEALABLE = ("national_id", "account_number")
TIMELINE_LIMIT = 100
_WIDEST = 500  # the largest page search_customers returns


class CustomerNotFound(BadInput):
    """No customer with that id or number."""


def allowed(ctx: Context, session: Session, action: str) -> bool:
    """Whether the role table lets the session's role do customers.`action` (search, view, ... reveal)."""
    return permissions.allowed(session.role, f"customers.{action}", ctx.config)


def require(ctx: Context, session: Session, action: str) -> None:
    """Forbidden unless the role table lets the session's role do customers.`action`."""
    permissions.require(session, f"customers.{action}", config=ctx.config)


def session_for(login: str) -> Session:
    """The Session of an active staff member, for commands run outside the app (export --staff)."""
    staff = Staff.get_or_none((Staff.login == login) & Staff.active)
    if staff is None:
        raise CustomerNotFound(_("There is no active staff member '{login}'.").format(login=login))
    return Session(login=staff.login, name=staff.name, role=staff.role)


@dataclass(frozen=True)
class CustomerSummary:
    """One line of a result list: enough to tell two customers apart, the ID masked."""

    id: int
    number: str
    name: str
    national_id: str | None
    birth_date: dt.date | None
    phone: str | None
    segment: str | None
    active: bool
    rank: int = 0  # deskapp.db.search's; SIMILAR and above: a similar name (a typo, another spelling)


@dataclass(frozen=True)
class ProductInfo:
    id: int
    type: str
    opened: dt.date
    status: str
    account_number: str | None  # masked
    branch: str | None = None  # code of the branch where it was recorded; None: before branches were kept


@dataclass(frozen=True)
class InteractionInfo:
    id: int
    kind: str
    at: dt.datetime
    service: str | None
    staff: str | None
    staff_name: str | None
    outcome: str | None
    duration_seconds: int | None
    note: str
    ticket_number: str | None
    branch: str | None = None  # code of the branch where it happened (a served ticket's); None: not known


@dataclass(frozen=True)
class NeedInfo:
    id: int
    category: str
    description: str
    status: str
    source: str
    created_by: str | None
    created_at: dt.datetime
    updated_at: dt.datetime
    met_by_product: int | None
    met_at: dt.datetime | None
    branch: str | None = None  # code of the branch where it was recorded; None: before branches were kept


@dataclass(frozen=True)
class LifeEventInfo:
    id: int
    kind: str
    date: dt.date | None
    note: str
    created_by: str | None
    created_at: dt.datetime


@dataclass(frozen=True)
class Customer360:
    id: int
    number: str
    name: str
    national_id: str | None  # masked
    birth_date: dt.date | None
    age: int | None
    email: str | None
    phones: tuple[str, ...]
    address: str | None
    segment: str | None
    manager: str | None
    manager_name: str | None
    active: bool
    marketing_consent: bool
    consent_at: dt.datetime | None
    consent_source: str | None
    kyc_review_due: dt.date | None
    id_doc_type: str | None
    id_doc_expiry: dt.date | None
    created_at: dt.datetime
    updated_at: dt.datetime | None
    alerts: tuple[Alert, ...]
    products: tuple[ProductInfo, ...]
    interactions: tuple[InteractionInfo, ...]
    needs: tuple[NeedInfo, ...]
    followups: tuple[followups.FollowUpInfo, ...]
    life_events: tuple[LifeEventInfo, ...]
    may_reveal: bool
    may_edit: bool
    legal_hold: bool = False  # erasure is refused while it is set (deskapp.core.customers.erasure)


def _get(customer_id: int) -> Customer:
    row = Customer.get_or_none(Customer.id == customer_id)
    if row is None:
        raise CustomerNotFound(_("There is no customer {customer}.").format(customer=customer_id))
    return row


def find(number_or_id: str | int, *, follow: bool = True) -> int:
    """A customer's id from its number (00000042) or id; a number merged away gives its survivor's (follow)."""
    text = str(number_or_id).strip()
    row = Customer.select(Customer.id, Customer.merged_into).where(Customer.number == text.upper()).first()
    if row is None and text.isdigit():
        row = Customer.select(Customer.id, Customer.merged_into).where(Customer.id == int(text)).first()
    if row is None:
        raise CustomerNotFound(_("There is no customer {customer}.").format(customer=text))
    return (row.merged_into_id if follow else None) or row.id


@acts_as("customers.search")
def search(ctx: Context, session: Session | Reader, text: str, limit: int = 20, offset: int = 0) -> list[CustomerSummary]:
    """Ranked matches for what was typed (name, phone, national ID, customer number), masked."""
    require(ctx, session, "search")
    return summaries(ctx, search_customers(text, limit, offset, region=ctx.config.customers.region))


def summaries(ctx: Context, ranked: list[tuple[int, int]]) -> list[CustomerSummary]:
    if not ranked:
        return []
    ids = [customer_id for customer_id, _ in ranked]
    rows = {c.id: c for c in Customer.select().where(Customer.id.in_(ids))}
    phones: dict[int, str] = {}
    for customer_id, digits in (
        CustomerPhone.select(CustomerPhone.customer, CustomerPhone.digits)
        .where(CustomerPhone.customer.in_(ids))
        .order_by(CustomerPhone.id)
        .tuples()
    ):
        phones.setdefault(customer_id, format_phone(ctx.config, digits))
    return [
        CustomerSummary(
            id=c.id, number=c.number, name=c.name, national_id=mask(c.national_id), birth_date=c.birth_date,
            phone=phones.get(c.id), segment=c.segment, active=c.active, rank=rank,
        )
        for customer_id, rank in ranked
        if (c := rows.get(customer_id)) is not None
    ]


def summary(ctx: Context, customer_id: int) -> CustomerSummary:
    found = summaries(ctx, [(customer_id, 0)])
    if not found:
        raise CustomerNotFound(_("There is no customer {customer}.").format(customer=customer_id))
    return found[0]


@dataclass(frozen=True)
class ReceptionMatch:
    """A customer as reception offers them to a greeter: name and number, the ID and phone masked."""

    id: int
    number: str
    name: str
    national_id: str | None  # masked
    phone: str | None  # masked: the phone holding the digits typed, else the customer's first


@acts_as("customers.search")
def identify(ctx: Context, session: Session, text: str, limit: int = 5) -> list[ReceptionMatch]:
    """Reception: the active customers the ranked search finds for what the greeter typed (name,
    phone, national ID or its last digits, customer number), best first, at most `limit`.

    One plain statement reads the found customers with their phones: reception adds well under a
    millisecond to the search (bench/reception.py), where Peewee would build two queries."""
    require(ctx, session, "search")
    region = ctx.config.customers.region
    # The digit runs search looks for: '00' before a country code and the branch's trunk prefix dropped.
    typed = [run for run in phones.search_forms(text, region)[1] if len(run) >= MIN_DIGITS]
    found = _active_rows(text, limit, region)

    def shown(own: list[str]) -> str | None:
        held = [p for p in own if any(run in p for run in typed)]
        return mask((held or own or [None])[0])

    return [ReceptionMatch(i, number, name, mask(nid), shown(phones)) for i, number, name, nid, phones in found]


def _active_rows(text: str, limit: int, region: str) -> list[tuple[int, str, str, str | None, list[str]]]:
    """(id, number, name, national ID, phones) of the first `limit` active customers of the ranked
    search (inactive ones are not offered at reception): a page of `limit`, widened only when
    inactive customers took places in it."""
    window = limit
    while True:
        ids = [customer_id for customer_id, _ in search_customers(text, window, region=region)]
        rows: dict[int, tuple[int, str, str, str | None, list[str]]] = {}
        if ids:
            for customer_id, number, name, nid, digits in db.execute_sql(
                "SELECT c.id, c.number, c.name, c.national_id, p.digits FROM customer c "  # i18n: not words
                "LEFT JOIN customer_phone p ON p.customer_id = c.id "
                f"WHERE c.id IN ({', '.join([db.param] * len(ids))}) AND c.active ORDER BY p.id", ids,  # i18n: not words
            ).fetchall():
                row = rows.setdefault(customer_id, (customer_id, number, name, nid, []))
                if digits is not None:
                    row[4].append(digits)
        found = [rows[i] for i in ids if i in rows][:limit]
        if len(found) >= limit or len(ids) < window or window >= _WIDEST:
            return found
        window = min(window * 4, _WIDEST)


@dataclass(frozen=True)
class PhoneToFix:
    """A stored phone that is not a valid number in E.164 form (left so by migration 0015, or written
    around deskapp's checks): the customer's number and name, the phone masked."""

    customer_id: int
    number: str
    name: str
    phone: str | None  # masked
    label: str


@acts_as("customers.search")
def phones_to_fix(ctx: Context, session: Session | Reader, limit: int | None = None) -> list[PhoneToFix]:
    """Every stored phone libphonenumber cannot read as a number in use, oldest first (at most `limit`)."""
    require(ctx, session, "search")
    found: list[PhoneToFix] = []
    last = 0
    while limit is None or len(found) < limit:
        batch = db.execute_sql(
            f"SELECT p.id, p.digits, p.label, c.id, c.number, c.name FROM customer_phone p "  # i18n: not words
            f"JOIN customer c ON c.id = p.customer_id WHERE p.id > {db.param} ORDER BY p.id LIMIT 5000", (last,),  # i18n: not words
        ).fetchall()
        if not batch:
            break
        for row_id, digits, label, customer_id, number, name in batch:
            last = row_id
            if phones.stored_as_e164(digits or "") != digits:
                found.append(PhoneToFix(customer_id, number, name, mask(digits), label))
    return found[:limit] if limit is not None else found


@acts_as("customers.view")
def profile(ctx: Context, session: Session, customer_id: int, *, refresh: bool = False) -> Customer360:
    """Everything known about one customer, identifiers masked; the view is audited.

    refresh=True reloads a profile already on this person's screen (after they added a note):
    the same view, so no second audit event.
    """
    require(ctx, session, "view")
    _get(customer_id)
    if not refresh:
        transaction(lambda: audit.record(ctx.now(), session.login, "customer_view", "customer", customer_id))
    return _profile(ctx, session, customer_id)


def _profile(ctx: Context, session: Session, customer_id: int) -> Customer360:
    c = _get(customer_id)
    manager = Staff.get_or_none(Staff.id == c.manager_id) if c.manager_id else None
    phones = tuple(
        format_phone(ctx.config, p.digits)
        for p in CustomerPhone.select().where(CustomerPhone.customer == c.id).order_by(CustomerPhone.id)
    )
    open_followups = tuple(f for f in followups.search(customer_id=c.id) if f.status != followups.DONE)
    codes = dict(Branch.select(Branch.id, Branch.code).tuples())  # a network has a few hundred at most
    today = ctx.today()
    return Customer360(
        id=c.id, number=c.number, name=c.name, national_id=mask(c.national_id), birth_date=c.birth_date,
        age=age_on(c.birth_date, today) if c.birth_date else None, email=c.email, phones=phones,
        address=c.address, segment=c.segment, manager=manager.login if manager else None,
        manager_name=manager.name if manager else None, active=c.active, marketing_consent=c.marketing_consent,
        consent_at=c.consent_at, consent_source=c.consent_source, kyc_review_due=c.kyc_review_due,
        id_doc_type=c.id_doc_type, id_doc_expiry=c.id_doc_expiry, created_at=c.created_at, updated_at=c.updated_at,
        alerts=tuple(alerts(today, c, open_followups)), products=tuple(_products(c.id, codes)),
        interactions=tuple(_interactions(c.id, codes)), needs=tuple(_needs(c.id, codes)), followups=open_followups,
        life_events=tuple(_life_events(c.id)), may_reveal=allowed(ctx, session, "reveal"),
        may_edit=allowed(ctx, session, "edit"), legal_hold=c.legal_hold,
    )


def _products(customer_id: int, codes: dict[int, str]) -> list[ProductInfo]:
    query = Product.select().where(Product.customer == customer_id).order_by(Product.opened.desc(), Product.id.desc())
    return [ProductInfo(p.id, p.type, p.opened, p.status, mask(p.account_number), codes.get(p.branch_id))
            for p in query]


def _interactions(customer_id: int, codes: dict[int, str]) -> list[InteractionInfo]:
    query = (
        Interaction.select(Interaction, Staff, Ticket)
        .join(Staff, JOIN.LEFT_OUTER)
        .switch(Interaction)
        .join(Ticket, JOIN.LEFT_OUTER)
        .where(Interaction.customer == customer_id)
        .order_by(Interaction.at.desc(), Interaction.id.desc())
        .limit(TIMELINE_LIMIT)
    )
    return [
        InteractionInfo(
            id=i.id, kind=i.kind, at=i.at, service=i.service, staff=i.staff.login if i.staff_id else None,
            staff_name=i.staff.name if i.staff_id else None, outcome=i.outcome, duration_seconds=i.duration_seconds,
            note=i.note, ticket_number=i.ticket.number if i.ticket_id else None,
            branch=codes.get(i.branch_id or (i.ticket.branch_id if i.ticket_id else None)),
        )
        for i in query
    ]


def _needs(customer_id: int, codes: dict[int, str]) -> list[NeedInfo]:
    query = Need.select().where(Need.customer == customer_id).order_by(Need.created_at.desc(), Need.id.desc())
    return [
        NeedInfo(n.id, n.category, n.description, n.status, n.source, n.created_by, n.created_at, n.updated_at,
                 n.met_by_product_id, n.met_at, codes.get(n.branch_id))
        for n in query
    ]


def _life_events(customer_id: int) -> list[LifeEventInfo]:
    query = LifeEvent.select().where(LifeEvent.customer == customer_id).order_by(
        LifeEvent.date.desc(), LifeEvent.id.desc()
    )
    return [LifeEventInfo(e.id, e.kind, e.date, e.note, e.created_by, e.created_at) for e in query]


@acts_as("customers.reveal")
def reveal(ctx: Context, session: Session, customer_id: int, field: str, *, product_id: int | None = None) -> str | None:
    """The full national ID or account number, for a role that may see it; audited without the value."""
    if field not in REVEALABLE:
        raise ValueError(_("Only {fields} can be revealed, not '{field}'.").format(fields=", ".join(REVEALABLE),
                                                                                      field=field))
    require(ctx, session, "reveal")

    def work() -> str | None:
        c = _get(customer_id)
        if field == "national_id":
            value = format_national_id(ctx.config, c.national_id) if c.national_id else None
            detail = "field=national_id"
        else:
            product = Product.get_or_none((Product.id == product_id) & (Product.customer == c.id))
            if product is None:
                raise CustomerNotFound(_("Customer {customer} holds no product {product}.").format(
                    customer=c.number, product=product_id))
            value, detail = product.account_number, f"field=account_number product={product.id}"  # i18n: not words
        audit.record(ctx.now(), session.login, "customer_reveal", "customer", c.id, detail)
        return value

    return transaction(work)
