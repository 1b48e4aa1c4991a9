"""Writing messages to the outbox, inside the caller's transaction, as a few plain statements.

Every function here runs inside a transaction the caller already holds (queue.issue's, queue.call_next's,
an appointment's), so the message is saved exactly when its change is. They are plain SQL
(deskapp.db.statements) because call-next holds the write lock while they run, and they cost nothing
for a ticket that left no contact: one indexed lookup at a call, no write at all.

Idempotency keys name the event, never the attempt: `t<ticket id>:<kind>:<channel>` for a ticket,
`b<code>:<kind>[:<hours>h]:<slot>:<channel>` for a booking, `f<follow-up id>:<kind>:<due>` for staff. A
second write of the same event (a retried transaction, a rescanned follow-up) is dropped by the UNIQUE
key, and receivers get the key with every delivery to drop a repeated one.
"""
from __future__ import annotations

import datetime as dt
import json
import zoneinfo

from deskapp.config.schema import Config
from deskapp.core.context import Context
from deskapp.core.notify.contacts import Contact, ContactInvalid, parse_contact
from deskapp.db import statements
from deskapp.db.database import is_postgres

HOLD = dt.timedelta(seconds=30)
"""A "ticket issued" message waits this long for its expected wait (estimated just after the issue's
transaction, then filled in); should the issuing process die between the two, it goes without it."""


def enqueue(kind: str, channel: str, recipient: str, payload: dict, key: str, *, branch_id: int | None,
            now: dt.datetime, not_before: dt.datetime | None = None, due: dt.datetime | None = None) -> None:
    """One message, unless one with the same idempotency key exists already."""
    start = max(x for x in (now, not_before, due) if x is not None)
    _insert([(kind, channel, recipient, payload, key, start, not_before)], branch_id, now)


def _insert(rows: list[tuple], branch_id: int | None, now: dt.datetime) -> None:
    """(kind, channel, recipient, payload, key, due, not_before) rows in one statement; repeats of a key dropped."""
    if not rows:
        return
    values = ", ".join("(?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?, ?)" for _ in rows)
    params: list = []
    for kind, channel, recipient, payload, key, due, not_before in rows:
        params += [kind, channel, recipient, json.dumps(payload, ensure_ascii=False), key, due, not_before, now,
                   branch_id]
    statements.execute(
        "INSERT INTO notification_outbox (kind, channel, recipient, payload, idempotency_key, status, attempts, "
        f"next_attempt_at, not_before, created_at, branch_id) VALUES {values} ON CONFLICT (idempotency_key) DO NOTHING",
        tuple(params))


def configured_channels(ctx: Context) -> list[tuple[str, str]]:
    """(channel, the contact's field it sends to: phone or email) for each channel this branch has."""
    section = ctx.config.notifications
    found = []
    if section.email is not None:
        found.append(("email", "email"))
    if section.phone_channel == "sms" and section.sms is not None:
        found.append(("sms", "phone"))
    elif section.phone_channel == "webhook" and section.webhook is not None:
        found.append(("webhook", "phone"))
    return found


def channels_for(ctx: Context, contact: Contact) -> list[tuple[str, str]]:
    """(channel, recipient) for each way this contact can be reached with the channels configured."""
    reach = {"email": contact.email, "phone": contact.phone}
    return [(channel, reach[field]) for channel, field in configured_channels(ctx) if reach[field]]


def offered(config: Config) -> tuple[bool, bool]:
    """(phone, e-mail): which contacts this branch can send to, so the kiosk and reception offer only those."""
    section = config.notifications
    if not section.enabled:
        return False, False
    phone = section.sms is not None if section.phone_channel == "sms" else section.webhook is not None
    return phone, section.email is not None


def check_reachable(ctx: Context, contact: Contact | None) -> None:
    """ContactInvalid when the customer left a contact this branch cannot send to (notifications off,
    or no channel for it): they would wait for a message that never comes."""
    if not contact:
        return
    phone, email = offered(ctx.config)
    if not ctx.config.notifications.enabled:
        raise ContactInvalid("this branch sends no notifications (notifications.enabled is off)")
    if contact.phone and not phone:
        raise ContactInvalid("this branch sends no messages to phones (no notifications.sms gateway configured)")
    if contact.email and not email:
        raise ContactInvalid("this branch sends no e-mail (no notifications.email server configured)")


