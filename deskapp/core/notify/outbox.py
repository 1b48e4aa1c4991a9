"""Writing messages to the outbox, inside the caller's transaction, as a few plain statements.

Every function here runs inside a transaction the caller already holds (queue.issue's, queue.call_next's,
an appointment's), so the message is saved exactly when its change is. They are plain SQL
(deskapp.db.statements) because call-next holds the write lock while they run: an issue with a contact
adds two statements on SQLite (three when it counts its place itself) and one on PostgreSQL (where
each is a round trip), a call two on SQLite and none on PostgreSQL (its messages are CTEs of the
claim's own statement); a ticket without a contact writes nothing.

Idempotency keys name the event, never the attempt: `t<ticket id>:<kind>:<channel>` for a ticket,
`b<code>:<kind>[:<hours>h]:<slot>:<channel>` for a booking, `f<follow-up id>:<kind>:<due>` for staff. A
second write of the same event (a retried transaction, a rescanned follow-up) is dropped by the UNIQUE
key, and receivers get the key with every delivery to drop a repeated one.

Each payload carries the `language` its message is written in when delivered (deliver.py): the
ticket's (ticket.language, the customer's choice at the kiosk), else the branch's own (its first);
a booking's, the branch's; a follow-up's, its assignee's.
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
from deskapp.i18n import _

HOLD = dt.timedelta(seconds=30)
"""A "ticket issued" message waits this long for its expected wait (estimated just after the issue's
transaction, then filled in); should the issuing process die between the two, it goes without it."""


_JSON = json.JSONEncoder(ensure_ascii=False)
"""json.dumps(..., ensure_ascii=False) makes an encoder per call; the issue's transaction keeps this one."""


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
    texts: dict[int, str] = {}  # the channels of one event share its payload: written out once
    for kind, channel, recipient, payload, key, due, not_before in rows:
        text = texts.get(id(payload))
        if text is None:
            text = texts[id(payload)] = _JSON.encode(payload)
        params += [kind, channel, recipient, text, key, due, not_before, now, branch_id]
    statements.execute(
        "INSERT INTO notification_outbox (kind, channel, recipient, payload, idempotency_key, status, attempts, "  # i18n: not words
        f"next_attempt_at, not_before, created_at, branch_id) VALUES {values} ON CONFLICT (idempotency_key) DO NOTHING",
        tuple(params))


def language_of(ctx: Context, chosen: str | None = None) -> str:
    """The language a message is written in: the one chosen (the customer's, a staff member's), else the branch's own."""
    return chosen or ctx.config.branch.language


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
        raise ContactInvalid(_("This branch sends no notifications (notifications.enabled is off)."))
    if contact.phone and not phone:
        raise ContactInvalid(_("This branch sends no messages to phones (no notifications.sms gateway configured)."))
    if contact.email and not email:
        raise ContactInvalid(_("This branch sends no e-mail (no notifications.email server configured)."))


# --- tickets -------------------------------------------------------------------------------------------

def _param(name: str) -> str:
    """A named placeholder in the bound database's style (SQLite :name, psycopg %(name)s)."""
    return f"%({name})s" if is_postgres() else f":{name}"


def waiting_in_line(service_id: int) -> int:
    """How many tickets of the service wait (by the (status, service_id) index: only the waiting ones
    are read). The place of a ticket issued last, as a "ticket issued" message sent at once gives it."""
    return statements.execute("SELECT COUNT(*) FROM ticket WHERE status = 'waiting' AND service_id = ?",
                              (service_id,)).fetchone()[0]


def keeps_contact(ctx: Context, contact: Contact | None) -> bool:
    """Whether an issue with `contact` keeps it (a ticket_contact row, ticket.has_contact): only while
    notifications are on."""
    return bool(contact) and ctx.config.notifications.enabled


