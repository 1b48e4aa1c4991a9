"""The guide at the desk, as a teller uses it: every shipped workflow walked through its branches, with
validation messages next to the fields, a supervisor's PIN wrong and then right, abandon, Back, and the
guide coming back by itself after a new login."""
from __future__ import annotations

import random

import pytest
from textual import events
from textual.widgets import Checkbox, Input, Select, Static, Switch, TextArea
from textual.worker import WorkerCancelled

from deskapp.core import queue as q
from deskapp.core.customers.directory import session_for
from deskapp.core.customers.edit import create as create_customer
from deskapp.core.customers.rules import CustomerDraft
from deskapp.core.demo import branch as demo
from deskapp.core.security import audit
from deskapp.core.workflows.guide import Offer
from deskapp.db.models import FollowUp, Need, OfferDecision, Staff, StepRecord, Ticket
from deskapp.tui.screens.desk import DeskScreen
from deskapp.tui.screens.workflow import AbandonDialog, WorkflowScreen
from tests.tui.helpers import PINS, log_in, make_app, set_pins

SIZE = (130, 44)


@pytest.fixture
def ready(ctx):
    set_pins(ctx)
    return ctx


def here(app, selector: str, kind=None):
    """The widget on screen: in the current step's panel when it is there (panels of done steps are hidden)."""
    screen = app.screen
    panel = screen.panel if isinstance(screen, WorkflowScreen) else None
    if panel is not None and panel.query(selector):
        return panel.query_one(selector, kind) if kind else panel.query_one(selector)
    return screen.query_one(selector, kind) if kind else screen.query_one(selector)


def text(app, selector: str) -> str:
    return here(app, selector, Static).visual.plain


async def settle(pilot, seconds: float = 0.0) -> None:
    """Let workers finish and their results reach the screen (a worker replaced by a newer one of its
    exclusive group is cancelled: that is fine here)."""
    for _ in range(2):
        try:
            await pilot.app.workers.wait_for_complete()
        except WorkerCancelled:
            pass
        await pilot.pause(seconds)


async def until(pilot, condition, rounds: int = 60) -> None:
    for _ in range(rounds):
        if condition():
            return
        await settle(pilot, 0.05)
    assert condition(), f"screen is {pilot.app.screen!r}"


def guide(app) -> WorkflowScreen:
    assert isinstance(app.screen, WorkflowScreen), app.screen
    return app.screen


def step_title(app) -> str:
    return guide(app).state.current.id if guide(app).state and guide(app).state.current else ""


async def at_step(pilot, step_id: str) -> None:
    """Wait until the guide shows this step, with the focus in its first box (when it has one)."""
    def shown() -> bool:
        app = pilot.app
        if not isinstance(app.screen, WorkflowScreen) or step_title(app) != step_id:
            return False
        panel = app.screen.panel
        if panel is None or panel.step.id != step_id:
            return False
        boxes = [w for w in panel.query("Input, Select, Checkbox, Switch, Button") if w.focusable]
        return not boxes or (app.focused is not None and app.focused in list(panel.walk_children()))

    await until(pilot, shown)


async def serve(pilot, ctx, service: str, *, customer_id: int | None = None) -> int:
    """A ticket issued at reception, called and started at this desk: the guide opens by itself."""
    issued = q.issue(ctx, service, customer_id=customer_id).ticket
    app = pilot.app
    app.screen.reload()
    await until(pilot, lambda: any(s.waiting for s in app.screen.view.queues) if app.screen.view else False)
    await pilot.press("n")
    await until(pilot, lambda: app.screen.view and app.screen.view.counter.ticket is not None)
    await pilot.press("s")
    await until(pilot, lambda: isinstance(app.screen, WorkflowScreen) and guide(app).state is not None)
    return issued.id


async def type_into(pilot, selector: str, value: str) -> None:
    widget = here(pilot.app, selector)
    widget.focus()
    if isinstance(widget, TextArea):
        widget.text = ""
    else:
        widget.value = ""
    await pilot.press(*value)


