"""Transfers to a counter or a colleague, and pauses with a reason.

ticket.for_counter_id / ticket.for_staff_id: a ticket transferred to a named counter, or to a named
colleague, is called only there or by them (deskapp.core.queue.handover); empty for every other ticket.
Each has an index with the status, so a desk's call-next finds the few tickets meant for it without
reading the queue. Plain ids (no foreign key): a second key from ticket to counter or staff would
make the models' joins ambiguous.

counter.pause_reason: the reason code of the counter's current pause (config `pause_reasons`), empty
when not paused or paused without one. counter_event.reason: the reason of a `paused` event, from
which reports count the time paused by reason.
"""
from peewee import CharField, IntegerField


def up(migrator, db):
    migrator.migrate(
        migrator.add_column("ticket", "for_counter_id", IntegerField(null=True)),
        migrator.add_column("ticket", "for_staff_id", IntegerField(null=True)),
        migrator.add_column("counter", "pause_reason", CharField(max_length=32, null=True)),
        migrator.add_column("counter_event", "reason", CharField(max_length=32, null=True)),
    )
    db.execute_sql("CREATE INDEX ticket_for_counter_id_status ON ticket (for_counter_id, status)")
    db.execute_sql("CREATE INDEX ticket_for_staff_id_status ON ticket (for_staff_id, status)")


def down(migrator, db):
    db.execute_sql("DROP INDEX ticket_for_counter_id_status")
    db.execute_sql("DROP INDEX ticket_for_staff_id_status")
    migrator.migrate(migrator.drop_column("ticket", "for_counter_id"), migrator.drop_column("ticket", "for_staff_id"),
                     migrator.drop_column("counter", "pause_reason"), migrator.drop_column("counter_event", "reason"))
