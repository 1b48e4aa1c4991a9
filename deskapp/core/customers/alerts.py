"""What needs attention about a customer: one definition for every screen that shows it.

The 360 profile, the teller's brief in a workflow and a manager's portfolio all call `alerts`, so a
portfolio can no longer flag a customer "Dormant" while their 360 says "Nothing needs attention":
- id_expired / id_expiring: the ID document expired, or expires within ID_EXPIRY_WARNING_DAYS;
- kyc_overdue: the KYC review fell due; kyc_due_soon: it falls due within KYC_NOTICE_DAYS;
- birthday: today (29 February on 28 February in other years);
- complaint, followup: open complaint follow-ups, and how many other follow-ups are open;
- dormant: no contact (interaction of any kind) for DORMANT_DAYS or more; a customer never contacted
  counts from the day they were recorded.
"""
from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from typing import cast

from peewee import fn

from deskapp.core.customers import followups
from deskapp.core.customers.rules import age_on
from deskapp.db.models import Customer, Interaction

ID_EXPIRY_WARNING_DAYS = 30
KYC_NOTICE_DAYS = 30
DORMANT_DAYS = 180


@dataclass(frozen=True)
class Alert:
    kind: str  # id_expired, id_expiring, kyc_overdue, kyc_due_soon, birthday, complaint, followup, dormant
    severity: str  # error, warning, information
    text: str


def last_contact(customer_id: int) -> dt.datetime | None:
    """The customer's latest interaction of any kind."""
    return Interaction.select(fn.MAX(Interaction.at)).where(Interaction.customer == customer_id).scalar()


_LOOK_UP = object()


def alerts(today: dt.date, c: Customer, open_followups: tuple[followups.FollowUpInfo, ...],
           contact: dt.datetime | None | object = _LOOK_UP) -> list[Alert]:
    """What a teller or manager should see first (see the module doc). `contact`: the customer's last
    contact when the caller read it for many customers at once; looked up when not given."""
    found: list[Alert] = []
    if c.id_doc_expiry is not None:
        days = (c.id_doc_expiry - today).days
        if days < 0:
            found.append(Alert("id_expired", "error", f"ID document expired on {c.id_doc_expiry.isoformat()}"))
        elif days <= ID_EXPIRY_WARNING_DAYS:
            when = "today" if days == 0 else f"in {days} day{'s' if days != 1 else ''}"
            found.append(Alert("id_expiring", "warning", f"ID document expires {when} ({c.id_doc_expiry.isoformat()})"))
    if c.kyc_review_due is not None and c.kyc_review_due <= today:
        found.append(Alert("kyc_overdue", "warning", f"KYC review due since {c.kyc_review_due.isoformat()}"))
    if c.birth_date is not None and _birthday(c.birth_date, today):
        found.append(Alert("birthday", "information", f"Birthday today ({age_on(c.birth_date, today)})"))
    complaints = [f for f in open_followups if f.source == "complaint"]
    if complaints:
        found.append(Alert("complaint", "error", f"Open complaint: {complaints[0].reason[:80]}"))
    others = len(open_followups) - len(complaints)
    if others:
        found.append(Alert("followup", "warning", f"{others} open follow-up{'s' if others != 1 else ''}"))
    if c.kyc_review_due is not None and 0 < (c.kyc_review_due - today).days <= KYC_NOTICE_DAYS:
        days = (c.kyc_review_due - today).days
        found.append(Alert("kyc_due_soon", "information", f"KYC review due in {days} day{'s' if days != 1 else ''}"))
    last = last_contact(c.id) if contact is _LOOK_UP else cast("dt.datetime | None", contact)
    since = last.date() if last else c.created_at.date()
    if (today - since).days >= DORMANT_DAYS:
        what = f"no contact since {last:%Y-%m-%d}" if last else "never contacted"
        found.append(Alert("dormant", "warning", f"Dormant: {what}"))
    return found


def _birthday(birth: dt.date, today: dt.date) -> bool:
    if (birth.month, birth.day) == (2, 29) and not calendar.isleap(today.year):
        return (today.month, today.day) == (2, 28)
    return (birth.month, birth.day) == (today.month, today.day)
