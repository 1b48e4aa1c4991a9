"""Retention periods of personal data (config `retention`), applied by `deskapp retention run`.

Each period blanks or unlinks what is older than it, and nothing else: feedback comments (scores stay;
the quote of the comment in the follow-up it opened goes too),
interaction notes (and the outcomes typed for calls and meetings), what was typed into workflow steps
(see erasure.scrub_step_values), the links between tickets and customers (the ticket, its times,
its feedback scores stay, anonymous), and the recipients and contents of messages sent (with the
contacts tickets left for them). A period left out keeps that data. A dry run counts what would
change; a real run is audited with the counts.
"""
from __future__ import annotations

import calendar
import datetime as dt
import json
from dataclasses import dataclass

from deskapp.core.context import Context
from deskapp.core.customers.erasure import ERASED_NAME, UNSENT, overwrite_freed_space, scrub_step_values
from deskapp.core.security import audit
from deskapp.db.database import transaction
from deskapp.db.models import (
    Feedback,
    FollowUp,
    Interaction,
    NotificationOutbox,
    OfferDecision,
    StepRecord,
    Ticket,
    TicketContact,
)
from deskapp.i18n import N_

_BATCH = 1000
# Stored in place of a comment (in English, whatever the language): a screen shows it through _().
COMMENT_REMOVED = N_("(removed after the retention period)")


@dataclass(frozen=True)
class RuleResult:
    rule: str  # the config key
    period: str  # "12 months"
    before: dt.datetime  # what is older than this is changed
    rows: int


def months_before(now: dt.datetime, months: int) -> dt.datetime:
    """The same day and time `months` calendar months earlier (the month's last day when it is shorter)."""
    index = now.year * 12 + now.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    return now.replace(year=year, month=month, day=min(now.day, calendar.monthrange(year, month)[1]))


def run(ctx: Context, *, dry_run: bool = False) -> list[RuleResult]:
    """Apply every configured period; each rule in its own transaction(s)."""
    config, now = ctx.config.retention, ctx.now()
    if now.tzinfo is not None:
        now = now.astimezone(dt.UTC).replace(tzinfo=None)
    results: list[RuleResult] = []
    overwrite_freed_space()
    if config.feedback_comment_months:
        before = months_before(now, config.feedback_comment_months)
        old = (Feedback.at < before) & (Feedback.comment != "")
        rows = Feedback.select().where(old).count() if dry_run else _feedback_comments(old)
        results.append(RuleResult("feedback_comment_months", f"{config.feedback_comment_months} months", before, rows))
    if config.interaction_note_months:
        before = months_before(now, config.interaction_note_months)
        typed = (Interaction.note != "") | ((Interaction.kind != "service") & Interaction.outcome.is_null(False))
        old = (Interaction.at < before) & typed

        def blank() -> int:
            n = Interaction.update(note="", outcome=None).where(old & (Interaction.kind != "service")).execute()
            return n + Interaction.update(note="").where(old & (Interaction.kind == "service")).execute()

        rows = Interaction.select().where(old).count() if dry_run else transaction(blank)
        results.append(RuleResult("interaction_note_months", f"{config.interaction_note_months} months", before, rows))
    if config.step_value_months:
        before = months_before(now, config.step_value_months)
        rows = _step_values(ctx, before, dry_run)
        results.append(RuleResult("step_value_months", f"{config.step_value_months} months", before, rows))
    if config.ticket_customer_years:
        before = months_before(now, 12 * config.ticket_customer_years)
        rows = _unlink_tickets(before, dry_run)
        results.append(RuleResult("ticket_customer_years", f"{config.ticket_customer_years} years", before, rows))
    if config.notification_months:
        before = months_before(now, config.notification_months)
        rows = _notifications(before, dry_run)
        results.append(RuleResult("notification_months", f"{config.notification_months} months", before, rows))
    if not dry_run and results:
        transaction(lambda: audit.record(now, None, "retention_run", "customer", "", " ".join(
            f"{r.rule}={r.rows}" for r in results)))
    return results


def _feedback_comments(old) -> int:
    """Blank the comments, and the quote of each in the reason of the follow-up it opened."""
    changed = 0
    while True:
        batch = list(Feedback.select(Feedback.id, Feedback.comment).where(old).limit(_BATCH))
        if not batch:
            return changed

        def work(batch=batch) -> int:
            for row in batch:
                for followup in FollowUp.select(FollowUp.id, FollowUp.reason).where(FollowUp.feedback_id == row.id):
                    reason = followup.reason.replace(row.comment[:500], COMMENT_REMOVED)
                    FollowUp.update(reason=reason).where(FollowUp.id == followup.id).execute()
            return Feedback.update(comment="").where(Feedback.id.in_([r.id for r in batch])).execute()

        changed += transaction(work)


def _step_values(ctx: Context, before: dt.datetime, dry_run: bool) -> int:
    changed, last = 0, 0
    while True:
        batch = list(StepRecord.select(StepRecord.id, StepRecord.workflow, StepRecord.values)
                     .where((StepRecord.committed_at < before) & (StepRecord.id > last))
                     .order_by(StepRecord.id).limit(_BATCH))
        if not batch:
            return changed
        last = batch[-1].id
        updates = []
        for record in batch:
            values = json.loads(record.values or "{}")
            scrubbed = scrub_step_values(ctx, record.workflow, values)
            if scrubbed != values:
                updates.append((record.id, json.dumps(scrubbed, sort_keys=True)))
        changed += len(updates)
        if updates and not dry_run:
            transaction(lambda updates=updates: [
                StepRecord.update(values=v).where(StepRecord.id == i).execute() for i, v in updates])


def _notifications(before: dt.datetime, dry_run: bool) -> int:
    """Messages that reached their end before `before` keep kind, channel and times only; tickets'
    contacts written before it go (a message still to send keeps its recipient: it is due)."""
    done = ((NotificationOutbox.created_at < before) & NotificationOutbox.status.not_in(UNSENT)
            & (NotificationOutbox.recipient != ERASED_NAME))
    contacts = TicketContact.created_at < before
    if dry_run:
        return NotificationOutbox.select().where(done).count() + TicketContact.select().where(contacts).count()
    return transaction(lambda: NotificationOutbox.update(recipient=ERASED_NAME, payload="{}").where(done).execute()
                       + TicketContact.delete().where(contacts).execute())


def _unlink_tickets(before: dt.datetime, dry_run: bool) -> int:
    """Tickets issued before `before` lose their customer, and the rows tying them to one (feedback's
    copy of the customer; interactions', follow-ups' and offer decisions' ticket) lose the ticket."""
    old = Ticket.select(Ticket.id).where(Ticket.issued_at < before)
    linked = (Ticket.issued_at < before) & Ticket.customer.is_null(False)
    if dry_run:
        return Ticket.select().where(linked).count()

    def work() -> int:
        n = Ticket.update(customer=None).where(linked).execute()
        Feedback.update(customer=None).where(Feedback.ticket.in_(old) & Feedback.customer.is_null(False)).execute()
        Interaction.update(ticket=None).where(Interaction.ticket.in_(old)).execute()
        FollowUp.update(ticket=None).where(FollowUp.ticket.in_(old)).execute()
        OfferDecision.update(ticket=None).where(OfferDecision.ticket.in_(old)).execute()
        return n

    return transaction(work)
