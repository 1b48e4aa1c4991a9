"""Per-day summaries of closed days: a year's report reads 365 days of small groups, not a year of tickets.

A closed day is a branch-local day before the branch's today. For each closed day a report
needs, deskapp.core.stats.period_sums and the report's feedback table read the day's summary rows
(db.models SummarySums, SummaryWaits, SummaryHours, SummaryFeedback) instead of its tickets; today
(and any day without a valid summary) is read from the tickets as before. The summary holds the
same group sums the report would compute from the tickets, and every wait of the tickets that
reached service (a sorted array per service), so each figure, the 90th percentiles included, is
the one the tickets give (tests compare both).

Filled lazily: `split` (called by the report's parts) first summarises every closed day of the
period without a valid summary, one transaction per day. Two processes may do it at once: the
day's SummaryDay row (unique per branch and day) is locked by the first (PostgreSQL: FOR UPDATE;
SQLite: the write lock of the transaction), and the second finds it done and skips it.

Late changes: a ticket of a closed day can still change (closed after midnight, cancelled by the
next day's reset, moved, deleted), feedback on it can come days later, and a service's target
wait can be edited. Database triggers (migration 0009) raise SummaryDay.version on every such
write; a summary is valid only while its summarised_version equals version (and it was cut in the
branch's current timezone), so the next report summarises that day again. A write under way while
a day is summarised cannot slip between the two: SQLite runs one writing transaction at a time, and
on PostgreSQL every write holds a shared advisory lock on its (branch, day) that the summarising
transaction takes exclusively. Counter-hours, workflow steps and the relationship manager's tables
are not summarised: they are read live (they cost little). `deskapp queue check` reports a valid
summary that does not add up to its tickets (`mismatches`).
"""
from __future__ import annotations

import datetime as dt
import sys
from array import array
from collections import defaultdict
from collections.abc import Callable

from deskapp.core.context import Context
from deskapp.core.stats import live_sums
from deskapp.core.stats.figures import ReportError, check_period
from deskapp.core.stats.live_sums import as_date
from deskapp.db.database import db, is_postgres, transaction
from deskapp.db.models import (
    Counter,
    CounterEvent,
    SummaryDay,
    SummaryFeedback,
    SummaryHours,
    SummarySums,
    SummaryWaits,
    Ticket,
)
from deskapp.i18n import _, ngettext

Ranges = list[tuple[dt.date, dt.date]]
SUMMARY_MODELS = (SummarySums, SummaryWaits, SummaryHours, SummaryFeedback)
_DAY = dt.timedelta(days=1)
_EPOCH_DAY = dt.date(2000, 1, 1)  # day numbers of the advisory locks (migration 0009)
_BATCH = 500
RECENT_DAYS = 7  # closed days ensure_recent looks back over (a week off leaves nothing cold)


def _pack(seconds: list[float]) -> bytes:
    values = array("d", sorted(seconds))
    if sys.byteorder == "big":  # stored little-endian, whichever machine wrote it
        values.byteswap()
    return values.tobytes()


def _unpack(blob) -> array:
    values = array("d")
    values.frombytes(bytes(blob))
    if sys.byteorder == "big":
        values.byteswap()
    return values


def _days(since: dt.date, until: dt.date) -> list[dt.date]:
    return [since + dt.timedelta(days=i) for i in range((until - since).days + 1)]


def _valid(row_version, summarised_version, timezone, ctx: Context) -> bool:
    return summarised_version is not None and summarised_version == row_version and timezone == ctx.timezone


def first_day(ctx: Context) -> dt.date:
    """The branch's first recorded day: its first ticket's or its first counter opening's, whichever
    came first; today when it has neither yet."""
    from deskapp.core.clock import local_day

    days = [ctx.today()]
    ticket_day = Ticket.select(Ticket.day).where(Ticket.branch == ctx.branch_id).order_by(Ticket.day).limit(1).scalar()
    if ticket_day is not None:
        days.append(as_date(ticket_day))
    opened = (CounterEvent.select(CounterEvent.at).join(Counter).where(Counter.branch == ctx.branch_id)
              .order_by(CounterEvent.at).limit(1).scalar())
    if opened is not None:
        days.append(local_day(opened, ctx.timezone))
    return min(days)


