"""The relationship manager's workspace driven by keys: portfolio, the 360 with offers and the contact
log, follow-ups (snooze, reassign, complete), the needs pipeline; and who may not open it."""
from __future__ import annotations

import datetime as dt

import pytest
from textual.widgets import DataTable, Input, OptionList, Select, Static, TextArea

from deskapp.core.customers import followups
from deskapp.core.customers import records as customer_records
from deskapp.core.relationship import portfolio
from deskapp.core.security import auth
from deskapp.core.security.auth import Forbidden, Session
from deskapp.db.models import FollowUp, Interaction, Need, OfferDecision
from deskapp.tui.screens.customer360 import Customer360Screen
from deskapp.tui.screens.manager import ManagerScreen
from deskapp.tui.screens.offer_dialog import DeclineDialog
from tests.conftest import T0
from tests.tui.helpers import log_in, make_app, pick_option, set_pins, settle, until
from tests.unit.test_offers import make

SIZE = (150, 40)
PEDRO = Session("pedro", "Pedro Nunes", "manager")


@pytest.fixture
def ready(ctx):
    set_pins(ctx)
    auth.set_pin(ctx, "ines", "7159")
    return ctx


def text(app, selector: str) -> str:
    return app.screen.query_one(selector, Static).visual.plain


def rows(app, selector: str) -> list[list[str]]:
    table = app.screen.query_one(selector, DataTable)
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


def portfolio_of_pedro(ctx) -> dict[str, int]:
    return {
        "ana": make(ctx, "Ana Lopes", segment="affluent", products=("current_account",)),
        "bruno": make(ctx, "Bruno Alves", id_expiry="2026-03-20", consent=False),
        "carla": make(ctx, "Carla Dias", segment="premier", born="1980-03-10"),
        "other": make(ctx, "Outro Cliente", manager="ines"),
    }


async def test_the_manager_sees_the_portfolio_searches_and_opens_the_360_to_accept_an_offer(ready, clock):
    ids = portfolio_of_pedro(ready)
    app = make_app(ready, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await log_in(pilot, "pedro")
        await until(pilot, lambda: isinstance(app.screen, ManagerScreen) and app.screen.rows)
        table = rows(app, "#mgr-customers")
        assert [r[0] for r in table] == ["Ana Lopes", "Bruno Alves", "Carla Dias"], "only Pedro's customers"
        assert table[1][7].startswith("ID document expires in 10 days") and table[2][7].startswith("Birthday today")
        assert table[0][3] == "current account"
        assert text(app, "#mgr-customers-summary") == "3 customers · 2 with alerts"

        await pilot.press("slash")
        await pilot.press(*"dias")
        await until(pilot, lambda: [r[0] for r in rows(app, "#mgr-customers")] == ["Carla Dias"])
        await pilot.press("enter")  # back to the table
        await pilot.press("x")  # clear the filter
        await until(pilot, lambda: len(rows(app, "#mgr-customers")) == 3)
        app.screen.query_one("#mgr-alert", Select).value = "id_expiring"
        await until(pilot, lambda: [r[0] for r in rows(app, "#mgr-customers")] == ["Bruno Alves"])
        await pilot.press("x")
        await until(pilot, lambda: len(rows(app, "#mgr-customers")) == 3)

        app.screen.query_one("#mgr-customers", DataTable).focus()
        await pilot.press("o")  # Ana Lopes, the first row
        await until(pilot, lambda: isinstance(app.screen, Customer360Screen) and app.screen.offers)
        assert [o.code for o in app.screen.offers] == ["starter_credit_card"]
        await pilot.press("y")
        await until(pilot, lambda: OfferDecision.select().count() == 1)
        decision = OfferDecision.get()
        assert (decision.customer_id, decision.offer, decision.decision, decision.staff.login) == (
            ids["ana"], "starter_credit_card", "accepted", "pedro")
        assert Need.get_by_id(decision.need_id).category == "cards"
        await until(pilot, lambda: app.screen.offers == [])

        await pilot.press("i")  # the contact log: a call with its outcome
        await settle(pilot)
        form = app.screen
        form.query_one("#field-kind", Select).value = "call"
        form.query_one("#field-outcome", Input).value = "reached, will visit"
        await pilot.click("#form-save")
        await until(pilot, lambda: Interaction.select().count() == 1)
        call = Interaction.get()
        assert (call.customer_id, call.kind, call.outcome, call.staff.login) == (ids["ana"], "call", "reached, will visit", "pedro")
        await until(pilot, lambda: isinstance(app.screen, Customer360Screen))
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, ManagerScreen)
                    and rows(app, "#mgr-customers")[0][4] == "10 Mar 2026")