# --- tickets -------------------------------------------------------------------------------------------

def on_issue(ctx: Context, ticket_id: int, contact: Contact | None, *, now: dt.datetime, number: str,
             service_id: int, service_name: str, hold: bool = True) -> list[tuple[str, dict]]:
    """In the issue's transaction, for a ticket just written (waiting, at the back of its line): keep the
    contact and write "ticket issued" for each of its channels, held for `after_estimate` (hold: it
    fills in the position and wait) or due at once with the position counted here. Returns (key,
    payload) of the messages held."""
    if not contact or not ctx.config.notifications.enabled:
        return []
    position = None
    if not hold:
        position = statements.execute(
            "SELECT COUNT(*) FROM ticket WHERE branch_id = ? AND service_id = ? AND status = 'waiting'",
            (ctx.branch_id, service_id)).fetchone()[0]
    # Whether "your turn is near" is still to come is known only once the place is: after_estimate
    # clears it for a ticket already near; until then the first call of its line looks at it.
    near = position is not None and position <= ctx.config.notifications.turn_soon_position
    statements.execute(
        "INSERT INTO ticket_contact (ticket_id, phone, email, soon_pending, created_at) VALUES (?, ?, ?, ?, ?)",
        (ticket_id, contact.phone, contact.email, not near, now))
    payload = {"branch": ctx.config.branch.name, "service": service_name, "number": number,
               "position": position, "wait_minutes": None}
    rows = [("ticket_issued", channel, recipient, payload, f"t{ticket_id}:ticket_issued:{channel}",
             now + HOLD if hold else now, None) for channel, recipient in channels_for(ctx, contact)]
    _insert(rows, ctx.branch_id, now)
    return [(row[4], payload) for row in rows] if hold else []


def after_estimate(ctx: Context, ticket_id: int, written: list[tuple[str, dict]], position: int,
                   wait_minutes: int | None, now: dt.datetime) -> None:
    """Fill the place and expected wait into "ticket issued" messages not yet tried, and release them."""
    if position and position <= ctx.config.notifications.turn_soon_position:
        statements.execute("UPDATE ticket_contact SET soon_pending = ? WHERE ticket_id = ?", (False, ticket_id))
    for key, payload in written:
        payload = {**payload, "position": position or None, "wait_minutes": wait_minutes}
        statements.execute(
            "UPDATE notification_outbox SET payload = ?, next_attempt_at = ? "
            "WHERE idempotency_key = ? AND status = 'pending' AND attempts = 0",
            (json.dumps(payload, ensure_ascii=False), now, key))


def on_call(ctx: Context, ticket_id: int, counter_name: str, *, now: dt.datetime) -> None:
    """In call-next's transaction: "it's your turn" to the called ticket's contact, and "your turn is
    near" to each waiting ticket of its service that asked and has now reached the configured place."""
    section = ctx.config.notifications
    if not section.enabled:
        return
    branch = ctx.config.branch.name
    if is_postgres():
        _on_call_in_one_statement(ctx, ticket_id, counter_name, now)
        return
    rows: list[tuple] = []
    # One read answers both questions (call-next holds the write lock meanwhile): the called ticket's
    # contact, if any, and whether any other ticket still waits for its "your turn is near".
    phone, email, pending, number, service_name, others_pending = statements.execute(
        "SELECT c.phone, c.email, c.soon_pending, t.number, s.name, "
        "EXISTS (SELECT 1 FROM ticket_contact p WHERE p.soon_pending = ? AND p.ticket_id <> t.id) "
        "FROM ticket t JOIN service s ON s.id = t.service_id LEFT JOIN ticket_contact c ON c.ticket_id = t.id "
        "WHERE t.id = ?", (True, ticket_id)).fetchone()
    cleared = [ticket_id] if pending else []
    if phone or email:
        payload = {"branch": branch, "service": service_name, "number": number, "counter": counter_name}
        rows += [("ticket_called", channel, recipient, payload, f"t{ticket_id}:ticket_called:{channel}", now, None)
                 for channel, recipient in channels_for(ctx, Contact(phone, email))]
    if others_pending:
        soon, reached = _turn_soon(ctx, ticket_id, branch, now)
        rows += soon
        cleared += reached
    if cleared:  # their "your turn is near" is sent now, or no longer due (the called ticket's)
        marks = ", ".join("?" for _ in cleared)
        statements.execute(f"UPDATE ticket_contact SET soon_pending = ? WHERE ticket_id IN ({marks})",
                           (False, *cleared))
    _insert(rows, ctx.branch_id, now)


