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
from deskapp.i18n import _, ngettext

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
            found.append(Alert("id_expired", "error", _("ID document expired on {date}").format(
                date=c.id_doc_expiry.isoformat())))
        elif days <= ID_EXPIRY_WARNING_DAYS:
            text = (_("ID document expires today ({date})") if days == 0 else
                    ngettext("ID document expires in {n} day ({date})", "ID document expires in {n} days ({date})",
                             days))
            found.append(Alert("id_expiring", "warning", text.format(n=days, date=c.id_doc_expiry.isoformat())))
    if c.kyc_review_due is not None and c.kyc_review_due <= today:
        found.append(Alert("kyc_overdue", "warning", _("KYC review due since {date}").format(
            date=c.kyc_review_due.isoformat())))
    if c.birth_date is not None and _birthday(c.birth_date, today):
        found.append(Alert("birthday", "information", _("Birthday today ({age})").format(
            age=age_on(c.birth_date, today))))
    complaints = [f for f in open_followups if f.source == "complaint"]
    if complaints:
        found.append(Alert("complaint", "error", _("Open complaint: {reason}").format(
            reason=complaints[0].reason[:80])))
    others = len(open_followups) - len(complaints)
    if others:
        found.append(Alert("followup", "warning", ngettext(
            "{n} open follow-up", "{n} open follow-ups", others).format(n=others)))
    if c.kyc_review_due is not None and 0 < (c.kyc_review_due - today).days <= KYC_NOTICE_DAYS:
        days = (c.kyc_review_due - today).days
        found.append(Alert("kyc_due_soon", "information", ngettext(
            "KYC review due in {n} day", "KYC review due in {n} days", days).format(n=days)))
    last = last_contact(c.id) if contact is _LOOK_UP else cast("dt.datetime | None", contact)  # i18n: not words
    since = last.date() if last else c.created_at.date()
    if (today - since).days >= DORMANT_DAYS:
        text = (_("Dormant: no contact since {date}").format(date=f"{last:%Y-%m-%d}") if last
                else _("Dormant: never contacted"))
        found.append(Alert("dormant", "warning", text))
    return found


def _birthday(birth: dt.date, today: dt.date) -> bool:
    if (birth.month, birth.day) == (2, 29) and not calendar.isleap(today.year):
        return (today.month, today.day) == (2, 28)
    return (birth.month, birth.day) == (today.month, today.day)