async def test_follow_ups_due_overdue_upcoming_snooze_reassign_and_complete(ready, clock):
    ids = portfolio_of_pedro(ready)
    due = lambda hours, source, reason: followups.create(ready, source=source, reason=reason, by="sofia",
                                                         customer_id=ids["ana"], assignee="pedro",
                                                         due_at=T0 + dt.timedelta(hours=hours))
    late = due(-3, "feedback", "Unhappy with the wait")
    today = due(4, "referral", "Wants a mortgage quote")
    later = due(50, "manual", "Send the savings brochure")
    app = make_app(ready, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await log_in(pilot, "pedro")
        await until(pilot, lambda: isinstance(app.screen, ManagerScreen) and app.screen.board_rows)
        await pilot.press("2")
        await settle(pilot)
        assert text(app, "#mgr-followups-summary") == "1 overdue · 1 due today · 1 upcoming"
        assert [(r[0], r[3], r[5]) for r in rows(app, "#mgr-followups")] == [
            ("overdue", "Poor feedback", "Unhappy with the wait"), ("today", "Referral", "Wants a mortgage quote"),
            ("upcoming", "Manual", "Send the savings brochure")]

        await pilot.press("z")  # snooze the overdue one
        await settle(pilot)
        await pilot.click("#snooze-reason")
        await pilot.press("enter")
        await settle(pilot)
        assert text(app, ".dialog-message") == "Snoozing needs a reason."
        await pilot.press(*"customer abroad until Friday", "enter")
        await until(pilot, lambda: isinstance(app.screen, ManagerScreen)
                    and text(app, "#mgr-followups-summary") == "0 overdue · 1 due today · 2 upcoming")
        assert FollowUp.get_by_id(late.id).due_at == dt.datetime(2026, 3, 11, 9, 0)  # 09:00 Lisbon = UTC in March

        board = app.screen.query_one("#mgr-followups", DataTable)
        assert board.cursor_row == 1, "the cursor followed the snoozed follow-up to its new row"
        board.focus()
        await pilot.press("up")
        await pilot.press("a")  # reassign the first row: due today
        await settle(pilot)
        pick_option(app.screen.query_one("#reassign-to", OptionList), "ines")
        await pilot.click(".dialog-save")
        await until(pilot, lambda: isinstance(app.screen, ManagerScreen)
                    and text(app, "#mgr-followups-summary") == "0 overdue · 0 due today · 2 upcoming")
        assert FollowUp.get_by_id(today.id).assignee.login == "ines"

        app.screen.query_one("#mgr-followups", DataTable).focus()
        await pilot.press("d")  # complete the first row: the snoozed one (tomorrow 09:00)
        await settle(pilot)
        app.screen.query_one("#close-resolution", TextArea).text = "Called back; explained the new queue"
        app.screen.query_one("#close-cause", Select).value = "waiting_time"
        await pilot.click(".dialog-save")
        await until(pilot, lambda: isinstance(app.screen, ManagerScreen)
                    and text(app, "#mgr-followups-summary") == "0 overdue · 0 due today · 1 upcoming")
        closed = FollowUp.get_by_id(late.id)
        assert (closed.status, closed.root_cause, closed.closed_by) == ("done", "waiting_time", "pedro")
        assert [r[5] for r in rows(app, "#mgr-followups")] == ["Send the savings brochure"]
        assert (FollowUp.get_by_id(later.id).status, FollowUp.get_by_id(later.id).assignee.login) == ("open", "pedro")


async def test_the_needs_pipeline_mine_and_every_customer(ready, clock):
    ids = portfolio_of_pedro(ready)
    session = PEDRO
    customer_records.add_need(ready, session, ids["ana"], "mortgage")
    customer_records.add_need(ready, session, ids["other"], "savings")
    need = customer_records.add_need(ready, session, ids["bruno"], "cards")
    clock.advance(days=2)
    product = customer_records.add_product(ready, session, ids["bruno"], "credit_card", "2026-03-12")
    customer_records.set_need_status(ready, session, need, "met", met_by_product=product)
    app = make_app(ready, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await log_in(pilot, "pedro")
        await until(pilot, lambda: isinstance(app.screen, ManagerScreen) and app.screen.rows)
        await pilot.press("3")
        await settle(pilot)
        assert rows(app, "#mgr-pipeline") == [["mortgage", "1", "0", "0", "0", "1"], ["cards", "0", "0", "1", "0", "1"]]
        assert rows(app, "#mgr-converted") == [["Bruno Alves", "cards", "credit card", "10 Mar 2026", "12 Mar 2026", "2.0"]]
        assert "median 2.0 days from need to product" in text(app, "#mgr-pipeline-summary")
        await pilot.press("p")
        await until(pilot, lambda: "every customer" in text(app, "#mgr-pipeline-summary"))
        assert [r[0] for r in rows(app, "#mgr-pipeline")] == ["savings", "mortgage", "cards"]


async def test_a_teller_cannot_open_a_managers_portfolio(ready, clock):
    portfolio_of_pedro(ready)
    app = make_app(ready, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await log_in(pilot, "ana", counter="1")
        await pilot.press("f7")
        await settle(pilot)
        assert not isinstance(app.screen, ManagerScreen)
        assert not app.session.may("manager")
        app.action_open("manager")  # even asked directly, the app refuses
        await settle(pilot)
        assert not isinstance(app.screen, ManagerScreen)
        assert any("may not open Manager" in str(n.message) for n in app._notifications)
        with pytest.raises(Forbidden, match="^Only a supervisor or a manager may open pedro's portfolio; Ana Costa is a teller"):
            portfolio.customers_of(ready, app.session, "pedro")


async def test_another_manager_sees_only_her_own_portfolio(ready, clock):
    portfolio_of_pedro(ready)
    app = make_app(ready, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await log_in(pilot, "ines", pin="7159")
        await until(pilot, lambda: isinstance(app.screen, ManagerScreen) and app.screen.rows)
        assert [r[0] for r in rows(app, "#mgr-customers")] == ["Outro Cliente"]
        with pytest.raises(Forbidden):
            portfolio.customers_of(ready, app.session, "pedro")


async def test_a_declined_offer_is_recorded_with_why_and_back_records_nothing(ready, clock):
    ids = portfolio_of_pedro(ready)
    app = make_app(ready, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await log_in(pilot, "pedro")
        await until(pilot, lambda: isinstance(app.screen, ManagerScreen) and app.screen.rows)
        app.screen.query_one("#mgr-customers", DataTable).focus()
        await pilot.press("o")  # Ana Lopes
        await until(pilot, lambda: isinstance(app.screen, Customer360Screen) and app.screen.offers)

        await pilot.press("n")
        await until(pilot, lambda: isinstance(app.screen, DeclineDialog))
        await pilot.press("escape")  # changed their mind: nothing is recorded, the offer stays
        await until(pilot, lambda: isinstance(app.screen, Customer360Screen))
        await settle(pilot)
        assert OfferDecision.select().count() == 0 and app.screen.offers

        await pilot.press("n")
        await until(pilot, lambda: isinstance(app.screen, DeclineDialog))
        await pilot.press(*"has one elsewhere", "enter")
        await until(pilot, lambda: OfferDecision.select().count() == 1)
        decision = OfferDecision.get()
        assert (decision.customer_id, decision.offer, decision.decision, decision.note, decision.staff.login) == (
            ids["ana"], "starter_credit_card", "declined", "has one elsewhere", "pedro")
        await until(pilot, lambda: isinstance(app.screen, Customer360Screen) and app.screen.offers == [])


async def test_a_supervisor_chooses_whose_portfolio_to_see(ready, clock):
    portfolio_of_pedro(ready)
    app = make_app(ready, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await log_in(pilot, "sofia")
        await pilot.press("f7")
        # The first manager by the configuration's order is shown first: Pedro.
        await until(pilot, lambda: isinstance(app.screen, ManagerScreen) and app.screen.rows)
        assert [r[0] for r in rows(app, "#mgr-customers")] == ["Ana Lopes", "Bruno Alves", "Carla Dias"]
        app.screen.query_one("#mgr-owner", Select).value = "ines"
        await until(pilot, lambda: [r[0] for r in rows(app, "#mgr-customers")] == ["Outro Cliente"])
        await pilot.press("3")
        await until(pilot, lambda: "Inês Duarte's portfolio" in text(app, "#mgr-pipeline-summary"))


async def test_a_manager_has_no_choice_of_portfolio(ready, clock):
    portfolio_of_pedro(ready)
    app = make_app(ready, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await log_in(pilot, "pedro")
        await until(pilot, lambda: isinstance(app.screen, ManagerScreen) and app.screen.rows)
        assert not app.screen.query("#mgr-owner")
