"""Customer lookup, the 360, new and edited customers, reveal and the audit screen, driven by keys."""
from __future__ import annotations

import random

from textual.widgets import DataTable, Input, Static

from deskapp.core import queue as q
from deskapp.core.customers import edit as customer_edit
from deskapp.core.customers.rules import CustomerDraft
from deskapp.core.demo.branch import national_id
from deskapp.core.security.auth import Session
from deskapp.db.models import AuditEvent, Customer, Interaction
from deskapp.tui.screens.audit import AuditScreen
from deskapp.tui.screens.customer360 import Customer360Screen
from deskapp.tui.screens.customer_forms import CustomerForm
from deskapp.tui.screens.customers import CustomersScreen
from deskapp.tui.widgets.customer_picker import CustomerPicker
from deskapp.tui.widgets.results_table import ResultsTable
from tests.tui.helpers import make_app, searches_shown


async def settle(pilot, seconds: float = 0.0) -> None:
    """Let workers finish (a search superseded by a newer one ends cancelled) and results show."""
    from textual.worker import WorkerCancelled

    for _ in range(3):
        try:
            await pilot.app.workers.wait_for_complete()
        except WorkerCancelled:
            pass
        await searches_shown(pilot)
        await pilot.pause(seconds)

BOSS = Session("sofia", "Sofia Almeida", "supervisor")
TELLER = Session("ana", "Ana Costa", "teller")


def text(app, selector: str) -> str:
    return app.screen.query_one(selector, Static).visual.plain


def people(ctx, count: int = 3) -> list[int]:
    rng = random.Random(1)
    made = [customer_edit.create(ctx, BOSS, CustomerDraft(name="José Müller", national_id=national_id(rng),
                                                          phones=["912 345 678"], birth_date="1970-01-01")).id]
    for i in range(count):
        made.append(customer_edit.create(ctx, BOSS, CustomerDraft(name=f"Maria Silva {i:02d}",
                                                                  national_id=national_id(rng)), force=True).id)
    return made


async def open_customers(app, pilot, session: Session) -> None:
    await pilot.pause()
    app.logged_in(session, None)
    app.action_open("customers")
    await settle(pilot)
    assert isinstance(app.screen, CustomersScreen)


