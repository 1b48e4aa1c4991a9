"""Creating and changing customers: validated, checked for duplicates, one transaction, audited.

A national ID already on another customer is refused, naming that customer. The same phone or
e-mail, or a similar name (the typos search forgives, other spellings, any word order) with the
same birth date, one a day off or with day and month swapped, is only probably the same person
(deskapp.core.customers.duplicates.for_new): PossibleDuplicates lists the candidates with the
reasons, and the caller saves with force=True once a person has confirmed. The audit says which fields changed, never their values.
"""
from __future__ import annotations

import re

from deskapp.core import changes
from deskapp.core.context import Context
from deskapp.core.customers import duplicates
from deskapp.core.customers.directory import CustomerNotFound, CustomerSummary, require, summaries, summary
from deskapp.core.customers.rules import Checked, CustomerDraft, CustomerInvalid, check
from deskapp.core.security import audit
from deskapp.core.security.auth import Session
from deskapp.core.security.permissions import acts_as
from deskapp.db.database import db, is_postgres, transaction
from deskapp.db.models import Customer, CustomerPhone, Staff
from deskapp.errors import DeskappError
from deskapp.i18n import _

NUMBER_WIDTH = 8
_NUMBER_LOCK = 0x63757374  # "cust": one new customer number at a time on PostgreSQL


class DuplicateNationalId(CustomerInvalid):
    """The national ID already belongs to another customer, who is `existing`."""

    def __init__(self, existing: CustomerSummary):
        self.existing = existing
        super().__init__({"national_id": _("already belongs to customer {number} ({name})").format(
            number=existing.number, name=existing.name)})


class PossibleDuplicates(DeskappError):
    """Probably a customer already on file: confirm, then save again with force=True."""

    private = True  # names the customers it resembles

    def __init__(self, candidates: list[CustomerSummary], reasons: dict[int, tuple[str, ...]] | None = None):
        self.candidates = candidates
        self.reasons = reasons or {}
        names = ", ".join(f"{c.number} {c.name}" + (
            f" ({', '.join(duplicates.reason_text(r) for r in self.reasons[c.id])})" if self.reasons.get(c.id) else "")
            for c in candidates[:5])
        super().__init__(_("This may be a customer already on file: {names}. Check, then save anyway if not.").format(
            names=names))


@acts_as("customers.create")
def create(ctx: Context, session: Session, draft: CustomerDraft, *, force: bool = False) -> CustomerSummary:
    """A new customer with the next customer number."""
    require(ctx, session, "create")
    checked = check(ctx.config, ctx.today(), draft, new=True)

    def work() -> int:
        values = dict(checked.values)
        _refuse_taken_id(ctx, values.get("national_id"), None)
        if not force:
            _warn_duplicates(ctx, values, checked.phones, None)
        values["manager"] = _manager_id(draft.manager)
        now = ctx.now()
        if values.get("marketing_consent"):
            values["consent_at"] = now
            values.setdefault("consent_source", "branch")
        number = values.pop("number", None) or next_number()
        row = Customer.create(number=number, created_at=now, updated_at=now, **values)
        _replace_phones(row.id, checked.phones or [])
        audit.record(now, session.login, "customer_create", "customer", row.id, _fields(values, checked))
        changes.bump(ctx.branch_id)
        return row.id

    return summary(ctx, transaction(work))


