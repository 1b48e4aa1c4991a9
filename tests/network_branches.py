"""More branches in one test database, written through the data layer (the configuration describes one).

Shared by the network view's and the network report's tests: a branch with its services, counters and
change marker, and tickets with exactly the times a test wants (so every figure can be worked out by hand).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from deskapp.db.models import Branch, ChangeMarker, Counter, CounterService, Feedback, FollowUp, Service, Ticket


@dataclass
class Made:
    branch: int
    services: dict[str, int]
    counters: dict[str, int]
    seq: dict[int, int] = field(default_factory=dict)


def add_branch(code: str, name: str, timezone: str = "Europe/Lisbon", *,
               services: tuple[tuple[str, str, int], ...] = (("CASH", "A", 10),), counters: int = 2,
               open_counters: int = 1, opened_at: dt.datetime | None = None) -> Made:
    """A branch with services (code, prefix, target minutes), counters "1".."counters" serving every
    service (the first `open_counters` open since `opened_at`), and its change marker."""
    branch = Branch.create(code=code, name=name, timezone=timezone)
    ChangeMarker.create(branch=branch, seq=0)
    made = Made(branch.id, {}, {})
    for s_code, prefix, target in services:
        made.services[s_code] = Service.create(branch=branch, code=s_code, name=f"{s_code} service", prefix=prefix,
                                               target_wait_minutes=target, typical_service_minutes=5).id
    for i in range(1, counters + 1):
        is_open = i <= open_counters
        c = Counter.create(branch=branch, code=str(i), name=f"Counter {i}", state="open" if is_open else "closed",
                           state_since=opened_at if is_open else None)
        made.counters[str(i)] = c.id
        for position, sid in enumerate(made.services.values()):
            CounterService.create(counter=c, service=sid, position=position)
    return made


def add_ticket(made: Made, service: str, day: dt.date, issued: dt.datetime, *, status: str = "done",
               wait: float | None = None, service_minutes: float | None = None, counter: str | None = None,
               csat: int | None = None, nps: int | None = None) -> int:
    """A ticket issued at `issued`; `wait` minutes to its call, then `service_minutes` of service."""
    sid = made.services[service]
    made.seq[sid] = made.seq.get(sid, 0) + 1
    called = None if wait is None else issued + dt.timedelta(minutes=wait)
    started = called if called is not None and status in ("serving", "done", "transferred") else None
    ended = None if started is None or service_minutes is None else started + dt.timedelta(minutes=service_minutes)
    t = Ticket.create(branch=made.branch, service=sid, day=day, seq=made.seq[sid], number=f"A{made.seq[sid]:03d}",
                      priority="normal", status=status, issued_at=issued, queued_at=issued, called_at=called,
                      started_at=started, ended_at=ended,
                      counter=made.counters.get(counter) if counter else None)
    if csat is not None or nps is not None:
        Feedback.create(ticket=t, branch=made.branch, service=sid, answered=True, csat=csat, nps=nps,
                        entered_by="customer", at=ended or issued)
    return t.id


def add_followup(made: Made, due: dt.datetime, *, created: dt.datetime, status: str = "open",
                 closed: dt.datetime | None = None) -> int:
    return FollowUp.create(branch=made.branch, source="manual", reason="call back", created_at=created, due_at=due,
                           status=status, closed_at=closed).id


def made_for(branch_id: int) -> Made:
    """A Made for a branch already in the database (its services and counters by code)."""
    return Made(branch_id, dict(Service.select(Service.code, Service.id).where(Service.branch == branch_id).tuples()),
                dict(Counter.select(Counter.code, Counter.id).where(Counter.branch == branch_id).tuples()))