async def test_lookup_updates_as_you_type_and_pages_on_scroll(ctx, clock):
    ids = people(ctx, 40)
    app = make_app(ctx, clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await open_customers(app, pilot, TELLER)
        await pilot.press(*"mull")
        await settle(pilot)
        table = app.screen.query_one("#customer-results", ResultsTable)
        assert table.row_count == 1 and "José Müller" in str(table.get_row_at(0)[1])
        assert str(table.get_row_at(0)[2]).startswith("•")
        await pilot.press(*["backspace"] * 4, *"silva")
        await settle(pilot)
        assert table.row_count == 25  # the first page
        await pilot.press("down")
        assert table.has_focus
        await pilot.press("pagedown", "pagedown", "end")
        await settle(pilot)
        assert table.row_count == 40
        assert "40 matches" in text(app, "#customer-status")
        await pilot.press("enter")  # on the last row, where "end" left the cursor
        await settle(pilot)
        assert isinstance(app.screen, Customer360Screen) and app.screen.customer_id == ids[-1]


async def test_newest_query_wins(ctx, clock):
    people(ctx, 2)
    app = make_app(ctx, clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await open_customers(app, pilot, TELLER)
        search = app.screen.query_one("#customers-search")
        search.search("silva")
        search.search("müller")
        await settle(pilot)
        table = app.screen.query_one("#customer-results", ResultsTable)
        assert [str(table.get_row_at(i)[1]) for i in range(table.row_count)] == ["José Müller"]


async def test_profile_shows_masked_id_alerts_and_records_a_note(ctx, clock):
    ids = people(ctx, 0)
    q.issue(ctx, "CASH", customer_id=ids[0])
    q.call_next(ctx, "1", "ana")
    q.start(ctx, "1")
    q.complete(ctx, "1")
    app = make_app(ctx, clock)
    async with app.run_test(size=(140, 40)) as pilot:
        await open_customers(app, pilot, TELLER)
        await pilot.press(*"912345678", "enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, Customer360Screen)
        identity = text(app, "#c360-identity")
        nid = Customer.get_by_id(ids[0]).national_id
        assert "José Müller" in identity and "•••••" + nid[-4:] in identity and nid not in identity
        assert screen.query_one("#c360-timeline", DataTable).row_count == 1  # the served ticket
        assert app.screen.check_action("reveal", ()) is None  # a teller may not reveal: listed, refused with why
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, CustomerForm)
        await pilot.press(*"Prefers email", "enter")
        await settle(pilot, 0.1)
        assert isinstance(app.screen, Customer360Screen)
        assert app.screen.query_one("#c360-timeline", DataTable).row_count == 2
        assert Interaction.select().where(Interaction.kind == "note").count() == 1
        views = AuditEvent.select().where(AuditEvent.action == "customer_view").count()
        assert views == 1  # the reload after the note is the same view
        await pilot.press("escape")
        assert isinstance(app.screen, CustomersScreen)


async def test_supervisor_reveals_the_id_and_it_is_audited(ctx, clock):
    ids = people(ctx, 0)
    app = make_app(ctx, clock)
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.pause()
        app.logged_in(BOSS, None)
        await pilot.pause()
        app.push_screen(Customer360Screen(ids[0]))
        await settle(pilot)
        await pilot.press("v")
        await settle(pilot)
        nid = Customer.get_by_id(ids[0]).national_id
        assert nid in text(app, "#c360-identity")
        reveal = AuditEvent.select().where(AuditEvent.action == "customer_reveal").get()
        assert (reveal.staff, reveal.detail) == ("sofia", "field=national_id") and nid not in reveal.entity_id


async def test_new_customer_form_shows_problems_next_to_fields_then_saves(ctx, clock):
    people(ctx, 0)
    app = make_app(ctx, clock)
    async with app.run_test(size=(120, 50)) as pilot:
        await open_customers(app, pilot, TELLER)
        await pilot.press("ctrl+n")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, CustomerForm)
        form.query_one("#field-name", Input).value = "Zé Novo"
        form.query_one("#field-national_id", Input).value = "123456780"
        form.query_one("#field-birth_date", Input).value = "1990-02-31"
        form.query_one("#field-phones", Input).value = "912 345 678"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "check digit" in text(app, "#error-national_id")
        assert "not a date" in text(app, "#error-birth_date")
        form.query_one("#field-national_id", Input).value = "123456789"
        form.query_one("#field-birth_date", Input).value = "1990-02-28"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "José Müller" in text(app, "#form-message")  # the same phone: confirm first
        assert Customer.select().where(Customer.name == "Zé Novo").count() == 0
        await pilot.press("ctrl+s")  # save anyway
        await settle(pilot, 0.1)
        assert isinstance(app.screen, Customer360Screen)
        assert Customer.get(Customer.name == "Zé Novo").national_id == "123456789"


async def test_edit_details_from_the_profile(ctx, clock):
    ids = people(ctx, 0)
    app = make_app(ctx, clock)
    async with app.run_test(size=(120, 50)) as pilot:
        await pilot.pause()
        app.logged_in(TELLER, None)
        await pilot.pause()
        app.push_screen(Customer360Screen(ids[0]))
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)
        form = app.screen
        assert form.query_one("#field-name", Input).value == "José Müller"
        form.query_one("#field-email", Input).value = "not an email"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "not an email" in text(app, "#error-email")
        form.query_one("#field-email", Input).value = "jose@example.com"
        await pilot.press("ctrl+s")
        await settle(pilot, 0.1)
        assert isinstance(app.screen, Customer360Screen)
        assert "jose@example.com" in text(app, "#c360-identity")
        row = Customer.get_by_id(ids[0])
        assert row.email == "jose@example.com" and row.national_id  # the masked ID was left alone
        edit = AuditEvent.select().where(AuditEvent.action == "customer_edit").get()
        assert edit.detail == "fields=email"


