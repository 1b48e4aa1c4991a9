"""The Customers screen's search: one long-lived search thread per box, the newest query wins, stale pages
are never painted, rows are updated in place (only the changed lines drawn again), Enter typed before the
results acts on the newest query; the results table's keys, clicks and words."""
from __future__ import annotations

import random
import threading

from textual.widgets import Input, Static

from deskapp import i18n
from deskapp.core.customers import directory as customers
from deskapp.core.customers import edit as customer_edit
from deskapp.core.customers.rules import CustomerDraft
from deskapp.core.demo.branch import national_id
from deskapp.core.security.auth import Session
from deskapp.tui.screens.customer360 import Customer360Screen
from deskapp.tui.screens.customers import CustomersScreen
from deskapp.tui.widgets.customer_search import CustomerSearch
from deskapp.tui.widgets.results_table import ResultsTable
from tests.tui.helpers import make_app, settle

BOSS = Session("sofia", "Sofia Almeida", "supervisor")
TELLER = Session("ana", "Ana Costa", "teller")


def people(ctx) -> int:
    rng = random.Random(3)
    muller = customer_edit.create(ctx, BOSS, CustomerDraft(name="José Müller", national_id=national_id(rng))).id
    for i in range(30):
        customer_edit.create(ctx, BOSS, CustomerDraft(name=f"Maria Silva {i:02d}", national_id=national_id(rng)),
                             force=True)
    for i in range(5):
        customer_edit.create(ctx, BOSS, CustomerDraft(name=f"Rui Costa {i:02d}", national_id=national_id(rng)),
                             force=True)
    return muller


async def customers_screen(app, pilot) -> CustomerSearch:
    await pilot.pause()
    app.logged_in(TELLER, None)
    app.action_open("customers")
    await settle(pilot)
    assert isinstance(app.screen, CustomersScreen)
    return app.screen.query_one(CustomerSearch)


def names(table: ResultsTable) -> list[str]:
    return [str(table.get_row_at(i)[1]) for i in range(table.row_count)]


def search_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "customer-search"]


async def test_one_search_thread_serves_every_keystroke(ctx, clock):
    people(ctx)
    app = make_app(ctx, clock)
    async with app.run_test(size=(120, 36)) as pilot:
        box = await customers_screen(app, pilot)
        thread = box.searcher._thread
        await pilot.press(*"maria silva 1")
        await settle(pilot)
        assert box.searcher._thread is thread and thread.is_alive()
        assert len(search_threads()) == 1  # not a thread (or a Textual worker) per keystroke
        assert not [w for w in app.workers if w.group == "customer-search"]
        assert box.searcher.asked == len("maria silva 1")
        assert 1 <= box.searcher.ran <= box.searcher.asked  # keys typed while a query ran share one search
        shown = names(box.table)
        assert shown and all(name.startswith("Maria Silva 1") for name in shown)
        assert "for “maria silva 1”" in app.screen.query_one("#customer-status", Static).visual.plain
    thread.join(10)
    assert not thread.is_alive()  # the thread ends with its screen


async def test_a_stale_page_is_never_painted(ctx, clock):
    people(ctx)
    app = make_app(ctx, clock)
    async with app.run_test(size=(120, 36)) as pilot:
        box = await customers_screen(app, pilot)
        await pilot.press(*"silva")
        await settle(pilot)
        stale_seq = box._seq
        silvas = customers.search(ctx, TELLER, "silva", 25, 0)
        box.query_one(Input).value = "costa"
        await settle(pilot)
        table = box.table
        assert names(table) == [f"Rui Costa {i:02d}" for i in range(5)]
        box.post_message(CustomerSearch.Found(stale_seq, 0, silvas))  # the older query's page arrives late
        await settle(pilot)
        assert names(table) == [f"Rui Costa {i:02d}" for i in range(5)]
        assert "for “costa”" in app.screen.query_one("#customer-status", Static).visual.plain


