"""Counter events: every time a counter opens, pauses, resumes or closes (and a log-out at it).

A frozen copy of the table as it is at this version. Append-only, like ticket_event. The index on
(counter_id, at) finds a counter's state at the start of a period (its last event before it); the
index on at reads a period's events.
"""
from peewee import CharField, DateTimeField, ForeignKeyField, Model


def up(migrator, db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class Counter(Base):
        class Meta:
            table_name = "counter"

    class Staff(Base):
        class Meta:
            table_name = "staff"

    class CounterEvent(Base):
        counter = ForeignKeyField(Counter)
        kind = CharField(max_length=12)
        at = DateTimeField(index=True)
        staff = ForeignKeyField(Staff, null=True)
        by = CharField(max_length=32, null=True)

        class Meta:
            indexes = ((("counter", "at"), False),)

    db.create_tables([CounterEvent])


def down(migrator, db):
    db.execute_sql("DROP TABLE counter_event")
