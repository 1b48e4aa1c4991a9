"""`deskapp backup` / `deskapp restore`: a consistent copy while a desk keeps writing, identical rows back.

PostgreSQL tests use whole databases (a backup is of the whole database), created and dropped here.
"""
from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
import uuid

import pytest
from click.testing import CliRunner

from deskapp.cli import main
from deskapp.core.clock import FixedClock
from deskapp.core.startup import open_context
from deskapp.db import backup, database, migrate
from tests.conftest import PG_URL, ROOT, require_pg
from tests.unit import backup_writer


class PgDatabases:
    """Whole throw-away databases on the test server, dropped at the end."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def new(self) -> str:
        import psycopg

        name = f"deskapp_b_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(PG_URL, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        self.names.append(name)
        base, _, _ = PG_URL.rpartition("/")
        return f"{base}/{name}"

    def drop(self) -> None:
        import psycopg

        with psycopg.connect(PG_URL, autocommit=True) as conn:
            for name in self.names:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "pg"])
def new_db(request, tmp_path):
    """A factory of new, empty database URLs on one backend."""
    if request.param == "sqlite":
        count = iter(range(1000))
        yield lambda: f"sqlite:///{tmp_path}/db{next(count)}.db"
        return
    require_pg()
    dbs = PgDatabases()
    try:
        yield dbs.new
    finally:
        database.close()
        dbs.drop()


def table_rows(url: str) -> dict[str, list[tuple]]:
    """Every table's rows, sorted, in the database at `url`."""
    database.connect(url)
    try:
        if database.is_postgres():
            names = [r[0] for r in database.db.execute_sql(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'")]
        else:
            names = [r[0] for r in database.db.execute_sql("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {name: sorted((tuple(r) for r in database.db.execute_sql(f'SELECT * FROM "{name}"')), key=repr)
                for name in names}
    finally:
        database.close()


def event_count(url: str) -> int:
    database.connect(url)
    try:
        return backup_writer.events()
    finally:
        database.close()


def test_backup_while_a_desk_writes_restores_identical_rows(shipped_network, new_db, tmp_path):
    source, target, replica = new_db(), new_db(), new_db()
    ready = tmp_path / "writer-ready"
    writer = subprocess.Popen([sys.executable, "-m", "tests.unit.backup_writer", source, str(ready)], cwd=ROOT)
    try:
        deadline = time.monotonic() + 60
        while not ready.exists():
            assert writer.poll() is None, "the writer process stopped"
            assert time.monotonic() < deadline, "the writer never got going"
            time.sleep(0.05)

        seen: list[int] = []

        def progress(done: int, total: int) -> None:
            # What the writer has committed so far, read beside the copy, and a pause so that
            # the copy takes long enough for the writer to commit during it.
            seen.append(event_count(source))
            time.sleep(0.02)

        before = event_count(source)
        backup.backup(source, tmp_path / "copy.bak", progress=progress, pages_per_step=8)
        after = event_count(source)
    finally:
        writer.send_signal(signal.SIGTERM)
        writer.wait(timeout=30)

    assert after > before, "the writer made no progress while the backup ran"
    if source.startswith("sqlite"):
        assert len(seen) > 3 and seen[-1] > seen[0], "no write landed while the SQLite copy was being made"

    backup.restore(tmp_path / "copy.bak", target)
    restored = table_rows(target)
    held = event_count(target)
    assert before <= held <= after

    # The source as of the backup: the writer's same steps replayed on a new database until it
    # holds as many events. A torn copy would match no step boundary, or differ in some row.
    ctx = open_context(shipped_network, replica, FixedClock(backup_writer.START))  # config.yaml, as the writer opens it
    try:
        steps = backup_writer.replay(ctx, held)
        assert backup_writer.events() == held, f"no step boundary of the writer has {held} events"
    finally:
        database.close()
    assert steps > 8
    expected = table_rows(replica)
    # The migration history records the wall-clock time each script ran, which no replay repeats;
    # the writer never changes it, so the source as it is now is the source as of the backup.
    expected["schema_migration"] = table_rows(source)["schema_migration"]
    assert restored.keys() == expected.keys()
    for table in expected:
        assert restored[table] == expected[table], f"table {table} differs from the source as of the backup"


def test_restore_refuses_a_target_that_is_not_empty_unless_forced(config, new_db, tmp_path):
    source, target = new_db(), new_db()
    ctx = open_context(config, source, FixedClock(backup_writer.START))
    for n in range(8):
        backup_writer.step(ctx, n)
    database.close()
    open_context(config, target)  # the target now holds a migrated, synced deskapp database
    database.close()

    backup.backup(source, tmp_path / "copy.bak")
    with pytest.raises(backup.BackupError, match="is not empty"):
        backup.restore(tmp_path / "copy.bak", target)
    assert event_count(target) == 0

    backup.restore(tmp_path / "copy.bak", target, force=True)
    assert table_rows(target) == table_rows(source)


def test_restore_of_an_older_backup_runs_the_migrations(new_db, tmp_path):
    source, target = new_db(), new_db()
    database.connect(source)
    first = migrate.runner().migrations()[0].name
    migrate.migrate(first)
    database.close()

    backup.backup(source, tmp_path / "old.bak")
    result = backup.restore(tmp_path / "old.bak", target)

    database.connect(target)
    try:
        assert migrate.pending() == []
        latest = migrate.latest()
    finally:
        database.close()
    assert first not in result.migrations_applied
    assert result.migrations_applied[-1] == latest


def test_backup_refuses_to_overwrite_and_leaves_nothing_half_written(sqlite_url, tmp_path):
    out = tmp_path / "copy.bak"
    out.write_text("an earlier file")
    with pytest.raises(backup.BackupError, match="already exists"):
        backup.backup(sqlite_url, out)
    assert out.read_text() == "an earlier file"
    backup.backup(sqlite_url, out, force=True)
    assert backup.backup_kind(out) == "sqlite"
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".partial")] == []


def test_restore_clear_messages_for_a_missing_or_foreign_file(tmp_path):
    target = f"sqlite:///{tmp_path}/new.db"
    with pytest.raises(backup.BackupError, match="there is no backup file"):
        backup.restore(tmp_path / "missing.bak", target)
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(backup.BackupError, match="not a deskapp backup"):
        backup.restore(tmp_path / "notes.txt", target)
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE t (x)")
    conn.close()
    with pytest.raises(backup.BackupError, match="not a deskapp backup"):
        backup.restore(other, target)
    assert not (tmp_path / "new.db").exists() or os.path.getsize(tmp_path / "new.db") == 0


def test_a_sqlite_backup_is_refused_for_a_postgresql_target(sqlite_url, tmp_path):
    backup.backup(sqlite_url, tmp_path / "copy.bak")
    with pytest.raises(backup.BackupError, match="SQLite backup"):
        backup.restore(tmp_path / "copy.bak", "postgresql://postgres@127.0.0.1/whatever")


def test_backup_without_pg_dump_says_so(monkeypatch, tmp_path):
    require_pg()
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty folder: no pg_dump on PATH
    with pytest.raises(backup.BackupError, match="pg_dump is not installed or not on PATH"):
        backup.backup(PG_URL, tmp_path / "copy.dump")
    assert list(tmp_path.iterdir()) == []


def test_cli_backup_and_restore_messages(sqlite_url, tmp_path):
    runner = CliRunner()
    out = tmp_path / "copy.bak"
    done = runner.invoke(main, ["--db", sqlite_url, "backup", str(out)])
    assert done.exit_code == 0, done.output
    assert "Backup written to" in done.output

    again = runner.invoke(main, ["--db", sqlite_url, "backup", str(out)])
    assert again.exit_code == 1
    assert "already exists" in again.output and "Traceback" not in again.output

    missing = runner.invoke(main, ["restore", str(tmp_path / "nope.bak"), "--db", f"sqlite:///{tmp_path}/n.db"])
    assert missing.exit_code == 1
    assert "there is no backup file" in missing.output

    restored = runner.invoke(main, ["restore", str(out), "--db", f"sqlite:///{tmp_path}/n.db", "--json"])
    assert restored.exit_code == 0, restored.output
    assert '"backend": "sqlite"' in restored.output

    busy = runner.invoke(main, ["restore", str(out), "--db", f"sqlite:///{tmp_path}/n.db"])
    assert busy.exit_code == 1
    assert "is not empty" in busy.output

    nowhere = runner.invoke(main, ["restore", str(out)])
    assert nowhere.exit_code == 2
    assert "--db URL" in nowhere.output


def damage(path, name: str) -> None:
    """Overwrite the first page of table or index `name` in the SQLite file at `path` with garbage,
    as a disk fault would (the file is checkpointed first so the page is in the file itself)."""
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        page = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (name,)).fetchone()[0]
        size = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    with open(path, "r+b") as f:
        f.seek((page - 1) * size)
        f.write(b"\xa5" * size)