def choose(app, selector: str, value: str) -> None:
    here(app, selector, Select).value = value


async def tick_all(pilot) -> None:
    for box in guide(pilot.app).panel.query(Checkbox):
        await pilot.click(box)


async def next_step(pilot) -> None:
    await pilot.press("ctrl+n")
    await settle(pilot, 0.05)


def customer(ctx, name: str, *, born: str = "1980-05-31", manager: str | None = None, kyc_due: str | None = None,
             segment: str = "mass") -> int:
    draft = CustomerDraft(name=name, national_id=demo.national_id(random.Random(name)), birth_date=born,
                          segment=segment, manager=manager, kyc_review_due=kyc_due)
    return create_customer(ctx, session_for("ana"), draft, force=True).id


def outcomes(ticket_id: int) -> dict[str, str]:
    return {r.step_id: r.outcome for r in StepRecord.select().where(StepRecord.ticket == ticket_id)}


async def finished(pilot, ticket_id: int) -> None:
    await until(pilot, lambda: isinstance(pilot.app.screen, DeskScreen))
    assert Ticket.get_by_id(ticket_id).status == q.DONE


# ------------------------------------------------------------------------------------------ cash


async def test_cash_deposit_takes_the_short_path_and_completes_the_ticket(ready, clock):
    app = make_app(ready, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await log_in(pilot, "ana", counter="1")
        ticket = await serve(pilot, ready, "CASH")
        await at_step(pilot, "transaction")
        assert "Step 1 of 2 (more may follow): Transaction" in text(app, "#wf-progress")
        assert text(app, "#wf-left") == "Then: Origin of the funds (if needed) · Supervisor approval (if needed) · Summary"
        assert "Not identified" in text(app, "#wf-customer")

        choose(app, "#f-type", "deposit")
        await type_into(pilot, "#f-amount", "250")
        choose(app, "#f-currency", "EUR")
        await next_step(pilot)
        await at_step(pilot, "summary")
        assert "Step 2 of 2: Summary" in text(app, "#wf-progress")
        assert "Transaction: Deposit or withdrawal: Deposit; Amount: 250.00; Currency: EUR" in text(app, "#wf-summary")
        assert text(app, "#wf-left") == "This is the last step."
        await next_step(pilot)
        await finished(pilot, ticket)
    assert outcomes(ticket) == {"transaction": "done", "origin": "skipped", "approval": "skipped", "summary": "done"}


async def test_cash_withdrawal_validation_then_approval_with_a_wrong_then_right_pin(ready, clock):
    app = make_app(ready, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await log_in(pilot, "ana", counter="1")
        ticket = await serve(pilot, ready, "CASH")
        await at_step(pilot, "transaction")

        await next_step(pilot)  # nothing filled in
        assert text(app, "#e-type") == "fill this in" and text(app, "#e-amount") == "fill this in"
        assert text(app, "#wf-message") == "Please correct the fields marked in red."
        choose(app, "#f-type", "withdrawal")
        await type_into(pilot, "#f-amount", "6.00.5")  # no amount
        choose(app, "#f-currency", "EUR")
        await next_step(pilot)
        assert text(app, "#e-amount") == "an amount like 1250 or 1.250,50" and text(app, "#e-type") == ""
        assert outcomes(ticket) == {}

        await type_into(pilot, "#f-amount", "6000")
        await pilot.press("enter")  # Enter goes on to the next box
        assert here(app, "#f-currency").has_focus
        await next_step(pilot)
        await at_step(pilot, "approval")
        assert "above the teller's limit" in app.screen.panel.query_one(Static).visual.plain

        await type_into(pilot, "#approver-login", "ana")  # the teller cannot approve their own service
        await type_into(pilot, "#approver-pin", PINS["ana"])
        await next_step(pilot)
        assert text(app, "#e-approver") == "you cannot approve your own service; ask a supervisor"

        await type_into(pilot, "#approver-login", "sofia")
        await type_into(pilot, "#approver-pin", "1357")
        await next_step(pilot)
        assert text(app, "#e-pin") == "Wrong login or PIN."
        assert here(app, "#approver-pin", Input).value == "", "the PIN is cleared after a refusal"
        assert Staff.get(Staff.login == "sofia").failed_attempts == 1

        await type_into(pilot, "#approver-pin", PINS["sofia"])
        await pilot.press("enter", "enter")  # to the note, then commit
        await at_step(pilot, "summary")
        assert "Supervisor approval: approved by Sofia Almeida" in text(app, "#wf-summary")
        await next_step(pilot)
        await finished(pilot, ticket)
    record = StepRecord.get(StepRecord.step_id == "approval")
    assert (record.outcome, record.approver, record.staff.login) == ("approved", "sofia", "ana")
    actions = {(e.action, e.staff) for e in audit.entries(limit=30)}
    assert {("approval_refused", "ana"), ("approval_failed", "sofia"), ("workflow_approval", "sofia")} <= actions


async def test_cash_large_deposit_asks_the_origin_then_approval(ready, clock):
    app = make_app(ready, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await log_in(pilot, "ana", counter="1")
        ticket = await serve(pilot, ready, "CASH")
        await at_step(pilot, "transaction")
        choose(app, "#f-type", "deposit")
        await type_into(pilot, "#f-amount", "15000")
        choose(app, "#f-currency", "USD")
        await next_step(pilot)
        await at_step(pilot, "origin")
        assert "Step 2 of 4: Origin of the funds" in text(app, "#wf-progress")
        await next_step(pilot)
        assert text(app, "#e-origin") == "fill this in"
        choose(app, "#f-origin", "sale_of_property")
        await next_step(pilot)
        await at_step(pilot, "approval")
        await type_into(pilot, "#approver-login", "sofia")
        await type_into(pilot, "#approver-pin", PINS["sofia"])
        await next_step(pilot)
        await at_step(pilot, "summary")
        await next_step(pilot)
        await finished(pilot, ticket)
    assert outcomes(ticket) == {"transaction": "done", "origin": "done", "approval": "approved", "summary": "done"}


# -------------------------------------------------------------------------------- open account


async def test_open_account_for_a_minor_with_a_joint_account_and_an_offer(ready, clock, monkeypatch):
    minor = customer(ready, "Tiago Santos", born="2012-01-15", kyc_due="2025-01-01")
    monkeypatch.setattr("deskapp.core.workflows.state.offers_for", lambda ctx, cid: [Offer("renew_id_document", "Renew the ID",
                                                                         "The ID document expires soon")])
    app = make_app(ready, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await log_in(pilot, "ana", counter="4")
        ticket = await serve(pilot, ready, "ACCT", customer_id=minor)
        await at_step(pilot, "identify")
        assert "Customer: Tiago Santos" in text(app, "#wf-identified")
        assert "Tiago Santos" in text(app, "#wf-customer") and "KYC review due" in text(app, "#wf-customer")
        await next_step(pilot)

        await at_step(pilot, "guardian")
        await next_step(pilot)
        assert text(app, "#e-items").startswith("tick every item; not yet: Parent or legal guardian")
        await tick_all(pilot)
        await next_step(pilot)
        await at_step(pilot, "documents")
        await tick_all(pilot)
        await next_step(pilot)
        await at_step(pilot, "kyc")
        await tick_all(pilot)
        await next_step(pilot)

        await at_step(pilot, "details")
        await type_into(pilot, "#f-occupation", "Student")
        await type_into(pilot, "#f-monthly_income", "0")
        choose(app, "#f-account_type", "joint")
        await pilot.click(here(app, "#f-online_banking"))
        assert here(app, "#f-online_banking", Switch).value is True
        await next_step(pilot)
        await at_step(pilot, "second_holder")
        await type_into(pilot, "#f-second_holder_name", "Ana Santos")
        await type_into(pilot, "#f-second_holder_id", "123456780")
        await next_step(pilot)
        assert text(app, "#e-second_holder_id") == "this NIF has a wrong check digit; check it was typed correctly"
        await type_into(pilot, "#f-second_holder_id", demo.national_id(random.Random(7)))
        await next_step(pilot)

        await at_step(pilot, "needs")
        choose(app, "#need-category", "savings")
        await type_into(pilot, "#need-description", "University in 2030")
        await pilot.press("enter")
        assert "savings: University in 2030" in text(app, "#need-list")
        await next_step(pilot)

        await at_step(pilot, "offers")
        await next_step(pilot)
        assert text(app, "#e-renew_id_document") == "accept or decline this offer"
        choose(app, "#o-renew_id_document", "accepted")
        await next_step(pilot)
        await at_step(pilot, "summary")
        summary = text(app, "#wf-summary")
        assert "Personal details: Occupation: Student" in summary and "renew_id_document accepted" in summary
        await next_step(pilot)
        await finished(pilot, ticket)
    assert set(outcomes(ticket).values()) == {"done"} and len(outcomes(ticket)) == 9
    assert [(n.category, n.description, n.source) for n in Need.select()] == [
        ("savings", "University in 2030", "workflow")]
    assert [(d.offer, d.decision, d.ticket_id) for d in OfferDecision.select()] == [
        ("renew_id_document", "accepted", ticket)]


async def test_open_account_for_an_adult_found_with_the_customer_search(ready, clock):
    adult = customer(ready, "Rui Gonçalves", born="1975-02-02", kyc_due="2027-01-01")
    app = make_app(ready, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await log_in(pilot, "ana", counter="4")
        ticket = await serve(pilot, ready, "ACCT")
        await at_step(pilot, "identify")
        assert "No customer identified yet (required)" in text(app, "#wf-identified")
        await next_step(pilot)
        assert text(app, "#e-customer").startswith("identify the customer")

        await pilot.click(here(app, "#wf-find"))
        await settle(pilot, 0.1)
        await pilot.press(*"Goncalves")
        await until(pilot, lambda: len(app.screen.query_one("CustomerSearch").results) == 1)
        await pilot.press("enter")
        await at_step(pilot, "identify")
        await until(pilot, lambda: "Rui Gonçalves" in text(app, "#wf-identified"))
        await next_step(pilot)

        await at_step(pilot, "documents")
        assert "Step 2 of" in text(app, "#wf-progress"), "the guardian step is not for an adult"
        await tick_all(pilot)
        await next_step(pilot)
        await at_step(pilot, "details")
        await type_into(pilot, "#f-occupation", "Engineer")
        await type_into(pilot, "#f-monthly_income", "2500")
        choose(app, "#f-account_type", "current")
        await next_step(pilot)
        await at_step(pilot, "needs")
        await next_step(pilot)
        await at_step(pilot, "summary")
        await next_step(pilot)
        await finished(pilot, ticket)
    assert Ticket.get_by_id(ticket).customer_id == adult
    assert outcomes(ticket) == {"identify": "done", "guardian": "skipped", "documents": "done", "kyc": "skipped",
                                "details": "done", "second_holder": "skipped", "needs": "done", "offers": "skipped",
                                "summary": "done"}


# ---------------------------------------------------------------------------------------- card


async def test_card_replacement_with_the_fee_waived_needs_approval(ready, clock):
    holder = customer(ready, "Beatriz Simões")
    app = make_app(ready, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await log_in(pilot, "joao", counter="2")
        ticket = await serve(pilot, ready, "CARD", customer_id=holder)
        await at_step(pilot, "request")
        choose(app, "#f-action", "replace")
        await type_into(pilot, "#f-reason", "Chip damaged")
        await pilot.click(here(app, "#f-waive_fee"))
        await next_step(pilot)
        await at_step(pilot, "identify")
        await next_step(pilot)
        await at_step(pilot, "fee_approval")
        await type_into(pilot, "#approver-login", "sofia")
        await type_into(pilot, "#approver-pin", PINS["sofia"])
        await next_step(pilot)
        await at_step(pilot, "summary")
        await next_step(pilot)
        await finished(pilot, ticket)
    assert outcomes(ticket) == {"request": "done", "identify": "done", "block_now": "skipped",
                                "fee_approval": "approved", "summary": "done"}


async def test_card_block_shows_what_to_do_and_needs_no_approval(ready, clock):
    holder = customer(ready, "Gonçalo Araújo")
    app = make_app(ready, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await log_in(pilot, "joao", counter="2")
        ticket = await serve(pilot, ready, "CARD", customer_id=holder)
        await at_step(pilot, "request")
        choose(app, "#f-action", "block")
        await type_into(pilot, "#f-reason", "Stolen")
        await next_step(pilot)
        await at_step(pilot, "identify")
        await next_step(pilot)
        await at_step(pilot, "block_now")
        assert "Then: Summary" == text(app, "#wf-left")
        await next_step(pilot)
        await at_step(pilot, "summary")
        await next_step(pilot)
        await finished(pilot, ticket)
    assert outcomes(ticket)["fee_approval"] == "skipped" and outcomes(ticket)["block_now"] == "done"


# --------------------------------------------------------------------------------- loan enquiry


async def test_loan_enquiry_for_a_home_refers_to_the_relationship_manager(ready, clock):
    client = customer(ready, "Inês Araújo", segment="premier", manager="ines")
    app = make_app(ready, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await log_in(pilot, "lucas", counter="5")
        ticket = await serve(pilot, ready, "LOAN", customer_id=client)
        await at_step(pilot, "identify")
        assert "Manager: Inês Duarte" in text(app, "#wf-customer")
        await next_step(pilot)
        await at_step(pilot, "needs")
        await next_step(pilot)
        assert text(app, "#e-needs") == "record at least one need"
        choose(app, "#need-category", "mortgage")
        await next_step(pilot)  # chosen but not added: still recorded
        await at_step(pilot, "loan")
        choose(app, "#f-purpose", "home")
        await type_into(pilot, "#f-amount", "180000")
        await type_into(pilot, "#f-term_months", "500")
        await next_step(pilot)
        assert text(app, "#e-term_months") == "at most 480"
        await type_into(pilot, "#f-term_months", "360")
        await next_step(pilot)
        await at_step(pilot, "home_documents")
        await tick_all(pilot)
        await next_step(pilot)
        await at_step(pilot, "referral")
        assert "follow-up for Inês Duarte" in app.screen.panel.query_one(Static).visual.plain
        await type_into(pilot, "#referral-due", "24")
        await next_step(pilot)
        await at_step(pilot, "summary")
        await next_step(pilot)
        await finished(pilot, ticket)
    follow_up = FollowUp.get()
    assert (follow_up.source, follow_up.assignee.login, follow_up.customer_id) == ("referral", "ines", client)
    assert [n.category for n in Need.select()] == ["mortgage"]


async def test_loan_enquiry_for_a_car_skips_the_mortgage_documents(ready, clock):
    client = customer(ready, "Luís Brandão")
    app = make_app(ready, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await log_in(pilot, "lucas", counter="5")
        ticket = await serve(pilot, ready, "LOAN", customer_id=client)
        await at_step(pilot, "identify")
        await next_step(pilot)
        await at_step(pilot, "needs")
        choose(app, "#need-category", "credit")
        await next_step(pilot)
        await at_step(pilot, "loan")
        choose(app, "#f-purpose", "car")
        await type_into(pilot, "#f-amount", "20000")
        await type_into(pilot, "#f-term_months", "60")
        await next_step(pilot)
        await at_step(pilot, "referral")
        assert "follow-up for Pedro Nunes" in app.screen.panel.query_one(Static).visual.plain, "the fallback, by name"
        await next_step(pilot)
        await at_step(pilot, "summary")
        await next_step(pilot)
        await finished(pilot, ticket)
    assert outcomes(ticket)["home_documents"] == "skipped"
    assert FollowUp.get().assignee.login == "pedro"


# ------------------------------------------------------------------------------------ complaint


async def test_an_anonymous_complaint_opens_a_complaint_follow_up(ready, clock):
    app = make_app(ready, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await log_in(pilot, "lucas", counter="5")
        ticket = await serve(pilot, ready, "CMPL")
        await at_step(pilot, "identify")
        assert "(optional)" in text(app, "#wf-identified")
        await pilot.click(here(app, "#wf-none"))
        await next_step(pilot)
        await at_step(pilot, "complaint")
        choose(app, "#f-category", "waiting_time")
        await type_into(pilot, "#f-description", "Waited 40 minutes with one counter open")
        choose(app, "#f-contact_by", "in_branch")
        await next_step(pilot)
        await at_step(pilot, "anonymous")
        await next_step(pilot)
        await at_step(pilot, "follow_up")
        assert "complaint for Sofia Almeida" in app.screen.panel.query_one(Static).visual.plain
        await next_step(pilot)
        await at_step(pilot, "summary")
        await next_step(pilot)
        await finished(pilot, ticket)
    follow_up = FollowUp.get()
    assert (follow_up.source, follow_up.assignee.login, follow_up.customer_id) == ("complaint", "sofia", None)


async def test_an_identified_complaint_skips_the_anonymous_note(ready, clock):
    client = customer(ready, "Ayşe Yılmaz")
    app = make_app(ready, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await log_in(pilot, "lucas", counter="5")
        ticket = await serve(pilot, ready, "CMPL", customer_id=client)
        await at_step(pilot, "identify")
        await next_step(pilot)
        await at_step(pilot, "complaint")
        choose(app, "#f-category", "fees")
        await type_into(pilot, "#f-description", "Charged twice")
        choose(app, "#f-contact_by", "email")
        await next_step(pilot)
        await at_step(pilot, "follow_up")
        await next_step(pilot)
        await at_step(pilot, "summary")
        await next_step(pilot)
        await finished(pilot, ticket)
    assert outcomes(ticket)["anonymous"] == "skipped"
    assert FollowUp.get().customer_id == client


# ------------------------------------------------------------------------------ general enquiry


async def test_a_general_enquiry_completes_with_its_note(ready, clock):
    app = make_app(ready, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await log_in(pilot, "ana", counter="1")
        ticket = await serve(pilot, ready, "INFO")
        await at_step(pilot, "answer")
        await pilot.press("enter")  # nothing to fill in: Enter goes on
        await at_step(pilot, "note")
        choose(app, "#f-topic", "opening_hours")
        await type_into(pilot, "#f-note", "Asked about Saturdays")
        await pilot.press("ctrl+n")  # a note is a box of several lines: Enter would start a new one
        await finished(pilot, ticket)
    assert outcomes(ticket) == {"answer": "done", "note": "done"}


# ----------------------------------------------------------------- leaving, back, abandon, resume


async def test_back_explains_what_cannot_be_corrected_and_escape_and_g_return_to_the_same_step(ready, clock):
    app = make_app(ready, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await log_in(pilot, "ana", counter="1")
        await serve(pilot, ready, "INFO")
        await at_step(pilot, "answer")
        await pilot.press("ctrl+b")
        await settle(pilot)
        assert text(app, "#wf-message") == "This is the first step."
        await next_step(pilot)
        await at_step(pilot, "note")
        await pilot.press("ctrl+b")
        await settle(pilot)
        assert text(app, "#wf-message").startswith("Nothing before 'Note' can be corrected here: only forms can")
        await at_step(pilot, "note")

        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, DeskScreen))
        await pilot.press("c")  # complete is refused while steps are left
        await settle(pilot, 0.1)
        assert any("guided steps left" in str(n.message) for n in app._notifications)
        await pilot.press("g")
        await at_step(pilot, "note")


async def amending(pilot, step_id: str) -> None:
    """Wait until the guide shows a recorded step again to be corrected, its first box focused."""
    def shown() -> bool:
        screen = pilot.app.screen
        panel = screen.panel if isinstance(screen, WorkflowScreen) else None
        return (panel is not None and panel.amend and panel.step.id == step_id and screen.state.amending is not None
                and pilot.app.focused is not None and pilot.app.focused in list(panel.walk_children()))

    await until(pilot, shown)


async def test_back_corrects_a_mistyped_amount_and_the_approval_it_needed_goes(ready, clock):
    """Finding: every Next committed, so ctrl+b could never work ("'The loan' is recorded and cannot be
    changed; to correct it, abandon the workflow"): a typo in an amount meant abandoning the service."""
    app = make_app(ready, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await log_in(pilot, "ana", counter="1")
        ticket = await serve(pilot, ready, "CASH")
        await at_step(pilot, "transaction")
        choose(app, "#f-type", "withdrawal")
        await type_into(pilot, "#f-amount", "6000")  # meant 600
        choose(app, "#f-currency", "EUR")
        await next_step(pilot)
        await at_step(pilot, "approval")
        await type_into(pilot, "#approver-login", "sof")  # typed on the approval step: kept if the teller returns

        await pilot.press("ctrl+b")
        await amending(pilot, "transaction")
        assert "Correcting step 1: Transaction (then on from step 2)" in text(app, "#wf-progress")
        assert here(app, "#f-amount", Input).value == "6000,00" and here(app, "#f-type", Select).value == "withdrawal"
        await pilot.press("escape")  # left as it was: back at the approval, what was typed there still there
        await at_step(pilot, "approval")
        assert here(app, "#approver-login", Input).value == "sof"
        assert outcomes(ticket) == {"transaction": "done", "origin": "skipped"}

        await pilot.press("ctrl+b")
        await amending(pilot, "transaction")
        await type_into(pilot, "#f-amount", "600")
        await next_step(pilot)
        assert text(app, "#e-amend_reason") == "say why it is corrected, for the record"
        assert here(app, "#f-amend_reason").has_focus, "the focus goes to what is missing"
        await pilot.press(*"typed one zero too many", "enter")
        await at_step(pilot, "summary")
        assert "Step 2 of 2: Summary" in text(app, "#wf-progress")
        assert "Amount: 600.00; Currency: EUR (corrected: typed one zero too many)" in text(app, "#wf-summary")
        await next_step(pilot)
        await finished(pilot, ticket)
    rows = StepRecord.select().where(StepRecord.step_id == "transaction").order_by(StepRecord.version)
    assert [(r.version, r.reason, r.staff.login, '"amount": "600.00"' in r.values) for r in rows] == [
        (1, None, "ana", False), (2, "typed one zero too many", "ana", True)]
    assert outcomes(ticket) == {"transaction": "done", "origin": "skipped", "approval": "skipped", "summary": "done"}


async def test_the_loans_required_needs_step_is_not_if_needed_and_more_may_follow(ready, clock):
    """Finding: "Step 1 of 4" became "Step 2 of 5" as conditions added steps; the loan workflow listed its
    required Needs step as "Needs (if needed)"."""
    app = make_app(ready, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await log_in(pilot, "lucas", counter="5")
        await serve(pilot, ready, "LOAN")
        await at_step(pilot, "identify")
        assert "Step 1 of 5 (more may follow): Identify the customer" in text(app, "#wf-progress")
        assert text(app, "#wf-left") == ("Then: Needs · The loan · Documents for a mortgage (if needed) · "
                                         "Refer to the relationship manager · Summary")


async def test_abandon_asks_why_then_the_teller_completes(ready, clock):
    app = make_app(ready, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await log_in(pilot, "ana", counter="1")
        ticket = await serve(pilot, ready, "CASH")
        await at_step(pilot, "transaction")
        await pilot.press("ctrl+a")
        await until(pilot, lambda: isinstance(app.screen, AbandonDialog))
        await pilot.press("enter")
        assert "Say why" in text(app, "#abandon-message")
        await pilot.press(*"Forgot the card")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, DeskScreen))
        assert outcomes(ticket) == {"transaction": "abandoned"}
        await pilot.press("c")
        await until(pilot, lambda: Ticket.get_by_id(ticket).status == q.DONE)
    reason = StepRecord.get(StepRecord.ticket == ticket).values
    assert "Forgot the card" in reason


async def test_the_guide_comes_back_by_itself_after_logging_in_again(ready, clock):
    app = make_app(ready, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await log_in(pilot, "ana", counter="1")
        ticket = await serve(pilot, ready, "CASH")
        await at_step(pilot, "transaction")
        choose(app, "#f-type", "withdrawal")
        await type_into(pilot, "#f-amount", "9000")
        choose(app, "#f-currency", "EUR")
        await next_step(pilot)
        await at_step(pilot, "approval")

        await pilot.press("ctrl+l")
        await until(pilot, lambda: app.current_mode == "login")
        app.screen.query_one("#login", Input).value = ""
        await log_in(pilot, "ana", counter="1")
        await at_step(pilot, "approval")
        assert "Step 2 of 3: Supervisor approval" in text(app, "#wf-progress")
        assert "Amount: 9000.00" in text(app, "#wf-recap")
    assert outcomes(ticket) == {"transaction": "done", "origin": "skipped"}


# ----------------------------------------------------------------- keys typed while a step changes

async def test_keys_typed_while_the_next_step_appears_reach_its_first_box(ready, clock):
    """A killed-desk e2e run lost the "s" of "sofia" typed as the approval step opened: the hidden
    transaction panel kept the focus (and the key) until the new box took it."""
    app = make_app(ready, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await log_in(pilot, "ana", counter="1")
        await serve(pilot, ready, "CASH")
        await at_step(pilot, "transaction")
        choose(app, "#f-type", "withdrawal")
        await type_into(pilot, "#f-amount", "6000")
        choose(app, "#f-currency", "EUR")
        here(app, "#f-currency").focus()
        await pilot.pause()
        screen = guide(app)
        shown = screen._show

        def show_then_type(state):  # keys arriving as the approval step appears, before its box has the focus
            shown(state)
            for key in "sofia":
                app.post_message(events.Key(key, key))

        screen._show = show_then_type
        await pilot.press("ctrl+n")
        await at_step(pilot, "approval")
        assert here(app, "#approver-login", Input).value == "sofia"
        assert here(app, "#approver-login", Input).has_focus


async def test_a_refused_next_puts_the_focus_on_the_first_field_to_correct(ready, clock):
    app = make_app(ready, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await log_in(pilot, "ana", counter="1")
        await serve(pilot, ready, "CASH")
        await at_step(pilot, "transaction")
        choose(app, "#f-type", "withdrawal")
        await type_into(pilot, "#f-amount", "6.00.5")  # no amount
        choose(app, "#f-currency", "EUR")
        here(app, "#f-currency").focus()
        await next_step(pilot)
        assert text(app, "#e-amount") == "an amount like 1250 or 1.250,50"
        assert here(app, "#f-amount", Input).has_focus
        await pilot.press("backspace", "backspace", "backspace", "backspace", "backspace", "backspace", "backspace",
                          *"6000")  # and the keys go there: corrected without reaching for the box
        assert here(app, "#f-amount", Input).value == "6000"