def on_issue(ctx: Context, ticket_id: int, contact: Contact | None, *, now: dt.datetime, number: str,
             service_id: int, service_name: str, hold: bool = True, language: str | None = None,
             ) -> list[tuple[str, dict]]:
    """In the issue's transaction, for a ticket just written (waiting, at the back of its line): keep the
    contact and write "ticket issued" for each of its channels, held for `after_estimate` (hold: it
    fills in the position and wait) or due at once with the place counted here (waiting_in_line).
    Returns (key, payload) of the messages held. `language`: the ticket's (None: the branch's).

    Two statements on SQLite (the contact; every message in one multi-row INSERT), one on PostgreSQL
    (a round trip each there: the place, the contact and the messages in one data-modifying statement)."""
    if not keeps_contact(ctx, contact):
        return []
    payload = {"branch": ctx.config.branch.name, "service": service_name, "number": number,
               "position": None, "wait_minutes": None, "language": language_of(ctx, language)}
    rows = [("ticket_issued", channel, recipient, payload, f"t{ticket_id}:ticket_issued:{channel}",
             now + HOLD if hold else now, None) for channel, recipient in channels_for(ctx, contact)]
    soon = ctx.config.notifications.turn_soon_position
    if is_postgres():
        _issue_in_one_statement(ctx, ticket_id, contact, rows, service_id, soon, now, hold)
    else:
        # Whether "your turn is near" is still to come is known only once the place is: after_estimate
        # clears it for a ticket already near; until then the first call of its line looks at it.
        position = None if hold else waiting_in_line(service_id)
        statements.execute(
            "INSERT INTO ticket_contact (ticket_id, phone, email, soon_pending, created_at) VALUES (?, ?, ?, ?, ?)",
            (ticket_id, contact.phone, contact.email, position is None or position > soon, now))
        if position is not None:
            payload = {**payload, "position": position}
            rows = [(*row[:3], payload, *row[4:]) for row in rows]
        _insert(rows, ctx.branch_id, now)
    return [(row[4], payload) for row in rows] if hold else []


def _issue_in_one_statement(ctx: Context, ticket_id: int, contact: Contact, rows: list[tuple], service_id: int,
                            soon: int, now: dt.datetime, hold: bool) -> None:
    """on_issue on PostgreSQL: the place (unless held), the contact and the messages in one statement."""
    place = ("(SELECT COUNT(*) FROM ticket WHERE status = 'waiting' AND service_id = %(service)s)" if not hold  # i18n: not words
             else "NULL::bigint")  # i18n: not words
    values = ", ".join(
        f"(%(kind{i})s, %(channel{i})s, %(recipient{i})s, %(key{i})s, %(due{i})s)" for i in range(len(rows)))
    params: dict = {"ticket": ticket_id, "phone": contact.phone, "email": contact.email, "soon": soon, "now": now,
                    "service": service_id, "branch": ctx.branch_id,
                    "payload": _JSON.encode(rows[0][3]) if rows else "{}"}
    for i, (kind, channel, recipient, _payload, key, due, _not_before) in enumerate(rows):
        params.update({f"kind{i}": kind, f"channel{i}": channel, f"recipient{i}": recipient, f"key{i}": key,
                       f"due{i}": due})
    messages = ("INSERT INTO notification_outbox (kind, channel, recipient, payload, idempotency_key, status, "  # i18n: not words
                "attempts, next_attempt_at, not_before, created_at, branch_id) "
                "SELECT m.kind, m.channel, m.recipient, CASE WHEN place.n IS NULL THEN CAST(%(payload)s AS TEXT) ELSE "
                "jsonb_set(CAST(%(payload)s AS TEXT)::jsonb, '{position}', to_jsonb(place.n))::text END, m.key, 'pending', 0, "
                f"m.due, NULL, %(now)s, %(branch)s FROM place, (VALUES {values}) AS m (kind, channel, recipient, key, due) "
                "ON CONFLICT (idempotency_key) DO NOTHING") if rows else "SELECT 1"
    statements.execute_named(
        f"WITH place AS (SELECT {place} AS n), "  # i18n: not words
        "contact AS (INSERT INTO ticket_contact (ticket_id, phone, email, soon_pending, created_at) "
        "  SELECT %(ticket)s, %(phone)s, %(email)s, place.n IS NULL OR place.n > %(soon)s, %(now)s FROM place) "
        + messages, params)


