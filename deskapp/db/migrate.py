"""Creating and upgrading the schema with the numbered scripts in migrations/.

Several desks may start at once against a new database; the whole upgrade runs in one
transaction holding a lock (BEGIN IMMEDIATE on SQLite, an advisory lock on PostgreSQL), so
exactly one of them applies each script and the others find it applied.
"""
from __future__ import annotations

from pathlib import Path

import peewee
from playhouse.migrations import Runner

from deskapp.db.database import DatabaseUnavailable, db, is_postgres
from deskapp.i18n import _

MIGRATIONS = Path(__file__).parent / "migrations"
_LOCK_KEY = 0x6465736B  # "desk"


def runner() -> Runner:
    return Runner(db.obj, str(MIGRATIONS))


def pending() -> list[str]:
    """Names of the scripts not yet applied to the bound database."""
    return [m.name for m in runner().status() if m.applied is None and m.path is not None]


def migrate(target: str | None = None) -> list[str]:
    """Apply every pending script (or up to `target`) and return the names applied."""
    with db.atomic():
        if is_postgres():
            db.execute_sql("SELECT pg_advisory_xact_lock(%s)", (_LOCK_KEY,))
        if target is None and not pending():
            return []  # nothing to do, and no DDL: a PostgreSQL desk role (deskapp.db.roles) may not do any
        try:
            return runner().up(target)
        except peewee.ProgrammingError as exc:
            if "permission denied" in str(exc) or "must be owner" in str(exc):  # i18n: not words
                raise DatabaseUnavailable(_(
                    "the database needs upgrading and this role may not change its schema: run `deskapp init` "
                    "with the owner's URL first")) from None
            raise


def latest() -> str:
    return runner().migrations()[-1].name
