"""PostgreSQL least privilege (issue 14, build item 5): `deskapp init`, run as the owner, gives the
desk role only what the app needs; the app runs as that role, and the role cannot change, delete
or truncate the audit, nor change the schema. Roles are cluster-wide: each test names its own
with a uuid and drops it."""
from __future__ import annotations

import shutil
import uuid
from urllib.parse import urlparse

import peewee
import psycopg
import pytest
from click.testing import CliRunner

from deskapp.cli import main
from deskapp.core.queue import issuing
from deskapp.core.security import audit, auditor
from deskapp.core.startup import open_context
from deskapp.db import database, migrate, roles
from tests.conftest import CONFIG, PG_URL, PgSchema, require_pg


@pytest.fixture
def owner_and_role(tmp_path):
    require_pg()
    schema = PgSchema()
    role = f"deskapp_desk_{uuid.uuid4().hex[:12]}"
    try:
        yield schema.url, role
    finally:
        database.close()
        with psycopg.connect(PG_URL, autocommit=True) as conn:
            if conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone():
                conn.execute(f'DROP OWNED BY "{role}"')
                conn.execute(f'DROP ROLE "{role}"')
        schema.drop()


def as_role(url: str, role: str) -> str:
    parsed = urlparse(url)
    return parsed._replace(netloc=f"{role}@{parsed.hostname}:{parsed.port or 5432}").geturl()


def config_file(tmp_path, role: str):
    path = tmp_path / "config.yaml"
    text = CONFIG.read_text().replace("database:\n", f"database:\n  desk_role: {role}\n", 1)
    assert f"desk_role: {role}" in text
    path.write_text(text)
    (tmp_path / "workflows.yaml").write_text((CONFIG.parent / "workflows.yaml").read_text())
    return path


def refused(statement: str) -> str:
    with pytest.raises(peewee.DatabaseError) as caught:
        with database.db.atomic():
            database.db.execute_sql(statement)
    return str(caught.value)


def test_the_desk_role_runs_the_app_but_cannot_bend_the_audit_or_the_schema(owner_and_role, tmp_path, config):
    owner_url, role = owner_and_role
    path = config_file(tmp_path, role)
    made = CliRunner().invoke(main, ["--config", str(path), "--db", owner_url, "init"])
    assert made.exit_code == 0, made.output
    assert f"desk role {role}: created" in made.output
    again = CliRunner().invoke(main, ["--config", str(path), "--db", owner_url, "init"])
    assert f"desk role {role}: updated" in again.output
    database.close()

    desk_url = as_role(owner_url, role)
    ctx = open_context(config, desk_url)  # connects, finds the schema up to date, syncs from config
    assert ctx.migrations_applied == []
    assert database.db.execute_sql("SELECT current_user").fetchone()[0] == role
    issuing.issue(ctx, config.services[0].code)
    assert database.db.execute_sql("SELECT number FROM ticket").fetchall() == [("A001",)]
    # The audit chain's lock and the id from the sequence are the desk role's to take.
    database.transaction(lambda: audit.record(ctx.now(), "ana", "login", "staff", "ana"))
    assert auditor.verify().ok
    database.db.execute_sql("INSERT INTO audit_event (at, staff, action, entity, entity_id, detail) "
                            "VALUES (now(), 'ana', 'login', 'staff', 'ana', 'by the desk role')")
    assert database.db.execute_sql("SELECT count(*) FROM audit_event").fetchone()[0] >= 1

    for statement in ("UPDATE audit_event SET detail = 'forged'", "DELETE FROM audit_event",
                      "TRUNCATE audit_event"):
        assert "permission denied for table audit_event" in refused(statement), statement
    assert "permission denied" in refused("INSERT INTO schema_migration (name, applied) VALUES ('9999_x', now())")
    assert "permission denied" in refused("DELETE FROM schema_migration")
    assert "permission denied for schema" in refused("CREATE TABLE grabbed (id int)")
    assert "must be owner" in refused("DROP TRIGGER audit_event_append_only ON audit_event")
    assert "must be owner" in refused("ALTER TABLE audit_event DISABLE TRIGGER ALL")


def test_the_owner_cannot_truncate_the_audit_either(owner_and_role, config):
    owner_url, _role = owner_and_role
    open_context(config, owner_url)
    assert "the audit cannot be truncated" in refused("TRUNCATE audit_event")


def test_a_superuser_or_the_owner_is_refused_as_desk_role(owner_and_role, config):
    owner_url, _role = owner_and_role
    open_context(config, owner_url)
    with pytest.raises(roles.RoleError, match="superuser"):
        roles.grant_desk_role("postgres")
    with pytest.raises(roles.RoleError, match="plain PostgreSQL name"):
        roles.grant_desk_role('x"; DROP TABLE audit_event; --')


def test_a_desk_role_facing_an_upgrade_is_told_to_run_init_as_owner(owner_and_role, config, tmp_path, monkeypatch):
    owner_url, role = owner_and_role
    open_context(config, owner_url)
    roles.grant_desk_role(role)
    database.close()
    newer = tmp_path / "migrations"
    shutil.copytree(migrate.MIGRATIONS, newer, ignore=shutil.ignore_patterns("__pycache__"))
    (newer / "0999_newer.py").write_text("def up(migrator, db):\n    db.execute_sql('CREATE TABLE newer (id int)')\n")
    monkeypatch.setattr(migrate, "MIGRATIONS", newer)
    database.connect(as_role(owner_url, role))
    with pytest.raises(database.DatabaseUnavailable, match="run `deskapp init` with the owner's URL"):
        migrate.migrate()
    assert migrate.pending() == ["0999_newer"]
