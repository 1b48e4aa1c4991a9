"""The supervisor acts from the dashboard: a counter's services and their order, reassigning a
follow-up, unlocking a staff account; the charts, the 30-day feedback and the follow-ups follow the
data; and a call made through another connection with another context shows up."""
from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from textual.widgets import DataTable, OptionList, Sparkline, Static

from deskapp.core import feedback as fb
from deskapp.core import queue as q
from deskapp.core.context import Context
from deskapp.core.customers import followups
from deskapp.core.security import auth
from deskapp.db.database import db
from deskapp.db.models import AuditEvent, Counter, CounterService, Staff
from deskapp.tui.screens.followup_dialogs import ReassignDialog
from deskapp.tui.screens.profile_dialog import ProfileDialog
from deskapp.tui.screens.supervisor import SupervisorScreen
from tests.tui.helpers import PINS, make_app, pick_option, settle, until
from tests.tui.test_supervisor import SOFIA, row, text


def profile(code: str) -> list[str]:
    counter = Counter.get(Counter.code == code)
    return [cs.service.code for cs in CounterService.select().where(CounterService.counter == counter)
            .order_by(CounterService.position)]


async def open_dashboard(pilot) -> SupervisorScreen:
    app = pilot.app
    app.logged_in(SOFIA, None)
    await until(pilot, lambda: isinstance(app.screen, SupervisorScreen) and app.screen.data is not None)
    return app.screen


async def choose(pilot, table_id: str, key: str) -> None:
    table = pilot.app.screen.query_one(table_id, DataTable)
    table.focus()
    table.move_cursor(row=table.get_row_index(key))
    await settle(pilot)


async def test_the_supervisor_reorders_and_changes_a_counters_services(ctx, clock):
    assert profile("1") == ["CASH", "INFO"]
    app = make_app(ctx, clock)
    async with app.run_test(size=(160, 60)) as pilot:
        await open_dashboard(pilot)
        await choose(pilot, "#sup-counters", "1")
        await pilot.press("e")
        await until(pilot, lambda: isinstance(app.screen, ProfileDialog))
        options = app.screen.query_one(OptionList)
        assert str(options.get_option_at_index(0).prompt).startswith("1. CASH")
        assert str(options.get_option_at_index(1).prompt).startswith("2. INFO")
        assert "(not served)" in str(options.get_option_at_index(2).prompt)
        await pilot.press("down", "u")  # INFO before CASH
        await pilot.press("down", "down", "space")  # the first service not served joins at the end
        added = profile_after = app.screen.chosen[-1]
        assert app.screen.chosen == ["INFO", "CASH", added]
        await pilot.press("s")
        await until(pilot, lambda: isinstance(app.screen, SupervisorScreen))
        await until(pilot, lambda: row(app, "#sup-counters", "1")[3] == f"INFO, CASH, {profile_after}")
    assert profile("1") == ["INFO", "CASH", added]
    entry = AuditEvent.get(AuditEvent.action == "counter_profile")
    assert (entry.staff, entry.entity_id, entry.detail) == ("sofia", "1", f"INFO,CASH,{added}")


async def test_an_empty_work_profile_is_refused_in_the_dialog(ctx, clock):
    app = make_app(ctx, clock)
    async with app.run_test(size=(160, 60)) as pilot:
        await open_dashboard(pilot)
        await choose(pilot, "#sup-counters", "1")
        await pilot.press("e")
        await until(pilot, lambda: isinstance(app.screen, ProfileDialog))
        await pilot.press("space")  # CASH out: it moves below INFO and stays highlighted
        assert app.screen.chosen == ["INFO"] and app.screen._current() == "CASH"
        await pilot.press("up", "space")  # INFO out too
        assert app.screen.chosen == []
        await pilot.press("s")
        await until(pilot, lambda: "at least one service" in str(app.screen.query_one("#profile-message", Static)
                                                                   .render()))
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, SupervisorScreen))
    assert profile("1") == ["CASH", "INFO"]


def served(ctx, clock) -> int:
    ticket = q.issue(ctx, "CASH", with_estimate=False).ticket
    q.call_next(ctx, "1", "ana")
    q.start(ctx, "1")
    clock.advance(minutes=4)
    q.complete(ctx, "1")
    return ticket.id


