"""Snapshots of the key screens at 80x24 and 160x45 (login, desk, reception, supervisor, manager and the
customer 360 at 200x60 too, and the desk's and the supervisor's key lists at 80x24 and 200x60): layouts
that text assertions cannot guard.

The kiosk's and display's large digits, the supervisor's dashboard on a small terminal, every
screen a person starts their day on. Each picture is taken on SQLite (layout does not depend on
the database) with the fixed clock of tests/conftest.py, seeded customers and tickets issued in a
fixed order, steady cursors and no toasts, so the same code draws the same SVG on any machine.
Regenerate with `pytest tests/tui/test_snapshots.py --snapshot-update` and look at the pictures
(tests/tui/__snapshots__/) before committing them. To look at one as a PNG with rsvg-convert, add
xml:space="preserve" to its <svg> first (`sed 's/<svg /<svg xml:space="preserve" /' X.svg |
rsvg-convert -o X.png`): librsvg drops the spaces at the start of each run of text, which draws
centred digits on the left and "Maria Silva   customer" as "Maria Silvacustomer".
"""
from __future__ import annotations

from random import Random

import pytest
from textual.pilot import Pilot
from textual.widgets import ContentSwitcher, Input, Static, TextArea

from deskapp.core import queue as q
from deskapp.core.customers import edit as customer_edit
from deskapp.core.customers.directory import session_for
from deskapp.core.customers.rules import CustomerDraft
from deskapp.core.demo.branch import national_id
from deskapp.core.startup import open_context
from deskapp.db import database
from deskapp.tui.screens import kiosk
from deskapp.tui.screens.customer360 import Customer360Screen
from deskapp.tui.screens.desk import DeskScreen
from deskapp.tui.screens.display import DisplayScreen
from deskapp.tui.screens.key_list import KeyList
from deskapp.tui.screens.kiosk import KioskScreen
from deskapp.tui.screens.manager import ManagerScreen
from deskapp.tui.screens.reception import ReceptionScreen
from deskapp.tui.screens.supervisor import SupervisorScreen
from deskapp.tui.screens.workflow import WorkflowScreen
from tests.tui.helpers import log_in, make_app, set_pins, settle, until

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((160, 45), id="160x45")]
LARGE = pytest.param((200, 60), id="200x60")  # a wall screen or a maximised terminal (issue 19, part 7)

CUSTOMERS = [  # name, birth date, segment, relationship manager (national IDs: seeded from the name)
    ("Maria Silva", "1980-05-31", "mass", "pedro"),
    ("João Pereira", "1975-11-02", "affluent", "pedro"),
    ("Beatriz Santos", "1992-02-14", "mass", "pedro"),
]


@pytest.fixture(autouse=True)
def colours(monkeypatch):
    """A user's NO_COLOR would draw every picture in monochrome: the snapshots are of the app's own theme."""
    monkeypatch.delenv("NO_COLOR", raising=False)


@pytest.fixture
def branch(config, sqlite_url, clock):
    """The demo branch on SQLite at 10:00 on T0: three customers, five tickets issued two minutes apart."""
    ctx = open_context(config, sqlite_url, clock)
    set_pins(ctx)
    staff = session_for("sofia")
    ids = [customer_edit.create(ctx, staff, CustomerDraft(name=name, national_id=national_id(Random(name)),
                                                          birth_date=born,
                                                          phones=["912 345 678"], segment=segment,
                                                          manager=manager), force=True).id
           for name, born, segment, manager in CUSTOMERS]
    for service, customer in (("CASH", ids[0]), ("CASH", None), ("CARD", ids[1]), ("LOAN", None),
                              ("CASH", ids[2])):
        q.issue(ctx, service, customer_id=customer)
        clock.advance(minutes=2)
    yield ctx
    database.close()


def still(app):
    """No animation: a scroll into view lands at once, so the picture cannot catch it half-way."""
    app.animation_level = "none"
    return app


async def steady(pilot: Pilot) -> None:
    """Everything loaded, cursors that do not blink, no toasts, no scroll under way: the moment the
    picture is taken (a panel that focuses its first box scrolls it into view, animated)."""
    await settle(pilot, 0.1)
    await pilot.wait_for_scheduled_animations()
    for widget in pilot.app.screen.query(Input).results():
        widget.cursor_blink = False
    for area in pilot.app.screen.query(TextArea).results():
        area.cursor_blink = False
    pilot.app.clear_notifications()
    await settle(pilot, 0.1)
    await pilot.wait_for_scheduled_animations()


def on_screen(pilot: Pilot, kind: type, ready=lambda screen: True):
    return lambda: isinstance(pilot.app.screen, kind) and ready(pilot.app.screen)


def loaded(selector: str, *, empty: str = "Loading…"):
    """The screen's Static at selector has been filled by its first load."""
    return lambda screen: bool(screen.query(selector)) and screen.query_one(selector, Static).visual.plain.strip() \
        not in ("", empty)


async def desk_with_ticket(pilot: Pilot) -> None:
    await settle(pilot)
    await log_in(pilot, "ana", counter="1")
    await until(pilot, on_screen(pilot, DeskScreen, lambda s: s.view is not None))
    await pilot.press("n")
    await until(pilot, on_screen(pilot, DeskScreen, lambda s: s.view.counter.ticket is not None))


