"""Personal data on request: erasure (GDPR art. 17), legal holds that block it, and everything held about
one customer as JSON (subject access, art. 15).

Erasure anonymises, it does not delete: the customer row keeps its number, segment and manager, and
tickets, durations, interactions' kinds and feedback scores stay, so figures do not change. Gone are the
name, national ID, birth date, phones, e-mail, address, ID document, consent, the free text written about
the customer (interaction notes and outcomes, needs, life events, follow-ups' reasons and outcomes,
feedback comments, offer notes, reasons of removed tickets) and what was typed into workflow steps
(text, phone, ID and date fields; amounts, numbers, choices and yes/no answers stay), and where the
customer asked to be told (bookings' and tickets' contacts; the outbox's messages to them: unsent ones
withdrawn, sent ones kept without recipient or content). The records config
`retention.keep_on_erasure` names are kept as they are (products: account numbers, for banking law).
The search indexes follow (SQLite FTS5 tables are merged, so no erased word stays in them).

A legal hold on the customer refuses erasure until a supervisor clears it. The audit records who
erased which customer number, the reason given (refused if it repeats a value being erased) and
how many rows of each kind were anonymised, never a value; audit details never hold free text.
"""
from __future__ import annotations

import datetime as dt
import json
import operator
from dataclasses import dataclass
from decimal import Decimal
from functools import reduce
from typing import Any

from deskapp.core import changes
from deskapp.core.context import Context
from deskapp.core.customers.directory import CustomerNotFound, require
from deskapp.core.customers.merge import customer_links
from deskapp.core.security import audit
from deskapp.core.security.auth import Session
from deskapp.core.security.permissions import acts_as
from deskapp.db.database import db, is_postgres, transaction
from deskapp.db.models import (
    Appointment,
    AuditEvent,
    Customer,
    CustomerPhone,
    Feedback,
    FollowUp,
    Interaction,
    LifeEvent,
    Need,
    NotificationOutbox,
    OfferDecision,
    Product,
    StepRecord,
    Ticket,
    TicketContact,
    TicketEvent,
)
from deskapp.db.search import name_words
from deskapp.errors import BadInput
from deskapp.i18n import _

ERASED_NAME = "(erased)"
# Form fields whose values are figures or configured choices, not something typed about a person.
KEPT_FIELD_TYPES = ("number", "money", "yesno", "choice")
REASON_MAX = 500
UNSENT = ("pending", "failed")  # the outbox's statuses of a message still to be tried


class ErasureRefused(BadInput):
    """The customer cannot be erased now (legal hold, merged away, already erased, no reason)."""


@dataclass(frozen=True)
class ErasureResult:
    number: str
    anonymised: dict[str, int]  # rows changed, by table
    kept: tuple[str, ...]  # what retention.keep_on_erasure kept


def _customer(customer_id: int, *, lock: bool = False) -> Customer:
    query = Customer.select().where(Customer.id == customer_id)
    if lock and is_postgres():
        query = query.for_update()
    row = query.first()
    if row is None:
        raise CustomerNotFound(_("There is no customer {customer}.").format(customer=customer_id))
    return row


# -- legal hold -------------------------------------------------------------------------------------

@acts_as("customers.erase")
def set_hold(ctx: Context, session: Session, customer_id: int, reason: str) -> None:
    """Put the customer under a legal hold (erasure refused until cleared); audited with the reason."""
    require(ctx, session, "erase")
    reason = " ".join(reason.split())[:REASON_MAX]
    if not reason:
        raise ErasureRefused(_("A legal hold needs a reason (the case or order it is for)."))

    def work() -> None:
        c = _customer(customer_id, lock=True)
        _refuse_merged(c)
        _refuse_personal(reason, _personal_values(c.id))
        Customer.update(legal_hold=True, legal_hold_reason=reason).where(Customer.id == c.id).execute()
        audit.record(ctx.now(), session.login, "customer_hold", "customer", c.id, f"number={c.number} reason={reason}")
        changes.bump(ctx.branch_id)

    transaction(work)


