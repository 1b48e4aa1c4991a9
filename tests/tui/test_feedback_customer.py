"""The customer's feedback screen as a teller and a customer meet it, and the feedback terminal.

The teller completes a ticket and turns the screen round (v); the customer answers with digits,
arrows, Enter or the mouse; nothing of the staff's is reachable meanwhile; the screen gives up after
the configured timeout (moved on the injected clock) or when staff end it (ctrl+x, confirmed).
The feedback terminal picks up a ticket another process completes.
"""
from __future__ import annotations

import asyncio
import subprocess
import sys

import pytest
from textual.widgets import Input

from deskapp.core import queue as q
from deskapp.core.security.auth import Session
from deskapp.core.startup import open_context
from deskapp.db import database
from deskapp.db.models import Feedback, FollowUp
from deskapp.tui.app import DeskApp
from deskapp.tui.screens.desk import DeskScreen
from deskapp.tui.screens.feedback_customer import ConfirmEnd, CustomerFeedback, FeedbackTerminal
from tests.conftest import CONFIG
from tests.tui.helpers import settle, until

ANA = Session("ana", "Ana Costa", "teller")


@pytest.fixture(autouse=True)
def quick_thanks(monkeypatch):
    monkeypatch.setattr(CustomerFeedback, "THANKS_SECONDS", 0.1)


def serve(ctx) -> None:
    """Ana serves the next CASH ticket to the end at counter 1 (its guided steps are another story)."""
    q.call_next(ctx, "1", "ana")
    q.start(ctx, "1")
    q.complete(ctx, "1")


async def at_desk_with_a_completed_ticket(pilot) -> None:
    """Ana is at counter 1, whose ticket was just completed: the desk offers v."""
    app = pilot.app
    app.logged_in(ANA, "1")
    await settle(pilot)
    serve(app.ctx)
    await until(pilot, lambda: isinstance(app.screen, DeskScreen) and app.screen.feedback_pending)


def question(app) -> str:
    return app.screen.question


async def test_the_customer_answers_with_the_keyboard_and_the_desk_returns(ctx, clock):
    q.issue(ctx, "CASH")
    app = DeskApp(ctx, config=ctx.config, clock=clock, counter="1")
    async with app.run_test(size=(120, 36)) as pilot:
        await at_desk_with_a_completed_ticket(pilot)
        desk = app.screen
        assert isinstance(desk, DeskScreen) and desk.check_action("customer_feedback", ()) is True

        await pilot.press("v")
        await until(pilot, lambda: isinstance(app.screen, CustomerFeedback))
        assert question(app) == "csat"
        # The staff's keys do nothing here: no screen switch, no quit, no palette, no desk action.
        for key in ("f2", "f5", "ctrl+q", "ctrl+p", "ctrl+l", "n", "c"):
            await pilot.press(key)
            await settle(pilot)
            assert isinstance(app.screen, CustomerFeedback) and app.is_running
        assert not app.screen.query("Footer")

        await pilot.press("enter")  # nothing chosen yet: Enter alone answers nothing
        await settle(pilot)
        assert question(app) == "csat"
        await pilot.press("2")  # a digit picks the answer; Enter confirms it
        assert app.focused.id == "score-csat-2"
        await pilot.press("enter")
        await settle(pilot)
        assert question(app) == "nps"
        await pilot.press("1", "0")  # "1" then "0" is 10 on the 0-10 scale
        assert app.focused.id == "score-nps-10"
        await pilot.press("left", "left", "right")  # the arrows move the choice
        assert app.focused.id == "score-nps-9"
        await pilot.press("enter")
        await settle(pilot)
        assert question(app) == "comment"
        await pilot.press(*"A espera foi longa, vou fazer uma reclamação")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, DeskScreen))
        await settle(pilot)
        assert app.screen.check_action("customer_feedback", ()) is None  # answered: nothing left to ask

    row = Feedback.get()
    assert (row.answered, row.csat, row.nps, row.entered_by, row.staff.login, row.counter.code) == (
        True, 2, 9, "customer", "ana", "1")
    assert row.comment == "A espera foi longa, vou fazer uma reclamação"
    assert set(row.tags.split(",")) == {"waiting_time", "complaint"}
    followup = FollowUp.get()  # one follow-up, however many rules matched
    assert (followup.source, followup.feedback_id, FollowUp.select().count()) == ("feedback", row.id, 1)


async def test_the_customer_answers_with_the_mouse_and_skips_what_they_like(ctx, clock):
    q.issue(ctx, "CASH")
    app = DeskApp(ctx, config=ctx.config, clock=clock, counter="1")
    async with app.run_test(size=(120, 36)) as pilot:
        await at_desk_with_a_completed_ticket(pilot)
        await pilot.press("v")
        await until(pilot, lambda: isinstance(app.screen, CustomerFeedback))
        await pilot.click("#score-csat-5")
        await settle(pilot)
        assert question(app) == "nps"
        await pilot.click("#fbc-skip")
        await settle(pilot)
        await pilot.click("#fbc-skip")
        await until(pilot, lambda: isinstance(app.screen, DeskScreen))

    row = Feedback.get()
    assert (row.answered, row.csat, row.nps, row.comment) == (True, 5, None, "")
    assert FollowUp.select().count() == 0


