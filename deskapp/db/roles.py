"""PostgreSQL least privilege: the desk role the app connects as.

`deskapp init`, run with the owner's URL (the role that created the tables and runs the
migrations), creates the role named by `database.desk_role` if it is missing (LOGIN, no password:
the owner sets one, or the server authenticates it otherwise) and grants it exactly what the
desks need, in the schema deskapp's tables are in:

- USAGE on the schema, never CREATE: no DDL (no table, index, trigger or function of its own);
- SELECT, INSERT, UPDATE, DELETE on the application's tables; never TRUNCATE, REFERENCES or TRIGGER;
- on audit_event only SELECT and INSERT (and the triggers refuse UPDATE, DELETE and TRUNCATE to
  everyone, owner included);
- on schema_migration only SELECT: a desk sees the schema is up to date, an upgrade is the owner's;
- USAGE and SELECT on the sequences, for new rows' ids.

Run again after an upgrade (new tables) or to put back rights granted by hand: it revokes
everything on the schema's tables first, then grants the list above. A role that is a superuser,
or may bypass row security, is refused: it would have every right whatever is granted here.
"""
from __future__ import annotations

import re

from deskapp.db.database import db, is_postgres
from deskapp.errors import DeskappError
from deskapp.i18n import _

AUDIT = "audit_event"
HISTORY = "schema_migration"
RIGHTS = {AUDIT: "SELECT, INSERT", HISTORY: "SELECT"}  # i18n: not words
EVERY_RIGHT = "SELECT, INSERT, UPDATE, DELETE"  # i18n: not words
ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


class RoleError(DeskappError):
    """The desk role cannot be set up as asked; the message says why."""

    severity = "error"


def grant_desk_role(role: str) -> str:
    """Create or update `role` on the bound PostgreSQL database; what was done, in one line."""
    if not is_postgres():
        raise RoleError(_("database.desk_role is for PostgreSQL; a SQLite file's permissions are its boundary"))
    if not ROLE_NAME.match(role):
        raise RoleError(_("the desk role '{role}' is not a plain PostgreSQL name (lower-case letters, digits, _)").format(
            role=role))
    with db.atomic():
        found = db.execute_sql("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = %s", (role,)).fetchone()
        if found and any(found):
            raise RoleError(_("the desk role '{role}' is a superuser (or bypasses row security): it could do "
                              "anything; choose another name for the desks' role").format(role=role))
        owner = db.execute_sql("SELECT current_user").fetchone()[0]
        if role == owner:
            raise RoleError(_("the desk role '{role}' is the owner running init; give the desks a role of their "
                              "own").format(role=role))
        if not found:
            db.execute_sql(f'CREATE ROLE "{role}" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE')  # i18n: not words
        schema = db.execute_sql("SELECT current_schema()").fetchone()[0]
        tables = [name for (name,) in db.execute_sql(
            "SELECT tablename FROM pg_tables WHERE schemaname = %s ORDER BY tablename", (schema,)).fetchall()]
        q_schema = '"' + schema.replace('"', '""') + '"'
        db.execute_sql(f'REVOKE ALL ON SCHEMA {q_schema} FROM "{role}"')  # i18n: not words
        db.execute_sql(f'GRANT USAGE ON SCHEMA {q_schema} TO "{role}"')  # i18n: not words
        for table in tables:
            name = f'{q_schema}."{table}"'
            db.execute_sql(f'REVOKE ALL ON {name} FROM "{role}"')  # i18n: not words
            rights = RIGHTS.get(table, EVERY_RIGHT)
            db.execute_sql(f'GRANT {rights} ON {name} TO "{role}"')  # i18n: not words
        db.execute_sql(f'REVOKE ALL ON ALL SEQUENCES IN SCHEMA {q_schema} FROM "{role}"')  # i18n: not words
        db.execute_sql(f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {q_schema} TO "{role}"')  # i18n: not words
    said = (_("desk role {role}: updated; {n} tables in schema {schema} (audit: SELECT, INSERT; migrations: "
              "SELECT; no DDL)") if found else
            _("desk role {role}: created; {n} tables in schema {schema} (audit: SELECT, INSERT; migrations: SELECT; "
              "no DDL)"))
    return said.format(role=role, n=len(tables), schema=schema)
