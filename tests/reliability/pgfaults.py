"""PostgreSQL fault tools: a schema whose connections carry a name of their own, found and ended
from an administrator connection, as a failover or a DBA's pg_terminate_backend would."""
from __future__ import annotations

import time
import uuid

import psycopg

from tests.conftest import PG_URL, BouncedSchema, PgSchema


class NamedSchema(PgSchema):
    """A throw-away schema whose URL sets application_name, so only this test's backends are ended."""

    def __init__(self) -> None:
        super().__init__()
        self.app_name = f"deskapp_fault_{uuid.uuid4().hex[:10]}"
        self.url = f"{self.url}&application_name={self.app_name}"


class BouncedNamedSchema(BouncedSchema):
    """NamedSchema through PgBouncer: PgBouncer gives its server connections the client's application_name."""

    def __init__(self, bouncer) -> None:
        self.app_name = f"deskapp_fault_{uuid.uuid4().hex[:10]}"
        super().__init__(bouncer, app_name=self.app_name)


def backends(schema: NamedSchema, *, waiting_on_lock: bool = False) -> list[int]:
    """Server pids of the schema's connections (optionally only those waiting for a lock)."""
    sql = "SELECT pid FROM pg_stat_activity WHERE application_name = %s"
    if waiting_on_lock:
        sql += " AND wait_event_type = 'Lock'"
    with psycopg.connect(PG_URL, autocommit=True) as admin:
        return [row[0] for row in admin.execute(sql, (schema.app_name,))]


def terminate(pid: int) -> None:
    with psycopg.connect(PG_URL, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))


def wait_for_waiter(schema: NamedSchema, *, other_than: tuple[int, ...] = (), timeout: float = 30.0) -> int:
    """The pid of a backend of the schema that waits on a lock (not one of `other_than`)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [pid for pid in backends(schema, waiting_on_lock=True) if pid not in other_than]
        if found:
            return found[0]
        time.sleep(0.02)
    raise AssertionError("no connection of the desk came to wait on the lock")