async def test_rows_are_updated_in_place(ctx, clock):
    people(ctx)
    app = make_app(ctx, clock)
    async with app.run_test(size=(120, 36)) as pilot:
        box = await customers_screen(app, pilot)
        table = box.table
        await pilot.press(*"silva")
        await settle(pilot)
        assert table.row_count == 25
        drawn = table.strips_drawn
        assert drawn >= 25  # every row in view was drawn
        box.query_one(Input).value = "maria silva"  # the same first page
        await settle(pilot)
        assert table.last_changed == [] and table.strips_drawn == drawn  # nothing drawn again
        box.query_one(Input).value = "costa"  # one change (backspacing to an empty box clears the list)
        await settle(pilot)
        # The first five rows got new cells, the other twenty were removed from the end; only the five
        # changed rows were drawn again (the lines left blank need no row).
        assert names(table) == [f"Rui Costa {i:02d}" for i in range(5)]
        assert table.last_changed == list(range(25))
        assert table.strips_drawn - drawn == 5
        assert table.cursor_row == 0
        box.query_one(Input).value = "silva"
        await settle(pilot)
        assert table.row_count == 25 and table.last_changed == list(range(25))


async def test_enter_typed_before_the_results_opens_the_newest_query(ctx, clock):
    muller = people(ctx)
    app = make_app(ctx, clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await customers_screen(app, pilot)
        await pilot.press(*"silva")
        await settle(pilot)
        await pilot.press(*["backspace"] * 5, *"müller", "enter")  # at once: Enter may precede the page
        await settle(pilot)
        assert isinstance(app.screen, Customer360Screen) and app.screen.customer_id == muller


async def test_the_results_keys_move_the_cursor_and_page(ctx, clock):
    people(ctx)
    app = make_app(ctx, clock)
    async with app.run_test(size=(120, 36)) as pilot:
        box = await customers_screen(app, pilot)
        table = box.table
        await pilot.press(*"silva")
        await settle(pilot)
        await pilot.press("down")  # from the box to the list
        assert table.has_focus and table.cursor_row == 0
        await pilot.press("down", "down", "up")
        assert table.cursor_row == 1
        await pilot.press("end")
        await settle(pilot)
        assert table.row_count == 30  # the last row reached: the next page came
        assert "30 matches for “silva”" in app.screen.query_one("#customer-status", Static).visual.plain
        await pilot.press("end")
        assert table.cursor_row == 29
        assert table.scroll_y > 0  # the cursor's row is in view
        await pilot.press("home")
        assert table.cursor_row == 0 and table.scroll_y == 0
        await pilot.press("pagedown")
        page = table.cursor_row
        assert page > 10
        await pilot.press("pageup")
        assert table.cursor_row == 0
        await pilot.press("down", "down", "enter")
        await settle(pilot)
        assert isinstance(app.screen, Customer360Screen)
        assert app.screen.customer_id == box.results[2].id


async def test_a_click_highlights_a_row_and_a_second_click_opens_it(ctx, clock):
    people(ctx)
    app = make_app(ctx, clock)
    async with app.run_test(size=(120, 36)) as pilot:
        box = await customers_screen(app, pilot)
        table = box.table
        await pilot.press(*"costa")
        await settle(pilot)
        # Row 3 is the fourth line under the header.
        await pilot.click(table, offset=(5, 4))
        await pilot.pause()
        assert table.cursor_row == 3 and isinstance(app.screen, CustomersScreen)
        await pilot.click(table, offset=(5, 4))
        await settle(pilot)
        assert isinstance(app.screen, Customer360Screen) and app.screen.customer_id == box.results[3].id


async def test_the_search_speaks_portuguese(ctx, clock):
    people(ctx)
    app = make_app(ctx, clock)
    with i18n.use("pt"):
        async with app.run_test(size=(120, 36)) as pilot:
            box = await customers_screen(app, pilot)
            await pilot.press(*"silva")
            await settle(pilot)
            status = app.screen.query_one("#customer-status", Static).visual.plain
            assert "25+ correspondências para “silva”" in status, status
            header = box.table.render_line(0).text
            assert "Número" in header and "Nome" in header and "Nascimento" in header, header


def test_the_table_s_row_messages_share_one_shape_and_keep_their_handler_names():
    for message, handler in ((ResultsTable.Highlighted, "on_results_table_highlighted"),
                             (ResultsTable.Selected, "on_results_table_selected")):
        assert issubclass(message, ResultsTable.RowMessage) and message.handler_name == handler
        table = ResultsTable([("Name", 10)])
        sent = message(table, 3)
        assert (sent.control, sent.table, sent.row) == (table, table, 3)
