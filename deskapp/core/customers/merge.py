"""Merging two records of one person: a supervisor keeps one (the survivor) and chooses, field by field,
which of the two values it keeps.

Everything held about the other record moves to the survivor: every row of every table with a foreign
key to customer (found from the models, so a table added later moves too), phones joined (a number both
hold is kept once). The merged-away record stays as a tombstone holding no personal value, inactive,
pointing to the survivor (customer.merged_into), so its number still resolves: in search, on the command
line (`directory.find`) and at reception. Records merged into it before now point to the survivor.

By default each field keeps the survivor's value, or the other's where the survivor has none; `take`
names the fields that take the other's value. A legal hold on the other record passes to the survivor.
The audit (on both records) names both numbers, the
fields taken from the other and how many rows of each table moved, never a value.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from peewee import ForeignKeyField

from deskapp.core import changes
from deskapp.core.context import Context
from deskapp.core.customers.directory import CustomerNotFound, require
from deskapp.core.customers.masking import mask
from deskapp.core.security import audit
from deskapp.core.security.auth import Session
from deskapp.core.security.permissions import acts_as
from deskapp.db.database import is_postgres, transaction
from deskapp.db.models import MODELS, Customer, CustomerPhone, Staff
from deskapp.db.search import folded_name
from deskapp.errors import BadInput
from deskapp.i18n import _

# The fields a supervisor chooses between, as the CLI and the dialog name them; marketing consent
# carries its time and source with it, the name its folded form.
FIELDS = ("name", "national_id", "birth_date", "email", "address", "segment", "manager", "marketing_consent",
          "kyc_review_due", "id_doc_type", "id_doc_expiry")
_CARRIED = {"marketing_consent": ("consent_at", "consent_source")}
# What a tombstone keeps: its number and the link. Every other personal column is emptied.
_TOMBSTONE = {"name": "(merged)", "name_folded": "", "national_id": None, "birth_date": None, "email": None,
              "address": None, "segment": None, "manager": None, "marketing_consent": False, "consent_at": None,
              "consent_source": None, "kyc_review_due": None, "id_doc_type": None, "id_doc_expiry": None,
              "active": False, "legal_hold": False, "legal_hold_reason": None}


class MergeRefused(BadInput):
    """The two records cannot be merged (the same one, one already merged or erased, a bad field choice)."""


@dataclass(frozen=True)
class FieldChoice:
    """One field of the two records side by side, as a supervisor chooses between them (IDs masked)."""

    field: str
    survivor: str
    other: str
    default: str  # "keep" or "other": what the merge takes unless told


@dataclass(frozen=True)
class MergeResult:
    survivor_id: int
    survivor: str  # customer number
    merged: str  # the merged-away customer number, which now resolves to the survivor
    from_other: tuple[str, ...]  # fields that took the other record's value
    moved: dict[str, int]  # rows moved to the survivor, by table
    rows_before: dict[str, int]  # rows of both records together, by table, before the merge
    rows_after: dict[str, int]  # rows of the survivor, by table, after it


def customer_links() -> list[ForeignKeyField]:
    """Every foreign key to customer in the schema but the record's own link to its survivor."""
    return [f for model in MODELS if model is not Customer for f in model._meta.sorted_fields
            if isinstance(f, ForeignKeyField) and f.rel_model is Customer]


def _empty(value: object) -> bool:
    return value is None or value == "" or value is False


def parse_choices(choices: Iterable[str]) -> list[str]:
    """The fields of `FIELD=other` (or `FIELD=keep`) choices that take the other record's value."""
    take: list[str] = []
    for choice in choices:
        field, _sep, side = choice.partition("=")
        field, side = field.strip().lower(), side.strip().lower()
        if field not in FIELDS:
            raise MergeRefused(_("'{field}' is not a field to choose; choose among {fields}.").format(
                field=field, fields=", ".join(FIELDS)))
        if side not in ("other", "keep"):
            raise MergeRefused(_("--keep {choice}: write {field}=other (the merged record's value) or {field}=keep.").format(
                choice=choice, field=field))
        if side == "other":
            take.append(field)
        elif field in take:
            take.remove(field)
    return take


def _pair(keep_id: int, other_id: int) -> tuple[Customer, Customer]:
    if keep_id == other_id:
        raise MergeRefused(_("A record cannot be merged with itself: name two customer numbers."))
    query = Customer.select().where(Customer.id.in_([keep_id, other_id]))
    if is_postgres():
        query = query.order_by(Customer.id).for_update()
    rows = {c.id: c for c in query}
    for customer_id in (keep_id, other_id):
        if customer_id not in rows:
            raise CustomerNotFound(_("There is no customer {customer}.").format(customer=customer_id))
        c = rows[customer_id]
        if c.merged_into_id is not None:
            survivor = Customer.get_by_id(c.merged_into_id)
            raise MergeRefused(_("Customer {customer} was already merged into {survivor}.").format(
                customer=c.number, survivor=survivor.number))
        if c.erased_at is not None:
            raise MergeRefused(_("Customer {customer} was erased; there is nothing to merge.").format(customer=c.number))
    return rows[keep_id], rows[other_id]


