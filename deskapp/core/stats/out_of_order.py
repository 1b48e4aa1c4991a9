"""How often tellers call a waiting ticket before its turn, and why, over a period (issue 19, the floor).

A call out of the calling order (queue.call_ticket) writes its `called` event with
`{"out_of_order": true, "reason": ..., "next": ...}`. Here, within branch-local days since..until:
- `all`: out-of-order calls against every call made by a person (a `called` event naming staff);
- `reason`: per reason given (the configured pick list's words, or the teller's own after "Other"),
  its count and its share of every call;
- `staff`: per person who called out of order, their out-of-order calls and the share of their calls.
Recalls are not calls here (their own event kind). The supervisor's screen shows today's; the report
(deskapp.core.stats.reports) has the period's as its `out_of_order` table.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from peewee import SQL, Case, fn

from deskapp.core.clock import day_bounds
from deskapp.core.context import Context
from deskapp.db.models import Counter, Staff, TicketEvent
from deskapp.i18n import _

OUT_OF_ORDER_MARK = '"out_of_order": true'  # i18n: not words


@dataclass(frozen=True)
class OutOfOrderRow:
    by: str  # "all", "reason" or "staff"
    key: str | None  # the reason, or the staff member's login
    name: str | None  # the staff member's name
    out_of_order: int
    calls: int  # what it is a share of: every call in the period (all, reason), the person's calls (staff)

    @property
    def share(self) -> float | None:
        return self.out_of_order / self.calls if self.calls else None


def out_of_order_calls(ctx: Context, since: dt.date, until: dt.date) -> list[OutOfOrderRow]:
    """The `all` row, then per reason (most given first), then per person (most out of order first);
    only the `all` row when nobody called out of order."""
    start, end = day_bounds(since, ctx.timezone)[0], day_bounds(until, ctx.timezone)[1]
    # One read: per person, their calls grouped by the detail of the out-of-order ones (each its own
    # row; every call in order in one row with no detail), so the supervisor's refresh costs one statement.
    calls: dict[int, int] = {}
    reasons: dict[str, int] = {}
    per_staff: dict[int, int] = {}
    for staff_id, detail, n in _calls(ctx.branch_id, start, end):
        calls[staff_id] = calls.get(staff_id, 0) + n
        found = json.loads(detail) if detail else {}
        if not found.get("out_of_order"):
            continue
        reason = str(found.get("reason") or _("no reason given"))
        reasons[reason] = reasons.get(reason, 0) + n
        per_staff[staff_id] = per_staff.get(staff_id, 0) + n
    total = sum(calls.values())
    rows = [OutOfOrderRow("all", None, None, sum(per_staff.values()), total)]
    rows += [OutOfOrderRow("reason", reason, None, n, total)
             for reason, n in sorted(reasons.items(), key=lambda r: (-r[1], r[0].casefold()))]
    if per_staff:
        names = {s.id: (s.login, s.name) for s in Staff.select(Staff.id, Staff.login, Staff.name)
                 .where(Staff.id.in_(list(per_staff)))}
        staff_rows = [OutOfOrderRow("staff", names[sid][0], names[sid][1], n, calls.get(sid, n))
                      for sid, n in per_staff.items()]
        rows += sorted(staff_rows, key=lambda r: (-r.out_of_order, r.name or ""))
    return rows


def _calls(branch_id: int, start: dt.datetime, end: dt.datetime) -> list[tuple]:
    """(staff id, the detail of an out-of-order call or None, calls) of the branch's calls by a person in
    start..end."""
    from deskapp.db.database import db, is_postgres

    if is_postgres():
        # Per counter of the branch, its (counter, at) index (LATERAL; OFFSET 0 keeps PostgreSQL from
        # flattening it into a join). As one join or `counter IN (...)`, the planner chose the index on
        # `at` or the one on staff_id and read every branch's calls of the day (its statistics, taken
        # before the day's work, count few: 10,000 calls at 50 branches after 20 s of bench/network.py).
        return db.execute_sql(
            "SELECT e.staff_id, CASE WHEN strpos(e.detail, %s) > 0 THEN e.detail END, COUNT(*)"  # i18n: not words
            " FROM counter c CROSS JOIN LATERAL (SELECT x.staff_id, x.detail FROM ticket_event x"  # i18n: not words
            "  WHERE x.counter_id = c.id AND x.kind = 'called' AND x.at >= %s AND x.at < %s OFFSET 0) e"  # i18n: not words
            " WHERE c.branch_id = %s AND e.staff_id IS NOT NULL GROUP BY 1, 2",  # i18n: not words
            (OUT_OF_ORDER_MARK, start, end, branch_id)).fetchall()
    # Through the branch's counters and the (counter, at) index: a call is made at a counter, and the
    # period's calls are read without the branch's history (joined to the tickets by branch, SQLite
    # without planner statistics walked every ticket the branch ever had).
    of_branch = Counter.select(Counter.id).where(Counter.branch == branch_id)
    mine = (TicketEvent.counter.in_(of_branch) & (TicketEvent.kind == "called") & (TicketEvent.at >= start)
            & (TicketEvent.at < end) & TicketEvent.staff.is_null(False))
    flagged = Case(None, [(TicketEvent.detail.contains(OUT_OF_ORDER_MARK), TicketEvent.detail)], None)
    return list(TicketEvent.select(TicketEvent.staff, flagged, fn.COUNT(TicketEvent.id))
                .where(mine).group_by(SQL("1"), SQL("2")).tuples())  # by position: PostgreSQL cannot match
    # the CASE with its pattern parameter in GROUP BY against the one in the select list