@acts_as("customers.edit")
def update(ctx: Context, session: Session, customer_id: int, draft: CustomerDraft, *,
           force: bool = False) -> CustomerSummary:
    """Change the fields the draft gives; nothing is written when nothing differs."""
    require(ctx, session, "edit")
    checked = check(ctx.config, ctx.today(), draft, new=False)

    def work() -> int:
        row = Customer.get_or_none(Customer.id == customer_id)
        if row is None:
            raise CustomerNotFound(_("There is no customer {customer}.").format(customer=customer_id))
        values = dict(checked.values)
        if draft.manager is not None:
            values["manager"] = _manager_id(draft.manager)
        diff = {k: v for k, v in values.items() if _stored(row, k) != v}
        old_phones = _phones(row.id)
        phones_changed = checked.phones is not None and checked.phones != old_phones
        if not diff and not phones_changed:
            return row.id
        if "national_id" in diff:
            _refuse_taken_id(ctx, diff["national_id"], row.id)
        new_phones = [p for p in checked.phones or [] if p not in old_phones]
        if not force and (new_phones or {"name", "birth_date", "email"} & diff.keys()):
            merged = {"name_folded": row.name_folded, "birth_date": row.birth_date, **diff}
            merged.setdefault("email", None)  # only a new e-mail is evidence; the customer's own is no news
            _warn_duplicates(ctx, merged, new_phones, row.id)
        now = ctx.now()
        if "marketing_consent" in diff:
            diff["consent_at"] = now
            diff["consent_source"] = values.get("consent_source") or "branch"
        Customer.update(updated_at=now, **diff).where(Customer.id == row.id).execute()
        if phones_changed:
            _replace_phones(row.id, checked.phones or [])
        fields = sorted((set(diff) - {"name_folded", "consent_at"}) | ({"phones"} if phones_changed else set()))
        audit.record(now, session.login, "customer_edit", "customer", row.id, "fields=" + ",".join(fields))
        changes.bump(ctx.branch_id)
        return row.id

    return summary(ctx, transaction(work))


def _stored(row: Customer, name: str) -> object:
    return row.manager_id if name == "manager" else getattr(row, name)


def _fields(values: dict, checked: Checked) -> str:
    names = sorted(k for k, v in values.items() if v not in (None, "", False) and k != "name_folded")
    return "fields=" + ",".join(names + (["phones"] if checked.phones else []))


def _phones(customer_id: int) -> list[str]:
    return [
        p for (p,) in CustomerPhone.select(CustomerPhone.digits)
        .where(CustomerPhone.customer == customer_id)
        .order_by(CustomerPhone.id)
        .tuples()
    ]


def _replace_phones(customer_id: int, phones: list[str]) -> None:
    CustomerPhone.delete().where(CustomerPhone.customer == customer_id).execute()
    if phones:
        CustomerPhone.insert_many(
            [{"customer": customer_id, "digits": p, "label": "mobile" if i == 0 else "other"} for i, p in enumerate(phones)]
        ).execute()


def _manager_id(login: str | None) -> int | None:
    if not login or not login.strip():
        return None
    staff = Staff.get_or_none((Staff.login == login.strip().lower()) & Staff.active)
    if staff is None:
        raise CustomerInvalid({"manager": _("there is no active staff member '{login}'").format(
            login=login.strip()[:32])})
    return staff.id


def _refuse_taken_id(ctx: Context, national_id: object, own_id: int | None) -> None:
    if not national_id:
        return
    query = Customer.select(Customer.id).where(Customer.national_id == national_id)
    if own_id is not None:
        query = query.where(Customer.id != own_id)
    existing = query.first()
    if existing is not None:
        raise DuplicateNationalId(summary(ctx, existing.id))


def _warn_duplicates(ctx: Context, values: dict, phones: list[str] | None, own_id: int | None) -> None:
    found = duplicates.for_new(values.get("name_folded"), values.get("birth_date"), phones or [],
                               values.get("email"), own_id)
    if found:
        raise PossibleDuplicates(summaries(ctx, [(i, 0) for i, _ in found]), dict(found))


def possible_duplicates(name_folded: object, birth_date: object, phones: list[str], own_id: int | None,
                        email: str | None = None) -> list[int]:
    """Ids of customers with one of the phones or the e-mail, or a similar name and a close birth date."""
    found = duplicates.for_new(str(name_folded or ""), birth_date, phones, email, own_id)  # type: ignore[arg-type]
    return sorted(cid for cid, _ in found)


def next_number() -> str:
    """The next free customer number: one more than the highest all-digit number of the usual width."""
    if is_postgres():
        db.execute_sql("SELECT pg_advisory_xact_lock(%s)", (_NUMBER_LOCK,))
    query = (
        Customer.select(Customer.number)
        .where(Customer.number.between("0" * NUMBER_WIDTH, "9" * NUMBER_WIDTH))
        .order_by(Customer.number.desc())
        .limit(50)
        .tuples()
    )
    highest = next((int(n) for (n,) in query if re.fullmatch(r"[0-9]{%d}" % NUMBER_WIDTH, n)), 0)
    number = f"{highest + 1:0{NUMBER_WIDTH}d}"
    while Customer.select().where(Customer.number == number).exists():
        number = f"{int(number) + 1:0{NUMBER_WIDTH}d}"
    return number
