"""Per-day summaries of closed days (deskapp.core.stats.day_summaries): the report built from them gives
the figures its tickets give (read live, and by DESIGN.md's definitions ticket by ticket), they are filled once, lazily and safely by two
processes at once, and a late change to a closed day (a ticket closed after midnight, feedback
given days later, a ticket moved, a service's target changed) is never hidden by a stale summary.

Random activity as in test_period_sums, on three days around an empty one (which must show no
data: counts 0, every figure None)."""
from __future__ import annotations

import datetime as dt
import random
import threading

from deskapp.core import feedback as fb
from deskapp.core import queue as q
from deskapp.core.stats import day_summaries, integrity, period_sums, reports
from deskapp.core.stats.live_sums import as_date
from deskapp.db import database
from deskapp.db.models import Feedback, Service, SummaryDay, SummarySums, SummaryWaits, Ticket
from tests.unit.test_period_sums import reference, same
from tests.unit.test_stats import DAY

SERVICES = ["CASH", "CARD", "ACCT", "INFO", "LOAN"]
DESKS = {"1": "ana", "2": "joao", "3": "mehmet", "4": "lucas"}
FIRST = DAY - dt.timedelta(days=3)  # FIRST, FIRST + 1 and FIRST + 3 have tickets; FIRST + 2 has none


def busy_day(ctx, clock, day: dt.date, rng: random.Random) -> None:
    clock.set(dt.datetime(day.year, day.month, day.day, 9, 0))
    for _ in range(60):
        clock.advance(seconds=rng.randint(20, 400))
        action = rng.random()
        counter = rng.choice(list(DESKS))
        held = q.held_by(ctx, counter)
        if action < 0.45 or held is None and action < 0.6:
            q.issue(ctx, rng.choice(SERVICES), with_estimate=False)
        elif held is None:
            q.call_next(ctx, counter, DESKS[counter])
        elif held.status == q.CALLED:
            choice = rng.random()
            if choice < 0.6:
                q.start(ctx, counter)
            elif choice < 0.75:
                q.no_show(ctx, counter)
            elif choice < 0.9:
                q.requeue(ctx, counter, front=rng.random() < 0.5)
            else:
                q.cancel(ctx, counter)
        elif rng.random() < 0.15:
            q.transfer(ctx, counter, rng.choice([s for s in SERVICES if s != held.service]))
        else:
            done = q.complete(ctx, counter)
            if rng.random() < 0.5:
                fb.submit(ctx, done.id, csat=rng.randint(1, 5),
                          nps=rng.randint(0, 10), ces=rng.choice([None, rng.randint(1, 7)]))


def history(ctx, clock) -> None:
    rng = random.Random(7)
    for day in (FIRST, FIRST + dt.timedelta(days=1), DAY):
        busy_day(ctx, clock, day, rng)


def feedback_live(ctx, since, until):
    return fb.customer_summaries_by_service(ctx, since, until)


def feedback_summarised(ctx, since, until):
    return fb.customer_summaries_by_service(ctx, since, until, groups=day_summaries.feedback_groups(ctx, since, until))


def check(ctx, since, until) -> None:
    """Summaries (where the days are closed) and the tickets give the same figures: those of the
    tickets read live, and those of the definitions applied ticket by ticket."""
    summarised = period_sums.period_tables(ctx, since, until)
    hours = period_sums.hourly(ctx, since, until)
    bins = period_sums.wait_distribution(ctx, since, until)
    same(summarised, period_sums.period_tables(ctx, since, until, summaries=False))
    same(hours, period_sums.hourly(ctx, since, until, summaries=False))
    same(bins, period_sums.wait_distribution(ctx, since, until, summaries=False))
    period, days, by_hour, by_wait = reference(ctx, since, until)
    same(summarised, (period, days))
    same(hours, by_hour)
    same(bins, by_wait)
    same(feedback_summarised(ctx, since, until), feedback_live(ctx, since, until))


def summarised_days(ctx) -> list[dt.date]:
    return sorted(as_date(d) for d, v, sv in SummaryDay.select(SummaryDay.day, SummaryDay.version,
                                                                         SummaryDay.summarised_version).tuples()
                  if v == sv)


def next_morning(clock) -> None:
    clock.set(dt.datetime(DAY.year, DAY.month, DAY.day, 0, 0) + dt.timedelta(days=1, minutes=10))