def after_estimate(ctx: Context, ticket_id: int, written: list[tuple[str, dict]], position: int,
                   wait_minutes: int | None, now: dt.datetime) -> None:
    """Fill the place and expected wait into "ticket issued" messages not yet tried, and release them."""
    if position and position <= ctx.config.notifications.turn_soon_position:
        statements.execute("UPDATE ticket_contact SET soon_pending = ? WHERE ticket_id = ?", (False, ticket_id))
    if not written:
        return
    # Every channel's message of one issue carries the same payload: one UPDATE for them all.
    payload = {**written[0][1], "position": position or None, "wait_minutes": wait_minutes}
    marks = ", ".join("?" for _ in written)
    statements.execute(
        "UPDATE notification_outbox SET payload = ?, next_attempt_at = ? "  # i18n: not words
        f"WHERE idempotency_key IN ({marks}) AND status = 'pending' AND attempts = 0",
        (_JSON.encode(payload), now, *(key for key, _ in written)))


def call_messages(ctx: Context, counter_name: str, now: dt.datetime, *, called: str | None = None,
                  ) -> tuple[str, dict] | None:
    """The rule of a call's messages, as SQL both databases run: "ticket called" to the called ticket's
    contact, and "your turn is near" to each waiting ticket of its line that asked, still waits for it
    and is now among the first notifications.turn_soon_position (only those can have reached that
    place); their flags cleared. Each payload names its ticket's language (else the branch's).

    Returns (CTEs, named parameters): `called AS (...)`, `front`, `told` (ticket_id, kind, payload)
    and `messages` (the outbox rows). `called` is SQL giving the called ticket's (id, number,
    service_id); by default the ticket of the parameter `ticket`. None when no channel is configured.
    PostgreSQL folds these into the claim's statement (deskapp.db.statements.claim_first); SQLite runs
    them after its claim (on_call)."""
    channels = configured_channels(ctx)
    if not ctx.config.notifications.enabled or not channels:
        return None
    p = _param
    obj = "json_build_object" if is_postgres() else "json_object"
    called = called or f"SELECT id, number, service_id FROM ticket WHERE id = {p('ticket')}"
    pairs = " UNION ALL ".join(f"SELECT {p(f'ch{i}')} AS channel, {p(f'field{i}')} AS field"
                               for i in range(len(channels)))
    params: dict = {"branch_name": ctx.config.branch.name, "counter_name": counter_name,
                    "soon": ctx.config.notifications.turn_soon_position, "now": now, "branch": ctx.branch_id,
                    "language": language_of(ctx)}
    for i, (channel, field) in enumerate(channels):
        params[f"ch{i}"], params[f"field{i}"] = channel, field
    ctes = (
        f"called AS (SELECT c.id, c.number, c.service_id, s.name AS service, "  # i18n: not words
        f"  COALESCE(l.language, CAST({p('language')} AS TEXT)) AS language FROM ({called}) AS c "
        "  JOIN service s ON s.id = c.service_id JOIN ticket l ON l.id = c.id), "
        # The line as the snapshot has it: on PostgreSQL the claim in the same statement is not yet
        # seen, so the called ticket is left out by its id.
        "front AS (SELECT f.id, f.number, f.place, f.language FROM ("
        "  SELECT t.id, t.number, t.language, row_number() OVER (ORDER BY t.front DESC, t.queued_at, t.id) AS place FROM ticket t "
        "  WHERE t.status = 'waiting' AND t.service_id = (SELECT service_id FROM called) "
        f"  AND t.id <> (SELECT id FROM called) ORDER BY t.front DESC, t.queued_at, t.id LIMIT {p('soon')}) AS f), "
        f"told AS (SELECT c.id AS ticket_id, 'ticket_called' AS kind, {obj}('branch', CAST({p('branch_name')} AS TEXT), "
        f"    'service', c.service, 'number', c.number, 'counter', CAST({p('counter_name')} AS TEXT), "
        "    'language', c.language) AS payload FROM called c "
        f"  UNION ALL SELECT f.id, 'turn_soon', {obj}('branch', CAST({p('branch_name')} AS TEXT), "
        "    'service', (SELECT service FROM called), 'number', f.number, 'position', f.place, "
        f"    'language', COALESCE(f.language, CAST({p('language')} AS TEXT))) "
        "  FROM front f JOIN ticket_contact k ON k.ticket_id = f.id AND k.soon_pending), "
        "messages AS (SELECT o.kind, ch.channel, CASE ch.field WHEN 'email' THEN k.email ELSE k.phone END AS recipient, "
        "    CAST(o.payload AS TEXT) AS payload, 't' || o.ticket_id || ':' || o.kind || ':' || ch.channel AS key "
        f"  FROM told o JOIN ticket_contact k ON k.ticket_id = o.ticket_id CROSS JOIN ({pairs}) AS ch)")
    return ctes, params