def deskapp_cli(*args: str, cwd) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "deskapp", "--config", str(ROOT / "config.yaml"), *args],
                          cwd=cwd, capture_output=True, text=True, timeout=60)


def test_a_damaged_sqlite_file_is_one_line_for_every_command(tmp_path):
    url = f"sqlite:///{tmp_path / 'branch.db'}"
    assert deskapp_cli("--db", url, "init", cwd=tmp_path).returncode == 0
    assert deskapp_cli("--db", url, "queue", "issue", "--service", "CASH", cwd=tmp_path).returncode == 0
    damage(tmp_path / "branch.db", "ticket")
    for args in (("queue", "check"), ("queue", "status"), ("backup", str(tmp_path / "copy.bak"))):
        result = deskapp_cli("--db", url, *args, cwd=tmp_path)
        said = [line for line in (result.stdout + result.stderr).splitlines() if line.strip() != "Backing up"]
        assert result.returncode == 1, (args, said)
        assert len(said) == 1 and "damaged" in said[0] and "Traceback" not in result.stderr, (args, said)
    assert not (tmp_path / "copy.bak").exists()


def misindex(path) -> None:
    """Make staff_login index another column without rebuilding it: every table still reads, and
    only PRAGMA integrity_check sees the damage (as with a page lost mid-file)."""
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA writable_schema=ON")
        conn.execute("""UPDATE sqlite_master SET sql = replace(sql, '("login")', '("name")') WHERE name = 'staff_login'""")
    conn.close()


