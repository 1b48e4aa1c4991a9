"""The network now: one row per branch, for the area manager's and the supervisor's network screen.

`network_now` reads every branch asked for at once, in a fixed number of queries however many
branches there are (each grouped by branch or service, never one query per branch), and makes each
figure with the function that defines it for one branch:

- waiting, the longest wait against its service's target, open counters: as the supervisor's
  queues table (deskapp.core.queue.floor.queue_status), per branch from grouped reads;
- service level today: live_sums' sums of each branch's own today (its timezone's), divided by
  period_sums.figures_of as the dashboard's today;
- staffing: staffing.advice_for over each branch's services, last-hour arrivals, expected service
  minutes (estimate.service_minutes_estimate over each service's recent services, as
  deskapp.core.queue.waits.service_minutes) and open counters' profiles; a branch's need is the sum of
  its pools' needs, against its distinct open counters;
- CSAT and NPS today: customers' answers to the branch's tickets of its today (deskapp.core.metrics);
- overdue follow-ups: not done and past due (dashboard.open_followups);
- alerts: how many dashboard.alerts says for the branch.

`network_version` is the change query: one read of the branches' change markers, whose count and sum
of sequence numbers move whenever any branch changes (each marker only grows), so the screen reloads
the table only then.

Which branches: `branch_ids` (None: every branch). Restricting them to what a person may see
(area managers' assigned branches) is the caller's one parameter.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict, namedtuple
from dataclasses import dataclass

from peewee import fn

from deskapp.core import metrics
from deskapp.core.clock import day_bounds, local_day
from deskapp.core.context import Context
from deskapp.core.customers import followups
from deskapp.core.queue import HELD_STATES
from deskapp.core.queue.floor import CounterStatus, ServiceStatus
from deskapp.core.queue.waits import services_minutes
from deskapp.core.security.permissions import acts_as, require
from deskapp.core.stats import dashboard, live_sums, period_sums, staffing
from deskapp.db.models import (
    Branch,
    ChangeMarker,
    Counter,
    CounterService,
    Feedback,
    FollowUp,
    Service,
    Ticket,
    TicketEvent,
)
from deskapp.i18n import current, text

COLUMNS = ("code", "name", "waiting", "longest", "service_level", "open", "needed", "csat", "nps", "overdue",
           "alerts")


@dataclass(frozen=True)
class BranchNow:
    branch_id: int
    code: str
    name: str
    timezone: str
    today: dt.date  # the branch-local day
    waiting: int
    longest_wait_minutes: float | None  # the longest wait now, in the service furthest past its target
    longest_target_minutes: int | None  # that service's target
    longest_service: str | None
    service_level: float | None  # today, every called ticket against its service's target
    called: int
    open_counters: int  # distinct open counters
    needed: int | None  # counters needed now over every pool (None: more than estimate searches)
    advice: tuple[str, ...]  # the advice that asks for a change (not "enough")
    csat_pct: float | None  # today, customers' answers
    nps: float | None
    overdue_followups: int
    alerts: tuple[str, ...]
    # What the figures above are made of, kept so that network_total adds them up by the same definitions:
    sums: tuple[float, ...] = ()  # today's sums vector over the branch's services (live_sums' S_* positions)
    csat_answers: tuple[tuple[int | None, int], ...] = ()  # today's customer answers: (answer, how many)
    nps_answers: tuple[tuple[int | None, int], ...] = ()

    @property
    def longest_ratio(self) -> float | None:
        """The longest wait as a share of its target (above 1: past it)."""
        if self.longest_wait_minutes is None or not self.longest_target_minutes:
            return None
        return self.longest_wait_minutes / self.longest_target_minutes

    def sort_key(self, column: str):
        """A key for sorting the table by `column` (of COLUMNS); figures with no data sort last."""
        value = {"code": self.code, "name": self.name.lower(), "waiting": self.waiting, "longest": self.longest_ratio,
                 "service_level": self.service_level, "open": self.open_counters,
                 "needed": None if self.needed is None else self.needed - self.open_counters,
                 "csat": self.csat_pct, "nps": self.nps, "overdue": self.overdue_followups,
                 "alerts": len(self.alerts)}[column]
        return (value is None, value if value is not None else 0, self.code)


@dataclass(frozen=True)
class NetworkTotal:
    """The network's total row: every branch's figures added up before dividing (the service level is the
    sum of on-time calls over the sum of calls, not the mean of the branches' levels), by the functions
    that make each branch's row (network_total)."""
    branches: int
    waiting: int
    longest_wait_minutes: float | None  # the longest wait furthest past its target, in any branch
    longest_target_minutes: int | None
    longest_service: str | None
    longest_branch: str | None  # the code of the branch where it is
    service_level: float | None
    called: int
    open_counters: int
    needed: int | None  # None when any branch's need is unknown
    csat_pct: float | None
    nps: float | None
    overdue_followups: int
    alerts: int  # alerts over every branch
    branches_alerting: int

    @property
    def longest_ratio(self) -> float | None:
        if self.longest_wait_minutes is None or not self.longest_target_minutes:
            return None
        return self.longest_wait_minutes / self.longest_target_minutes


def _past_target(wait: float, target: int) -> float:
    """How far a wait is past its target (the key that picks a branch's, and the network's, longest wait)."""
    return wait / max(target, 1)


def _today_figures(sums, csat_answers, nps_answers) -> tuple[float | None, int, float | None, float | None]:
    """(service level, called, CSAT %, NPS) of a today's sums vector and customer answers: one branch's or
    the whole network's, added up."""
    figures = period_sums.figures_of(list(sums) if sums else None)
    csat = metrics.csat_counts_of(dict(csat_answers)).pct if csat_answers else None
    nps = metrics.nps_counts_of(dict(nps_answers)).score if nps_answers else None
    return figures.service_level, figures.called, csat, nps


def _added(pairs) -> tuple[tuple[int | None, int], ...]:
    total: dict = defaultdict(int)
    for answer, count in pairs:
        total[answer] += count
    return tuple(total.items())


def network_total(rows: list[BranchNow]) -> NetworkTotal:
    """The total row of these branches' rows (NetworkTotal): counts summed; the service level, CSAT and NPS
    from the summed sums and answers through the rows' own _today_figures; the longest wait the one
    furthest past its target; counters needed summed (unknown if any branch's is)."""
    width = max((len(r.sums) for r in rows), default=0)
    sums = [sum(r.sums[i] for r in rows if r.sums) for i in range(width)]
    level, called, csat, nps = _today_figures(sums, _added(p for r in rows for p in r.csat_answers),
                                              _added(p for r in rows for p in r.nps_answers))
    worst = max((r for r in rows if r.longest_wait_minutes is not None),
                key=lambda r: _past_target(r.longest_wait_minutes, r.longest_target_minutes or 0), default=None)
    needs = [r.needed for r in rows]
    return NetworkTotal(
        len(rows), sum(r.waiting for r in rows), worst and worst.longest_wait_minutes,
        worst and worst.longest_target_minutes, worst and worst.longest_service, worst and worst.code, level, called,
        sum(r.open_counters for r in rows), None if any(n is None for n in needs) else sum(needs), csat, nps,  # type: ignore[arg-type]
        sum(r.overdue_followups for r in rows), sum(len(r.alerts) for r in rows), sum(1 for r in rows if r.alerts))


def _in(column, values: list) -> object:
    return column.in_(values) if values else (column == -1)


def _as_datetime(value) -> dt.datetime:
    """MIN()/MAX() over a datetime column come back as text on SQLite."""
    return dt.datetime.fromisoformat(value) if isinstance(value, str) else value


_ServiceRow = namedtuple("_ServiceRow", "id branch code name prefix target_wait_minutes typical_service_minutes")  # i18n: not words
_CounterRow = namedtuple("_CounterRow", "id branch code name state state_since")  # i18n: not words


def _rows(make, query) -> list:
    """The query's rows as they come from the cursor (no Peewee conversion), each made by `make`."""
    from deskapp.db.database import db

    sql, params = query.sql()
    return [make(*row) if make is not tuple else row for row in db.execute_sql(sql, params).fetchall()]


def branches(branch_ids: list[int] | None = None) -> list[Branch]:
    """The branches asked for (None: all), in code order."""
    query = Branch.select()
    if branch_ids is not None:
        query = query.where(_in(Branch.id, list(branch_ids)))
    return list(query.order_by(Branch.code))


def network_version(branch_ids: list[int] | None = None) -> tuple[int, int]:
    """(markers, sum of their seq) of the branches: moves whenever any of them changes."""
    query = ChangeMarker.select(fn.COUNT(ChangeMarker.id), fn.SUM(ChangeMarker.seq))
    if branch_ids is not None:
        query = query.where(_in(ChangeMarker.branch, list(branch_ids)))
    count, total = query.tuples().get()
    return int(count or 0), int(total or 0)


@acts_as("network.view")
def network_now(ctx: Context, who, branch_ids: list[int] | None = None) -> list[BranchNow]:
    """One row per branch (module doc), for `who` (network.view); branch_ids None: every branch."""
    from deskapp.core.security.branches import staff_row

    row = staff_row(who)  # read once: the check and seen_by take the row, not the login again
    require(who if row is None else row, "network.view")
    return read_network(ctx, seen_by(row, branch_ids))


def seen_by(who, branch_ids: list[int] | None = None) -> list[int] | None:
    """The branches of branch_ids (None: every branch) that `who` may see. Supervisors and managers see
    the whole network (read-only where they do not supervise); an area manager the branches assigned,
    every one with all_branches (deskapp.core.security.branches). None still means every branch.
    Given a Staff row (as network_now does) it reads the database only for an area manager's assignments."""
    from deskapp.core.security.branches import staff_row, visible_branches

    row = staff_row(who)
    if row is None or not row.active or row.role != "area_manager" or row.all_branches:
        return branch_ids
    visible = [b.id for b in visible_branches(row)]
    return visible if branch_ids is None else [b for b in branch_ids if b in visible]


def read_network(ctx: Context, branch_ids: list[int] | None = None) -> list[BranchNow]:
    """network_now without the role check (the bench and the report's callers check elsewhere)."""
    now = ctx.now()
    rows = branches(branch_ids)
    ids = [b.id for b in rows]

    every = branch_ids is None

    def mine(column):
        """Of the branches asked for: no list of ids when they are every branch (the small tables of services,
        counters and follow-ups). The ticket queries always list them, to go through the branch's indexes."""
        return column.is_null(False) if every else _in(column, ids)

    today = {b.id: local_day(now, b.timezone) for b in rows}
    days = sorted(set(today.values()))
    is_today = lambda branch, day: today.get(branch) == live_sums.as_date(day)

    # Plain named tuples straight from the cursor, not model instances nor Peewee's converted rows: at 50
    # branches building them cost more than the queries (every column read here is an int, a float or text).
    services = _rows(_ServiceRow, Service.select(Service.id, Service.branch, Service.code, Service.name, Service.prefix,
                                                 Service.target_wait_minutes, Service.typical_service_minutes)
                     .where(mine(Service.branch) & Service.active).order_by(Service.id))
    by_branch: dict[int, list] = defaultdict(list)
    for s in services:
        by_branch[s.branch].append(s)

    since = now - dt.timedelta(minutes=staffing.WINDOW_MINUTES)
    waiting: dict[int, tuple[int, dt.datetime | None]] = {}
    arrivals: dict[int, int] = defaultdict(int)
    sums: dict[int, list[float]] = {}  # today's sums vector of each branch, over its services
    for branch, day, sid, *values in live_sums.branch_service_sums(ids, days, since):
        if not is_today(branch, day):
            continue
        *vector, count, oldest, arrived = values
        into = sums.setdefault(branch, [0.0] * len(vector))
        for i, v in enumerate(vector):
            into[i] += float(v or 0)
        if count:
            waiting[sid] = (int(count), oldest)
        arrivals[sid] += int(arrived or 0)

    counters = [c._replace(state_since=None if c.state_since is None else _as_datetime(c.state_since))
                for c in _rows(_CounterRow, Counter.select(Counter.id, Counter.branch, Counter.code, Counter.name,
                                                           Counter.state, Counter.state_since)
                               .where(mine(Counter.branch) & Counter.active).order_by(Counter.id))]
    of_counters = Counter.select(Counter.id).where(mine(Counter.branch))
    profiles: dict[int, list[int]] = defaultdict(list)
    for counter_id, service_id in _rows(tuple, CounterService.select(CounterService.counter, CounterService.service)
                                        .where(CounterService.counter.in_(of_counters))
                                        .order_by(CounterService.counter, CounterService.position)):
        profiles[counter_id].append(service_id)
    held = {counter for counter, in Ticket.select(Ticket.counter).where(Ticket.status.in_(HELD_STATES)).tuples()}
    bounds = {b.id: day_bounds(today[b.id], b.timezone) for b in rows}
    earliest = min((start for start, _ in bounds.values()), default=now)
    last_event = dict(TicketEvent.select(TicketEvent.counter, fn.MAX(TicketEvent.at))
                      .where(TicketEvent.counter.in_(of_counters) & (TicketEvent.at >= earliest))
                      .group_by(TicketEvent.counter).tuples())


    minutes = services_minutes(ctx, services)

    answers: dict[int, dict[str, dict]] = defaultdict(lambda: {"csat": defaultdict(int), "nps": defaultdict(int)})
    for branch, day, csat, nps, count in (
            Feedback.select(Ticket.branch, Ticket.day, Feedback.csat, Feedback.nps, fn.COUNT(Feedback.id))
            .join(Ticket)
            .where(_in(Ticket.branch, ids) & _in(Ticket.day, days) & (Feedback.entered_by == "customer")
                   & Feedback.answered)
            .group_by(Ticket.branch, Ticket.day, Feedback.csat, Feedback.nps).tuples()):
        if is_today(branch, day):
            answers[branch]["csat"][csat] += count
            answers[branch]["nps"][nps] += count

    overdue = dict(FollowUp.select(FollowUp.branch, fn.COUNT(FollowUp.id))
                   .where(mine(FollowUp.branch) & FollowUp.status.in_((followups.OPEN, followups.IN_PROGRESS))
                          & (FollowUp.due_at < now))
                   .group_by(FollowUp.branch).tuples())

    counters_of: dict[int, list] = defaultdict(list)
    for c in counters:
        counters_of[c.branch].append(c)
    # Each branch's counters by the network's configuration, named in the reader's language (the database
    # keeps that branch's first).
    named = {(nb.code, c.code): c.name for nb in ctx.config.network() for c in nb.counters}
    result = []
    for b in rows:
        mine = by_branch[b.id]
        codes = {s.id: s.code for s in mine}
        open_profiles = [profiles[c.id] for c in counters_of[b.id] if c.state == "open"]
        open_per_service: dict[int, int] = defaultdict(int)
        for profile in open_profiles:
            for sid in profile:
                open_per_service[sid] += 1
        statuses = []
        for s in mine:
            count, oldest = waiting.get(s.id, (0, None))
            longest = (now - _as_datetime(oldest)).total_seconds() / 60 if oldest else None
            statuses.append(ServiceStatus(s.code, ctx.config.service_name(s.code, s.name), s.prefix, count, longest, open_per_service[s.id],
                                          s.target_wait_minutes))
        floor_counters = []
        for c in counters_of[b.id]:
            status = CounterStatus(c.code, text(named.get((b.code, c.code), c.name)), c.state, None, None,
                                   tuple(codes.get(x, "?") for x in profiles[c.id]), c.state_since,
                                   # only whether it holds one matters to the alerts
                                   ticket=True if c.id in held else None)  # type: ignore[arg-type]
            last = last_event.get(c.id)
            last = _as_datetime(last) if last is not None else None
            floor_counters.append(dashboard.counter_now(status, last if last and last >= bounds[b.id][0] else None))
        found = dashboard.alerts(tuple(statuses), tuple(floor_counters), now)
        advice = _advice(b.id, mine, {s.id: arrivals[s.id] for s in mine}, minutes, open_profiles)
        pools = {a.pool or (a.service,): a.needed for a in advice}
        needed = None if any(n is None for n in pools.values()) else sum(pools.values())
        worst = max((s for s in statuses if s.longest_wait_minutes is not None),
                    key=lambda s: _past_target(s.longest_wait_minutes, s.target_wait_minutes), default=None)
        said = answers.get(b.id)
        vector = tuple(sums.get(b.id) or ())
        csat_answers = tuple(said["csat"].items()) if said else ()
        nps_answers = tuple(said["nps"].items()) if said else ()
        level, called, csat, nps = _today_figures(vector, csat_answers, nps_answers)
        result.append(BranchNow(
            b.id, b.code, b.name, b.timezone, today[b.id], sum(s.waiting for s in statuses),
            None if worst is None else worst.longest_wait_minutes, None if worst is None else worst.target_wait_minutes,
            None if worst is None else worst.code, level, called,
            len([p for p in open_profiles if p]), needed,
            tuple(a.text for a in advice if not staffing.settled(a)),
            csat, nps, int(overdue.get(b.id, 0)), tuple(found), vector, csat_answers, nps_answers))
    return result


_ADVICE: dict[int, tuple[tuple, list]] = {}  # branch id -> (what its advice was made from, the advice)


def _advice(branch_id: int, services: list, arrivals: dict[int, int], minutes: dict[int, float],
            open_profiles: list[list[int]]) -> list:
    """staffing.advice_for, remembered per branch while what it is made from stays the same (between two
    refreshes most branches' services, arrivals of the last hour, service times and open counters do):
    the pooled Erlang C of every branch is most of a refresh's Python. Its words are the language's
    that asked (deskapp.i18n.current): another language makes them anew."""
    key = (current(), tuple((s.id, s.code, s.target_wait_minutes) for s in services), tuple(sorted(arrivals.items())),
           tuple(minutes[s.id] for s in services), tuple(tuple(p) for p in open_profiles))
    found = _ADVICE.get(branch_id)
    if found is not None and found[0] == key:
        return found[1]
    advice = staffing.advice_for(services, arrivals, minutes, open_profiles)
    if len(_ADVICE) > 10_000:
        _ADVICE.clear()
    _ADVICE[branch_id] = (key, advice)
    return advice


def context_of(ctx: Context, branch_id: int, code: str, name: str, timezone: str) -> Context:
    """ctx for the branch given by its id, code, name and timezone (ctx itself for its own branch): the
    configuration seen from that branch (Config.for_branch: its opening hours, timezone, counters and
    service overrides) when the configuration describes it; otherwise (a branch only in the database)
    this desk's configuration with that branch's code, name and timezone."""
    if branch_id == ctx.branch_id:
        return ctx
    try:
        config = ctx.config.for_branch(code)
    except LookupError:
        branch = ctx.config.branch.model_copy(update={"code": code, "name": name, "timezone": timezone})
        config = ctx.config.model_copy(update={"branch": branch})
    return dataclasses.replace(ctx, config=config, branch_id=branch_id)


def branch_context(ctx: Context, branch_id: int) -> Context:
    """A copy of ctx for another branch of the network (context_of); ctx itself for its own branch."""
    row = Branch.get_by_id(branch_id)
    return context_of(ctx, branch_id, row.code, row.name, row.timezone)


def context_for(ctx: Context, row: BranchNow) -> Context:
    """branch_context for a branch of the network view, without reading the database."""
    return context_of(ctx, row.branch_id, row.code, row.name, row.timezone)


def supervises(ctx: Context, who, branch_id: int) -> bool:
    """Whether `who` may act as supervisor of the branch: a supervisor assigned to it (or to every branch)."""
    from deskapp.core.security.branches import may_work_at
    from deskapp.core.security.permissions import staff_of

    acting = staff_of(who) if who is not None else None
    return acting is not None and acting.role == "supervisor" and may_work_at(who, branch_id)
