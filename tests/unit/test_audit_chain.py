"""Issue 14, item 6: a tamper-evident audit. Every audit row carries a hash over its content and the
previous row's hash; `deskapp audit verify` walks the chain and names the first broken row, so a row
changed (or removed, or slipped in) behind deskapp's back by the owner with the triggers disabled is
found. `deskapp audit export` streams a period to auditors: supervisors only, itself audited."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import threading

import pytest
from click.testing import CliRunner

from deskapp.cli import main
from deskapp.core.clock import FixedClock
from deskapp.core.demo import branch as demo
from deskapp.core.security import audit, auditor, auth
from deskapp.core.startup import open_context
from deskapp.db import audit_chain, database, migrate
from deskapp.db.models import AuditEvent
from tests.conftest import CONFIG, T0

DEMO_NOW = dt.datetime(2026, 3, 11, 16, 0)
PINS = {"ana": "2580", "sofia": "8642"}  # a teller, a supervisor


def run(db_url, *args, input=None):
    return CliRunner().invoke(main, ["--config", str(CONFIG), "--db", db_url, *args], input=input,
                              catch_exceptions=False)


def behind_the_apps_back(sql: str, params: tuple = ()) -> None:
    """Run `sql` on audit_event as the owner with its triggers out of the way, then put them back."""
    db = database.db
    with db.atomic():
        if database.is_postgres():
            db.execute_sql("ALTER TABLE audit_event DISABLE TRIGGER USER")
            db.execute_sql(sql, params)
            db.execute_sql("ALTER TABLE audit_event ENABLE TRIGGER USER")
        else:
            triggers = db.execute_sql("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                                      "AND tbl_name = 'audit_event'").fetchall()
            for name, _ in triggers:
                db.execute_sql(f"DROP TRIGGER {name}")
            db.execute_sql(sql, params)
            for _, create in triggers:
                db.execute_sql(create)


@pytest.fixture
def demo_db(config, db_url):
    ctx = open_context(config, db_url, FixedClock(DEMO_NOW))
    demo.build(ctx, customers=40, days=2, seed=1)
    yield ctx
    database.close()


def _ids() -> list[int]:
    return [i for (i,) in AuditEvent.select(AuditEvent.id).order_by(AuditEvent.id).tuples()]


def test_verify_passes_on_a_demo_database(demo_db, db_url):
    ids = _ids()
    assert len(ids) > 100
    report = auditor.verify()
    assert report.ok and report.rows == len(ids) and report.head_id == ids[-1]
    assert report.head_hash == AuditEvent.get_by_id(ids[-1]).hash

    result = run(db_url, "audit", "verify")
    assert result.exit_code == 0, result.output
    rows = AuditEvent.select().count()  # the command's own start-up may audit a config sync
    head = AuditEvent.select().order_by(AuditEvent.id.desc()).first()
    assert result.stdout == f"audit chain OK: {rows} rows; head {head.id}:{head.hash}\n"
    data = json.loads(run(db_url, "audit", "verify", "--json").stdout)
    assert data == {"ok": True, "rows": rows, "head": f"{head.id}:{head.hash}"}


def test_a_row_altered_by_the_owner_with_the_triggers_disabled_is_named(demo_db, db_url):
    ids = _ids()
    target = ids[len(ids) // 2]
    row = AuditEvent.get_by_id(target)
    p = database.db.param
    behind_the_apps_back(f"UPDATE audit_event SET detail = {p} WHERE id = {p}", ("nothing happened", target))
    assert AuditEvent.get_by_id(target).detail == "nothing happened"  # the change went through

    report = auditor.verify()
    assert not report.ok and report.broken.id == target
    assert report.rows == ids.index(target) and report.head_id == ids[ids.index(target) - 1]

    result = run(db_url, "audit", "verify")
    assert result.exit_code == 1
    at = row.at.isoformat(sep=" ", timespec="seconds")
    assert result.stderr.startswith(f"deskapp: audit chain broken at row {target} ({at} UTC, {row.action}): ")
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.output
    data = json.loads(run(db_url, "audit", "verify", "--json").stdout)
    assert data["ok"] is False and data["broken"]["id"] == target


def test_a_row_removed_from_the_middle_is_found(demo_db):
    ids = _ids()
    gone = ids[len(ids) // 3]
    p = database.db.param
    behind_the_apps_back(f"DELETE FROM audit_event WHERE id = {p}", (gone,))
    report = auditor.verify()
    after = ids[ids.index(gone) + 1]
    assert report.broken.id == after
    assert f"ids jump from {gone - 1} to {after}" in report.broken.reason


@pytest.fixture
def a_few_rows(ctx, clock):
    for n in range(12):
        clock.advance(minutes=1)
        audit.record(ctx.now(), "ana", "customer_view", "customer", n, f"look {n}")
    return _ids()


def test_changing_the_first_rows_time_is_found(ctx, a_few_rows):
    p = database.db.param
    first = a_few_rows[0]
    behind_the_apps_back(f"UPDATE audit_event SET at = {p} WHERE id = {p}", (T0 - dt.timedelta(days=1), first))
    assert auditor.verify().broken.id == first


def test_recomputing_a_changed_rows_hash_breaks_the_next_row(ctx, a_few_rows):
    target, following = a_few_rows[4], a_few_rows[5]
    row = AuditEvent.get_by_id(target)
    previous = AuditEvent.get_by_id(a_few_rows[3]).hash
    forged = audit_chain.row_hash(target, row.at, "sofia", row.action, row.entity, row.entity_id, row.detail,
                                  previous)
    p = database.db.param
    behind_the_apps_back(f"UPDATE audit_event SET staff = 'sofia', hash = {p} WHERE id = {p}", (forged, target))
    assert auditor.verify().broken.id == following


def test_a_row_inserted_behind_the_apps_back_is_found(ctx, a_few_rows):
    p = database.db.param
    database.db.execute_sql(f"INSERT INTO audit_event (at, staff, action, entity, entity_id, detail) "
                            f"VALUES ({p}, 'sofia', 'login', 'staff', 'sofia', '')", (T0,))
    inserted = _ids()[-1]
    report = auditor.verify()
    assert report.broken.id == inserted and "no hash" in report.broken.reason
    assert report.head_id == a_few_rows[-1]


def test_a_tail_rewritten_or_removed_is_found_against_a_noted_head(ctx, db_url, a_few_rows):
    noted = auditor.verify()
    anchor = f"{noted.head_id}:{noted.head_hash}"
    assert run(db_url, "audit", "verify", "--anchor", anchor).exit_code == 0
    # The owner removes the last three rows: the rest of the chain still holds...
    p = database.db.param
    behind_the_apps_back(f"DELETE FROM audit_event WHERE id > {p}", (a_few_rows[-4],))
    assert auditor.verify().ok
    # ...but not against the head noted before.
    result = run(db_url, "audit", "verify", "--anchor", anchor)
    assert result.exit_code == 1 and f"broken at row {noted.head_id}" in result.stderr
    assert run(db_url, "audit", "verify", "--anchor", "12:zz").exit_code == 2


def test_upgrading_chains_the_rows_already_there_and_keeps_the_trigger(db_url):
    database.connect(db_url)
    if not database.is_postgres():
        path = db_url[len("sqlite:///"):]
        database.close()
        import os

        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(path + suffix):
                os.remove(path + suffix)
        database.connect(db_url)
    migrate.migrate("0012_audit_guard")
    db, p = database.db, database.db.param
    for n in range(5):
        db.execute_sql(f"INSERT INTO audit_event (at, staff, action, entity, entity_id, detail) "
                       f"VALUES ({p}, 'ana', 'login', 'staff', 'ana', {p})", (T0 + dt.timedelta(seconds=n), f"#{n}"))
    assert "0013_audit_chain" in migrate.migrate()
    assert all(h for (h,) in db.execute_sql("SELECT hash FROM audit_event").fetchall())
    report = auditor.verify()
    assert report.ok and report.rows == 5
    audit.record(T0 + dt.timedelta(minutes=1), "ana", "logout", "staff", "ana")
    assert auditor.verify().ok and auditor.verify().rows == 6
    import peewee

    with pytest.raises(peewee.DatabaseError, match="audit events cannot be changed or deleted"):
        with db.atomic():
            db.execute_sql("UPDATE audit_event SET detail = 'x'")
    database.close()


def test_desks_writing_at_once_keep_one_chain(config, db_url):
    """PostgreSQL: the advisory lock (without it this fails); SQLite: BEGIN IMMEDIATE, one writer at a time."""
    ctx = open_context(config, db_url, FixedClock(T0))
    before = AuditEvent.select().count()
    threads, each = 6, 15
    start = threading.Barrier(threads)
    problems: list[BaseException] = []

    def desk(n: int) -> None:
        try:
            start.wait()
            for i in range(each):
                database.transaction(lambda i=i: audit.record(ctx.now(), f"desk{n}", "login", "staff", f"{n}.{i}"))
        except BaseException as exc:  # noqa: BLE001  reported below
            problems.append(exc)
        finally:
            database.db.close()

    workers = [threading.Thread(target=desk, args=(n,)) for n in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert problems == []
    report = auditor.verify()
    assert report.ok and report.rows == before + threads * each
    database.close()


@pytest.fixture
def pins(ctx):
    for login, pin in PINS.items():
        auth.set_pin(ctx, login, pin)
    return PINS


def _export_rows(first: dt.date, last: dt.date) -> list[AuditEvent]:
    return [e for e in AuditEvent.select().order_by(AuditEvent.id)
            if dt.datetime.combine(first, dt.time()) <= e.at < dt.datetime.combine(last + dt.timedelta(days=1),
                                                                                   dt.time())]


def test_a_teller_may_not_export_the_audit_and_the_attempt_is_audited(ctx, db_url, pins):
    result = run(db_url, "audit", "export", "--from", "2026-03-10", "--to", "2026-03-10", "--by", "ana",
                 "--pin-stdin", input="2580\n")
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr == "deskapp: Only a supervisor may export the audit trail; Ana Costa is a teller.\n"
    last = AuditEvent.select().order_by(AuditEvent.id.desc()).first()
    assert (last.staff, last.action, last.detail) == ("ana", "audit_export_refused", "2026-03-10..2026-03-10")
    assert auditor.verify().ok


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_an_export_reads_back_as_the_audit_and_is_itself_audited(ctx, db_url, pins, clock, fmt, tmp_path):
    clock.advance(minutes=5)
    audit.record(ctx.now(), "ana", "customer_edit", "customer", 7, '=HYPERLINK("http://x","y")')
    day = T0.date()  # config.yaml's branch is in Lisbon: in March, local days are UTC days
    expected = _export_rows(day, day)
    out = tmp_path / f"audit.{fmt}"
    result = run(db_url, "audit", "export", "--from", day.isoformat(), "--to", day.isoformat(), "--format", fmt,
                 "--by", "sofia", "--pin-stdin", "--output", str(out), input="8642\n")
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    if fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(text)))
    else:
        rows = [json.loads(line) for line in text.splitlines()]
    assert [int(r["id"]) for r in rows] == [e.id for e in expected] and len(rows) > 2
    for got, row in zip(rows, expected, strict=True):
        assert got["at_utc"] == audit_chain.canonical_time(row.at)
        assert (got["staff"] or None, got["action"], got["entity_id"], got["hash"]) == (
            row.staff, row.action, row.entity_id, row.hash)
    edit = next(r for r in rows if r["action"] == "customer_edit")
    assert edit["detail"] == ("'" if fmt == "csv" else "") + '=HYPERLINK("http://x","y")'  # never a live formula
    last = AuditEvent.select().order_by(AuditEvent.id.desc()).first()
    assert (last.staff, last.action) == ("sofia", "audit_export")
    assert last.detail == f"{day}..{day}, {len(rows)} rows, {fmt}"
    assert f"{len(rows)} audit rows exported" in result.stderr
    assert auditor.verify().ok


def test_an_export_to_standard_output(ctx, db_url, pins):
    day = T0.date().isoformat()
    result = run(db_url, "audit", "export", "--from", day, "--to", day, "--format", "jsonl", "--by", "sofia",
                 "--pin-stdin", input="8642\n")
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert lines and all(set(line) == set(auditor.COLUMNS) for line in lines)


@pytest.mark.parametrize(("args", "message"), [
    (("--from", "2026-13-01", "--to", "2026-03-10"), "deskapp: --from must be a date as YYYY-MM-DD, not '2026-13-01'"),
    (("--from", "2026-03-10", "--to", "yesterday"), "deskapp: --to must be a date as YYYY-MM-DD, not 'yesterday'"),
    (("--from", "2026-03-10", "--to", "2026-03-09"),
     "deskapp: the period ends (2026-03-09) before it starts (2026-03-10)"),
])
def test_an_export_with_bad_dates_says_so_in_one_line(ctx, db_url, pins, args, message, tmp_path):
    out = tmp_path / "audit.csv"
    result = run(db_url, "audit", "export", *args, "--by", "sofia", "--pin-stdin", "--output", str(out),
                 input="8642\n")
    assert result.exit_code == 2 and result.stderr == message + "\n"
    assert not out.exists() and not (tmp_path / "audit.csv.part").exists()


def test_a_time_with_a_zone_is_stored_and_chained_as_utc(ctx):
    aware = dt.datetime(2026, 3, 10, 12, 0, 0, 123456, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    audit.record(aware, "ana", "login", "staff", "ana")
    row = AuditEvent.select().order_by(AuditEvent.id.desc()).first()
    assert row.at == dt.datetime(2026, 3, 10, 10, 0, 0, 123456)
    assert auditor.verify().ok


def test_the_canonical_form_is_fixed():
    """The hash is a contract with every row already written: this digest must never change."""
    digest = audit_chain.row_hash(1, dt.datetime(2026, 1, 5, 9, 30), "ana", "login", "staff", "ana", "",
                                  audit_chain.GENESIS)
    text = ('{"action":"login","at":"2026-01-05 09:30:00.000000","detail":"","entity":"staff","entity_id":"ana",'
            '"id":1,"previous":"' + "0" * 64 + '","staff":"ana"}')
    import hashlib

    assert digest == hashlib.sha256(text.encode()).hexdigest()
