"""Text from data is shown as text: markup-like names, logins and numbers never crash a screen.

The findings of the trust issue (#14, item 1) on 06b9b3d: a customer named `Zorba [/] Markup` ended the
app at a teller's search and on every supervisor's home screen while its ticket waited; a login typed as
`[/]` was audited verbatim and then crashed the Audit screen for good.
"""
from __future__ import annotations

import pytest

from deskapp.core import queue as q
from deskapp.core.customers import edit as customer_edit
from deskapp.core.customers.rules import CustomerDraft
from deskapp.core.security import audit, auth
from deskapp.core.security.auth import Session
from deskapp.db.database import transaction
from deskapp.tui.screens.audit import AuditScreen
from deskapp.tui.screens.customer360 import Customer360Screen
from deskapp.tui.screens.customers import CustomersScreen
from deskapp.tui.screens.desk import DeskScreen
from deskapp.tui.screens.supervisor import SupervisorScreen
from deskapp.tui.widgets.results_table import ResultsTable
from deskapp.tui.widgets.table import DataTable
from tests.tui.helpers import make_app, settle, until

BOSS = Session("sofia", "Sofia Almeida", "supervisor")
TELLER = Session("ana", "Ana Costa", "teller")
HOSTILE = ["Zorba [/] Markup", "Bruna [b]Bold[/b] [link=x]y", "Olga [/", "Rita [red]Unclosed", "Sara a\\[b]c",
           "Vera [$error]Vars[/]", "Zeno [@click=app.quit]Quit[/]"]


def cells(app, selector: str) -> list[list[str]]:
    table = app.screen.query_one(selector, (DataTable, ResultsTable))
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


def customer(ctx, name: str) -> int:
    return customer_edit.create(ctx, BOSS, CustomerDraft(name=name), force=True).id


@pytest.mark.parametrize("name", HOSTILE)
async def test_a_teller_searches_a_customer_whose_name_looks_like_markup(ctx, clock, name):
    cid = customer(ctx, name)
    app = make_app(ctx, clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        app.logged_in(TELLER, None)
        app.action_open("customers")
        await settle(pilot)
        assert isinstance(app.screen, CustomersScreen)
        app.screen.query_one("#customers-search").search(name.split()[0])
        await until(pilot, lambda: cells(app, "#customer-results"))
        assert [row[1] for row in cells(app, "#customer-results")] == [name]
        await pilot.press("down", "enter")
        await settle(pilot)
        assert isinstance(app.screen, Customer360Screen) and app.screen.customer_id == cid
        await until(pilot, lambda: name in app.screen.query_one("#c360-identity").visual.plain)
        assert app.is_running


async def test_the_supervisor_home_screen_lists_a_waiting_ticket_of_such_a_customer(ctx, clock):
    cid = customer(ctx, "Zorba [/] Markup")
    number = q.issue(ctx, "CASH", customer_id=cid, with_estimate=False).ticket.number
    app = make_app(ctx, clock)
    async with app.run_test(size=(160, 60)) as pilot:
        app.logged_in(BOSS, None)
        await until(pilot, lambda: isinstance(app.screen, SupervisorScreen) and app.screen.data is not None)
        await settle(pilot)
        rows = {row[0]: row for row in cells(app, "#sup-waiting")}
        assert "Zorba [/] Markup" in rows[number]
        assert app.is_running


async def test_the_desk_shows_the_called_customer_by_name(ctx, clock):
    cid = customer(ctx, "Zorba [/] Markup")
    q.issue(ctx, "CASH", customer_id=cid, with_estimate=False)
    q.call_next(ctx, "1", "ana")
    app = make_app(ctx, clock)
    async with app.run_test(size=(120, 36)) as pilot:
        app.logged_in(TELLER, "1")
        await until(pilot, lambda: isinstance(app.screen, DeskScreen) and app.screen.view is not None)
        assert "Customer: Zorba [/] Markup" in app.screen.query_one("#desk-current").visual.plain


async def test_audit_rows_with_markup_like_text_still_show_on_the_audit_screen(ctx, clock):
    # A login typed as "[/]" was audited verbatim and then crashed the Audit screen for good. An
    # unknown login is no longer audited as typed (#14 item 10), so the row is written as a login or
    # a detail with such text would be: audit rows cannot be deleted, the screen must show them.
    with pytest.raises(auth.AuthError):
        auth.login(ctx, "[/]", "0000")
    assert not any("[/]" in f"{e.staff} {e.detail}" for e in audit.entries())
    transaction(lambda: audit.record(clock.now(), "[/]", "login_failed", "staff", "[b]x", "[/] [link=y]z"))
    app = make_app(ctx, clock)
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.pause()
        app.logged_in(BOSS, None)
        app.action_open("audit")
        await settle(pilot)
        assert isinstance(app.screen, AuditScreen)
        rows = cells(app, "#audit-table")
        assert any("[/]" in " ".join(row) and "[/] [link=y]z" in row for row in rows)
        assert app.is_running


async def test_a_notification_with_markup_in_it_is_shown_as_text(ctx, clock):
    app = make_app(ctx, clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        app.report_error(q.QueueError("There is no ticket [/] today."))
        await pilot.pause(0.1)
        assert app.is_running
        assert [n.message for n in app._notifications] == ["There is no ticket [/] today."]