def _on_call_in_one_statement(ctx: Context, ticket_id: int, counter_name: str, now: dt.datetime) -> None:
    """on_call on PostgreSQL as one statement: every round trip inside call-next's transaction lengthens
    the time the claim's locks are held (four statements took 1.34 x call-next's time with every ticket
    told by phone and e-mail; on SQLite, in process, the same four cost 1.06 x). The same messages as
    the statements above: the called ticket's "ticket called", "turn soon" for each waiting ticket of
    its line that reached the configured place and still waits for it, their flags cleared."""
    channels = configured_channels(ctx)
    if not channels:
        return
    pairs = ", ".join("(?, ?)" for _ in channels)
    statements.execute(
        "WITH called AS (SELECT t.id, t.number, t.service_id, s.name AS service FROM ticket t "
        "  JOIN service s ON s.id = t.service_id WHERE t.id = ?), "
        "front AS (SELECT t.id, t.number, row_number() OVER (ORDER BY t.front DESC, t.queued_at, t.id) AS place "
        "  FROM ticket t WHERE t.branch_id = ? AND t.status = 'waiting' "
        "  AND t.service_id = (SELECT service_id FROM called) ORDER BY t.front DESC, t.queued_at, t.id LIMIT ?), "
        "told AS (SELECT c.id AS ticket_id, 'ticket_called' AS kind, json_build_object('branch', ?::text, "
        "    'service', c.service, 'number', c.number, 'counter', ?::text) AS payload FROM called c "
        "  UNION ALL SELECT f.id, 'turn_soon', json_build_object('branch', ?::text, "
        "    'service', (SELECT service FROM called), 'number', f.number, 'position', f.place) "
        "  FROM front f JOIN ticket_contact k ON k.ticket_id = f.id AND k.soon_pending), "
        "cleared AS (UPDATE ticket_contact SET soon_pending = FALSE WHERE soon_pending "
        "  AND ticket_id IN (SELECT ticket_id FROM told)) "
        "INSERT INTO notification_outbox (kind, channel, recipient, payload, idempotency_key, status, attempts, "
        "  next_attempt_at, not_before, created_at, branch_id) "
        "SELECT m.kind, m.channel, m.recipient, m.payload::text, "
        "  't' || m.ticket_id || ':' || m.kind || ':' || m.channel, 'pending', 0, ?, NULL, ?, ? "
        "FROM (SELECT o.ticket_id, o.kind, o.payload, ch.channel, "
        "        CASE ch.field WHEN 'email' THEN k.email ELSE k.phone END AS recipient "
        f"      FROM told o JOIN ticket_contact k ON k.ticket_id = o.ticket_id CROSS JOIN (VALUES {pairs}) ch(channel, field)) m "
        "WHERE m.recipient IS NOT NULL ON CONFLICT (idempotency_key) DO NOTHING",
        (ticket_id, ctx.branch_id, ctx.config.notifications.turn_soon_position, ctx.config.branch.name, counter_name,
         ctx.config.branch.name, now, now, ctx.branch_id, *(v for pair in channels for v in pair)))