def _shown(field: str, value: object) -> str:
    if value is None or value == "":
        return "-"
    if field == "national_id":
        return mask(str(value)) or "-"
    if field == "manager":
        staff = Staff.get_or_none(Staff.id == value)
        return staff.login if staff else "-"
    if field == "marketing_consent":
        return "yes" if value else "no"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _value(c: Customer, field: str) -> object:
    return c.manager_id if field == "manager" else getattr(c, field)


@acts_as("customers.merge")
def compare(ctx: Context, session: Session, keep_id: int, other_id: int) -> list[FieldChoice]:
    """Both records field by field, with what the merge takes by default (phones are always joined)."""
    require(ctx, session, "merge")  # the role table's customers.merge
    keep, other = _pair(keep_id, other_id)
    choices = [
        FieldChoice(field, _shown(field, _value(keep, field)), _shown(field, _value(other, field)),
                    "other" if _empty(_value(keep, field)) and not _empty(_value(other, field)) else "keep")
        for field in FIELDS
    ]
    phones = lambda c: ", ".join(mask(p) or "" for p in _phones(c.id)) or "-"
    return [*choices, FieldChoice("phones", phones(keep), phones(other), "both")]


def _phones(customer_id: int) -> list[str]:
    return [d for (d,) in CustomerPhone.select(CustomerPhone.digits).where(CustomerPhone.customer == customer_id)
            .order_by(CustomerPhone.id).tuples()]


def _counts(ids: list[int]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for link in customer_links():
        model = link.model
        counts[model._meta.table_name] = counts.get(model._meta.table_name, 0) + (
            model.select().where(link.in_(ids)).count())
    return counts


@acts_as("customers.merge")
def merge(ctx: Context, session: Session, keep_id: int, other_id: int, take: Iterable[str] = (), *,
          fill_gaps: bool = True) -> MergeResult:
    """Merge record `other_id` into `keep_id` (see the module); `take`: fields that take the other's value.
    With fill_gaps=False (a dialog that showed every choice), only `take` does: an empty field stays empty."""
    require(ctx, session, "merge")  # the role table's customers.merge
    take = list(take)
    unknown = [f for f in take if f not in FIELDS]
    if unknown:
        raise MergeRefused(_("'{field}' is not a field to choose; choose among {fields}.").format(
            field=unknown[0], fields=", ".join(FIELDS)))

    def work() -> MergeResult:
        keep, other = _pair(keep_id, other_id)
        before = _counts([keep.id, other.id])
        from_other = [f for f in FIELDS if f in take
                      or (fill_gaps and _empty(_value(keep, f)) and not _empty(_value(other, f)))]
        from_other = [f for f in from_other if _value(keep, f) != _value(other, f)]
        values: dict[str, object] = {}
        for field in from_other:
            values[field] = _value(other, field)
            for carried in _CARRIED.get(field, ()):
                values[carried] = getattr(other, carried)
        if "name" in values:
            values["name_folded"] = folded_name(str(values["name"]))
        if other.legal_hold:  # a hold follows the data it protects: erasure of the survivor stays refused
            values["legal_hold"] = True
            values["legal_hold_reason"] = "; ".join(r for r in (keep.legal_hold_reason, other.legal_hold_reason) if r)
        now = ctx.now()
        # The tombstone first: it lets go of its national ID before the survivor may take it (unique).
        Customer.update(merged_into=keep.id, updated_at=now, **_TOMBSTONE).where(Customer.id == other.id).execute()
        Customer.update(merged_into=keep.id).where(Customer.merged_into == other.id).execute()
        Customer.update(updated_at=now, **values).where(Customer.id == keep.id).execute()
        held = set(_phones(keep.id))
        CustomerPhone.delete().where((CustomerPhone.customer == other.id) & CustomerPhone.digits.in_(held)).execute()
        moved: dict[str, int] = {}
        for link in customer_links():
            count = link.model.update({link: keep.id}).where(link == other.id).execute()
            table = link.model._meta.table_name
            moved[table] = moved.get(table, 0) + count
        after = _counts([keep.id])
        detail = (f"survivor={keep.number} merged={other.number} from_merged={','.join(from_other) or '-'} moved="
                  + ",".join(f"{table}:{n}" for table, n in sorted(moved.items()) if n))
        audit.record(now, session.login, "customer_merge", "customer", keep.id, detail)
        audit.record(now, session.login, "customer_merged_away", "customer", other.id, detail)
        changes.bump(ctx.branch_id)
        return MergeResult(keep.id, keep.number, other.number, tuple(from_other), moved, before, after)

    return transaction(work)