def clip(ctx: Context, since: dt.date, until: dt.date) -> dt.date:
    """The first day of since..until worth reading: days before the branch's first recorded day
    hold nothing and are skipped, not summarised (so a period from 0001-01-01 still answers).
    Past today + 1 year nothing can be asked (no arithmetic reaches past 9999-12-31), and what is
    left may span at most the configuration's reports.max_years. The day returned is after
    `until` when the whole period lies before the first recorded day."""
    check_period(since, until)
    today = ctx.today()
    if until > today + dt.timedelta(days=366):
        raise ReportError(_("The period ends on {until}, more than a year from today: nothing can be recorded "
                            "there yet. Ask for a period up to today.").format(until=until))
    # The first recorded day is today at the latest: a period from today on (the dashboard's) needs no look.
    start = since if since >= today else max(since, first_day(ctx))
    years = ctx.config.reports.max_years
    if (until - start).days + 1 > round(365.2425 * years):
        raise ReportError(ngettext(
            "A report covers at most {years} year (reports.max_years in the configuration); {since} to {until} "
            "is longer. Ask for a shorter period.",
            "A report covers at most {years} years (reports.max_years in the configuration); {since} to {until} "
            "is longer. Ask for a shorter period.", years).format(years=years, since=start, until=until))
    return start


def ensure(ctx: Context, since: dt.date, until: dt.date, *,
           progress: Callable[[float], None] | None = None) -> int:
    """Summarise every closed day of since..until without a valid summary; how many were. `progress`
    gets the fraction of the days looked at."""
    last = min(until, ctx.today() - _DAY)
    if last < since:
        return 0
    state = {as_date(d): (v, sv, tz) for d, v, sv, tz in
             SummaryDay.select(SummaryDay.day, SummaryDay.version, SummaryDay.summarised_version,
                               SummaryDay.timezone)
             .where((SummaryDay.branch == ctx.branch_id) & (SummaryDay.day >= since) & (SummaryDay.day <= last))
             .tuples()}
    days = _days(since, last)
    missing = [d for d in days if d not in state]
    # The rows are created (and committed) before any day is summarised: from then on every write
    # to those days raises their version (see the module doc).
    for start in range(0, len(missing), _BATCH):
        chunk = [{"branch": ctx.branch_id, "day": d} for d in missing[start:start + _BATCH]]
        transaction(lambda chunk=chunk: SummaryDay.insert_many(chunk).on_conflict_ignore().execute())
    filled = 0
    for n, day in enumerate(days):
        if day in state and _valid(*state[day], ctx):
            continue
        filled += transaction(lambda day=day: _fill(ctx, day))
        if progress is not None:
            progress((n + 1) / len(days))
    return filled


def ensure_recent(ctx: Context, days: int = RECENT_DAYS) -> int:
    """Summarise the last `days` closed days if they are not yet: the supervisor screen does it in the
    background when it opens, so a day is summarised the morning after it closed and long reports
    stay warm (only history from before deskapp ran, or an import, is left for the first report)."""
    today = ctx.today()
    return ensure(ctx, today - dt.timedelta(days=days), today - _DAY)


