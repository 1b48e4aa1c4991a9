"""Finding 5 of issue 14 at the desk: the second holder's NIF shows masked to the teller under
"Recorded so far" and in the summary; a supervisor (in customers.reveal_roles) shows it in full with
ctrl+r, and the reveal is audited without the value."""
from __future__ import annotations

import random

from deskapp.core.customers.masking import mask
from deskapp.core.demo import branch as demo
from deskapp.db.models import AuditEvent
from deskapp.tui.screens.desk import DeskScreen
from tests.tui.helpers import log_in, make_app
from tests.tui.test_workflow_runner import (  # noqa: F401 - ready is a fixture
    SIZE,
    at_step,
    choose,
    customer,
    next_step,
    ready,
    serve,
    settle,
    text,
    tick_all,
    type_into,
    until,
)

NIF = demo.national_id(random.Random(11))


async def _to_the_second_holder(pilot, ctx) -> int:
    """An adult's joint account, walked up to the step after the second holder's; the ticket id."""
    app = pilot.app
    adult = customer(ctx, "Marta Reis")
    ticket = await serve(pilot, ctx, "ACCT", customer_id=adult)
    await at_step(pilot, "identify")
    await next_step(pilot)
    await at_step(pilot, "documents")
    await tick_all(pilot)
    await next_step(pilot)
    await at_step(pilot, "details")
    await type_into(pilot, "#f-occupation", "Nurse")
    await type_into(pilot, "#f-monthly_income", "1800")
    choose(app, "#f-account_type", "joint")
    await next_step(pilot)
    await at_step(pilot, "second_holder")
    await type_into(pilot, "#f-second_holder_name", "Rui Reis")
    await type_into(pilot, "#f-second_holder_id", NIF)
    await next_step(pilot)
    await at_step(pilot, "needs")
    return ticket


async def test_the_teller_sees_the_second_holders_nif_masked(ready, clock, monkeypatch):  # noqa: F811
    monkeypatch.setattr("deskapp.core.workflows.state.offers_for", lambda ctx, cid: [])
    app = make_app(ready, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await log_in(pilot, "ana", counter="4")
        await _to_the_second_holder(pilot, ready)
        recap = text(app, "#wf-recap")
        assert f"Second holder's NIF: {mask(NIF)}" in recap and NIF not in recap
        assert not app.screen.check_action("reveal", ())  # the key is not offered to a teller
        await pilot.press("ctrl+r")  # not a teller's: nothing is shown, nothing audited
        await settle(pilot, 0.05)
        assert NIF not in text(app, "#wf-recap")
        await next_step(pilot)
        await at_step(pilot, "summary")
        summary = text(app, "#wf-summary")
        assert f"Second holder's NIF: {mask(NIF)}" in summary and NIF not in summary
    assert not AuditEvent.select().where(AuditEvent.action == "step_reveal").exists()


async def test_a_supervisor_reveals_it_with_ctrl_r_and_the_reveal_is_audited(ready, clock, monkeypatch):  # noqa: F811
    monkeypatch.setattr("deskapp.core.workflows.state.offers_for", lambda ctx, cid: [])
    app = make_app(ready, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await log_in(pilot, "sofia", counter="4")
        if not isinstance(app.screen, DeskScreen):
            await pilot.press("f2")
            await until(pilot, lambda: isinstance(app.screen, DeskScreen))
        await _to_the_second_holder(pilot, ready)
        assert NIF not in text(app, "#wf-recap")
        assert app.screen.check_action("reveal", ())
        await pilot.press("ctrl+r")
        await until(pilot, lambda: NIF in text(app, "#wf-recap"))
        assert f"Second holder's NIF: {NIF}" in text(app, "#wf-recap")
    events = list(AuditEvent.select().where(AuditEvent.action == "step_reveal"))
    assert [(e.staff, e.detail) for e in events] == [
        ("sofia", "workflow=open_account step=second_holder field=second_holder_id")]
    assert not any(NIF in f"{e.detail} {e.entity_id}" for e in AuditEvent.select())
