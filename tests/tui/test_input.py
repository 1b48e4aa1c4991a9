"""Focus and input as a teller feels them: the PIN takes the keys after a lock, the idle lock follows
the role, boxes explain what they refuse, dates in the branch's order, long text in boxes of several
lines, and keys typed faster than the screen moves the focus all land where they were meant to."""
from __future__ import annotations

from textual import events
from textual.keys import _character_to_key
from textual.widgets import Input, Select, Static, TextArea

from deskapp.core import queue as q
from deskapp.db.models import Customer, StepRecord, Ticket
from deskapp.tui.screens.customer_forms import CustomerForm, details_form
from deskapp.tui.screens.workflow import WorkflowScreen
from tests.tui.helpers import PINS, log_in, make_app, set_pins, settle, until

SIZE = (130, 44)


NAMED = {"tab": "\t", "enter": "\r", "ctrl+n": None, "ctrl+s": None}


def type_fast(app, *keys: str) -> None:
    """Keys as a machine types them: all in the app's queue before it has handled the first. Each
    argument is a key name of NAMED or text typed a character at a time."""
    for key in keys:
        if key in NAMED:
            app.post_message(events.Key(key, NAMED[key]))
            continue
        for char in key:
            app.post_message(events.Key(_character_to_key(char), char))


# --------------------------------------------------------------------------------- lock and login


