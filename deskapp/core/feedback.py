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
from dataclasses import dataclass, replace

import peewee
from peewee import JOIN, SQL, NodeList, Value, fn

from deskapp.core import audit, changes, feedback_rules, followups, metrics
from deskapp.core.comment_tags import tags_for
from deskapp.core.context import Context
from deskapp.core.queue import DONE
from deskapp.db.database import transaction
from deskapp.db.models import Counter, Customer, Feedback, FollowUp, Service, Staff, Ticket

CUSTOMER, STAFF = "customer", "staff"
ENTERED_BY = (CUSTOMER, STAFF)
MAX_COMMENT = 2000

# Score bands a filter may ask for, each one condition on a scale.
BANDS = {
    "dissatisfied": "CSAT 1-2",
    "neutral": "CSAT 3",
    "satisfied": "CSAT 4-5",
    "detractor": "NPS 0-6",
    "passive": "NPS 7-8",
    "promoter": "NPS 9-10",
    "no_answer": "no answer",
}


class FeedbackError(Exception):
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


# -- asking -------------------------------------------------------------------------------------

def pending_for_counter(ctx: Context, counter_code: str) -> PendingTicket | None:
    """The ticket this counter completed last, if it has no feedback yet and was completed within
    feedback.timeout_seconds; else None."""
    counter = Counter.get_or_none(
        (Counter.branch == ctx.branch_id) & (Counter.code == counter_code) & Counter.active
    )
    if counter is None:
        raise FeedbackError(f"There is no counter '{counter_code}'.")
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
                         ticket.ended_at, expires)


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
        raise FeedbackError(f"There is no ticket {number or '(none)'} today.")
    if ticket.status != DONE:
        raise FeedbackError(f"{ticket.number} has not been served to the end ({ticket.status.replace('_', ' ')}).")
    if Feedback.select().where((Feedback.ticket == ticket.id) & Feedback.answered).exists():
        raise AlreadyAnswered(f"{ticket.number} has already been answered.")
    return PendingTicket(ticket.id, ticket.number, ticket.service.code, ticket.service.name,
                         ticket.counter.code if ticket.counter_id else None, ticket.ended_at, None)


# -- recording ----------------------------------------------------------------------------------

def _score(name: str, value: int | None, scale: tuple[int, int]) -> int | None:
    if value is None:
        return None
    low, high = scale
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise FeedbackError(f"{name} is a whole number from {low} to {high}, not {value!r}.")
    return value


def _served_ticket(ctx: Context, ticket_id: int) -> Ticket:
    ticket = Ticket.get_or_none((Ticket.id == ticket_id) & (Ticket.branch == ctx.branch_id))
    if ticket is None:
        raise FeedbackError(f"There is no ticket {ticket_id}.")
    if ticket.status != DONE:
        raise FeedbackError(f"{ticket.number} has not been served to the end; feedback comes after completing.")
    return ticket


def _where_served(ticket: Ticket) -> dict:
    return {"ticket": ticket.id, "branch": ticket.branch_id, "service": ticket.service_id,
            "counter": ticket.counter_id, "staff": ticket.staff_id, "customer": ticket.customer_id}


def submit(ctx: Context, ticket_id: int, csat: int | None = None, nps: int | None = None, ces: int | None = None,
           comment: str = "", entered_by: str = CUSTOMER, staff: str | None = None) -> FeedbackInfo:
    """Record the answer about a served ticket and open the follow-up its triggers call for.

    `staff` is the login of whoever typed the answer in (required when entered_by is "staff").
    Raises AlreadyAnswered when the ticket has its answer, FeedbackError for anything else wrong.
    """
    if entered_by not in ENTERED_BY:
        raise FeedbackError(f"Feedback is entered by the customer or by staff, not '{entered_by}'.")
    if entered_by == STAFF and not staff:
        raise FeedbackError("Staff-entered feedback needs the login of who entered it.")
    if entered_by == CUSTOMER and staff:
        raise FeedbackError("Only staff-entered feedback names a staff member.")
    csat = _score("CSAT", csat, metrics.CSAT_SCALE)
    nps = _score("NPS", nps, metrics.NPS_SCALE)
    ces = _score("CES", ces, metrics.CES_SCALE)
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        raise FeedbackError(f"A comment has at most {MAX_COMMENT} characters.")
    if csat is None and nps is None and ces is None and not comment:
        raise FeedbackError("There is no answer to record: give a score or a comment.")
    tags = tags_for(comment, ctx.config.feedback.tags)

    def work() -> int:
        if staff is not None and not Staff.select().where((Staff.login == staff) & Staff.active).exists():
            raise FeedbackError(f"There is no active staff member '{staff}'.")
        ticket = _served_ticket(ctx, ticket_id)
        now = ctx.now()
        values = dict(answered=True, csat=csat, nps=nps, ces=ces, comment=comment, tags=",".join(tags),
                      entered_by=entered_by, entered_by_login=staff, at=now)
        existing = Feedback.get_or_none(Feedback.ticket == ticket.id)
        if existing is not None and existing.answered:
            raise AlreadyAnswered(f"{ticket.number} has already been answered.")
        if existing is not None:
            # Only while it is still "no answer": a concurrent answer that got there first wins.
            if not Feedback.update(**values).where((Feedback.id == existing.id) & ~Feedback.answered).execute():
                raise AlreadyAnswered(f"{ticket.number} has already been answered.")
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
            return get(ctx, transaction(work))
        except peewee.IntegrityError:
            # Another submission raced past the check above; the UNIQUE index let only it in.
            if Feedback.select().where((Feedback.ticket == ticket_id) & Feedback.answered).exists():
                raise AlreadyAnswered(f"{_number(ticket_id)} has already been answered.") from None
            if attempt == 2:
                raise
            # It was a "no answer": run again, and this answer replaces it.
    raise AssertionError("unreachable")


