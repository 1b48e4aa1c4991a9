"""ticket_contact without its index on soon_pending: one B-tree less to write at every issue with a contact.

A call used it to ask whether any ticket still waited for its "your turn is near"; the call's
messages are now one rule (deskapp.core.notify.outbox.call_messages) that goes from the first few
waiting tickets of the called ticket's line to their contacts by ticket_id (its unique index), so
nothing reads soon_pending through an index any more.
"""


def up(migrator, db):
    db.execute_sql("DROP INDEX ticket_contact_soon_pending")


def down(migrator, db):
    db.execute_sql("CREATE INDEX ticket_contact_soon_pending ON ticket_contact (soon_pending)")
