"""The audit's hash chain: each audit_event row carries a SHA-256 over its content and the previous row's hash.

One chain for the whole database, in id order. A row's hash covers a canonical serialisation of the
row (JSON, keys sorted, id included, the time as ISO 8601 to the microsecond) and the hash of the
row before it (GENESIS for the first), so a row changed, removed or slipped in behind deskapp's back
breaks the chain at that row or the one after it. What is hashed is a contract: migration 0013 filled
in the rows written before it with this very function, so it never changes.

Writers take `next_link()` inside their transaction: on PostgreSQL it first takes a transaction-level
advisory lock, so desks writing at once chain one after the other and ids follow chain order (the id
comes from the sequence under the lock); SQLite transactions begin IMMEDIATE, already one writer at a time.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json

from deskapp.db.database import db, is_postgres

GENESIS = "0" * 64
LOCK_KEY = 0x61756474  # "audt"; deskapp.db.migrate uses "desk"


def canonical_time(at: object) -> str:
    """The time as hashed: naive UTC, ISO 8601 with microseconds (a stored text is taken as it is)."""
    if isinstance(at, dt.datetime):
        if at.tzinfo is not None:
            at = at.astimezone(dt.UTC).replace(tzinfo=None)
        return at.isoformat(sep=" ", timespec="microseconds")
    return str(at)


def row_hash(row_id: int, at: object, staff: str | None, action: str, entity: str, entity_id: str,
             detail: str, previous: str) -> str:
    """The hex SHA-256 of one row's content and the previous row's hash."""
    content = {
        "id": int(row_id), "at": canonical_time(at), "staff": staff, "action": action, "entity": entity or "",
        "entity_id": entity_id or "", "detail": detail or "", "previous": previous,
    }
    text = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def next_link() -> tuple[int, str]:
    """The id the next audit row takes and the hash it chains to; call inside the transaction that inserts it.

    PostgreSQL: holds the chain's advisory lock until that transaction ends, and takes the id from the
    table's sequence under it, so a later row always has a larger id. SQLite: the transaction's write
    lock (BEGIN IMMEDIATE) already keeps other writers out; the id is the last one plus one.
    """
    if is_postgres():
        db.execute_sql("SELECT pg_advisory_xact_lock(%s)", (LOCK_KEY,))
    last = db.execute_sql("SELECT id, hash FROM audit_event ORDER BY id DESC LIMIT 1").fetchone()
    previous = GENESIS if last is None else (last[1] or "")
    if is_postgres():
        (new_id,) = db.execute_sql("SELECT nextval(pg_get_serial_sequence('audit_event', 'id'))").fetchone()
        if last is not None and new_id <= last[0]:  # a row inserted by hand with an id ahead of the sequence
            new_id = last[0] + 1  # (setval is not the desk role's to call; the sequence catches up by itself)
    else:
        new_id = 1 if last is None else last[0] + 1
    return new_id, previous
