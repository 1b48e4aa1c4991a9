"""What an auditor runs: check the audit's hash chain, and export a period of the audit.

`verify` walks the whole chain in id order, a batch at a time (never every row in memory), and names
the first row whose hash does not follow from its content and the row before it. It needs no PIN and
writes nothing. A chain rewritten from some row to the end, hashes and all, is consistent again; only
a head recorded earlier (`anchors`: an id and the hash `verify` reported for it) shows that.

`export` streams a period's rows, oldest first, as CSV (cells through deskapp.core.cells) or JSON
lines, for a supervisor only; the export is itself audited (who, which days, how many rows), and a
refused one too.
"""
from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TextIO

from deskapp.core.cells import cell
from deskapp.core.clock import day_bounds
from deskapp.core.context import Context
from deskapp.core.security import audit
from deskapp.core.security.auth import Session
from deskapp.core.security.permissions import Forbidden, acts_as, require
from deskapp.db.audit_chain import GENESIS, canonical_time, row_hash
from deskapp.db.database import transaction
from deskapp.db.models import AuditEvent
from deskapp.errors import BadInput
from deskapp.i18n import _

BATCH = 2000
FORMATS = ("csv", "jsonl")
COLUMNS = ("id", "at_utc", "staff", "action", "entity", "entity_id", "detail", "hash")


class AuditExportInvalid(BadInput):
    """An export asked for something that cannot be given (the period, the format)."""


@dataclass(frozen=True)
class BrokenRow:
    """The first row at which the chain does not hold."""

    id: int
    at: dt.datetime | str
    staff: str | None
    action: str
    reason: str


@dataclass(frozen=True)
class ChainReport:
    rows: int  # rows checked (all of them when the chain holds)
    head_id: int | None  # the last row checked that holds, and its hash: an anchor for a later verify
    head_hash: str | None
    broken: BrokenRow | None

    @property
    def ok(self) -> bool:
        return self.broken is None


def _rows(query_filter=None) -> Iterator[AuditEvent]:
    """Audit rows in id order, fetched a batch at a time by id (keyset), never all at once."""
    last_id = 0
    while True:
        query = AuditEvent.select().where(AuditEvent.id > last_id)
        if query_filter is not None:
            query = query.where(query_filter)
        batch = list(query.order_by(AuditEvent.id).limit(BATCH))
        yield from batch
        if len(batch) < BATCH:
            return
        last_id = batch[-1].id


def verify(*, anchors: dict[int, str] | None = None,
           progress: Callable[[float], None] | None = None) -> ChainReport:
    """Check every row's hash against its content and the previous row's hash, oldest first.

    `anchors` maps row ids to the hashes an auditor noted earlier; a row among them that is gone or
    whose hash differs breaks the chain there. `progress` is told the fraction done now and then."""
    anchors = dict(anchors or {})
    total = AuditEvent.select().count() if progress else 0
    previous, previous_id, head_id, checked = GENESIS, None, None, 0

    def broken(row: AuditEvent | None, reason: str) -> ChainReport:
        found = None if row is None else BrokenRow(row.id, row.at, row.staff, row.action, reason)
        return ChainReport(checked, head_id, previous if head_id is not None else None, found)

    for row in _rows():
        missing = sorted(a for a in anchors if a < row.id)
        if missing:
            return broken(row, _("the anchored row {row} is gone: the chain was rewritten before this row").format(
                row=missing[0]))
        gap = (_("; ids jump from {last} to {row}, so a row may have been removed before it").format(
            last=previous_id, row=row.id) if previous_id is not None and row.id != previous_id + 1 else "")
        if not row.hash:
            return broken(row, _("has no hash: it was not written by deskapp{gap}").format(gap=gap))
        expected = row_hash(row.id, row.at, row.staff, row.action, row.entity, row.entity_id, row.detail, previous)
        if row.hash != expected:
            return broken(row, _("does not match its hash: it, or the chain before it, was changed behind "
                                 "deskapp's back{gap}").format(gap=gap))
        if row.id in anchors and anchors.pop(row.id) != row.hash:
            return broken(row, _("holds but differs from the anchor noted for it: the chain was rewritten "
                                 "up to here"))
        previous, previous_id, head_id = row.hash, row.id, row.id
        checked += 1
        if progress and checked % BATCH == 0:
            progress(min(checked / max(total, 1), 1.0))
    if anchors:
        return ChainReport(checked, head_id, previous if head_id is not None else None,
                           BrokenRow(min(anchors), "", None, "",
                                     _("the anchored row is gone: the end of the audit was removed")))
    if progress:
        progress(1.0)
    return ChainReport(checked, head_id, previous if head_id is not None else None, None)


def _period(ctx: Context, first: dt.date, last: dt.date) -> tuple[dt.datetime, dt.datetime]:
    if last < first:
        raise AuditExportInvalid(_("the period ends ({last}) before it starts ({first})").format(last=last, first=first))
    return day_bounds(first, ctx.timezone)[0], day_bounds(last, ctx.timezone)[1]


@acts_as("audit.export")
def export(ctx: Context, session: Session, first: dt.date, last: dt.date, fmt: str, out: TextIO) -> int:
    """Write the audit rows of branch-local days first..last (inclusive), oldest first, to `out`;
    the number of rows. Supervisors only; audited, refused or done, in the session's name."""
    if fmt not in FORMATS:
        raise AuditExportInvalid(_("an audit export is {formats}, not '{format}'").format(
            formats=_("{some} or {last}").format(some=", ".join(FORMATS[:-1]), last=FORMATS[-1]), format=fmt))
    since, until = _period(ctx, first, last)
    period = f"{first.isoformat()}..{last.isoformat()}"
    try:
        require(session, "audit.export")
    except Forbidden:
        transaction(lambda: audit.record(ctx.now(), session.login, "audit_export_refused", "audit", "", period))
        raise
    rows = _rows((AuditEvent.at >= since) & (AuditEvent.at < until))
    count = _write_csv(rows, out) if fmt == "csv" else _write_jsonl(rows, out)
    out.flush()
    transaction(lambda: audit.record(ctx.now(), session.login, "audit_export", "audit", "",
                                     f"{period}, {count} rows, {fmt}"))
    return count


def _values(row: AuditEvent) -> dict:
    return {"id": row.id, "at_utc": canonical_time(row.at), "staff": row.staff, "action": row.action,
            "entity": row.entity, "entity_id": row.entity_id, "detail": row.detail, "hash": row.hash}


def _write_csv(rows: Iterator[AuditEvent], out: TextIO) -> int:
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    count = 0
    for row in rows:
        values = _values(row)
        writer.writerow([cell(values[c]) if values[c] is not None else "" for c in COLUMNS])
        count += 1
    return count


def _write_jsonl(rows: Iterator[AuditEvent], out: TextIO) -> int:
    count = 0
    for row in rows:
        out.write(json.dumps(_values(row), ensure_ascii=False) + "\n")
        count += 1
    return count
