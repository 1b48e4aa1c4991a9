"""Schema versions: a database made at the first version keeps its rows through every upgrade,
and the models describe exactly the schema the migrations build."""
from __future__ import annotations

import datetime as dt

from deskapp.db import database, migrate, statements
from deskapp.db.models import MODELS


def _columns(table: str) -> set[str]:
    return {c.name for c in database.db.get_columns(table)}


def _connect_empty(db_url: str) -> None:
    database.connect(db_url)
    if "sqlite" in db_url:
        # The SQLite fixture is already migrated; start again from an empty file.
        path = db_url[len("sqlite:///"):]
        database.close()
        import os

        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(path + suffix):
                os.remove(path + suffix)
        database.connect(db_url)


def test_first_version_with_rows_upgrades_to_latest_keeping_them(db_url):
    _connect_empty(db_url)
    assert migrate.migrate("0001_initial") == ["0001_initial"]
    db = database.db
    now = dt.datetime(2026, 1, 5, 9, 30)
    db.execute_sql("INSERT INTO branch (code, name, timezone) VALUES ('B1', 'First', 'UTC')")
    db.execute_sql(
        "INSERT INTO staff (login, name, role, failed_attempts, active) VALUES ('ana', 'Ana', 'teller', 0, %s)"
        % ("TRUE" if database.is_postgres() else "1")
    )
    branch_id = db.execute_sql("SELECT id FROM branch WHERE code = 'B1'").fetchone()[0]
    db.execute_sql(
        "INSERT INTO service (branch_id, code, name, prefix, target_wait_minutes, typical_service_minutes, active) "
        f"VALUES ({branch_id}, 'CASH', 'Cash', 'A', 10, 4.0, {'TRUE' if database.is_postgres() else '1'})"
    )
    service_id = db.execute_sql("SELECT id FROM service").fetchone()[0]
    param = db.param
    db.execute_sql(
        "INSERT INTO ticket (branch_id, service_id, day, seq, number, priority, status, channel, issued_at, "
        f"queued_at, front, recall_count) VALUES ({branch_id}, {service_id}, {param}, 1, 'A001', 'normal', "
        f"'waiting', 'kiosk', {param}, {param}, {'FALSE' if database.is_postgres() else '0'}, 0)",
        (now.date(), now, now),
    )

    applied = migrate.migrate()

    assert applied == [m.name for m in migrate.runner().migrations()][1:]
    assert migrate.pending() == []
    assert db.execute_sql("SELECT code, name FROM branch").fetchall() == [("B1", "First")]
    assert db.execute_sql("SELECT number, status, channel FROM ticket").fetchall() == [("A001", "waiting", "kiosk")]
    assert db.execute_sql("SELECT login FROM staff").fetchall() == [("ana",)]
    database.close()


def test_moves_made_before_0011_keep_the_numbers_they_left_taken(db_url):
    """Upgraded mid-day after C001 was moved to CASH (as A001): C001 is not issued again."""
    _connect_empty(db_url)
    migrate.migrate("0010_search_prefixes")
    db, param = database.db, database.db.param
    true, false = ("TRUE", "FALSE") if database.is_postgres() else ("1", "0")
    day, now = dt.date(2026, 1, 5), dt.datetime(2026, 1, 5, 9, 30)
    db.execute_sql("INSERT INTO branch (code, name, timezone) VALUES ('B1', 'First', 'UTC')")
    branch = db.execute_sql("SELECT id FROM branch").fetchone()[0]
    for code, prefix in (("CASH", "A"), ("CARD", "C")):
        db.execute_sql("INSERT INTO service (branch_id, code, name, prefix, target_wait_minutes, "
                       f"typical_service_minutes, active) VALUES ({branch}, '{code}', '{code}', '{prefix}', 10, 4.0, "
                       f"{true})")
    cash, card = (db.execute_sql(f"SELECT id FROM service WHERE code = '{code}'").fetchone()[0]
                  for code in ("CASH", "CARD"))
    db.execute_sql(
        "INSERT INTO ticket (branch_id, service_id, day, seq, number, priority, status, channel, issued_at, "
        f"queued_at, front, recall_count) VALUES ({branch}, {cash}, {param}, 1, 'A001', 'normal', 'waiting', "
        f"'kiosk', {param}, {param}, {false}, 0)", (day, now, now))
    ticket = db.execute_sql("SELECT id FROM ticket").fetchone()[0]
    for kind, detail in (("issued", '{"channel": "kiosk"}'),
                         ("moved", '{"front": false, "number": "A001", "previous": "C001", "to": "CASH"}')):
        db.execute_sql(f"INSERT INTO ticket_event (ticket_id, kind, at, detail) VALUES ({ticket}, '{kind}', {param}, "
                       f"{param})", (now, detail))

    assert migrate.migrate() == [m.name for m in migrate.runner().migrations()][10:]

    assert db.execute_sql("SELECT number, former_number FROM ticket").fetchall() == [("A001", "C001")]
    with database.db.atomic():
        assert statements.next_seq(branch, card, day) == 2
        assert statements.next_seq(branch, cash, day) == 2
    database.close()


def test_models_match_the_schema_the_migrations_build(db_url):
    database.connect(db_url)
    migrate.migrate()
    problems = []
    for model in MODELS:
        table = model._meta.table_name
        expected = {f.column_name for f in model._meta.sorted_fields}
        actual = _columns(table)
        if expected != actual:
            problems.append(f"{table}: model has {sorted(expected - actual)}, schema has {sorted(actual - expected)}")
    database.close()
    assert problems == []


def test_migrating_twice_applies_nothing_the_second_time(db_url):
    database.connect(db_url)
    migrate.migrate()
    assert migrate.migrate() == []
    database.close()
