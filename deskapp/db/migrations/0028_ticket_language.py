"""The customer's language on each ticket: ticket.language, the tag they chose at the kiosk ("en", "pt-PT").

The survey after service and the ticket's notifications speak it. Empty for a ticket issued by staff
(reception, the command line) and for tickets from before this version: those speak the branch's
own language (branch.languages' first).
"""
from peewee import CharField


def up(migrator, db):
    migrator.migrate(migrator.add_column("ticket", "language", CharField(max_length=16, null=True)))


def down(migrator, db):
    migrator.migrate(migrator.drop_column("ticket", "language"))