def record_no_answer(ctx: Context, ticket_id: int, *, reason: str = "timeout", by: str | None = None) -> FeedbackInfo | None:
    """Record that the customer gave no answer (timed out, or staff ended the question).

    Nothing changes when the ticket already has feedback; returns None then.
    """

    def work() -> int | None:
        ticket = _served_ticket(ctx, ticket_id)
        if Feedback.select().where(Feedback.ticket == ticket.id).exists():
            return None
        now = ctx.now()
        feedback_id = Feedback.insert(**_where_served(ticket), answered=False, entered_by=CUSTOMER, at=now).execute()
        audit.record(now, by, "feedback_no_answer", "feedback", feedback_id, f"ticket={ticket.number} reason={reason}")
        changes.bump(ctx.branch_id)
        return feedback_id

    try:
        feedback_id = transaction(work)
    except peewee.IntegrityError:
        return None  # an answer (or another "no answer") got there first
    return None if feedback_id is None else get(ctx, feedback_id)


def _number(ticket_id: int) -> str:
    row = Ticket.select(Ticket.number).where(Ticket.id == ticket_id).first()
    return row.number if row else f"Ticket {ticket_id}"


# -- reading ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class FeedbackFilter:
    """Which feedback to show; every field narrows, None leaves it open."""

    service: str | None = None  # service code
    staff: str | None = None  # login of who served
    counter: str | None = None  # counter code
    since: dt.date | None = None  # branch-local days, both ends included
    until: dt.date | None = None
    band: str | None = None  # a key of BANDS
    tag: str | None = None
    entered_by: str | None = None  # customer, staff; None: both (responses) or customer (summary)


@dataclass(frozen=True)
class FeedbackCounts:
    responses: int  # answers behind the figures (entered as the summary's entered_by)
    customer_responses: int  # answers by customers to tickets in the filter: the response rate's numerator
    completed: int  # completed tickets in the filter: the response rate's denominator
    no_answer: int  # tickets whose customer gave no answer
    csat: metrics.CsatCounts
    nps: metrics.NpsCounts
    ces_answers: int


@dataclass(frozen=True)
class FeedbackSummary:
    entered_by: str
    csat_pct: float | None
    nps: float | None
    ces: float | None
    response_rate: float | None  # None for staff-entered answers, which are not responses
    counts: FeedbackCounts


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
        raise FeedbackError(f"There is no feedback {feedback_id}.")
    return _info(row, _followups([row.id]).get(row.id))


def _id_of(model, where, what: str) -> int:
    row = model.select(model.id).where(where).first()
    if row is None:
        raise FeedbackError(f"There is no {what}.")
    return row.id


def _ticket_conditions(ctx: Context, f: FeedbackFilter) -> list:
    """Conditions on Ticket for the filter's service, staff, counter and days."""
    conditions = [Ticket.branch == ctx.branch_id]
    if f.service:
        conditions.append(Ticket.service == _id_of(
            Service, (Service.branch == ctx.branch_id) & (Service.code == f.service), f"service '{f.service}'"))
    if f.counter:
        conditions.append(Ticket.counter == _id_of(
            Counter, (Counter.branch == ctx.branch_id) & (Counter.code == f.counter), f"counter '{f.counter}'"))
    if f.staff:
        conditions.append(Ticket.staff == _id_of(Staff, Staff.login == f.staff, f"staff member '{f.staff}'"))
    if f.since and f.until and f.since > f.until:
        raise FeedbackError(f"The period ends ({f.until}) before it starts ({f.since}).")
    if f.since:
        conditions.append(Ticket.day >= f.since)
    if f.until:
        conditions.append(Ticket.day <= f.until)
    return conditions


