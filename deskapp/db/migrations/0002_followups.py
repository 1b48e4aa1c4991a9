"""Follow-ups: what someone must do for a customer by a due time (feedback, referrals, by hand)."""
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

    class Branch(Base):
        class Meta:
            table_name = "branch"

    class Customer(Base):
        class Meta:
            table_name = "customer"

    class Ticket(Base):
        class Meta:
            table_name = "ticket"

    class Staff(Base):
        class Meta:
            table_name = "staff"

    class FollowUp(Base):
        branch = ForeignKeyField(Branch)
        customer = ForeignKeyField(Customer, null=True)
        ticket = ForeignKeyField(Ticket, null=True)
        feedback_id = IntegerField(null=True, index=True)
        source = CharField(max_length=16)
        reason = TextField()
        assignee = ForeignKeyField(Staff, null=True)
        created_by = CharField(max_length=32, null=True)
        created_at = DateTimeField()
        due_at = DateTimeField(index=True)
        status = CharField(max_length=12, default="open", index=True)
        snoozed_until = DateTimeField(null=True)
        contact_outcome = TextField(null=True)
        resolution = TextField(null=True)
        root_cause = CharField(max_length=32, null=True)
        closed_at = DateTimeField(null=True)
        closed_by = CharField(max_length=32, null=True)

    db.create_tables([FollowUp])
