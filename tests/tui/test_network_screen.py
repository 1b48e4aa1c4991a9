"""The network screen: every branch in one live table, sorted by a key, reloaded when any branch changes,
Enter into a branch's supervisor view (read-only unless one supervises it)."""
from __future__ import annotations

import datetime as dt

from textual.widgets import DataTable, Static

from deskapp.core import changes
from deskapp.core.security.auth import Session
from deskapp.tui.app import DeskApp
from deskapp.tui.screens.network import NetworkScreen
from deskapp.tui.screens.supervisor import SupervisorScreen
from tests.conftest import T0
from tests.network_branches import add_branch, add_ticket, made_for
from tests.tui.helpers import until

SOFIA = Session("sofia", "Sofia Almeida", "supervisor")
PEDRO = Session("pedro", "Pedro Nunes", "manager")
M = dt.timedelta(minutes=1)


def order(app) -> list[str]:
    table = app.screen.query_one("#net-table", DataTable)
    return [str(table.get_row_at(i)[0]).split(" ·")[0] for i in range(table.row_count)]


def cells(app, code: str) -> list[str]:
    table = app.screen.query_one("#net-table", DataTable)
    for i in range(table.row_count):
        row = [str(c) for c in table.get_row_at(i)]
        if row[0].startswith(code):
            return row
    raise AssertionError(f"no row {code}")


async def test_the_network_table_sorts_follows_changes_and_opens_a_branch(ctx, clock):
    porto = add_branch("POR01", "Porto Aliados", counters=2, open_counters=1, opened_at=T0 - 30 * M)
    for minutes_ago in (25, 15, 5):
        add_ticket(porto, "CASH", T0.date(), T0 - minutes_ago * M, status="waiting")
    add_branch("FAR01", "Faro Centro")
    app = DeskApp(ctx, config=ctx.config, clock=clock)
    async with app.run_test(size=(160, 45)) as pilot:
        app.logged_in(SOFIA, None)
        await until(pilot, lambda: isinstance(app.screen, SupervisorScreen) and app.screen.data is not None)
        await pilot.press("n")
        await until(pilot, lambda: isinstance(app.screen, NetworkScreen) and len(app.screen.rows) == 3)
        await until(pilot, lambda: app.screen.query_one("#net-table", DataTable).row_count == 4)
        assert order(app)[0] == "POR01"  # sorted by waiting, most first
        # the network's total last (deskapp.core.stats.network.network_total)
        assert cells(app, "Network")[:5] == ["Network · 3 branches", "3", "⚠ 25 min / 10 min POR01", "-", "2 / 1"]  # LIS01 has a counter open
        assert cells(app, "POR01")[1:5] == ["3", "⚠ 25 min / 10 min", "-", "1 / 1"]
        assert "⚠ 2" == cells(app, "POR01")[8]  # past target; counter 1 idle while tickets wait
        assert "sorted by waiting" in str(app.screen.query_one("#net-sort", Static).render())
        await pilot.press("s", "s")  # waiting -> longest -> service level
        assert "sorted by service level" in str(app.screen.query_one("#net-sort", Static).render())
        await pilot.press("s", "s", "s", "s", "s", "s")  # round to the branch code
        assert order(app) == ["FAR01", "LIS01", "POR01", "Network"]
        await pilot.press("r")
        assert order(app) == ["POR01", "LIS01", "FAR01", "Network"]  # the total stays last

        # A ticket issued at another branch: the change query sees it, the table reloads.
        faro = app.screen.rows[[r.code for r in app.screen.rows].index("FAR01")]
        add_ticket(made_for(faro.branch_id), "CASH", T0.date(), T0 - 2 * M, status="waiting")
        changes.bump(faro.branch_id)
        await until(pilot, lambda: cells(app, "FAR01")[1] == "1")
        assert cells(app, "Network")[1] == "4"

        # Enter on Porto: its supervisor view, read-only for Sofia (she supervises Lisboa).
        table = app.screen.query_one("#net-table", DataTable)
        table.move_cursor(row=order(app).index("POR01"))
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, SupervisorScreen) and app.screen.data is not None)
        assert app.screen.read_only and app.screen.ctx.branch_id == porto.branch
        assert "Counter 1 idle 30 min while tickets wait: CASH 3" in str(
            app.screen.query_one("#sup-alerts", Static).render())
        counters = app.screen.query_one("#sup-counters", DataTable)
        counters.focus()
        await pilot.press("p")
        await pilot.pause()
        assert any("Read-only: you do not supervise Porto Aliados" in n.message for n in app._notifications)
        # Porto's view follows Porto's changes (its own change marker, not the desk's branch's).
        add_ticket(porto, "CASH", T0.date(), T0 - 1 * M, status="waiting")
        changes.bump(porto.branch)
        queues = app.screen.query_one("#sup-queues", DataTable)
        await until(pilot, lambda: str(queues.get_row("CASH")[1]) == "4")
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, NetworkScreen))

        # Her own branch opens to act on.
        table = app.screen.query_one("#net-table", DataTable)
        table.move_cursor(row=order(app).index("LIS01"))
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, SupervisorScreen) and app.screen.data is not None
                    and app.screen.branch is not None)
        assert not app.screen.read_only


async def test_a_manager_reaches_the_network_read_only(ctx, clock):
    add_branch("POR01", "Porto Aliados")
    app = DeskApp(ctx, config=ctx.config, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        app.logged_in(PEDRO, None)
        await until(pilot, lambda: app.screen.name == "manager")
        await pilot.press("n")
        await until(pilot, lambda: isinstance(app.screen, NetworkScreen)
                    and app.screen.query_one("#net-table", DataTable).row_count == 3)  # and the total
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, SupervisorScreen) and app.screen.data is not None)
        assert app.screen.read_only  # a manager reads every branch, acts on none
