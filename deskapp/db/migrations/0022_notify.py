"""Notifications through a transactional outbox, and a customer's "tell me when it's my turn" contact.

notification_outbox: one row per message to send, written in the same transaction as the change that
caused it (a ticket issued or called, a booking confirmed ...), so a message exists exactly when its
change was saved. kind (ticket_issued, turn_soon, ...), channel (email, webhook, sms), recipient (an
address, E.164 digits, or a staff login for staff messages), payload (JSON: the values the template is
filled with), idempotency_key UNIQUE (the same event never makes two rows; it is also sent to the
receiver so it can drop a repeat), status pending/sent/failed/dead, attempts, next_attempt_at (the
deliverer claims rows due by then; a claim pushes it forward as a lease, so a deliverer killed mid-batch
leaves its rows to be retried, never marked sent), not_before (a reminder's earliest time), last_error,
created_at, sent_at, branch_id.
Index: (status, next_attempt_at), for the claim and for counting and dating what is not yet sent (few
rows when all is well; one index less to write at every issue and call).

notification_tally: how many messages ever reached each final state (sent, dead), kept by the
deliverer in the transaction that marks them, so `deskapp notify status` counts 1,000,000 sent rows by
reading one row instead of scanning them.

ticket_contact: a phone (E.164 digits) or e-mail a customer left for this ticket alone; service messages
go only there. soon_pending: the "your turn soon" message is still to be written (indexed, so a call
looks only at the few waiting tickets that asked).

A frozen copy of the tables as they are at this version.
"""
from peewee import BooleanField, CharField, DateTimeField, ForeignKeyField, IntegerField, Model, TextField


def up(migrator, db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class Branch(Base):
        class Meta:
            table_name = "branch"

    class Ticket(Base):
        class Meta:
            table_name = "ticket"

    class NotificationOutbox(Base):
        kind = CharField(max_length=32)
        channel = CharField(max_length=12)
        recipient = CharField(max_length=255)
        payload = TextField()
        idempotency_key = CharField(max_length=120, unique=True)
        status = CharField(max_length=10, default="pending")
        attempts = IntegerField(default=0)
        next_attempt_at = DateTimeField()
        not_before = DateTimeField(null=True)
        last_error = TextField(null=True)
        created_at = DateTimeField()
        sent_at = DateTimeField(null=True)
        branch = ForeignKeyField(Branch, null=True, index=False)

        class Meta:
            indexes = ((("status", "next_attempt_at"), False),)

    class NotificationTally(Base):
        status = CharField(max_length=10, primary_key=True)
        n = IntegerField(default=0)

    class TicketContact(Base):
        ticket = ForeignKeyField(Ticket, unique=True, on_delete="CASCADE")
        phone = CharField(max_length=20, null=True)
        email = CharField(max_length=255, null=True)
        soon_pending = BooleanField(default=False, index=True)
        created_at = DateTimeField()

    db.create_tables([NotificationOutbox, NotificationTally, TicketContact])
    db.execute_sql("INSERT INTO notification_tally (status, n) VALUES ('sent', 0), ('dead', 0)")


def down(migrator, db):
    for table in ("ticket_contact", "notification_tally", "notification_outbox"):
        db.execute_sql(f"DROP TABLE {table}")
