"""Closing the loop on poor feedback: which triggers an answer matches, who follows it up, by when.

Every answer is checked against feedback.triggers in order. However many match, one follow-up is
opened (source "feedback", linked to the feedback and the ticket): the first matching rule decides
who gets it, the soonest due time of the matching rules applies, and the reason lists every
matching rule's reason, then the answers and the comment.

Who gets it:
- relationship_manager: the customer's relationship manager (Customer.manager, if active); for a
  customer not identified or without a manager, the supervisor on duty.
- supervisor_on_duty: a supervisor working at a counter of the branch now (the counter open or
  paused, the first by counter code); else the branch's first active supervisor by login; else no
  one (the follow-up is opened unassigned, for whoever reads the list to take).
- a login: that staff member if active, else the supervisor on duty.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from deskapp.config.feedback_schema import Trigger
from deskapp.core.context import Context
from deskapp.core.customers import followups
from deskapp.db.models import Counter, Customer, Staff, StaffBranch, Ticket
from deskapp.i18n import _, use

RELATIONSHIP_MANAGER, SUPERVISOR_ON_DUTY = "relationship_manager", "supervisor_on_duty"
SUPERVISOR = "supervisor"


def matches(trigger: Trigger, *, csat: int | None, nps: int | None, ces: int | None, tags: Sequence[str]) -> bool:
    """Whether every condition of the trigger holds; a score not given never matches a score rule."""
    when = trigger.when
    checks = []
    if when.nps_max is not None:
        checks.append(nps is not None and nps <= when.nps_max)
    if when.csat_max is not None:
        checks.append(csat is not None and csat <= when.csat_max)
    if when.ces_min is not None:
        checks.append(ces is not None and ces >= when.ces_min)
    if when.tag is not None:
        checks.append(when.tag in tags)
    return bool(checks) and all(checks)


def matching(triggers: Sequence[Trigger], *, csat: int | None, nps: int | None, ces: int | None,
             tags: Sequence[str]) -> list[Trigger]:
    return [t for t in triggers if matches(t, csat=csat, nps=nps, ces=ces, tags=tags)]


def supervisor_on_duty(ctx: Context, branch_id: int | None = None) -> str | None:
    """The login of the supervisor on duty at a branch (default: this desk's; see the module's docstring),
    or None. Off a counter, a supervisor whose home the branch is comes before one who also covers it."""
    branch_id = branch_id or ctx.branch_id
    at_counter = (
        Staff.select(Staff.login)
        .join(Counter, on=(Counter.staff == Staff.id))
        .where((Counter.branch == branch_id) & Counter.active & (Counter.state != "closed")
               & (Staff.role == SUPERVISOR) & Staff.active)
        .order_by(Counter.code)
        .first()
    )
    if at_counter is not None:
        return at_counter.login
    anyone = (
        Staff.select(Staff.login)
        .join(StaffBranch, on=(StaffBranch.staff == Staff.id))
        .where((StaffBranch.branch == branch_id) & (Staff.role == SUPERVISOR) & Staff.active)
        .order_by(Staff.branch != branch_id, Staff.login)
        .first()
    )
    return anyone.login if anyone else None


def assignee_for(ctx: Context, assign: str, customer_id: int | None, branch_id: int | None = None) -> str | None:
    """The login a trigger's `assign` resolves to for this customer, or None (unassigned); the supervisor
    on duty is the one at `branch_id` (where the service happened; default this desk's branch)."""
    if assign == RELATIONSHIP_MANAGER:
        if customer_id is not None:
            manager = (
                Staff.select(Staff.login)
                .join(Customer, on=(Customer.manager == Staff.id))
                .where((Customer.id == customer_id) & Staff.active)
                .first()
            )
            if manager is not None:
                return manager.login
        return supervisor_on_duty(ctx, branch_id)
    if assign == SUPERVISOR_ON_DUTY:
        return supervisor_on_duty(ctx, branch_id)
    named = Staff.get_or_none((Staff.login == assign) & Staff.active)
    return named.login if named else supervisor_on_duty(ctx, branch_id)


def _answers(csat: int | None, nps: int | None, ces: int | None) -> str:
    parts = [f"{name} {value}" for name, value in (("CSAT", csat), ("NPS", nps), ("CES", ces))  # i18n: not words
             if value is not None]
    return ", ".join(parts) or _("no scores")


def reason_text(rules: Sequence[Trigger], ticket: Ticket, *, csat: int | None, nps: int | None, ces: int | None,
                comment: str, tags: Sequence[str]) -> str:
    """The follow-up's reason: the rules' reasons on the first line, then what the customer said, in the
    current language (open_follow_up: the branch's, whoever answered the survey)."""
    served = [_("Ticket {number}").format(number=ticket.number), ticket.service.name]
    if ticket.counter_id:
        served.append(ticket.counter.name)
    if ticket.staff_id:
        served.append(_("served by {name}").format(name=ticket.staff.name))
    lines = ["; ".join(dict.fromkeys(r.reason.strip() for r in rules)), " · ".join(served),
             _("Answers: {answers}").format(answers=_answers(csat, nps, ces))]
    if tags:
        lines.append(_("Tags: {tags}").format(tags=", ".join(tags)))
    if comment:
        lines.append(_("Comment: “{comment}”").format(comment=comment[:500]))
    return "\n".join(lines)


def open_follow_up(ctx: Context, ticket: Ticket, feedback_id: int, *, csat: int | None, nps: int | None,
                   ces: int | None, comment: str, tags: Sequence[str], by: str | None) -> followups.FollowUpInfo | None:
    """The one follow-up the matching triggers call for, in the caller's transaction; None if none match."""
    rules = matching(ctx.config.feedback.triggers, csat=csat, nps=nps, ces=ces, tags=tags)
    if not rules:
        return None
    default_hours = ctx.config.followups.default_due_hours
    hours = min(r.due_hours or default_hours for r in rules)
    with use(ctx.config.branch.language):  # staff read it: the branch's words, not the survey's
        reason = reason_text(rules, ticket, csat=csat, nps=nps, ces=ces, comment=comment, tags=tags)
    return followups.create(
        ctx, source="feedback", by=by, customer_id=ticket.customer_id, ticket_id=ticket.id, feedback_id=feedback_id,
        reason=reason,
        assignee=assignee_for(ctx, rules[0].assign, ticket.customer_id, ticket.branch_id),
        due_at=ctx.now() + dt.timedelta(hours=hours),
    )