async def test_follow_ups_feedback_and_charts_and_a_reassignment(ctx, clock):
    fb.submit(ctx, served(ctx, clock), csat=2, nps=9)  # a poor CSAT opens a follow-up for the supervisor
    served(ctx, clock)  # completed, no answer
    (item,) = followups.search(open_only=True)
    app = make_app(ctx, clock)
    async with app.run_test(size=(160, 80)) as pilot:
        await open_dashboard(pilot)
        assert text(app, "#sup-followups-title") == "Follow-ups: 1 open, 0 overdue"
        # Counter 1 opened at 10:00 (the first call), 2 completed by 10:08: 2 / (8/60 h) = 15 an hour.
        assert row(app, "#sup-counters", "1")[6:] == ["2", "15.0/h"]
        assert text(app, "#sup-staff") == ("Completed today per teller: Ana Costa 2 (service 4.0 min)\n"
                                           "Called out of order today: none of 2 calls")
        assert row(app, "#sup-followups", str(item.id))[1:3] == ["open", item.assignee_name]
        feedback = text(app, "#sup-feedback")
        # One answer of two completed: CSAT 2 -> 0 %, NPS 9 -> +100, response rate 50 %.
        assert "Feedback today: CSAT 0% · NPS +100 · response rate 50% (1 answer)" in feedback
        assert "Feedback 30 days: CSAT 0% · NPS +100 · response rate 50% (1 answer)" in feedback
        # Opening hours 08:30-15:00: the charts run 08:00 to 15:00; both tickets came at 10:00.
        assert text(app, "#sup-chart-arrivals-caption") == "Arrivals per hour from 08:00: 0 0 2 0 0 0 0 0"
        assert text(app, "#sup-chart-level-caption") == "Service level per hour from 08:00: - - 100% - - - - -"
        assert text(app, "#sup-chart-waits-caption").startswith("Waits (min): 0-5: 2 5-10: 0")
        assert list(app.screen.query_one("#sup-chart-arrivals", Sparkline).data) == [0, 0, 2, 0, 0, 0, 0, 0]

        await choose(pilot, "#sup-followups", str(item.id))
        await pilot.press("a")
        await until(pilot, lambda: isinstance(app.screen, ReassignDialog))
        pick_option(app.screen.query_one("#reassign-to", OptionList), "ines")
        await pilot.pause(0.3)
        await pilot.click(".dialog-save")
        await until(pilot, lambda: isinstance(app.screen, SupervisorScreen)
                    and row(app, "#sup-followups", str(item.id))[2] == "Inês Duarte")
    assert followups.get(item.id).assignee == "ines"
    entry = AuditEvent.get(AuditEvent.action == "followup_reassigned")
    assert (entry.staff, entry.entity_id, entry.detail) == ("sofia", str(item.id), "to=ines")


async def test_a_call_through_another_connection_and_context_reaches_the_dashboard(ctx, clock):
    q.issue(ctx, "CASH", with_estimate=False)
    clock.set(dt.datetime(2026, 3, 10, 10, 3))
    app = make_app(ctx, clock)
    async with app.run_test(size=(160, 60)) as pilot:
        await open_dashboard(pilot)
        assert row(app, "#sup-queues", "CASH")[1] == "1"

        def other_desk() -> str:
            # Another desk: its own Context and its own database connection (Peewee's are per thread).
            other = Context(config=ctx.config, clock=clock, branch_id=ctx.branch_id)
            with db.connection_context():
                return q.call_next(other, "1", "ana").number

        assert await asyncio.to_thread(other_desk) == "A001"
        await until(pilot, lambda: row(app, "#sup-counters", "1")[5] == "A001 called")
        assert row(app, "#sup-queues", "CASH")[1] == "0"
        assert row(app, "#sup-today", "CASH")[5] == "100%"  # called after 3 min, within CASH's 10


async def test_the_supervisor_unlocks_an_account_locked_by_wrong_pins(ctx, clock):
    auth.set_pin(ctx, "ana", PINS["ana"])
    attempts = ctx.config.security.lockout_attempts
    for _ in range(attempts):
        with pytest.raises(auth.AuthError):
            auth.login(ctx, "ana", "0000")
    with pytest.raises(auth.AuthError, match="locked until 10:15"):
        auth.login(ctx, "ana", PINS["ana"])
    app = make_app(ctx, clock)
    async with app.run_test(size=(160, 80)) as pilot:
        screen = await open_dashboard(pilot)
        assert "u" in screen.active_bindings and screen.active_bindings["u"].binding.description == "Unlock account"
        assert text(app, "#sup-locked-title") == "Locked accounts: 1"
        assert "1 staff account locked: see Locked accounts (u unlocks)" in text(app, "#sup-alerts")
        assert row(app, "#sup-locked", "ana") == ["ana", "Ana Costa", "teller", "10:15", str(attempts)]
        await choose(pilot, "#sup-locked", "ana")
        await pilot.press("u")
        await until(pilot, lambda: text(app, "#sup-locked-title") == "Locked accounts: none")
        assert app.screen.query_one("#sup-locked", DataTable).row_count == 0
        assert "locked" not in text(app, "#sup-alerts")
    staff = Staff.get(Staff.login == "ana")
    assert (staff.failed_attempts, staff.locked_until) == (0, None)
    entry = AuditEvent.select().where(AuditEvent.action == "unlock").get()
    assert (entry.staff, entry.entity_id) == ("sofia", "ana")
    assert auth.login(ctx, "ana", PINS["ana"]).login == "ana"