def _band(band: str):
    conditions = {
        "dissatisfied": Feedback.csat <= 2,
        "neutral": Feedback.csat == 3,
        "satisfied": Feedback.csat >= 4,
        "detractor": Feedback.nps <= metrics.NPS_DETRACTOR_MAX,
        "passive": Feedback.nps.between(metrics.NPS_DETRACTOR_MAX + 1, metrics.NPS_PROMOTER_MIN - 1),
        "promoter": Feedback.nps >= metrics.NPS_PROMOTER_MIN,
        "no_answer": ~Feedback.answered,
    }
    if band not in conditions:
        raise FeedbackError(f"A score band is one of {', '.join(BANDS)}, not '{band}'.")
    return conditions[band]


def _has_tag(tag: str):
    """tags (comma-joined) holds this exact tag; LIKE wildcards in it are escaped."""
    escaped = tag.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    haystack = Value(",").concat(Feedback.tags).concat(",")
    return NodeList((haystack, SQL("LIKE"), Value(f"%,{escaped},%"), SQL("ESCAPE '\\'")))


def _feedback_conditions(f: FeedbackFilter) -> list:
    conditions = []
    if f.band:
        conditions.append(_band(f.band))
    if f.tag:
        conditions.append(_has_tag(f.tag))
    if f.entered_by:
        if f.entered_by not in ENTERED_BY:
            raise FeedbackError(f"Feedback is entered by the customer or by staff, not '{f.entered_by}'.")
        conditions.append(Feedback.entered_by == f.entered_by)
    return conditions


def _all(conditions: list):
    expression = conditions[0]
    for condition in conditions[1:]:
        expression &= condition
    return expression


def responses(ctx: Context, f: FeedbackFilter = FeedbackFilter(), *, limit: int = 200) -> list[FeedbackInfo]:
    """The newest feedback matching the filter (answers and "no answer" alike)."""
    where = _all(_ticket_conditions(ctx, f) + _feedback_conditions(f))
    rows = list(_rows().where(where).order_by(Feedback.at.desc(), Feedback.id.desc()).limit(limit))
    links = _followups([r.id for r in rows])
    return [_info(r, links.get(r.id)) for r in rows]


def summary(ctx: Context, f: FeedbackFilter = FeedbackFilter()) -> FeedbackSummary:
    """The four figures over the filter, for one kind of entry (customer answers unless asked)."""
    entered_by = f.entered_by or CUSTOMER
    if entered_by not in ENTERED_BY:
        raise FeedbackError(f"Feedback is entered by the customer or by staff, not '{entered_by}'.")
    base = _ticket_conditions(ctx, f)
    chosen = _feedback_conditions(replace(f, entered_by=entered_by))
    histogram = (
        Feedback.select(Feedback.csat, Feedback.nps, Feedback.ces, fn.COUNT(Feedback.id))
        .join(Ticket)
        .where(_all(base + chosen) & Feedback.answered)
        .group_by(Feedback.csat, Feedback.nps, Feedback.ces)
        .tuples()
    )
    by_customer = (
        Feedback.select(Feedback.answered, fn.COUNT(Feedback.id))
        .join(Ticket)
        .where(_all(base) & (Feedback.entered_by == CUSTOMER))
        .group_by(Feedback.answered)
        .tuples()
    )
    answered = {bool(a): count for a, count in by_customer}
    # `status || ''` keeps the planner on the period's (branch, day) index (see customer_groups).
    completed = Ticket.select().where(_all(base) & (Ticket.status.concat("") == DONE)).count()
    return _summary(entered_by, list(histogram), answered, completed)


def _summary(entered_by: str, histogram: list, answered: dict[bool, int], completed: int) -> FeedbackSummary:
    """The figures from (csat, nps, ces, count) groups of answers, customer answers and no-answers
    by `answered`, and the completed tickets."""
    csat: dict = {}
    nps: dict = {}
    ces: dict = {}
    responses_ = 0
    for c, n, e, count in histogram:
        csat[c] = csat.get(c, 0) + count
        nps[n] = nps.get(n, 0) + count
        ces[e] = ces.get(e, 0) + count
        responses_ += count
    ces_answers = sum(count for e, count in ces.items() if e is not None)
    counts = FeedbackCounts(
        responses=responses_, customer_responses=answered.get(True, 0), completed=completed,
        no_answer=answered.get(False, 0), csat=metrics.csat_counts_of(csat), nps=metrics.nps_counts_of(nps),
        ces_answers=ces_answers,
    )
    rate = metrics.response_rate(counts.customer_responses, completed) if entered_by == CUSTOMER else None
    return FeedbackSummary(entered_by, counts.csat.pct, counts.nps.score, metrics.ces_of(ces), rate, counts)


