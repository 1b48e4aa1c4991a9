"""Feedback: the customer's answer about one served ticket, at most one per ticket.

A frozen copy of the table as it is at this version. The UNIQUE index on ticket_id is what makes
"one response per ticket" hold when two desks submit at once; the CHECK constraints keep scores
on their scales whatever writes them.
"""
from peewee import (
    BooleanField,
    CharField,
    Check,
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

    class Service(Base):
        class Meta:
            table_name = "service"

    class Counter(Base):
        class Meta:
            table_name = "counter"

    class Staff(Base):
        class Meta:
            table_name = "staff"

    class Customer(Base):
        class Meta:
            table_name = "customer"

    class Ticket(Base):
        class Meta:
            table_name = "ticket"

    class Feedback(Base):
        ticket = ForeignKeyField(Ticket, unique=True)
        branch = ForeignKeyField(Branch)
        service = ForeignKeyField(Service)
        counter = ForeignKeyField(Counter, null=True)
        staff = ForeignKeyField(Staff, null=True)
        customer = ForeignKeyField(Customer, null=True)
        answered = BooleanField(default=True)
        csat = IntegerField(null=True, constraints=[Check("csat BETWEEN 1 AND 5")])
        nps = IntegerField(null=True, constraints=[Check("nps BETWEEN 0 AND 10")])
        ces = IntegerField(null=True, constraints=[Check("ces BETWEEN 1 AND 7")])
        comment = TextField(default="")
        tags = CharField(max_length=255, default="")
        entered_by = CharField(max_length=8, constraints=[Check("entered_by IN ('customer', 'staff')")])
        entered_by_login = CharField(max_length=32, null=True)
        at = DateTimeField()

        class Meta:
            indexes = ((("branch", "at"), False),)

    db.create_tables([Feedback])


def down(migrator, db):
    db.execute_sql("DROP TABLE feedback")