@acts_as("customers.erase")
def clear_hold(ctx: Context, session: Session, customer_id: int) -> None:
    require(ctx, session, "erase")

    def work() -> None:
        c = _customer(customer_id, lock=True)
        if not c.legal_hold:
            raise ErasureRefused(_("Customer {customer} is not under a legal hold.").format(customer=c.number))
        Customer.update(legal_hold=False, legal_hold_reason=None).where(Customer.id == c.id).execute()
        audit.record(ctx.now(), session.login, "customer_hold_cleared", "customer", c.id, f"number={c.number}")
        changes.bump(ctx.branch_id)

    transaction(work)


def _refuse_merged(c: Customer) -> None:
    if c.merged_into_id is not None:
        survivor = Customer.get_by_id(c.merged_into_id)
        raise ErasureRefused(_("Customer {customer} was merged into {survivor}; act on {survivor}.").format(
            customer=c.number, survivor=survivor.number))


# -- erasure ----------------------------------------------------------------------------------------

def _ticket_ids(customer_id: int) -> list[int]:
    return [t for (t,) in Ticket.select(Ticket.id).where(Ticket.customer == customer_id).tuples()]


def _personal_values(customer_id: int) -> tuple[set[str], list[str]]:
    """The words of a record's name, and its national ID, e-mail and phones: what a reason must not repeat."""
    c = Customer.get_by_id(customer_id)
    words = set(name_words(c.name or "")) - {ERASED_NAME.strip("()")}
    found = [c.national_id, c.email]
    found += [d[-8:] for (d,) in CustomerPhone.select(CustomerPhone.digits).where(CustomerPhone.customer == c.id)
              .tuples()]
    return words, [v.lower() for v in found if v]


def _refuse_personal(text: str, values: tuple[set[str], list[str]]) -> None:
    words, keys = values
    compact = "".join(text.lower().split()).replace("-", "").replace(".", "")
    if words & set(name_words(text)) or any(key in compact for key in keys):
        raise ErasureRefused(_("The reason repeats the customer's personal data; the audit keeps it, so leave it out."))


def scrub_step_values(ctx: Context, workflow: str, values: dict[str, Any]) -> dict[str, Any]:
    """A step's values with everything typed about a person set to None (see KEPT_FIELD_TYPES)."""
    flow = ctx.config.workflows.get(workflow)
    fields = flow.fields() if flow else {}
    out: dict[str, Any] = {}
    for key, value in values.items():
        field = fields.get(key)
        if field is not None and field.type in KEPT_FIELD_TYPES and not field.sensitive:
            out[key] = value
        elif isinstance(value, (bool, int, float, Decimal)) and field is None:
            out[key] = value  # a flag or count a step kind records, not typed text
        else:
            out[key] = None
    return out


