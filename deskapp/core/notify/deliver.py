"""Delivering the outbox: claim due messages, send them, mark each sent once acknowledged; retry, dead-letter.

A claim is one short transaction: on PostgreSQL `FOR UPDATE SKIP LOCKED` (two deliverers never take
the same rows), on SQLite the whole transaction runs under BEGIN IMMEDIATE (one claimer at a time).
It counts the attempt and pushes next_attempt_at forward by notifications.lease_seconds: that is the
claim's lease. Sending happens outside any transaction; acknowledged messages are then marked sent,
MARK_EVERY at a time and at the end of the batch, in short transactions (and counted in
notification_tally), so a deliverer killed mid-batch leaves its unacknowledged rows pending, to be
claimed again when the lease ends: nothing is marked sent that was not acknowledged, and the few
acknowledged but not yet marked go again with the same idempotency keys, which receivers drop.

A failed attempt waits backoff_seconds * 2^(attempt-1) (at most backoff_max_seconds) before the next;
after max_attempts the message is dead (kept, with its last error, for a person to look at).

Follow-up reminders to staff are found here, not written by a change: a follow-up falls due by the
clock. Each round writes followup_due (notice hours ahead) and followup_overdue, once per due time.

A message is written in its payload's `language` (the ticket's, else the branch's; a follow-up's
assignee's): the template's text in that language (a configured text per language, else deskapp's
own words from its catalogue) and the service's and branch's names as configured in that language.
"""
from __future__ import annotations

import datetime as dt
import json
import time
from dataclasses import dataclass

from deskapp.core.context import Context
from deskapp.core.notify.channels import DeliveryFailed, Message, open_channels
from deskapp.core.notify.outbox import enqueue, language_of
from deskapp.db import statements
from deskapp.db.database import is_postgres, transaction
from deskapp.i18n import text, use


def _as_datetime(value):
    return dt.datetime.fromisoformat(value) if isinstance(value, str) else value


def claim(ctx: Context, limit: int) -> list[Message]:
    """Up to `limit` due messages, leased to this deliverer."""
    section = ctx.config.notifications

    def work() -> list[Message]:
        now = ctx.now()
        lock = " FOR UPDATE SKIP LOCKED" if is_postgres() else ""  # i18n: not words
        rows = statements.execute(
            "SELECT id, kind, channel, recipient, payload, idempotency_key, attempts FROM notification_outbox "
            "WHERE status IN ('pending', 'failed') AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?"
            + lock, (now, limit)).fetchall()
        if not rows:
            return []
        marks = ", ".join("?" for _ in rows)
        statements.execute(
            f"UPDATE notification_outbox SET attempts = attempts + 1, next_attempt_at = ? WHERE id IN ({marks})",
            (now + dt.timedelta(seconds=section.lease_seconds), *(r[0] for r in rows)))
        return [Message(r[0], r[1], r[2], r[3], json.loads(r[4]), r[5], r[6] + 1) for r in rows]

    return transaction(work)


MARK_EVERY = 10
"""Acknowledged messages are marked sent this many at a time (one transaction), and at the end of each
batch: a deliverer killed in between sends at most these again, with their idempotency keys."""


def _mark_sent(ctx: Context, messages: list[Message]) -> None:
    if not messages:
        return

    def work() -> None:
        marks = ", ".join("?" for _ in messages)
        done = statements.execute(
            "UPDATE notification_outbox SET status = 'sent', sent_at = ?, last_error = NULL "  # i18n: not words
            f"WHERE id IN ({marks}) AND status IN ('pending', 'failed')", (ctx.now(), *(m.id for m in messages))).rowcount
        if done:
            statements.execute("UPDATE notification_tally SET n = n + ? WHERE status = 'sent'", (done,))

    transaction(work)
    messages.clear()


def backoff(ctx: Context, attempts: int) -> dt.timedelta:
    section = ctx.config.notifications
    return dt.timedelta(seconds=min(section.backoff_seconds * 2 ** (attempts - 1), section.backoff_max_seconds))


def _mark_failed(ctx: Context, message: Message, reason: str) -> None:
    dead = message.attempts >= ctx.config.notifications.max_attempts

    def work() -> None:
        now = ctx.now()
        changed = statements.execute(
            "UPDATE notification_outbox SET status = ?, next_attempt_at = ?, last_error = ? "
            "WHERE id = ? AND status IN ('pending', 'failed')",
            ("dead" if dead else "failed", now + backoff(ctx, message.attempts), reason[:500], message.id)).rowcount
        if changed and dead:
            statements.execute("UPDATE notification_tally SET n = n + 1 WHERE status = 'dead'")

    transaction(work)


@dataclass
class Round:
    sent: int = 0
    failed: int = 0
    dead: int = 0

    def add(self, other: Round) -> None:
        self.sent += other.sent
        self.failed += other.failed
        self.dead += other.dead


def _names(ctx: Context) -> dict[str, object]:
    """Every configured name a payload may carry (a service's, the branch's, a counter's), by each of its
    words, as configured."""
    found: dict[str, object] = {}
    counters = [c.name for b in ctx.config.network() for c in b.counters]
    for name in [ctx.config.branch.name, *(s.name for s in ctx.config.services), *counters]:
        for words in [str(name), *getattr(name, "translations", {}).values()]:
            found.setdefault(words, name)
    return found


