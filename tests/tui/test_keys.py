"""Issue 19, parts 1 and 7: every key findable, none silent, every staff screen usable at 80x24.

Each test is one finding of the issue, tried as a teller (or greeter, manager) would at the sizes the
issue names. The footer is read as drawn (KeyFooter.render), the toasts as shown (the app's
notifications). On SQLite only: which keys apply depends on the ticket's state, not on the backend.
"""
from __future__ import annotations

from random import Random

import pytest
from textual.widgets import Button, Input, Select

from deskapp.core import queue as q
from deskapp.core import startup as sync
from deskapp.core.customers import edit as customer_edit
from deskapp.core.customers import followups
from deskapp.core.customers.directory import session_for
from deskapp.core.customers.rules import CustomerDraft
from deskapp.core.demo.branch import national_id
from deskapp.core.feedback import recording as fb
from deskapp.core.startup import open_context
from deskapp.db import database
from deskapp.db.models import Ticket
from deskapp.tui.screens.customer360 import Customer360Screen
from deskapp.tui.screens.desk import DeskScreen
from deskapp.tui.screens.feedback import FeedbackScreen
from deskapp.tui.screens.followup_dialogs import ReassignDialog
from deskapp.tui.screens.key_list import KeyList
from deskapp.tui.screens.login import LoginScreen
from deskapp.tui.screens.manager import ManagerScreen
from deskapp.tui.widgets.key_footer import KeyFooter
from tests.tui.helpers import log_in, make_app, set_pins, settle, until

NO_TICKET = "No ticket in hand: press n to call the next one."


@pytest.fixture
def branch(config, sqlite_url, clock):
    ctx = open_context(config, sqlite_url, clock)
    set_pins(ctx)
    yield ctx
    database.close()


@pytest.fixture
def plain(branch):
    """The branch with no workflows, so start and complete act at once."""
    services = [s.model_copy(update={"workflow": None}) for s in branch.config.services]
    branch.config = branch.config.model_copy(update={"services": services, "workflows": {}, "workflow_files": []})
    sync.sync_from_config(branch)
    return branch


def footer(app) -> str:
    return app.screen.query_one(KeyFooter).render().plain


def toasts(app) -> list[str]:
    return [n.message for n in app._notifications]


async def press(pilot, *keys: str) -> None:
    for key in keys:
        await pilot.press(key)
        await settle(pilot, 0.05)


async def at_desk(pilot, counter: str = "1") -> DeskScreen:
    await settle(pilot)
    await log_in(pilot, "ana", counter=counter)
    await until(pilot, lambda: isinstance(pilot.app.screen, DeskScreen) and pilot.app.screen.view is not None)
    return pilot.app.screen


def whole(line: str, app) -> None:
    """Every key in the footer line is whole: a description is there in full after its key, or not at all."""
    described = {str(b.description) for _ns, bindings in app.screen._binding_chain for _k, b in bindings
                 if b.show and b.description}
    words = line.split()
    for description in described:
        if description not in line:
            first = description.split()[0]
            assert not any(first.startswith(w) and w != first for w in words[-3:]), (description, line)


async def test_the_desk_footer_shows_the_keys_that_apply_whole_with_the_key_list_last(plain, clock):
    """'At 160 columns the desk's footer ends "... k Close counter o Op", hiding v, g, F2/F4 and
    ctrl+l; at 80x24 it stops at f. Disabled keys are dimmed, not hidden as the README says.'"""
    for _ in range(2):
        q.issue(plain, "CASH")
    app = make_app(plain, clock)
    async with app.run_test(size=(160, 45)) as pilot:
        await at_desk(pilot)
        line = footer(app)
        assert len(line) == 160 and line.endswith(" ? Keys ")
        assert "n Call next" in line and "F4 Customers" in line and "^l Lock" in line
        for refused in ("Start", "Complete", "Recall", "No-show", "Transfer", "Guide", "Customer feedback"):
            assert refused not in line  # not dimmed: gone, until it applies
        await press(pilot, "n")
        line = footer(app)
        assert "Call next" not in line and "Pause" not in line
        for applies in ("s Start", "r Recall", "x No-show", "b Requeue", "f Requeue front", "w Walked away"):
            assert applies in line
        await press(pilot, "s")
        line = footer(app)
        assert "c Complete" in line and "t Transfer" in line and "^l Lock" in line and "F4 Customers" in line
        await press(pilot, "c")
        await until(pilot, lambda: app.screen.feedback_pending)
        assert "v Customer feedback" in footer(app)  # the last completed ticket can still be rated

        await pilot.resize_terminal(80, 24)
        await settle(pilot)
        line = footer(app)
        assert len(line) == 80 and line.endswith(" ? Keys ")
        assert line.startswith(" n Call next  v Customer feedback ")  # the most used first
        whole(line, app)
        await press(pilot, "n")
        line = footer(app)
        assert line.startswith(" s Start ") and line.endswith(" ? Keys ")
        whole(line, app)


