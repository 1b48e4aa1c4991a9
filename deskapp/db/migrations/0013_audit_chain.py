"""The audit becomes tamper-evident: audit_event.hash chains every row to the one before it.

hash: the hex SHA-256 of the row's content and the previous row's hash (deskapp.db.audit_chain),
one chain over the whole table in id order. The rows already there are chained here, oldest first.

The triggers refuse UPDATE to everyone, the owner who runs this migration included, so the one that
refuses it is set aside for the back-fill and put back as it was, in the same transaction (PostgreSQL:
disabled and enabled again; SQLite: dropped and created again with 0001's words).
"""
from peewee import CharField, DateTimeField, Model, PostgresqlDatabase, TextField

from deskapp.db.audit_chain import GENESIS, row_hash

_BATCH = 1000
_MESSAGE = "audit events cannot be changed or deleted"  # 0001's


def up(migrator, db):
    class AuditEvent(Model):  # frozen here: the table as this version knows it
        at = DateTimeField()
        staff = CharField(null=True)
        action = CharField()
        entity = CharField()
        entity_id = CharField()
        detail = TextField()
        hash = CharField(null=True)

        class Meta:
            database = db
            table_name = "audit_event"

    db.execute_sql("ALTER TABLE audit_event ADD COLUMN hash VARCHAR(64)")
    postgres = isinstance(db, PostgresqlDatabase)
    if postgres:
        db.execute_sql("ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only")
    else:
        db.execute_sql("DROP TRIGGER audit_event_no_update")
    previous, last_id = GENESIS, 0
    while True:
        rows = list(AuditEvent.select().where(AuditEvent.id > last_id).order_by(AuditEvent.id).limit(_BATCH))
        if not rows:
            break
        updates = []
        for row in rows:
            previous = row_hash(row.id, row.at, row.staff, row.action, row.entity, row.entity_id, row.detail,
                                previous)
            updates.append((previous, row.id))
        p = db.param
        db.cursor().executemany(f"UPDATE audit_event SET hash = {p} WHERE id = {p}", updates)
        last_id = rows[-1].id
    if postgres:
        db.execute_sql("ALTER TABLE audit_event ENABLE TRIGGER audit_event_append_only")
    else:
        db.execute_sql(f"CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event "
                       f"BEGIN SELECT RAISE(ABORT, '{_MESSAGE}'); END")


def down(migrator, db):
    db.execute_sql("ALTER TABLE audit_event DROP COLUMN hash")
