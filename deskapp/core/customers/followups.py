"""Follow-ups: the closed loop. Something a person must do for a customer, by a due time.

Created from poor feedback, from a workflow's referral, from a complaint, from an accepted offer,
or by hand. States: open -> in_progress -> done (open -> done too). Closing needs a resolution,
and for a complaint-type follow-up (a complaint, poor feedback) a root cause from the configured list. Overdue means: not done and the due time has passed
(a snooze moves the due time and keeps the reason). Every change is audited.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from peewee import JOIN

from deskapp.core import changes
from deskapp.core.context import Context
from deskapp.core.security import audit
from deskapp.core.security.permissions import Forbidden, acts_as, allowed, any_of, require, role_name, roles_for
from deskapp.db import statements
from deskapp.db.database import transaction
from deskapp.db.models import Branch, Customer, FollowUp, Staff, Ticket
from deskapp.errors import DeskappError
from deskapp.i18n import N_, _

OPEN, IN_PROGRESS, DONE = "open", "in_progress", "done"
SOURCES = ("feedback", "referral", "complaint", "offer", "manual")
SOURCE_LABELS = {"feedback": N_("Poor feedback"), "referral": N_("Referral"), "complaint": N_("Complaint"),
                 "offer": N_("Offer"), "manual": N_("Manual")}
# Complaint-type follow-ups: a complaint, and poor feedback (a complaint the customer did not call one).
# Closing one asks why it happened; closing a referral or an offer does not.
NEEDS_ROOT_CAUSE = ("complaint", "feedback")
_ROOT_CAUSE_NEEDED = {
    "complaint": N_("Choose a root cause: a complaint follow-up is closed with why it happened ({causes})."),
    "feedback": N_("Choose a root cause: a poor feedback follow-up is closed with why it happened ({causes})."),
}


def source_label(source: str) -> str:
    """What screens call a follow-up's source ("Poor feedback" for feedback), in the language in effect."""
    return _(SOURCE_LABELS[source]) if source in SOURCE_LABELS else source.replace("_", " ").capitalize()


def needs_root_cause(source: str) -> bool:
    return source in NEEDS_ROOT_CAUSE


class FollowUpError(DeskappError):
    """A follow-up change that cannot be made, in plain words."""


@dataclass(frozen=True)
class FollowUpInfo:
    id: int
    customer_id: int | None
    customer_name: str | None
    ticket_id: int | None
    feedback_id: int | None
    source: str
    reason: str
    assignee: str | None
    assignee_name: str | None
    created_at: dt.datetime
    due_at: dt.datetime
    status: str
    contact_outcome: str | None
    resolution: str | None
    root_cause: str | None
    closed_at: dt.datetime | None
    branch: str = ""  # code of the branch it belongs to (where the service happened)

    def overdue(self, now: dt.datetime) -> bool:
        return self.status != DONE and now > self.due_at

    def age_hours(self, now: dt.datetime) -> float:
        end = self.closed_at or now
        return (end - self.created_at).total_seconds() / 3600


def _info(f: FollowUp) -> FollowUpInfo:
    return FollowUpInfo(
        id=f.id, customer_id=f.customer_id, customer_name=f.customer.name if f.customer_id else None,
        ticket_id=f.ticket_id, feedback_id=f.feedback_id, source=f.source, reason=f.reason,
        assignee=f.assignee.login if f.assignee_id else None, assignee_name=f.assignee.name if f.assignee_id else None,
        created_at=f.created_at, due_at=f.due_at, status=f.status, contact_outcome=f.contact_outcome,
        resolution=f.resolution, root_cause=f.root_cause, closed_at=f.closed_at, branch=f.branch.code,
    )


def _query():
    return (
        FollowUp.select(FollowUp, Customer, Staff, Branch)
        .join(Customer, JOIN.LEFT_OUTER)
        .switch(FollowUp)
        .join(Staff, JOIN.LEFT_OUTER)
        .switch(FollowUp)
        .join(Branch)
    )


_ONE = statements.Prepared(lambda followup: _query().where(FollowUp.id == followup), 1)


def get(followup_id: int) -> FollowUpInfo:
    row = _ONE.first(followup_id)
    if row is None:
        raise FollowUpError(_("There is no follow-up {followup}.").format(followup=followup_id))
    return _info(row)


