"""The feedback screen as a supervisor uses it: the figures, the responses, the follow-ups worked."""
from __future__ import annotations

import datetime as dt

from textual.widgets import DataTable, Input, OptionList, Select, Static, TabbedContent, TextArea

from deskapp.core import feedback as fb
from deskapp.core import queue as q
from deskapp.core.customers import followups
from deskapp.core.security.auth import Session
from deskapp.db.models import Feedback, FollowUp
from deskapp.tui.app import DeskApp
from deskapp.tui.screens.feedback import FeedbackScreen
from deskapp.tui.screens.followup_dialogs import CloseDialog, ContactDialog, FollowUpDetail, ReassignDialog
from tests.tui.helpers import pick_option, settle, until

SOFIA = Session("sofia", "Sofia Almeida", "supervisor")


def served(ctx, clock) -> int:
    ticket = q.issue(ctx, "CASH").ticket
    q.call_next(ctx, "1", "ana")
    q.start(ctx, "1")
    clock.advance(minutes=4)
    q.complete(ctx, "1")
    return ticket.id


def text(app, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


def cells(app, table_id: str) -> list[list[str]]:
    table = app.screen.query_one(table_id, DataTable)
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


async def open_feedback(pilot) -> FeedbackScreen:
    app = pilot.app
    app.logged_in(SOFIA, None)
    await settle(pilot)
    await pilot.press("f5")
    await until(pilot, lambda: isinstance(app.screen, FeedbackScreen) and "Loading" not in text(app, "#fb-metrics"))
    return app.screen


async def test_with_no_feedback_every_figure_is_a_dash(ctx, clock):
    app = DeskApp(ctx, config=ctx.config, clock=clock)
    async with app.run_test(size=(160, 45)) as pilot:
        await open_feedback(pilot)
        metrics = text(app, "#fb-metrics")
        assert "CSAT - (no answers)" in metrics
        assert "NPS - (no answers)" in metrics
        assert "Response rate - (no completed tickets)" in metrics
        assert "Staff-entered: no answers" in metrics
        assert "0%" not in metrics


async def test_figures_say_what_they_count_and_filters_narrow_them(ctx, clock):
    tickets = [served(ctx, clock) for _ in range(4)]
    fb.submit(ctx, tickets[0], csat=5, nps=10)
    fb.submit(ctx, tickets[1], csat=3, nps=8)
    fb.submit(ctx, tickets[2], csat=2, nps=3, comment="Demasiada espera, quero fazer uma reclamação")
    app = DeskApp(ctx, config=ctx.config, clock=clock)
    async with app.run_test(size=(160, 45)) as pilot:
        screen = await open_feedback(pilot)
        metrics = text(app, "#fb-metrics")
        assert "CSAT 33% (1 of 3 answers 4-5)" in metrics
        assert "NPS 0 (1 promoter 9-10, 1 detractor 0-6, of 3 answers)" in metrics
        assert "Response rate 75% (3 responses of 4 completed tickets; 0 no answer)" in metrics
        screen.query_one(TabbedContent).active = "tab-responses"
        await settle(pilot)
        assert [row[1] for row in cells(app, "#fb-responses")] == ["A003", "A002", "A001"]

        screen.query_one("#filter-band", Select).value = "detractor"
        await until(pilot, lambda: len(cells(app, "#fb-responses")) == 1)
        row = cells(app, "#fb-responses")[0]
        assert (row[1], row[5], row[6]) == ("A003", "2", "3")
        assert "complaint" in row[8] and "waiting_time" in row[8]
        assert "CSAT 0% (0 of 1 answer 4-5)" in text(app, "#fb-metrics")

        screen.query_one("#filter-since", Input).value = "10 March"
        await pilot.click("#filter-since")
        await pilot.press("enter")
        await settle(pilot)
        assert "is not a date" in text(app, "#fb-filter-message")

        screen.query_one("#fb-responses", DataTable).focus()
        await pilot.press("x")  # clear the filters (from the table: in a text box, x is text)
        await until(pilot, lambda: len(cells(app, "#fb-responses")) == 3)
        assert text(app, "#fb-filter-message") == ""
        assert screen.query_one("#filter-since", Input).value == "2026-02-09"


async def test_a_follow_up_is_worked_from_detail_to_closed(ctx, clock):
    fb.submit(ctx, served(ctx, clock), csat=1, nps=2, comment="rude")
    item = followups.search()[0]
    clock.advance(hours=49)  # past its due time
    app = DeskApp(ctx, config=ctx.config, clock=clock)
    async with app.run_test(size=(160, 45)) as pilot:
        await open_feedback(pilot)
        row = cells(app, "#fb-followups")[0]
        assert row[0] == str(item.id) and "OVERDUE" in row[1] and row[3] == "2 d 1 h"

        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, FollowUpDetail) and "Loading" not in text(app, "#detail-body"))
        assert "OVERDUE" in text(app, "#detail-body") and "Answers: CSAT 1, NPS 2" in text(app, "#detail-body")
        await pilot.press("c")  # record a contact
        await until(pilot, lambda: isinstance(app.screen, ContactDialog))
        await pilot.press(*"Reached by phone, apologised", "enter", *"Will call back Friday")  # several lines
        assert app.screen.query_one("#contact-outcome", TextArea).text == "Reached by phone, apologised\nWill call back Friday"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, FeedbackScreen))
        assert followups.get(item.id).status == "in_progress"

        await pilot.press("d")  # close without a resolution: refused, in the dialog
        await until(pilot, lambda: isinstance(app.screen, CloseDialog))
        app.screen.query_one("#close-cause", Select).value = "staff_attitude"
        await pilot.click(".dialog-save")
        await until(pilot, lambda: "needs a resolution" in text(app, ".dialog-message"))
        assert isinstance(app.screen, CloseDialog) and followups.get(item.id).status == "in_progress"
        app.screen.query_one("#close-resolution", TextArea).text = "Apologised; coaching with the teller."
        await pilot.pause(0.3)  # a button ignores a second click while it still shows the first
        await pilot.click(".dialog-save")
        await until(pilot, lambda: isinstance(app.screen, FeedbackScreen))
        await settle(pilot)
        done = followups.get(item.id)
        assert (done.status, done.root_cause, done.resolution) == (
            "done", "staff_attitude", "Apologised; coaching with the teller.")
        assert "OVERDUE" not in cells(app, "#fb-followups")[0][1]


