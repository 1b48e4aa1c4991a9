"""Relationship manager: OfferDecision, one row per answer a customer gave to a next-best offer.

A frozen copy of the table as it is at this version.
"""
from peewee import CharField, Check, DateTimeField, ForeignKeyField, Model, TextField


def up(migrator, db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class Customer(Base):
        class Meta:
            table_name = "customer"

    class Staff(Base):
        class Meta:
            table_name = "staff"

    class Ticket(Base):
        class Meta:
            table_name = "ticket"

    class Need(Base):
        class Meta:
            table_name = "need"

    class FollowUp(Base):
        class Meta:
            table_name = "follow_up"

    class OfferDecision(Base):
        customer = ForeignKeyField(Customer)
        offer = CharField(max_length=40)
        product = CharField(max_length=32)
        decision = CharField(max_length=10, constraints=[Check("decision IN ('accepted', 'declined')")])
        staff = ForeignKeyField(Staff, null=True)
        manager = ForeignKeyField(Staff, null=True, column_name="manager_id", backref="portfolio_decisions")
        ticket = ForeignKeyField(Ticket, null=True)
        need = ForeignKeyField(Need, null=True)
        followup = ForeignKeyField(FollowUp, null=True)
        note = TextField(default="")
        at = DateTimeField()

        class Meta:
            indexes = ((("customer", "offer", "at"), False), (("at",), False))

    db.create_tables([OfferDecision])


def down(migrator, db):
    db.execute_sql("DROP TABLE offer_decision")
