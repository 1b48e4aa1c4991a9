"""The audit trail: who did what to which record, and when. Append-only.

A detail never carries a sensitive value (a national ID, a PIN, an account number): callers pass
what happened ("revealed national_id"), not the value. The database refuses updates and deletes
of audit rows by trigger (migrations 0001 and 0012), so this module only ever inserts; each row it
writes is chained to the one before it by a hash (deskapp.db.audit_chain, migration 0013), which
`deskapp audit verify` (deskapp.core.security.auditor) checks.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from deskapp import logs
from deskapp.db import audit_chain
from deskapp.db.database import db
from deskapp.db.models import AuditEvent


@dataclass(frozen=True)
class AuditEntry:
    at: dt.datetime
    staff: str | None
    action: str
    entity: str
    entity_id: str
    detail: str


def record(now: dt.datetime, staff: str | None, action: str, entity: str = "", entity_id: object = "", detail: str = "") -> None:
    """Append one row, chained to the last (in the caller's transaction, else in one of its own).

    On PostgreSQL this holds the audit chain's lock until the caller's transaction ends, so keep
    what follows a record() in the same transaction short."""
    if now.tzinfo is not None:  # stored, and hashed, as naive UTC like every time in the database
        now = now.astimezone(dt.UTC).replace(tzinfo=None)
    entity_id = str(entity_id)
    with db.atomic():
        row_id, previous = audit_chain.next_link()
        digest = audit_chain.row_hash(row_id, now, staff, action, entity, entity_id, detail, previous)
        AuditEvent.insert(id=row_id, at=now, staff=staff, action=action, entity=entity, entity_id=entity_id,
                          detail=detail, hash=digest).execute()
    logs.action(staff, action, **({entity or "record": entity_id} if entity_id != "" else {}))  # never the detail


def entries(*, staff: str | None = None, entity: str | None = None, entity_id: object | None = None,
            since: dt.datetime | None = None, until: dt.datetime | None = None, limit: int = 200) -> list[AuditEntry]:
    """The newest audit entries matching every filter given."""
    query = AuditEvent.select().order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit)
    if staff is not None:
        query = query.where(AuditEvent.staff == staff)
    if entity is not None:
        query = query.where(AuditEvent.entity == entity)
    if entity_id is not None:
        query = query.where(AuditEvent.entity_id == str(entity_id))
    if since is not None:
        query = query.where(AuditEvent.at >= since)
    if until is not None:
        query = query.where(AuditEvent.at < until)
    return [AuditEntry(e.at, e.staff, e.action, e.entity, e.entity_id, e.detail) for e in query]
