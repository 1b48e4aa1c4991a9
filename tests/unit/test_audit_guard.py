"""The audit cannot be bent with raw SQL: on SQLite `REPLACE INTO` over an existing row, on
PostgreSQL `TRUNCATE`, are refused by the database itself (issue 14, finding 4)."""
from __future__ import annotations

import datetime as dt

import peewee
import pytest

from deskapp.db import database, migrate

AT = dt.datetime(2026, 1, 5, 9, 30)


def _one_audit_row() -> int:
    db = database.db
    p = db.param
    db.execute_sql(f"INSERT INTO audit_event (at, staff, action, entity, entity_id, detail) "
                   f"VALUES ({p}, 'ana', 'login', 'staff', 'ana', 'original')", (AT,))
    return db.execute_sql("SELECT MAX(id) FROM audit_event").fetchone()[0]


def _rows() -> list[tuple]:
    return database.db.execute_sql("SELECT id, staff, action, detail FROM audit_event ORDER BY id").fetchall()


@pytest.fixture
def audit_db(db_url):
    database.connect(db_url)
    migrate.migrate()
    yield database.db
    database.close()


@pytest.mark.parametrize("verb", ["REPLACE INTO", "INSERT OR REPLACE INTO"])
def test_sqlite_replace_over_an_audit_row_is_refused(audit_db, verb):
    if database.is_postgres():
        pytest.skip("REPLACE is SQLite syntax; PostgreSQL's upsert fires the UPDATE trigger")
    row = _one_audit_row()
    before = _rows()
    with pytest.raises(peewee.DatabaseError, match="audit events cannot be changed or deleted"):
        with audit_db.atomic():
            audit_db.execute_sql(f"{verb} audit_event (id, at, staff, action, entity, entity_id, detail) "
                                 "VALUES (?, ?, 'mallory', 'login', 'staff', 'ana', 'forged')", (row, AT))
    assert _rows() == before


def test_new_audit_rows_are_still_written(audit_db):
    first = _one_audit_row()
    second = _one_audit_row()
    assert second > first and len(_rows()) == 2


def test_upsert_over_an_audit_row_is_refused(audit_db):
    """INSERT ... ON CONFLICT DO UPDATE, on both databases, meets the UPDATE trigger."""
    row = _one_audit_row()
    before = _rows()
    p = audit_db.param
    with pytest.raises(peewee.DatabaseError, match="audit events cannot be changed or deleted"):
        with audit_db.atomic():
            audit_db.execute_sql(f"INSERT INTO audit_event (id, at, staff, action, entity, entity_id, detail) "
                                 f"VALUES ({p}, {p}, 'mallory', 'login', 'staff', 'ana', 'forged') "
                                 "ON CONFLICT (id) DO UPDATE SET detail = excluded.detail", (row, AT))
    assert _rows() == before


def test_truncating_the_audit_is_refused(audit_db):
    _one_audit_row()
    before = _rows()
    # SQLite has no TRUNCATE; its equivalent, an unqualified DELETE, meets the DELETE trigger.
    statement = "TRUNCATE audit_event" if database.is_postgres() else "DELETE FROM audit_event"
    message = "the audit cannot be truncated" if database.is_postgres() else "cannot be changed or deleted"
    with pytest.raises(peewee.DatabaseError, match=message):
        with audit_db.atomic():
            audit_db.execute_sql(statement)
    assert _rows() == before