def test_the_report_from_summaries_equals_the_tickets_and_fills_once(ctx, clock):
    history(ctx, clock)
    # Today (DAY) is open: only the three days before it are summarised, today is read live.
    check(ctx, FIRST, DAY)
    assert summarised_days(ctx) == [FIRST + dt.timedelta(days=i) for i in range(3)]
    empty = next(d for d in period_sums.period_tables(ctx, FIRST, DAY)[1] if d.day == FIRST + dt.timedelta(days=2))
    assert empty.figures.arrivals == 0 and empty.figures.p90_wait_minutes is None
    assert empty.figures.mean_wait_minutes is None and empty.figures.service_level is None
    # The next day every day of the period is closed: DAY is summarised too, and nothing twice.
    next_morning(clock)
    assert day_summaries.ensure(ctx, FIRST, DAY) == 1
    assert day_summaries.ensure(ctx, FIRST, DAY) == 0
    assert day_summaries.split(ctx, FIRST, DAY) == ([(FIRST, DAY)], [])
    check(ctx, FIRST, DAY)
    check(ctx, FIRST + dt.timedelta(days=1), DAY)  # a part of the summarised days
    assert day_summaries.mismatches(ctx.branch_id) == []
    report = reports.build(ctx, FIRST, DAY)
    assert report.total.arrivals == Ticket.select().count()
    # `deskapp queue check` finds a summary that no longer adds up (here: changed behind the triggers).
    assert integrity.check(ctx.branch_id) == []
    SummarySums.update(n=SummarySums.n + 1).where(SummarySums.day == FIRST).execute()
    assert integrity.check(ctx.branch_id) == [f"The report summary of {FIRST} does not match that day's tickets."]


def test_summaries_turned_off_give_the_same_figures(ctx, clock):
    history(ctx, clock)
    next_morning(clock)
    from_summaries = period_sums.period_tables(ctx, FIRST, DAY)
    assert SummarySums.select().count() > 0 and SummaryWaits.select().count() > 0
    same(from_summaries, period_sums.period_tables(ctx, FIRST, DAY, summaries=False))
    same(period_sums.hourly(ctx, FIRST, DAY), period_sums.hourly(ctx, FIRST, DAY, summaries=False))


def test_late_changes_to_a_closed_day_are_never_hidden(ctx, clock):
    history(ctx, clock)
    # A ticket still being served at midnight.
    clock.set(dt.datetime(DAY.year, DAY.month, DAY.day, 23, 50))
    q.issue(ctx, "CASH", with_estimate=False)
    for desk in DESKS:  # free every desk, then serve a ticket at counter 1 across midnight
        held = q.held_by(ctx, desk)
        if held is not None:
            if held.status == q.CALLED:
                q.start(ctx, desk)
            q.complete(ctx, desk)
    q.call_next(ctx, "1", "ana")
    q.start(ctx, "1")
    late = q.held_by(ctx, "1")
    next_morning(clock)
    check(ctx, FIRST, DAY)  # DAY summarised with the ticket still being served
    version = SummaryDay.get(SummaryDay.day == DAY).version
    q.complete(ctx, "1")  # 00:10 the next day: a change to a closed day
    assert SummaryDay.get(SummaryDay.day == DAY).version > version
    assert DAY not in summarised_days(ctx)
    check(ctx, FIRST, DAY)  # summarised again, now with the completion
    assert DAY in summarised_days(ctx)
    assert Ticket.get_by_id(late.id).status == "done"

    # Feedback given two days later on the first day's ticket.
    clock.advance(days=1)
    answered = {r.ticket_id for r in Feedback.select()}
    first_done = next(t for t in Ticket.select().where((Ticket.day == FIRST) & (Ticket.status == "done"))
                      if t.id not in answered)
    before = feedback_summarised(ctx, FIRST, DAY)[None].counts.customer_responses
    fb.submit(ctx, first_done.id, csat=1, nps=0)
    assert feedback_summarised(ctx, FIRST, DAY)[None].counts.customer_responses == before + 1
    check(ctx, FIRST, DAY)

    # A ticket moved to another service after its day closed (written straight, as a repair would).
    moved = Ticket.select().where((Ticket.day == FIRST) & (Ticket.service == Service.get(Service.code == "CASH")
                                                            )).first()
    Ticket.update(service=Service.get(Service.code == "INFO"), seq=9999).where(Ticket.id == moved.id).execute()
    check(ctx, FIRST, DAY)

    # A service's target wait edited: every summarised day's service level is computed again.
    Service.update(target_wait_minutes=1).where(Service.code == "CASH").execute()
    assert summarised_days(ctx) == []
    check(ctx, FIRST, DAY)
    assert day_summaries.mismatches(ctx.branch_id) == []


