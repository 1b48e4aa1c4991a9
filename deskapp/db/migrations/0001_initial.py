"""The first schema: branch, services, counters, staff, customers, tickets, events, audit.

A frozen copy of the models as they were at this version, on purpose independent of
deskapp.db.models, so this script creates the same tables however the models change later.
"""
from peewee import (
    BigIntegerField,
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    FloatField,
    ForeignKeyField,
    IntegerField,
    Model,
    PostgresqlDatabase,
    TextField,
)


def up(migrator, db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class Branch(Base):
        code = CharField(max_length=20, unique=True)
        name = CharField()
        timezone = CharField(max_length=64)
        current_day = DateField(null=True)

    class Service(Base):
        branch = ForeignKeyField(Branch)
        code = CharField(max_length=20)
        name = CharField()
        prefix = CharField(max_length=2)
        target_wait_minutes = IntegerField()
        typical_service_minutes = FloatField()
        workflow = CharField(null=True)
        active = BooleanField(default=True)

        class Meta:
            indexes = ((("branch", "code"), True),)

    class Staff(Base):
        login = CharField(max_length=32, unique=True)
        branch = ForeignKeyField(Branch, null=True)
        name = CharField()
        role = CharField(max_length=16)
        pin_hash = CharField(null=True)
        failed_attempts = IntegerField(default=0)
        locked_until = DateTimeField(null=True)
        active = BooleanField(default=True)

    class Counter(Base):
        branch = ForeignKeyField(Branch)
        code = CharField(max_length=20)
        name = CharField()
        state = CharField(max_length=10, default="closed")
        state_since = DateTimeField(null=True)
        staff = ForeignKeyField(Staff, null=True)
        active = BooleanField(default=True)
        synced_profile = CharField(default="")

        class Meta:
            indexes = ((("branch", "code"), True),)

    class CounterService(Base):
        counter = ForeignKeyField(Counter, on_delete="CASCADE")
        service = ForeignKeyField(Service)
        position = IntegerField()

        class Meta:
            indexes = ((("counter", "service"), True),)

    class Customer(Base):
        number = CharField(max_length=20, unique=True)
        name = CharField()
        national_id = CharField(max_length=32, null=True, unique=True)
        birth_date = DateField(null=True)
        email = CharField(null=True)
        segment = CharField(max_length=20, null=True)
        manager = ForeignKeyField(Staff, null=True)
        active = BooleanField(default=True)
        created_at = DateTimeField()

    class CustomerPhone(Base):
        customer = ForeignKeyField(Customer, on_delete="CASCADE")
        digits = CharField(max_length=20, index=True)
        label = CharField(max_length=20, default="mobile")

    class Ticket(Base):
        branch = ForeignKeyField(Branch)
        service = ForeignKeyField(Service)
        day = DateField()
        seq = IntegerField()
        number = CharField(max_length=10)
        priority = CharField(max_length=20)
        status = CharField(max_length=16, default="waiting")
        channel = CharField(max_length=12, default="reception")
        customer = ForeignKeyField(Customer, null=True)
        counter = ForeignKeyField(Counter, null=True)
        staff = ForeignKeyField(Staff, null=True)
        issued_at = DateTimeField()
        queued_at = DateTimeField()
        front = BooleanField(default=False)
        called_at = DateTimeField(null=True)
        started_at = DateTimeField(null=True)
        ended_at = DateTimeField(null=True)
        parent = ForeignKeyField("self", null=True)
        recall_count = IntegerField(default=0)

        class Meta:
            indexes = (
                (("branch", "service", "day", "seq"), True),
                (("status", "service"), False),
                (("branch", "day"), False),
                (("service", "called_at"), False),
                (("counter", "status"), False),
            )

    class TicketEvent(Base):
        ticket = ForeignKeyField(Ticket)
        kind = CharField(max_length=16)
        at = DateTimeField(index=True)
        staff = ForeignKeyField(Staff, null=True)
        counter = ForeignKeyField(Counter, null=True)
        detail = TextField(default="")

    class AuditEvent(Base):
        at = DateTimeField(index=True)
        staff = CharField(max_length=32, null=True)
        action = CharField(max_length=32)
        entity = CharField(max_length=32, default="")
        entity_id = CharField(max_length=64, default="")
        detail = TextField(default="")

    class ChangeMarker(Base):
        branch = ForeignKeyField(Branch, unique=True)
        seq = BigIntegerField(default=0)

    db.create_tables(
        [Branch, Service, Staff, Counter, CounterService, Customer, CustomerPhone, Ticket, TicketEvent,
         AuditEvent, ChangeMarker]
    )
    _append_only(db, "audit_event", "audit events cannot be changed or deleted")


def _append_only(db, table, message):
    """Refuse UPDATE and DELETE on a table in the database itself, not only in deskapp."""
    if isinstance(db, PostgresqlDatabase):
        db.execute_sql(
            f"CREATE OR REPLACE FUNCTION {table}_append_only() RETURNS trigger AS $$ "
            f"BEGIN RAISE EXCEPTION '{message}'; END; $$ LANGUAGE plpgsql"
        )
        db.execute_sql(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {table}_append_only()"
        )
    else:
        for op in ("UPDATE", "DELETE"):
            db.execute_sql(
                f"CREATE TRIGGER {table}_no_{op.lower()} BEFORE {op} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
            )