async def test_a_served_ticket_shows_its_guide_key(branch, clock):
    """The guide (g) of a ticket served in a workflow is in the footer, at 160 and at 80 columns."""
    q.issue(branch, "CASH")
    app = make_app(branch, clock)
    async with app.run_test(size=(160, 45)) as pilot:
        desk = await at_desk(pilot)
        await press(pilot, "n")
        desk.guided_tickets.add(Ticket.get().id)  # keep the guide from opening by itself: the desk is read
        await press(pilot, "s")
        await until(pilot, lambda: desk.view.counter.ticket.status == q.SERVING)
        assert "c Complete  g Guide " in footer(app)
        await pilot.resize_terminal(80, 24)
        await settle(pilot)
        assert " g Guide " in footer(app)


async def test_question_mark_opens_the_key_list_that_escape_closes(plain, clock):
    """'The only full key list is the command palette's Keys panel, which Escape does not close.'"""
    app = make_app(plain, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        desk = await at_desk(pilot)
        await press(pilot, "question_mark")
        assert isinstance(app.screen, KeyList)
        rows = {k.display: k for k in app.screen.keys}
        assert rows["n"].applies and rows["n"].description == "Call next"
        assert (rows["c"].applies, rows["c"].why_not) == (False, NO_TICKET)
        for key in ("r", "s", "x", "t", "b", "f", "w", "o", "g", "v", "p", "k", "F2", "F4", "F6", "^l", "^q"):
            assert key in rows, key
        assert rows["F6"].why_not == ("The Supervisor screen is for a supervisor or area manager; "
                                      "you are logged in as a teller.")
        assert [k.everywhere for k in app.screen.keys] == sorted(k.everywhere for k in app.screen.keys)
        await press(pilot, "escape")
        assert app.screen is desk
        await press(pilot, "f1")
        assert isinstance(app.screen, KeyList)
        await press(pilot, "f1")
        assert app.screen is desk

        await press(pilot, "ctrl+p")
        await pilot.press(*"keys")
        await settle(pilot, 0.2)
        await press(pilot, "enter")
        assert isinstance(app.screen, KeyList)  # the palette's Keys opens the same list
        await press(pilot, "escape")
        assert app.screen is desk


async def test_the_login_field_takes_a_question_mark_and_f1_opens_the_list(branch, clock):
    app = make_app(branch, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.click("#login")
        assert footer(app).endswith(" F1 Keys ")  # ? goes into the field here
        await press(pilot, "a", "question_mark")
        assert app.screen.query_one("#login", Input).value == "a?"
        await press(pilot, "f1")
        assert isinstance(app.screen, KeyList)
        assert {k.display for k in app.screen.keys} >= {"esc", "^q"}
        await press(pilot, "escape")
        assert isinstance(app.screen, LoginScreen)


async def test_a_key_that_does_not_apply_says_why(plain, clock):
    """'r/s/c/x/t/b with no ticket in hand, a teller's F6 or F8: nothing happens, no word why.'"""
    q.issue(plain, "CASH")
    app = make_app(plain, clock)
    async with app.run_test(size=(120, 36)) as pilot:
        desk = await at_desk(pilot)
        for key in ("r", "s", "c", "x", "t", "b", "f", "w", "o", "g"):
            app.clear_notifications()
            await press(pilot, key)
            assert toasts(app) == [NO_TICKET], key
            assert app.screen is desk
        assert Ticket.get().status == q.WAITING
        for key, screen in (("f6", "Supervisor"), ("f8", "Audit")):
            app.clear_notifications()
            await press(pilot, key)
            assert toasts(app) == [f"The {screen} screen is for a supervisor"
                                   + (" or area manager" if key == "f6" else "")
                                   + "; you are logged in as a teller."]
            assert app.screen is desk

        await press(pilot, "n")
        app.clear_notifications()
        await press(pilot, "c")
        assert toasts(app) == ["A001 is called, not served yet: press s to start serving it first."]
        app.clear_notifications()
        await press(pilot, "p")
        assert toasts(app) == ["A001 is still in hand: finish with it before you pause or close the counter."]
        app.clear_notifications()
        await press(pilot, "n")
        assert toasts(app) == ["A001 is still in hand: start it (s), requeue it (b) or mark it a no-show (x) first."]
        await press(pilot, "s")
        app.clear_notifications()
        await press(pilot, "r")
        assert toasts(app) == ["A001 is already being served: complete it (c) or transfer it (t)."]
        assert Ticket.get().recall_count == 0


async def test_v_after_the_feedback_terminal_took_the_answer_says_so(plain, clock):
    """'v after the feedback terminal already took the answer: nothing happens, no word why.'"""
    q.issue(plain, "CASH")
    app = make_app(plain, clock)
    async with app.run_test(size=(120, 36)) as pilot:
        desk = await at_desk(pilot)
        await press(pilot, "n", "s", "c")
        await until(pilot, lambda: desk.feedback_pending)
        pending = fb.pending_for_counter(plain, "1")
        fb.submit(plain, pending.ticket_id, csat=5)  # the terminal's answer
        app.changes.publish(-2)
        await until(pilot, lambda: not desk.feedback_pending)
        assert "Customer feedback" not in footer(app)
        app.clear_notifications()
        await press(pilot, "v")
        assert app.screen is desk
        assert toasts(app) == ["No ticket awaits the customer's rating: the last one completed here has been "
                               "rated, or its time for feedback is over."]


async def test_a_tellers_reveal_in_the_360_says_why_not(plain, clock):
    """'a teller's v (reveal) in the 360: nothing happens, no word why.'"""
    maria = customer_edit.create(plain, session_for("sofia"), CustomerDraft(
        name="Maria Silva", national_id=national_id(Random("Maria Silva")), birth_date="1980-05-31", phones=["912 345 678"]),
        force=True).id
    q.issue(plain, "CASH", customer_id=maria)
    app = make_app(plain, clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await at_desk(pilot)
        await press(pilot, "n", "o")
        await until(pilot, lambda: isinstance(app.screen, Customer360Screen) and app.screen.view is not None)
        assert "Reveal" not in footer(app)
        app.clear_notifications()
        await press(pilot, "v")
        assert toasts(app) == ["Your role (teller) may not reveal a national ID."]
        assert app.screen.revealed is None


async def test_the_login_box_and_its_button_fit_80x24(branch, clock):
    """'At 80x24 the login box is cut off and its Log in button invisible.'"""
    app = make_app(branch, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        button = app.screen.query_one("#submit", Button)
        assert button.region.height == 3 and button.region.bottom <= 23  # above the footer
        assert app.screen.get_widget_at(*button.region.center)[0] is button
        await pilot.click("#login")
        await pilot.press(*"ana", "enter", *"2580")
        await pilot.click("#submit")
        await until(pilot, lambda: isinstance(app.screen, DeskScreen))


@pytest.mark.parametrize("login, size", [("sofia", (100, 30)), ("sofia", (110, 30)), ("pedro", (80, 24))])
async def test_the_managers_search_box_keeps_its_width(branch, clock, login, size):
    """'the manager's search box is squeezed to "S"': a supervisor's row of filters (whose portfolio,
    segment, alert, sort) left the search 1 to 3 columns between 100 and 110 columns."""
    app = make_app(branch, clock)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await log_in(pilot, login)
        await pilot.press("f7")
        await until(pilot, lambda: isinstance(app.screen, ManagerScreen))
        await settle(pilot)
        search = app.screen.query_one("#mgr-search", Input)
        assert search.region.width >= 24 and search.region.height >= 1
        for select in app.screen.query("#mgr-filters Select").results(Select):
            assert select.region.width >= 12 and select.region.height >= 1


async def test_the_reassign_list_stays_inside_its_dialog_at_80x24(branch, clock):
    """'the Reassign dropdown overflows its dialog' (80x24)."""
    q.issue(branch, "CASH")
    q.call_next(branch, "1", "ana")
    q.start(branch, "1")
    q.complete(branch, "1")
    fb.submit(branch, Ticket.get().id, csat=1)  # a complaint: a follow-up to reassign
    app = make_app(branch, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await log_in(pilot, "sofia")
        await pilot.press("f5")
        await until(pilot, lambda: isinstance(app.screen, FeedbackScreen) and app.screen.followup_rows)
        await press(pilot, "a")
        await until(pilot, lambda: isinstance(app.screen, ReassignDialog))
        dialog = app.screen.query_one("ReassignDialog > Vertical").region
        chooser = app.screen.query_one("#reassign-to")
        if isinstance(chooser, Select):  # main: a dropdown, drawn over the screen when opened
            chooser.expanded = True
            await settle(pilot)
            chooser = chooser.query_one("SelectOverlay")
        assert dialog.contains_region(chooser.region) and dialog.bottom <= 24
        assert app.screen.get_widget_at(*app.screen.query_one(".dialog-save").region.center)[0].has_class("dialog-save")
        await press(pilot, "down", "down", "enter")  # the second colleague in the list, chosen with Enter
        await until(pilot, lambda: isinstance(app.screen, FeedbackScreen))
    assert followups.get(followups.search()[0].id).assignee == [
        s.login for s in branch.config.staff if s.role != "greeter"][1]
