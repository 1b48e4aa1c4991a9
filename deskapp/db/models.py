"""Peewee models, declared unbound: `deskapp.db.database.connect` binds them at start-up.

The schema itself is created and changed only by the numbered scripts in migrations/; these
classes must match the latest of them (a test compares the two). Times are naive UTC.
"""
from __future__ import annotations

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
    TextField,
)

from deskapp.db.database import db


class BaseModel(Model):
    class Meta:
        database = db
        legacy_table_names = False


class Branch(BaseModel):
    code = CharField(max_length=20, unique=True)
    name = CharField()
    timezone = CharField(max_length=64)
    current_day = DateField(null=True)  # the branch-local day the queue belongs to


class Service(BaseModel):
    branch = ForeignKeyField(Branch, backref="services")
    code = CharField(max_length=20)
    name = CharField()
    prefix = CharField(max_length=2)
    target_wait_minutes = IntegerField()
    typical_service_minutes = FloatField()
    workflow = CharField(null=True)
    active = BooleanField(default=True)

    class Meta:
        indexes = ((("branch", "code"), True),)


class Staff(BaseModel):
    login = CharField(max_length=32, unique=True)
    branch = ForeignKeyField(Branch, null=True)
    name = CharField()
    role = CharField(max_length=16)
    pin_hash = CharField(null=True)
    failed_attempts = IntegerField(default=0)
    locked_until = DateTimeField(null=True)
    active = BooleanField(default=True)


class Counter(BaseModel):
    branch = ForeignKeyField(Branch, backref="counters")
    code = CharField(max_length=20)
    name = CharField()
    state = CharField(max_length=10, default="closed")  # open, paused, closed
    state_since = DateTimeField(null=True)
    staff = ForeignKeyField(Staff, null=True)
    active = BooleanField(default=True)
    synced_profile = CharField(default="")  # the config's service list as last synced

    class Meta:
        indexes = ((("branch", "code"), True),)


class CounterService(BaseModel):
    counter = ForeignKeyField(Counter, backref="profile", on_delete="CASCADE")
    service = ForeignKeyField(Service)
    position = IntegerField()

    class Meta:
        indexes = ((("counter", "service"), True),)


class Customer(BaseModel):
    number = CharField(max_length=20, unique=True)
    name = CharField()
    national_id = CharField(max_length=32, null=True, unique=True)
    birth_date = DateField(null=True)
    email = CharField(null=True)
    segment = CharField(max_length=20, null=True)
    manager = ForeignKeyField(Staff, null=True)
    active = BooleanField(default=True)
    created_at = DateTimeField()


class CustomerPhone(BaseModel):
    customer = ForeignKeyField(Customer, backref="phones", on_delete="CASCADE")
    digits = CharField(max_length=20, index=True)  # normalised: digits only, with country code
    label = CharField(max_length=20, default="mobile")


class Ticket(BaseModel):
    branch = ForeignKeyField(Branch)
    service = ForeignKeyField(Service)
    day = DateField()  # branch-local day the number belongs to
    seq = IntegerField()
    number = CharField(max_length=10)
    priority = CharField(max_length=20)
    status = CharField(max_length=16, default="waiting")
    channel = CharField(max_length=12, default="reception")
    customer = ForeignKeyField(Customer, null=True)
    counter = ForeignKeyField(Counter, null=True)
    staff = ForeignKeyField(Staff, null=True)
    issued_at = DateTimeField()
    queued_at = DateTimeField()  # place in line: issue time, or the time of a requeue to the back
    front = BooleanField(default=False)  # requeued to the front of its service
    called_at = DateTimeField(null=True)
    started_at = DateTimeField(null=True)
    ended_at = DateTimeField(null=True)
    parent = ForeignKeyField("self", null=True, backref="children")
    recall_count = IntegerField(default=0)

    class Meta:
        indexes = (
            (("branch", "service", "day", "seq"), True),
            (("status", "service"), False),
            (("branch", "day"), False),
            (("service", "called_at"), False),
            (("counter", "status"), False),
        )


class TicketEvent(BaseModel):
    ticket = ForeignKeyField(Ticket, backref="events")
    kind = CharField(max_length=16)
    at = DateTimeField(index=True)
    staff = ForeignKeyField(Staff, null=True)
    counter = ForeignKeyField(Counter, null=True)
    detail = TextField(default="")


class AuditEvent(BaseModel):
    at = DateTimeField(index=True)
    staff = CharField(max_length=32, null=True)  # the login, kept even if the staff row changes
    action = CharField(max_length=32)
    entity = CharField(max_length=32, default="")
    entity_id = CharField(max_length=64, default="")
    detail = TextField(default="")


class FollowUp(BaseModel):
    """Something a person must do for a customer by a due time: from feedback, a referral, by hand."""

    branch = ForeignKeyField(Branch)
    customer = ForeignKeyField(Customer, null=True, backref="followups")
    ticket = ForeignKeyField(Ticket, null=True)
    feedback_id = IntegerField(null=True, index=True)
    source = CharField(max_length=16)  # feedback, referral, complaint, offer, manual
    reason = TextField()
    assignee = ForeignKeyField(Staff, null=True, backref="followups")
    created_by = CharField(max_length=32, null=True)
    created_at = DateTimeField()
    due_at = DateTimeField(index=True)
    status = CharField(max_length=12, default="open", index=True)  # open, in_progress, done
    snoozed_until = DateTimeField(null=True)
    contact_outcome = TextField(null=True)
    resolution = TextField(null=True)
    root_cause = CharField(max_length=32, null=True)
    closed_at = DateTimeField(null=True)
    closed_by = CharField(max_length=32, null=True)


class ChangeMarker(BaseModel):
    branch = ForeignKeyField(Branch, unique=True)
    seq = BigIntegerField(default=0)


MODELS = (
    Branch,
    Service,
    Staff,
    Counter,
    CounterService,
    Customer,
    CustomerPhone,
    Ticket,
    TicketEvent,
    AuditEvent,
    ChangeMarker,
    FollowUp,
)
