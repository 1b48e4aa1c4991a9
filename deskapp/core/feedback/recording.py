"""Post-service feedback: asking about a served ticket, recording the answer, closing the loop.

One Feedback row per ticket at most (a UNIQUE index): the customer's answer, staff typing in what a
customer said, or "no answer" when the question timed out or staff ended it. An answer may replace
a "no answer" (the customer spoke up after all); nothing replaces an answer, and a second answer
is refused with AlreadyAnswered, also when two desks submit at the same moment.

Recording an answer tags its comment (deskapp.core.comment_tags) and runs the configured triggers
in the same transaction: however many rules match, one follow-up is opened (feedback_rules).

Reading: `responses` and `summary` over a FeedbackFilter. The figures are those of
deskapp.core.metrics; the response rate is customer answers divided by completed tickets in the
filter's service, staff, counter and days (score band, tag and entered_by do not narrow it).
Staff-entered answers are reported on their own and never counted as responses.
"""
from __future__ import annotations

import datetime as dt

import peewee
from peewee import JOIN

from deskapp.core import changes, metrics
from deskapp.core.context import Context
from deskapp.core.feedback import rules as feedback_rules
from deskapp.core.feedback.records import (
    CUSTOMER,
    ENTERED_BY,
    MAX_COMMENT,
    STAFF,
    AlreadyAnswered,
    FeedbackError,
    FeedbackInfo,
    PendingTicket,
    _number,
    get,
)
from deskapp.core.feedback.tags import tags_for
from deskapp.core.queue import DONE
from deskapp.core.security import audit
from deskapp.core.security.permissions import acts_as, require
from deskapp.db import statements
from deskapp.db.database import transaction
from deskapp.db.models import (
    Counter,
    Feedback,
    Service,
    Staff,
    Ticket,
)
from deskapp.i18n import _

# -- asking -------------------------------------------------------------------------------------

def pending_for_counter(ctx: Context, counter_code: str) -> PendingTicket | None:
    """The ticket this counter completed last, if it has no feedback yet and was completed within
    feedback.timeout_seconds; else None."""
    counter = Counter.get_or_none(
        (Counter.branch == ctx.branch_id) & (Counter.code == counter_code) & Counter.active
    )
    if counter is None:
        raise FeedbackError(_("There is no counter '{counter}'.").format(counter=counter_code))
    ticket = (
        Ticket.select(Ticket, Service)
        .join(Service)
        .where((Ticket.counter == counter) & (Ticket.status == DONE))
        .order_by(Ticket.ended_at.desc(), Ticket.id.desc())
        .first()
    )
    if ticket is None or Feedback.select().where(Feedback.ticket == ticket.id).exists():
        return None
    expires = ticket.ended_at + dt.timedelta(seconds=ctx.config.feedback.timeout_seconds)
    if ctx.now() > expires:
        return None
    return PendingTicket(ticket.id, ticket.number, ticket.service.code, ticket.service.name, counter.code,
                         ticket.ended_at, expires, ticket.language)


def ticket_for_entry(ctx: Context, number: str) -> PendingTicket:
    """Today's served ticket by its number (A014), for staff typing in what its customer said."""
    number = number.strip().upper()
    ticket = (
        Ticket.select(Ticket, Service, Counter)
        .join(Service)
        .switch(Ticket).join(Counter, JOIN.LEFT_OUTER)
        .where((Ticket.branch == ctx.branch_id) & (Ticket.day == ctx.today()) & (Ticket.number == number))
        .first()
    )
    if ticket is None:
        raise FeedbackError(_("There is no ticket {ticket} today.").format(ticket=number) if number
                            else _("There is no ticket (none) today."))
    if ticket.status != DONE:
        raise FeedbackError(_("{number} has not been served to the end ({status}).").format(
            number=ticket.number, status=ticket.status.replace("_", " ")))
    if Feedback.select().where((Feedback.ticket == ticket.id) & Feedback.answered).exists():
        raise AlreadyAnswered(_("{number} has already been answered.").format(number=ticket.number))
    return PendingTicket(ticket.id, ticket.number, ticket.service.code, ticket.service.name,
                         ticket.counter.code if ticket.counter_id else None, ticket.ended_at, None, ticket.language)


# -- recording ----------------------------------------------------------------------------------

def _score(name: str, value: int | None, scale: tuple[int, int]) -> int | None:
    if value is None:
        return None
    low, high = scale
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise FeedbackError(_("{name} is a whole number from {low} to {high}, not {value!r}.").format(name=name, low=low, high=high, value=value))
    return value


_BRANCH_TICKET = statements.Prepared(lambda ticket, branch: Ticket.select().where((Ticket.id == ticket) & (Ticket.branch == branch)), 2)
_ANSWER = statements.Prepared(lambda ticket: Feedback.select().where(Feedback.ticket == ticket), 1)


def _served_ticket(ctx: Context, ticket_id: int) -> Ticket:
    ticket = _BRANCH_TICKET.first(ticket_id, ctx.branch_id)
    if ticket is None:
        raise FeedbackError(_("There is no ticket {ticket}.").format(ticket=ticket_id))
    if ticket.status != DONE:
        raise FeedbackError(_("{number} has not been served to the end; feedback comes after completing.").format(number=ticket.number))
    return ticket


def _where_served(ticket: Ticket) -> dict:
    return {"ticket": ticket.id, "branch": ticket.branch_id, "service": ticket.service_id,
            "counter": ticket.counter_id, "staff": ticket.staff_id, "customer": ticket.customer_id}


