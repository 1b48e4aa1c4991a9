"""Reading feedback: responses and summaries over a FeedbackFilter, per service and per way of entry.

The figures are those of deskapp.core.metrics; the response rate is customer answers divided by
completed tickets in the filter's service, staff, counter and days (score band, tag and entered_by do not
narrow it). Staff-entered answers are reported on their own and never counted as responses.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from peewee import SQL, NodeList, Value, fn

from deskapp.core import metrics
from deskapp.core.context import Context
from deskapp.core.customers import followups
from deskapp.core.feedback.records import (
    BANDS,
    CUSTOMER,
    ENTERED_BY,
    FeedbackError,
    FeedbackInfo,
    _followups,
    _info,
    _rows,
)
from deskapp.core.queue import DONE
from deskapp.db.models import (
    Counter,
    Feedback,
    FollowUp,
    Service,
    Staff,
    Ticket,
)
from deskapp.i18n import _

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


def _id_of(model, where, missing: str) -> int:
    """The id of the one row `where` finds; FeedbackError saying `missing` when there is none."""
    row = model.select(model.id).where(where).first()
    if row is None:
        raise FeedbackError(missing)
    return row.id


def _ticket_conditions(ctx: Context, f: FeedbackFilter) -> list:
    """Conditions on Ticket for the filter's service, staff, counter and days."""
    conditions = [Ticket.branch == ctx.branch_id]
    if f.service:
        conditions.append(Ticket.service == _id_of(
            Service, (Service.branch == ctx.branch_id) & (Service.code == f.service), _("There is no service '{code}'.").format(code=f.service)))
    if f.counter:
        conditions.append(Ticket.counter == _id_of(
            Counter, (Counter.branch == ctx.branch_id) & (Counter.code == f.counter), _("There is no counter '{counter}'.").format(counter=f.counter)))
    if f.staff:
        conditions.append(Ticket.staff == _id_of(Staff, Staff.login == f.staff, _("There is no staff member '{login}'.").format(login=f.staff)))
    if f.since and f.until and f.since > f.until:
        raise FeedbackError(_("The period ends ({until}) before it starts ({since}).").format(until=f.until, since=f.since))
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
        raise FeedbackError(_("A score band is one of {bands}, not '{band}'.").format(bands=', '.join(BANDS), band=band))
    return conditions[band]


def _has_tag(tag: str):
    """tags (comma-joined) holds this exact tag; LIKE wildcards in it are escaped."""
    escaped = tag.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    haystack = Value(",").concat(Feedback.tags).concat(",")
    return NodeList((haystack, SQL("LIKE"), Value(f"%,{escaped},%"), SQL("ESCAPE '\\'")))  # i18n: not words


def _feedback_conditions(f: FeedbackFilter) -> list:
    conditions = []
    if f.band:
        conditions.append(_band(f.band))
    if f.tag:
        conditions.append(_has_tag(f.tag))
    if f.entered_by:
        if f.entered_by not in ENTERED_BY:
            raise FeedbackError(_("Feedback is entered by the customer or by staff, not '{value}'.").format(value=f.entered_by))
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
        raise FeedbackError(_("Feedback is entered by the customer or by staff, not '{value}'.").format(value=entered_by))
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
        raise FeedbackError(_("The period ends ({until}) before it starts ({since}).").format(until=until, since=since))
    histograms, answered, completed = groups if groups is not None else customer_groups(ctx, since, until)
    codes = dict(Service.select(Service.id, Service.code).where(Service.branch == ctx.branch_id).tuples())
    result = {code: _summary(CUSTOMER, histograms.get(sid, []), answered.get(sid, {}), completed.get(sid, 0))
              for sid, code in codes.items()}
    result[None] = customer_summary_of((histograms, answered, completed))
    return result


def customer_summary_of(groups: tuple[dict, dict, dict]) -> FeedbackSummary:
    """The customer summary of every service in customer_groups' counts: one branch's, or several
    branches' merged (their service ids differ), as the network report's total does."""
    histograms, answered, completed = groups
    every_answer = {True: 0, False: 0}
    for counts in answered.values():
        for a, count in counts.items():
            every_answer[a] += count
    return _summary(CUSTOMER, [group for groups in histograms.values() for group in groups],
                    {a: n for a, n in every_answer.items() if n}, sum(completed.values()))


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