async def test_picker_returns_the_chosen_customer(ctx, clock):
    ids = people(ctx, 1)
    app = make_app(ctx, clock)
    chosen = []
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        app.logged_in(Session("rita", "Rita Marques", "greeter"), None)
        await pilot.pause()
        app.push_screen(CustomerPicker(), chosen.append)
        await pilot.pause()
        await pilot.press(*"maria sil")
        await settle(pilot)
        await pilot.press("enter")
        await pilot.pause()
        assert chosen == [ids[1]]


async def test_greeter_finds_but_cannot_open_a_profile(ctx, clock):
    people(ctx, 0)
    app = make_app(ctx, clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await open_customers(app, pilot, Session("rita", "Rita Marques", "greeter"))
        await pilot.press(*"muller")
        await settle(pilot)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, CustomersScreen)
        assert AuditEvent.select().where(AuditEvent.action == "customer_view").count() == 0


async def test_desk_opens_the_customer_of_the_ticket_in_hand(ctx, clock):
    ids = people(ctx, 0)
    q.issue(ctx, "CASH", customer_id=ids[0])
    q.call_next(ctx, "1", "ana")
    app = make_app(ctx, clock)
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.pause()
        app.logged_in(TELLER, "1")
        await settle(pilot)
        await pilot.press("o")
        await settle(pilot)
        assert isinstance(app.screen, Customer360Screen) and app.screen.customer_id == ids[0]


async def test_audit_screen_filters_by_customer_and_staff(ctx, clock):
    from deskapp.core.customers import directory as customers

    ids = people(ctx, 1)
    customers.profile(ctx, TELLER, ids[0])
    customers.profile(ctx, BOSS, ids[1])
    app = make_app(ctx, clock)
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.pause()
        app.logged_in(BOSS, None)
        app.action_open("audit")
        await settle(pilot)
        assert isinstance(app.screen, AuditScreen)
        number = Customer.get_by_id(ids[0]).number
        app.screen.query_one("#audit-customer", Input).value = number
        app.screen.query_one("#audit-staff", Input).value = "ana"
        await pilot.click("#audit-show")
        await settle(pilot)
        table = app.screen.query_one("#audit-table", DataTable)
        assert [[str(c) for c in table.get_row_at(i)[1:4]] for i in range(table.row_count)] == [["ana", "customer_view", f"customer {ids[0]}"]]
        app.screen.query_one("#audit-from", Input).value = "yesterday"
        await pilot.pause(0.6)  # a button ignores a second press that follows the first too closely
        await pilot.click("#audit-show")
        await settle(pilot)
        assert "not a date" in text(app, "#audit-message")


async def test_similar_names_are_marked_and_the_duplicate_warning_gives_reasons_at_80x24(ctx, clock):
    people(ctx, 2)
    app = make_app(ctx, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_customers(app, pilot, TELLER)
        await pilot.press(*"jose mueler")
        await settle(pilot)
        table = app.screen.query_one("#customer-results", ResultsTable)
        assert table.row_count == 1 and str(table.get_row_at(0)[1]) == "~ José Müller"
        assert "1 ~ similar name" in text(app, "#customer-status")
        await pilot.press("ctrl+n")
        await settle(pilot)
        form = app.screen
        form.query_one("#field-name", Input).value = "Jose Mueller"
        form.query_one("#field-birth_date", Input).value = "1970-01-02"
        await pilot.press("ctrl+s")
        await settle(pilot, 0.1)
        message = text(app, "#form-message")
        assert "José Müller" in message and "(same name, birth date one day off)" in message
        save = form.query_one("#form-save")
        assert str(save.label) == "Save anyway"
        assert save.region.height > 0 and form.query_one("#form-message").region.height > 0  # on screen at 80x24
