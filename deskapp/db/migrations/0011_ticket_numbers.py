"""A printed number is never issued twice in a day, and a moved ticket remembers the one printed.

ticket_sequence: one row per (branch, service, day), the last sequence number that service gave
out that day. Numbering used to take MAX(seq) + 1 over the service's tickets, so when a supervisor
moved C001 to another service (where it became A005) the next Cards ticket was C001 again: two
customers holding the same paper. Now the next number is past both this row and the tickets (the
row is written in the transaction that writes the ticket), so the sequence never goes back.

ticket.former_number: the number first printed for a ticket that a move renumbered, so desks,
reception and the display can say "A005 (was C001)".

Both are filled in for the moves already made (their "moved" events name the numbers left), so a
database upgraded in the middle of a day does not hand out a number moved away that morning.
"""
import json
import re

from peewee import CharField, DateField, ForeignKeyField, IntegerField, Model

_NUMBER = re.compile(r"^([A-Z]+)(\d+)$")


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

    class TicketSequence(Base):
        branch = ForeignKeyField(Branch, index=False)
        service = ForeignKeyField(Service, index=False)
        day = DateField()
        last_seq = IntegerField()

        class Meta:
            indexes = ((("branch", "service", "day"), True),)

    db.create_tables([TicketSequence])
    migrator.migrate(migrator.add_column("ticket", "former_number", CharField(max_length=10, null=True)))
    _backfill(db)


def _backfill(db):
    moves = db.execute_sql(
        "SELECT e.ticket_id, e.detail, t.branch_id, t.day FROM ticket_event e JOIN ticket t ON t.id = e.ticket_id "
        "WHERE e.kind = 'moved' ORDER BY e.id").fetchall()
    prefixes = {(branch, prefix): service
                for service, branch, prefix in db.execute_sql("SELECT id, branch_id, prefix FROM service").fetchall()}
    first: dict[int, str] = {}
    taken: dict[tuple, int] = {}
    for ticket_id, detail, branch, day in moves:
        try:
            numbers = json.loads(detail or "{}")
        except ValueError:
            continue
        if "previous" not in numbers:
            continue  # a move to the front: no number changed
        first.setdefault(ticket_id, numbers["previous"])
        for number in (numbers["previous"], numbers.get("number")):
            match = _NUMBER.match(number or "")
            service = prefixes.get((branch, match.group(1))) if match else None
            if service is not None:
                key = (branch, service, day)
                taken[key] = max(taken.get(key, 0), int(match.group(2)))
    param = db.param
    for ticket_id, number in first.items():
        db.execute_sql(f"UPDATE ticket SET former_number = {param} WHERE id = {param}", (number, ticket_id))
    for (branch, service, day), seq in taken.items():
        highest = db.execute_sql(
            f"SELECT COALESCE(MAX(seq), 0) FROM ticket WHERE branch_id = {param} AND service_id = {param} "
            f"AND day = {param}", (branch, service, day)).fetchone()[0]
        db.execute_sql(
            f"INSERT INTO ticket_sequence (branch_id, service_id, day, last_seq) VALUES ({param}, {param}, {param}, "
            f"{param})", (branch, service, day, max(seq, highest)))


def down(migrator, db):
    migrator.migrate(migrator.drop_column("ticket", "former_number"))
    db.execute_sql("DROP TABLE ticket_sequence")