def many(followup_ids: list[int]) -> list[FollowUpInfo]:
    """The follow-ups with these ids, in the order given (ids that do not exist are left out)."""
    rows = {f.id: f for f in _query().where(FollowUp.id.in_(followup_ids))} if followup_ids else {}
    return [_info(rows[i]) for i in followup_ids if i in rows]


def _staff_id(login: str | None) -> int | None:
    if login is None:
        return None
    staff = Staff.get_or_none((Staff.login == login) & Staff.active)
    if staff is None:
        raise FollowUpError(_("There is no active staff member '{login}'.").format(login=login))
    return staff.id


@acts_as("followups.create")
def create(ctx: Context, *, source: str, reason: str, by: str | None, customer_id: int | None = None,
           ticket_id: int | None = None, feedback_id: int | None = None, assignee: str | None = None,
           due_at: dt.datetime | None = None) -> FollowUpInfo:
    """A new open follow-up; runs inside the caller's transaction when there is one."""
    if source not in SOURCES:
        raise FollowUpError(_("A follow-up comes from {sources}, not '{source}'.").format(
            sources=", ".join(SOURCES), source=source))
    if not reason.strip():
        raise FollowUpError(_("A follow-up needs a reason."))
    if by:
        require(by, "followups.create")
    now = ctx.now()
    due = due_at or now + dt.timedelta(hours=ctx.config.followups.default_due_hours)

    def work() -> int:
        # A follow-up of a service belongs to the branch where it happened, wherever it is opened from.
        ticket = Ticket.get_or_none(Ticket.id == ticket_id) if ticket_id else None
        branch = ticket.branch_id if ticket is not None else ctx.branch_id
        row = FollowUp.create(
            branch=branch, customer=customer_id, ticket=ticket_id, feedback_id=feedback_id, source=source,
            reason=reason.strip(), assignee=_staff_id(assignee), created_by=by, created_at=now, due_at=due,
        )
        audit.record(now, by, "followup_created", "followup", row.id, f"source={source}")
        changes.bump(branch)
        return row.id

    return get(transaction(work))


def _check_actor(row: FollowUp, by: str, doing: str) -> None:
    """Refuse, in core, anyone but an active staff member who owns the follow-up (opened it, or manages
    its customer), is its assignee, or whose role may work on others' (the role table's
    followups.work and followups.work_others)."""
    acting = require(by, "followups.work", doing=doing)
    assert acting is not None  # followups.work is never anonymous
    if allowed(acting.role, "followups.work_others"):
        return
    staff = Staff.get(Staff.login == acting.login)
    if row.assignee_id == staff.id or (row.created_by and row.created_by == staff.login):
        return
    if row.customer_id is not None and Customer.get_by_id(row.customer_id).manager_id == staff.id:
        return
    raise Forbidden(_("Only the follow-up's owner, its assignee or {roles} may {action}; {name} ({role}) is none "
                      "of them.").format(roles=any_of(roles_for("followups.work_others")), action=doing,
                                         name=staff.name, role=role_name(staff.role)))


def _change(ctx: Context, followup_id: int, by: str, action: str, apply, *, doing: str | None = None) -> FollowUpInfo:
    def work() -> None:
        row = FollowUp.get_or_none(FollowUp.id == followup_id)
        if row is None:
            raise FollowUpError(_("There is no follow-up {followup}.").format(followup=followup_id))
        if doing is not None:
            _check_actor(row, by, doing)
        detail = apply(row) or ""
        row.save()
        audit.record(ctx.now(), by, action, "followup", row.id, detail)
        changes.bump(ctx.branch_id)

    transaction(work)
    return get(followup_id)


@acts_as("followups.work", "followups.work_others")
def start(ctx: Context, followup_id: int, *, by: str) -> FollowUpInfo:
    def apply(row: FollowUp) -> None:
        if row.status == DONE:
            raise FollowUpError(_("Follow-up {followup} is already done.").format(followup=row.id))
        row.status = IN_PROGRESS

    return _change(ctx, followup_id, by, "followup_started", apply, doing=_("start a follow-up"))