def _fill(ctx: Context, day: dt.date) -> bool:
    """One day's summary rows, in the caller's transaction; False if another process did it."""
    query = SummaryDay.select().where((SummaryDay.branch == ctx.branch_id) & (SummaryDay.day == day))
    if is_postgres():
        # Waits for every write to the day under way (each holds this lock shared until it commits,
        # migration 0009) and holds off new ones until this summary is committed.
        db.execute_sql("SELECT pg_advisory_xact_lock(%s::integer, %s::integer)", (ctx.branch_id, (day - _EPOCH_DAY).days))
        query = query.for_update()
    marker = query.get()
    if _valid(marker.version, marker.summarised_version, marker.timezone, ctx):
        return False
    for model in SUMMARY_MODELS:
        model.delete().where((model.branch == ctx.branch_id) & (model.day == day)).execute()
    branch = ctx.branch_id
    _insert("summary_sums", "branch_id, day, service_id, counter_id, staff_id, n, done, called, no_show, walk, "  # i18n: not words
            "on_time, wait_sum, waits, service_sum, services, reached, reached_done",
            [(branch, day, *row[1:]) for row in live_sums.sums_rows(ctx.branch_id, day, day)])
    waits: dict = defaultdict(list)
    for _day, service, seconds in live_sums.wait_rows(ctx, day, day):
        waits[service].append(float(seconds))
    _insert("summary_waits", "branch_id, day, service_id, seconds",  # i18n: not words
            [(branch, day, service, _pack(values)) for service, values in waits.items()])
    _insert("summary_hours", "branch_id, day, local_day, hour, arrivals, completed, called, on_time, wait_sum, waits",  # i18n: not words
            [(branch, day, local_day, hour, *values)
             for (local_day, hour), values in live_sums.hour_sums(ctx, day, day).items()])
    _insert("summary_feedback", "branch_id, day, service_id, answered, csat, nps, ces, count", _feedback_rows(ctx, day))  # i18n: not words
    (SummaryDay.update(summarised_version=marker.version, timezone=ctx.timezone, summarised_at=ctx.now())
     .where(SummaryDay.id == marker.id).execute())
    return True


def _insert(table: str, columns: str, rows: list[tuple]) -> None:
    """Plain executemany (Peewee's insert_many builds its SQL value by value: slower than the query)."""
    if rows:
        marks = ", ".join([db.param] * (columns.count(",") + 1))
        db.cursor().executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)  # i18n: not words


def _feedback_rows(ctx: Context, day: dt.date) -> list[tuple]:
    try:
        from deskapp.core import feedback
    except ImportError:  # feedback not installed in this build
        return []
    histograms, answered, _ = feedback.customer_groups(ctx, day, day)
    rows = [(ctx.branch_id, day, service, True, c, n, e, count)
            for service, groups in histograms.items() for c, n, e, count in groups]
    rows += [(ctx.branch_id, day, service, False, None, None, None, counts[False])
             for service, counts in answered.items() if counts.get(False)]
    return rows


def split(ctx: Context, since: dt.date, until: dt.date) -> tuple[Ranges, Ranges]:
    """Summarise what is missing (ensure), then: the ranges of days read from summaries, and the
    ranges read from the tickets (today, or a day whose summary a change has just invalidated)."""
    if since >= ctx.today():  # no closed day (the dashboard's today): nothing to summarise or look up
        return [], [(since, until)]
    since = clip(ctx, since, until)
    if since > until:
        return [], []
    ensure(ctx, since, until)
    valid = {as_date(d) for d, v, sv, tz in
             SummaryDay.select(SummaryDay.day, SummaryDay.version, SummaryDay.summarised_version,
                               SummaryDay.timezone)
             .where((SummaryDay.branch == ctx.branch_id) & (SummaryDay.day >= since) & (SummaryDay.day <= until))
             .tuples() if _valid(v, sv, tz, ctx)}
    summarised: Ranges = []
    live: Ranges = []
    for day in _days(since, until):
        into = summarised if day in valid else live
        if into and into[-1][1] == day - _DAY:
            into[-1] = (into[-1][0], day)
        else:
            into.append((day, day))
    return summarised, live


def _select(columns: str, table: str, ctx: Context, ranges: Ranges, tail: str = "") -> list[tuple]:
    """Plain rows of a summary table over the ranges (straight from the cursor: a year is ~20,000
    rows, and Peewee's conversion of each value would cost more than the query)."""
    p = db.param
    days = " OR ".join([f"(day >= {p} AND day <= {p})"] * len(ranges))
    params = [ctx.branch_id] + [d for r in ranges for d in r]
    return db.execute_sql(f"SELECT {columns} FROM {table} WHERE branch_id = {p} AND ({days}) {tail}",  # i18n: not words
                          params).fetchall()