def _turn_soon(ctx: Context, ticket_id: int, branch: str, now: dt.datetime) -> tuple[list[tuple], list[int]]:
    """The "your turn is near" messages due now, and the tickets they go to (only the first
    turn_soon_position tickets of the called ticket's line can have reached that place)."""
    front = statements.execute(
        "SELECT t.id, t.number, s.name, c.phone, c.email, c.soon_pending FROM ticket t "
        "JOIN service s ON s.id = t.service_id LEFT JOIN ticket_contact c ON c.ticket_id = t.id "
        "WHERE t.branch_id = ? AND t.status = 'waiting' AND t.service_id = (SELECT service_id FROM ticket WHERE id = ?) "
        "ORDER BY t.front DESC, t.queued_at, t.id LIMIT ?",
        (ctx.branch_id, ticket_id, ctx.config.notifications.turn_soon_position)).fetchall()
    rows: list[tuple] = []
    for place, (waiting_id, number, service_name, phone, email, pending) in enumerate(front, start=1):
        if pending:
            payload = {"branch": branch, "service": service_name, "number": number, "position": place}
            rows += [("turn_soon", channel, recipient, payload, f"t{waiting_id}:turn_soon:{channel}", now, None)
                     for channel, recipient in channels_for(ctx, Contact(phone, email))]
    return rows, [row[0] for row in front if row[5]]


# --- bookings ------------------------------------------------------------------------------------------

BOOKING_EVENTS = ("booking_confirmed", "booking_moved", "booking_cancelled")


def _local(at: dt.datetime, timezone: str) -> tuple[str, str]:
    local = at.replace(tzinfo=dt.UTC).astimezone(zoneinfo.ZoneInfo(timezone))
    return local.strftime("%Y-%m-%d"), local.strftime("%H:%M")


def withdraw_booking_reminders(code: str) -> int:
    """Remove a booking's reminders not yet sent (it was moved or cancelled); returns how many."""
    return statements.execute(
        "DELETE FROM notification_outbox WHERE kind = 'booking_reminder' AND idempotency_key LIKE ? "
        "AND status IN ('pending', 'failed')", (f"b{code}:booking_reminder:%",)).rowcount


def enqueue_booking(ctx: Context, kind: str, *, code: str, at: dt.datetime, service: str,
                    phone: str | None = None, email: str | None = None, branch: str | None = None,
                    customer: str | None = None, previous_at: dt.datetime | None = None,
                    now: dt.datetime | None = None, timezone: str | None = None) -> int:
    """Write a booking's message, inside the caller's transaction (the booking's own); returns the rows written.

    kind: booking_confirmed (also schedules a booking_reminder per notifications.reminder_hours, each
    not before its time and only while still ahead), booking_moved (previous_at: the old slot; the old
    reminders are withdrawn and new ones scheduled) or booking_cancelled (reminders withdrawn). `at`
    and `previous_at` are naive UTC; `phone`/`email` are what the customer gave for this booking (a
    phone as typed or E.164 digits), and nothing is written without one. `branch` is the branch's
    name (default: this desk's), `timezone` its time zone (the date and time in the message are the
    branch's wall time; default: this desk's), `service` the service's name, `customer` how to address them.
    """
    if kind not in BOOKING_EVENTS:
        raise ValueError(f"enqueue_booking: unknown kind {kind!r}; one of {', '.join(BOOKING_EVENTS)}")
    section = ctx.config.notifications
    now = now or ctx.now()
    if kind != "booking_confirmed":
        withdraw_booking_reminders(code)
    contact = parse_contact(ctx, phone, email)
    if not section.enabled or not contact:
        return 0
    zone = timezone or ctx.timezone
    date, time = _local(at, zone)
    payload = {"branch": branch or ctx.config.branch.name, "service": service, "code": code, "date": date,
               "time": time, "customer": customer}
    if previous_at is not None:
        payload["previous_date"], payload["previous_time"] = _local(previous_at, zone)
    slot = at.strftime("%Y%m%dT%H%M")
    written = 0
    for channel, recipient in channels_for(ctx, contact):
        enqueue(kind, channel, recipient, payload, f"b{code}:{kind}:{slot}:{channel}", branch_id=ctx.branch_id, now=now)
        written += 1
        if kind == "booking_cancelled":
            continue
        for hours in sorted(set(section.reminder_hours), reverse=True):
            send_at = at - dt.timedelta(hours=hours)
            if send_at <= now:
                continue
            enqueue("booking_reminder", channel, recipient, {**payload, "hours_before": hours},
                    f"b{code}:booking_reminder:{hours}h:{slot}:{channel}", branch_id=ctx.branch_id, now=now,
                    not_before=send_at)
            written += 1
    return written