async def test_after_the_timeout_no_answer_is_recorded_and_the_desk_returns(ctx, clock):
    q.issue(ctx, "CASH")
    app = DeskApp(ctx, config=ctx.config, clock=clock, counter="1")
    async with app.run_test(size=(120, 36)) as pilot:
        await at_desk_with_a_completed_ticket(pilot)
        await pilot.press("v")
        await until(pilot, lambda: isinstance(app.screen, CustomerFeedback))
        clock.advance(seconds=ctx.config.feedback.timeout_seconds - 1)
        await settle(pilot, 0.3)
        assert isinstance(app.screen, CustomerFeedback)  # not yet
        clock.advance(seconds=1)
        await until(pilot, lambda: isinstance(app.screen, DeskScreen))

    row = Feedback.get()
    assert (row.answered, row.csat, row.nps, row.entered_by) == (False, None, None, "customer")


async def test_a_customer_who_stops_halfway_keeps_their_answer(ctx, clock):
    q.issue(ctx, "CASH")
    app = DeskApp(ctx, config=ctx.config, clock=clock, counter="1")
    async with app.run_test(size=(120, 36)) as pilot:
        await at_desk_with_a_completed_ticket(pilot)
        await pilot.press("v")
        await until(pilot, lambda: isinstance(app.screen, CustomerFeedback))
        clock.advance(seconds=60)
        await pilot.press("1", "enter")  # an answer: the timeout starts again
        await settle(pilot, 0.3)
        clock.advance(seconds=60)
        await settle(pilot, 0.3)
        assert question(app) == "nps"
        clock.advance(seconds=ctx.config.feedback.timeout_seconds)
        await until(pilot, lambda: isinstance(app.screen, DeskScreen))

    row = Feedback.get()
    assert (row.answered, row.csat, row.nps) == (True, 1, None)
    assert FollowUp.select().count() == 1  # a poor answer is followed up even half-given


async def test_staff_end_it_early_with_ctrl_x_and_a_confirmation(ctx, clock):
    q.issue(ctx, "CASH")
    app = DeskApp(ctx, config=ctx.config, clock=clock, counter="1")
    async with app.run_test(size=(120, 36)) as pilot:
        await at_desk_with_a_completed_ticket(pilot)
        await pilot.press("v")
        await until(pilot, lambda: isinstance(app.screen, CustomerFeedback))
        await pilot.press("ctrl+x")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmEnd)
        await pilot.press("n")  # changed their mind: the customer goes on
        await settle(pilot)
        assert isinstance(app.screen, CustomerFeedback) and Feedback.select().count() == 0

        await pilot.press("escape", "escape")  # skip the scores, to the comment box
        await settle(pilot)
        assert question(app) == "comment" and isinstance(app.focused, Input)
        await pilot.press("ctrl+x")  # reaches the screen even from the comment box
        await settle(pilot)
        assert isinstance(app.screen, ConfirmEnd)
        await pilot.press("y")
        await until(pilot, lambda: isinstance(app.screen, DeskScreen))

    row = Feedback.get()
    assert (row.answered, row.csat) == (False, None)


async def test_v_is_offered_only_while_a_completed_ticket_awaits_feedback(ctx, clock):
    q.issue(ctx, "CASH")
    app = DeskApp(ctx, config=ctx.config, clock=clock, counter="1")
    async with app.run_test(size=(120, 36)) as pilot:
        app.logged_in(ANA, "1")
        await settle(pilot)
        assert app.screen.check_action("customer_feedback", ()) is None
        await pilot.press("v")  # disabled: nothing happens
        await settle(pilot)
        assert isinstance(app.screen, DeskScreen)


async def test_the_feedback_terminal_asks_about_a_ticket_completed_by_another_process(config, db_url):
    """A real second process completes the ticket (`deskapp queue complete`); the terminal asks about it."""
    ctx = open_context(config, db_url)  # the system clock: the other process has no other
    try:
        q.issue(ctx, "CASH")
        q.call_next(ctx, "1", "ana")
        q.start(ctx, "1")
        app = DeskApp(ctx, config=config, mode="feedback-kiosk", counter="1")
        async with app.run_test(size=(120, 36)) as pilot:
            await settle(pilot)
            assert isinstance(app.screen, FeedbackTerminal)
            assert "Thank you for visiting us" in str(app.screen.query_one("#fbt-welcome").render())
            await pilot.press("ctrl+q")  # the public cannot close it
            await settle(pilot)
            assert app.is_running

            done = await asyncio.to_thread(
                subprocess.run,
                [sys.executable, "-m", "deskapp", "--config", str(CONFIG), "--db", db_url,
                 "queue", "complete", "--counter", "1", "--abandon-workflow", "served by script", "--json"],
                capture_output=True, text=True, timeout=60,
            )
            assert done.returncode == 0, done.stderr
            await until(pilot, lambda: isinstance(app.screen, CustomerFeedback))
            assert app.screen.pending.number == "A001"
            await pilot.press("4", "enter", "escape", "escape")
            await until(pilot, lambda: isinstance(app.screen, FeedbackTerminal))
            await settle(pilot, 1.2)
            assert isinstance(app.screen, FeedbackTerminal)  # answered: not asked again
        row = Feedback.get()
        assert (row.answered, row.csat, row.nps, row.counter.code, row.entered_by) == (True, 4, None, "1", "customer")
    finally:
        database.close()