def sums(ctx: Context, ranges: Ranges) -> list[tuple]:
    """live_sums.sums_rows' rows of the summarised days."""
    if not ranges:
        return []
    return _select("day, service_id, counter_id, staff_id, n, done, called, no_show, walk, on_time, wait_sum, "  # i18n: not words
                   "waits, service_sum, services, reached, reached_done", "summary_sums", ctx, ranges)


def waits(ctx: Context, ranges: Ranges) -> list[tuple]:
    """(day, service id, sorted waits in seconds) of the summarised days."""
    if not ranges:
        return []
    return [(day, service, _unpack(blob))
            for day, service, blob in _select("day, service_id, seconds", "summary_waits", ctx, ranges)]  # i18n: not words


def hours(ctx: Context, ranges: Ranges) -> dict:
    """live_sums.hour_sums over the summarised days."""
    if not ranges:
        return {}
    rows = _select("local_day, hour, SUM(arrivals), SUM(completed), SUM(called), SUM(on_time), SUM(wait_sum), "  # i18n: not words
                   "SUM(waits)", "summary_hours", ctx, ranges, "GROUP BY local_day, hour")  # i18n: not words
    return {(as_date(d), h): [float(v or 0) for v in values] for d, h, *values in rows}


def feedback_groups(ctx: Context, since: dt.date, until: dt.date) -> tuple[dict, dict, dict]:
    """deskapp.core.feedback.customer_groups over since..until: summarised days from their
    summaries, the others from the tickets and their feedback."""
    from deskapp.core import feedback

    summarised, live = split(ctx, since, until)
    histograms: dict = defaultdict(list)
    answered: dict = defaultdict(dict)
    completed: dict = defaultdict(int)
    if summarised:
        for service, c, n, e, count in _select("service_id, csat, nps, ces, SUM(count)", "summary_feedback", ctx,  # i18n: not words
                                               summarised, "AND answered GROUP BY service_id, csat, nps, ces"):  # i18n: not words
            histograms[service].append((c, n, e, int(count)))
        for service, a, count in _select("service_id, answered, SUM(count)", "summary_feedback", ctx, summarised,  # i18n: not words
                                         "GROUP BY service_id, answered"):  # i18n: not words
            answered[service][bool(a)] = int(count)
        for service, done in _select("service_id, SUM(done)", "summary_sums", ctx, summarised, "GROUP BY service_id"):  # i18n: not words
            if done:
                completed[service] += int(done)
    for a, b in live:
        h, ans, done = feedback.customer_groups(ctx, a, b)
        for service, groups in h.items():
            histograms[service] += groups
        for service, counts in ans.items():
            for key, count in counts.items():
                answered[service][key] = answered[service].get(key, 0) + count
        for service, count in done.items():
            completed[service] += count
    return dict(histograms), dict(answered), dict(completed)


def mismatches(branch_id: int, since: dt.date | None = None) -> list[dt.date]:
    """The branch's days (from `since` on, when given) whose valid summary differs from their tickets'
    sums (there should be none: `deskapp queue check` reports any, through deskapp.core.integrity)."""
    def key(row) -> tuple:
        return (*(-1 if k is None else k for k in row[1:4]), *(round(float(v or 0), 3) for v in row[4:]))

    p = db.param
    wrong = []
    later = f" AND day >= {p}" if since is not None else ""  # i18n: not words
    for (day,) in db.execute_sql(f"SELECT day FROM summary_day WHERE branch_id = {p} AND summarised_version = version"  # i18n: not words
                                 f"{later} ORDER BY day", (branch_id, *([since] if since is not None else []))).fetchall():
        day = as_date(day)
        stored = sorted(key(r) for r in db.execute_sql(
            f"SELECT day, service_id, counter_id, staff_id, n, done, called, no_show, walk, on_time, wait_sum, waits, "  # i18n: not words
            f"service_sum, services, reached, reached_done FROM summary_sums WHERE branch_id = {p} AND day = {p}",
            (branch_id, day)).fetchall())
        if stored != sorted(key(r) for r in live_sums.sums_rows(branch_id, day, day)):
            wrong.append(day)
    return wrong