@pytest.mark.parametrize("size", [*SIZES, LARGE])
def test_login(branch, clock, snap_compare, size):
    async def ready(pilot: Pilot) -> None:
        await steady(pilot)

    assert snap_compare(still(make_app(branch, clock)), terminal_size=size, run_before=ready)


@pytest.mark.parametrize("size", [*SIZES, LARGE])
def test_desk_with_a_ticket(branch, clock, snap_compare, size):
    async def ready(pilot: Pilot) -> None:
        await desk_with_ticket(pilot)
        await steady(pilot)

    assert snap_compare(still(make_app(branch, clock)), terminal_size=size, run_before=ready)


@pytest.mark.parametrize("size", [SIZES[0], LARGE])
def test_key_list(branch, clock, snap_compare, size):
    """The desk's keys with a ticket called: what applies, and why the rest does not."""
    async def ready(pilot: Pilot) -> None:
        await desk_with_ticket(pilot)
        await pilot.press("question_mark")
        await until(pilot, on_screen(pilot, KeyList))
        await steady(pilot)

    assert snap_compare(still(make_app(branch, clock)), terminal_size=size, run_before=ready)


def test_workflow_step(branch, clock, snap_compare, size):
    async def ready(pilot: Pilot) -> None:
        await desk_with_ticket(pilot)
        await pilot.press("s")  # start serving A001: the cash workflow opens by itself
        await until(pilot, on_screen(pilot, WorkflowScreen, lambda s: s.panel is not None))
        await steady(pilot)

    assert snap_compare(still(make_app(branch, clock)), terminal_size=size, run_before=ready)


@pytest.mark.parametrize("size", [*SIZES, LARGE])
def test_customer_360(branch, clock, snap_compare, size):
    async def ready(pilot: Pilot) -> None:
        await desk_with_ticket(pilot)
        await pilot.press("o")  # A001 is Maria Silva's
        await until(pilot, on_screen(pilot, Customer360Screen))
        await steady(pilot)

    assert snap_compare(still(make_app(branch, clock)), terminal_size=size, run_before=ready)


@pytest.mark.parametrize("size", [*SIZES, LARGE])
def test_reception(branch, clock, snap_compare, size):
    async def ready(pilot: Pilot) -> None:
        await settle(pilot)
        await log_in(pilot, "rita")
        await until(pilot, on_screen(pilot, ReceptionScreen))
        await steady(pilot)

    assert snap_compare(still(make_app(branch, clock)), terminal_size=size, run_before=ready)


@pytest.mark.parametrize("size", [*SIZES, LARGE])
def test_supervisor(branch, clock, snap_compare, size):
    q.call_next(branch, "1", "ana")
    q.call_next(branch, "2", "joao")

    async def ready(pilot: Pilot) -> None:
        await settle(pilot)
        await log_in(pilot, "sofia")
        await until(pilot, on_screen(pilot, SupervisorScreen, lambda s: s.data is not None))
        await steady(pilot)

    assert snap_compare(still(make_app(branch, clock)), terminal_size=size, run_before=ready)


@pytest.mark.parametrize("size", [SIZES[0], LARGE])
def test_supervisor_key_list(branch, clock, snap_compare, size):
    """The supervisor's keys with counter 1 holding a ticket: pause and close say why they do not apply."""
    q.call_next(branch, "1", "ana")

    async def ready(pilot: Pilot) -> None:
        await settle(pilot)
        await log_in(pilot, "sofia")
        await until(pilot, on_screen(pilot, SupervisorScreen, lambda s: s.data is not None))
        pilot.app.screen.query_one("#sup-counters").focus()
        await pilot.press("question_mark")
        await until(pilot, on_screen(pilot, KeyList))
        await steady(pilot)

    assert snap_compare(still(make_app(branch, clock)), terminal_size=size, run_before=ready)


@pytest.mark.parametrize("size", [*SIZES, LARGE])
def test_manager(branch, clock, snap_compare, size):
    async def ready(pilot: Pilot) -> None:
        await settle(pilot)
        await log_in(pilot, "pedro")
        await until(pilot, on_screen(pilot, ManagerScreen, loaded("#mgr-customers-summary")))
        await steady(pilot)

    assert snap_compare(still(make_app(branch, clock)), terminal_size=size, run_before=ready)


def test_kiosk_shows_the_ticket_taken(branch, clock, snap_compare, size, monkeypatch):
    monkeypatch.setattr(kiosk, "SHOW_TICKET_SECONDS", 3600.0)  # the ticket stays up while the picture is taken

    async def ready(pilot: Pilot) -> None:
        await settle(pilot)
        await until(pilot, on_screen(pilot, KioskScreen))
        await pilot.press("1")  # the first service: cash
        await until(pilot, on_screen(pilot, KioskScreen, lambda s: s.query_one(ContentSwitcher).current == "kiosk-ticket"))
        await steady(pilot)

    assert snap_compare(make_app(branch, clock, mode="kiosk"), terminal_size=size, run_before=ready)


def test_display(branch, clock, snap_compare, size):
    q.call_next(branch, "1", "ana")
    clock.advance(minutes=1)
    q.call_next(branch, "2", "joao")

    async def ready(pilot: Pilot) -> None:
        await settle(pilot)
        await until(pilot, on_screen(pilot, DisplayScreen, loaded("#display-calls")))
        await steady(pilot)

    assert snap_compare(make_app(branch, clock, mode="display"), terminal_size=size, run_before=ready)


@pytest.fixture(params=SIZES)
def size(request) -> tuple[int, int]:
    return request.param
