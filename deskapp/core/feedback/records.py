"""Feedback as stored and read back: one answer (or "no answer") per served ticket, its scales and bands."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from peewee import JOIN

from deskapp.core.context import Context
from deskapp.db.models import (
    Counter,
    Customer,
    Feedback,
    FollowUp,
    Service,
    Staff,
    Ticket,
)
from deskapp.errors import DeskappError
from deskapp.i18n import N_, _

CUSTOMER, STAFF = "customer", "staff"


ENTERED_BY = (CUSTOMER, STAFF)


MAX_COMMENT = 2000

# Score bands a filter may ask for, each one condition on a scale.


BANDS = {
    "dissatisfied": N_("CSAT 1-2"),
    "neutral": N_("CSAT 3"),
    "satisfied": N_("CSAT 4-5"),
    "detractor": N_("NPS 0-6"),
    "passive": N_("NPS 7-8"),
    "promoter": N_("NPS 9-10"),
    "no_answer": N_("no answer"),
}


class FeedbackError(DeskappError):
    """Feedback that cannot be recorded or read as asked, in plain words."""


class AlreadyAnswered(FeedbackError):
    """The ticket already has its one answer."""


@dataclass(frozen=True)
class PendingTicket:
    """A served ticket whose customer may be asked for feedback now."""

    ticket_id: int
    number: str
    service: str
    service_name: str
    counter: str | None
    completed_at: dt.datetime
    expires_at: dt.datetime | None  # None when asked by staff, who have no window
    language: str | None = None  # the customer's, chosen at the kiosk (None: the branch's)


@dataclass(frozen=True)
class FeedbackInfo:
    id: int
    ticket_id: int
    ticket_number: str
    day: dt.date
    service: str
    service_name: str
    counter: str | None
    staff: str | None  # who served
    staff_name: str | None
    customer_id: int | None
    customer_name: str | None
    answered: bool
    csat: int | None
    nps: int | None
    ces: int | None
    comment: str
    tags: tuple[str, ...]
    entered_by: str
    entered_by_login: str | None
    at: dt.datetime
    followup_id: int | None


def _number(ticket_id: int) -> str:
    row = Ticket.select(Ticket.number).where(Ticket.id == ticket_id).first()
    return row.number if row else _("Ticket {ticket_id}").format(ticket_id=ticket_id)


def _info(row: Feedback, followup_id: int | None) -> FeedbackInfo:
    t = row.ticket
    return FeedbackInfo(
        id=row.id, ticket_id=t.id, ticket_number=t.number, day=t.day, service=row.service.code,
        service_name=row.service.name, counter=row.counter.code if row.counter_id else None,
        staff=row.staff.login if row.staff_id else None, staff_name=row.staff.name if row.staff_id else None,
        customer_id=row.customer_id, customer_name=row.customer.name if row.customer_id else None,
        answered=row.answered, csat=row.csat, nps=row.nps, ces=row.ces, comment=row.comment,
        tags=tuple(t for t in row.tags.split(",") if t), entered_by=row.entered_by,
        entered_by_login=row.entered_by_login, at=row.at, followup_id=followup_id,
    )


def _rows():
    """Feedback with what its screen shows of the ticket, service, counter, staff and customer."""
    return (
        Feedback.select(Feedback, Ticket.id, Ticket.number, Ticket.day, Service.id, Service.code, Service.name,
                        Counter.id, Counter.code, Staff.id, Staff.login, Staff.name, Customer.id, Customer.name)
        .join(Ticket)
        .switch(Feedback).join(Service)
        .switch(Feedback).join(Counter, JOIN.LEFT_OUTER)
        .switch(Feedback).join(Staff, JOIN.LEFT_OUTER)
        .switch(Feedback).join(Customer, JOIN.LEFT_OUTER)
    )


def _followups(feedback_ids: list[int]) -> dict[int, int]:
    if not feedback_ids:
        return {}
    query = FollowUp.select(FollowUp.feedback_id, FollowUp.id).where(FollowUp.feedback_id.in_(feedback_ids))
    return {fid: id_ for fid, id_ in query.tuples()}


def get(ctx: Context, feedback_id: int) -> FeedbackInfo:
    row = _rows().where((Feedback.id == feedback_id) & (Feedback.branch == ctx.branch_id)).first()
    if row is None:
        raise FeedbackError(_("There is no feedback {feedback_id}.").format(feedback_id=feedback_id))
    return _info(row, _followups([row.id]).get(row.id))