@acts_as("customers.erase")
def erase(ctx: Context, session: Session, customer_id: int, reason: str) -> ErasureResult:
    """Anonymise everything personal held about the customer (see the module); audited without values."""
    require(ctx, session, "erase")
    reason = " ".join(reason.split())[:REASON_MAX]
    if not reason:
        raise ErasureRefused(_("Erasure needs a reason (the request it answers)."))
    keep = tuple(ctx.config.retention.keep_on_erasure)

    def work() -> ErasureResult:
        c = _customer(customer_id, lock=True)
        _refuse_merged(c)
        if c.erased_at is not None:
            raise ErasureRefused(_("Customer {customer} was already erased on {date}.").format(
                customer=c.number, date=c.erased_at.date().isoformat()))
        if c.legal_hold:
            raise ErasureRefused(_("Customer {customer} is under a legal hold ({reason}); a supervisor must clear it "
                                   "before erasure.").format(customer=c.number, reason=c.legal_hold_reason))
        _refuse_personal(reason, _personal_values(c.id))
        now = ctx.now()
        tickets = _ticket_ids(c.id)
        n: dict[str, int] = {}
        n["customer"] = Customer.update(
            name=ERASED_NAME, name_folded="", national_id=None, birth_date=None, email=None, address=None,
            marketing_consent=False, consent_at=None, consent_source=None, kyc_review_due=None, id_doc_type=None,
            id_doc_expiry=None, active=False, erased_at=now, updated_at=now,
        ).where(Customer.id == c.id).execute()
        n["customer_phone"] = CustomerPhone.delete().where(CustomerPhone.customer == c.id).execute()
        if "products" not in keep:
            n["product"] = Product.update(account_number=None).where(
                (Product.customer == c.id) & Product.account_number.is_null(False)).execute()
        # A served ticket's outcome is its status; a call's or meeting's was typed.
        n["interaction"] = Interaction.update(note="", outcome=None).where(
            (Interaction.customer == c.id) & (Interaction.kind != "service")).execute()
        n["interaction"] += Interaction.update(note="").where(
            (Interaction.customer == c.id) & (Interaction.kind == "service")).execute()
        n["need"] = Need.update(description="").where(Need.customer == c.id).execute()
        n["life_event"] = LifeEvent.update(note="", date=None).where(LifeEvent.customer == c.id).execute()
        of_customer = FollowUp.customer == c.id
        if tickets:
            of_customer |= FollowUp.ticket.in_(tickets)
        n["follow_up"] = FollowUp.update(reason=ERASED_NAME, contact_outcome=None, resolution=None,
                                         snooze_reason=None).where(of_customer).execute()
        feedback = Feedback.customer == c.id
        if tickets:
            feedback |= Feedback.ticket.in_(tickets)
        n["feedback"] = Feedback.update(comment="").where(feedback).execute()
        n["offer_decision"] = OfferDecision.update(note="").where(OfferDecision.customer == c.id).execute()
        n["appointment"] = Appointment.update(notify_phone=None, notify_email=None).where(
            (Appointment.customer == c.id) & (Appointment.notify_phone.is_null(False) | Appointment.notify_email.is_null(False))
        ).execute()
        n["ticket_contact"] = sum(TicketContact.delete().where(TicketContact.ticket.in_(chunk)).execute()
                                  for chunk in _chunks(tickets))
        for chunk in _chunks(tickets):
            Ticket.update(has_contact=False).where(Ticket.id.in_(chunk) & Ticket.has_contact).execute()
        bookings = [code for (code,) in Appointment.select(Appointment.code).where(Appointment.customer == c.id).tuples()]
        n["notification_outbox"] = forget_messages([f"t{t}:" for t in tickets] + [f"b{code}:" for code in bookings])
        n["step_record"] = n["ticket_event"] = 0
        for chunk in _chunks(tickets):
            for record in StepRecord.select().where(StepRecord.ticket.in_(chunk)):
                values = json.loads(record.values or "{}")
                scrubbed = scrub_step_values(ctx, record.workflow, values)
                if scrubbed != values:
                    n["step_record"] += StepRecord.update(values=json.dumps(scrubbed, sort_keys=True)).where(
                        StepRecord.id == record.id).execute()
            for event in TicketEvent.select().where(TicketEvent.ticket.in_(chunk) & (TicketEvent.detail != "")):
                detail = _json(event.detail)
                if isinstance(detail, dict) and isinstance(detail.get("reason"), str):
                    detail["reason"] = None
                    n["ticket_event"] += TicketEvent.update(detail=json.dumps(detail, sort_keys=True)).where(
                        TicketEvent.id == event.id).execute()
        rows = ",".join(f"{table}:{count}" for table, count in sorted(n.items()) if count)
        audit.record(now, session.login, "customer_erase", "customer", c.id,
                     f"number={c.number} reason={reason} kept={','.join(keep) or '-'} rows={rows}")
        changes.bump(ctx.branch_id)
        return ErasureResult(c.number, n, keep)

    overwrite_freed_space()
    result = transaction(work)
    purge_search_indexes()
    return result


