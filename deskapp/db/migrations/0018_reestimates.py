"""Wait re-estimates: an estimate shown for a waiting ticket after its issue, kept as it was shown.

wait_reestimate: ticket, at (when shown), point (expected minutes), low / high (the 10th-90th
percentile range, minutes; empty with no range), shown_in (where: `queue ticket`, ...). A row is
written only when what is shown changes (a new whole minute in the point or the range), so a screen
refreshing adds nothing. Append-only. The index on (ticket_id, at) finds a ticket's latest one.

A frozen copy of the table as it is at this version.
"""
from peewee import CharField, DateTimeField, FloatField, ForeignKeyField, Model


def up(migrator, db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class Ticket(Base):
        class Meta:
            table_name = "ticket"

    class WaitReestimate(Base):
        ticket = ForeignKeyField(Ticket)
        at = DateTimeField()
        point = FloatField()
        low = FloatField(null=True)
        high = FloatField(null=True)
        shown_in = CharField(max_length=16)

        class Meta:
            indexes = ((("ticket", "at"), False),)

    db.create_tables([WaitReestimate])


def down(migrator, db):
    db.execute_sql("DROP TABLE wait_reestimate")
