"""A booking's contact for its messages: what the customer gave for this booking, nothing else.

appointment.notify_phone (E.164 digits) and appointment.notify_email: where the booking's service
messages go (confirmed, reminders, moved, cancelled; deskapp.core.notify). Empty: no message. Cleared
with the booking's customer data by an erasure.
"""
from peewee import CharField


def up(migrator, db):
    migrator.migrate(
        migrator.add_column("appointment", "notify_phone", CharField(max_length=20, null=True)),
        migrator.add_column("appointment", "notify_email", CharField(max_length=254, null=True)),
    )


def down(migrator, db):
    migrator.migrate(migrator.drop_column("appointment", "notify_phone"),
                     migrator.drop_column("appointment", "notify_email"))