def test_two_processes_filling_at_once_summarise_each_day_once(ctx, clock):
    history(ctx, clock)
    next_morning(clock)
    start = threading.Barrier(2)
    filled: list[object] = [None, None]

    def fill(i: int) -> None:
        with database.db.connection_context():
            start.wait(timeout=10)
            try:
                filled[i] = day_summaries.ensure(ctx, FIRST, DAY)
            except Exception as exc:  # noqa: BLE001  the test inspects it
                filled[i] = exc

    threads = [threading.Thread(target=fill, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads)
    assert all(isinstance(n, int) for n in filled), filled
    assert sum(filled) == 4  # four closed days, each summarised by exactly one of the two
    rows = SummarySums.select().count()
    assert SummaryDay.select().count() == 4
    day_summaries.ensure(ctx, FIRST, DAY)
    assert SummarySums.select().count() == rows
    check(ctx, FIRST, DAY)


def test_a_write_under_way_while_its_day_is_first_summarised_is_not_lost(ctx, clock):
    """A desk finishes a ticket of yesterday in a transaction still open when a report starts
    summarising yesterday: the summary waits for it (PostgreSQL: the day's advisory lock; SQLite:
    the one writer at a time) and so includes it."""
    history(ctx, clock)
    next_morning(clock)
    serving = Ticket.select().where((Ticket.day == DAY) & (Ticket.status == "done")).first()
    written = threading.Event()
    results: list[object] = [None, None]

    def late_write() -> None:
        with database.db.connection_context():
            try:
                with database.db.atomic():
                    Ticket.update(status="no_show").where(Ticket.id == serving.id).execute()
                    written.set()
                    threading.Event().wait(0.5)  # still uncommitted while the report begins
                results[0] = "committed"
            except Exception as exc:  # noqa: BLE001  the test inspects it
                written.set()
                results[0] = exc

    def report() -> None:
        with database.db.connection_context():
            written.wait(timeout=10)
            try:
                results[1] = day_summaries.ensure(ctx, DAY, DAY)
            except Exception as exc:  # noqa: BLE001
                results[1] = exc

    threads = [threading.Thread(target=late_write), threading.Thread(target=report)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert results == ["committed", 1]
    assert DAY in summarised_days(ctx)  # summarised after the write, so still valid
    check(ctx, DAY, DAY)


def test_days_and_hours_are_the_branch_local_ones_and_a_new_timezone_summarises_again(ctx, clock):
    """In Auckland (UTC+13 in March) the busy days cross the local midnight: the summaries cut the
    local days and hours as the tickets do. Summaries cut in one timezone are not read in another."""
    from deskapp.core.context import Context

    branch = ctx.config.branch.model_copy(update={"timezone": "Pacific/Auckland"})
    auckland = Context(config=ctx.config.model_copy(update={"branch": branch}), clock=clock, branch_id=ctx.branch_id)
    rng = random.Random(11)
    for day in (FIRST, FIRST + dt.timedelta(days=1)):
        busy_day(auckland, clock, day, rng)  # 09:00 UTC is 22:00 in Auckland
    clock.set(dt.datetime(DAY.year, DAY.month, DAY.day, 12, 0))
    days = sorted({as_date(d) for (d,) in Ticket.select(Ticket.day).tuples()})
    assert len(days) >= 3  # the two busy UTC mornings span at least three Auckland days
    check(auckland, days[0], days[-1])
    assert summarised_days(auckland) == [days[0] + dt.timedelta(days=i) for i in range((days[-1] - days[0]).days + 1)]
    assert {h.hour for h in period_sums.hourly(auckland, days[0], days[-1])} & {22, 23, 0, 1}
    check(ctx, days[0], days[-1])  # Lisbon: every day summarised again, in Lisbon's hours
    assert all(tz == "Europe/Lisbon" for (tz,) in SummaryDay.select(SummaryDay.timezone).tuples())