@acts_as("feedback.enter")
def submit(ctx: Context, ticket_id: int, csat: int | None = None, nps: int | None = None, ces: int | None = None,
           comment: str = "", entered_by: str = CUSTOMER, staff: str | None = None) -> FeedbackInfo:
    """record_answer, and the answer as read back (what a screen shows next)."""
    return get(ctx, record_answer(ctx, ticket_id, csat, nps, ces, comment, entered_by, staff))


@acts_as("feedback.enter")
def record_answer(ctx: Context, ticket_id: int, csat: int | None = None, nps: int | None = None,
                  ces: int | None = None, comment: str = "", entered_by: str = CUSTOMER, staff: str | None = None) -> int:
    """Record the answer about a served ticket and open the follow-up its triggers call for; its id
    (nothing read back: the demo's history records some 1,500 of them).

    `staff` is the login of whoever typed the answer in (required when entered_by is "staff").
    Raises AlreadyAnswered when the ticket has its answer, FeedbackError for anything else wrong.
    """
    if entered_by not in ENTERED_BY:
        raise FeedbackError(_("Feedback is entered by the customer or by staff, not '{value}'.").format(value=entered_by))
    if entered_by == STAFF and not staff:
        raise FeedbackError(_("Staff-entered feedback needs the login of who entered it."))
    if entered_by == CUSTOMER and staff:
        raise FeedbackError(_("Only staff-entered feedback names a staff member."))
    csat = _score("CSAT", csat, metrics.CSAT_SCALE)  # i18n: not words
    nps = _score("NPS", nps, metrics.NPS_SCALE)  # i18n: not words
    ces = _score("CES", ces, metrics.CES_SCALE)  # i18n: not words
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        raise FeedbackError(_("A comment has at most {n} characters.").format(n=MAX_COMMENT))
    if csat is None and nps is None and ces is None and not comment:
        raise FeedbackError(_("There is no answer to record: give a score or a comment."))
    tags = tags_for(comment, ctx.config.feedback.tags)

    def work() -> int:
        if staff is not None and not Staff.select().where((Staff.login == staff) & Staff.active).exists():
            raise FeedbackError(_("There is no active staff member '{login}'.").format(login=staff))
        require(staff, "feedback.enter")  # None: the customer answered, at the desk's screen or a kiosk
        ticket = _served_ticket(ctx, ticket_id)
        now = ctx.now()
        values = dict(answered=True, csat=csat, nps=nps, ces=ces, comment=comment, tags=",".join(tags),
                      entered_by=entered_by, entered_by_login=staff, at=now)
        existing = _ANSWER.first(ticket.id)
        if existing is not None and existing.answered:
            raise AlreadyAnswered(_("{number} has already been answered.").format(number=ticket.number))
        if existing is not None:
            # Only while it is still "no answer": a concurrent answer that got there first wins.
            if not Feedback.update(**values).where((Feedback.id == existing.id) & ~Feedback.answered).execute():
                raise AlreadyAnswered(_("{number} has already been answered.").format(number=ticket.number))
            feedback_id = existing.id
        else:
            feedback_id = Feedback.insert(**_where_served(ticket), **values).execute()
        feedback_rules.open_follow_up(ctx, ticket, feedback_id, csat=csat, nps=nps, ces=ces, comment=comment,
                                      tags=tags, by=staff)
        audit.record(now, staff, "feedback_recorded", "feedback", feedback_id,
                     f"ticket={ticket.number} entered_by={entered_by}")
        changes.bump(ctx.branch_id)
        return feedback_id

    for attempt in (1, 2):
        try:
            return transaction(work)
        except peewee.IntegrityError:
            # Another submission raced past the check above; the UNIQUE index let only it in.
            if Feedback.select().where((Feedback.ticket == ticket_id) & Feedback.answered).exists():
                raise AlreadyAnswered(_("{number} has already been answered.").format(number=_number(ticket_id))) from None
            if attempt == 2:
                raise
            # It was a "no answer": run again, and this answer replaces it.
    raise AssertionError("unreachable")


@acts_as("feedback.enter")
def record_no_answer(ctx: Context, ticket_id: int, *, reason: str = "timeout",
                     by: str | None = None) -> FeedbackInfo | None:
    """note_no_answer, and the row as read back; None when the ticket already had feedback."""
    feedback_id = note_no_answer(ctx, ticket_id, reason=reason, by=by)
    return None if feedback_id is None else get(ctx, feedback_id)


@acts_as("feedback.enter")
def note_no_answer(ctx: Context, ticket_id: int, *, reason: str = "timeout", by: str | None = None) -> int | None:
    """Record that the customer gave no answer (timed out, or staff ended the question); the new row's
    id, not read back. Nothing changes when the ticket already has feedback; returns None then.
    """
    require(by, "feedback.enter")  # None: the screen timed out with nobody logged in

    def work() -> int | None:
        ticket = _served_ticket(ctx, ticket_id)
        if _ANSWER.first(ticket.id) is not None:
            return None
        now = ctx.now()
        feedback_id = Feedback.insert(**_where_served(ticket), answered=False, entered_by=CUSTOMER, at=now).execute()
        audit.record(now, by, "feedback_no_answer", "feedback", feedback_id, f"ticket={ticket.number} reason={reason}")
        changes.bump(ctx.branch_id)
        return feedback_id

    try:
        return transaction(work)
    except peewee.IntegrityError:
        return None  # an answer (or another "no answer") got there first
