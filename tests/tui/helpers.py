"""Shared steps for pilot tests: start the app on a test database and log in as a person would."""
from __future__ import annotations

import asyncio

from textual.worker import WorkerCancelled

from deskapp.core.security import auth
from deskapp.tui.app import DeskApp

PINS = {"rita": "2468", "ana": "2580", "joao": "3691", "sofia": "4826", "pedro": "5937", "lucas": "6048"}


def make_app(ctx, clock, **options) -> DeskApp:
    return DeskApp(ctx, config=ctx.config, clock=clock, **options)


def set_pins(ctx) -> None:
    for login, pin in PINS.items():
        auth.set_pin(ctx, login, pin)


async def settle(pilot, seconds: float = 0.05) -> None:
    """Let workers finish and their results reach the screen (an exclusive worker may be replaced)."""
    for _ in range(3):
        try:
            await pilot.app.workers.wait_for_complete()
        except WorkerCancelled:
            pass
        await searches_shown(pilot)
        await pilot.pause(seconds)


async def searches_shown(pilot, timeout: float = 15.0) -> None:
    """Wait until every customer search box on the screen shows its newest query's page: the box's own
    search thread answers outside Textual's workers, so wait_for_complete does not wait for it."""
    from deskapp.tui.widgets.customer_search import CustomerSearch

    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while any(box.searching for box in pilot.app.screen.query(CustomerSearch)):
        assert loop.time() < deadline, "timed out waiting for the search results"
        await pilot.pause(0.01)


async def until(pilot, condition, timeout: float = 15.0) -> None:
    """Wait, polling the app, until condition() holds: the app notices other desks on its 1 s tick."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        assert loop.time() < deadline, "timed out waiting for the screen"
        await settle(pilot, 0.1)


async def log_in(pilot, login: str, pin: str | None = None, counter: str | None = None) -> None:
    screen = pilot.app.screen
    if counter is not None:
        from textual.widgets import Select

        screen.query_one("#counter", Select).value = counter
    await pilot.click("#login")
    await pilot.press(*login)
    await pilot.press("enter")
    await pilot.press(*(pin or PINS[login]))
    await pilot.press("enter")
    await settle(pilot, 0.2)


def pick_option(option_list, option_id: str) -> None:
    """Highlight the option with that id, as the arrow keys would (a reassign dialog's colleague)."""
    option_list.highlighted = option_list.get_option_index(option_id)
