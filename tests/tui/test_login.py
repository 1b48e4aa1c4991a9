"""The login screen and the shell: roles decide the screens, wrong PINs are told, idle desks lock."""
from __future__ import annotations

import pytest
from textual.widgets import Static

from deskapp.core.security import audit
from deskapp.db.models import Counter
from tests.tui.helpers import log_in, make_app, set_pins, settle


@pytest.fixture
def ready(ctx):
    set_pins(ctx)
    return ctx


def message(app) -> str:
    return str(app.screen.query_one("#login-message", Static).render())


async def test_teller_logs_in_at_a_counter_and_sees_the_queue(ready, clock):
    app = make_app(ready, clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        assert app.current_mode == "login"
        await log_in(pilot, "ana", counter="2")
        assert app.current_mode == "desk"
        assert app.session.login == "ana" and app.counter == "2"
        assert "Ana Costa (teller) · Counter 2" in app.sub_title  # its name, not its code
        await settle(pilot, 0.3)
        assert "Counter 2" in str(app.screen.query_one("#desk-current", Static).render())
    counter = Counter.get(Counter.code == "2")
    assert (counter.state, counter.staff.login) == ("open", "ana")


async def test_wrong_pin_is_told_and_nothing_opens(ready, clock):
    app = make_app(ready, clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await log_in(pilot, "ana", pin="1111")
        assert app.current_mode == "login" and app.session is None
        assert message(app) == "Wrong login or PIN."


async def test_lockout_message_after_repeated_failures(ready, clock):
    app = make_app(ready, clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        for _ in range(ready.config.security.lockout_attempts):
            await log_in(pilot, "ana", pin="1111")
            app.screen.query_one("#login").value = ""
        assert "locked for 15 minutes" in message(app)


@pytest.mark.parametrize("login, home", [("rita", "reception"), ("ana", "desk"), ("sofia", "supervisor"),
                                         ("pedro", "manager")])
async def test_each_role_lands_on_its_home_screen(ready, clock, login, home):
    app = make_app(ready, clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await log_in(pilot, login)
        assert app.current_mode == home


async def test_screens_outside_the_role_cannot_be_opened(ready, clock):
    app = make_app(ready, clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await log_in(pilot, "ana", counter="1")
        for key in ("f3", "f5", "f6", "f7", "f8"):
            await pilot.press(key)
            await settle(pilot)
            assert app.current_mode == "desk"
        app.action_open("supervisor")  # even when asked directly, core refuses
        await settle(pilot)
        assert app.current_mode == "desk"
        await pilot.press("f4")
        await settle(pilot)
        assert app.current_mode == "customers"


async def test_idle_desk_locks_back_to_login_and_keeps_the_counter(ready, clock):
    app = make_app(ready, clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await log_in(pilot, "ana", counter="1")
        assert app.current_mode == "desk"
        clock.advance(minutes=ready.config.security.idle_lock_minutes - 1)
        await pilot.pause(1.3)
        assert app.current_mode == "desk"  # not yet
        clock.advance(minutes=1)
        await pilot.pause(1.3)
        await settle(pilot)
        assert app.current_mode == "login" and app.session is None
    assert "idle_lock" in [e.action for e in audit.entries(staff="ana")]
    assert Counter.get(Counter.code == "1").staff.login == "ana"


async def test_lock_key_logs_out(ready, clock):
    app = make_app(ready, clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await log_in(pilot, "ana", counter="1")
        await pilot.press("ctrl+l")
        await settle(pilot)
        assert app.current_mode == "login"
    assert "logout" in [e.action for e in audit.entries(staff="ana")]


async def test_command_palette_opens_the_screens_the_role_allows(ready, clock):
    from deskapp.tui.commands import DeskCommands

    app = make_app(ready, clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await log_in(pilot, "rita")
        provider = DeskCommands(app.screen)
        names = [name for name, _, _ in provider._commands()]
        assert names == ["Open Reception", "Open Customers", "Lock desk"]
        await pilot.press("ctrl+p")
        await settle(pilot, 0.3)
        await pilot.press(*"open cust")
        await settle(pilot, 0.5)
        await pilot.press("enter")
        await settle(pilot, 0.5)
        assert app.current_mode == "customers"


async def test_counters_arrive_with_the_configuration_after_the_first_frame(ready, db_url):
    """As `deskapp --counter 3` starts: login painted first, the counter list mounted when config loads."""
    from textual.widgets import Select

    from deskapp.tui.app import DeskApp
    from tests.conftest import CONFIG
    from tests.tui.helpers import until

    app = DeskApp(None, config_path=str(CONFIG), db_url=db_url, counter="3")
    async with app.run_test(size=(120, 36)) as pilot:
        await until(pilot, lambda: app.ctx is not None)
        await settle(pilot)
        assert not app.screen.query("#counter-pending")
        assert app.screen.query_one("#counter", Select).value == "3"
        await log_in(pilot, "ana")
        assert app.current_mode == "desk" and app.counter == "3"


async def test_a_desk_of_another_branch_refuses_the_login_and_an_area_manager_lands_read_only(network, db_url, clock):
    """Issue 15: a Porto desk (--branch POR01) refuses Ana, who works in Lisbon; Clara, an area_manager,
    lands on the network screen and may open the supervisor screen, nothing else."""
    from deskapp.config.load import choose_branch
    from deskapp.core.startup import open_context

    porto = open_context(choose_branch(network, "POR01"), db_url, clock)
    auth_pins = {"ana": "2580", "clara": "7531", "tiago": "8642"}
    from deskapp.core.security import auth

    for login, pin in auth_pins.items():
        auth.set_pin(porto, login, pin)
    app = make_app(porto, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await log_in(pilot, "ana", pin=auth_pins["ana"])
        assert app.current_mode == "login" and app.session is None
        assert message(app) == "Ana Costa does not work at Porto Aliados (POR01)."
        app.screen.query_one("#login").value = ""
        await log_in(pilot, "clara", pin=auth_pins["clara"])
        assert app.session is not None and app.session.role == "area_manager"
        assert app.current_mode == "network"  # the branches assigned, first
        await settle(pilot, 0.5)
        await pilot.press("f6")
        assert app.current_mode == "supervisor"
        await settle(pilot, 0.5)
        told = [n.message for n in app._notifications]
        assert not any("Only" in m or "problem" in m for m in told), told  # reading it is allowed