def test_queue_check_reports_damage_only_integrity_check_sees(tmp_path):
    url = f"sqlite:///{tmp_path / 'branch.db'}"
    assert deskapp_cli("--db", url, "init", cwd=tmp_path).returncode == 0
    assert "sound" in deskapp_cli("--db", url, "queue", "check", cwd=tmp_path).stdout
    misindex(tmp_path / "branch.db")
    result = deskapp_cli("--db", url, "queue", "check", cwd=tmp_path)
    assert result.returncode == 1
    assert re.fullmatch(r"The database file is damaged \(row 1 missing from index staff_login; \d+ more problems\): "
                        r"restore the last good backup\.", result.stdout.strip())


@pytest.mark.parametrize("how", ["page", "index"])
def test_restore_checks_integrity_before_it_says_restored(tmp_path, how):
    url = f"sqlite:///{tmp_path / 'branch.db'}"
    assert deskapp_cli("--db", url, "init", cwd=tmp_path).returncode == 0
    good = tmp_path / "good.bak"
    backup.backup(url, good)
    bad = tmp_path / "bad.bak"
    bad.write_bytes(good.read_bytes())
    damage(bad, "customer_national_id") if how == "page" else misindex(bad)
    target = tmp_path / "new.db"
    with pytest.raises(backup.BackupError, match="damaged"):
        backup.restore(bad, f"sqlite:///{target}")
    assert not target.exists()
    result = deskapp_cli("restore", str(bad), "--db", f"sqlite:///{target}", cwd=tmp_path)
    assert result.returncode == 1 and "Restored" not in result.stdout
    assert "damaged" in result.stderr and "Traceback" not in result.stderr
    backup.restore(good, f"sqlite:///{target}")  # the good one still restores, into the untouched target