def customer_groups(ctx: Context, since: dt.date, until: dt.date) -> tuple[dict, dict, dict]:
    """The counts behind customer_summaries_by_service, per service id: (csat, nps, ces, count)
    groups of answers, {answered: count} of customer entries, and completed tickets."""
    base = (Ticket.branch == ctx.branch_id) & (Ticket.day >= since) & (Ticket.day <= until)
    histograms: dict = {}
    for service, c, n, e, count in (
        Feedback.select(Ticket.service, Feedback.csat, Feedback.nps, Feedback.ces, fn.COUNT(Feedback.id))
        .join(Ticket)
        .where(base & (Feedback.entered_by == CUSTOMER) & Feedback.answered)
        .group_by(Ticket.service, Feedback.csat, Feedback.nps, Feedback.ces)
        .tuples()
    ):
        histograms.setdefault(service, []).append((c, n, e, count))
    answered: dict = {}
    for service, a, count in (
        Feedback.select(Ticket.service, Feedback.answered, fn.COUNT(Feedback.id))
        .join(Ticket)
        .where(base & (Feedback.entered_by == CUSTOMER))
        .group_by(Ticket.service, Feedback.answered)
        .tuples()
    ):
        answered.setdefault(service, {})[bool(a)] = count
    # `status || ''`: the (branch, day) index must drive this count. With the status compared bare,
    # SQLite's planner took the status index and read every completed ticket of the whole history
    # (0.6 s per call at 1,000,000 tickets, for one day's count).
    completed = dict(
        Ticket.select(Ticket.service, fn.COUNT(Ticket.id)).where(base & (Ticket.status.concat("") == DONE))
        .group_by(Ticket.service).tuples()
    )
    return histograms, answered, completed


def customer_summaries_by_service(ctx: Context, since: dt.date, until: dt.date, *,
                                  groups: tuple[dict, dict, dict] | None = None) -> dict[str | None, FeedbackSummary]:
    """summary(FeedbackFilter(service=code, since=since, until=until)) for every service of the
    branch (keyed by code) and for all of them (key None), from three grouped queries (or from
    `groups`, customer_groups' counts gathered otherwise: deskapp.core.day_summaries)."""
    if since > until:
        raise FeedbackError(f"The period ends ({until}) before it starts ({since}).")
    histograms, answered, completed = groups if groups is not None else customer_groups(ctx, since, until)
    codes = dict(Service.select(Service.id, Service.code).where(Service.branch == ctx.branch_id).tuples())
    result = {code: _summary(CUSTOMER, histograms.get(sid, []), answered.get(sid, {}), completed.get(sid, 0))
              for sid, code in codes.items()}
    every_answer = {True: 0, False: 0}
    for counts in answered.values():
        for a, count in counts.items():
            every_answer[a] += count
    result[None] = _summary(CUSTOMER, [group for groups in histograms.values() for group in groups],
                            {a: n for a, n in every_answer.items() if n}, sum(completed.values()))
    return result


def summary_by_entry(ctx: Context, f: FeedbackFilter = FeedbackFilter()) -> dict[str, FeedbackSummary]:
    """Customer answers and staff-entered answers, reported apart."""
    return {who: summary(ctx, replace(f, entered_by=who)) for who in ENTERED_BY}


def followups_for(ctx: Context, f: FeedbackFilter = FeedbackFilter(), *, open_limit: int = 300,
                  done_limit: int = 100) -> list[followups.FollowUpInfo]:
    """Follow-ups opened by feedback in the filter: open ones soonest due first, then the latest closed."""
    linked = (
        FollowUp.select(FollowUp.id)
        .join(Feedback, on=(FollowUp.feedback_id == Feedback.id))
        .join(Ticket, on=(Feedback.ticket == Ticket.id))
        .where(_all(_ticket_conditions(ctx, f) + _feedback_conditions(f)) & (FollowUp.source == "feedback")
               & (FollowUp.branch == ctx.branch_id))
    )
    still_open = linked.where(FollowUp.status != followups.DONE).order_by(FollowUp.due_at, FollowUp.id).limit(open_limit)
    closed = (linked.where(FollowUp.status == followups.DONE)
              .order_by(FollowUp.closed_at.desc(), FollowUp.id.desc()).limit(done_limit))
    return followups.many([r[0] for r in still_open.tuples()] + [r[0] for r in closed.tuples()])