async def test_a_follow_up_is_reassigned(ctx, clock):
    fb.submit(ctx, served(ctx, clock), csat=1)
    item = followups.search()[0]
    app = DeskApp(ctx, config=ctx.config, clock=clock)
    async with app.run_test(size=(160, 45)) as pilot:
        await open_feedback(pilot)
        await pilot.press("a")
        await until(pilot, lambda: isinstance(app.screen, ReassignDialog))
        await pilot.click(".dialog-save")
        await until(pilot, lambda: "Choose who" in text(app, ".dialog-message"))
        pick_option(app.screen.query_one("#reassign-to", OptionList), "ines")
        await pilot.pause(0.3)
        await pilot.click(".dialog-save")
        await until(pilot, lambda: isinstance(app.screen, FeedbackScreen))
    assert followups.get(item.id).assignee == "ines"


async def test_staff_type_in_what_a_customer_said(ctx, clock):
    served(ctx, clock)
    app = DeskApp(ctx, config=ctx.config, clock=clock)
    async with app.run_test(size=(160, 45)) as pilot:
        await open_feedback(pilot)
        await pilot.press("e")
        await settle(pilot)
        screen = app.screen
        assert screen.query_one(TabbedContent).active == "tab-entry"
        await pilot.press(*"a009", "enter")
        await until(pilot, lambda: "There is no ticket A009 today" in text(app, "#entry-message"))

        screen.query_one("#entry-ticket", Input).value = "a001"
        screen.query_one("#entry-csat", Input).value = "2"
        screen.query_one("#entry-comment", Input).value = "Told me at the door: too long a wait"
        await pilot.click("#entry-save")
        await until(pilot, lambda: "Saved for A001 as staff-entered" in text(app, "#entry-message"))
        assert "follow-up" in text(app, "#entry-message")
        await until(pilot, lambda: "Staff-entered: 1 answer" in text(app, "#fb-metrics"))
        assert "CSAT - (no answers)" in text(app, "#fb-metrics")  # customers' figures are apart

        screen.query_one("#entry-ticket", Input).value = "A001"
        screen.query_one("#entry-csat", Input).value = "5"
        await pilot.pause(0.3)
        await pilot.click("#entry-save")
        await until(pilot, lambda: "already been answered" in text(app, "#entry-message"))

    row = Feedback.get()
    assert (row.entered_by, row.entered_by_login, row.csat, row.answered) == ("staff", "sofia", 2, True)
    assert FollowUp.select().count() == 1


async def test_a_teller_cannot_open_the_feedback_screen(ctx, clock):
    app = DeskApp(ctx, config=ctx.config, clock=clock, counter="1")
    async with app.run_test(size=(160, 45)) as pilot:
        app.logged_in(Session("ana", "Ana Costa", "teller"), "1")
        await settle(pilot)
        app.action_open("feedback")
        await settle(pilot)
        assert not isinstance(app.screen, FeedbackScreen)
    assert dt.date(2026, 3, 10) == ctx.today()
