"""Browsing the audit trail (the supervisor's Audit screen): by customer, staff member and day."""
from __future__ import annotations

import datetime as dt

from deskapp.core.clock import day_bounds, to_local
from deskapp.core.context import Context
from deskapp.core.security import audit
from deskapp.core.security.auth import Session
from deskapp.core.security.permissions import acts_as, require
from deskapp.db.models import Customer
from deskapp.errors import BadInput
from deskapp.i18n import _


class AuditFilterInvalid(BadInput):
    """An audit search that names something that does not exist."""

LIMIT = 500


@acts_as("audit.browse")
def browse(ctx: Context, session: Session, *, customer: str | None = None, staff: str | None = None,
           day_from: dt.date | None = None, day_to: dt.date | None = None,
           limit: int = LIMIT) -> list[audit.AuditEntry]:
    """Newest first; the customer by number or id, days branch-local and inclusive; times shown local."""
    require(session, "audit.browse")
    since = day_bounds(day_from, ctx.timezone)[0] if day_from else None
    until = day_bounds(day_to, ctx.timezone)[1] if day_to else None
    customer_id = _customer_id(customer) if customer else None
    rows = audit.entries(
        staff=staff.strip().lower() if staff else None, entity="customer" if customer_id else None,
        entity_id=customer_id, since=since, until=until, limit=limit,
    )
    return [
        audit.AuditEntry(to_local(e.at, ctx.timezone), e.staff, e.action, e.entity, e.entity_id, e.detail)
        for e in rows
    ]


def _customer_id(number_or_id: str) -> int:
    """The id of the customer a number (00000042) or id names; the audit may name customers since erased."""
    text = number_or_id.strip()
    row = Customer.select(Customer.id).where(Customer.number == text.upper()).first()
    if row is None and text.isdigit():
        row = Customer.select(Customer.id).where(Customer.id == int(text)).first()
    if row is None:
        raise AuditFilterInvalid(_("There is no customer {customer}.").format(customer=text))
    return row.id
