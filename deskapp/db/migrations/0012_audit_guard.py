"""The audit cannot be bent around its UPDATE and DELETE triggers.

SQLite: `REPLACE INTO audit_event` (or `INSERT OR REPLACE`) naming an existing row's id
overwrote that row: the conflicting row is deleted without firing DELETE triggers (unless
recursive_triggers is on). A BEFORE INSERT trigger now refuses an insert whose id is already
taken, before the conflict is resolved. New rows (id left to the database) are unaffected.

PostgreSQL: `TRUNCATE audit_event` emptied the audit (row triggers do not fire on TRUNCATE).
A BEFORE TRUNCATE statement trigger refuses it, for every role including the owner.

No column changes: the models are unchanged.
"""
from peewee import PostgresqlDatabase

_REPLACE_MESSAGE = "audit events cannot be changed or deleted"
_TRUNCATE_MESSAGE = "the audit cannot be truncated"


def up(migrator, db):
    if isinstance(db, PostgresqlDatabase):
        db.execute_sql(
            "CREATE OR REPLACE FUNCTION audit_event_no_truncate() RETURNS trigger AS $$ "
            f"BEGIN RAISE EXCEPTION '{_TRUNCATE_MESSAGE}'; END; $$ LANGUAGE plpgsql"
        )
        db.execute_sql(
            "CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_event_no_truncate()"
        )
        return
    db.execute_sql(
        "CREATE TRIGGER audit_event_no_replace BEFORE INSERT ON audit_event "
        "WHEN EXISTS (SELECT 1 FROM audit_event WHERE id = NEW.id) "
        f"BEGIN SELECT RAISE(ABORT, '{_REPLACE_MESSAGE}'); END"
    )


def down(migrator, db):
    if isinstance(db, PostgresqlDatabase):
        db.execute_sql("DROP TRIGGER audit_event_no_truncate ON audit_event")
        db.execute_sql("DROP FUNCTION audit_event_no_truncate()")
        return
    db.execute_sql("DROP TRIGGER audit_event_no_replace")