CALL_INSERT = (
    "INSERT INTO notification_outbox (kind, channel, recipient, payload, idempotency_key, status, attempts, "
    "next_attempt_at, not_before, created_at, branch_id) SELECT kind, channel, recipient, payload, key, 'pending', 0, "
    "{now}, NULL, {now}, {branch} FROM messages WHERE recipient IS NOT NULL ON CONFLICT (idempotency_key) DO NOTHING")
"""The INSERT of call_messages' rows (placeholders filled per database)."""
CALL_CLEAR = "UPDATE ticket_contact SET soon_pending = {false} WHERE soon_pending AND ticket_id IN (SELECT ticket_id FROM told)"
"""Their "your turn is near" is sent now, or no longer due (the called ticket's own)."""


def on_call(ctx: Context, ticket_id: int, counter_name: str, *, now: dt.datetime) -> None:
    """In the transaction that called `ticket_id` (SQLite's call-next, picking a ticket on either
    database; PostgreSQL's call-next folds the same rule into its claim, on_call_in_claim): the
    messages of call_messages, and the flags cleared, in two statements."""
    found = call_messages(ctx, counter_name, now)
    if found is None:
        return
    ctes, params = found
    params["ticket"] = ticket_id
    statements.execute_named(f"WITH {ctes} " + CALL_INSERT.format(now=_param("now"), branch=_param("branch")), params)  # i18n: not words
    params["false"] = False
    statements.execute_named(f"WITH {ctes} " + CALL_CLEAR.format(false=_param("false")), params)  # i18n: not words


def on_call_in_claim(ctx: Context, counter_name: str, now: dt.datetime) -> tuple[str, dict] | None:
    """PostgreSQL: call_messages as CTEs for the claim's statement, which defines `claimed` (the ticket
    it claims, if any): one round trip for the claim and its messages (inside call-next's lock)."""
    found = call_messages(ctx, counter_name, now, called="SELECT id, number, service_id FROM claimed")
    if found is None:
        return None
    ctes, params = found
    return (f"{ctes}, outbox AS ({CALL_INSERT.format(now='%(now)s', branch='%(branch)s')} RETURNING 1), "  # i18n: not words
            f"cleared AS ({CALL_CLEAR.format(false='false')})"), params


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
                    now: dt.datetime | None = None, timezone: str | None = None, language: str | None = None) -> int:
    """Write a booking's message, inside the caller's transaction (the booking's own); returns the rows written.

    kind: booking_confirmed (also schedules a booking_reminder per notifications.reminder_hours, each
    not before its time and only while still ahead), booking_moved (previous_at: the old slot; the old
    reminders are withdrawn and new ones scheduled) or booking_cancelled (reminders withdrawn). `at`
    and `previous_at` are naive UTC; `phone`/`email` are what the customer gave for this booking (a
    phone as typed or E.164 digits), and nothing is written without one. `branch` is the branch's
    name (default: this desk's), `timezone` its time zone (the date and time in the message are the
    branch's wall time; default: this desk's), `service` the service's name, `customer` how to address them,
    `language` the one to write in (default: the branch's own).
    """
    if kind not in BOOKING_EVENTS:
        raise ValueError(f"enqueue_booking: unknown kind {kind!r}; one of {', '.join(BOOKING_EVENTS)}")  # i18n: not words
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
               "time": time, "customer": customer, "language": language_of(ctx, language)}
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