@acts_as("followups.work", "followups.work_others")
def record_contact(ctx: Context, followup_id: int, outcome: str, *, by: str) -> FollowUpInfo:
    """The outcome of contacting the customer (reached, voicemail, no answer ...)."""
    if not outcome.strip():
        raise FollowUpError(_("Say what came of the contact."))

    def apply(row: FollowUp) -> str:
        stamp = ctx.now().strftime("%Y-%m-%d %H:%M")
        row.contact_outcome = ((row.contact_outcome + "\n") if row.contact_outcome else "") + f"{stamp} {outcome.strip()}"
        if row.status == OPEN:
            row.status = IN_PROGRESS
        return "contact recorded"  # i18n: not words (the audit keeps it)

    return _change(ctx, followup_id, by, "followup_contact", apply, doing=_("record a contact on a follow-up"))


@acts_as("followups.work", "followups.work_others")
def close(ctx: Context, followup_id: int, *, resolution: str, root_cause: str | None = None, by: str) -> FollowUpInfo:
    """Done, with what was done about it (always required) and why it happened: a root cause from the
    configured list, required for a complaint-type follow-up (NEEDS_ROOT_CAUSE) and optional for the others
    (a loan referral or an offer has nothing to find a cause for)."""
    if not resolution or not resolution.strip():
        raise FollowUpError(_("Closing a follow-up needs a resolution: what was done for the customer."))
    causes = ctx.config.followups.root_causes
    cause = (root_cause or "").strip() or None
    if cause is not None and cause not in causes:
        raise FollowUpError(_("Choose a root cause: {causes}.").format(causes=", ".join(causes)))

    def apply(row: FollowUp) -> str:
        if row.status == DONE:
            raise FollowUpError(_("Follow-up {followup} is already done.").format(followup=row.id))
        if cause is None and needs_root_cause(row.source):
            raise FollowUpError(_(_ROOT_CAUSE_NEEDED[row.source]).format(causes=", ".join(causes)))
        row.status, row.resolution, row.root_cause = DONE, resolution.strip(), cause
        row.closed_at, row.closed_by = ctx.now(), by
        return f"root_cause={cause or '-'}"

    return _change(ctx, followup_id, by, "followup_closed", apply, doing=_("close a follow-up"))


@acts_as("followups.reassign", "followups.reassign_others")
def reassign(ctx: Context, followup_id: int, to: str, *, by: str) -> FollowUpInfo:
    """A supervisor gives the follow-up to someone else (or its assignee hands it on)."""
    def apply(row: FollowUp) -> str:
        acting = require(by, "followups.reassign")
        if row.assignee_id is None or row.assignee.login != acting.login:  # someone else's
            require(acting, "followups.reassign_others", doing=_("reassign someone else's follow-up"))
        if row.status == DONE:
            raise FollowUpError(_("Follow-up {followup} is already done.").format(followup=row.id))
        row.assignee = _staff_id(to)
        return f"to={to}"

    return _change(ctx, followup_id, by, "followup_reassigned", apply)


@acts_as("followups.work", "followups.work_others")
def snooze(ctx: Context, followup_id: int, until: dt.datetime, reason: str, *, by: str) -> FollowUpInfo:
    """Move the due time later, with a reason (kept on the follow-up; the audit names only the new time,
    since free text may hold personal data an erasure must reach and the audit cannot change)."""
    if not reason.strip():
        raise FollowUpError(_("Snoozing needs a reason."))
    if until <= ctx.now():
        raise FollowUpError(_("Snooze to a time in the future."))

    def apply(row: FollowUp) -> str:
        if row.status == DONE:
            raise FollowUpError(_("Follow-up {followup} is already done.").format(followup=row.id))
        row.snoozed_until = until
        row.due_at = until
        row.snooze_reason = reason.strip()[:500]
        return f"until={until.isoformat(timespec='minutes')}"

    return _change(ctx, followup_id, by, "followup_snoozed", apply, doing=_("snooze a follow-up"))


def search(*, customer_id: int | None = None, assignee: str | None = None, status: str | None = None,
           open_only: bool = False, due_before: dt.datetime | None = None, limit: int = 500) -> list[FollowUpInfo]:
    """Follow-ups matching every filter given, soonest due first."""
    query = _query().order_by(FollowUp.due_at, FollowUp.id).limit(limit)
    if customer_id is not None:
        query = query.where(FollowUp.customer == customer_id)
    if assignee is not None:
        query = query.where(Staff.login == assignee)
    if status is not None:
        query = query.where(FollowUp.status == status)
    if open_only:
        query = query.where(FollowUp.status != DONE)
    if due_before is not None:
        query = query.where(FollowUp.due_at < due_before)
    return [_info(f) for f in query]