async def test_after_any_lock_the_pin_has_the_focus_and_takes_the_digits(ctx, clock):
    set_pins(ctx)
    app = make_app(ctx, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.screen.query_one("#counter", Select).value = "1"
        await pilot.click("#login")
        await pilot.press(*"ana", "enter", *PINS["ana"])
        await pilot.click("#submit")  # logged in with the button: it keeps the focus on the login screen
        await settle(pilot, 0.2)
        assert app.current_mode == "desk"
        await pilot.press("ctrl+l")
        await settle(pilot)
        assert app.current_mode == "login" and app.focused is not None and app.focused.id == "pin"
        await pilot.press(*PINS["ana"], "enter")  # typed at once, as a teller back at the desk does
        await settle(pilot, 0.2)
        assert app.current_mode == "desk"

        clock.advance(minutes=ctx.config.security.idle_lock_for("teller"))
        await pilot.pause(1.3)
        await settle(pilot)
        assert app.current_mode == "login" and app.focused.id == "pin"
        await pilot.press(*PINS["ana"], "enter")
        await settle(pilot, 0.2)
        assert app.current_mode == "desk"


async def test_the_idle_lock_follows_the_role(ctx, clock):
    set_pins(ctx)
    security = type(ctx.config.security).model_validate(
        {**ctx.config.security.model_dump(), "idle_lock_by_role": {"greeter": "off", "supervisor": 60}})
    config = ctx.config.model_copy(update={"security": security})
    for login, minutes, locks in (("rita", 120, False), ("sofia", 59, False), ("sofia", 60, True),
                                  ("ana", 5, True)):
        app = make_app(ctx, clock)
        app.config = config
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await log_in(pilot, login)
            assert app.session is not None
            clock.advance(minutes=minutes)
            await pilot.pause(1.3)
            await settle(pilot)
            assert (app.current_mode == "login") is locks, (login, minutes)


# ----------------------------------------------------------------------------- workflow boxes


async def serve(pilot, ctx, service: str, login: str = "ana", counter: str = "1") -> int:
    app = pilot.app
    await settle(pilot)
    await log_in(pilot, login, counter=counter)
    ticket = q.issue(ctx, service).ticket.id
    app.screen.reload()
    await until(pilot, lambda: app.screen.view is not None and any(s.waiting for s in app.screen.view.queues))
    await pilot.press("n")
    await until(pilot, lambda: app.screen.view and app.screen.view.counter.ticket is not None)
    await pilot.press("s")
    await until(pilot, lambda: isinstance(app.screen, WorkflowScreen) and app.screen.panel is not None
                and app.focused is not None)
    return ticket


def panel(app):
    return app.screen.panel


async def test_a_money_box_keeps_what_is_valid_of_a_paste_and_says_what_it_left_out(ctx, clock):
    set_pins(ctx)
    app = make_app(ctx, clock)
    async with app.run_test(size=SIZE) as pilot:
        await serve(pilot, ctx, "CASH")
        amount = panel(app).query_one("#f-amount", Input)
        amount.focus()
        await pilot.pause()
        app.post_message(events.Paste("12,5abc"))  # on main: nothing at all, and no word why
        await settle(pilot)
        assert amount.value == "12,5"
        said = panel(app).query_one("#e-amount", Static).visual.plain
        assert said.startswith("'a', 'b', 'c' left out: an amount takes no such characters")

        await pilot.press("x")  # a key that cannot be part of an amount: refused, and said
        await settle(pilot)
        assert amount.value == "12,5"
        assert panel(app).query_one("#e-amount", Static).visual.plain.startswith("'x' refused: that key")
        assert amount.placeholder == "1.250,50"  # the branch's way of writing an amount


async def test_a_long_complaint_is_typed_in_a_box_of_several_lines(ctx, clock):
    set_pins(ctx)
    app = make_app(ctx, clock)
    async with app.run_test(size=SIZE) as pilot:
        ticket = await serve(pilot, ctx, "CMPL", login="lucas", counter="5")
        await pilot.press("ctrl+n")  # nobody identified (optional)
        await until(pilot, lambda: panel(app) is not None and panel(app).step.id == "complaint")
        box = panel(app).query_one("#f-description")
        assert isinstance(box, TextArea)  # on main: a one-line Input
        panel(app).query_one("#f-category", Select).value = "waiting_time"
        panel(app).query_one("#f-contact_by", Select).value = "phone"
        box.focus()
        await pilot.press(*"Waited 40 minutes", "enter", *"One counter open")
        await pilot.press("ctrl+n")
        await until(pilot, lambda: panel(app) is not None and panel(app).step.id == "anonymous")
    record = StepRecord.get((StepRecord.ticket == ticket) & (StepRecord.step_id == "complaint"))
    assert '"description": "Waited 40 minutes\\nOne counter open"' in record.values


async def test_a_whole_form_typed_at_machine_speed_loses_no_key(ctx, clock):
    set_pins(ctx)
    app = make_app(ctx, clock)
    async with app.run_test(size=SIZE) as pilot:
        ticket = await serve(pilot, ctx, "CASH")
        # withdrawal (typed letter chooses), 6000 in the amount, EUR, then Next: one burst of keys,
        # the approval step's login and PIN behind it, while the step is still being saved.
        type_fast(app, "w", "tab", "6000", "tab", "e", "ctrl+n", "sofia", "enter", PINS["sofia"], "enter",
                  "enter")
        await until(pilot, lambda: panel(app) is not None and panel(app).step.id == "summary")
    values = {r.step_id: r.values for r in StepRecord.select().where(StepRecord.ticket == ticket)}
    assert '"type": "withdrawal"' in values["transaction"] and '"amount": "6000.00"' in values["transaction"]
    assert '"currency": "EUR"' in values["transaction"]
    assert StepRecord.get((StepRecord.ticket == ticket) & (StepRecord.step_id == "approval")).approver == "sofia"


async def test_keys_typed_while_the_guide_opens_reach_its_first_boxes_not_the_desk(ctx, clock, monkeypatch):
    """`s` starts the service and reads the workflow before the guide appears (issue 19's speed work):
    what is typed meanwhile is the first step's, never a desk key (the desk's `w` is "walked away")."""
    import threading

    from deskapp.tui.screens import desk as desk_screen

    gate = threading.Event()
    real = desk_screen.start_guided
    monkeypatch.setattr(desk_screen, "start_guided", lambda *a, **k: (gate.wait(20), real(*a, **k))[1])
    set_pins(ctx)
    app = make_app(ctx, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await log_in(pilot, "ana", counter="1")
        ticket = q.issue(ctx, "CASH").ticket.id
        app.screen.reload()
        await until(pilot, lambda: app.screen.view is not None and any(s.waiting for s in app.screen.view.queues))
        await pilot.press("n")
        await until(pilot, lambda: app.screen.view and app.screen.view.counter.ticket is not None)
        await pilot.press("s")  # handled: the service is being started, the guide not shown yet
        type_fast(app, "w", "tab", "6000")
        await pilot.pause()
        gate.set()
        await until(pilot, lambda: isinstance(app.screen, WorkflowScreen) and panel(app) is not None
                    and panel(app).query_one("#f-amount", Input).value == "6000")
        assert panel(app).query_one("#f-type", Select).value == "withdrawal"
        assert Ticket.get_by_id(ticket).status == q.SERVING


# ------------------------------------------------------------------------------ new customer


async def test_text_typed_fast_behind_a_tab_reaches_the_next_box_and_dates_go_the_branch_way(ctx, clock):
    set_pins(ctx)
    app = make_app(ctx, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await log_in(pilot, "ana", counter="1")
        app.push_screen(details_form(app, None))
        await until(pilot, lambda: isinstance(app.screen, CustomerForm) and app.focused is not None)
        form = app.screen
        type_fast(app, "Maria Tavares", "tab", "tab", "31/12/1980", "tab", "912345678")
        await settle(pilot)
        assert form.query_one("#field-name", Input).value == "Maria Tavares"  # on main: the rest went in here
        assert form.query_one("#field-birth_date", Input).value == "31/12/1980"
        assert form.query_one("#field-phones", Input).value == "912345678"
        assert form.query_one("#field-birth_date", Input).placeholder == "31/12/1980"
        form.query_one("#field-segment", Select).value = "mass"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: not isinstance(app.screen, CustomerForm))
    assert str(Customer.get(Customer.name == "Maria Tavares").birth_date) == "1980-12-31"