def in_its_language(ctx: Context, message: Message, names: dict[str, object]) -> tuple[str, Message]:
    """(language, the message with the service's, branch's and counter's names in it): what `send` writes."""
    language = message.payload.get("language") or language_of(ctx)
    payload = dict(message.payload)
    for field in ("service", "branch", "counter"):
        configured = names.get(payload.get(field) or "")
        if configured is not None:
            payload[field] = text(configured, language)
    return language, Message(message.id, message.kind, message.channel, message.recipient, payload, message.key,
                             message.attempts)


def deliver_batch(ctx: Context, channels: dict[str, object]) -> Round | None:
    """Claim one batch and deliver it; None when nothing was due."""
    batch = claim(ctx, ctx.config.notifications.batch_size)
    if not batch:
        return None
    done = Round()
    acknowledged: list[Message] = []
    names = _names(ctx)
    for message in batch:
        channel = channels.get(message.channel)
        try:
            if channel is None:
                raise DeliveryFailed(f"channel {message.channel} is not configured")  # i18n: not words (last_error)
            language, localized = in_its_language(ctx, message, names)
            with use(language):
                channel.send(localized)
        except DeliveryFailed as exc:
            _mark_failed(ctx, message, str(exc))
            if message.attempts >= ctx.config.notifications.max_attempts:
                done.dead += 1
            else:
                done.failed += 1
            continue
        acknowledged.append(message)
        done.sent += 1
        if len(acknowledged) >= MARK_EVERY:
            _mark_sent(ctx, acknowledged)
    _mark_sent(ctx, acknowledged)
    return done


def scan_followups(ctx: Context) -> int:
    """Write followup_due / followup_overdue for open follow-ups (once per due time); returns how many
    follow-ups were looked at."""
    section = ctx.config.notifications
    if not section.enabled:
        return 0

    def work() -> int:
        now = ctx.now()
        rows = statements.execute(
            "SELECT f.id, f.due_at, f.reason, s.login, s.name, c.number FROM follow_up f "
            "JOIN staff s ON s.id = f.assignee_id LEFT JOIN customer c ON c.id = f.customer_id "
            "WHERE f.status IN ('open', 'in_progress') AND f.branch_id = ? AND f.due_at <= ?",
            (ctx.branch_id, now + dt.timedelta(hours=section.followup_notice_hours))).fetchall()
        for followup_id, due_at, reason, login, name, customer in rows:
            due_at = _as_datetime(due_at)
            kind = "followup_overdue" if due_at <= now else "followup_due"
            if login in section.staff_emails:
                channel, recipient = "email", section.staff_emails[login]
            elif section.webhook is not None:
                channel, recipient = "webhook", login
            else:
                continue
            due = due_at.replace(tzinfo=dt.UTC).astimezone(_zone(ctx)).strftime("%Y-%m-%d %H:%M")
            enqueue(kind, channel, recipient, {"branch": ctx.config.branch.name, "staff": name, "customer": customer,
                                               "reason": reason, "due": due,
                                               "language": ctx.config.staff_language(login)},
                    f"f{followup_id}:{kind}:{due_at:%Y%m%dT%H%M}", branch_id=ctx.branch_id, now=now)
        return len(rows)

    return transaction(work)


def _zone(ctx: Context):
    import zoneinfo

    return zoneinfo.ZoneInfo(ctx.timezone)


def run(ctx: Context, *, once: bool = False, should_stop=lambda: False, on_round=None) -> Round:
    """Deliver until stopped (or, with once, until nothing is due); returns what was done."""
    section = ctx.config.notifications
    channels = open_channels(section)
    total = Round()
    scanned_at = 0.0
    try:
        while not should_stop():
            if time.monotonic() - scanned_at >= 60 or once and scanned_at == 0.0:
                scan_followups(ctx)
                scanned_at = time.monotonic()
            done = deliver_batch(ctx, channels)
            if done is not None:
                total.add(done)
                if on_round is not None:
                    on_round(done)
                continue
            if once:
                break
            time.sleep(section.poll_seconds)
    finally:
        for channel in channels.values():
            channel.close()
    return total


@dataclass(frozen=True)
class Status:
    pending: int
    failed: int  # tried, waiting for the next try
    sent: int  # all time
    dead: int  # all time
    oldest_pending: dt.datetime | None  # creation time of the oldest message not yet sent


def status() -> Status:
    """The outbox's state: a few index lookups and the tally, whatever the number of sent messages."""
    counts = dict(statements.execute(
        "SELECT 'pending', COUNT(*) FROM notification_outbox WHERE status = 'pending' "
        "UNION ALL SELECT 'failed', COUNT(*) FROM notification_outbox WHERE status = 'failed' "
        "UNION ALL SELECT status, n FROM notification_tally").fetchall())
    oldest = [_as_datetime(r[0]) for r in statements.execute(
        "SELECT MIN(created_at) FROM notification_outbox WHERE status = 'pending' "
        "UNION ALL SELECT MIN(created_at) FROM notification_outbox WHERE status = 'failed'").fetchall()
        if r[0] is not None]
    return Status(pending=counts.get("pending", 0), failed=counts.get("failed", 0), sent=counts.get("sent", 0),
                  dead=counts.get("dead", 0), oldest_pending=min(oldest) if oldest else None)
