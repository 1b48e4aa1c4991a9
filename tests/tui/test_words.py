"""Words and formats on screen (issue 19, part 6, and its "Lists" finding), each through the keys: the
desk's messages in the teller's words, reception's last ticket following the ticket, the follow-up
board's cursor staying on its follow-up, closing a referral without a root cause, labels and names
instead of codes and logins, and the branch's one date format."""
from __future__ import annotations

import datetime as dt

from textual.widgets import DataTable, Static

from deskapp.core import queue as q
from deskapp.core.customers import followups
from deskapp.db.models import FollowUp
from deskapp.tui.screens.manager import ManagerScreen
from deskapp.tui.screens.reception import ReceptionScreen
from tests.conftest import T0
from tests.tui.helpers import log_in, make_app, set_pins, settle, until
from tests.tui.test_desk import plain  # noqa: F401 (the fixture: the demo branch without workflows)
from tests.unit.test_offers import make


def told(app) -> list[str]:
    return [str(n.message) for n in app._notifications]


def record_messages(app) -> list[str]:
    """Every message the app shows from now on (a toast goes away after a few seconds)."""
    said: list[str] = []
    shown = app.notify

    def notify(message, **options):
        said.append(str(message))
        return shown(message, **options)

    app.notify = notify
    return said


def text(app, selector: str) -> str:
    return app.screen.query_one(selector, Static).visual.plain


async def press(pilot, *keys: str) -> None:
    for key in keys:
        await pilot.press(key)
        await settle(pilot, 0.1)


async def test_the_desk_says_what_happened_in_the_tellers_words(plain, clock):  # noqa: F811
    """On main a recall said "A001: called" and a walk-away "C001: cancelled"."""
    for service in ("CASH", "CASH", "CASH", "CARD"):
        q.issue(plain, service)
    app = make_app(plain, clock)
    said = record_messages(app)
    async with app.run_test(size=(130, 40)) as pilot:
        await settle(pilot)
        await log_in(pilot, "ana", counter="2")
        await settle(pilot, 0.3)
        await press(pilot, "n", "r", "r", "f")
        await press(pilot, "n")
        clock.advance(minutes=2)  # back of the line: behind those issued before
        await press(pilot, "b")
        await press(pilot, "n", "x")
        await press(pilot, "n", "s", "c")
        await press(pilot, "n", "s", "t")
        choices = app.screen.query_one("#transfer-to")  # the transfer dialog: to Cards, no note
        ids = [choices.get_option_at_index(i).id for i in range(choices.option_count)]
        choices.highlighted = ids.index("service:CARD")
        await pilot.press("enter", "enter")
        await settle(pilot, 0.2)
        await press(pilot, "n", "w")
        assert said == [
            "A001 recalled (1st time)", "A001 recalled (2nd time)", "A001 back in the queue at the front",
            "A001 back in the queue at the back", "A002 did not come: marked a no-show", "A003 now being served",
            "A003 served and completed", "A001 now being served", "A001 transferred to Cards as C002",
            "C001 walked away",
        ]


async def test_receptions_last_ticket_follows_the_ticket_until_it_is_served(ctx, clock):
    """On main the panel stayed on "no counter open for it yet" after the ticket was served."""
    set_pins(ctx)
    app = make_app(ctx, clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await log_in(pilot, "rita")
        assert isinstance(app.screen, ReceptionScreen)
        await press(pilot, "1", "i")
        assert "no counter open for it yet" in text(app, "#reception-ticket-info")
        q.call_next(ctx, "2", "ana")
        await until(pilot, lambda: "called to Counter 2" in text(app, "#reception-ticket-info"))
        q.start(ctx, "2", by="ana")
        q.complete(ctx, "2", by="ana")
        await until(pilot, lambda: "served at Counter 2" in text(app, "#reception-ticket-info"))
        assert "no counter open" not in text(app, "#reception-ticket-info")


def board(app) -> DataTable:
    return app.screen.query_one("#mgr-followups", DataTable)


def cursor_key(app) -> str:
    table = board(app)
    return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value


async def test_the_follow_up_boards_cursor_stays_on_its_follow_up(ctx, clock):
    """On main, after an action on row 5 the cursor jumped to row 1, so the next key acted on another."""
    set_pins(ctx)
    cid = make(ctx, "Ana Lopes")
    items = [followups.create(ctx, source="referral", reason=f"Call back {n}", by="sofia", customer_id=cid,
                              assignee="pedro", due_at=T0 + dt.timedelta(hours=24 + n)) for n in range(7)]
    app = make_app(ctx, clock)
    async with app.run_test(size=(150, 40)) as pilot:
        await settle(pilot)
        await log_in(pilot, "pedro")
        await until(pilot, lambda: isinstance(app.screen, ManagerScreen) and app.screen.board_rows)
        await press(pilot, "2")
        board(app).focus()
        await press(pilot, "down", "down", "down", "down")
        assert cursor_key(app) == str(items[4].id)
        await press(pilot, "c")  # record a contact on the fifth
        await pilot.press(*"no answer", "ctrl+s")  # a multi-line box: ctrl+s saves
        await until(pilot, lambda: isinstance(app.screen, ManagerScreen) and "Saved." in told(app))
        await settle(pilot, 0.2)
        assert FollowUp.get_by_id(items[4].id).contact_outcome
        assert board(app).cursor_row == 4 and cursor_key(app) == str(items[4].id)

        await press(pilot, "d")  # close it: a referral needs no root cause
        assert "Root cause (optional)" in str(app.screen.query_one("#close-cause-label").render())
        app.screen.query_one("#close-resolution").text = "Quote sent"
        await pilot.click(".dialog-save")
        await until(pilot, lambda: isinstance(app.screen, ManagerScreen) and board(app).row_count == 6)
        await settle(pilot, 0.2)
        assert FollowUp.get_by_id(items[4].id).status == "done"
        assert cursor_key(app) == str(items[5].id), "the row that took its place, not the first"


async def test_labels_names_and_the_branchs_date_format_on_the_board(ctx, clock):
    """Raw codes ("feedback"), logins and a third date format ("2026-03-11 09:00") were on screen."""
    set_pins(ctx)
    cid = make(ctx, "Ana Lopes")
    followups.create(ctx, source="feedback", reason="CSAT 1", by="sofia", customer_id=cid, assignee="pedro",
                     due_at=T0 + dt.timedelta(hours=23))
    app = make_app(ctx, clock)
    async with app.run_test(size=(150, 40)) as pilot:
        await settle(pilot)
        await log_in(pilot, "pedro")
        await until(pilot, lambda: isinstance(app.screen, ManagerScreen) and app.screen.board_rows)
        await press(pilot, "2")
        row = [str(c) for c in board(app).get_row_at(0)]
        assert row[1:4] == ["11 Mar 2026 09:00", "Ana Lopes", "Poor feedback"]
        await press(pilot, "d")
        assert "Root cause: why it happened (required)" in str(app.screen.query_one("#close-cause-label").render())
