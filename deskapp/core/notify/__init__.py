"""Notifications through a transactional outbox: service messages to customers, reminders to staff.

A message is a row in notification_outbox written in the same transaction as the change that caused
it (queue.issue writes "ticket issued", queue.call_next "ticket called" and "your turn is near";
appointments call `enqueue_booking`), so a message exists exactly when its change was saved. A
customer gets messages only on the phone or e-mail they gave for that ticket or booking (a
ticket_contact row); a ticket without one writes nothing. Marketing never goes through here.
`deskapp notify run` (deliver.run) claims due rows, sends them (e-mail over SMTP, a signed webhook,
an SMS gateway) and marks each sent only once its receiver acknowledged it; failures are retried with
exponential backoff and dead-lettered after notifications.max_attempts tries.

Modules: contacts (what a customer may leave), outbox (writing messages), channels (SMTP, webhook,
SMS; the signature), deliver (claiming, sending, retrying; follow-up reminders; status).

May import: deskapp.core's kernel (clock, context), db and config. queue imports this package (it
writes its messages in its own transactions), so it never imports queue.
"""
from __future__ import annotations

from deskapp.core.notify.contacts import Contact, ContactInvalid, contact_from_text, parse_contact, told_where
from deskapp.core.notify.outbox import (
    check_reachable,
    enqueue,
    enqueue_booking,
    offered,
    withdraw_booking_reminders,
)

__all__ = ["Contact", "ContactInvalid", "check_reachable", "contact_from_text", "enqueue", "enqueue_booking", "offered",  # i18n: not words
           "parse_contact", "told_where", "withdraw_booking_reminders"]
