"""Issue 18 item 3 in the customer 360: a supervisor merges another record into the one open (key m),
seeing both field by field and choosing per field and which record stays; a teller has no such key."""
from __future__ import annotations

from textual.widgets import DataTable, Static

from deskapp.core.customers import edit as customer_edit
from deskapp.core.customers import erasure
from deskapp.core.customers import records as customer_records
from deskapp.core.customers.rules import CustomerDraft
from deskapp.core.security.auth import Session
from deskapp.db.models import AuditEvent, Customer, Interaction
from deskapp.tui.screens.customer360 import Customer360Screen
from deskapp.tui.screens.merge_dialog import MergeDialog
from tests.tui.helpers import make_app, settle

BOSS = Session("sofia", "Sofia Almeida", "supervisor")
TELLER = Session("ana", "Ana Costa", "teller")


def pair(ctx) -> tuple[Customer, Customer]:
    a = customer_edit.create(ctx, BOSS, CustomerDraft(name="Marta Reis", address="Rua A 1"), force=True)
    b = customer_edit.create(ctx, BOSS, CustomerDraft(name="Marta C. Reis", email="marta@example.org",
                                                      address="Rua B 2"), force=True)
    customer_records.add_note(ctx, BOSS, b.id, "prefers e-mail")
    return Customer.get_by_id(a.id), Customer.get_by_id(b.id)


async def open_360(app, pilot, session: Session, customer_id: int) -> None:
    await pilot.pause()
    app.logged_in(session, None)
    await pilot.pause()
    app.push_screen(Customer360Screen(customer_id))
    await settle(pilot)


async def test_a_supervisor_merges_from_the_360_choosing_field_by_field(ctx, clock):
    a, b = pair(ctx)
    app = make_app(ctx, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_360(app, pilot, BOSS, a.id)
        await pilot.press("m")
        await settle(pilot)
        assert isinstance(app.screen, MergeDialog)
        await pilot.press(*a.number, "enter")  # itself: refused where it was typed
        await settle(pilot)
        assert "cannot be merged with itself" in app.screen.query_one(".dialog-message", Static).visual.plain
        app.screen.query_one("#merge-other").value = ""
        await pilot.press(*b.number, "enter")
        await settle(pilot)
        table = app.screen.query_one("#merge-fields", DataTable)
        rows = [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]
        assert rows[0] == ["name", "Marta Reis", "Marta C. Reis", "◀"]
        assert rows[3] == ["email", "-", "marta@example.org", "▶"]  # the survivor has none: the other's
        await pilot.press("down", "down", "down", "down", "enter")  # address: take the other's
        await settle(pilot)
        assert [str(c) for c in table.get_row_at(4)] == ["address", "Rua A 1", "Rua B 2", "▶"]
        await pilot.press("tab", "enter")  # Merge
        await settle(pilot)
        assert isinstance(app.screen, Customer360Screen) and app.screen.customer_id == a.id
    survivor = Customer.get_by_id(a.id)
    assert (survivor.name, survivor.email, survivor.address) == ("Marta Reis", "marta@example.org", "Rua B 2")
    assert Interaction.select().where(Interaction.customer == a.id).count() == 1
    assert Customer.get_by_id(b.id).merged_into_id == a.id
    merged = AuditEvent.select().where(AuditEvent.action == "customer_merge").get()
    assert f"survivor={a.number} merged={b.number}" in merged.detail and merged.staff == "sofia"


async def test_swapping_sides_makes_the_other_record_the_survivor(ctx, clock):
    a, b = pair(ctx)
    app = make_app(ctx, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_360(app, pilot, BOSS, a.id)
        await pilot.press("m")
        await settle(pilot)
        await pilot.press(*b.number, "enter")
        await settle(pilot)
        await pilot.press("s")
        await pilot.press("tab", "enter")
        await settle(pilot)
        assert isinstance(app.screen, Customer360Screen) and app.screen.customer_id == b.id
    # Every field keeps the value it showed before the swap: the name was the open record's.
    assert Customer.get_by_id(b.id).name == "Marta Reis" and Customer.get_by_id(a.id).merged_into_id == b.id


async def test_a_teller_has_no_merge_key_and_sees_a_legal_hold(ctx, clock):
    a, _ = pair(ctx)
    erasure.set_hold(ctx, BOSS, a.id, "court order 4")
    app = make_app(ctx, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_360(app, pilot, TELLER, a.id)
        await pilot.press("m")
        await settle(pilot)
        assert isinstance(app.screen, Customer360Screen)
        assert "(legal hold)" in app.screen.query_one("#c360-identity", Static).visual.plain
