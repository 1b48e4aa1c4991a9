"""Appointments: a customer's booked visit for a service at a branch, in a slot, with a named staff member or anyone.

appointment: branch, service, customer, staff (the named staff member, or empty for anyone), code (short,
unique, without ambiguous characters), starts_at / ends_at (naive UTC; ends_at = start + the service's
duration), hour_start (the branch-local hour the slot lies in, as UTC) and seat (0 .. capacity - 1 of that
hour; empty once cancelled), status (booked, checked_in, late, no_show, cancelled), ticket (the ticket a
check-in issued), created_at / created_by, checked_in_at.

The unique index on (branch, service, hour_start, seat) is what makes double booking impossible: two desks
taking the last seat of an hour insert the same key and one fails, on SQLite and PostgreSQL alike (a
cancelled booking gives its seat back by emptying it; NULLs never collide).

A frozen copy of the table as it is at this version.
"""
from peewee import CharField, DateTimeField, ForeignKeyField, IntegerField, Model


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

    class Customer(Base):
        class Meta:
            table_name = "customer"

    class Staff(Base):
        class Meta:
            table_name = "staff"

    class Ticket(Base):
        class Meta:
            table_name = "ticket"

    class Appointment(Base):
        branch = ForeignKeyField(Branch)
        service = ForeignKeyField(Service)
        customer = ForeignKeyField(Customer)
        staff = ForeignKeyField(Staff, null=True)
        code = CharField(max_length=8, unique=True)
        starts_at = DateTimeField()
        ends_at = DateTimeField()
        hour_start = DateTimeField()
        seat = IntegerField(null=True)
        status = CharField(max_length=12, default="booked")
        ticket = ForeignKeyField(Ticket, null=True)
        created_at = DateTimeField()
        created_by = ForeignKeyField(Staff, null=True, backref="booked")
        checked_in_at = DateTimeField(null=True)

        class Meta:
            indexes = (
                (("branch", "service", "hour_start", "seat"), True),
                (("branch", "starts_at"), False),
                (("staff", "starts_at"), False),
                (("status", "starts_at"), False),
            )

    db.create_tables([Appointment])


def down(migrator, db):
    db.execute_sql("DROP TABLE appointment")
