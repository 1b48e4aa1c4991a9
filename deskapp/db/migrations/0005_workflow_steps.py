"""Workflow steps: one row per step of a service workflow a ticket went through.

A frozen copy of the table as it is at this version. The UNIQUE index on (ticket_id, step_id) is what
makes a committed step final: a second commit of the same step, from any desk, fails.
"""
from peewee import (
    CharField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    Model,
    TextField,
)


def up(migrator, db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class Ticket(Base):
        class Meta:
            table_name = "ticket"

    class Staff(Base):
        class Meta:
            table_name = "staff"

    class StepRecord(Base):
        ticket = ForeignKeyField(Ticket)
        workflow = CharField(max_length=40)
        step_id = CharField(max_length=40)
        position = IntegerField()
        started_at = DateTimeField()
        committed_at = DateTimeField(index=True)
        staff = ForeignKeyField(Staff, null=True)
        values = TextField(default="{}")
        outcome = CharField(max_length=12)
        approver = CharField(max_length=32, null=True)

        class Meta:
            indexes = ((("ticket", "step_id"), True),)

    db.create_tables([StepRecord])


def down(migrator, db):
    db.execute_sql("DROP TABLE step_record")
