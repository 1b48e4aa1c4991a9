"""Counter events: every time a counter opens, pauses, resumes or closes (and a log-out at it).

Also an index on ticket (service_id, status, ended_at): a service's latest completed tickets (the
recent service times behind wait estimates and staffing advice) are then read from the index's
end, not by sorting the service's whole history.

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
    db.execute_sql("CREATE INDEX ticket_service_id_status_ended_at ON ticket (service_id, status, ended_at)")


def down(migrator, db):
    db.execute_sql("DROP INDEX ticket_service_id_status_ended_at")
    db.execute_sql("DROP TABLE counter_event")