def forget_messages(prefixes: list[str]) -> int:
    """The outbox's messages whose idempotency keys start with one of `prefixes` (deskapp.core.notify.outbox
    names them `t<ticket id>:...` and `b<booking code>:...`): those not sent yet are withdrawn, those sent
    or given up keep their kind, channel and times without recipient or content. Returns how many."""
    changed = 0
    for chunk in _chunks(prefixes, 200):
        # A range per prefix (':' is followed by ';'), so the unique index on the key answers each.
        keyed = reduce(operator.or_, [(NotificationOutbox.idempotency_key >= p)
                                      & (NotificationOutbox.idempotency_key < p[:-1] + ";") for p in chunk])
        changed += NotificationOutbox.delete().where(keyed & NotificationOutbox.status.in_(UNSENT)).execute()
        changed += NotificationOutbox.update(recipient=ERASED_NAME, payload="{}").where(
            keyed & NotificationOutbox.status.not_in(UNSENT) & (NotificationOutbox.recipient != ERASED_NAME)).execute()
    return changed


def overwrite_freed_space() -> None:
    """SQLite: freed and rewritten space in the file is overwritten with zeros from now on on this
    connection (many builds do so by default; this does not rely on it), so an erased value does not
    stay readable in the file's free pages."""
    if not is_postgres():
        db.execute_sql("PRAGMA secure_delete = ON")


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None


def _chunks(ids: list[int], size: int = 500) -> list[list[int]]:
    return [ids[i:i + size] for i in range(0, len(ids), size)]


def purge_search_indexes() -> None:
    """SQLite: merge every FTS5 index into one segment, which drops the words of deleted and changed
    rows (FTS5 only marks them deleted until a merge). PostgreSQL's indexes hold no row once vacuumed."""
    if is_postgres():
        return
    tables = [name for (name,) in db.execute_sql(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL TABLE%USING fts5%'")]
    for table in tables:
        transaction(lambda table=table: db.execute_sql(f'INSERT INTO "{table}"("{table}") VALUES (\'optimize\')'))  # i18n: not words


# -- subject access ---------------------------------------------------------------------------------

def _plain(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return value.hex()
    return value


def _rows(query) -> list[dict[str, Any]]:
    return [{k: _plain(v) for k, v in row.items()} for row in query.dicts()]


@acts_as("customers.export_one")
def export_one(ctx: Context, session: Session, customer_id: int) -> dict[str, Any]:
    """Everything held about one customer, unmasked, as plain JSON-ready data: the record, every row of
    every table linked to it, its tickets' workflow steps and events, and the audit of who did what with
    the record. Audited (without any value)."""
    require(ctx, session, "export_one")

    def work() -> dict[str, Any]:
        c = _customer(customer_id)
        _refuse_merged(c)
        merged = [m for (m,) in Customer.select(Customer.id).where(Customer.merged_into == c.id).tuples()]
        ids = [c.id, *merged]
        data: dict[str, Any] = {
            "exported_at": ctx.now().isoformat(), "customer": _rows(Customer.select().where(Customer.id == c.id))[0],
            "merged_records": _rows(Customer.select(Customer.id, Customer.number).where(Customer.id.in_(merged))),
        }
        for link in customer_links():
            table = link.model._meta.table_name
            data.setdefault(table, []).extend(_rows(link.model.select().where(link.in_(ids)).order_by(link.model.id)))
        tickets = [t["id"] for t in data.get("ticket", [])]
        data["step_record"], data["ticket_event"] = [], []
        for chunk in _chunks(tickets):
            data["step_record"] += _rows(StepRecord.select().where(StepRecord.ticket.in_(chunk)).order_by(StepRecord.id))
            data["ticket_event"] += _rows(TicketEvent.select().where(TicketEvent.ticket.in_(chunk)).order_by(TicketEvent.id))
        data["audit"] = _rows(AuditEvent.select(AuditEvent.at, AuditEvent.staff, AuditEvent.action, AuditEvent.detail)
                              .where((AuditEvent.entity == "customer") & AuditEvent.entity_id.in_([str(i) for i in ids]))
                              .order_by(AuditEvent.id))
        counts = ",".join(f"{k}:{len(v)}" for k, v in sorted(data.items()) if isinstance(v, list) and v)
        audit.record(ctx.now(), session.login, "customer_export_one", "customer", c.id,
                     f"number={c.number} rows={counts}")
        return data

    return transaction(work)
