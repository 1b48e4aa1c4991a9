"""ticket.has_contact: the customer left a phone or e-mail for this ticket (a ticket_contact row), and a
partial index of the waiting tickets that did, per branch.

Call-next asks, in the read it already makes, whether any ticket waiting at the branch has a contact;
only then does the call carry its messages ("ticket called", "your turn is near": deskapp.core.notify
.outbox.call_messages). Most tickets leave none, and a call that writes no message no longer pays for
the rule's statement (#17: PostgreSQL call-next took 1.16-1.31 x its time with notifications on and no
contact anywhere). The index holds only waiting tickets with a contact: usually empty, never large.
"""
from peewee import PostgresqlDatabase

INDEX = "CREATE INDEX ticket_waiting_contact ON ticket (branch_id) WHERE status = 'waiting' AND has_contact"


def up(migrator, db):
    # Plain ALTER TABLE on both: the migrator's NOT NULL step rebuilds an SQLite table, which the
    # feedback summary's triggers on ticket do not survive.
    false = "false" if isinstance(db, PostgresqlDatabase) else "0"
    db.execute_sql(f"ALTER TABLE ticket ADD COLUMN has_contact BOOLEAN NOT NULL DEFAULT {false}")
    db.execute_sql(f"UPDATE ticket SET has_contact = {db.param} WHERE id IN (SELECT ticket_id FROM ticket_contact)",
                   (True,))
    db.execute_sql(INDEX)


def down(migrator, db):
    db.execute_sql("DROP INDEX ticket_waiting_contact")
    db.execute_sql("ALTER TABLE ticket DROP COLUMN has_contact")
