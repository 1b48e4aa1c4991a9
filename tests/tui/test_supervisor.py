"""The supervisor's dashboard follows the floor live: another desk calls, the panels change."""
from __future__ import annotations

import datetime as dt

from textual.widgets import DataTable, OptionList, Static

from deskapp.core import queue as q
from deskapp.core.security.auth import Session
from deskapp.core.stats import dashboard as supervision
from deskapp.db.models import Counter, Ticket
from deskapp.tui.app import DeskApp
from deskapp.tui.screens.floor_dialogs import PauseDialog
from deskapp.tui.screens.supervisor import MoveToService, SupervisorScreen
from tests.tui.helpers import until

SOFIA = Session("sofia", "Sofia Almeida", "supervisor")


def text(app, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


def row(app, table: str, key: str) -> list[str]:
    return [str(c) for c in app.screen.query_one(table, DataTable).get_row(key)]


def busy_morning(ctx, clock) -> None:
    q.issue(ctx, "CASH", with_estimate=False)  # A001
    q.issue(ctx, "CASH", with_estimate=False)  # A002
    q.issue(ctx, "LOAN", with_estimate=False)  # L001: only counters 4 and 5 serve loans, both closed
    q.open_counter(ctx, "2", "joao")  # sits down at 10:00 and calls nobody
    clock.set(dt.datetime(2026, 3, 10, 10, 12))


def test_the_alerts_name_what_needs_the_supervisor(ctx, clock):
    busy_morning(ctx, clock)
    alerts = supervision.dashboard(ctx).alerts
    assert alerts == (
        "CASH: longest wait 12 min, past its 10 min target",
        "LOAN: 1 waiting and no open counter serves it",  # 12 min is within LOAN's 20
        "Counter 2 idle 12 min while tickets wait: CASH 2",
    )


async def test_the_dashboard_follows_a_call_made_at_another_desk(ctx, clock):
    busy_morning(ctx, clock)
    app = DeskApp(ctx, config=ctx.config, clock=clock)
    async with app.run_test(size=(160, 60)) as pilot:
        app.logged_in(SOFIA, None)
        await until(pilot, lambda: isinstance(app.screen, SupervisorScreen) and app.screen.data is not None)
        alerts = text(app, "#sup-alerts")
        assert "CASH: longest wait 12 min, past its 10 min target" in alerts
        assert "LOAN: 1 waiting and no open counter serves it" in alerts
        assert "Counter 2 idle 12 min" in alerts
        assert row(app, "#sup-queues", "CASH")[:5] == ["CASH · Cash deposit and withdrawal", "2", "12 min",
                                                       "10 min", "1"]
        # Erlang C on 2 arrivals an hour says one counter is enough; the backlog is the alerts' job.
        assert row(app, "#sup-queues", "CASH")[5:] == ["2", "CASH: enough"]
        # Open 12 minutes, nothing completed: 0 per open hour.
        assert row(app, "#sup-counters", "2") == ["Counter 2", "open", "João Ferreira", "CASH, CARD, INFO",
                                                  "12:00", "idle", "0", "0.0/h"]
        assert text(app, "#sup-staff") == "Completed today per teller: -"
        # Nobody called yet: counts are 0, every figure a dash, never 0.
        assert row(app, "#sup-today", "CASH") == ["CASH", "2", "0", "-", "-", "-", "-", "0%", "-"]
        assert "CSAT - · NPS - · response rate -" in text(app, "#sup-feedback")

        # Another desk calls, straight through core as another process would.
        q.call_next(ctx, "1", "ana")
        await until(pilot, lambda: row(app, "#sup-counters", "1")[5] == "A001 called")
        assert row(app, "#sup-counters", "1")[:3] == ["Counter 1", "open", "Ana Costa"]
        assert row(app, "#sup-queues", "CASH")[1] == "1"
        # A001 was called after 12 minutes: 1 called ticket, 0 within CASH's 10 min target.
        assert row(app, "#sup-today", "CASH")[5] == "0%"

        # The supervisor pauses the idle counter 2, chosen in the counters table.
        table = app.screen.query_one("#sup-counters", DataTable)
        table.focus()
        table.move_cursor(row=table.get_row_index("2"))
        await pilot.press("p")
        await until(pilot, lambda: isinstance(app.screen, PauseDialog))  # why: the desk's reasons
        await pilot.press("enter")  # Break
        await until(pilot, lambda: isinstance(app.screen, SupervisorScreen)
                    and row(app, "#sup-counters", "2")[1] == "paused: Break")
        assert Counter.get(Counter.code == "2").state == "paused"
        assert "Counter 2 idle" not in text(app, "#sup-alerts")


async def test_the_supervisor_moves_a_waiting_ticket(ctx, clock):
    busy_morning(ctx, clock)
    app = DeskApp(ctx, config=ctx.config, clock=clock)
    async with app.run_test(size=(160, 60)) as pilot:
        app.logged_in(SOFIA, None)
        await until(pilot, lambda: isinstance(app.screen, SupervisorScreen) and app.screen.data is not None)
        waiting = app.screen.query_one("#sup-waiting", DataTable)
        assert [str(waiting.get_row_at(i)[0]) for i in range(waiting.row_count)] == ["A001", "A002", "L001"]
        loan = q.find_today(ctx, "L001").id
        waiting.focus()
        waiting.move_cursor(row=waiting.get_row_index(str(loan)))
        await pilot.press("m")
        await until(pilot, lambda: isinstance(app.screen, MoveToService))
        app.screen.query_one(OptionList).focus()
        await pilot.press("home", "enter")  # CASH, the first service offered
        await until(pilot, lambda: isinstance(app.screen, SupervisorScreen) and [
            str(waiting.get_row_at(i)[0]) for i in range(waiting.row_count)] == ["A001", "A002", "A003 (was L001)"])
        moved = Ticket.get_by_id(loan)
        assert (moved.number, moved.service.code, moved.former_number) == ("A003", "CASH", "L001")
        assert "LOAN: 1 waiting" not in text(app, "#sup-alerts")
        # The number on the customer's paper is not printed again today (issue 14, finding 7).
        assert q.issue(ctx, "LOAN", with_estimate=False).ticket.number == "L002"

        waiting.move_cursor(row=waiting.get_row_index(str(loan)))
        await pilot.press("f")
        await until(pilot, lambda: str(waiting.get_row_at(0)[0]) == "A003 (was L001)")
        assert Ticket.get_by_id(loan).front


def test_the_slowest_steps_of_today_come_first(ctx, clock):
    from deskapp.db.models import StepRecord

    ticket = q.issue(ctx, "CASH", with_estimate=False).ticket.id
    for step, position, took in (("transaction", 0, 3), ("origin", 1, 9), ("summary", 2, 1)):
        StepRecord.create(ticket=ticket, workflow="cash", step_id=step, position=position, started_at=clock.now(),
                          committed_at=clock.now() + dt.timedelta(minutes=took), outcome="done")
    steps = supervision.dashboard(ctx).slowest_steps
    assert [(s.step_id, s.mean_minutes) for s in steps] == [("origin", 9.0), ("transaction", 3.0), ("summary", 1.0)]


async def test_a_counter_closed_on_an_earlier_day_shows_no_time(ctx, clock):
    """How long a counter has been in its state: for one closed today, since it closed; for one
    closed on an earlier day, a dash (hours since then would say nothing)."""
    clock.set(dt.datetime(2026, 3, 9, 17, 0))
    q.open_counter(ctx, "3", "joao")
    q.set_counter_state(ctx, "3", "closed", by="joao")  # closed yesterday at 17:00
    clock.set(dt.datetime(2026, 3, 10, 10, 0))
    q.open_counter(ctx, "2", "joao")
    clock.set(dt.datetime(2026, 3, 10, 10, 5))
    q.set_counter_state(ctx, "2", "closed", by="joao")  # closed today at 10:05
    clock.set(dt.datetime(2026, 3, 10, 10, 12))
    app = DeskApp(ctx, config=ctx.config, clock=clock)
    async with app.run_test(size=(160, 60)) as pilot:
        app.logged_in(SOFIA, None)
        await until(pilot, lambda: isinstance(app.screen, SupervisorScreen) and app.screen.data is not None)
        assert row(app, "#sup-counters", "2")[1:5] == ["closed", "-", "CASH, CARD, INFO", "7:00"]
        assert row(app, "#sup-counters", "3")[1] == "closed"
        assert row(app, "#sup-counters", "3")[4] == "-"


async def test_opening_the_dashboard_summarises_the_last_closed_days_in_the_background(ctx, clock):
    from deskapp.core.stats import day_summaries
    from deskapp.db.models import SummaryDay, SummarySums

    clock.set(dt.datetime(2026, 3, 9, 11, 0))  # yesterday: one ticket
    q.issue(ctx, "CASH", with_estimate=False)
    clock.set(dt.datetime(2026, 3, 10, 10, 0))
    app = DeskApp(ctx, config=ctx.config, clock=clock)
    async with app.run_test(size=(160, 60)) as pilot:
        app.logged_in(SOFIA, None)
        week = [dt.date(2026, 3, 10) - dt.timedelta(days=d) for d in range(1, day_summaries.RECENT_DAYS + 1)]

        def summarised() -> set:
            return {d for d, v, sv in SummaryDay.select(SummaryDay.day, SummaryDay.version,
                                                        SummaryDay.summarised_version).tuples()
                    if sv is not None and sv == v}

        await until(pilot, lambda: len(summarised()) == len(week), timeout=30)
        assert {day if isinstance(day, dt.date) else dt.date.fromisoformat(str(day)) for day in summarised()} == set(week)
        # Yesterday's one arrival is in its summary; today is never summarised (still open).
        assert sum(s.n for s in SummarySums.select()) == 1


def test_shared_pool_advice_fits_a_narrow_column_in_either_language() -> None:
    """The short form comes from the advice's data (core says it, translated), not from parsing the
    English sentence: in Portuguese the narrow column was showing the whole advice."""
    from types import SimpleNamespace

    from deskapp import i18n
    from deskapp.core.stats.staffing import advice_for
    from deskapp.tui.widgets.fit_table import Cell, Column, FitTable

    services = [SimpleNamespace(id=i, code=code, target_wait_minutes=10)
                for i, code in enumerate(("CASH", "INFO", "LOAN"), 1)]
    arrivals, minutes = {1: 40, 2: 2, 3: 12}, {1: 6.0, 2: 3.0, 3: 20.0}
    said = {}
    for lang in ("en", "pt"):
        with i18n.use(lang):
            said[lang] = {a.service: (a.text, a.short) for a in advice_for(services, arrivals, minutes, [[1, 2]])}
    assert said["en"]["CASH"] == ("CASH: open 4 more counters for CASH+INFO", "open 4 more (shared)")
    assert said["en"]["LOAN"] == ("LOAN: open 6 more counters", "open 6 more")
    assert said["pt"]["CASH"][1] == "abra mais 4 (comum)"
    assert said["pt"]["LOAN"][1] == "abra mais 6"
    assert "CASH" not in said["pt"]["CASH"][1] and said["pt"]["CASH"][0].startswith("CASH: ")
    table = FitTable([Column("Advice")])
    cell = Cell(*said["pt"]["CASH"])
    assert table._cells((cell,), (True, 0)) == ["abra mais 4 (comum)"]
    assert table._cells((cell,), (False, 0)) == [said["pt"]["CASH"][0]]
